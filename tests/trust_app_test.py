"""The trust screens with real widgets (offscreen Qt): a dispute raised from the review and accepted in
the disputes list, blind scoring in the calibration window, and the agreement lab's marks and routing."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel

from qa_desktop.app.disputes_dialog import DisputesDialog
from qa_desktop.app.main_window import MainWindow
from qa_desktop.app.scorecard_panel import REASON_ROLE
from qa_desktop.services.settings import Settings
from qa_desktop.services.trust import calibration as cal
from qa_desktop.services.trust import disputes as disputes_service
from qa_desktop.storage.library import LibraryFilter
from qa_desktop.storage.models import AuditEntry, CalibrationAnswer, Call, CriterionResultRow, Dispute, Score
from qa_desktop.storage.review import override, set_reviewed
from tests.support.stored_calls import SHORT_CHAT, stored_call, stored_conversation

pytestmark = pytest.mark.both_stores


def _window(qtbot, db) -> MainWindow:
    Settings().set("reviewer", "Lead")  # else the app asks the reviewer's name before the first change
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    return window


def test_dispute_from_review_then_accepted(qtbot, db):
    call = stored_call(
        "Ana",
        "Billing",
        "2026-03-02 09:00",
        300,
        (50, 50, 0),
        True,
        {"identity_verification": ("fail", None), "greeting": ("pass", None)},
        ["hello"],
    )
    window = _window(qtbot, db)
    window.open_call(call.id)
    assert window.review.call.id == call.id
    window.review.scorecard.tree.setCurrentItem(window.review.scorecard.criterion_item("identity_verification"))
    assert window.review.dispute_button.isEnabled()
    window.review.apply_dispute("identity_verification", "Ana", "pass", "postcode asked at 0:42")
    assert "Dispute (open) for Ana" in window.review.scorecard.criterion_item("identity_verification").data(
        0, REASON_ROLE
    )
    dialog = window.open_disputes()
    qtbot.waitUntil(lambda: dialog.loaded)
    assert dialog.table.topLevelItemCount() == 1 and dialog.by_agent.topLevelItem(0).text(1) == "1"
    assert [b.isEnabled() for b in dialog.actions] == [False, False, False]  # nothing selected yet
    dialog.table.setCurrentItem(dialog.table.topLevelItem(0))
    assert [b.isEnabled() for b in dialog.actions] == [True, True, True]
    dialog.decide(dialog.selected(), True, "heard it")
    assert [b.isEnabled() for b in dialog.actions] == [False, False, False]  # until the list is read again
    qtbot.waitUntil(lambda: dialog.loaded)
    assert Dispute.get().status == "accepted" and dialog.table.topLevelItemCount() == 0  # open ones only
    assert window.review.scorecard.criterion_item("identity_verification").text(1) == "PASS ✎"
    assert not Score.get(Score.call == call, Score.current).auto_fail


def test_the_disputing_agent_is_picked_from_the_agents(qtbot, db):
    from qa_desktop.app.review_view import DisputeDialog

    stored_call("Ben", "Sales", "2026-03-02 09:00", 300, (50, 50, 0), True, {"greeting": ("fail", None)}, ["hi"])
    call = stored_call(
        "Ana", "Billing", "2026-03-03 09:00", 300, (50, 50, 0), True, {"greeting": ("fail", None)}, ["hi"]
    )
    row = CriterionResultRow.get(
        CriterionResultRow.score == call.scores.get(), CriterionResultRow.criterion == "greeting"
    )
    dialog = DisputeDialog(_window(qtbot, db), row, "Greeting", call.agent.name)
    assert not dialog.agent.isEditable() and dialog.agent.currentText() == "Ana"
    assert [dialog.agent.itemText(i) for i in range(dialog.agent.count())] == ["Ana", "Ben"]


def test_calibration_window_scores_blind(qtbot, db):
    calls = [
        stored_call(
            "Ana",
            "Billing",
            f"2026-03-0{i + 2} 09:00",
            300,
            (80, 80, 80),
            False,
            {"greeting": ("pass", None)},
            ["thank you for calling"],
        )
        for i in range(2)
    ]
    override(CriterionResultRow.get(CriterionResultRow.score == Score.get(call=calls[0]).id), "fail", "no", "Lead")
    window = _window(qtbot, db)
    win = window.open_calibration()
    win.title.setText("March")
    win.evaluators.setText("Ann, Bob")
    win.count.setValue(2)
    win.propose()
    qtbot.waitUntil(lambda: win.proposals.count() == 2)  # found in the background
    assert win.proposals.count() == 2 and "overrode" in win.proposals.item(0).text()
    # each call named as the library names it (was "1 · Ana · ...": its database id)
    assert win.proposals.item(0).text().startswith("Ana, 2026-03-02 09:00 · ")
    window.open_call(calls[1].id)
    win.add_open_call()  # already proposed: not added twice
    assert win.proposals.count() == 2
    session = win.create()
    assert session is not None and win.call_list.count() == 2
    assert (win.title.text(), win.evaluators.text(), win.proposals.count()) == ("", "", 0)  # ready for the next
    win.evaluator.setCurrentIndex(0)  # Ann
    assert win.call_list.item(0).text().endswith("0/1")
    assert {win.call_list.item(r).text() for r in range(2)} == {
        "○ Ana, 2026-03-02 09:00 · 5.0 min · 0/1",
        "○ Ana, 2026-03-03 09:00 · 5.0 min · 0/1",
    }  # was "○ Call 1 · Ana · 5.0 min · 0/1"
    win.call_list.setCurrentRow(0)
    for row in range(win.call_list.count()):
        assert win.call_list.currentRow() == row  # after a call's last answer, the next call owing answers
        assert "greeting" in win.definition.text().lower()  # the criterion's definition beside the question
        qtbot.keyClick(win.answers, Qt.Key.Key_P)  # PASS, from the keyboard
        assert win.call_list.item(row).text().endswith("1/1")
    assert win.answers.item(0, 1).text() == "PASS"  # nothing owed anywhere: the last call stays
    assert CalibrationAnswer.select().count() == 2
    win.view_as("Ann", confirm=False)  # viewing as Ann, before submitting
    assert "must submit" in win.blind_note.text() and win.agreement.topLevelItemCount() == 0
    switch = AuditEntry.get(AuditEntry.action == "calibration view as")
    assert (switch.old, switch.new) == (window.reviewer(), "Ann")
    win.submit()
    assert not win.submit_button.isEnabled() and not win.answers.isEnabled()
    win.show_results()
    assert win.blind_note.text() == "" and win.agreement.topLevelItem(0).text(0) == "Greeting"  # its name
    win.view_as("Bob", confirm=False)  # Bob has not submitted: still blind
    assert "Bob must submit" in win.blind_note.text()


def test_the_calibration_window_greys_what_a_chat_rules_out(qtbot, db, scorecard, tmp_path):
    (tmp_path / "chat-7.csv").write_text(SHORT_CHAT, encoding="utf-8")
    chat = stored_conversation(tmp_path / "chat-7.csv", scorecard)
    mixed = ["greeting", "tone", "recording_disclosure"]
    call = stored_call(
        "Ana", "Billing", "2026-03-02 09:00", 300, (80, 80, 80), False, dict.fromkeys(mixed, ("pass", None)), ["hi"]
    )
    cal.create_session("Mixed", "Lead", ["Ann", "Bob"], [chat.id, call.id], mixed)
    win = _window(qtbot, db).open_calibration()
    win.sessions.setCurrentRow(0)
    win.evaluator.setCurrentIndex(0)  # Ann
    assert [win.call_list.item(r).text()[-3:] for r in range(2)] == ["0/1", "0/3"]  # the chat asks greeting only
    assert win.progress.text() == "4 answers still to give across the 2 calls."
    win.call_list.setCurrentRow(0)
    qtbot.keyClick(win.answers, Qt.Key.Key_P)  # greeting, the chat's only question: then the call owing answers
    assert win.call_list.currentRow() == 1 and win.call_list.item(0).text().startswith("✓")
    win.call_list.setCurrentRow(0)
    for row, says in ((1, "text conversation: no audio"), (2, "does not check this on a text conversation")):
        given = win.answers.item(row, 1)
        assert given.text() == "n/a" and says in given.toolTip() and given.foreground().color().name() == "#9e9e9e"
        win.answers.setCurrentCell(row, 1)
        assert "not asked on this call" in win.definition.text() and says in win.definition.text()
        qtbot.keyClick(win.answers, Qt.Key.Key_F)  # nothing is recorded (nor a message box raised)
        assert win.answers.currentRow() == row and win.answers.item(row, 1).text() == "n/a"
    assert CalibrationAnswer.select().count() == 1
    win.call_list.setCurrentRow(1)
    for _ in mixed:
        qtbot.keyClick(win.answers, Qt.Key.Key_P)
    assert win.progress.text().startswith("0 answers still to give")
    win.submit()  # owing nothing on the chat's tone or disclosure
    assert not win.submit_button.isEnabled()


def test_answer_keys_go_on_to_the_next_call_rather_than_rewrite_the_last_answer(qtbot, db):
    criteria = ["greeting", "closing"]
    calls = [
        stored_call(
            "Ana",
            "Billing",
            f"2026-03-0{day} 09:00",
            300,
            (80, 80, 80),
            False,
            dict.fromkeys(criteria, ("pass", None)),
            ["hi"],
        )
        for day in (2, 3, 4)
    ]
    cal.create_session("March", "Lead", ["Ann", "Bob"], [c.id for c in calls], criteria)
    win = _window(qtbot, db).open_calibration()
    win.sessions.setCurrentRow(0)
    win.evaluator.setCurrentIndex(0)  # Ann
    win.call_list.setCurrentRow(1)  # she starts on the second call
    for key in (Qt.Key.Key_P, Qt.Key.Key_F, Qt.Key.Key_N, Qt.Key.Key_P):
        qtbot.keyClick(win.answers, key)
    given = {(a.call_id, a.criterion): a.result for a in CalibrationAnswer.select()}
    assert given == {
        (calls[1].id, "greeting"): "pass",
        (calls[1].id, "closing"): "fail",  # was "pass": the third and fourth keys rewrote it
        (calls[2].id, "greeting"): "na",
        (calls[2].id, "closing"): "pass",
    }
    qtbot.keyClick(win.answers, Qt.Key.Key_F)  # round to the first call, which still owes both
    assert win.call_list.currentRow() == 0 and win.answers.item(0, 1).text() == "FAIL"
    assert win.answers.currentRow() == 1 and win.progress.text().startswith("1 answer still to give")


def test_agreement_lab_marks_and_routes(qtbot, db):
    calls = [
        stored_call(
            "Ana",
            "Billing",
            f"2026-03-0{i + 2} 09:00",
            300,
            (80, 80, 80),
            False,
            {"greeting": ("pass", None)},
            ["hello"],
        )
        for i in range(4)
    ]
    for call in calls[:3]:
        set_reviewed(Call.get_by_id(call.id), "Rita")
        override(CriterionResultRow.get(CriterionResultRow.score == Score.get(call=call).id), "fail", "no", "Rita")
    window = _window(qtbot, db)
    lab = window.open_agreement()
    qtbot.waitUntil(lambda: "human verdicts on" in lab.summary.text())  # read in the background
    assert "at least 3 calls" in lab.explain.text()
    row = lab.table.topLevelItem(0)
    assert (row.text(0), row.text(1), row.text(3), row.text(8)) == ("Greeting", "3", "0%", "MARKED")
    assert lab.versions.topLevelItem(0).text(1) == "0% of 3"  # by scorecard version
    lab._open_cell(row, 5)  # auto pass, human fail
    assert sorted(window.calls.call_id(r) for r in range(window.calls.rowCount())) == [c.id for c in calls[:3]]
    assert window.filters.chosen_note.text() == "Only 3 chosen calls" and window.filters.show_all.isVisible()
    window.filters.auto_fail.setCurrentIndex(2)  # other filters narrow the chosen calls, they do not drop them
    assert window.calls.rowCount() == 3
    window.filters.show_all.click()
    assert window.calls.rowCount() == 4 and not window.filters.chosen_note.isVisible()
    wanted = lab.route()
    assert wanted.review_criteria == ("greeting",) and window.filters.reviewed.currentText() == "Needs human review"
    qtbot.waitUntil(lambda: window.marked == ["greeting"])  # the filter bar's marks, read in the background
    assert window.filters.current().review_criteria == ("greeting",)
    assert [window.calls.call_id(r) for r in range(window.calls.rowCount())] == []  # the unreviewed one passed


# Before: "greeting" and "closing" by id in alphabetical order, and a note that spoke of reviewed calls only: a lead
# calibrating could not tell that each evaluator's answer counts, nor that a settled expert answer stands for the call
def test_the_agreement_lab_names_criteria_and_says_where_each_ones_verdicts_come_from(qtbot, db):
    results = {"greeting": ("pass", None), "closing": ("pass", None)}
    calls = [
        stored_call("Ana", "Billing", f"2026-03-0{i + 2} 09:00", 300, (80, 80, 80), False, results, ["hi"])
        for i in range(2)
    ]
    session = cal.create_session("March", "Lead", ["Ann", "Bob"], [c.id for c in calls])
    for evaluator in ("Ann", "Bob"):
        for call in calls:
            for criterion in ("greeting", "closing"):
                cal.answer(session, evaluator, call.id, criterion, "fail" if evaluator == "Ann" else "pass")
        cal.submit(session, evaluator)
    cal.settle(session, calls[0].id, "greeting", "fail", "Lead", shown=None)
    closing = CriterionResultRow.get(
        (CriterionResultRow.score == Score.get(call=calls[1]).id) & (CriterionResultRow.criterion == "closing")
    )
    override(closing, "fail", "no goodbye", "Rita")
    lab = _window(qtbot, db).open_agreement()
    qtbot.waitUntil(lambda: "human verdicts on" in lab.summary.text())
    rows = [lab.table.topLevelItem(i) for i in range(lab.table.topLevelItemCount())]
    assert [(r.text(0), r.text(2), r.text(9)) for r in rows] == [
        ("Greeting", "5", "1 expert answer · 4 calibration answers"),
        ("Closing", "5", "4 calibration answers · 1 override"),
    ]
    assert "expert answers leads settle in calibration" in lab.explain.text()
    assert "calibration answers" in lab.explain.text()
    assert [lab.versions.topLevelItem(i).text(0) for i in range(2)] == ["Greeting", "Closing"]


def test_the_marks_are_read_when_the_library_lists_the_calls_that_need_review(qtbot, db):
    """At 100,000 calls (20,000 reviewed) reading the agreement lab's marks took 10-20 s of CPU in the background,
    at every start and after every override or call marked reviewed, whether or not the filter was in use."""
    calls = [
        stored_call(
            "Ana", "Billing", f"2026-03-0{i + 2} 09:00", 300, (80, 80, 80), False, {"greeting": ("pass", None)}, []
        )
        for i in range(4)
    ]
    for call in calls[:3]:
        set_reviewed(Call.get_by_id(call.id), "Rita")
        override(CriterionResultRow.get(CriterionResultRow.score == Score.get(call=call).id), "fail", "no", "Rita")
    window = _window(qtbot, db)
    window.open_call(calls[3].id)
    window.review.apply_override("greeting", "fail", "no greeting")
    window.review.reviewed.click()
    assert window.marking.current is None  # neither opening the window nor the verdicts read the marks
    window.filters.show_filter(LibraryFilter())
    window.filters.reviewed.setCurrentIndex(3)  # Needs human review
    assert window.marking.current is not None
    qtbot.waitUntil(lambda: window.calls.filter.review_criteria == ("greeting",))  # listed again by the marks read
    assert window.marked == ["greeting"] and not window.marks_stale


def test_agreement_lab_on_one_call_says_so_in_the_singular(qtbot, db):
    call = stored_call(
        "Ana", "Billing", "2026-03-02 09:00", 300, (80, 80, 80), False, {"greeting": ("pass", None)}, ["hello"]
    )
    override(CriterionResultRow.get(CriterionResultRow.score == Score.get(call=call).id), "fail", "no", "Rita")
    lab = _window(qtbot, db).open_agreement()
    qtbot.waitUntil(lambda: "on 1 call;" in lab.summary.text())
    row = lab.table.topLevelItem(0)
    assert lab.summary.text().startswith("1 human verdict on 1 call;")
    assert (row.text(4), row.text(8)) == ("n/a", "needs 3 calls")  # kappa of one verdict; why it is not marked


# Before: an empty table and "0 human verdicts on 0 calls; 0 criteria below threshold", with no word of what fills it
def test_the_agreement_lab_without_human_verdicts_says_where_they_come_from(qtbot, db):
    call = stored_call(
        "Ana", "Billing", "2026-03-02 09:00", 300, (80, 80, 80), False, {"greeting": ("pass", None)}, ["hello"]
    )
    lab = _window(qtbot, db).open_agreement()
    qtbot.waitUntil(lambda: "human verdicts on" in lab.summary.text())
    assert lab.table.topLevelItemCount() == 0 and lab.none_yet.isVisible()
    assert lab.none_yet.text().startswith("No human verdict on calls yet: this table fills as reviewers check calls")
    assert all(where in lab.none_yet.text() for where in ("Confirm ✓", "Override…", "Disputes…", "Calibration…"))
    override(CriterionResultRow.get(CriterionResultRow.score == Score.get(call=call).id), "fail", "no", "Rita")
    lab.reload()
    qtbot.waitUntil(lambda: lab.table.topLevelItemCount() == 1)
    assert not lab.none_yet.isVisible()


def test_a_calibration_asks_the_criteria_in_scorecard_order(qtbot, db):
    in_order = ["greeting", "recording_disclosure", "identity_verification", "closing"]  # as a call goes
    call = stored_call(
        "Ana", "Billing", "2026-03-02 09:00", 300, (80, 80, 80), False, dict.fromkeys(in_order, ("pass", None)), ["hi"]
    )
    cal.create_session("March", "Lead", ["Ann", "Bob"], [call.id])
    win = _window(qtbot, db).open_calibration()
    win.sessions.setCurrentRow(0)
    win.evaluator.setCurrentIndex(0)
    asked = [win.answers.item(row, 0).text() for row in range(win.answers.rowCount())]
    assert asked == ["Greeting", "Recording disclosure", "Identity verification", "Closing"]  # was by id: Closing first


def _disputes_with_one_open(qtbot, db) -> DisputesDialog:
    """The disputes window with one open dispute selected: Ana's recording disclosure, fail, asked to pass."""
    call = stored_call(
        "Ana", "Billing", "2026-03-02 09:00", 300, (50, 50, 0), True, {"recording_disclosure": ("fail", None)}, ["hi"]
    )
    window = _window(qtbot, db)
    window.open_call(call.id)
    window.review.apply_dispute("recording_disclosure", "Ana", "pass", "read at 0:03")
    dialog = window.open_disputes()
    qtbot.waitUntil(lambda: dialog.loaded)
    dialog.table.setCurrentItem(dialog.table.topLevelItem(0))
    return dialog


def test_the_disputes_are_read_off_the_ui_thread(qtbot, db, monkeypatch):
    """At 100,000 calls and 300 open disputes, reading them held the UI thread 60-120 ms as the window opened."""
    threads = []
    for name in ("dispute_rows", "counts"):
        read = getattr(disputes_service, name)
        monkeypatch.setattr(
            disputes_service, name, lambda *args, read=read: threads.append(threading.current_thread()) or read(*args)
        )
    dialog = _disputes_with_one_open(qtbot, db)
    assert dialog.selected().criterion == "recording_disclosure" and dialog.by_agent.topLevelItem(0).text(0) == "Ana"
    assert len(threads) == 3 and threading.main_thread() not in threads


def test_rejecting_a_dispute_names_its_criterion_as_the_list_does(qtbot, db):
    dialog = _disputes_with_one_open(qtbot, db)
    asked: list[str] = []

    def read_and_cancel() -> None:
        box = QApplication.activeModalWidget()
        asked.append(box.findChild(QLabel).text())
        box.reject()

    QTimer.singleShot(0, read_and_cancel)
    dialog.actions[2].click()  # Reject…
    assert dialog.table.topLevelItem(0).text(2) == "Recording disclosure"
    assert asked and asked[0].startswith("Reject: Recording disclosure stays fail.")  # was "recording_disclosure"


def test_the_disputes_list_names_each_call_as_the_library_does(qtbot, db):
    """Before: "1 (Ana)", the call's database id, which the lead sees nowhere else."""
    dialog = _disputes_with_one_open(qtbot, db)
    assert dialog.table.headerItem().text(1) == "Call"
    assert dialog.table.topLevelItem(0).text(1) == "Ana, 2026-03-02 09:00"
    counts = dialog.by_criterion  # the criterion's name in full there too (was "Recording dis…")
    assert counts.header().sectionSize(0) > counts.fontMetrics().horizontalAdvance("Recording disclosure")


def test_a_dispute_is_rejected_from_the_keyboard(qtbot, db):
    dialog = _disputes_with_one_open(qtbot, db)

    def answer() -> None:
        box = QApplication.activeModalWidget()
        box.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is box, timeout=3000)
        QTest.keyClicks(box.focusWidget(), "No disclosure until 1:40")
        QTest.keyClick(box.focusWidget(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        if box.isVisible():  # Ctrl+Enter did not save: the test goes on, to fail below
            box.reject()

    QTimer.singleShot(0, answer)
    dialog.actions[2].click()  # Reject…
    assert (Dispute.get().status, Dispute.get().resolution) == ("rejected", "No disclosure until 1:40")


def test_a_decided_dispute_s_decision_shows_without_scrolling_sideways_on_a_laptop(qtbot, db):
    """Before: Reason and Decision were 260 px each, so in the 1100 px window a 1366x768 screen gives, the Decision
    column sat behind a horizontal scroll bar."""
    dialog = _disputes_with_one_open(qtbot, db)
    dialog.decide(dialog.selected(), False, "The disclosure is read only at 1:40, after the customer gave details")
    dialog.status.setCurrentIndex(dialog.status.findText("All"))
    qtbot.waitUntil(lambda: dialog.loaded and dialog.table.topLevelItemCount() == 1)
    dialog.resize(1100, 640)
    dialog.show()
    qtbot.waitExposed(dialog)
    table, header = dialog.table, dialog.table.header()
    QApplication.processEvents()
    decision = header.logicalIndex(header.count() - 1)
    assert table.headerItem().text(decision) == "Decision"
    assert header.sectionViewportPosition(decision) + header.sectionSize(decision) <= table.viewport().width()
    assert table.horizontalScrollBar().maximum() == 0
    assert header.sectionSize(decision) >= 150  # a decision's start reads there, the whole of it in its tooltip
