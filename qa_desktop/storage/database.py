"""Open the call database: a SQLite file with WAL and foreign keys, migrated on open."""

from __future__ import annotations

from pathlib import Path

from .migrations import migrate
from .models import database
from ..paths import default_database_path

PRAGMAS = {"journal_mode": "wal", "foreign_keys": 1, "cache_size": -64_000, "synchronous": "normal"}


def open_database(path: Path | str | None = None) -> Path:
    """Open (creating and migrating if needed) the database at `path`, or the default one."""
    target = Path(path).expanduser() if path else default_database_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    if not database.is_closed():
        database.close()
    database.init(str(target), pragmas=PRAGMAS, timeout=10)
    database.connect()
    migrate(database, target)
    return target


def close_database() -> None:
    """Close the connection of this thread, if open."""
    if not database.is_closed():
        database.close()
