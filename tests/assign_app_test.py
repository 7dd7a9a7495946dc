"""Assigning calls to evaluators in the app (offscreen Qt, a real SQLite file and a real PostgreSQL server): the
library's multi-selection, its "Assign N calls to" menu, the Assigned to column, and the audit trail."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt

from qa_desktop.app.main_window import MainWindow
from qa_desktop.services.access import identity
from qa_desktop.services.access.accounts import add_user, set_active, sign_in
from qa_desktop.storage.library import COLUMNS
from qa_desktop.storage.models import AuditEntry, Call
from tests.support.stored_calls import stored_call

pytestmark = pytest.mark.both_stores
ASSIGNED = list(COLUMNS).index("assigned")


@pytest.fixture
def calls(db):
    """Three calls, none assigned; an admin, a lead, two evaluators (one disabled)."""
    for name, role in (("root", "admin"), ("lena", "lead"), ("eve", "evaluator"), ("fay", "evaluator")):
        add_user(name, role, f"{name} password")
        if role == "admin":
            sign_in(name, f"{name} password")  # the first user; an admin adds the others
    add_user("old", "evaluator", "old password")
    set_active("old", False)
    identity.sign_out()
    results = {"greeting": ("pass", None)}
    made = [
        stored_call(agent, "Billing", f"2026-11-0{day}T09:00", 60, (80, 70, 90), False, results, ["hello"])
        for day, agent in ((1, "maria"), (2, "tom"), (3, "ana"))
    ]
    yield [call.id for call in made]
    identity.sign_out()


def _window(qtbot, db, name: str) -> MainWindow:
    sign_in(name, f"{name} password")
    window = MainWindow(db)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.calls.rowCount() == 3)
    return window


def _select(window: MainWindow, rows: list[int]) -> None:
    selection = QItemSelection()
    for row in rows:
        selection.select(window.calls.index(row, 0), window.calls.index(row, 0))
    flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    window.table.selectionModel().select(selection, flags)


def _submenu(window: MainWindow, qtbot):
    """The assign menu, its evaluators read (off the UI thread)."""
    menu = window.library_menu(None)
    window.evaluators.wait()
    qtbot.waitUntil(lambda: window.evaluators.names is not None)
    return menu.actions()[0].menu()


# Before: the library selected one call at a time and had no context menu: a lead left the app to run
# `qa-desktop assign` for every batch of calls
def test_a_lead_assigns_several_calls_from_the_library_with_an_audit_entry_each(qtbot, db, calls):
    window = _window(qtbot, db, "lena")
    opened = window.review.call.id
    _select(window, [0, 2])
    assert window.review.call.id == opened  # several selected: the open call stays
    submenu = _submenu(window, qtbot)
    assert submenu.title() == "Assign 2 calls to" and submenu.isEnabled()
    assert [a.text() for a in submenu.actions() if not a.isSeparator()] == ["eve", "fay", "Nobody"]  # not "old"
    chosen = [window.calls.call_id(0), window.calls.call_id(2)]
    next(a for a in submenu.actions() if a.text() == "eve").trigger()
    qtbot.waitUntil(lambda: window.assigning is None)
    assert {c.id: c.assigned_to for c in Call.select()} == {i: ("eve" if i in chosen else None) for i in calls}
    entries = AuditEntry.select().where(AuditEntry.action == "assign")
    assert sorted((e.call_id, e.actor, e.old, e.new) for e in entries) == sorted(
        (i, "lena", None, "eve") for i in chosen
    )
    assert [window.calls.data(window.calls.index(r, ASSIGNED)) for r in range(3)] == ["eve", "", "eve"]
    assert not window.table.isColumnHidden(ASSIGNED)  # shown by default on a database with users
    assert window.statusBar().currentMessage() == "2 calls assigned to eve"
    assert opened in chosen and "assigned to eve" in window.review.title.text()  # the open call's header
    assert len(window.selected_rows()) == 2  # the selection stays, to hand the same calls on
    next(a for a in _submenu(window, qtbot).actions() if a.text() == "Nobody").trigger()
    qtbot.waitUntil(lambda: window.assigning is None)
    assert Call.select().where(Call.assigned_to.is_null(False)).count() == 0
    assert AuditEntry.select().where(AuditEntry.action == "assign").count() == 4


def test_a_call_assigned_by_someone_else_meanwhile_is_refused_and_named_the_others_assigned(qtbot, db, calls):
    window = _window(qtbot, db, "lena")
    window.table.selectAll()
    assert [window.calls.data(window.calls.index(r, ASSIGNED)) for r in range(3)] == ["", "", ""]  # as painted
    taken = window.calls.call_id(1)
    Call.update(assigned_to="fay").where(Call.id == taken).execute()  # another lead, after the list was read
    window.assign_selected("eve")
    qtbot.waitUntil(lambda: window.assigning is None)
    assert Call.get_by_id(taken).assigned_to == "fay"
    assert Call.select().where(Call.assigned_to == "eve").count() == 2
    assert window.statusBar().currentMessage() == "2 calls assigned to eve; 1 refused"
    row = Call.get_by_id(taken)
    named = f"the call '{row.agent.name}, {row.call_time:%Y-%m-%d %H:%M}' was assigned to fay meanwhile"
    assert named in window.assign_report.text()  # as the library names it, not by its id


def test_an_evaluator_sees_the_assign_menu_disabled_with_the_reason(qtbot, db, calls):
    window = _window(qtbot, db, "eve")
    submenu = _submenu(window, qtbot)
    assert not submenu.isEnabled()
    why = "assigning calls to evaluators needs the admin or QA lead role (you are signed in as eve, an evaluator)"
    assert why in submenu.menuAction().toolTip()  # the services' own refusal


def test_without_users_the_library_has_no_assign_menu(qtbot, db):
    results = {"greeting": ("pass", None)}
    stored_call("maria", "Billing", "2026-11-01T09:00", 60, (80, 70, 90), False, results, ["hello"])
    window = MainWindow(db)
    qtbot.addWidget(window)
    assert window.table.contextMenuPolicy() != Qt.ContextMenuPolicy.CustomContextMenu
    assert window.table.isColumnHidden(ASSIGNED)


# Before: a lead's Reviewed box had no choice for the calls still to hand out
def test_a_lead_lists_the_calls_to_hand_out_and_the_assigned_ones_leave_the_list(qtbot, db, calls):
    Call.update(reviewed=True).where(Call.id == calls[0]).execute()
    window = _window(qtbot, db, "lena")
    boxes = window.filters.reviewed
    boxes.setCurrentIndex(boxes.findText("Not reviewed, unassigned"))
    qtbot.waitUntil(lambda: window.calls.rowCount() == 2)
    window.table.selectRow(0)
    window.assign_selected("fay")
    qtbot.waitUntil(lambda: window.assigning is None and window.calls.rowCount() == 1)
    assert Call.select().where(Call.assigned_to == "fay").count() == 1
    assert _window(qtbot, db, "eve").filters.reviewed.findText("Not reviewed, unassigned") == -1  # an evaluator's
