#!/usr/bin/env python3
"""Rescore at scale: fill a fresh database with QA_BENCH_RESCORE_CALLS synthetic scored calls (default
10,000; words stored as an import stores them), rescore them all with the default scorecard, and print the
time per 10,000 calls (target: under 30 s on 2 cores; 100,000 calls under 5 minutes), with the CPU time it
took (all processes) and the load average, since the machine may be shared.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from qa_desktop.services.rescore import rescore_all  # noqa: E402
from qa_desktop.storage.database import close_database, open_database  # noqa: E402
from scoring.scorecard import default_scorecard_path, load_scorecard  # noqa: E402
from tools.synthetic_library import fill  # noqa: E402

CALLS = int(os.environ.get("QA_BENCH_RESCORE_CALLS", "10000"))


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the scoring processes)."""
    return sum(
        resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        open_database(Path(folder) / "rescore.sqlite3")
        fill(CALLS, with_words=True)
        scorecard = load_scorecard(default_scorecard_path())
        started, cpu_started = time.perf_counter(), _cpu_seconds()
        count = rescore_all(scorecard)
        elapsed, cpu = time.perf_counter() - started, _cpu_seconds() - cpu_started
        close_database()
    print(
        f"rescore: {count} calls in {elapsed:.1f} s on {os.cpu_count()} cores "
        f"({elapsed / count * 1000:.2f} ms a call; {cpu:.1f} s of CPU in all processes; "
        f"load average {os.getloadavg()[0]:.1f})"
    )
    print(f"rescore_per_10000_calls={elapsed / count * 10_000:.1f}s (target < 30 s)", flush=True)


if __name__ == "__main__":
    main()
