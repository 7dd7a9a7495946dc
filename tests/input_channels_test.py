"""Card data that comes in by another way than speech -- a metadata CSV's columns, a typed chat, the names
people give -- never reaches the SQLite file's bytes (its -wal and free pages included), nor what the command
line prints."""

# SQLite only: it reads the file's bytes

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from qa_desktop.storage.database import close_database, open_database
from qa_desktop.storage.models import Agent, Call, Job, Team
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
    text = re.sub(rb"(?<=\d)[ ._\-]+(?=\d)", b"", path.read_bytes()).decode("latin-1")
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
