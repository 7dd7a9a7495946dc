#!/usr/bin/env python3
"""Rescore at scale: fill a fresh database with QA_BENCH_RESCORE_CALLS synthetic scored calls (default
10,000; words stored as an import stores them), rescore them all with the default scorecard, and print the
time per 10,000 calls (target: under 30 s on 2 cores; 100,000 calls under 5 minutes), with the CPU time it
took (all processes) and the load average, since the machine may be shared.

On a shared machine the wall clock includes the time our processes were ready to run but waited for a core
(the kernel's run-queue wait, /proc/PID/schedstat). The scoring processes are ready all the time, so the wall
clock less the least such wait of one of them is what the rescore would take with the cores to itself:
printed as `quiet_wall=`.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

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


def _waited_s(pid: int) -> float:
    """Seconds this process has spent ready to run but waiting for a core (0 if it is gone)."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


class RunQueueWait:
    """Samples the run-queue wait of this process's children (the scoring processes) while it runs; they
    exit before the rescore returns, so their last sample counts."""

    def __init__(self) -> None:
        self.waited: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> RunQueueWait:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            for child in psutil.Process().children():
                try:
                    scoring = "spawn_main" in " ".join(child.cmdline())  # not multiprocessing's resource tracker
                except psutil.Error:
                    continue
                if scoring:
                    self.waited[child.pid] = max(self.waited.get(child.pid, 0.0), _waited_s(child.pid))

    def least(self) -> float:
        """The least wait of one scoring process (0 when the calls were scored in this process)."""
        return min(self.waited.values(), default=0.0)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        open_database(Path(folder) / "rescore.sqlite3")
        fill(CALLS, with_words=True)
        scorecard = load_scorecard(default_scorecard_path())
        started, cpu_started = time.perf_counter(), _cpu_seconds()
        with RunQueueWait() as waits:
            count = rescore_all(scorecard, progress=lambda done, total: None)
        elapsed, cpu = time.perf_counter() - started, _cpu_seconds() - cpu_started
        close_database()
    quiet = elapsed - waits.least()
    print(
        f"rescore: {count} calls in {elapsed:.1f} s on {os.cpu_count()} cores "
        f"({elapsed / count * 1000:.2f} ms a call; {cpu:.1f} s of CPU in all processes; "
        f"load average {os.getloadavg()[0]:.1f}; {waits.least():.1f} s of it a scoring process waited for a core)"
    )
    print(f"quiet_wall={quiet:.1f}s, per 10,000 calls {quiet / count * 10_000:.1f} s", flush=True)
    print(
        f"100,000 calls at this rate: {elapsed / count * 100_000 / 60:.1f} min, "
        f"{quiet / count * 100_000 / 60:.1f} min quiet (target < 5 min)"
    )
    print(f"rescore_per_10000_calls={elapsed / count * 10_000:.1f}s (target < 30 s)", flush=True)


if __name__ == "__main__":
    main()
