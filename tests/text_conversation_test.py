"""Text conversations (chats, emails, tickets) from real transcript files: read, redacted, scored by the real
scorer, stored in a real SQLite database, shown in the review without a player, coached from text excerpts."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from qa_desktop.services.coaching.pack import export_pack
from qa_desktop.services.coaching.sessions import clips, create_session
from qa_desktop.services.dashboard.queries import Scope, agent_handle_time, drivers
from qa_desktop.services.ingest import Ingestor, discover
from qa_desktop.services.metadata import load_csv
from qa_desktop.services.rescore import rescore_all
from qa_desktop.services.trust import calibration as cal
from qa_desktop.storage import library, repository
from qa_desktop.storage.call_metadata import CallMetadata
from qa_desktop.storage.library import LibraryFilter
from qa_desktop.storage.models import Agent, Call, database
from scoring.drivers import load_drivers
from scoring.scorer import NO_AUDIO, score_call
from scoring.text_conversation import TranscriptFileError, load_conversation
from scoring.worker import TranscriptionWorker
from tests.support.cli import run_cli
from tests.support.demo import ROOT, demo_file
from tests.support.stored_calls import stored_call, stored_conversation

pytestmark = pytest.mark.both_stores

AUDIO_CRITERIA = ("no_interruptions", "tone", "hold_etiquette")
CARD = "4111 1111 1111 1111"

# A chat export that names people: the agent is "Sam (Acme)", everyone else the customer; no times.
CHAT_CSV = f"""speaker,text
Sam (Acme),"Hi, thanks for contacting Acme, my name is Sam. This chat may be recorded for quality and training purposes."
Jordan,"My card was charged twice for the same order and I'm really frustrated."
Sam (Acme),"I'm so sorry about that, I understand how frustrating a double charge is. Could you confirm your account number?"
Jordan,"It's 55512. The card is {CARD}"
Sam (Acme),"Thank you. I've refunded the duplicate charge; you'll see the refund within three to five business days."
Jordan,"Thank you, that helps a lot."
"""  # noqa: E501 (a chat export's lines, as people write them)

# The `transcribe --json` shape with roles and times; words are missing, and one utterance has them.
TICKET_JSON = {
    "file": "ticket-881",
    "transcript": [
        {"speaker": "customer", "start": 0.0, "end": 6.0, "text": "Hello, my refund still has not arrived."},
        {
            "speaker": "agent",
            "start": 40.0,
            "end": 48.0,
            "text": "Hi, I'm sorry about the wait. Let me check the refund.",
            "words": [{"start": 40.0, "end": 40.5, "word": "Hi,", "p": 0.99}],
        },  # not the whole text: ignored
        {"speaker": "customer", "start": 90.0, "end": 92.0, "text": "ok"},
        {"speaker": "agent", "start": 150.0, "end": 158.0, "text": "The refund went out today. Have a great day!"},
    ],
}

# An email thread: paragraphs inside a message, no times, no closing.
EMAIL_JSON = {
    "transcript": [
        {
            "speaker": "customer",
            "text": "Subject: Router keeps restarting\n\nHello,\nsince the update my router restarts every ten "
            "minutes and I'm really worried about my job.",
        },
        {"speaker": "agent", "text": "Hi, this is Dan from Acme support. I'm sorry, that sounds stressful.\n\nDan"},
    ]
}


def _write(folder: Path, name: str, content: str | dict) -> Path:
    path = folder / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


@pytest.fixture
def transcripts(tmp_path) -> dict[str, Path]:
    """A folder with a chat CSV, a ticket JSON and what else lies beside transcripts."""
    folder = tmp_path / "exports"
    folder.mkdir()
    return {
        "chat": _write(folder, "chat-1001.csv", CHAT_CSV),
        "ticket": _write(folder, "ticket-881.json", TICKET_JSON),
        "metadata": _write(folder, "metadata.csv", "file,agent,team,comment\nchat-1001.csv,Sam Reyes,Chat,refund\n"),
        "reference": _write(folder, "reference.json", [{"file": "a.wav", "turns": []}]),  # not a transcript
    }


def test_a_chat_is_scored_like_a_call_with_audio_criteria_not_applicable(transcripts, scorecard):
    analysis = load_conversation(transcripts["chat"], ["sam (acme)"])
    transcript = analysis.transcript
    assert (transcript.medium, transcript.timed, transcript.channels) == ("text", False, 0)
    assert [u.speaker for u in transcript.utterances] == ["agent", "customer"] * 3
    starts = [u.start for u in transcript.utterances]
    assert starts == sorted(starts) and transcript.duration_s == transcript.utterances[-1].end
    assert CARD not in json.dumps(analysis.to_dict()) and "[card number]" in transcript.utterances[3].text
    score = score_call(transcript, scorecard)
    results = {r.criterion.id: r.verdict for r in score.results}
    for criterion in AUDIO_CRITERIA:
        assert (results[criterion].result, results[criterion].reason) == ("na", NO_AUDIO)
    assert "text conversation: no audio" in NO_AUDIO
    for criterion in (
        "greeting",
        "agent_introduction",
        "empathy_statement",
        "apology",
        "identity_verification",
        "resolution_confirmation",
    ):
        assert results[criterion].result == "pass", (criterion, results[criterion].reason)
    contract = score.to_dict()
    assert {
        k: contract["metrics"][k] for k in ("talk_ratio_agent", "agent_wpm", "dead_air_s", "overtalk_count")
    } == dict.fromkeys(("talk_ratio_agent", "agent_wpm", "dead_air_s", "overtalk_count"))
    assert contract["metrics"]["customer_sentiment_end"] > contract["metrics"]["customer_sentiment_start"]


def test_a_ticket_json_keeps_its_times_and_long_gaps_are_not_dead_air(transcripts, scorecard):
    transcript = load_conversation(transcripts["ticket"]).transcript
    assert transcript.timed and transcript.duration_s == 158.0
    assert [u.words for u in transcript.utterances] == [[]] * 4  # words that do not spell the text are dropped
    score = score_call(transcript, scorecard)
    assert score.conversation.dead_air == [] and score.to_dict()["metrics"]["dead_air_s"] is None
    assert {r.criterion.id: r.verdict.result for r in score.results}["hold_etiquette"] == "na"


def test_a_ticket_without_a_recording_disclosure_is_not_auto_failed(transcripts, scorecard):
    score = score_call(load_conversation(transcripts["ticket"]).transcript, scorecard)  # no "may be recorded"
    disclosure = {r.criterion.id: r.verdict for r in score.results}["recording_disclosure"]
    assert disclosure.result == "na" and "text conversation" in disclosure.reason and not score.auto_fail


@pytest.mark.model
def test_the_score_contract_of_a_transcript_is_a_recordings(transcripts, scorecard, demo_analyses):
    recording = demo_analyses[demo_file("good").name]
    spoken = {**recording.to_dict(), **score_call(recording.transcript, scorecard, recording.voice).to_dict()}
    chat = load_conversation(transcripts["chat"], ["Sam (Acme)"])
    written = {**chat.to_dict(), **score_call(chat.transcript, scorecard).to_dict()}
    assert set(written) == set(spoken) and spoken["medium"] == "audio" and written["medium"] == "text"
    for key in ("scores", "metrics", "scorecard"):
        assert set(written[key]) == set(spoken[key])
    assert set(written["criteria"][0]) == set(spoken["criteria"][0])
    assert set(written["transcript"][0]) == set(spoken["transcript"][0])
    assert [c["id"] for c in written["criteria"]] == [c["id"] for c in spoken["criteria"]]


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("broken.json", '{"transcript": [', "invalid JSON at line 1 column 17: Expecting value"),
        ("shape.json", {"utterances": []}, "no 'transcript' list"),
        ("nospeaker.json", {"transcript": [{"text": "hi"}]}, "utterance 1: needs a 'speaker' and a 'text'"),
        ("columns.csv", "who_said,when\nagent,1\n", "missing columns speaker and text"),
        (
            "names.csv",
            "speaker,text\nSam,Hello\nJordan,Hi\n",
            "unknown speakers 'Sam' (line 2), 'Jordan' (line 3): speakers must be agent or customer",
        ),
        ("empty.csv", "", "empty file (0 bytes)"),  # as ingest says it
        ("blank.json", " \n", "no messages: only blank space"),
        ("blank.csv", "speaker,text\nagent,\ncustomer,  \n", "no messages"),
        ("times.csv", "speaker,text,start\nagent,Hello,0\ncustomer,Hi,\n", "line 3: no start time"),
        ("clock.csv", "speaker,text,start\nagent,Hello,soon\n", "line 2: start 'soon' is not a time"),
        ("order.csv", "speaker,text,start,end\nagent,Hello,10,4\n", "line 2: ends (4) before it starts (10)"),
        ("latin1.csv", "speaker,text\nagent,Caf\xe9\n".encode("latin-1"), "not UTF-8 text"),
    ],
)
def test_a_bad_transcript_file_says_what_is_wrong(tmp_path, name, content, says):
    path = tmp_path / name
    path.write_bytes(
        content
        if isinstance(content, bytes)
        else (content if isinstance(content, str) else json.dumps(content)).encode()
    )
    with pytest.raises(TranscriptFileError) as raised:
        load_conversation(path)
    assert says in str(raised.value)


def test_times_from_dates_and_clocks_count_from_the_first_message(tmp_path):
    path = _write(
        tmp_path,
        "chat.csv",
        "Author;Message;Timestamp\nagent;Hello, how can I help?;2026-11-02 09:15:03\n"
        "customer;Where is my parcel?;2026-11-02T09:16:10\nagent;It arrives tomorrow.;2026-11-02 09:17:03\n",
    )
    transcript = load_conversation(path).transcript
    assert [u.start for u in transcript.utterances] == [0.0, 67.0, 120.0] and transcript.timed
    clocks = _write(tmp_path, "clocks.csv", "speaker,text,start,end\ncustomer,Hi,1:05,1:09\nagent,Hello,0:02,0:04\n")
    assert [(u.speaker, u.start, u.end) for u in load_conversation(clocks).transcript.utterances] == [
        ("agent", 2.0, 4.0),
        ("customer", 65.0, 69.0),
    ]  # in time order


def test_ingest_stores_dedupes_searches_and_rescoring_keeps_it_text(db, scorecard, transcripts):
    files = discover([transcripts["chat"].parent], exclude=[transcripts["metadata"]])
    assert files == [transcripts["chat"], transcripts["ticket"]]  # not the metadata CSV nor another JSON
    assert discover([transcripts["chat"].parent]) == files  # a metadata CSV is recognised without being named
    with TranscriptionWorker() as worker:  # never started: transcript files need no model
        ingestor = Ingestor(
            worker, scorecard, metadata=load_csv(transcripts["metadata"]), agent_speakers=["Sam (Acme)"]
        )
        results = ingestor.ingest(files)
        assert [r.status for r in results] == ["imported", "imported"] and worker.pid is None
        assert results[0].message.startswith("6 messages, scored")
        again = ingestor.ingest_file(transcripts["chat"])
    assert again.status == "skipped" and again.call_id == results[0].call_id
    chat = Call.get_by_id(results[0].call_id)
    assert (chat.medium, chat.timed, chat.agent.name, chat.team.name) == ("text", False, "Sam Reyes", "Chat")
    assert chat.sha256 == hashlib.sha256(transcripts["chat"].read_bytes()).hexdigest()
    # the card number reached neither the table nor SQLite's search index (PostgreSQL's is an index on the table)
    index = " UNION ALL SELECT text FROM utterance_fts" if database.dialect.name == "sqlite" else ""
    stored = " ".join(r[0] for r in database.execute_sql("SELECT text FROM utterance" + index).fetchall())
    assert "4111" not in stored and "[card number]" in stored
    assert library.call_ids(LibraryFilter(search="duplicate charge")) == [chat.id]
    row = library.rows([chat.id])[0]
    assert (row.medium, row.timed) == ("text", False)
    assert rescore_all(scorecard) == 2
    current = repository.current_score(chat)
    assert {
        r.criterion: (r.result, r.reason) for r in current.results if r.criterion in AUDIO_CRITERIA
    } == dict.fromkeys(AUDIO_CRITERIA, ("na", NO_AUDIO))


def test_a_bad_transcript_fails_alone_and_the_batch_goes_on(db, scorecard, tmp_path, transcripts):
    bad = _write(tmp_path, "broken.json", "{not json")
    missing = tmp_path / "gone.csv"
    with TranscriptionWorker() as worker:
        results = Ingestor(worker, scorecard).ingest([bad, missing, transcripts["ticket"]])
    assert [(r.status, r.message) for r in results[:2]] == [
        ("failed", "invalid JSON at line 1 column 2: Expecting property name enclosed in double quotes"),
        ("failed", "file not found"),
    ]
    assert results[2].status == "imported"


def test_scoring_a_transcript_loads_neither_faster_whisper_nor_dask(tmp_path, isolated_home, transcripts):
    """`score` of text conversations reads them: the model's library and Dask stay unimported (they take a
    second or more to import on a loaded machine)."""
    heavy = ("faster_whisper", "ctranslate2", "distributed")
    code = "import sys\nfrom qa_desktop.cli.main import main\ncode = main(sys.argv[1:])\n"
    code += f"print('loaded', [m for m in {heavy!r} if m in sys.modules], code, file=sys.stderr)"
    env = {**os.environ, "XDG_CONFIG_HOME": str(isolated_home / "config"), "XDG_DATA_HOME": str(isolated_home / "data")}
    for extra in ([], ["--db", str(tmp_path / "calls.sqlite3")]):
        done = subprocess.run(
            [sys.executable, "-c", code, "score", str(transcripts["ticket"]), "--json", *extra],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=300,
        )
        assert "loaded [] 0" in done.stderr, done.stderr


def test_cli_scores_transcripts_and_reports_bad_ones(tmp_path, isolated_home, transcripts):
    bad, empty = _write(tmp_path, "bad.csv", "name,message_time\nx,1\n"), _write(tmp_path, "empty.csv", "")
    done = run_cli(
        "score",
        str(transcripts["ticket"]),
        str(bad),
        str(transcripts["chat"]),
        str(empty),
        "--json",
        env_home=isolated_home,
    )
    assert done.returncode == 1
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines[0]["medium"] == "text" and lines[0]["scores"]["overall"] > 0
    assert lines[1] == {
        "file": str(bad),
        "error": "missing columns speaker and text (expected speaker,text and "
        "optional start,end); found name, message_time",
    }
    assert lines[2]["error"].startswith("unknown speakers 'Sam (Acme)' (line 2), 'Jordan' (line 3)")
    assert "name the agent (--agent-speaker NAME, or Settings: Agents in chat transcripts)" in lines[2]["error"]
    assert lines[3] == {"file": str(empty), "error": "empty file (0 bytes)"}  # as ingest says it
    assert f"FAILED: {bad}: missing columns speaker and text" in done.stderr
    db_file = tmp_path / "calls.sqlite3"
    stored = run_cli(
        "score",
        str(transcripts["chat"]),
        "--agent-speaker",
        "Sam (Acme)",
        "--db",
        str(db_file),
        env_home=isolated_home,
    )
    assert stored.returncode == 0, stored.stderr
    assert "text conversation, 6 messages, no times" in stored.stdout and "NA   tone" in stored.stdout
    with sqlite3.connect(db_file) as con:
        assert con.execute("SELECT medium, timed FROM call").fetchall() == [("text", 0)]


def test_ingest_of_a_folder_names_the_files_it_passes_over(tmp_path, isolated_home, transcripts):
    export = _write(transcripts["chat"].parent, "chat-export.csv", "user_id,chat_line\nagent,hi\n")  # columns unknown
    empty = _write(transcripts["chat"].parent, "chat-empty.csv", "")
    done = run_cli(
        "ingest",
        str(transcripts["chat"].parent),
        "--metadata",
        str(transcripts["metadata"]),
        "--agent-speaker",
        "Sam (Acme)",
        "--db",
        str(tmp_path / "calls.sqlite3"),
        env_home=isolated_home,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "2 imported, 0 already there, 1 failed" in output, output
    assert f"FAILED: {empty}: empty file (0 bytes)" in output  # an empty CSV was passed over as not a transcript
    passed = "not a transcript (a CSV needs speaker and text columns; a JSON, a list of utterances)"
    assert f"passed over: {export}: {passed}" in output  # was passed over without a word
    assert f"passed over: {transcripts['reference']}: {passed}" in output and "metadata.csv" not in output


def test_ingest_of_a_folder_uses_its_one_metadata_csv_and_names_several(tmp_path, isolated_home, transcripts):
    def ingest(db: str) -> tuple[str, list[tuple]]:
        folder, speaker = str(transcripts["chat"].parent), "Sam (Acme)"
        done = run_cli("ingest", folder, "--agent-speaker", speaker, "--db", str(tmp_path / db), env_home=isolated_home)
        assert done.returncode == 0, done.stderr
        with sqlite3.connect(tmp_path / db) as con:
            agents = con.execute("SELECT a.name FROM call c JOIN agent a ON a.id = c.agent_id").fetchall()
        return done.stderr, agents

    output, agents = ingest("one.sqlite3")
    assert f"metadata: {transcripts['metadata']} (found among the files" in output, output
    assert ("Sam Reyes",) in agents  # the chat's row in the folder's metadata.csv (it was passed over, unused)
    assert "(database: " in output and "Dask" not in output  # transcripts alone start no cluster, nor say so
    assert "metadata.csv" not in output.replace(f"metadata: {transcripts['metadata']}", "")
    other = _write(transcripts["chat"].parent, "agents.csv", "filename,agent\nticket-881.json,Kim Lee\n")
    output, agents = ingest("two.sqlite3")
    assert "metadata: " not in output and ("Sam Reyes",) not in agents and ("Kim Lee",) not in agents
    for path in (transcripts["metadata"], other):
        assert f"passed over: {path}: one of 2 metadata CSVs found, so none is used unless chosen" in output


def _stored_chat(transcripts, scorecard, agent: str = "Sam Reyes") -> Call:
    return stored_conversation(transcripts["chat"], scorecard, agent)


def test_the_review_shows_a_text_conversation_without_a_player(qtbot, db, scorecard, transcripts):
    from qa_desktop.app.main_window import MainWindow

    chat = _stored_chat(transcripts, scorecard)
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    window.select_row(0)
    review = window.review
    assert review.call.id == chat.id and window.calls.index(0, 3).data() == "✉"
    assert not review.player.isVisible() and not review.waveform.isVisible() and review.text_note.isVisible()
    assert "text conversation, 6 messages, no times" in review.title.text()
    assert "Text conversation" in review.text_note.text()
    evidence = review.scorecard.criterion_item("greeting").child(0)
    assert evidence.toolTip(0).endswith("\nClick to find this message in the transcript")  # was "… to play …"
    assert review.player.player.source().isEmpty()
    window.export_csv(exported := transcripts["chat"].parent / "calls.csv")
    with open(exported, newline="", encoding="utf-8") as handle:
        (row,) = csv.DictReader(handle)
    assert row["duration_s"] == "" and row["file"] == str(transcripts["chat"])  # was its estimated length, 33.2
    assert "msg 1 Agent Hi, thanks for contacting Acme" in review.transcript.toPlainText()  # no estimated times
    fourth = repository.call_transcript(chat)[3]
    review.play_from(fourth.start)  # what a click on a piece of evidence does
    assert review.transcript.current == 3 and review.position() == fourth.start
    review.step_utterance(1)
    assert review.transcript.current == 4


def test_a_coaching_pack_of_a_text_conversation_has_excerpts_and_no_audio(qtbot, db, scorecard, transcripts, tmp_path):
    from qa_desktop.app.coaching_window import CoachingWindow

    _stored_chat(transcripts, scorecard)  # no closing or offer of further help: both fail
    session = create_session([Agent.get(name="Sam Reyes")], ["closing"], coach="Kim")
    (clip,) = clips(session)
    folder, archive = export_pack(session, tmp_path / "packs")
    assert archive.exists() and not list(folder.rglob("*.wav")) and not (folder / "clips").exists()
    page = (folder / "index.html").read_text()
    assert "<audio" not in page and "text conversation: no audio" in page and "The card is [card number]" in page
    text = subprocess.run(
        ["pdftotext", str(folder / "coaching-pack.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "The card is [card number]" in text and "index.html plays" not in text and "4111" not in text
    assert "<span class='t'>msg 4</span>" in page and "msg 4 Customer It's 55512" in text  # no estimated times
    window = CoachingWindow(None, lambda: "Kim", lambda: None)
    qtbot.addWidget(window)
    window.show()
    window.open_session(session.id)
    assert window.clip_list.topLevelItem(0).text(4).startswith("✉ msg ")
    window.clip_list.setCurrentItem(window.clip_list.topLevelItem(0))
    assert window.excerpt.isVisible() and not window.player.isVisible()
    assert "The card is [card number]" in window.excerpt.toPlainText() and clip.call.medium == "text"


def test_dashboards_and_calibration_take_text_conversations(db, scorecard, transcripts):
    stored_call(
        "Sam Reyes",
        "Chat",
        "2026-11-02T10:00:00",
        400.0,
        (80, 80, 80),
        False,
        {},
        ["I want a refund", "the refund please"],
    )
    chat = _stored_chat(transcripts, scorecard)
    refund = next(r for r in drivers(Scope(), load_drivers()).rows if r[0] == "refund")
    assert refund[2] == 2 and refund[6:8] == (1, 400.0)  # both tagged; handle time is the recording's alone
    assert agent_handle_time(Scope(), load_drivers()).rows[0][2:4] == (1, 400.0)
    session = cal.create_session("Chats", "Lee", ["Ana", "Ben"], [chat.id], ["closing"])
    for evaluator in ("Ana", "Ben"):
        cal.answer(session, evaluator, chat.id, "closing", "fail")
        cal.submit(session, evaluator)
    (agreement,), _spreads = cal.results(session, "Lee")
    assert (agreement.criterion, agreement.items, agreement.agreement) == ("closing", 1, 1.0)
    assert agreement.versus_automatic["Ana"][0] == 1.0  # the automatic verdict on the chat: fail, as they said


def test_the_import_dialog_takes_transcripts_with_the_agent_named_in_settings(qtbot, db, transcripts, tmp_path):
    from qa_desktop.app.main_window import MainWindow
    from qa_desktop.services.settings import Settings

    Settings().set("agent_speakers", "Someone Else, Sam (Acme)")
    broken = _write(transcripts["chat"].parent, "broken.json", "[{")
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    dialog = window.open_import()
    with qtbot.waitSignal(dialog.files_ready):
        dialog.set_files([transcripts["chat"].parent])
    assert dialog.start_button.text() == "Import 3 files"  # the chat, the ticket and the broken JSON
    assert dialog.passed_note.isVisible() and dialog.passed_note.text() == (
        "Passed over, not a transcript (a CSV needs speaker and text columns; a JSON, a list of utterances): "
        "reference.json."
    )
    assert dialog.csv_label.text() == f"{transcripts['metadata']} (found in the chosen folder)"  # taken, not chosen
    agents = {dialog.file_list.topLevelItem(i).text(0): dialog.file_list.topLevelItem(i).text(1) for i in range(3)}
    assert agents["chat-1001.csv"] == "Sam Reyes"  # its row in the folder's metadata.csv
    dialog.start_button.click()
    with qtbot.waitSignal(dialog.imported, timeout=60_000):
        pass
    statuses = {dialog.results.topLevelItem(i).text(0): dialog.results.topLevelItem(i).text(1) for i in range(3)}
    assert statuses == {"chat-1001.csv": "imported", "ticket-881.json": "imported", broken.name: "failed"}
    failures = [dialog.failures.item(i).text() for i in range(dialog.failures.count())]
    assert f"{broken}: invalid JSON at line 1 column 3" in " ".join(failures)
    assert f"{transcripts['reference']}: passed over, not a transcript" in " ".join(failures)  # after the start too
    assert window.calls.rowCount() == 2 and not repository.unfinished_jobs()
    assert dialog.overall_bar.text() == "3 of 3 files (100%)"  # whole files, not "3.0 of 3"


def test_an_untimed_conversations_title_leaves_the_window_narrow_enough_for_a_laptop(qtbot, db, scorecard, transcripts):
    from qa_desktop.app.main_window import MainWindow

    _stored_chat(transcripts, scorecard)
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    window.select_row(0)
    assert "text conversation, 6 messages, no times" in window.review.title.text()
    assert window.minimumSizeHint().width() <= 1366  # was 1368: the subtitle, on one line, widened the window


def test_an_emails_paragraphs_stay_apart_in_the_review_coaching_and_the_pack(qtbot, db, scorecard, tmp_path):
    from qa_desktop.app.coaching_window import CoachingWindow
    from qa_desktop.app.main_window import MainWindow

    analysis = load_conversation(_write(tmp_path, "email-7.json", EMAIL_JSON))
    repository.store_call(
        analysis,
        CallMetadata(agent="Dan Ito", team="Email", call_time=dt.datetime(2026, 11, 2)),
        None,
        scored=(scorecard, score_call(analysis.transcript, scorecard)),
    )
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    window.select_row(0)
    assert "Subject: Router keeps restarting\n\nHello,\nsince the update" in window.review.transcript.toPlainText()
    closing = window.review.scorecard.criterion_item("closing")
    quotes = [closing.child(i).text(0) for i in range(closing.childCount())]
    assert any(quote.endswith("that sounds stressful. Dan”") for quote in quotes)
    assert not any("\n" in quote for quote in quotes)  # each piece of evidence is one row of the tree
    session = create_session([Agent.get(name="Dan Ito")], ["closing"], coach="Kim")
    coaching = CoachingWindow(None, lambda: "Kim", lambda: None)
    qtbot.addWidget(coaching)
    coaching.show()
    coaching.open_session(session.id)
    coaching.clip_list.setCurrentItem(coaching.clip_list.topLevelItem(0))
    assert "Subject: Router keeps restarting\n\nHello,\nsince" in coaching.excerpt.toPlainText()
    folder, _archive = export_pack(session, tmp_path / "packs")
    text = subprocess.run(
        ["pdftotext", "-layout", str(folder / "coaching-pack.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Subject: Router keeps restarting\n" in text and "restarting Hello" not in text
    assert "p{white-space:pre-line}" in (folder / "index.html").read_text()  # the page keeps the line breaks too


def test_a_batch_records_why_each_bad_transcript_failed_on_its_job(tmp_path, isolated_home, transcripts):
    bad = _write(tmp_path, "bad.csv", "name,message_time\nx,1\n")
    db_file = tmp_path / "calls.sqlite3"
    done = run_cli("ingest", str(transcripts["ticket"]), str(bad), "--db", str(db_file), env_home=isolated_home)
    assert done.returncode == 1 and f"FAILED: {bad}: missing columns speaker and text" in done.stderr
    with sqlite3.connect(db_file) as con:
        jobs = dict(con.execute("SELECT path, status || ': ' || coalesce(error, '') FROM job").fetchall())
    assert jobs[str(bad)].startswith("failed: missing columns speaker and text")  # was 'running: ', for good
    assert jobs[str(transcripts["ticket"])] == "done: "
