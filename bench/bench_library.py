#!/usr/bin/env python3
"""The library at scale: fill a fresh database with 100,000 synthetic scored calls (600,000 utterances
in the search index), then time what a QA lead does in the app's library model (offscreen Qt):
open, sort by each column, filter, search transcripts, and scroll to the end.

Usage: bench/bench_library.py [--calls N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
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


def timed(label: str, action) -> float:
    """Run an action, print and return its wall time in ms."""
    began = time.perf_counter()
    action()
    ms = (time.perf_counter() - began) * 1000
    print(f"  {label:44s} {ms:8.0f} ms")
    return ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv)  # noqa: F841 (Qt needs one)
    with tempfile.TemporaryDirectory() as folder:
        open_database(Path(folder) / "library.sqlite3")
        began = time.perf_counter()
        fill(args.calls)
        print(f"filled {args.calls} calls in {time.perf_counter() - began:.1f} s "
              f"({os.path.getsize(Path(folder) / 'library.sqlite3') / 2**20:.0f} MiB before WAL checkpoint)")
        model = LibraryModel.__new__(LibraryModel)
        times = {"open": timed("open the library (newest first) + first page", lambda: (
            LibraryModel.__init__(model), model.data(model.index(0, 0))))}
        for column, key in enumerate(KEYS):
            times[f"sort {key}"] = timed(f"sort by {key} + first page", lambda c=column: (
                model.sort(c, Qt.SortOrder.AscendingOrder), model.data(model.index(0, 0))))
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
            times[label] = timed(f"{label} + first page", lambda f=new: (
                model.set_filter(f), model.data(model.index(0, 0)), model.data(model.index(0, len(KEYS) - 1))))
            print(f"  {'':44s} {model.rowCount():8d} rows")
        model.set_filter(LibraryFilter())
        times["scroll"] = timed("scroll to the last row", lambda: model.data(model.index(model.rowCount() - 1, 0)))
        close_database()
    worst = max(times, key=times.get)
    print(f"slowest: {worst} {times[worst]:.0f} ms; target: well under 1000 ms")


if __name__ == "__main__":
    main()
