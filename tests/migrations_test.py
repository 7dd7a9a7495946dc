"""Databases written by earlier versions open in this one with nothing lost."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa_desktop.storage import library, repository
from qa_desktop.storage.database import close_database, open_database
from qa_desktop.storage.library import LibraryFilter
from qa_desktop.storage.migrations import LATEST, MIGRATIONS
from qa_desktop.storage.models import AuditEntry, Call, CriterionResultRow, Score, UtteranceRow, database

OLD = Path(__file__).parent / "data" / "old_databases"  # written by each version's own code (build.py there)
OLD_VERSIONS = sorted(int(path.stem[1:]) for path in OLD.glob("v*.sqlite3"))
FTS_SHADOW = "utterance_fts_"  # the search index's own tables, rebuilt by the migration that adds it


def _same_default(column: tuple) -> tuple:
    """A column as PRAGMA table_info gives it, its default TRUE/FALSE as SQLite reads them (1/0): the model
    says TRUE, which PostgreSQL needs, where v7 wrote 1."""
    name, kind, not_null, default, key = column
    return name, kind, not_null, {"TRUE": "1", "FALSE": "0"}.get(default, default), key


def _schema(path: Path, index_names: bool = False) -> dict[str, set]:
    """Each table's columns (name, type, not null, default, primary key), its indexes (columns, unique) and the
    triggers; with index_names, the names of the indexes and triggers instead."""
    with sqlite3.connect(path) as con:
        names = con.execute("SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchall()
        if index_names:
            return {"indexes and triggers": {(kind, name) for kind, name, _ in names if kind in ("index", "trigger")}}
        schema = {
            name: {_same_default(column[1:]) for column in con.execute(f"PRAGMA table_info('{name}')")}
            for kind, name, _ in names
            if kind == "table" and not name.startswith(FTS_SHADOW)
        }
        schema["indexes"] = {
            (
                table,
                tuple(c[2] for c in con.execute(f"PRAGMA index_info('{name}')")),
                con.execute("SELECT sql LIKE 'CREATE UNIQUE%' FROM sqlite_master WHERE name = ?", (name,)).fetchone()[
                    0
                ],
            )
            for kind, name, table in names
            if kind == "index"
        }
        schema["triggers"] = {name for kind, name, _ in names if kind == "trigger"}
    return schema


def _rows(path: Path, table: str, columns: list[str]) -> list[tuple]:
    with sqlite3.connect(path) as con:
        return con.execute(f"SELECT {', '.join(f'[{c}]' for c in columns)} FROM [{table}] ORDER BY rowid").fetchall()


@pytest.fixture(params=OLD_VERSIONS, ids=[f"v{v}" for v in OLD_VERSIONS])
def migrated(request, tmp_path) -> Iterator[tuple[int, Path, Path]]:
    """(version, the file as that version wrote it, a copy opened, so migrated, by this version)."""
    original = OLD / f"v{request.param}.sqlite3"
    copy = tmp_path / "calls.sqlite3"
    shutil.copy(original, copy)
    open_database(copy)
    yield request.param, original, copy
    close_database()


def test_old_databases_are_there_for_the_versions_users_had():
    assert OLD_VERSIONS == [1, 2, 3, 6, 9]
    for version in OLD_VERSIONS:
        with sqlite3.connect(OLD / f"v{version}.sqlite3") as con:
            assert con.execute("PRAGMA user_version").fetchone()[0] == version


def test_migrations_are_numbered_one_by_one_and_a_new_database_is_at_the_latest(db):
    assert [version for version, _ in MIGRATIONS] == list(range(1, LATEST + 1))
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == LATEST


def test_an_old_database_gets_the_schema_of_a_new_one(migrated, tmp_path):
    version, _, copy = migrated
    fresh = tmp_path / "fresh.sqlite3"
    close_database()
    open_database(fresh)
    with sqlite3.connect(copy) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == LATEST
    assert _schema(copy) == _schema(fresh)


def test_an_old_database_has_the_index_names_of_a_new_one(tmp_path):
    copy, fresh = tmp_path / "old.sqlite3", tmp_path / "fresh.sqlite3"
    shutil.copy(OLD / f"v{OLD_VERSIONS[-1]}.sqlite3", copy)
    for path in (copy, fresh):
        open_database(path)
        close_database()
    assert _schema(copy, index_names=True) == _schema(fresh, index_names=True)


def test_an_old_database_keeps_every_row_and_its_backup_is_the_file_as_it_was(migrated):
    version, original, copy = migrated
    with sqlite3.connect(original) as con:
        tables = [
            name
            for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not name.startswith(FTS_SHADOW) and name != "utterance_fts"
        ]
    assert "call" in tables and "utterance" in tables
    for table in tables:
        with sqlite3.connect(original) as con:
            columns = [column[1] for column in con.execute(f"PRAGMA table_info('{table}')")]
        before = _rows(original, table, columns)
        assert before, table  # every table of an old file holds rows, so a lost one shows
        assert _rows(copy, table, columns) == before, table
    backup = copy.with_name(f"calls.sqlite3.v{version}.bak")
    with sqlite3.connect(original) as old, sqlite3.connect(backup) as kept:
        assert list(kept.iterdump()) == list(old.iterdump())


def test_an_old_database_is_usable_where_the_app_reads_it(migrated):
    version, _, _ = migrated
    everything = library.call_ids(LibraryFilter())
    assert sorted(everything) == [1, 2, 3]
    assert library.call_ids(LibraryFilter(search="refunds")) == [1]  # indexed (by v3's migration for v1, v2)
    rows = {row.call_id: row for row in library.rows(everything)}
    assert (rows[1].agent, rows[1].team, rows[1].medium, rows[1].timed) == ("Ana Silva", "Billing", "audio", True)
    assert rows[3].path == "calls/tom-becker-support.flac"  # not found from here: kept for Locate…
    assert [u.text for u in repository.call_transcript(Call.get_by_id(2))] == [
        "I'd like to cancel my subscription today.",
        "Of course, let me help you with that.",
    ]
    assert [(d.driver, d.primary) for d in Call.get_by_id(2).drivers] == [("cancellation", True)]
    if version == 1:
        assert Score.select().count() == 0 and rows[1].overall is None and not rows[1].reviewed
        return
    assert (rows[1].overall, rows[1].auto_fail, rows[3].overall) == (72.5, True, None)  # the current score
    failed = ["identity_verification", "empathy_statement"] if version == 2 else ["identity_verification"]
    assert Score.get_by_id(2).failed.split() == failed  # v2's computed by v3's migration; later ones kept
    assert library.call_ids(LibraryFilter(failed_criterion="identity_verification")) == [2, 1]
    assert library.call_ids(LibraryFilter(failed_criterion="greeting")) == []
    empathy = CriterionResultRow.get(CriterionResultRow.criterion == "empathy_statement")
    assert (empathy.override, empathy.override_by) == ((None, None) if version == 2 else ("pass", "Lead"))
    results = list(CriterionResultRow.select().order_by(CriterionResultRow.id))
    assert [r.needs_review for r in results] == [False, version >= 6, False, False, False]  # v6 added it, False
    assert {(r.checked, r.checked_by) for r in results} == {(None, None)}  # nobody checked yet
    assert rows[1].reviewed is (version >= 3)
    assert [e.action for e in AuditEntry.select().order_by(AuditEntry.at)] == (
        [] if version == 2 else ["override", "reviewed"]
    )


@pytest.mark.both_stores
def test_search_index_follows_deleted_and_edited_utterances(db):
    database.execute_sql("INSERT INTO agent (name) VALUES ('Ana')")
    for call_id, text in ((1, "I want a refund"), (2, "my card was declined")):  # raw SQL: no peewee in between
        database.execute_sql(
            "INSERT INTO call (id, path, sha256, duration_s, channels, sample_rate, agent_id, model, "
            "device, metadata, imported_at, voice, reviewed) VALUES (?, ?, ?, 1, 2, 8000, 1, 'm', "
            "'cpu', '{}', '2026-01-01', '{}', ?)",
            (call_id, f"/{call_id}.wav", str(call_id), False),
        )
        database.execute_sql(
            'INSERT INTO utterance (call_id, position, speaker, start, "end", text, words) '
            "VALUES (?, 0, 'customer', 0, 1, ?, '[]')",
            (call_id, text),
        )
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
        con.execute(
            "INSERT INTO call (path, sha256, duration_s, channels, sample_rate, agent_id, model, device, "
            "metadata, imported_at, voice, reviewed) VALUES ('/a.wav', 'x', 1, 2, 8000, 1, 'tiny.en', 'cpu', "
            "'{}', '2026-01-01', '{}', 0)"
        )
        for name, content in (("calls/a.wav", b"recording a"), ("calls/b.wav", b"recording b"), ("gone.wav", b"")):
            con.execute(
                "INSERT INTO call (path, sha256, duration_s, channels, sample_rate, agent_id, model, device, "
                "metadata, imported_at, voice, reviewed) VALUES (?, ?, 60, 2, 8000, 1, 'tiny.en', 'cpu', "
                "'{}', '2026-01-01', '{}', 0)",
                (name, hashlib.sha256(content).hexdigest()),
            )
    open_database(path)
    try:
        paths = [c.path for c in Call.select().order_by(Call.id)]
        assert paths == ["/a.wav", str(tmp_path / "calls" / "a.wav"), "calls/b.wav", "gone.wav"]
        assert all(c.unscored is None for c in Call.select())
    finally:
        close_database()


# An upgrade killed -9 while it runs step `sys.argv[2]` (that step's transaction is lost; the ones before committed).
KILLED_AT_STEP = """
import os, signal, sys
from qa_desktop.storage import migrations
from qa_desktop.storage.database import open_database

def killed(db, migrator):
    os.kill(os.getpid(), signal.SIGKILL)

migrations.MIGRATIONS = [(v, killed if v == int(sys.argv[2]) else step) for v, step in migrations.MIGRATIONS]
open_database(sys.argv[1])
"""


def test_an_upgrade_killed_again_and_again_keeps_the_one_backup_it_made_first(tmp_path):
    path = tmp_path / "calls.sqlite3"
    shutil.copy(OLD / "v9.sqlite3", path)
    for step in (13, 17):  # killed in v13's step, then, resumed at v12, in v17's
        killed = subprocess.run([sys.executable, "-c", KILLED_AT_STEP, str(path), str(step)], env=_child_env())
        assert killed.returncode == -signal.SIGKILL
        with sqlite3.connect(path) as con:
            assert con.execute("PRAGMA user_version").fetchone() == (step - 1,)
    open_database(path)
    close_database()
    beside = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm")))
    assert beside == ["calls.sqlite3", "calls.sqlite3.v9.bak"]  # was also v12's and v16's
    with sqlite3.connect(path.with_name("calls.sqlite3.v9.bak")) as con:  # the file as it was before the upgrade
        assert con.execute("PRAGMA user_version").fetchone() == (9,)
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert _rows(path.with_name("calls.sqlite3.v9.bak"), "call", ["id", "sha256"]) == _rows(
        OLD / "v9.sqlite3", "call", ["id", "sha256"]
    )


def _child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
