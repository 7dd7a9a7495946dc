"""Where a batch import runs (an existing Dask scheduler, or a local cluster of workers x threads) as plain
options, checked when given; the engine that runs it is qa_desktop.services.ingest_engine. Kept apart from the
engine so that the settings and the command line read them without importing Dask and the model."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class EngineError(Exception):
    """The cluster cannot be reached or started (a bad scheduler address, no workers)."""


@dataclass(frozen=True)
class EngineOptions:
    """Where the batch runs: an existing scheduler, or a local cluster of `workers` x `threads`."""

    scheduler: str = ""  # tcp://host:8786; empty: a LocalCluster on this machine
    workers: int = 0  # local model workers (0: sized to the machine)
    threads: int = 0  # CPU threads per model (0: the cores shared between the workers)
    path_map: tuple[tuple[str, str], ...] = ()  # (client prefix, worker prefix) pairs

    def worker_path(self, path: Path) -> str:
        """The path under which the workers see this file."""
        text = str(path.resolve())
        for source, target in self.path_map:
            if text == source or text.startswith(source.rstrip("/") + "/"):
                return target.rstrip("/") + text[len(source.rstrip("/")) :]
        return text


def check_scheduler(address: str) -> str:
    """A Dask scheduler address as given; raises EngineError if it is not one (tcp://HOST:PORT)."""
    if not address.startswith(("tcp://", "tls://")):
        raise EngineError(f"{address!r} is not a scheduler address like tcp://HOST:8786")
    return address


def parse_path_map(items: list[str] | None) -> tuple[tuple[str, str], ...]:
    """`FROM=TO` items as (from, to) pairs; raises EngineError naming a malformed item."""
    pairs = []
    for item in items or []:
        source, sep, target = item.partition("=")
        if not sep or not source or not target:
            raise EngineError(f"path map {item!r}: expected FROM=TO, e.g. /mnt/calls=/data/calls")
        pairs.append((str(Path(source).expanduser().resolve()), target))
    return tuple(pairs)
