#!/usr/bin/env python3
"""Kill -9 trials of a large assign: fill a SQLite file and a throwaway PostgreSQL database with N calls, then
again and again start `assign_calls` over every call in id order (to eve, then fay, ...) in a child process and kill
it with SIGKILL at a random moment. After each kill the database must hold whole batches: the calls changed are
those of the first k batches that were not already so, each now assigned to the new evaluator, and the audit log
has exactly one new entry per call changed (old and new as they were), none for the others.

Usage: bench/kill_assign.py [--calls N] [--trials T] [--store sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def child(location: str, evaluator: str) -> None:
    """Assign every call, in id order, to `evaluator` (killed before it ends, or not)."""
    from qa_desktop.services.access.accounts import sign_in
    from qa_desktop.services.review import assign_calls
    from qa_desktop.storage.database import open_database
    from qa_desktop.storage.models import Call

    open_database(location)
    sign_in("lena", "lena password")
    print("started", flush=True)
    assign_calls([c.id for c in Call.select(Call.id).order_by(Call.id)], evaluator)


def state() -> tuple[dict[int, str | None], int]:
    """Each call's assignee, and the last audit entry's id."""
    from qa_desktop.storage.models import database

    calls = dict(database.execute_sql("SELECT id, assigned_to FROM call ORDER BY id").fetchall())
    last = database.execute_sql("SELECT COALESCE(MAX(id), 0) FROM auditentry").fetchone()[0]
    return calls, last


def check(before: dict[int, str | None], last: int, evaluator: str) -> tuple[int, list[str]]:
    """How many calls changed, and what is wrong (nothing: [])."""
    from qa_desktop.services.review import ASSIGN_BATCH
    from qa_desktop.storage.models import database

    after, _ = state()
    ids = sorted(before)
    changed = [i for i in ids if after[i] != before[i]]
    wrong = [f"call {i} assigned to {after[i]!r}" for i in changed if after[i] != evaluator][:3]
    done = 0  # the calls of the batches begun, as far as the last call changed
    if changed:
        done = min(len(ids), -(-(ids.index(changed[-1]) + 1) // ASSIGN_BATCH) * ASSIGN_BATCH)
    if changed != [i for i in ids[:done] if before[i] != evaluator]:  # those batches whole, no later call
        wrong.append(f"{len(changed)} calls changed, not whole batches from the start")
    entries = database.execute_sql(
        "SELECT call_id, old, new, action FROM auditentry WHERE id > ? ORDER BY call_id", [last]
    ).fetchall()
    expected = [(i, before[i], evaluator, "assign") for i in changed]
    if [tuple(e) for e in entries] != expected:
        wrong.append(f"{len(entries)} new audit entries for {len(changed)} calls changed")
    return len(changed), wrong


def trials(location: str, count: int, rng: random.Random) -> list[tuple[float, int, int, list[str]]]:
    """Run `count` trials on the filled database; (seconds before the kill, calls, calls changed, problems) each.
    The first runs to its end: its length bounds the others' kill times."""
    from qa_desktop.storage.database import close_database, open_database

    results = []
    longest, ended = 0.0, False
    for trial in range(count):
        open_database(location)
        before, last = state()
        close_database()
        evaluator = ("eve", "fay")[trial % 2]
        process = subprocess.Popen(
            [sys.executable, __file__, "--child", location, evaluator], stdout=subprocess.PIPE, text=True
        )
        process.stdout.readline()  # "started": signed in, the ids about to be read
        began = time.perf_counter()
        after = rng.uniform(0.05, longest) if trial else None
        if after is None:
            process.wait()
            longest = time.perf_counter() - began
        else:
            time.sleep(after)
            ended = process.poll() is not None
            process.send_signal(signal.SIGKILL)
            process.wait()
        open_database(location)
        changed, wrong = check(before, last, evaluator)
        close_database()
        results.append((after or longest, len(before), changed, wrong))
        if after is None:
            when = f"ran to its end in {longest:.1f} s"
        else:
            when = f"{'ended before the kill at' if ended else 'killed after'} {after:.2f} s"
        print(f"  trial {trial}: {when}, {changed} of {len(before)} changed:", wrong or "held", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    from bench.bench_assign import fill_database
    from tools.throwaway_postgres import ThrowawayServer

    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as folder, ThrowawayServer() as server:
        stores = {"sqlite": str(Path(folder) / "calls.sqlite3"), "postgresql": server.new_database()}
        for store, location in stores.items():
            if args.store not in (store, "both"):
                continue
            fill_database(location, args.calls)
            print(f"{store}: {args.calls} calls (load {' '.join(f'{v:.1f}' for v in os.getloadavg())})", flush=True)
            results = trials(location, args.trials, rng)
            held = sum(not wrong for *_, wrong in results)
            print(f"{store}: {held} of {len(results)} runs held", flush=True)


if __name__ == "__main__":
    main()
