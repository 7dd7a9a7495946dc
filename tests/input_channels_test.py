"""Card data that comes in by another way than speech -- a file's or a folder's name, a metadata CSV's columns, a
typed chat, the names people give -- never reaches the SQLite file's bytes (its -wal and free pages included), nor
what the command line prints."""

# SQLite only: it reads the file's bytes

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path

from qa_desktop.app.background import Task
from qa_desktop.services import review
from qa_desktop.services.access.accounts import set_active
from qa_desktop.storage.database import close_database, open_database
from qa_desktop.storage.models import Agent, Call, Job, Team
from qa_desktop.storage.recordings import recording_file
from qa_desktop.storage.repository import queue_jobs
from tests.support.cli import run_cli

# Test card numbers (Luhn-valid) and an SSN, each written as people type them
VISA, MASTERCARD, AMEX, SSN = "4111111111111111", "5555555555554444", "378282246310005", "123456789"
CHAT = f"""speaker,text
agent,"Hi, welcome to Northwind support chat, this chat may be recorded. How can I help you today?"
customer,"I want to pay by card: card:{VISA}"
agent,"Thanks. And the code?"
customer,"cvv:737"
agent,"Is there anything else I can help you with today?"
customer,"No thanks, bye."
"""


def card_data_in(path: Path) -> list[str]:
    """The test card numbers and SSN found in a file's bytes, however their digits are separated."""
    unstamped = re.sub(rb"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}", b"", path.read_bytes())  # a log line's time: ",737" ms
    text = re.sub(rb"(?<=\d)[ ._\-]+(?=\d)", b"", unstamped).decode("latin-1")
    return [n for n in (VISA, MASTERCARD, AMEX, SSN) if n in text] + re.findall(r"(?<!\d)737(?!\d)", text)


def database_files(db: Path) -> list[Path]:
    return [p for p in db.parent.iterdir() if p.name.startswith(db.name)]


def test_card_data_in_metadata_columns_and_a_typed_chat_is_stored_redacted(tmp_path, isolated_home):
    chat = tmp_path / "chat.csv"
    chat.write_text(CHAT)
    metadata = tmp_path / "metadata.csv"
    metadata.write_text(
        "file,agent,team,call_id,notes\n"
        f'chat.csv,Ann {VISA},Team {MASTERCARD},ID-{AMEX},"ssn {SSN[:3]}-{SSN[3:5]}-{SSN[5:]}"\n'
    )
    db = tmp_path / "calls.sqlite3"
    done = run_cli("ingest", str(chat), "--metadata", str(metadata), "--db", str(db), env_home=isolated_home)
    assert done.returncode == 0, done.stderr
    assert [f for f in database_files(db) if card_data_in(f)] == []
    open_database(db)
    try:
        call = Call.get()
        assert (call.agent.name, call.team.name, call.external_id) == (
            "Ann [card number]",
            "Team [card number]",
            "ID-[card number]",
        )
        assert call.metadata == {"notes": "ssn [ssn]"}
    finally:
        close_database()


def test_an_older_file_with_names_in_clear_is_redacted_on_upgrade_two_agents_kept_apart(tmp_path):
    db = tmp_path / "calls.sqlite3"
    open_database(db)
    close_database()
    with sqlite3.connect(db) as raw:  # as a version 13 file could hold them
        raw.execute("INSERT INTO team (name) VALUES (?)", (f"Team {MASTERCARD}",))
        raw.executemany("INSERT INTO agent (name) VALUES (?)", [(f"Ann {VISA}",), (f"Ann {MASTERCARD}",)])
        raw.execute(
            "INSERT INTO job (path, status, error, created_at, updated_at, options) VALUES (?, ?, ?, ?, ?, ?)",
            ("/calls/a.csv", "failed", f"unknown speaker 'card:{VISA}'", "2026-01-01", "2026-01-01", "{}"),
        )
        raw.execute("PRAGMA user_version = 13")
    raw.close()
    open_database(db)
    try:
        assert sorted(a.name for a in Agent.select()) == ["Ann [card number]", "Ann [card number] (b)"]
        assert Team.get().name == "Team [card number]"
        assert Job.get().error == "unknown speaker 'card:[card number]'"
    finally:
        close_database()
    assert [f for f in database_files(db) if card_data_in(f)] == []


def test_a_file_named_with_a_card_number_is_imported_its_name_stored_redacted_and_found_again(tmp_path, isolated_home):
    """A recorder's numeric ids pass for card numbers now and then (about 1 in 22 random 16-digit ids): such a file
    is imported like any other, its path stored with the number's last four only, and found again by content."""
    folder = tmp_path / f"card {VISA[:4]} {VISA[4:8]} {VISA[8:12]} {VISA[12:]}"
    folder.mkdir()
    named = [folder / "chat.csv", tmp_path / f"{MASTERCARD}.csv", tmp_path / f"{SSN[:3]}-{SSN[3:5]}-{SSN[5:]}.csv"]
    for number, path in enumerate(named):
        path.write_text(CHAT.replace(f"card:{VISA}", f"by card, ticket {number}"))
    twin = tmp_path / "4000000000084444.csv"  # another card-like id ending 4444: the same name once redacted
    twin.write_text(CHAT.replace(f"card:{VISA}", "by card, the twin"))
    recorder = tmp_path / "20231102-091500-15551234567-1001-1698912345.1234.csv"  # a recorder's ids: no card
    recorder.write_text(CHAT.replace(f"card:{VISA}", "by card"))
    db = tmp_path / "calls.sqlite3"
    ingest = run_cli("ingest", str(tmp_path), "--db", str(db), env_home=isolated_home)
    score = run_cli("score", "--json", *map(str, named), env_home=isolated_home)
    assert (ingest.returncode, score.returncode) == (0, 0), ingest.stderr + score.stderr
    assert "5 imported, 0 already there, 0 failed" in ingest.stderr
    assert f"imported: {tmp_path}/card [card ending 1111]/chat.csv" in ingest.stderr
    assert f"{tmp_path}/[ssn].csv" in score.stdout and f"{tmp_path}/[card ending 4444].csv" in score.stdout
    for done in (ingest, score):
        printed = tmp_path / "printed.txt"
        printed.write_text(done.stdout + done.stderr)
        assert card_data_in(printed) == []
    assert [f for f in database_files(db) if card_data_in(f) or twin.stem.encode() in f.read_bytes()] == []
    open_database(db)
    try:
        stored = {c.path: recording_file(c.path, c.sha256) for c in Call.select()}
        assert stored[str(recorder)] == str(recorder)
        assert stored[f"{tmp_path}/card [card ending 1111]/chat.csv"] == str(named[0])
        assert stored[f"{tmp_path}/[ssn].csv"] == str(named[2])
        twins = sorted(recording_file(c.path, c.sha256) for c in Call.select() if "ending 4444" in c.path)
        assert twins == sorted([str(named[1]), str(twin)])  # each call its own file, told apart by content
        chat = Call.get(Call.path == f"{tmp_path}/card [card ending 1111]/chat.csv").id
        opened = review.open_call(chat)  # the review finds the file off the UI thread (recording_path)
        summary = review.call_summaries([chat])[chat]  # as calibration lists it: found the same way
        assert review.recording_path(opened) == review.recording_path(summary) == str(named[0])  # plays
        options = {"metadata": f"/exports/{VISA}.csv", "agent_speakers": [f"Sam {MASTERCARD}"]}  # typed in the app
        queue_jobs([str(named[1])], options)  # as the app queues what it is asked to import, before reading it
        job = Job.select().order_by(Job.id.desc()).get()
        assert job.path == f"{tmp_path}/[card ending 4444].csv"
        assert job.options == {"metadata": "/exports/[card number].csv", "agent_speakers": ["Sam [card number]"]}
    finally:
        close_database()
    assert [f for f in database_files(db) if card_data_in(f)] == []


def test_bad_input_is_named_with_the_card_data_it_quotes_redacted(tmp_path, isolated_home):
    speaker = tmp_path / "speaker.csv"
    speaker.write_text(f"speaker,text\n{VISA},hello\nagent,hi\n")
    clock = tmp_path / "clock.csv"
    clock.write_text(f"speaker,text,start\nagent,hello,card {MASTERCARD}\n")
    chat = tmp_path / "chat.csv"
    chat.write_text(CHAT)
    metadata = tmp_path / f"{MASTERCARD}.csv"  # not refused (nothing stores it), but named redacted
    metadata.write_text(f"file,agent,call_time,agent_channel\nchat.csv,Ann,{AMEX},card {VISA}\n")
    db = tmp_path / "calls.sqlite3"
    files = [str(p) for p in (speaker, clock, chat)]
    done = run_cli("ingest", *files, "--metadata", str(metadata), "--db", str(db), env_home=isolated_home)
    assert done.returncode == 1
    assert done.stderr.splitlines()[:2] == [
        "warning: [card ending 4444].csv line 2: column 'call_time': '[card number]' is not a date and time (use ISO "
        "8601, e.g. 2026-11-02 14:30); call time left empty",
        "warning: [card ending 4444].csv line 2: column 'agent_channel': 'card [card number]' is not 0 or 1; using the "
        "default",
    ]
    assert f"FAILED: {speaker}: unknown speaker '[card number]' (line 2): speakers must be" in done.stderr
    assert f"FAILED: {clock}: line 2: start 'card [card number]' is not a time" in done.stderr
    printed = tmp_path / "printed.txt"
    printed.write_text(done.stdout + done.stderr)
    assert card_data_in(printed) == [] and "Traceback" not in done.stderr
    assert [f for f in database_files(db) if card_data_in(f)] == []


def test_an_error_quoting_card_data_reaches_the_app_log_redacted(qtbot, tmp_path, log_file):
    open_database(tmp_path / "calls.sqlite3")
    try:
        failed: list[str] = []
        task = Task(lambda _: set_active(f"Ann {VISA}", False), what="disabling a user", failed=failed.append)
        task.start()
        qtbot.waitUntil(lambda: failed != [])
    finally:
        close_database()
    for handler in logging.getLogger().handlers:
        handler.flush()
    logged = log_file.read_text()
    assert "AccountError: no user called 'Ann [card number]" in logged and "Traceback" in logged
    assert card_data_in(log_file) == []
