"""Databases written by earlier versions open in this one with nothing lost."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qa_desktop.storage import library
from qa_desktop.storage.database import close_database, open_database
from qa_desktop.storage.library import LibraryFilter
from qa_desktop.storage.migrations import LATEST, MIGRATIONS
from qa_desktop.storage.models import AuditEntry, Call, CriterionResultRow, Score, UtteranceRow

_LATER_COLUMNS = {"call": ("reviewed", "reviewed_by", "reviewed_at", "unscored"), "score": ("failed",), "job": ("options", "owner"),
                  "criterionresult": ("override", "override_by", "override_comment", "needs_review")}
_LATER_TABLES = ("coachingclip", "coachingsession", "auditentry", "calldriver", "dispute", "referenceverdict",
                 "calibrationanswer", "calibrationsubmission", "calibrationcall", "calibrationsession")


def _before_v3(con: sqlite3.Connection, version: int) -> None:
    """Drop what versions 3 to 6 added (and what version 2 added, for version 1)."""
    for table in _LATER_TABLES:
        con.execute(f"DROP TABLE {table}")
    con.execute("DROP TABLE utterance_fts")
    for trigger in ("insert", "delete", "update"):
        con.execute(f"DROP TRIGGER utterance_fts_{trigger}")
    for index in con.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND "
                             "(name LIKE 'call_reviewed%' OR name = 'score_call_current')").fetchall():
        con.execute(f"DROP INDEX {index[0]}")
    for table, columns in _LATER_COLUMNS.items():
        for column in columns:
            con.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    if version == 1:
        for table in ("criterionresult", "score", "scorecard"):
            con.execute(f"DROP TABLE {table}")
        con.execute("ALTER TABLE call DROP COLUMN voice")


def _as_version(path: Path, version: int) -> None:
    """Turn a fresh database file into what an earlier version wrote (its schema, its user_version)."""
    open_database(path)
    close_database()
    with sqlite3.connect(path) as con:
        for column in ("checked", "checked_by"):  # v10
            con.execute(f"ALTER TABLE criterionresult DROP COLUMN {column}")
        con.execute("DROP INDEX call_medium")
        for column in ("medium", "timed"):  # v7
            con.execute(f"ALTER TABLE call DROP COLUMN {column}")
        if version < 6:
            _before_v3(con, version)
        con.execute("INSERT INTO agent (name) VALUES ('Ana')")
        voice = ("", "") if version == 1 else (", voice", ", '{}'") if version < 6 else (", voice, reviewed", ", '{}', 0")
        con.execute("INSERT INTO call (path, sha256, duration_s, channels, sample_rate, agent_id, model, device, "
                    f"metadata, imported_at{voice[0]}) VALUES ('/a.wav', 'x', 1, 2, 8000, 1, 'tiny.en', 'cpu', '{{}}', "
                    f"'2026-01-01'{voice[1]})")
        con.execute("INSERT INTO utterance (call_id, position, speaker, start, end, text, words) "
                    "VALUES (1, 0, 'customer', 0, 1, 'I want a refund please', '[]')")
        if version == 2:
            con.execute("INSERT INTO scorecard (key, hash, name, path, text, created_at) "
                        "VALUES ('default', 'h', 'Default', '/s.toml', '', '2026-01-01')")
            con.execute("INSERT INTO score (call_id, scorecard_id, current, overall, empathy, compliance, auto_fail, "
                        "metrics, analysis, created_at) VALUES (1, 1, 1, 40, 50, 0, 1, '{}', '{}', '2026-01-01')")
            for criterion, result in (("greeting", "pass"), ("identity_verification", "fail"), ("closing", "fail")):
                con.execute("INSERT INTO criterionresult (score_id, criterion, section, category, weight, critical, "
                            "result, credit, confidence, reason, evidence) "
                            f"VALUES (1, '{criterion}', 's', 'compliance', 1, 0, '{result}', 0, 0.9, 'r', '[]')")
        con.execute(f"PRAGMA user_version = {version}")


def test_latest_is_the_last_migration():
    assert LATEST == MIGRATIONS[-1][0] == 12


@contextmanager
def _opened_after(tmp_path: Path, version: int) -> Iterator[None]:
    """A database written by `version`, opened (so migrated) by this one; checks the backup it made."""
    path = tmp_path / "old.sqlite3"
    _as_version(path, version)
    open_database(path)
    try:
        yield
        assert (tmp_path / f"old.sqlite3.v{version}.bak").exists()
    finally:
        close_database()


def test_version_1_database_is_migrated_keeping_its_calls(tmp_path):
    with _opened_after(tmp_path, 1):
        call = Call.get()
        assert call.path == "/a.wav" and call.voice == {} and not call.reviewed and Score.select().count() == 0
        assert library.call_ids(LibraryFilter(search="refund")) == [call.id]  # earlier text is searchable
        assert [(d.driver, d.primary) for d in call.drivers] == [("refund", True)]  # tagged by the v5 migration


def test_version_2_database_gains_review_search_and_failed_criteria(tmp_path):
    with _opened_after(tmp_path, 2):
        score = Score.get()
        assert score.failed.split() == ["identity_verification", "closing"]
        assert library.call_ids(LibraryFilter(failed_criterion="closing")) == [score.call_id]
        assert library.call_ids(LibraryFilter(failed_criterion="greeting")) == []
        assert library.call_ids(LibraryFilter(search="refunds")) == [score.call_id]  # porter stemming
        assert AuditEntry.select().count() == 0


def test_version_6_database_marks_its_calls_as_recordings(tmp_path):
    with _opened_after(tmp_path, 6):
        call = Call.get()
        assert (call.medium, call.timed) == ("audio", True)
        assert library.rows([call.id])[0].medium == "audio"


def test_version_2_results_are_not_checked_by_anyone_after_migrating(tmp_path):
    with _opened_after(tmp_path, 2):
        assert {(r.checked, r.checked_by) for r in CriterionResultRow.select()} == {(None, None)}


def test_search_index_follows_deleted_and_edited_utterances(db):
    with sqlite3.connect(db) as con:
        con.execute("INSERT INTO agent (name) VALUES ('Ana')")
        for call_id, text in ((1, "I want a refund"), (2, "my card was declined")):
            con.execute("INSERT INTO call (path, sha256, duration_s, channels, sample_rate, agent_id, model, device, "
                        "metadata, imported_at, voice, reviewed) VALUES (?, ?, 1, 2, 8000, 1, 'm', 'cpu', '{}', "
                        "'2026-01-01', '{}', 0)", (f"/{call_id}.wav", str(call_id)))
            con.execute("INSERT INTO utterance (call_id, position, speaker, start, end, text, words) "
                        "VALUES (?, 0, 'customer', 0, 1, ?, '[]')", (call_id, text))
    assert library.call_ids(LibraryFilter(search="refund")) == [1]
    Call.get_by_id(1).delete_instance()  # the utterance goes by cascade, and with it the index row
    assert library.call_ids(LibraryFilter(search="refund")) == []
    UtteranceRow.update(text="my card was refunded").where(UtteranceRow.call == 2).execute()
    assert library.call_ids(LibraryFilter(search="refund")) == [2]
    assert library.call_ids(LibraryFilter(search="declined")) == []


def test_version_7_relative_paths_become_absolute_where_the_same_content_is_found(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "calls").mkdir()
    (tmp_path / "calls" / "a.wav").write_bytes(b"recording a")
    (tmp_path / "calls" / "b.wav").write_bytes(b"another recording under b's name")
    path = tmp_path / "old.sqlite3"
    open_database(path)
    close_database()
    with sqlite3.connect(path) as con:  # what version 7 wrote: no unscored column
        con.execute("ALTER TABLE call DROP COLUMN unscored")
        con.execute("PRAGMA user_version = 7")
        con.execute("INSERT INTO agent (name) VALUES ('Ana')")
        con.execute("INSERT INTO call (path, sha256, duration_s, channels, sample_rate, agent_id, model, device, "
                    "metadata, imported_at, voice, reviewed) VALUES ('/a.wav', 'x', 1, 2, 8000, 1, 'tiny.en', 'cpu', "
                    "'{}', '2026-01-01', '{}', 0)")
        for name, content in (("calls/a.wav", b"recording a"), ("calls/b.wav", b"recording b"), ("gone.wav", b"")):
            con.execute("INSERT INTO call (path, sha256, duration_s, channels, sample_rate, agent_id, model, device, "
                        "metadata, imported_at, voice, reviewed) VALUES (?, ?, 60, 2, 8000, 1, 'tiny.en', 'cpu', "
                        "'{}', '2026-01-01', '{}', 0)", (name, hashlib.sha256(content).hexdigest()))
    open_database(path)
    try:
        paths = [c.path for c in Call.select().order_by(Call.id)]
        assert paths == ["/a.wav", str(tmp_path / "calls" / "a.wav"), "calls/b.wav", "gone.wav"]
        assert all(c.unscored is None for c in Call.select())
    finally:
        close_database()
