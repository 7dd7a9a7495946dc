"""The PostgreSQL database class, for a team sharing one database server (`postgresql://user@host:port/name`).

Queries are written once for both stores with `?` parameters (SQLite's style); this class translates them
to psycopg's `%s` (doubling a literal `%`). NUMERIC results (PostgreSQL's AVG and ROUND) come back as
floats, as SQLite's do. Several processes may migrate at once: an advisory lock makes the others wait.
A connection the server dropped (a restart, an administrator ending it) is opened again at the next statement
outside a transaction (peewee's ReconnectMixin); inside one, the error stands and the transaction is lost whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from peewee import OperationalError, PostgresqlDatabase, __exception_wrapper__
from playhouse.shortcuts import ReconnectMixin
from psycopg.types.numeric import FloatLoader

from qa_desktop.storage.credentials import database_password
from qa_desktop.storage.database_errors import CONNECTION_LOST
from qa_desktop.storage.dialect import PostgresDialect
from qa_desktop.storage.owners import owner_key, this_process
from qa_desktop.storage.search import SearchIndex, TsvectorSearch

SCHEMES = ("postgresql://", "postgres://")
_MIGRATION_LOCK = 0x7161_6473  # "qads": the advisory lock key migrations take
# a process's lock on its owner key (a bigint key: objsubid 1; shared, where the migrations' lock is exclusive)
_OWNER_LOCK = "l.locktype = 'advisory' AND l.objsubid = 1 AND l.mode = 'ShareLock' AND l.granted"
APPLICATION_NAME = "qa-desktop"  # as pg_stat_activity names its connections (older versions gave none)
_FREED_SPACE_OWED = "qa-desktop: the old versions of redacted rows are still to be cleared (VACUUM FULL)"
# a quoted string or identifier (left as it is but for `%`), a psycopg placeholder, a `?`, a lone `%`
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|%s|\?|%")


def is_server_url(location: object) -> bool:
    """Whether a --db value names a PostgreSQL database rather than a SQLite file."""
    return isinstance(location, str) and location.startswith(SCHEMES)


class DatabaseUrl(str):
    """A PostgreSQL URL; shown (str, name) without its password."""

    @property
    def name(self) -> str:
        """The database's name."""
        return urlsplit(self).path.lstrip("/") or "postgres"

    def __str__(self) -> str:
        parts = urlsplit(self)
        if parts.password is None:
            return str.__str__(self)
        netloc = parts.netloc.replace(f":{parts.password}@", "@")
        return urlunsplit(parts._replace(netloc=netloc))


@lru_cache(maxsize=512)
def translate(sql: str) -> str:
    """SQLite-style SQL (`?` parameters) as psycopg wants it (`%s`, a literal `%` doubled)."""

    def token(match: re.Match) -> str:
        text = match.group(0)
        if text[0] in "'\"":
            return text.replace("%", "%%")
        return {"?": "%s", "%": "%%"}.get(text, text)

    return _TOKENS.sub(token, sql)


class TeamDatabase(ReconnectMixin, PostgresqlDatabase):
    """peewee's PostgresqlDatabase (psycopg 3) speaking the same SQL as CallDatabase; `read_only`: every
    transaction of its connections (a reconnected one too) is read-only."""

    dialect = PostgresDialect()
    search: SearchIndex = TsvectorSearch()
    # peewee's FloatField is REAL (single precision) on PostgreSQL: scores would lose digits SQLite keeps
    field_types = {**PostgresqlDatabase.field_types, "FLOAT": "DOUBLE PRECISION"}
    reconnect_errors = tuple((OperationalError, fragment) for fragment in CONNECTION_LOST)

    def __init__(self, url: str, read_only: bool = False) -> None:
        password = database_password(url)  # the URL's own, else the keyring's or the 0600 file's
        options = {"password": password} if password else {}
        options["application_name"] = APPLICATION_NAME
        if read_only:
            options["options"] = "-c default_transaction_read_only=on"
        super().__init__(url, prefer_psycopg3=True, **options)
        self.on_reconnect: Callable[[], object] | None = None  # see _initialize_connection
        self._connected_before = False

    def _connect(self):
        connection = super()._connect()
        connection.adapters.register_loader("numeric", FloatLoader)
        connection.execute("SELECT pg_advisory_lock_shared(%s)", [owner_key(this_process())])  # see owner_connected
        connection.commit()
        return connection

    def _initialize_connection(self, conn) -> None:
        """A connection opened when this process had one and none of its connections is left (the server lost them
        all: every other process may since have taken its jobs for ended) calls `on_reconnect`."""
        if self._connected_before and self.on_reconnect is not None and self._owner_locks(this_process()) == 1:
            self.on_reconnect()
        self._connected_before = True

    def owner_connected(self, owner: str) -> bool:
        """Whether the process `owner` names (repository's job owners) may have a connection to this database, from
        any machine: each connection of a process holds a shared advisory lock of its own (taken again on
        reconnecting), which the server drops with the connection (the process ended, or the server lost it). A
        connection that holds no such lock and gives no application name (an older qa-desktop's, opened before a newer
        one upgraded the database) may be any owner's: while one is open, every owner counts as connected (another
        role's connection shows no backend type: counted; the server's own workers have no role; psql, pg_dump and
        admin tools name themselves)."""
        return (
            self._owner_locks(owner) > 0
            or self.execute_sql(
                "SELECT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = current_database() "
                "AND a.usesysid IS NOT NULL AND COALESCE(a.backend_type, 'client backend') = 'client backend' "
                "AND a.application_name = '' "
                f"AND NOT EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND {_OWNER_LOCK}))"
            ).fetchone()[0]
        )

    def _owner_locks(self, owner: str) -> int:
        """How many connections of the process `owner` names hold its lock (see owner_connected)."""
        key = owner_key(owner) & 0xFFFF_FFFF_FFFF_FFFF  # pg_locks shows it as two unsigned halves
        return self.execute_sql(
            f"SELECT COUNT(*) FROM pg_locks l WHERE {_OWNER_LOCK} "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND l.classid::bigint = ? AND l.objid::bigint = ?",
            [key >> 32, key & 0xFFFF_FFFF],
        ).fetchone()[0]

    def execute_sql(self, sql: str, params: Sequence | None = None):
        return super().execute_sql(translate(sql), params)

    def schema_version(self) -> int:
        """The schema version recorded in the database (table qa_schema; 0 for an empty database)."""
        if self.execute_sql("SELECT to_regclass('qa_schema')").fetchone()[0] is None:
            return 0
        row = self.execute_sql("SELECT version FROM qa_schema").fetchone()
        return row[0] if row else 0

    def set_schema_version(self, version: int) -> None:
        self.execute_sql("CREATE TABLE IF NOT EXISTS qa_schema (version INTEGER NOT NULL)")
        self.execute_sql("DELETE FROM qa_schema")
        self.execute_sql("INSERT INTO qa_schema (version) VALUES (?)", [int(version)])

    def lock_schema(self) -> None:
        """Within a migration's transaction: other processes migrating wait until it commits."""
        self.execute_sql("SELECT pg_advisory_xact_lock(?)", [_MIGRATION_LOCK])

    @contextmanager
    def migrating(self) -> Iterator[None]:
        yield  # no table is rebuilt on PostgreSQL: foreign keys stay on

    def clear_freed_space(self, tables: Sequence[str]) -> None:
        """Rows replaced or deleted leave `tables` (VACUUM FULL rewrites them without the dead row versions PostgreSQL
        keeps until then), one table at a time in the order given: several processes doing it at once wait for each
        other rather than deadlock, as they did over the whole database's catalogs."""
        self.execute_sql("VACUUM FULL " + ", ".join(f'"{table}"' for table in tables))
        self.execute_sql("COMMENT ON TABLE qa_schema IS NULL")

    def owe_freed_space(self) -> None:
        """Within a migration's transaction that replaces text: note on qa_schema (a comment: no schema change) that
        the old row versions are still to be cleared, so that an upgrade killed after its commit, before
        clear_freed_space ended, has the next open clear them (they stay in the table's files until then)."""
        self.execute_sql(f"COMMENT ON TABLE qa_schema IS '{_FREED_SPACE_OWED}'")

    def freed_space_owed(self) -> bool:
        """Whether replaced text is still to be cleared (see owe_freed_space)."""
        noted = self.execute_sql("SELECT obj_description(to_regclass('qa_schema'), 'pg_class')").fetchone()[0]
        return noted == _FREED_SPACE_OWED

    def backup(self, target: Path) -> bool:
        """No file to copy: the server's own backups (pg_dump) cover it."""
        return False

    def insert_returning_id(self, sql: str, params: Sequence) -> int:
        return self.execute_sql(sql + " RETURNING id", params).fetchone()[0]

    def execute_many(self, sql: str, rows: Sequence[Sequence]) -> None:
        with __exception_wrapper__:
            self.cursor().executemany(translate(sql), rows)

    def after_bulk_load(self) -> None:
        """Each table's id sequence continues after its largest id, and the planner's statistics are fresh
        (autovacuum would take a while: until then a selective filter can be planned as a full scan)."""
        for table, sequence in self.execute_sql(
            "SELECT table_name, pg_get_serial_sequence(quote_ident(table_name), 'id') FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND column_name = 'id'"
        ).fetchall():
            if sequence:
                self.execute_sql(
                    f'SELECT setval(?, COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)', [sequence]
                )
        self.execute_sql("ANALYZE")
