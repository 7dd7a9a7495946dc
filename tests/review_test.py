"""Reviewing a real demo call in the app (offscreen Qt, the real player and database): evidence
clicks seek the audio, overrides recompute the stored score and write the audit log."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox

from qa_desktop.app.main_window import MainWindow
from qa_desktop.app.review_view import override_dialog
from qa_desktop.services.settings import Settings
from qa_desktop.storage import repository
from qa_desktop.storage.call_metadata import CallMetadata
from qa_desktop.storage.library import COLUMNS
from qa_desktop.storage.models import AuditEntry, Call, CriterionResultRow
from qa_desktop.storage.review import ReviewError, override
from scoring.scorer import score_call
from tests.support.demo import demo_file

pytestmark = [pytest.mark.model, pytest.mark.both_stores]  # the model on the demo calls, on both stores


@pytest.fixture
def window(qtbot, db, demo_analyses, scorecard):
    """The main window over the good and the non-compliant demo calls, the good one open."""
    for kind, agent in (("non_compliant", "Tom Becker"), ("good", "Maria Lopez")):
        analysis = demo_analyses[demo_file(kind).name]
        repository.store_call(
            analysis,
            CallMetadata(agent=agent, team="Billing"),
            0,
            scored=(scorecard, score_call(analysis.transcript, scorecard, analysis.voice)),
        )
    settings = Settings()
    settings.set("reviewer", "Dana QA")
    main = MainWindow(db, settings)
    qtbot.addWidget(main)
    main.show()
    good = repository.find_call_by_hash(demo_analyses[demo_file("good").name].transcript.sha256)
    main.select_row(main.calls.row_of(good.id))
    assert main.review.call.id == good.id
    return main


def _criterion(window: MainWindow, criterion: str) -> CriterionResultRow:
    return (
        repository.current_score(Call.get_by_id(window.review.call.id))
        .results.where(CriterionResultRow.criterion == criterion)
        .get()
    )


def test_clicking_evidence_plays_that_moment(qtbot, window):
    tree = window.review.scorecard.tree
    item = window.review.scorecard.criterion_item("recording_disclosure").child(0)
    start = _criterion(window, "recording_disclosure").evidence[0]["start"]
    qtbot.waitUntil(lambda: window.review.player.player.duration() > 0, timeout=10_000)
    tree.scrollToItem(item)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualItemRect(item).center())
    qtbot.waitUntil(lambda: abs(window.review.player.seconds() - start) < 0.6, timeout=5000)
    assert _criterion(window, "recording_disclosure").checked == "evidence"  # the reviewer looked at it
    # the transcript follows the audio: the utterance being played is highlighted
    current = window.review.transcript.utterances[window.review.transcript.current]
    assert current.start - 0.6 <= start <= current.end


def test_override_recomputes_the_stored_score_and_is_audited(qtbot, window):
    call = Call.get_by_id(window.review.call.id)
    before = repository.current_score(call)
    assert _criterion(window, "recording_disclosure").result == "pass" and not before.auto_fail
    window.review.apply_override("recording_disclosure", "fail", "Disclosure was cut off on the recording")
    after = repository.current_score(Call.get_by_id(call.id))
    assert after.id == before.id and after.auto_fail and after.overall < before.overall
    assert "recording_disclosure" in after.failed.split()
    row = _criterion(window, "recording_disclosure")
    assert (row.result, row.override, row.override_by) == ("pass", "fail", "Dana QA")  # the automatic result stays
    entry = AuditEntry.get(AuditEntry.action == "override")
    assert (entry.actor, entry.target, entry.old, entry.new) == ("Dana QA", "recording_disclosure", "pass", "fail")
    assert entry.comment == "Disclosure was cut off on the recording"
    # what the lead sees: the panel, the audit tab and the library row
    assert "AUTO\u2011FAIL" in window.review.scorecard.summary.text()  # a non-breaking hyphen
    assert "customer fared" in window.review.scorecard.summary.text()  # what fed the empathy score
    assert "(60% of empathy)" in window.review.scorecard.summary.text()
    assert window.review.scorecard.criterion_item("recording_disclosure").text(1) == "FAIL ✎"
    assert window.review.audit.topLevelItem(0).text(5) == "Disclosure was cut off on the recording"
    row_number = window.calls.row_of(call.id)
    assert window.calls.row(row_number).auto_fail and window.review.call.id == call.id
    # overriding back to the automatic result restores the automatic score
    window.review.apply_override("recording_disclosure", "pass", "Heard it on replay")
    restored = repository.current_score(Call.get_by_id(call.id))
    assert restored.overall == pytest.approx(before.overall) and not restored.auto_fail
    assert AuditEntry.select().where(AuditEntry.action == "override").count() == 2


def test_an_override_without_a_comment_is_refused(window):
    row = _criterion(window, "greeting")
    with pytest.raises(ReviewError, match="comment"):
        override(row, "fail", "   ", "Dana QA")
    with pytest.raises(ReviewError, match="one of"):
        override(row, "maybe", "why", "Dana QA")
    assert _criterion(window, "greeting").override is None and AuditEntry.select().count() == 0


def test_an_override_over_another_lead_s_change_since_the_call_was_shown_is_refused_and_shows_theirs(
    qtbot, window, monkeypatch
):
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, title, text: warnings.append((title, text)))
    override(_criterion(window, "greeting"), "fail", "no greeting heard", "Lee Lead")  # another lead, meanwhile
    window.review.apply_override("greeting", "na", "greeting not needed")
    assert warnings and warnings[0][0] == "Override" and "changed by Lee Lead" in warnings[0][1]
    assert (_criterion(window, "greeting").override, _criterion(window, "greeting").override_by) == ("fail", "Lee Lead")
    assert window.review.scorecard.criterion_item("greeting").text(1) == "FAIL ✎"  # theirs is shown now
    window.review.apply_override("greeting", "na", "greeting not needed")  # from the view that shows theirs
    assert len(warnings) == 1 and _criterion(window, "greeting").override == "na"


def test_mark_reviewed_shows_in_the_library_and_the_log(qtbot, window):
    call_id = window.review.call.id
    qtbot.mouseClick(window.review.reviewed, Qt.MouseButton.LeftButton)
    call = Call.get_by_id(call_id)
    assert call.reviewed and call.reviewed_by == "Dana QA"
    assert window.calls.row(window.calls.row_of(call_id)).reviewed
    assert AuditEntry.get(AuditEntry.action == "review").new == "reviewed"
    assert window.review.reviewed.text().startswith("Reviewed")


def test_confirming_a_criterion_records_who_looked_at_it(qtbot, window):
    review = window.review
    assert not review.confirm_button.isEnabled()  # nothing selected
    review.scorecard.tree.setCurrentItem(review.scorecard.criterion_item("greeting"))
    qtbot.mouseClick(review.confirm_button, Qt.MouseButton.LeftButton)
    greeting = _criterion(window, "greeting")
    assert (greeting.checked, greeting.checked_by) == ("confirmed", "Dana QA")
    assert AuditEntry.get(AuditEntry.action == "confirm").target == "greeting"
    assert _criterion(window, "closing").checked is None
    assert review.scorecard.criterion_item("greeting").text(1).endswith("✓")


def test_keyboard_moves_through_the_call(qtbot, window):
    review = window.review
    qtbot.waitUntil(lambda: review.player.player.duration() > 0, timeout=10_000)
    review.player.seek(20.0)
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert review.player.seconds() == pytest.approx(25.0, abs=0.3)
    qtbot.keyClick(window, Qt.Key.Key_Left)
    qtbot.keyClick(window, Qt.Key.Key_Left)
    assert review.player.seconds() == pytest.approx(15.0, abs=0.3)
    index = review.transcript.utterance_at(review.player.seconds())
    qtbot.keyClick(window, Qt.Key.Key_Down)
    assert review.player.seconds() == pytest.approx(review.transcript.utterances[index + 1].start, abs=0.3)
    window.select_row(0)
    qtbot.keyClick(window, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert review.call.id == window.calls.call_id(1)
    qtbot.keyClick(window, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert review.call.id == window.calls.call_id(0)


def test_the_waveform_marks_where_card_data_was_said(qtbot, window, demo_analyses):
    call = repository.find_call_by_hash(demo_analyses[demo_file("non_compliant").name].transcript.sha256)
    window.review.open_call(call.id)
    qtbot.waitUntil(lambda: window.review.waveform.ready, timeout=10_000)
    marked = window.review.waveform.redacted
    assert len(marked) >= 3  # the customer's card number, the agent's read-back, the security code
    said = {
        w.word.strip(" .,"): (w.start, w.end)
        for u in repository.stored_analysis(call).transcript.utterances
        for w in u.words
    }
    assert said["[card number]"] in marked and said["[security code]"] in marked
    before = window.review.waveform.grab().toImage()
    x = int((marked[0][0] + marked[0][1]) / 2 / call.duration_s * before.width())
    assert before.pixelColor(x, 3).name() != "#fbfbfb"  # painted over, above the waveform's peaks too


def test_a_moved_recording_is_found_again_by_its_content(qtbot, window, tmp_path):
    call = window.review.call
    Call.update(path="/recordings/gone/good.wav").where(Call.id == call.id).execute()
    window.review.open_call(call.id)
    bar = window.review.locate
    assert bar.isVisible() and bar.message.text() == "Recording not found: /recordings/gone/good.wav"
    (tmp_path / "archive" / "2026").mkdir(parents=True)
    (tmp_path / "archive" / "noise.wav").write_bytes(b"RIFF not a call")
    copy = tmp_path / "archive" / "2026" / "renamed.wav"
    copy.write_bytes(demo_file("good").read_bytes())
    with qtbot.waitSignal(bar.located, timeout=30_000):
        bar.search(tmp_path / "archive")
    assert Call.get_by_id(call.id).path == str(copy) and window.review.call.path == str(copy)
    assert not bar.isVisible() and "Found 1 of 1 missing recordings" in window.statusBar().currentMessage()


def test_a_call_too_short_to_score_says_so_in_library_and_review(qtbot, window, demo_analyses):
    reason = "too short to score: 1.0 s (the scorecard scores calls of 10 s or more)"
    analysis = demo_analyses[demo_file("mono").name]
    short = repository.store_call(analysis, CallMetadata(agent="Ana"), 0, unscored=reason)
    window.calls.reload()
    row = window.calls.row_of(short.id)
    column = list(window.calls.headerData(i, Qt.Orientation.Horizontal) for i in range(window.calls.columnCount()))
    index = window.calls.index(row, column.index("Overall"))
    assert index.data() == "short" and index.data(Qt.ItemDataRole.ToolTipRole) == reason
    window.select_row(row)
    assert window.review.scorecard.summary.text() == f"Not scored: {reason}."


def test_override_and_dispute_need_a_selected_criterion_and_show_its_name(qtbot, window):
    review = window.review
    assert not review.dispute_button.isEnabled() and not review.override_button.isEnabled()
    review.scorecard.tree.setCurrentItem(review.scorecard.criterion_item("recording_disclosure"))
    assert review.dispute_button.isEnabled() and review.override_button.isEnabled()
    window.select_row(1 - window.calls.row_of(review.call.id))  # another call: nothing selected in it
    assert not review.dispute_button.isEnabled() and not review.override_button.isEnabled()
    row = _criterion(window, "recording_disclosure")
    dialog = override_dialog(review, row, review.scorecard.name_of("recording_disclosure"))
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Override Recording disclosure"
    texts = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert row.reason in texts and row.evidence[0]["text"] in texts


def test_an_override_keeps_the_selected_criterion_the_scroll_and_the_library_row(qtbot, window):
    review, tree = window.review, window.review.scorecard.tree
    call_id = review.call.id
    tree.resize(400, 120)
    closing = review.scorecard.criterion_item("closing")
    tree.setCurrentItem(closing)
    tree.scrollToItem(closing)
    scroll = tree.verticalScrollBar().value()
    assert scroll > 0
    review.apply_override("closing", "fail", "Did not close the call")
    current = tree.currentItem()
    assert current is not None and current.text(0).startswith(review.scorecard.name_of("closing"))
    assert tree.verticalScrollBar().value() == scroll and review.override_button.isEnabled()
    assert [i.row() for i in window.table.selectionModel().selectedRows()] == [window.calls.row_of(call_id)]


def test_the_library_shows_criterion_names_in_scorecard_order(qtbot, window):
    qtbot.waitUntil(lambda: window.filters.choices_read)  # the boxes are filled in the background
    names = [window.filters.criterion.itemText(i) for i in range(1, window.filters.criterion.count())]
    assert "Recording disclosure" in names and "recording_disclosure" not in names
    bad = window.calls.row_of(next(c.id for c in Call.select() if c.agent.name == "Tom Becker"))
    failed = window.calls.data(window.calls.index(bad, list(COLUMNS).index("failed")))
    assert failed and "_" not in failed
