"""Schema versions and the migrations between them, kept in SQLite's `user_version`.

Add a migration by appending `(version, function)` to MIGRATIONS; each runs once, in a
transaction, with foreign keys off so that a table rebuild cannot cascade deletes.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path

from peewee import Database
from playhouse.migrate import SchemaMigrator, migrate as apply
from playhouse.sqlite_ext import JSONField

from .models import V1_MODELS, CriterionResult, Score, Scorecard

log = logging.getLogger(__name__)


class SchemaTooNewError(Exception):
    """The database was written by a newer qa-desktop."""


def _initial_schema(db: Database, migrator: SchemaMigrator) -> None:
    db.create_tables(V1_MODELS)


def _scores(db: Database, migrator: SchemaMigrator) -> None:
    """v2: scorecards, scores and criterion results; the agent's voice features on each call."""
    if "voice" not in {column.name for column in db.get_columns("call")}:  # a fresh database has it from v1
        apply(migrator.add_column("call", "voice", JSONField(default=dict)))
    db.create_tables([Scorecard, Score, CriterionResult])


MIGRATIONS: list[tuple[int, Callable[[Database, SchemaMigrator], None]]] = [
    (1, _initial_schema),
    (2, _scores),
]
LATEST = MIGRATIONS[-1][0]


def schema_version(db: Database) -> int:
    """The schema version recorded in the database file."""
    return db.execute_sql("PRAGMA user_version").fetchone()[0]


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
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copy2(path, backup)
        log.info("backed up the database to %s before migrating", backup)
    migrator = SchemaMigrator.from_database(db)
    db.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        for version, step in pending:
            with db.atomic():
                step(db, migrator)
                db.execute_sql(f"PRAGMA user_version = {int(version)}")
            log.info("database schema migrated to version %d", version)
    finally:
        db.execute_sql("PRAGMA foreign_keys = ON")
    return LATEST
