#!/usr/bin/env python3
"""Soak the database with several processes at once: two writers store calls, mark them reviewed and
move their agent to a team (a transaction that reads, then writes) while a reader opens, searches and
closes the database over and over; every process also opens and closes the file's names the way a file
dialog does. At the end every call a writer saw committed must be in the database. Prints the counts;
exit 1 on any error or lost write.

Usage: bench/soak_database.py [--seconds 60] [--db FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import queue
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa_desktop.storage import people, repository, review  # noqa: E402
from qa_desktop.storage.call_metadata import CallMetadata  # noqa: E402
from qa_desktop.storage.database import close_database, open_database  # noqa: E402
from qa_desktop.storage.library import LibraryFilter, call_ids  # noqa: E402
from qa_desktop.storage.models import Call  # noqa: E402
from scoring.analysis import CallAnalysis  # noqa: E402
from tools.synthetic_library import spoken_analysis  # noqa: E402


def _analysis(sha: str) -> CallAnalysis:
    return spoken_analysis(sha, ("Thank you for calling, how can I help?", "My order never came."), "/soak")


def _touch_names(db: Path) -> None:
    """Open and close the database's files by name, as a file dialog's MIME sniffing does."""
    for name in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        try:
            open(name, "rb").close()
        except FileNotFoundError:
            pass


def _writer(db: str, name: str, seconds: float, results: multiprocessing.Queue) -> None:
    path, stored, errors = Path(db), [], []
    open_database(path)
    deadline, i = time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        sha = hashlib.sha256(f"{name}-{i}".encode()).hexdigest()
        try:
            call = repository.store_call(_analysis(sha), CallMetadata(agent=f"Agent {i % 7}", team="Soak"), 0)
            review.set_reviewed(call, name)
            people.move_agent(call.agent, f"Team {i % 3}", name)  # reads (the team), then writes
            stored.append(sha)
        except Exception as exc:  # noqa: BLE001 - every error is counted and shown
            errors.append(f"{name}: {type(exc).__name__}: {exc}")
        if i % 10 == 0:
            _touch_names(path)
        i += 1
    close_database()
    results.put((name, stored, errors, 0))


def _reader(db: str, seconds: float, results: multiprocessing.Queue) -> None:
    path, errors, reads = Path(db), [], 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            open_database(path)
            call_ids(LibraryFilter(), "date")
            Call.select().count()
            _touch_names(path)
            reads += 1
        except Exception as exc:  # noqa: BLE001
            errors.append(f"reader: {type(exc).__name__}: {exc}")
        finally:
            close_database()
    results.put(("reader", [], errors, reads))


def soak(db: Path, seconds: float) -> tuple[int, int, list[str]]:
    """Run two writers and a reader on `db`; return (calls stored, calls lost, errors), printing counts."""
    open_database(db)
    close_database()
    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    processes = [spawn.Process(target=_writer, args=(str(db), name, seconds, results)) for name in ("w1", "w2")]
    processes.append(spawn.Process(target=_reader, args=(str(db), seconds, results)))
    for process in processes:
        process.start()
    reports = []
    for _ in processes:
        try:
            reports.append(results.get(timeout=seconds + 120))
        except queue.Empty:
            break
    for process in processes:
        process.join(timeout=30)
    open_database(db)
    present = {c.sha256 for c in Call.select(Call.sha256)}
    reviewed = Call.select().where(Call.reviewed).count()
    close_database()
    stored = [sha for _, shas, _, _ in reports for sha in shas]
    errors = [e for _, _, errs, _ in reports for e in errs]
    lost = sum(sha not in present for sha in stored)
    counts = ", ".join(f"{name} {len(shas) if name != 'reader' else reads}" for name, shas, _, reads in reports)
    print(
        f"soak {seconds:g} s: {counts} ({len(stored)} calls stored, {reviewed} marked reviewed, "
        f"{len(present)} in the database); {len(errors)} errors; {lost} lost writes; "
        f"exit codes {[p.exitcode for p in processes]}"
    )
    for error in errors[:10]:
        print(f"  {error}")
    if len(reports) < len(processes) or any(p.exitcode for p in processes):
        errors.append("a process ended abnormally")
    return len(stored), lost, errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--db", type=Path, help="database file (default: a fresh one in a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        _, lost, errors = soak(args.db or Path(folder) / "soak.sqlite3", args.seconds)
    return 1 if lost or errors else 0


if __name__ == "__main__":
    sys.exit(main())
