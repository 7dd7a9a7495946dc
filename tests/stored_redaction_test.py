"""Card data that an older version stored in clear is redacted when the database is upgraded (schema v13): in the
utterances, their words, the search index, the evidence that scores quote, the backup, and the file's bytes."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from qa_desktop.services.trust.disputes import raise_dispute
from qa_desktop.storage import library, stored_redaction
from qa_desktop.storage.database import PRAGMAS, close_database, open_database
from qa_desktop.storage.library import LibraryFilter
from qa_desktop.storage.migrations import AFTER_COMMIT, LATEST, migrate
from qa_desktop.storage.models import (
    ALL_MODELS,
    Agent,
    AuditEntry,
    Call,
    CoachingSession,
    CriterionResultRow,
    Dispute,
    UtteranceRow,
    database,
)
from qa_desktop.storage.sqlite_database import CallDatabase
from scoring.redact import CARD, SSN
from tests.support.cli import run_cli
from tests.support.demo import ROOT
from tests.support.stored_calls import stored_call

OLD = Path(__file__).parent / "data" / "old_databases"
READ = [  # a card read in groups over two turns, with the agent's "mm-hmm" between
    ("customer", "Sure, my card number is 4539 1488"),
    ("agent", "Mm-hmm."),
    ("customer", "0343 6467 thanks."),
]
SECRETS = (b"4539", b"1488", b"0343", b"6467")
VISA = "4111111111111111"  # a test card number
TYPED = "She read her card number 4539 1488 0343 6467 aloud, coach this"  # as a lead might type it


def _words(text: str, start: float) -> list[dict]:
    return [
        {"start": start + n * 0.3, "end": start + n * 0.3 + 0.25, "word": f" {word}", "p": 0.9}
        for n, word in enumerate(text.split())
    ]


def _store_in_clear(path: Path) -> None:
    """Write the read-out card into call 1 of an old file as an older, weaker redactor could have left it, with a
    criterion result quoting it."""
    with sqlite3.connect(path) as con:
        for n, (speaker, text) in enumerate(READ):
            con.execute(
                'INSERT INTO utterance (call_id, position, speaker, start, "end", text, words) '
                "VALUES (1, ?, ?, ?, ?, ?, ?)",
                (100 + n, speaker, 60.0 + 3 * n, 62.0 + 3 * n, text, json.dumps(_words(text, 60.0 + 3 * n))),
            )
        con.execute("UPDATE coachingsession SET notes = ?", (TYPED,))
        con.execute("UPDATE call SET metadata = ?", (json.dumps({"notes": TYPED, "queue": "billing"}),))
        con.execute("UPDATE auditentry SET comment = ?", (TYPED,))
        evidence = [{"speaker": "customer", "start": 60.0, "end": 62.0, "text": READ[0][1]}]
        con.execute(
            "UPDATE criterionresult SET evidence = ? WHERE id = (SELECT MIN(r.id) FROM criterionresult r "
            "JOIN score s ON s.id = r.score_id WHERE s.call_id = 1)",
            (json.dumps(evidence),),
        )


def test_an_old_file_with_card_data_in_clear_keeps_none_of_it_anywhere(tmp_path):
    path = tmp_path / "calls.sqlite3"
    shutil.copy(OLD / "v9.sqlite3", path)
    _store_in_clear(path)
    open_database(path)
    texts = [u.text for u in UtteranceRow.select().where(UtteranceRow.position >= 100).order_by(UtteranceRow.position)]
    assert texts == [f"Sure, my card number is {CARD}", "Mm-hmm.", f"{CARD} thanks."]
    words = [w["word"] for u in UtteranceRow.select().where(UtteranceRow.position == 100) for w in u.words]
    assert words[-1] == f" {CARD}" and not any(any(c.isdigit() for c in w) for w in words)
    quoted = [item["text"] for r in CriterionResultRow.select() for item in r.evidence]
    assert f"Sure, my card number is {CARD}" in quoted and not any("4539" in t for t in quoted)
    assert database.execute_sql("SELECT count(*) FROM utterance_fts WHERE utterance_fts MATCH '4539'").fetchone() == (
        0,
    )
    typed = [s.notes for s in CoachingSession.select()] + [a.comment for a in AuditEntry.select()]
    typed += [c.metadata["notes"] for c in Call.select()]
    assert {c.metadata["queue"] for c in Call.select()} == {"billing"}
    assert typed and set(typed) == {f"She read her card number {CARD} aloud, coach this"}
    close_database()
    backup = tmp_path / "calls.sqlite3.v9.bak"
    for kept in (path, backup):
        assert kept.exists()
        content = kept.read_bytes() + (Path(f"{kept}-wal").read_bytes() if Path(f"{kept}-wal").exists() else b"")
        assert not [s for s in SECRETS if s in content], kept
    with sqlite3.connect(backup) as con:  # the backup is still the old version's file, its other rows as they were
        assert con.execute("PRAGMA user_version").fetchone() == (9,)
        assert con.execute("SELECT count(*) FROM utterance WHERE text = 'Mm-hmm.'").fetchone() == (1,)


@pytest.mark.both_stores
def test_the_upgrade_redacts_what_a_version_12_database_holds_in_clear(db):
    call = stored_call("Ana", "Billing", "2026-03-02 09:00", 300, (80, 80, 80), False, {"greeting": ("pass", None)}, [])
    for n, (speaker, text) in enumerate(READ):
        UtteranceRow.create(call=call, position=n, speaker=speaker, start=3 * n, end=3 * n + 2, text=text, words=[])
    CriterionResultRow.update(
        evidence=[{"speaker": "customer", "start": 6, "end": 8, "text": READ[2][1]}], reason=f"said '{READ[2][1]}'"
    ).execute()
    database.set_schema_version(12)
    assert migrate(database.obj) == LATEST
    assert [u.text for u in UtteranceRow.select().order_by(UtteranceRow.position)] == [
        f"Sure, my card number is {CARD}",
        "Mm-hmm.",
        f"{CARD} thanks.",
    ]
    result = CriterionResultRow.get()
    assert result.evidence[0]["text"] == f"{CARD} thanks." and result.reason == f"said '{CARD} thanks.'"
    assert library.call_ids(LibraryFilter(search="4539")) == []
    assert library.call_ids(LibraryFilter(search="thanks")) == [call.id]


def _upgraded(version: int, said: str, stored: str) -> None:
    """A call where `said` was said, stored at schema `version` (`stored`, SQL, changes it as that version stored
    it), migrated to LATEST."""
    call = stored_call("Ana", "Billing", "2026-03-02 09:00", 300, (80, 80, 80), False, {"greeting": ("pass", None)}, [])
    UtteranceRow.create(call=call, position=0, speaker="customer", start=0, end=3, text=said, words=[])
    database.execute_sql(stored)
    database.set_schema_version(version)
    assert migrate(database.obj) == LATEST


@pytest.mark.both_stores
def test_the_v17_upgrade_redacts_an_ssn_said_without_a_cue(db):
    said = "Sure, it's one two three, four five, six seven eight nine."
    _upgraded(15, said, "UPDATE criterionresult SET override_comment = 'she gave 123 45 6789 twice'")
    assert UtteranceRow.get().text == f"Sure, it's {SSN}."
    assert CriterionResultRow.get().override_comment == f"she gave {SSN} twice"
    assert library.call_ids(LibraryFilter(search="6789")) == []


@pytest.mark.both_stores
def test_card_data_typed_into_a_comment_a_dispute_or_a_metadata_column_is_stored_redacted(db):
    stored_call("Ana", "Billing", "2026-03-02 09:00", 300, (80, 80, 80), False, {"greeting": ("pass", None)}, [])
    raise_dispute(CriterionResultRow.get(), "Ana", TYPED, "lead")
    CriterionResultRow.update(override="fail", override_comment=TYPED).execute()
    Call.update(metadata={"notes": TYPED, "agent id": "A-1042"}).execute()
    raw = [
        database.execute_sql(f"SELECT {column} FROM {table}").fetchone()[0]
        for table, column in (("dispute", "reason"), ("criterionresult", "override_comment"))
    ]
    assert raw == [f"She read her card number {CARD} aloud, coach this"] * 2
    assert Dispute.get().reason == raw[0]
    assert Call.get().metadata == {"notes": raw[0], "agent id": "A-1042"}


def test_two_processes_upgrading_one_old_file_at_once_both_open_it_and_no_card_data_is_left(tmp_path):
    path = tmp_path / "calls.sqlite3"
    shutil.copy(OLD / "v9.sqlite3", path)
    _store_in_clear(path)
    opener = "import sys\nfrom qa_desktop.storage.database import open_database, close_database\n"
    opener += "open_database(sys.argv[1]); close_database(); print('opened')"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    both = [
        subprocess.Popen([sys.executable, "-c", opener, str(path)], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    assert [p.communicate(timeout=120)[0].strip() for p in both] == ["opened", "opened"]
    assert [p.returncode for p in both] == [0, 0]
    for kept in (path, tmp_path / "calls.sqlite3.v9.bak"):
        assert not [s for s in SECRETS if s in kept.read_bytes()], kept


def test_an_upgrade_killed_after_its_redaction_committed_still_leaves_no_card_data_in_its_backup(tmp_path):
    """Killed between the commit and the end of the upgrade (the checkpoint that follows waits for a reader's old
    snapshot meanwhile): the next open finds the schema up to date, and still redacts the backup it left."""
    path = tmp_path / "calls.sqlite3"
    shutil.copy(OLD / "v9.sqlite3", path)
    _store_in_clear(path)
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("PRAGMA journal_mode = wal")  # as the app leaves it
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM call").fetchone()  # a snapshot older than the upgrade
    opener = "import sys\nfrom qa_desktop.storage.database import open_database\nopen_database(sys.argv[1])"
    upgrade = subprocess.Popen([sys.executable, "-c", opener, str(path)], env={**os.environ, "PYTHONPATH": str(ROOT)})
    while upgrade.poll() is None and _schema_version(path) < LATEST:
        pass
    upgrade.kill()
    assert upgrade.wait() == -signal.SIGKILL  # killed after the commit, before the upgrade ended
    reader.rollback()
    reader.close()
    open_database(path)
    close_database()
    for kept in (path, tmp_path / "calls.sqlite3.v9.bak"):
        assert not [s for s in SECRETS if s in kept.read_bytes()], kept


def _schema_version(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as con:
        return con.execute("PRAGMA user_version").fetchone()[0]


def _old_file_with_backups(tmp_path: Path, *backups: str) -> Path:
    """A schema v9 file holding card data in clear, and beside it older backups (`vN.bak`) holding it too."""
    path = tmp_path / "calls.sqlite3"
    shutil.copy(OLD / "v9.sqlite3", path)
    _store_in_clear(path)
    for name in backups:
        shutil.copy(path, tmp_path / name)
    return path


def test_a_damaged_backup_is_removed_and_the_user_told_which(tmp_path):
    path = _old_file_with_backups(tmp_path, "calls.sqlite3.v6.bak")
    damaged = tmp_path / "calls.sqlite3.v6.bak"
    content = damaged.read_bytes()
    damaged.write_bytes(content[: len(content) // 2])  # cut short: SQLite reads it as malformed
    assert [s for s in SECRETS if s in damaged.read_bytes()]
    told: list[str] = []
    open_database(path, tell=told.append)
    close_database()
    assert len(told) == 1 and str(damaged) in told[0] and "damaged" in told[0] and "removed" in told[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calls.sqlite3", "calls.sqlite3.v9.bak"]
    assert not [s for s in SECRETS if s in (tmp_path / "calls.sqlite3.v9.bak").read_bytes()]


def test_a_locked_backup_is_kept_and_redacted_on_the_next_open(tmp_path, monkeypatch):
    monkeypatch.setattr(stored_redaction, "BUSY_TIMEOUT_S", 0.1)
    path = _old_file_with_backups(tmp_path, "calls.sqlite3.v6.bak")
    locked = tmp_path / "calls.sqlite3.v6.bak"
    other = sqlite3.connect(locked, isolation_level=None)  # another program writing to it
    other.execute("BEGIN EXCLUSIVE")
    told: list[str] = []
    open_database(path, tell=told.append)
    close_database()
    assert len(told) == 1 and str(locked) in told[0] and "locked" in told[0] and "tries again" in told[0]
    assert [s for s in SECRETS if s in locked.read_bytes()]  # kept as it was, still to be redacted
    assert Path(f"{locked}.unredacted").exists()
    other.rollback()
    other.close()
    told.clear()
    open_database(path, tell=told.append)
    close_database()
    assert told == [] and not Path(f"{locked}.unredacted").exists()
    assert not [s for s in SECRETS if s in locked.read_bytes()]
    with sqlite3.connect(locked) as con:  # still the backup it was, redacted
        assert con.execute("PRAGMA user_version").fetchone() == (9,)
        assert con.execute("SELECT count(*) FROM utterance WHERE text = 'Mm-hmm.'").fetchone() == (1,)


def test_a_backup_of_other_tables_is_removed_and_the_command_line_says_so_on_stderr(tmp_path, isolated_home):
    path = _old_file_with_backups(tmp_path)
    other = tmp_path / "calls.sqlite3.v3.bak"
    with sqlite3.connect(other) as con:
        con.execute("CREATE TABLE notes (text TEXT)")
        con.execute("INSERT INTO notes VALUES ('card 4539 1488 0343 6467')")
    done = run_cli("users", "list", "--db", str(path), env_home=isolated_home)
    assert done.returncode == 0, done.stderr
    assert f"warning: removed the backup {other}: it is not a qa-desktop database" in done.stderr
    assert "Traceback" not in done.stderr and not other.exists()


@pytest.mark.both_stores
def test_the_v15_upgrade_leaves_no_name_in_clear_in_the_tables_files(db):
    database.execute_sql(f"INSERT INTO agent (name) VALUES ('Ann {VISA}')")  # as a version 13 store held it
    database.set_schema_version(13)
    assert migrate(database.obj) == LATEST
    assert Agent.get().name == "Ann [card number]"
    for table_file in _table_files("agent"):
        assert VISA.encode() not in table_file.read_bytes(), table_file


def _table_files(table: str) -> list[Path]:
    """The files that hold a table's rows, dead ones included: the SQLite file, or the server's heap file."""
    if database.dialect.name == "sqlite":
        return [Path(database.obj.database)]
    database.execute_sql("CHECKPOINT")
    folder, relative = database.execute_sql(
        "SELECT current_setting('data_directory'), pg_relation_filepath(%s)", (table,)
    ).fetchone()
    return [Path(folder) / relative]


@pytest.mark.both_stores
def test_the_v19_upgrade_redacts_an_ssn_after_social_and_one_in_a_recordings_name(db):
    _upgraded(18, "social is 123456789", "UPDATE call SET path = '/recordings/ssn_123_45_6789.wav'")
    assert UtteranceRow.get().text == f"social is {SSN}"
    assert Call.get().path == f"/recordings/ssn_{SSN}.wav"
    assert library.call_ids(LibraryFilter(search="123456789")) == []


@pytest.mark.both_stores
def test_the_v21_upgrade_redacts_an_ssn_said_with_fillers_after_social(db):
    _upgraded(20, "social is uh one two three uh four five six seven eight nine", "SELECT 1")
    assert UtteranceRow.get().text == f"social is uh {SSN}"
    assert library.call_ids(LibraryFilter(search="seven")) == []


UPGRADE_ON_A_FULL_DISK = """
import logging, resource, signal, sys
from qa_desktop.storage.database import PRAGMAS
from qa_desktop.storage.migrations import migrate
from qa_desktop.storage.sqlite_database import CallDatabase
from scoring.redacted_log import log_to_stderr

log_to_stderr(logging.WARNING)
db = CallDatabase()
db.init(sys.argv[1], pragmas=PRAGMAS)
db.schema_version()  # the WAL's index made
if sys.argv[2:] == ["full"]:  # no file grows past a page: the commit cannot be written
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
migrate(db, target=13)
"""


def test_the_upgrade_says_it_redacted_card_data_only_once_that_was_committed(tmp_path):
    path = tmp_path / "calls.sqlite3"
    shutil.copy(OLD / "v9.sqlite3", path)
    _store_in_clear(path)
    old = CallDatabase()
    old.init(str(path), pragmas=PRAGMAS)
    assert migrate(old, target=12) == 12
    old.close()
    upgrade = [sys.executable, "-c", UPGRADE_ON_A_FULL_DISK, str(path)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([*upgrade, "full"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode != 0 and "execute('COMMIT')" in done.stderr, done.stderr  # the commit failed
    assert "redacted card data" not in done.stderr  # was said before the commit, as if it had been done
    assert _schema_version(path) == 12 and [s for s in SECRETS if s in path.read_bytes()]
    done = subprocess.run(upgrade, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0 and "redacted card data stored in clear: 2 utterances in 1 calls" in done.stderr


# The upgrade in a process of its own, killed -9 by the test.
UPGRADE = "import sys\nfrom qa_desktop.storage.database import open_database\nopen_database(sys.argv[1])"


@pytest.mark.postgresql
def test_a_team_upgrade_killed_after_its_redaction_committed_leaves_no_old_row_versions(postgres_server, postgres_url):
    """Killed between the redaction's commit and the end of its VACUUM FULL (held back meanwhile by a reader of the
    first table it rewrites), the server ending the vacuum too (it would go on without its client; a restart or an
    administrator ends it): the next open finds the schema up to date, and still clears the old row versions, which
    hold the text in clear in the table's files until then."""
    import psycopg

    said = b"my social is 123 456 789"
    open_database(postgres_url)
    stored_call("Ana", "Billing", "2026-03-02 09:00", 300, (80, 80, 80), False, {"greeting": ("pass", None)}, [])
    UtteranceRow.create(call=Call.get(), position=0, speaker="customer", start=0, end=3, text="", words=[])
    database.execute_sql("UPDATE utterance SET text = ?", [said.decode()])  # as an older version stored it
    database.set_schema_version(max(AFTER_COMMIT) - 1)  # stored by the version before the last redaction
    first = ALL_MODELS[0]._meta.table_name
    close_database()
    with psycopg.connect(postgres_url) as reader, psycopg.connect(postgres_url, autocommit=True) as watcher:
        reader.execute(f'SELECT count(*) FROM "{first}"')  # its transaction stays open: VACUUM FULL waits for it
        upgrade = subprocess.Popen(
            [sys.executable, "-c", UPGRADE, postgres_url], env={**os.environ, "PYTHONPATH": str(ROOT)}
        )
        while not watcher.execute(  # the upgrade committed and waits to vacuum
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'VACUUM FULL%' AND wait_event_type = 'Lock'"
        ).fetchone()[0]:
            assert upgrade.poll() is None
        upgrade.kill()
        assert upgrade.wait() == -signal.SIGKILL
        watcher.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'VACUUM FULL%'")
        reader.rollback()
        assert watcher.execute("SELECT version FROM qa_schema").fetchone() == (LATEST,)
        assert said in _files_of(postgres_server, watcher)  # the old row version, in clear
        open_database(postgres_url)
        close_database()
        assert said not in _files_of(postgres_server, watcher)  # was still there: nothing pending, nothing cleared


def _files_of(server, connection) -> bytes:
    """What the files of the connection's database hold, once the server wrote what it holds in memory."""
    connection.execute("CHECKPOINT")
    oid = connection.execute("SELECT oid FROM pg_database WHERE datname = current_database()").fetchone()[0]
    content = b""
    for file in (server.folder / "data" / "base" / str(oid)).iterdir():
        with contextlib.suppress(FileNotFoundError):  # a file the server removed meanwhile
            content += file.read_bytes()
    return content
