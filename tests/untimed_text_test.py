"""A text conversation whose file gives no times is shown by message number ("msg 3"), never by the times
estimated from message length: in reasons, the `score` output, the review, coaching packs and calibration, from
real files, the real scorer, a real SQLite database and real Qt widgets. A chat with times keeps its clock times."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from qa_desktop.services.coaching.pack import export_pack
from qa_desktop.services.coaching.sessions import create_session
from qa_desktop.services.trust import calibration as cal
from qa_desktop.storage import repository
from qa_desktop.storage.call_metadata import CallMetadata
from qa_desktop.storage.library import LibraryFilter, call_ids
from qa_desktop.storage.models import Agent, Call
from scoring.display import Timeline
from scoring.scorer import score_call
from scoring.text_conversation import load_conversation
from scoring.transcript import Utterance
from tests.support.cli import run_cli
from tests.support.stored_calls import stored_call

CLOCK = re.compile(r"\b\d+:\d\d\b")  # m:ss, as a time is shown

# No times; the agent introduces themselves (msg 1), asks for the account (msg 3), apologises (msg 5) and closes
# with nothing further on offer; the customer is upset (msg 2, 4).
UNTIMED = """speaker,text
agent,"Hi, thanks for contacting Acme, my name is Sam. How can I help you today?"
customer,"My card was charged twice for the same order and I am really frustrated about it."
agent,"Could you confirm your account number, please?"
customer,"It is 55512. This is the second time this has happened to me this year."
agent,"I'm so sorry about that. I have refunded the duplicate charge; it takes three to five business days."
customer,"Fine."
"""
TIMED = "speaker,text,start,end\n" + "".join(
    f"{line},{40 * i},{40 * i + 8}\n" for i, line in enumerate(UNTIMED.splitlines()[1:])
)  # the same messages, 40 s apart


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _store(path: Path, scorecard, agent: str = "Sam Reyes", at: dt.datetime | None = dt.datetime(2026, 11, 2)) -> Call:
    analysis = load_conversation(path)
    return repository.store_call(
        analysis,
        CallMetadata(agent=agent, team="Chat", call_time=at),
        None,
        scored=(scorecard, score_call(analysis.transcript, scorecard)),
    )


@pytest.fixture
def untimed(tmp_path) -> Path:
    return _write(tmp_path, "chat-untimed.csv", UNTIMED)


@pytest.fixture
def timed(tmp_path) -> Path:
    return _write(tmp_path, "chat-timed.csv", TIMED)


def test_a_timeline_numbers_the_messages_of_an_untimed_conversation():
    messages = [
        Utterance("agent", 0.0, 4.4, "a"),
        Utterance("customer", 4.4, 6.0, "b"),
        Utterance("agent", 6.0, 9, "c"),
    ]
    untimed = Timeline.of(messages, timed=False)
    assert [untimed.at(u.start) for u in messages] == ["msg 1", "msg 2", "msg 3"]
    assert untimed.at(4.39) == "msg 2"  # evidence times are stored rounded to the hundredth
    assert (untimed.span(0.0, 4.4), untimed.span(3.0, 9.0), untimed.span(4.4, 6.0)) == ("msg 1", "msg 1-3", "msg 2")
    assert (Timeline.of(messages, timed=True).at(64.4), Timeline().span(4.4, 70)) == ("1:04", "0:04-1:10")


def test_the_reasons_of_an_untimed_chat_name_the_message_and_a_timed_chats_the_time(untimed, timed, scorecard):
    reasons = {
        r.criterion.id: r.verdict.reason for r in score_call(load_conversation(untimed).transcript, scorecard).results
    }
    assert "at msg 1" in reasons["greeting"] and "at msg 5" in reasons["apology"]  # were "at 0:00", "at 0:21"
    assert "at msg 3" in reasons["identity_verification"]
    assert not [reason for reason in reasons.values() if CLOCK.search(reason)]
    kept = {
        r.criterion.id: r.verdict.reason for r in score_call(load_conversation(timed).transcript, scorecard).results
    }
    assert "at 0:00" in kept["greeting"] and "at 2:40" in kept["apology"]


def test_an_untimed_chats_opening_is_its_first_messages_however_long_the_customers_were(tmp_path, scorecard):
    story = " ".join(["I ordered a lamp and it came broken, the box was crushed and the glass was in pieces."] * 12)
    lines = ["speaker,text", f'customer,"{story}"', 'agent,"Hello, my name is Sam. I am sorry, let me help."']
    untimed = _write(tmp_path, "late-greeting.csv", "\n".join(lines) + "\n")
    analysis = load_conversation(untimed)
    assert analysis.transcript.utterances[1].start > 60  # the estimate: the customer's message takes a while to read
    results = {r.criterion.id: r.verdict for r in score_call(analysis.transcript, scorecard).results}
    for criterion in ("greeting", "agent_introduction"):
        assert results[criterion].result == "pass", results[criterion].reason
    timed = _write(
        tmp_path,
        "late-greeting-timed.csv",
        "speaker,text,start,end\n" + "".join(f"{line},{70 * i},{70 * i + 60}\n" for i, line in enumerate(lines[1:])),
    )  # the same messages with times: the greeting came 70 s in
    results = {r.criterion.id: r.verdict for r in score_call(load_conversation(timed).transcript, scorecard).results}
    assert results["greeting"].result == "fail" and "the first 30 s" in results["greeting"].reason


def test_score_prints_message_numbers_and_keeps_the_json_contract(untimed, timed, isolated_home):
    done = run_cli("score", str(untimed), env_home=isolated_home)
    assert done.returncode == 0, done.stderr
    assert "(text conversation, 6 messages, no times)" in done.stdout
    assert "[  msg 1]    agent: Hi, thanks" in done.stdout and "[  msg 6] customer: Fine." in done.stdout
    assert "at msg 5" in done.stdout and not CLOCK.search(done.stdout)  # was "[   0.00-   6.00]", "at 0:21"
    assert "[   0.00-   8.00]    agent: Hi" in run_cli("score", str(timed), env_home=isolated_home).stdout
    as_json = json.loads(run_cli("score", "--json", str(untimed), env_home=isolated_home).stdout)
    greeting = next(c for c in as_json["criteria"] if c["id"] == "greeting")
    assert as_json["timed"] is False and set(greeting["evidence"][0]) == {"speaker", "start", "end", "text"}


def test_the_review_shows_an_untimed_chats_evidence_and_transcript_by_message(qtbot, db, scorecard, untimed, timed):
    from PySide6.QtWidgets import QLabel

    from qa_desktop.app.main_window import MainWindow
    from qa_desktop.app.review_view import override_dialog
    from qa_desktop.app.scorecard_panel import RESULT_ROLE

    chat, kept = _store(untimed, scorecard), _store(timed, scorecard, "Ana Silva")
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    review = window.review
    window.open_call(chat.id)
    evidence = review.scorecard.criterion_item("apology").child(0).text(0)
    assert evidence.startswith("▶ msg 5  agent: “I'm so sorry")  # was "▶ 0:21  agent: ..."
    assert "msg 1 Agent Hi, thanks" in review.transcript.toPlainText()
    assert not CLOCK.search(review.transcript.toPlainText())
    assert "text conversation, 6 messages, no times" in review.title.text()  # no estimated length either
    assert not CLOCK.search(review.scorecard.criterion_item("apology").toolTip(0))  # the reason, as a tooltip
    row = review.service.result(review.scorecard.criterion_item("apology").data(0, RESULT_ROLE))
    dialog = override_dialog(review, row, "Apology", review.scorecard.timeline)
    qtbot.addWidget(dialog)
    shown = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "msg 5  agent: “I'm so sorry" in shown and not CLOCK.search(shown)
    window.open_call(kept.id)
    assert review.scorecard.criterion_item("apology").child(0).text(0).startswith("▶ 2:40  agent:")
    assert "0:40 Customer My card" in review.transcript.toPlainText()


def test_a_coaching_pack_and_window_place_an_untimed_chats_moment_by_message(qtbot, db, scorecard, untimed, tmp_path):
    from qa_desktop.app.coaching_window import CoachingWindow

    _store(untimed, scorecard)  # no offer of further help, no closing: both fail, on the agent's last messages
    session = create_session([Agent.get(name="Sam Reyes")], ["closing"], coach="Kim")
    folder, _archive = export_pack(session, tmp_path / "packs")
    page = (folder / "index.html").read_text()
    assert "<span class='t'>msg 5</span> <b class='agent'>Agent</b> I&#x27;m so sorry" in page
    assert re.search(r"Sam Reyes, 2026-11-02 00:00 · msg \d(-\d)?</p>", page)
    text = " ".join(
        subprocess.run(
            ["pdftotext", str(folder / "coaching-pack.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    assert "msg 5 Agent I'm so sorry" in text and "text conversation: no audio, the messages are below" in text
    assert "estimated" not in page + text  # the disclaimer went with the estimated times
    for shown in (page, text):  # after the call's date and time, no clock: was "· m:ss-m:ss", "0:21 Agent ..."
        assert not CLOCK.search(shown.split("2026-11-02 00:00", 1)[1])
    window = CoachingWindow(None, lambda: "Kim", lambda: None)
    qtbot.addWidget(window)
    window.show()
    window.open_session(session.id)
    assert re.fullmatch(r"✉ msg \d(-\d)?", window.clip_list.topLevelItem(0).text(4))  # was "✉ m:ss-m:ss"
    window.clip_list.setCurrentItem(window.clip_list.topLevelItem(0))
    assert "msg 5 Agent I'm so sorry" in window.excerpt.toPlainText() and not CLOCK.search(window.excerpt.toPlainText())


def test_calibration_shows_an_untimed_chat_by_message(qtbot, db, scorecard, untimed):
    from qa_desktop.app.main_window import MainWindow
    from qa_desktop.services.settings import Settings

    chat = _store(untimed, scorecard)
    cal.create_session("Chats", "Lead", ["Ann", "Bob"], [chat.id], ["greeting"])
    Settings().set("reviewer", "Lead")
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    win = window.open_calibration()
    win.sessions.setCurrentRow(0)
    win.evaluator.setCurrentIndex(0)
    win.call_list.setCurrentRow(0)
    assert "msg 2 Customer My card" in win.transcript.toPlainText() and not CLOCK.search(win.transcript.toPlainText())


def test_the_library_sorts_an_untimed_chat_as_having_no_duration(db, scorecard, untimed):
    chat = _store(untimed, scorecard)  # 29 s estimated from its length
    call = stored_call("Ana", "Billing", "2026-11-03T10:00:00", 300.0, (80, 80, 80), False, {}, ["hello"])
    assert call_ids(LibraryFilter(), "duration", descending=False) == [call.id, chat.id]  # was [chat, call]
    assert call_ids(LibraryFilter(), "duration", descending=True) == [call.id, chat.id]


def test_the_library_shows_a_chat_without_a_call_time_as_having_none_and_sorts_it_last(qtbot, db, scorecard, untimed):
    """Before: its import time stood in for its call time, so a chat imported today topped the library as today's
    newest call, while its review said "no call time"."""
    from qa_desktop.app.library_model import KEYS, NO_CALL_TIME, LibraryModel

    chat = _store(untimed, scorecard, at=None)  # its metadata gives no call time
    older, newer = (
        stored_call("Ana", "Billing", f"2026-11-0{day}T10:00:00", 300.0, (80, 80, 80), False, {}, ["hello"])
        for day in (3, 4)
    )
    assert call_ids(LibraryFilter(), "date", descending=True) == [newer.id, older.id, chat.id]  # was chat first
    assert call_ids(LibraryFilter(), "date", descending=False) == [older.id, newer.id, chat.id]
    model = LibraryModel()
    date = KEYS.index("date")
    shown = [model.data(model.index(row, date)) for row in range(model.rowCount())]
    assert shown == ["2026-11-04 10:00", "2026-11-03 10:00", NO_CALL_TIME]  # was today's date and time first
    tip = model.data(model.index(2, date), Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith(f"No call time (imported {Call.get_by_id(chat.id).imported_at:%Y-%m-%d %H:%M})")


def test_a_chat_without_a_call_time_counts_on_its_import_day_and_the_date_boxes_say_so(qtbot, db, scorecard, untimed):
    """The library shows 'no call time' for it, yet a date range finds it: the date boxes say which day it counts on."""
    from qa_desktop.app.date_box import optional_date_box

    chat = _store(untimed, scorecard, at=None)
    imported = Call.get_by_id(chat.id).imported_at.date()
    day = dt.timedelta(days=1)
    assert call_ids(LibraryFilter(date_from=imported, date_to=imported), "date", descending=True) == [chat.id]
    assert call_ids(LibraryFilter(date_from=imported + day), "date", descending=True) == []
    box = optional_date_box()
    qtbot.addWidget(box)
    assert "a chat without one, on the day it was imported" in box.toolTip()  # was no tooltip
