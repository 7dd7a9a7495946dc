"""The database, on both stores: migrations, atomic storage of calls, no duplicates; SQLite's pragmas."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing

import peewee
import pytest

from qa_desktop.services.dashboard.queries import Scope, agent_summary
from qa_desktop.storage import repository
from qa_desktop.storage.call_metadata import CallMetadata
from qa_desktop.storage.database import DatabaseFileError, close_database, close_thread_connection, open_database
from qa_desktop.storage.migrations import LATEST
from qa_desktop.storage.models import Agent, AuditEntry, Call, Job, Team, UtteranceRow, database
from scoring.analysis import CallAnalysis
from tests.support.stored_calls import stored_call
from tools.synthetic_library import fill, spoken_analysis

RESULTS = {"greeting": ("pass", None), "closing": ("fail", None)}

pytestmark = pytest.mark.both_stores


def _transcript(sha: str, texts=("Hello, thank you for calling.", "Hi, I need help.")) -> CallAnalysis:
    return spoken_analysis(sha, tuple(texts))


@pytest.mark.sqlite_only
def test_new_database_is_migrated_with_wal_and_foreign_keys(db):
    assert database.schema_version() == LATEST
    assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert set(database.get_tables()) >= {"team", "agent", "call", "utterance", "job"}


def _statistics(path: str) -> set[str]:
    """The tables SQLite's planner has statistics on, read through a connection of its own."""
    with closing(sqlite3.connect(path)) as connection:
        return {tbl for (tbl,) in connection.execute("SELECT tbl FROM sqlite_stat1 WHERE stat NOT LIKE '0%'")}


@pytest.mark.sqlite_only
def test_a_library_created_empty_has_statistics_once_used(db):
    assert not _statistics(db) & {"call", "score"}  # created empty: nothing to measure
    for day in range(1, 21):
        stored_call("Ana", "Billing", f"2026-03-{day:02d} 09:00", 300, (80, 80, 80), False, RESULTS, ["hello"])
    thread = threading.Thread(target=lambda: (agent_summary(Scope()), close_thread_connection()))
    thread.start()  # a background task's work, its connection closed when it ends (app/background.py)
    thread.join()
    assert not database.is_closed()  # not the UI thread's connection: the task's own gathered them
    assert _statistics(db) >= {"call", "score"}


@pytest.mark.sqlite_only
def test_a_bulk_load_gathers_statistics(db):
    fill(30, with_results=True)  # the copy between stores loads this way too
    assert _statistics(db) >= {"call", "score", "criterionresult", "utterance"}


def test_reopening_keeps_data(db):
    repository.store_call(_transcript("a" * 64), CallMetadata(agent="Ana"), 0)
    close_database()
    open_database(db)
    assert Call.select().count() == 1 and UtteranceRow.select().count() == 2


def test_database_from_a_newer_version_is_refused(db):
    database.set_schema_version(LATEST + 1)
    close_database()
    with pytest.raises(DatabaseFileError, match="upgrade qa-desktop"):
        open_database(db)


def test_call_is_stored_with_agent_team_and_utterances(db):
    call = repository.store_call(_transcript("b" * 64), CallMetadata(agent="Ana Ruiz", team="Billing", call_id="X1"), 0)
    assert call.agent.name == "Ana Ruiz" and call.agent.team.name == "Billing" and call.team.name == "Billing"
    assert [u.speaker for u in repository.call_transcript(call)] == ["agent", "customer"]
    assert repository.call_transcript(call)[0].words[0]["word"] == "Hello, thank you for calling."


def test_teams_match_without_case_and_an_import_never_moves_an_agent_silently(db):
    repository.store_call(_transcript("e" * 64), CallMetadata(agent="Ana Ruiz", team="Billing"), 0)
    repository.store_call(_transcript("f" * 64), CallMetadata(agent="Ana Ruiz", team="billing "), 0)
    assert [t.name for t in Team.select()] == ["Billing"]
    repository.store_call(_transcript("1" * 64), CallMetadata(agent="Ana Ruiz", team="Retention"), 0)
    assert Agent.get(Agent.name == "Ana Ruiz").team.name == "Retention"
    moves = [(e.actor, e.action, e.target, e.old, e.new) for e in AuditEntry.select()]
    assert moves == [("import", "move agent", "Ana Ruiz", "Billing", "Retention")]


def test_call_without_agent_is_unassigned(db):
    call = repository.store_call(_transcript("c" * 64), CallMetadata(), 0)
    assert call.agent.name == "unassigned"


def test_same_content_cannot_be_stored_twice(db):
    repository.store_call(_transcript("d" * 64), CallMetadata(), 0)
    with pytest.raises(peewee.IntegrityError):
        repository.store_call(_transcript("d" * 64), CallMetadata(), 0)
    assert Call.select().count() == 1


def test_failure_while_storing_leaves_no_half_call(db):
    earlier = repository.store_call(_transcript("e" * 64), CallMetadata(agent="Ana"), 0)
    job = repository.start_job("/calls/bad.wav")
    broken = _transcript("f" * 64)
    broken.transcript.utterances[1].text = None  # NOT NULL: the second utterance insert fails
    with pytest.raises(peewee.IntegrityError):
        repository.store_call(broken, CallMetadata(agent="Newcomer"), 0, job)
    assert repository.find_call_by_hash("f" * 64) is None
    assert UtteranceRow.select().count() == 2 and Agent.get_or_none(name="Newcomer") is None
    assert Job.get_by_id(job.id).status == "running"
    assert repository.find_call_by_hash("e" * 64).id == earlier.id
