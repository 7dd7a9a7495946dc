"""The SQLite database class: write transactions wait their turn, and a failed write keeps its real error.

Every transaction begins with BEGIN IMMEDIATE (peewee's `lock_type`), so a transaction that reads and
then writes queues for the write lock within the busy timeout instead of failing at once with
"database is locked" (a deferred one cannot wait in WAL mode). This covers every write path, peewee's
own `get_or_create` included. When SQLite has already rolled a transaction back itself (a full disk,
an I/O error), the rollback that follows is skipped, so "database or disk is full" reaches the user
instead of "cannot rollback - no transaction is active".

Both database classes (this one and postgres_database.TeamDatabase) offer what storage needs beyond
peewee: their SQL dialect, their search index, the schema version, inserts that return the new id.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from peewee import DatabaseError, SqliteDatabase, __exception_wrapper__, _savepoint

from qa_desktop.storage.database_errors import CANNOT_OPEN
from qa_desktop.storage.dialect import SqliteDialect
from qa_desktop.storage.search import Fts5Search, SearchIndex


class _Savepoint(_savepoint):
    """A savepoint whose rollback is skipped when SQLite has already ended the transaction."""

    def rollback(self, begin: bool = True) -> None:
        if self.db.connection().in_transaction:
            super().rollback(begin)


ANALYSIS_LIMIT = 400  # rows read per index when statistics are gathered (SQLite's advice: 100-1000)


class CallDatabase(SqliteDatabase):
    """peewee's SqliteDatabase with immediate write transactions and truthful errors."""

    dialect = SqliteDialect()
    search: SearchIndex = Fts5Search()

    def __init__(self) -> None:
        super().__init__(None, lock_type="IMMEDIATE")
        self.opened = False  # set once the file is open: a thread's later connection finds it or fails

    def _connect(self) -> sqlite3.Connection:
        """A new connection (each background thread opens its own); once the file is open, a file that has gone
        since (moved, deleted, its share gone) fails as SQLite's "unable to open database file" instead of being
        created again, empty, where every read then says "no such table"."""
        if self.opened and not Path(self.database).exists():
            raise sqlite3.OperationalError(CANNOT_OPEN)
        return super()._connect()

    def _close(self, conn: sqlite3.Connection) -> None:
        """Before a connection closes, SQLite refreshes the planner's statistics where this connection's queries
        could use them and they are missing or stale (`PRAGMA optimize`, as SQLite advises; `analysis_limit`
        keeps it to milliseconds however large the library): a library created empty has them as it grows."""
        try:
            conn.execute("PRAGMA busy_timeout = 0")  # another connection writing: skipped now, not waited for
            conn.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
            conn.execute("PRAGMA optimize")
        except sqlite3.Error:  # locked by a writer, a reader's (query_only), or gone: statistics are only an aid
            pass
        super()._close(conn)

    def rollback(self) -> None:
        if not self.is_closed() and not self.connection().in_transaction:
            return
        super().rollback()

    def savepoint(self) -> _Savepoint:
        return _Savepoint(self)

    def schema_version(self) -> int:
        """The schema version recorded in the file (SQLite's user_version)."""
        return self.execute_sql("PRAGMA user_version").fetchone()[0]

    def set_schema_version(self, version: int) -> None:
        self.execute_sql(f"PRAGMA user_version = {int(version)}")

    def clear_freed_space(self, tables: Sequence[str]) -> None:
        """Text replaced or deleted leaves the file, whatever its table: pages freed are zeroed (`secure_delete`),
        and the log (WAL) that held their old contents is written back and emptied."""
        self.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def owe_freed_space(self) -> None:
        """Nothing to note (see TeamDatabase.owe_freed_space): the last connection to close checkpoints anyway."""

    def freed_space_owed(self) -> bool:
        return False

    def lock_schema(self) -> None:
        """Within a migration's transaction: make other processes wait (BEGIN IMMEDIATE already does)."""

    @contextmanager
    def migrating(self) -> Iterator[None]:
        """Foreign keys off while migrating, so that a table rebuild cannot cascade deletes."""
        self.execute_sql("PRAGMA foreign_keys = OFF")
        try:
            yield
        finally:
            self.execute_sql("PRAGMA foreign_keys = ON")

    def backup(self, target: Path) -> bool:
        """A consistent copy through SQLite's backup API: opening the file itself would drop SQLite's locks. A copy
        that fails (a full disk) raises peewee's error, and is removed rather than left half-written."""
        try:
            with __exception_wrapper__:
                copy = sqlite3.connect(target)
                try:
                    self.connection().backup(copy)
                finally:
                    copy.close()
        except DatabaseError:
            for partial in (target, Path(f"{target}-journal")):
                partial.unlink(missing_ok=True)
            raise
        return True

    def owner_connected(self, owner: str) -> None:
        """Unknown on a file (see TeamDatabase.owner_connected): the process is looked for on this machine instead."""
        return None

    def insert_returning_id(self, sql: str, params: Sequence) -> int:
        """Run one INSERT; the new row's id."""
        return self.execute_sql(sql, params).lastrowid

    def execute_many(self, sql: str, rows: Sequence[Sequence]) -> None:
        """Run one statement for each row of parameters."""
        with __exception_wrapper__:  # peewee's errors (IntegrityError, ...), as for every other statement
            self.cursor().executemany(sql, rows)

    def after_bulk_load(self) -> None:
        """After many rows were inserted with their ids: new rows get the next ids (SQLite: always so), and the
        planner's statistics are gathered for the tables as they now are (`ANALYZE`, within `analysis_limit`)."""
        self.execute_sql(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
        self.execute_sql("ANALYZE")
