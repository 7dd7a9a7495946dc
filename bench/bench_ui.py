#!/usr/bin/env python3
"""The app's real widgets over a library of 100,000 synthetic scored calls (offscreen Qt): time how long
each thing a QA lead does keeps the UI thread busy (open the library, sort, filter, search, open a call,
override, mark reviewed, open the coaching window, the disputes and the agents dialog), and print the
slowest. A stall is the longest stretch the UI thread could not process events: the action's own call
plus each batch of events (background results arriving) until its background work has ended.

Usage: bench/bench_ui.py [--calls N] [--database FILE]  (an existing FILE is reused as it is)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from qa_desktop.app import background  # noqa: E402
from qa_desktop.app.main_window import MainWindow  # noqa: E402
from qa_desktop.app.people_dialog import PeopleDialog  # noqa: E402
from qa_desktop.services.settings import Settings  # noqa: E402
from qa_desktop.services.trust.disputes import raise_dispute  # noqa: E402
from qa_desktop.storage.database import close_database, open_database  # noqa: E402
from qa_desktop.storage.library import COLUMNS, LibraryFilter  # noqa: E402
from qa_desktop.storage.models import Agent, CriterionResultRow, Score  # noqa: E402
from tools.synthetic_library import fill  # noqa: E402

DISPUTES = 300  # open disputes on calls across the library, for the disputes dialog


def settle(app: QApplication, limit_s: float = 120.0) -> float:
    """Process events until no background task runs; the longest single batch of events, in ms."""
    worst, ends = 0.0, time.perf_counter() + limit_s
    while time.perf_counter() < ends:
        began = time.perf_counter()
        app.processEvents()
        worst = max(worst, (time.perf_counter() - began) * 1000)
        if not background._running:
            began = time.perf_counter()
            app.processEvents()  # what the last task delivered
            return max(worst, (time.perf_counter() - began) * 1000)
        time.sleep(0.002)
    raise TimeoutError("background work did not end")


def stall(app: QApplication, label: str, action: Callable[[], object]) -> float:
    """Run an action on the UI thread and let its background work end; print and return the longest stall."""
    began = time.perf_counter()
    action()
    own = (time.perf_counter() - began) * 1000
    worst = max(own, settle(app))
    print(f"  {label:44s} {worst:8.0f} ms")
    return worst


def add_disputes(count: int) -> None:
    """Open disputes on the first result of calls spread over the library."""
    scores = [score_id for (score_id,) in Score.select(Score.id).where(Score.current).order_by(Score.id).tuples()]
    for score_id in scores[::max(1, len(scores) // count)][:count]:
        row = CriterionResultRow.select().where(CriterionResultRow.score == score_id).order_by(CriterionResultRow.id).get()
        raise_dispute(row, "Agent 001", "I did say it", "bench", "pass" if row.effective == "fail" else "fail")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--database", type=Path, help="reuse (or create and keep) this library")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv)
    with tempfile.TemporaryDirectory() as folder:
        path = args.database or Path(folder) / "library.sqlite3"
        fresh = not path.exists()
        open_database(path)
        if fresh:
            began = time.perf_counter()
            fill(args.calls, with_results=True)
            add_disputes(DISPUTES)
            print(f"filled {args.calls} calls with results and {DISPUTES} disputes in "
                  f"{time.perf_counter() - began:.1f} s")
        store = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
        settings = Settings(store)
        settings.set("reviewer", "bench")
        agent = Agent.get(Agent.name == "Agent 007")
        window: MainWindow | None = None

        def open_library() -> None:
            nonlocal window
            window = MainWindow(path, settings)
            window.show()

        times: dict[str, float] = {}
        times["open the library"] = stall(app, "open the library (newest first)", open_library)
        overall = list(COLUMNS).index("overall")
        times["sort"] = stall(app, "sort by overall score", lambda: window.table.sortByColumn(
            overall, Qt.SortOrder.AscendingOrder))
        times["filter"] = stall(app, "filter by agent", lambda: window.filters.show_filter(
            LibraryFilter(agent_id=agent.id)))
        times["search"] = stall(app, "search 'refund'", lambda: window.filters.show_filter(
            LibraryFilter(search="refund")))
        times["clear"] = stall(app, "clear filters", lambda: window.filters.show_filter(LibraryFilter()))
        times["open a call"] = stall(app, "open a call", lambda: window.table.selectRow(3))
        times["override"] = stall(app, "override a criterion", lambda: window.review.apply_override(
            "closing", "fail", "bench"))
        times["mark reviewed"] = stall(app, "mark reviewed", window.review.reviewed.click)
        times["next call"] = stall(app, "next call (Ctrl+Down)", lambda: window.step_call(1))
        times["coaching"] = stall(app, "open the coaching window", window.open_coaching)
        window.coaching.close()
        times["disputes"] = stall(app, "open the disputes", window.open_disputes)
        window.disputes.close()
        people: list[PeopleDialog] = []
        times["people"] = stall(app, "open agents and teams", lambda: people.append(
            PeopleDialog(window, window.reviewer)) or people[-1].show())
        people[-1].close()
        window.close()
        settle(app)
        close_database()
    worst = max(times, key=times.get)
    print(f"slowest UI-thread action: {worst} {times[worst]:.0f} ms; target: under 100 ms")


if __name__ == "__main__":
    main()
