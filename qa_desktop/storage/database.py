"""Open the call database, migrated on open: a SQLite file with WAL and foreign keys, guarded against other
processes (see file_guard), or a team's PostgreSQL database named by a `postgresql://` URL. A database that
cannot be used raises DatabaseFileError naming it."""

from __future__ import annotations

import atexit
import logging
from collections.abc import Callable
from pathlib import Path

from peewee import DatabaseError

from qa_desktop.storage.credentials import CredentialsError
from qa_desktop.storage.database_errors import database_error_reason
from qa_desktop.storage.file_guard import FileGuard
from qa_desktop.storage.migrations import SchemaTooNewError, migrate
from qa_desktop.storage.models import database
from qa_desktop.storage.paths import default_database_path
from qa_desktop.storage.postgres_database import DatabaseUrl, TeamDatabase, is_server_url
from qa_desktop.storage.repository import interrupt_orphaned_jobs, settle_lost_jobs
from qa_desktop.storage.sqlite_database import CallDatabase

# secure_delete: deleted or replaced content (redaction, retention) is zeroed, not left in free pages
PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "cache_size": -64_000,
    "synchronous": "normal",
    "secure_delete": 1,
}

_guard: FileGuard | None = None
log = logging.getLogger(__name__)


class DatabaseFileError(Exception):
    """The database file cannot be used: what is wrong, with the file named."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"database {path}: {reason}")
        self.path: Path | DatabaseUrl = DatabaseUrl(path) if is_server_url(path) else Path(path)
        self.reason = reason


def describe_database_error(path: Path | str, exc: BaseException) -> DatabaseFileError:
    """A database error as one line a user can act on."""
    if is_server_url(path):
        return DatabaseFileError(str(DatabaseUrl(path)), database_error_reason(exc))
    target = Path(path)
    if target.is_dir():
        return DatabaseFileError(target, "is a folder, not a database file")
    return DatabaseFileError(target, database_error_reason(exc))


def open_database_error(exc: BaseException) -> DatabaseFileError | None:
    """An error of the open database (the file went bad or the disk filled, the server stopped) as one line naming
    it; None for any other error."""
    if not isinstance(exc, DatabaseError):
        return None
    where = database.obj.database if database.obj is not None else None
    return describe_database_error(where or "(not open)", exc)


def open_database(path: Path | str | None = None, tell: Callable[[str], None] = log.warning) -> Path | DatabaseUrl:
    """Open (creating and migrating if needed) the database at `path` (a file, or a `postgresql://` URL),
    or the default file; returns where it is. `tell` gets what the user should know of an open that worked (a
    backup beside the file that could not be redacted).

    Raises DatabaseFileError when it is not a usable database (a folder, not SQLite, damaged, written by a
    newer qa-desktop, on a full disk, a server that refuses the connection)."""
    if is_server_url(path):
        return _open_server(DatabaseUrl(path))
    global _guard
    target = Path(path).expanduser() if path else default_database_path()
    close_database()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        sqlite = CallDatabase()
        sqlite.init(str(target), pragmas=PRAGMAS, timeout=10)
        database.initialize(sqlite)
        database.connect()
        sqlite.schema_version()  # a first read makes a new file's -shm, so the guard holds its lock too
        _guard = FileGuard(target)
        migrate(sqlite, target, tell=tell)
        interrupt_orphaned_jobs()
        sqlite.opened = True
    except SchemaTooNewError as exc:
        close_database()
        raise DatabaseFileError(target, str(exc)) from exc
    except (DatabaseError, OSError) as exc:
        close_database()
        raise describe_database_error(target, exc) from exc
    return target


def _open_server(url: DatabaseUrl) -> DatabaseUrl:
    close_database()
    try:
        server = TeamDatabase(url)
        server.on_reconnect = settle_lost_jobs
        database.initialize(server)
        database.connect()
        migrate(server)
        interrupt_orphaned_jobs()
    except (SchemaTooNewError, CredentialsError) as exc:  # newer than this qa-desktop; a password file others read
        close_database()
        raise DatabaseFileError(str(url), str(exc)) from exc
    except DatabaseError as exc:
        close_database()
        raise describe_database_error(url, exc) from exc
    return url


def is_database_file(path: str | Path) -> bool:
    """Whether `path` is the open SQLite database's file or its -wal, -shm or -journal: writing there (an export)
    would destroy the database."""
    if not isinstance(database.obj, CallDatabase):
        return False
    target = Path(database.obj.database).resolve()
    return Path(path).resolve() in {target, *(Path(f"{target}{end}") for end in ("-wal", "-shm", "-journal"))}


def open_reader(location: str) -> None:
    """Read the database (a file path or a server URL) on this process's own connection, which cannot write:
    a helper process reads while its parent writes."""
    if is_server_url(location):
        database.initialize(TeamDatabase(DatabaseUrl(location), read_only=True))
        database.connect()
        return
    reader = CallDatabase()
    reader.init(location, pragmas={"query_only": 1}, timeout=10)
    database.initialize(reader)


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
    if database.obj is not None and not database.is_closed():
        database.close()
