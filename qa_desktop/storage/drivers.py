"""Call-driver tags per stored call: written with each call, and rewritten for every call when the
drivers file changes (`qa-desktop retag`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from qa_desktop.storage.models import CallDriver, database
from scoring.drivers import DriverSet, load_drivers


@lru_cache(maxsize=1)
def default_drivers() -> DriverSet:
    """The call drivers that ship in resources/drivers.toml."""
    return load_drivers()


def tag_call(call_id: int, texts: list[str], drivers: DriverSet) -> list[str]:
    """Replace a call's driver tags with those its utterances' texts show; returns the driver ids, primary first."""
    tags = drivers.tag(texts)
    with database.atomic():
        CallDriver.delete().where(CallDriver.call == call_id).execute()
        if tags:
            CallDriver.insert_many(
                [{"call": call_id, "driver": t.driver, "mentions": t.mentions, "primary": t.primary} for t in tags]
            ).execute()
    return [t.driver for t in tags]


def retag_all(
    drivers: DriverSet,
    progress: Callable[[int, int], None] | None = None,
    batch: int = 2000,
    *,
    skip_deleted: bool = True,
) -> int:
    """Tag every stored call again with these drivers (a transaction per batch of calls); returns the count.
    Calls whose transcript the retention policy deleted keep their tags (`skip_deleted`: False for a schema
    older than retention, v12)."""
    deleted = " WHERE transcript_deleted_at IS NULL" if skip_deleted else ""
    ids = [r[0] for r in database.execute_sql(f"SELECT id FROM call{deleted} ORDER BY id").fetchall()]
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        marks = ",".join("?" * len(chunk))
        texts: dict[int, list[str]] = {i: [] for i in chunk}
        for call_id, text in database.execute_sql(
            f"SELECT call_id, text FROM utterance WHERE call_id IN ({marks}) ORDER BY call_id, position", chunk
        ):
            texts[call_id].append(text)
        with database.atomic():
            for call_id in chunk:
                tag_call(call_id, texts[call_id], drivers)
        if progress:
            progress(min(start + batch, len(ids)), len(ids))
    return len(ids)
