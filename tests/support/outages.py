"""A database that stops being readable while the app runs, on each store: a context manager yielding its location
and a function that makes it unreadable (False) or readable again (True)."""

from __future__ import annotations

import contextlib

from qa_desktop.storage.postgres_database import DatabaseUrl
from tools.throwaway_postgres import ThrowawayServer


@contextlib.contextmanager
def stopped_server(tmp_path):
    """A PostgreSQL database, and a function that stops (False) or starts (True) its server."""
    with ThrowawayServer() as server:
        yield DatabaseUrl(server.new_database()), lambda up: server.start() if up else server.stop()


@contextlib.contextmanager
def unreadable_file(tmp_path):
    """A SQLite file, and a function that moves it away (its share gone: False) or back (True)."""
    path, away = tmp_path / "calls.sqlite3", tmp_path / "away.sqlite3"
    yield path, lambda up: away.rename(path) if up else path.rename(away)
