"""A database error in one line a user can act on: what SQLite or PostgreSQL said, with a full disk, a file that
is not a database, a damaged or vanished file and a lost or unreachable server named as such."""

from __future__ import annotations

import errno
import sqlite3

FULL = "database or disk is full (free some space)"
# SQLite could not grow the -shm file that a WAL database needs open: on a full disk it says "disk I/O error"
_FULL_CODES = {sqlite3.SQLITE_FULL, getattr(sqlite3, "SQLITE_IOERR_SHMSIZE", 4874)}
# what psycopg says of a connection the server dropped: on the statement that finds out, then on every later one
CONNECTION_LOST = ("terminating connection", "server closed the connection", "the connection is closed")
# what psycopg says when the server cannot be reached at all (stopped, or the network is down); "connection failed"
# alone is no such thing: psycopg starts every refusal so (TLS required, a wrong password, no such database)
UNREACHABLE = (
    "Connection refused",
    "could not connect",
    "No route to host",
    "Network is unreachable",
    "timeout expired",
    "could not translate host name",
)
# what the server answers a new connection while it shuts down, starts up or recovers from a crash (a restart)
RESTARTING = ("the database system is shutting down", "the database system is starting up", "in recovery mode")
# what SQLite says when the file cannot be opened (gone, or its folder or share not reachable, or not readable)
CANNOT_OPEN = "unable to open database file"


def database_error_reason(exc: BaseException) -> str:
    """What a database error says went wrong, in one line a user can act on (a full disk: free some space)."""
    reason = (str(exc).strip() or type(exc).__name__).splitlines()[0]
    if _is_full(exc) or "disk is full" in reason:
        return FULL
    if "file is not a database" in reason:
        return "not a qa-desktop database (file is not a database)"
    if any(fragment in reason for fragment in CONNECTION_LOST):
        return "lost the connection to the server (restarted or stopped): nothing of this change was saved: try again"
    if any(fragment in reason for fragment in RESTARTING):
        return "the server is restarting or shutting down: try again in a moment"
    if any(fragment in reason for fragment in UNREACHABLE):
        return "cannot reach the server (it is stopped, or the network is down)"
    if CANNOT_OPEN in reason:
        return "the file cannot be opened (moved, deleted, not readable, or on a drive or share that went away)"
    if "malformed" in reason:
        return "the file is damaged or truncated (database disk image is malformed); restore a backup"
    return reason


def sqlite_error(exc: BaseException) -> sqlite3.Error | None:
    """The sqlite3 error behind an error (peewee raises its own, in the handling of SQLite's)."""
    for cause in (exc, exc.__cause__, exc.__context__):
        if isinstance(cause, sqlite3.Error):
            return cause
    return None


def _is_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno == errno.ENOSPC
    cause = sqlite_error(exc)
    return cause is not None and getattr(cause, "sqlite_errorcode", None) in _FULL_CODES
