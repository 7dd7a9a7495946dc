"""Assigning calls to evaluators in the app (offscreen Qt, a real SQLite file and a real PostgreSQL server): the
library's multi-selection, its "Assign N calls to" menu, the Assigned to column, and the audit trail."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, Qt
from PySide6.QtWidgets import QPushButton

from qa_desktop.app.background import wait_for_tasks
from qa_desktop.app.library_model import LibraryModel
from qa_desktop.app.main_window import MainWindow
from qa_desktop.services import review as review_service
from qa_desktop.services.access import identity
from qa_desktop.services.access.accounts import add_user, set_active, sign_in
from qa_desktop.storage.database import close_database, open_database
from qa_desktop.storage.library import COLUMNS, LibraryFilter
from qa_desktop.storage.models import AuditEntry, Call, database
from tests.support.outages import stopped_server, unreadable_file
from tests.support.stored_calls import stored_call

pytestmark = pytest.mark.both_stores
ASSIGNED = list(COLUMNS).index("assigned")


@pytest.fixture
def calls(db):
    """Three calls, none assigned; an admin, a lead, two evaluators (one disabled)."""
    yield _three_calls()
    identity.sign_out()


def _three_calls() -> list[int]:
    """Three calls, none assigned, and the users (see `calls`), in the open database; signed out."""
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
    return [call.id for call in made]


def _window(qtbot, db, name: str) -> MainWindow:
    sign_in(name, f"{name} password")
    window = MainWindow(db)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.calls.rowCount() == 3 and window.filters.choices_read)  # boxes: in the background
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
    window.assign_options.wait()
    qtbot.waitUntil(lambda: window.assign_options.choices is not None)
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
    window.select_row(0)
    window.assign_selected("fay")
    qtbot.waitUntil(lambda: window.assigning is None and window.calls.rowCount() == 1)
    assert Call.select().where(Call.assigned_to == "fay").count() == 1
    assert _window(qtbot, db, "eve").filters.reviewed.findText("Not reviewed, unassigned") == -1  # an evaluator's


class _StopAfter:
    """The app's side of a long job (`Job`): it hears the progress and asks to stop after `batches` batches."""

    def __init__(self, batches: int) -> None:
        self.batches, self.reports = batches, []

    def report(self, done: int, total: int) -> None:
        self.reports.append((done, total))

    def cancelled(self) -> bool:
        return len(self.reports) >= self.batches


def _assigned_and_audited() -> tuple[set[int], list[int]]:
    calls = {c.id for c in Call.select().where(Call.assigned_to == "eve")}
    audited = [
        e.call_id for e in AuditEntry.select().where((AuditEntry.action == "assign") & (AuditEntry.new == "eve"))
    ]
    return calls, audited


# Before: one transaction for every call, no progress and no way to stop (30 s at 100,000 calls on PostgreSQL)
def test_assigning_reports_each_batch_and_a_cancel_keeps_the_whole_batches_done_with_their_audit(
    db, calls, monkeypatch
):
    monkeypatch.setattr(review_service, "ASSIGN_BATCH", 2)
    sign_in("lena", "lena password")
    listed = sorted(calls) + [max(calls) + 1]  # and a call that is gone
    job = _StopAfter(1)
    done = review_service.assign_calls(listed, "eve", None, job)
    assert job.reports == [(2, 4)]
    assert done.assigned == sorted(calls)[:2] and done.left == 2 and not done.refused
    assert done.summary() == "2 calls assigned to eve; cancelled, 2 left as they were"
    assigned, audited = _assigned_and_audited()
    assert assigned == set(sorted(calls)[:2]) and sorted(audited) == sorted(assigned)  # one entry each, no more
    job = _StopAfter(99)
    done = review_service.assign_calls(listed, "eve", None, job)
    assert job.reports == [(2, 4), (4, 4)] and done.left == 0 and len(done.unchanged) == 2
    assert list(done.refused.values()) == [f"a selected call (id {max(calls) + 1}) is no longer in the library"]
    assigned, audited = _assigned_and_audited()
    assert assigned == set(calls) and sorted(audited) == sorted(calls)


# Before: only the rows the table had painted were checked; a call further down that another lead had assigned
# (or reviewed) since the list was read was taken over silently
def test_every_selected_call_is_checked_against_the_list_though_its_row_was_never_read(qtbot, db, calls):
    sign_in("lena", "lena password")
    model = LibraryModel()  # no view: no row is read
    shown = model.shown_assignees([model.call_id(n) for n in range(3)])
    taken, reviewed = model.call_id(1), model.call_id(2)
    Call.update(assigned_to="fay").where(Call.id == taken).execute()  # another lead, after the list was read
    Call.update(reviewed=True).where(Call.id == reviewed).execute()
    done = review_service.assign_calls([model.call_id(n) for n in range(3)], "eve", shown)
    assert done.assigned == [model.call_id(0)] and set(done.refused) == {taken, reviewed}
    assert done.refused[taken].endswith("was assigned to fay meanwhile")
    assert done.refused[reviewed].endswith("was marked reviewed meanwhile")
    assert {c.id: c.assigned_to for c in Call.select()} == {model.call_id(0): "eve", taken: "fay", reviewed: None}
    assert AuditEntry.select().where(AuditEntry.action == "assign").count() == 1
    again = review_service.assign_calls([taken], "fay", shown)  # what the other lead did is what this one asks
    assert again.unchanged == [taken] and not again.refused


def _first_batch_held(db):
    """Another writer holds the database: the first batch waits for it (SQLite's write lock)."""
    import sqlite3

    other = sqlite3.connect(db)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_cancel_in_the_progress_dialog_stops_after_the_batch_being_saved(qtbot, db, calls, monkeypatch):
    if database.dialect.name != "sqlite":
        pytest.skip("the first batch is held by another SQLite writer")
    monkeypatch.setattr(review_service, "ASSIGN_BATCH", 1)
    window = _window(qtbot, db, "lena")
    window.table.selectAll()
    other = _first_batch_held(db)
    task = window.assign_selected("eve")
    assert window.assign_progress.maximum() == 3 and window.assign_progress.labelText() == "Assigning 3 calls to eve…"
    window.assign_progress.findChild(QPushButton).click()  # Cancel
    other.rollback()
    other.close()
    task.wait()
    qtbot.waitUntil(lambda: window.assigning is None)
    assigned, audited = _assigned_and_audited()
    assert len(assigned) <= 1 and sorted(audited) == sorted(assigned)  # the batch being saved, if it had begun
    left = 3 - len(assigned)
    assert window.statusBar().currentMessage().endswith(f"cancelled, {left} left as they were")
    assert [window.calls.data(window.calls.index(r, ASSIGNED)) for r in range(3)].count("eve") == len(assigned)


_REFUSE_THIRD = {  # a write the database refuses (a full disk, a dropped connection) at the third call
    "sqlite": [
        "CREATE TRIGGER refuse BEFORE UPDATE OF assigned_to ON call WHEN NEW.id = {id} "
        "BEGIN SELECT RAISE(ABORT, 'the disk is full'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'the disk is full'; END $$ "
        "LANGUAGE plpgsql",
        "CREATE TRIGGER refuse BEFORE UPDATE OF assigned_to ON call FOR EACH ROW WHEN (NEW.id = {id}) "
        "EXECUTE FUNCTION refuse()",
    ],
}


# Before: the error reached only the status bar ("No call assigned: ..."), though nothing was saved at all
def test_an_error_midway_says_how_many_calls_were_done_and_those_stay_whole(qtbot, db, calls, monkeypatch):
    monkeypatch.setattr(review_service, "ASSIGN_BATCH", 1)
    window = _window(qtbot, db, "lena")
    window.table.selectAll()
    third = window.calls.call_id(2)
    for statement in _REFUSE_THIRD[database.dialect.name]:
        database.execute_sql(statement.format(id=third))
    window.assign_selected("eve")
    qtbot.waitUntil(lambda: window.assigning is None)
    assert window.assign_report.windowTitle() == "Assigning stopped"
    text = window.assign_report.text()
    assert "database or disk is full" in text and "The first 2 of 3 calls were done before it stopped" in text
    assigned, audited = _assigned_and_audited()
    assert assigned == {window.calls.call_id(0), window.calls.call_id(1)} and sorted(audited) == sorted(assigned)


@pytest.mark.parametrize(
    "outage", [unreadable_file, pytest.param(stopped_server, marks=pytest.mark.postgresql)], ids=["sqlite", "pg"]
)
def test_the_menu_opens_at_once_while_the_database_cannot_be_read_and_says_why(qtbot, tmp_path, outage):
    """Before: the evaluators were read on the UI thread as the menu opened: a slow server froze the window, a
    stopped one raised the app's error dialog instead of the menu."""
    with outage(tmp_path) as (location, readable):
        open_database(str(location))
        try:
            _three_calls()
            sign_in("lena", "lena password")
            window = MainWindow(location)
            qtbot.addWidget(window)
            qtbot.waitUntil(lambda: window.assign_options.choices is not None)  # read as the window opened
            window.table.selectAll()
            readable(False)
            try:
                with qtbot.capture_exceptions() as raised:
                    submenu = window.library_menu(None).actions()[0].menu()
                    window.assign_options.wait()
                    qtbot.waitUntil(lambda: bool(window.assign_options.problem))
                assert not raised, raised
                texts = [a.text() for a in submenu.actions() if not a.isSeparator()]
                assert texts[:2] == ["eve", "fay"] and texts[3] == "Nobody"  # as last read
                assert texts[2].startswith("Could not read the evaluators: ") and str(location) in texts[2]
            finally:
                readable(True)
        finally:
            wait_for_tasks()
            identity.sign_out()
            close_database()


# Before: a lead could list only the calls to hand out (or their own), not one evaluator's queue
def test_a_lead_lists_one_evaluators_queue_and_hands_a_disabled_ones_calls_on(qtbot, db, calls):
    Call.update(assigned_to="eve").where(Call.id == calls[0]).execute()
    Call.update(assigned_to="old").where(Call.id == calls[2]).execute()  # a disabled evaluator's
    window = _window(qtbot, db, "lena")
    boxes = window.filters.reviewed
    offered = [boxes.itemText(i) for i in range(boxes.count())]
    assert offered[-4:] == ["Not reviewed, unassigned", "Assigned to eve", "Assigned to fay", "Assigned to old"]
    boxes.setCurrentIndex(boxes.findText("Assigned to eve"))
    qtbot.waitUntil(lambda: window.calls.rowCount() == 1)
    assert window.calls.call_id(0) == calls[0] and window.calls.filter.reviewed is None
    boxes.setCurrentIndex(boxes.findText("Assigned to old"))
    qtbot.waitUntil(lambda: window.calls.rowCount() == 1 and window.calls.call_id(0) == calls[2])
    window.table.selectAll()
    window.assign_selected("eve")
    qtbot.waitUntil(lambda: window.assigning is None and window.calls.rowCount() == 0)  # left old's queue
    window.filters.refresh_choices()  # as after an import: the chosen queue stays chosen
    qtbot.waitUntil(lambda: window.filters.choices_read)
    assert boxes.currentText() == "Assigned to old"
    window.filters.show_filter(LibraryFilter(assigned_to="eve"))  # e.g. from a click elsewhere
    qtbot.waitUntil(lambda: window.calls.rowCount() == 2)
    assert boxes.currentText() == "Assigned to eve"
    evaluator = _window(qtbot, db, "eve").filters.reviewed
    assert evaluator.findText("Assigned to fay") == -1 and evaluator.findText("Assigned to me") != -1


def test_painting_the_header_over_every_selected_call_does_not_read_the_model_row_by_row(qtbot, db, calls, monkeypatch):
    """Ctrl+A then a repaint: the header asked the model's size once per row and column (60,000 calls froze the
    window for seconds, all of it in `columnCount` called from Python)."""
    asked = [0]

    class Counted(LibraryModel):
        def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802 (Qt API)
            asked[0] += 1
            return super().columnCount(parent)

    monkeypatch.setattr("qa_desktop.app.main_window.LibraryModel", Counted)
    window = _window(qtbot, db, "lena")
    window.resize(1366, 768)
    header = window.table.horizontalHeader()
    header.grab()
    asked[0] = 0
    header.grab()
    unselected = asked[0]
    window.table.selectAll()
    asked[0] = 0
    header.grab()
    assert len(window.selected_rows()) == 3
    assert asked[0] <= unselected  # the same few questions with every row selected (was one per row and column)


def test_a_column_layout_saved_on_a_database_without_users_shows_assigned_to_on_a_team_s(qtbot, db):
    """Before: the hidden columns were saved as one list, Assigned to among them as a database without users hides it
    by default; on a team database it stayed hidden (only a column new since the layout was saved took the default)."""
    alone = MainWindow(db)
    qtbot.addWidget(alone)
    assert alone.table.isColumnHidden(ASSIGNED)  # no users: no one is assigned calls
    alone.columns.show_column("reviewed", False)  # the user's own choice
    alone.columns.show_column("team", True)
    alone.close()
    _three_calls()
    window = _window(qtbot, db, "lena")
    hidden = {key for i, key in enumerate(COLUMNS) if window.table.isColumnHidden(i)}
    assert hidden == {"reviewed", "driver"}  # was Assigned to hidden too
    identity.sign_out()


def test_a_layout_saved_by_an_older_version_on_a_database_without_users_shows_assigned_to_on_a_team_s(qtbot, db, calls):
    """The layout as versions before kept it: the hidden columns, Assigned to among them by default."""
    from qa_desktop.services.settings import Settings

    hidden = ["assigned", "driver", "reviewed", "team"]
    Settings().store.setValue("library/columns", json.dumps({"order": list(COLUMNS), "widths": {}, "hidden": hidden}))
    window = _window(qtbot, db, "lena")
    assert {key for i, key in enumerate(COLUMNS) if window.table.isColumnHidden(i)} == {"driver", "reviewed", "team"}
