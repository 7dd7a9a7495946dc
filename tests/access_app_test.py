"""Team mode in the app (offscreen Qt, a real SQLite file): signing in, the session's idle timeout, and the
window following the signed-in user's role while the services refuse what the role cannot do."""

from __future__ import annotations

import socket

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox, QPushButton

from qa_desktop.app.login_dialog import LoginDialog
from qa_desktop.app.main_window import MainWindow
from qa_desktop.services import review
from qa_desktop.services.access import identity
from qa_desktop.services.access.accounts import add_user, sign_in
from qa_desktop.services.retention import set_policy
from qa_desktop.storage.models import AuditEntry, Call, CoachingSession, CriterionResultRow, Job, Score
from tests.support.stored_calls import stored_call

pytestmark = pytest.mark.both_stores


@pytest.fixture
def team(db):
    """An admin, a lead and an evaluator; maria's call is assigned to the evaluator, tom's to nobody."""
    add_user("root", "admin", "root password")
    sign_in("root", "root password")
    add_user("lena", "lead", "lena password")
    add_user("eve", "evaluator", "eve password")
    identity.sign_out()
    results = {"greeting": ("pass", None)}
    assigned = stored_call("maria", "Billing", "2026-11-02T09:00", 60, (80, 70, 90), False, results, ["hello"])
    other = stored_call("tom", "Billing", "2026-11-03T09:00", 60, (80, 70, 90), False, results, ["hello"])
    Call.update(assigned_to="eve").where(Call.id == assigned.id).execute()
    yield Call.get_by_id(assigned.id), other
    identity.sign_out()


def _result_id(call: Call) -> int:
    return CriterionResultRow.select().join(Score).where(Score.call == call).get().id


def test_the_login_dialog_says_why_a_sign_in_failed_then_signs_in(qtbot, team):
    dialog = LoginDialog()
    qtbot.addWidget(dialog)
    dialog.name.setText("eve")
    dialog.password.setText("not it")
    dialog.try_sign_in()
    assert "wrong user name or password" in dialog.message.text()
    assert dialog.password.text() == "" and identity.signed_in() is None
    dialog.password.setText("eve password")
    dialog.try_sign_in()
    assert dialog.result() == QDialog.DialogCode.Accepted and identity.signed_in().name == "eve"


def test_an_evaluators_window_allows_only_what_the_role_may(qtbot, db, team, monkeypatch):
    assigned, other = team
    sign_in("eve", "eve password")
    window = MainWindow(db)
    qtbot.addWidget(window)
    assert "eve (evaluator)" in window.windowTitle()
    enabled = {text for text, action in window.actions.items() if action.isEnabled()}
    assert {"Calibration…", "Agreement lab…", "Settings…"} <= enabled
    assert not enabled & {"Import…", "Users…", "Retention…", "Disputes…", "Coaching…", "Agents and teams…"}
    assert "not for your role (evaluator)" in window.actions["Users…"].toolTip()
    view = window.review
    view.open_call(assigned.id)
    view._criterion_selected(_result_id(assigned))
    assert view.override_button.isEnabled() and view.reviewed.isEnabled() and not view.agent.isEnabled()
    assert "Not for you" not in view.override_button.toolTip()
    view.open_call(other.id)
    view._criterion_selected(_result_id(other))
    assert not view.override_button.isEnabled() and not view.reviewed.isEnabled()
    # Before: disabled with their usual tooltips, so nothing said why (the toolbar's say it)
    why = "on a call not assigned to you needs the admin or QA lead role (you are signed in as eve, an evaluator"
    for control in (view.override_button, view.confirm_button, view.reviewed):
        assert why in control.toolTip(), control.text()
    assert "changing agents and teams" in view.agent.toolTip() and "Reassign" in view.agent.toolTip()
    assert "raising a dispute needs the admin or QA lead role" in view.dispute_button.toolTip()
    said = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: said.append(text))
    view._toggle_reviewed(True)  # as if the button were pressed anyway: the service refuses
    assert "QA lead" in said[0] and not Call.get_by_id(other.id).reviewed
    assert not view.locate.isHidden() and not view.locate.locate_button.isEnabled()  # Locate… is a lead's


# Before: an evaluator's library listed every call with no way to find the ones assigned to them (a lead assigns
# them with `qa-desktop assign`): they opened call after call to see which ones they could review
def test_an_evaluator_lists_the_calls_assigned_to_them(qtbot, db, team):
    assigned, _ = team
    sign_in("eve", "eve password")
    window = MainWindow(db)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.calls.rowCount() == 2)
    boxes = window.filters.reviewed
    boxes.setCurrentIndex(boxes.findText("Assigned to me"))
    qtbot.waitUntil(lambda: window.calls.rowCount() == 1)
    assert window.calls.call_id(0) == assigned.id and window.calls.filter.assigned_to == "eve"
    window.filters.clear.click()
    qtbot.waitUntil(lambda: window.calls.rowCount() == 2)


# Before: an evaluator's calibration window offered New session (title, evaluators, Propose calls, Create session) and
# "Settle selected as the expert answer", each refused only once clicked, after the work
def test_an_evaluators_calibration_window_says_creating_and_settling_are_a_leads(qtbot, db, team):
    def buttons(window) -> dict[str, QPushButton]:
        return {b.text(): b for b in window.calibration.findChildren(QPushButton)}

    sign_in("eve", "eve password")
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.open_calibration()
    seen = buttons(window)
    assert not seen["Create session"].isEnabled() and not seen["Propose calls"].isEnabled()
    assert window.calibration.create_note.text() == (
        "Creating a calibration session needs the admin or QA lead role (you are signed in as eve, an evaluator)."
    )
    assert window.calibration.sessions_label.text() == "Sessions: none yet."  # not "Start one below"
    settle = seen["Settle selected as the expert answer"]
    assert not settle.isEnabled() and settle.toolTip().startswith("Settling a calibration's expert answer needs")
    identity.sign_out()
    sign_in("lena", "lena password")
    lead = MainWindow(db)
    qtbot.addWidget(lead)
    lead.open_calibration()
    seen = buttons(lead)
    assert seen["Create session"].isEnabled() and seen["Settle selected as the expert answer"].isEnabled()
    assert lead.calibration.create_note.isHidden()


def test_an_idle_session_signs_out_and_asks_the_same_user_again(qtbot, db, team):
    assigned, _ = team
    sign_in("lena", "lena password")
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.idle.expire()
    assert identity.signed_in() is None
    with pytest.raises(identity.NotSignedIn):
        review.set_reviewed(assigned.id)
    dialog = window.idle.dialog
    assert dialog.name.text() == "lena" and dialog.name.isReadOnly()
    dialog.password.setText("lena password")
    dialog.try_sign_in()
    assert identity.signed_in().name == "lena"
    review.set_reviewed(assigned.id)
    assert Call.get_by_id(assigned.id).reviewed_by == "lena"


def test_an_agents_library_and_dashboards_show_their_own_calls_only(qtbot, db, team):
    assigned, _ = team
    sign_in("root", "root password")
    add_user("maria", "agent", "maria password")
    identity.sign_out()
    sign_in("maria", "maria password")
    window = MainWindow(db)
    qtbot.addWidget(window)
    assert [window.calls.call_id(row) for row in range(window.calls.rowCount())] == [assigned.id]
    assert window.dashboards.scope().agent_id == assigned.agent_id
    qtbot.waitUntil(lambda: window.dashboards.teams_read and window.filters.choices_read)  # filled in the background
    for box in (window.filters.agent, window.filters.team, window.dashboards.agent, window.dashboards.team):
        offered = [box.itemText(i) for i in range(box.count())]
        assert "tom" not in offered and offered[-1] in ("maria", "Billing"), offered  # no other agent's name


def test_an_unfinished_import_is_offered_to_whoever_may_import_only(qtbot, db, team):
    Job.create(path="/calls/a.wav", status="interrupted", owner=f"999999@1.00@{socket.gethostname()}")  # ended
    shown = {}
    for name in ("eve", "lena"):
        sign_in(name, f"{name} password")
        window = MainWindow(db)
        qtbot.addWidget(window)
        shown[name] = not window.resume_banner.isHidden()
        identity.sign_out()
    assert shown == {"eve": False, "lena": True}  # an evaluator was offered to resume or discard the lead's import


def test_the_scheduled_retention_runs_in_an_admins_app_as_that_admin(qtbot, db, team):
    sign_in("root", "root password")
    set_policy({"transcripts": 7})  # both calls are older
    identity.sign_out()
    sign_in("lena", "lena password")
    lead_window = MainWindow(db)
    qtbot.addWidget(lead_window)
    qtbot.wait(50)  # its scheduled run at start comes and goes while lena is signed in
    assert lead_window.run_retention() is None  # a QA lead's app leaves the admin's policy alone
    lead_window.close()
    identity.sign_out()
    sign_in("root", "root password")
    window = MainWindow(db)  # runs it at start
    qtbot.addWidget(window)
    deleted = AuditEntry.select().where(AuditEntry.action == "retention: transcript deleted")
    qtbot.waitUntil(lambda: deleted.count() == 2 or "failed" in window.statusBar().currentMessage(), timeout=20000)
    assert deleted.count() == 2, window.statusBar().currentMessage()
    assert {entry.actor for entry in deleted} == {"root"}


def test_an_agent_exports_their_own_coaching_pack_from_the_app(qtbot, db, team, tmp_path):
    assigned, other = team
    sign_in("root", "root password")
    add_user("maria", "agent", "maria password")
    own = CoachingSession.create(title="Closing calls", agents=[assigned.agent_id], criteria=["greeting"])
    CoachingSession.create(title="Tom's greeting", agents=[other.agent_id], criteria=["greeting"])
    identity.sign_out()
    sign_in("maria", "maria password")
    window = MainWindow(db)
    qtbot.addWidget(window)
    assert "Coaching…" not in window.actions and window.actions["My coaching packs…"].isEnabled()
    dialog = window.open_my_packs()
    qtbot.addWidget(dialog)
    assert [dialog.sessions.item(i).text() for i in range(dialog.sessions.count())] == ["Closing calls (planned)"]
    dialog.export_to(tmp_path)
    qtbot.waitUntil(lambda: dialog.message.text().startswith(("Saved", "The export failed")), timeout=30000)
    assert dialog.message.text().startswith("Saved"), dialog.message.text()
    assert (tmp_path / f"coaching-{own.id}-maria.zip").is_file()
