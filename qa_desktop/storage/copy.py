"""Move a workstation's SQLite database into a team's PostgreSQL database: every row of every table with its
id (calls, utterances, scores, results, the audit log, coaching, calibration, disputes), in one transaction,
then each id sequence set past the largest id copied; the dashboards' pass counts are counted once at the end
(pass_counts.counted_at_end).

The source is migrated to the current schema first (backed up beside it, as opening it in the app would);
the target must hold no calls yet, since ids are kept as they are.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

from qa_desktop.storage import pass_counts
from qa_desktop.storage.migrations import migrate
from qa_desktop.storage.models import ALL_MODELS, BaseModel, JSONField, RedactedField
from qa_desktop.storage.postgres_database import DatabaseUrl, TeamDatabase
from qa_desktop.storage.sqlite_database import CallDatabase

log = logging.getLogger(__name__)


class CopyError(Exception):
    """The copy cannot be made as asked (nothing was written to the target)."""


def copy_database(
    source: Path,
    target: str,
    progress: Callable[[str, int], None] | None = None,
    tell: Callable[[str], None] = log.warning,
) -> dict[str, int]:
    """Copy the SQLite file `source` into the empty PostgreSQL database at URL `target`; rows copied per table.
    `tell` gets what the user should know of the source's upgrade (a backup beside it that could not be
    redacted), as `open_database`'s does."""
    from qa_desktop.storage.database import PRAGMAS, describe_database_error  # database.py opens the app's one

    if not source.is_file():
        raise CopyError(f"{source}: no such database file")
    origin, destination = CallDatabase(), TeamDatabase(target)
    origin.init(str(source), pragmas=PRAGMAS, timeout=10)
    try:
        try:
            origin.connect()
            migrate(origin, source, tell=tell)
        except Exception as exc:
            raise CopyError(str(describe_database_error(source, exc))) from exc
        try:
            destination.connect()
            migrate(destination)
        except Exception as exc:
            raise CopyError(str(describe_database_error(target, exc))) from exc
        return _copy_rows(origin, destination, progress)
    finally:
        for db in (origin, destination):
            if not db.is_closed():
                db.close()


def _copy_rows(
    origin: CallDatabase, destination: TeamDatabase, progress: Callable[[str, int], None] | None
) -> dict[str, int]:
    with destination.bind_ctx(ALL_MODELS):
        held = {m._meta.table_name: m.select().count() for m in ALL_MODELS}
    if any(held.values()):
        filled = ", ".join(f"{n} {table}" for table, n in held.items() if n)
        raise CopyError(
            f"{DatabaseUrl(destination.database)} already holds data ({filled}): the copy keeps every id, "
            "so it goes into an empty database only"
        )
    copied = {}
    with destination.atomic():
        with pass_counts.counted_at_end(destination):
            for model in ALL_MODELS:
                copied[model._meta.table_name] = _copy_table(model, origin, destination)
                if progress:
                    progress(model._meta.table_name, copied[model._meta.table_name])
        destination.after_bulk_load()
    return copied


def _copy_table(model: type[BaseModel], origin: CallDatabase, destination: TeamDatabase) -> int:
    """Stream one table's rows, in id order, from SQLite into PostgreSQL with COPY FROM STDIN (in the open
    transaction); rows copied. Values go as SQLite holds them (PostgreSQL parses its text for dates, booleans and
    JSON), except that the RedactedField columns are redacted again, as peewee's insert did: a card number typed
    into the file by hand, or caught by a rule newer than the file's last redaction, stays out of the team's
    database."""
    fields = list(model._meta.sorted_fields)
    redact = [(i, field) for i, field in enumerate(fields) if isinstance(field, RedactedField)]
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    rows = origin.execute_sql(f'SELECT {columns} FROM "{model._meta.table_name}" ORDER BY "id"')
    count = 0
    with destination.connection().cursor() as cursor:
        with cursor.copy(f'COPY "{model._meta.table_name}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                if redact:
                    row = list(row)
                    for i, field in redact:
                        row[i] = _redacted(field, row[i])
                copy.write_row(row)
                count += 1
    return count


def _redacted(field: RedactedField, value: object) -> object:
    """A stored value of a RedactedField column (JSON as its text) with card data redacted."""
    if isinstance(field, JSONField) and isinstance(value, str):
        return json.dumps(field.redact(json.loads(value)))
    return field.redact(value)
