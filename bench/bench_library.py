#!/usr/bin/env python3
"""The library at scale: fill a fresh database with 100,000 synthetic scored calls (600,000 utterances
in the search index), then time what a QA lead does in the app's library model (offscreen Qt):
open, sort by each column, filter, search transcripts, and scroll to the end. On both stores: a SQLite
file, and PostgreSQL: the empty database QA_BENCH_PG_URL names, else a throwaway server started here
(Debian's postgresql package), else it says why it is left out.

Usage: bench/bench_library.py [--calls N] [--store sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from qa_desktop.app.library_model import KEYS, LibraryModel  # noqa: E402
from qa_desktop.storage.database import close_database, open_database  # noqa: E402
from qa_desktop.storage.library import LibraryFilter  # noqa: E402
from qa_desktop.storage.models import Agent  # noqa: E402
from tools.synthetic_library import RARE_WORD, fill  # noqa: E402
from tools.throwaway_postgres import PostgresMissing, ThrowawayServer  # noqa: E402


def timed(label: str, action) -> float:
    """Run an action, print and return its wall time in ms."""
    began = time.perf_counter()
    action()
    ms = (time.perf_counter() - began) * 1000
    print(f"  {label:44s} {ms:8.0f} ms")
    return ms


def shown(model: LibraryModel, action: Callable[[], object]) -> Callable[[], object]:
    """The action until its rows are on screen: a large library's reads run in the background, so this waits for
    them and lets their result reach the model, then reads the first page (and the last column's cell)."""

    def run() -> object:
        action()
        model.wait()
        QApplication.processEvents()
        return model.data(model.index(0, 0)), model.data(model.index(0, len(KEYS) - 1))

    return run


def bench(location: str | Path, calls: int) -> dict[str, float]:
    """Fill the empty database at `location` and time the library on it; ms per action."""
    open_database(location)
    began = time.perf_counter()
    fill(calls)
    print(f"filled {calls} calls in {time.perf_counter() - began:.1f} s")
    model = LibraryModel.__new__(LibraryModel)
    times = {
        "open": timed(
            "open the library (newest first) + first page",
            shown(model, lambda: LibraryModel.__init__(model)),
        )
    }
    for column, key in enumerate(KEYS):
        times[f"sort {key}"] = timed(
            f"sort by {key} + first page",
            shown(model, lambda c=column: model.sort(c, Qt.SortOrder.AscendingOrder)),
        )
    agent = Agent.select().where(Agent.name == "Agent 007").get()
    filters = {
        "filter agent": LibraryFilter(agent_id=agent.id),
        "filter auto-fail, score < 50": LibraryFilter(auto_fail=True, score_max=50),
        "filter failed criterion (closing)": LibraryFilter(failed_criterion="closing"),
        "filter date range (March)": LibraryFilter(date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 31)),
        f"search '{RARE_WORD}' (about 1% of calls)": LibraryFilter(search=RARE_WORD),
        "search 'refund' (common)": LibraryFilter(search="refund"),
        "search 'refund' + agent": LibraryFilter(search="refund", agent_id=agent.id),
        "search 'twice refund' (words in two turns)": LibraryFilter(search="twice refund"),
    }
    for label, new in filters.items():
        times[label] = timed(
            f"{label} + first page",
            shown(model, lambda f=new: model.set_filter(f)),
        )
        print(f"  {'':44s} {model.rowCount():8d} rows")
    shown(model, lambda: model.set_filter(LibraryFilter()))()
    times["scroll"] = timed("scroll to the last row", lambda: model.data(model.index(model.rowCount() - 1, 0)))
    close_database()
    worst = max(times, key=times.get)
    print(f"slowest: {worst} {times[worst]:.0f} ms; target: well under 1000 ms")
    return times


def bench_postgresql(calls: int) -> dict[str, float] | None:
    """The PostgreSQL run: on QA_BENCH_PG_URL, else on a throwaway server; None when neither is there."""
    if os.environ.get("QA_BENCH_PG_URL"):
        return bench(os.environ["QA_BENCH_PG_URL"], calls)
    try:
        server = ThrowawayServer()
    except PostgresMissing as exc:
        print(f"PostgreSQL left out: {exc}; or set QA_BENCH_PG_URL to an empty database")
        return None
    with server:
        return bench(server.new_database("bench"), calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv)  # noqa: F841 (Qt needs one)
    results = {}
    if args.store in ("sqlite", "both"):
        print(f"SQLite, {args.calls:,} calls:")
        with tempfile.TemporaryDirectory() as folder:
            results["sqlite"] = bench(Path(folder) / "library.sqlite3", args.calls)
    if args.store in ("postgresql", "both"):
        print(f"PostgreSQL, {args.calls:,} calls:")
        results["postgresql"] = bench_postgresql(args.calls)
    if results.get("sqlite") and results.get("postgresql"):
        print(f"\n{'ms':46s} {'SQLite':>8s} {'PostgreSQL':>10s}")
        for label, ms in results["sqlite"].items():
            print(f"  {label:44s} {ms:8.0f} {results['postgresql'][label]:10.0f}")


if __name__ == "__main__":
    main()
