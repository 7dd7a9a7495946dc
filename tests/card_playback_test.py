"""Where card data was said, the players are silent (offscreen Qt, the real player over a real recording and a
real database): the review's player, from a quarter second before the redacted words to one after, as exported
clips hide it."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtMultimedia import QMediaPlayer

from qa_desktop.app.main_window import MainWindow
from qa_desktop.app.player import CallPlayer
from qa_desktop.services.coaching.sessions import create_session
from qa_desktop.services.coaching.views import add_moment
from qa_desktop.services.trust import calibration as cal
from qa_desktop.storage.models import Call
from scoring.audio import file_sha256
from scoring.redact import redact_name
from tests.support.demo import demo_file
from tests.support.stored_calls import stored_call

SAID = ["Can I take the card number?", "It is [card number].", "And the code on the back?", "[security code]."]


def test_the_review_plays_card_data_silent_and_the_rest_aloud(qtbot, db):
    call = stored_call("Maria Lopez", "Billing", "2026-11-02T09:00", 100, (70, 60, 80), False, {}, SAID)
    Call.update(path=str(demo_file("good"))).where(Call.id == call.id).execute()  # a real recording to load
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    window.select_row(window.calls.row_of(call.id))
    player = window.review.player
    heard = {}
    for moment in (0.5, 0.8, 1.5, 2.2, 2.5, 3.5, 4.5):  # utterance i runs from i to i + 1 s
        player.seek(moment)
        heard[moment] = not player.output.isMuted()
    assert heard == {0.5: True, 0.8: False, 1.5: False, 2.2: False, 2.5: True, 3.5: False, 4.5: True}
    window.review.open_call(call.id)  # opened again: it starts aloud, at 0:00
    assert not player.output.isMuted()


def _card_named(tmp_path: Path) -> tuple[Call, Path]:
    """A call whose real recording is named like a card number (a recorder's id that reads as one): stored redacted."""
    recording = tmp_path / "4111111111111111.wav"
    shutil.copy(demo_file("good"), recording)
    results = {"greeting": ("fail", None)}
    call = stored_call("Maria Lopez", "Billing", "2026-11-02T09:00", 100, (70, 60, 80), False, results, SAID)
    Call.update(path=redact_name(str(recording)), sha256=file_sha256(recording)).where(Call.id == call.id).execute()
    return call, recording


def _found_while_saying_so(qtbot, player: CallPlayer, recording: Path) -> None:
    """The player says what it waits for, with nothing to play, until the recording is found off the UI thread."""
    assert player.note.text() == "Finding the recording…" and not player.play_button.isEnabled()
    assert player.player.source().isEmpty()
    qtbot.waitUntil(lambda: player.player.source().toLocalFile() == str(recording))
    assert player.note.text() == "" and player.play_button.isEnabled() and "not found" not in player.error.text()


def test_a_recording_named_with_a_card_number_is_found_off_the_ui_thread_while_the_player_says_so(qtbot, db, tmp_path):
    call, recording = _card_named(tmp_path)
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    review, player = window.review, window.review.player
    review.open_call(call.id)  # returns before any file is hashed: the player says what it waits for
    assert review.locate.isHidden()  # not "not found" while it is looked for
    _found_while_saying_so(qtbot, player, recording)
    assert "4111111111111111" not in review.title.text()  # the name as the library shows it
    qtbot.waitUntil(lambda: review.waveform.ready)


def test_a_missing_recording_is_said_as_such_by_the_player_not_as_qts_could_not_open_file(qtbot, tmp_path):
    player = CallPlayer()
    qtbot.addWidget(player)
    gone = tmp_path / "archive" / "2026-11-02" / "NW-1001.wav"
    player.load(gone, 100)
    ended = (QMediaPlayer.MediaStatus.NoMedia, QMediaPlayer.MediaStatus.InvalidMedia)
    qtbot.waitUntil(lambda: player.player.mediaStatus() in ended)  # Qt said "Could not open file" over it
    assert player.error.text() == "Recording not found: NW-1001.wav" and player.error.toolTip() == str(gone)


def test_the_calibration_window_finds_a_recording_named_with_a_card_number_off_the_ui_thread(qtbot, db, tmp_path):
    from qa_desktop.app.calibration_window import CalibrationWindow

    call, recording = _card_named(tmp_path)
    session = cal.create_session("March", "Lead", ["Ann", "Bob"], [call.id], ["greeting"])
    window = CalibrationWindow(None, lambda: "Lead")
    qtbot.addWidget(window)
    window.open_session(session.id)  # lists the call and opens it without hashing a file
    assert "Maria Lopez" in window.call_list.item(0).text()
    _found_while_saying_so(qtbot, window.player, recording)


def test_a_coaching_clip_of_a_recording_named_with_a_card_number_is_found_off_the_ui_thread(qtbot, db, tmp_path):
    from qa_desktop.app.coaching_window import CoachingWindow

    call, recording = _card_named(tmp_path)
    session = create_session([call.agent], ["greeting"], "Kim")
    add_moment(session.id, call.id, 2.0)
    window = CoachingWindow(None, lambda: "Kim", lambda: None)
    qtbot.addWidget(window)
    window.open_session(session.id)  # lists the clip without hashing a file
    window.clip_list.setCurrentItem(window.clip_list.topLevelItem(0))
    window.play_clip()
    _found_while_saying_so(qtbot, window.player, recording)
    qtbot.waitUntil(lambda: window.player.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState)


def test_loading_a_card_named_recording_prints_no_card_number(qtbot, tmp_path, capfd):
    # Qt's FFmpeg backend printed "Input #0, wav, from '.../4111111111111111.wav'" to stderr: the session's log
    recording = tmp_path / "4111111111111111.wav"
    shutil.copy(demo_file("good"), recording)
    player = CallPlayer()
    qtbot.addWidget(player)
    player.load(recording)
    qtbot.waitUntil(lambda: player.player.mediaStatus() == QMediaPlayer.MediaStatus.LoadedMedia)
    assert "4111111111111111" not in capfd.readouterr().err
