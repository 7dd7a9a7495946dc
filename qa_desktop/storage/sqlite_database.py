"""The SQLite database class: write transactions wait their turn, and a failed write keeps its real error.

Every transaction begins with BEGIN IMMEDIATE (peewee's `lock_type`), so a transaction that reads and
then writes queues for the write lock within the busy timeout instead of failing at once with
"database is locked" (a deferred one cannot wait in WAL mode). This covers every write path, peewee's
own `get_or_create` included. When SQLite has already rolled a transaction back itself (a full disk,
an I/O error), the rollback that follows is skipped, so "database or disk is full" reaches the user
instead of "cannot rollback - no transaction is active".
"""

from __future__ import annotations

from peewee import SqliteDatabase, _savepoint


class _Savepoint(_savepoint):
    """A savepoint whose rollback is skipped when SQLite has already ended the transaction."""

    def rollback(self, begin: bool = True) -> None:
        if self.db.connection().in_transaction:
            super().rollback(begin)


class CallDatabase(SqliteDatabase):
    """peewee's SqliteDatabase with immediate write transactions and truthful errors."""

    def __init__(self) -> None:
        super().__init__(None, lock_type="IMMEDIATE")

    def rollback(self) -> None:
        if not self.is_closed() and not self.connection().in_transaction:
            return
        super().rollback()

    def savepoint(self) -> _Savepoint:
        return _Savepoint(self)
