"""Open the call database: a SQLite file with WAL and foreign keys, migrated on open, guarded against
other processes (see file_guard); a file that cannot be used raises DatabaseFileError naming it."""

from __future__ import annotations

import atexit
import errno
from pathlib import Path

from peewee import DatabaseError

from qa_desktop.storage.file_guard import FileGuard
from qa_desktop.storage.migrations import SchemaTooNewError, migrate
from qa_desktop.storage.models import database
from qa_desktop.storage.repository import interrupt_orphaned_jobs
from qa_desktop.storage.paths import default_database_path

PRAGMAS = {"journal_mode": "wal", "foreign_keys": 1, "cache_size": -64_000, "synchronous": "normal"}

_guard: FileGuard | None = None


class DatabaseFileError(Exception):
    """The database file cannot be used: what is wrong, with the file named."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"database {path}: {reason}")
        self.path, self.reason = Path(path), reason


def describe_database_error(path: Path | str, exc: BaseException) -> DatabaseFileError:
    """A database error as one line a user can act on."""
    target = Path(path)
    reason = str(exc) or type(exc).__name__
    if target.is_dir():
        reason = "is a folder, not a database file"
    elif (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or "disk is full" in reason:
        reason = "database or disk is full (free some space)"
    elif "file is not a database" in reason:
        reason = "not a qa-desktop database (file is not a database)"
    elif "malformed" in reason:
        reason = "the file is damaged or truncated (database disk image is malformed); restore a backup"
    return DatabaseFileError(target, reason)


def open_database(path: Path | str | None = None) -> Path:
    """Open (creating and migrating if needed) the database at `path`, or the default one.

    Raises DatabaseFileError when the file is not a usable database (a folder, not SQLite, damaged,
    written by a newer qa-desktop, on a full disk)."""
    global _guard
    target = Path(path).expanduser() if path else default_database_path()
    close_database()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        database.init(str(target), pragmas=PRAGMAS, timeout=10)
        database.connect()
        _guard = FileGuard(target)
        migrate(database, target)
        interrupt_orphaned_jobs()
    except SchemaTooNewError as exc:
        close_database()
        raise DatabaseFileError(target, str(exc)) from exc
    except (DatabaseError, OSError) as exc:
        close_database()
        raise describe_database_error(target, exc) from exc
    return target


@atexit.register  # before the interpreter's teardown closes the connection with the guard still held
def close_database() -> None:
    """Close the connection of this thread, if open, and this process's guard on the file."""
    global _guard
    guard, _guard = _guard, None
    if guard is None:
        close_thread_connection()
    else:
        guard.release_around(close_thread_connection)


def close_thread_connection() -> None:
    """Close this thread's connection, if open (a background thread's, when its work ends)."""
    if not database.is_closed():
        database.close()
