"""Schema versions and the migrations between them, kept in SQLite's `user_version`.

Add a migration by appending `(version, function)` to MIGRATIONS; each runs once, in a
transaction, with foreign keys off so that a table rebuild cannot cascade deletes.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

from peewee import Database
from peewee import SQL, BooleanField, CharField, DateTimeField, TextField
from playhouse.migrate import SchemaMigrator, migrate as apply
from playhouse.sqlite_ext import JSONField

from qa_desktop.storage.drivers import default_drivers, retag_all
from qa_desktop.storage.recordings import absolute_recording
from qa_desktop.storage.models import (
    V1_MODELS, AuditEntry, CalibrationAnswer, CalibrationCall, CalibrationSession, CalibrationSubmission, CallDriver,
    CoachingClip, CoachingSession, CriterionResultRow, Dispute, ReferenceVerdict, RetentionRule, Score, ScorecardRow,
    User,
)

log = logging.getLogger(__name__)


class SchemaTooNewError(Exception):
    """The database was written by a newer qa-desktop."""


def _initial_schema(db: Database, migrator: SchemaMigrator) -> None:
    db.create_tables(V1_MODELS)


def _add_missing(db: Database, migrator: SchemaMigrator, table: str, fields: dict) -> None:
    """Add the columns a table lacks (a fresh database already has them from its model)."""
    present = {column.name for column in db.get_columns(table)}
    apply(*[migrator.add_column(table, name, field) for name, field in fields.items() if name not in present])


def _scores(db: Database, migrator: SchemaMigrator) -> None:
    """v2: scorecards, scores and criterion results; the agent's voice features on each call."""
    _add_missing(db, migrator, "call", {"voice": JSONField(default=dict)})
    db.create_tables([ScorecardRow, Score, CriterionResultRow])


def _review(db: Database, migrator: SchemaMigrator) -> None:
    """v3: reviewed calls, overrides kept beside automatic results, the audit log, full-text search."""
    _add_missing(db, migrator, "call", {
        "reviewed": BooleanField(default=False), "reviewed_by": CharField(null=True),
        "reviewed_at": DateTimeField(null=True)})
    _add_missing(db, migrator, "score", {"failed": TextField(default="")})
    _add_missing(db, migrator, "job", {"options": JSONField(default=dict)})
    _add_missing(db, migrator, "criterionresult", {
        "override": CharField(max_length=4, null=True), "override_by": CharField(null=True),
        "override_comment": TextField(null=True)})
    db.execute_sql("CREATE INDEX IF NOT EXISTS call_reviewed ON call (reviewed)")
    db.execute_sql("CREATE INDEX IF NOT EXISTS score_call_current ON score (call_id, current)")
    db.execute_sql("UPDATE score SET failed = COALESCE((SELECT group_concat(criterion, ' ') FROM criterionresult "
                   "WHERE criterionresult.score_id = score.id AND result = 'fail'), '')")
    db.create_tables([AuditEntry])
    db.execute_sql("CREATE VIRTUAL TABLE IF NOT EXISTS utterance_fts USING fts5(text, call_id UNINDEXED, "
                   "tokenize = 'porter unicode61')")
    db.execute_sql("INSERT INTO utterance_fts (rowid, text, call_id) SELECT id, text, call_id FROM utterance")
    for statement in _FTS_TRIGGERS:
        db.execute_sql(statement)


# The search index follows the utterance table, whatever changes it (a store, a deleted call's cascade).
_FTS_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS utterance_fts_insert AFTER INSERT ON utterance BEGIN "
    "INSERT INTO utterance_fts (rowid, text, call_id) VALUES (new.id, new.text, new.call_id); END",
    "CREATE TRIGGER IF NOT EXISTS utterance_fts_delete AFTER DELETE ON utterance BEGIN "
    "DELETE FROM utterance_fts WHERE rowid = old.id; END",
    "CREATE TRIGGER IF NOT EXISTS utterance_fts_update AFTER UPDATE OF text, call_id ON utterance BEGIN "
    "UPDATE utterance_fts SET text = new.text, call_id = new.call_id WHERE rowid = old.id; END",
)


def _coaching(db: Database, migrator: SchemaMigrator) -> None:
    """v4: coaching sessions and their clips."""
    db.create_tables([CoachingSession, CoachingClip])


def _drivers(db: Database, migrator: SchemaMigrator) -> None:
    """v5: call drivers per call, tagged from the stored transcripts with the drivers that ship."""
    db.create_tables([CallDriver])
    retag_all(default_drivers())


def _trust(db: Database, migrator: SchemaMigrator) -> None:
    """v6: calibration sessions, expert reference verdicts, disputes, results marked for review."""
    _add_missing(db, migrator, "criterionresult", {"needs_review": BooleanField(default=False)})
    db.create_tables([CalibrationSession, CalibrationCall, CalibrationAnswer, CalibrationSubmission,
                      ReferenceVerdict, Dispute])


def _text_conversations(db: Database, migrator: SchemaMigrator) -> None:
    """v7: text conversations (chats, emails, tickets) beside recordings, and whether their times are real."""
    _add_missing(db, migrator, "call", {
        "medium": CharField(max_length=8, default="audio", constraints=[SQL("DEFAULT 'audio'")]),
        "timed": BooleanField(default=True, constraints=[SQL("DEFAULT 1")])})
    db.execute_sql("CREATE INDEX IF NOT EXISTS call_medium ON call (medium)")


def _job_owner(db: Database, migrator: SchemaMigrator) -> None:
    """v8: the process that queued or runs a job, so another process can tell a live job from a crashed one."""
    _add_missing(db, migrator, "job", {"owner": CharField(null=True)})


def _inputs(db: Database, migrator: SchemaMigrator) -> None:
    """v9: why a call is not scored (too short); recordings stored under a relative path get the absolute
    path of the same content where it is found from the current folder (else they stay, for Locate…)."""
    _add_missing(db, migrator, "call", {"unscored": TextField(null=True)})
    for call_id, stored, sha256 in db.execute_sql("SELECT id, path, sha256 FROM call").fetchall():
        found = absolute_recording(stored, sha256)
        if found is not None and found != stored:
            db.execute_sql("UPDATE call SET path = ? WHERE id = ?", (found, call_id))


def _checked_criteria(db: Database, migrator: SchemaMigrator) -> None:
    """v10: which criteria a reviewer looked at (played their evidence or confirmed them), so a reviewed call
    confirms only those in the agreement lab."""
    _add_missing(db, migrator, "criterionresult", {"checked": CharField(max_length=9, null=True),
                                                  "checked_by": CharField(null=True)})


def _accounts(db: Database, migrator: SchemaMigrator) -> None:
    """v12: users with roles and password hashes, retention rules, calls assigned to an evaluator, and when the
    retention policy deleted a call's recording or transcript. (v11 is PostgreSQL's review revisions: numbered
    apart so the two merge; a database at v10 goes straight to v12 until both are in.)"""
    db.create_tables([User, RetentionRule])
    _add_missing(db, migrator, "call", {
        "assigned_to": CharField(null=True), "recording_deleted_at": DateTimeField(null=True),
        "transcript_deleted_at": DateTimeField(null=True)})
    db.execute_sql("CREATE INDEX IF NOT EXISTS call_assigned_to ON call (assigned_to)")
    db.execute_sql("CREATE INDEX IF NOT EXISTS call_transcript_deleted_at ON call (transcript_deleted_at)")


MIGRATIONS: list[tuple[int, Callable[[Database, SchemaMigrator], None]]] = [
    (1, _initial_schema),
    (2, _scores),
    (3, _review),
    (4, _coaching),
    (5, _drivers),
    (6, _trust),
    (7, _text_conversations),
    (8, _job_owner),
    (9, _inputs),
    (10, _checked_criteria),
    (12, _accounts),
]
LATEST = MIGRATIONS[-1][0]


def schema_version(db: Database) -> int:
    """The schema version recorded in the database file."""
    return db.execute_sql("PRAGMA user_version").fetchone()[0]


def _backup(db: Database, target: Path) -> None:
    """A consistent copy through SQLite's backup API: opening the file itself would drop SQLite's locks."""
    copy = sqlite3.connect(target)
    try:
        db.connection().backup(copy)
    finally:
        copy.close()


def migrate(db: Database, path: Path | None = None) -> int:
    """Bring the schema up to LATEST; back the file up first if it already holds data."""
    current = schema_version(db)
    if current > LATEST:
        raise SchemaTooNewError(
            f"database schema version {current} is newer than this qa-desktop knows ({LATEST}); upgrade qa-desktop"
        )
    pending = [(version, step) for version, step in MIGRATIONS if version > current]
    if not pending:
        return current
    if current > 0 and path is not None and path.exists():
        backup = path.with_suffix(path.suffix + f".v{current}.bak")
        _backup(db, backup)
        log.info("backed up the database to %s before migrating", backup)
    migrator = SchemaMigrator.from_database(db)
    db.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        for version, step in pending:
            with db.atomic():  # immediate: a second process opening the file waits, then finds it done
                if schema_version(db) >= version:
                    continue
                step(db, migrator)
                db.execute_sql(f"PRAGMA user_version = {int(version)}")
            log.info("database schema migrated to version %d", version)
    finally:
        db.execute_sql("PRAGMA foreign_keys = ON")
    return LATEST
