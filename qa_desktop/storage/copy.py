"""Move a workstation's SQLite database into a team's PostgreSQL database: every row of every table with its
id (calls, utterances, scores, results, the audit log, coaching, calibration, disputes), in one transaction,
then each id sequence set past the largest id copied.

The source is migrated to the current schema first (backed up beside it, as opening it in the app would);
the target must hold no calls yet, since ids are kept as they are.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from qa_desktop.storage.migrations import migrate
from qa_desktop.storage.models import ALL_MODELS
from qa_desktop.storage.postgres_database import DatabaseUrl, TeamDatabase
from qa_desktop.storage.sqlite_database import CallDatabase

BATCH = 2000

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
        for model in ALL_MODELS:
            fields = list(model._meta.sorted_fields)
            count, last = 0, None
            while True:
                with origin.bind_ctx([model]):
                    query = model.select(*fields).order_by(model.id).limit(BATCH)
                    if last is not None:
                        query = query.where(model.id > last)
                    rows = list(query.tuples())
                if not rows:
                    break
                with destination.bind_ctx([model]):
                    model.insert_many(rows, fields=fields).execute()
                count, last = count + len(rows), rows[-1][0]
            copied[model._meta.table_name] = count
            if progress:
                progress(model._meta.table_name, count)
        destination.after_bulk_load()
    return copied
