#!/usr/bin/env python3
"""The app's real widgets over a library of 100,000 synthetic scored calls (offscreen Qt): time how long
each thing a QA lead does keeps the UI thread busy (open the library, sort, filter, search, open a call,
override, mark reviewed, open the coaching window, the disputes, the agents dialog and the dashboards), and print the
slowest. A stall is the longest stretch the UI thread could not process events: the action's own call, each batch
of events (background results arriving, painting) or a gap in a 5 ms timer's beats until its background work has
ended.
The same actions run first on a library of 1,000 calls, so what grows with the library stands out.

Usage: bench/bench_ui.py [--calls N] [--database FILE]  (an existing FILE is reused as it is)
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from PySide6.QtCore import QDate, QElapsedTimer, QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from qa_desktop.app import background  # noqa: E402
from qa_desktop.app.application import open_window  # noqa: E402
from qa_desktop.app.main_window import MainWindow  # noqa: E402
from qa_desktop.app.people_dialog import PeopleDialog  # noqa: E402
from qa_desktop.services.settings import Settings  # noqa: E402
from qa_desktop.services.trust.disputes import raise_dispute  # noqa: E402
from qa_desktop.storage.database import close_database, open_database  # noqa: E402
from qa_desktop.storage.library import COLUMNS, LibraryFilter  # noqa: E402
from qa_desktop.storage.models import Agent, CriterionResultRow, Score  # noqa: E402
from tools.synthetic_library import fill  # noqa: E402

DISPUTES = 300  # open disputes on calls across the library, for the disputes dialog
BASELINE = 1_000  # the same actions on a small library first: what does not grow with the library (painting)


def settle(app: QApplication, limit_s: float = 120.0, busy: Callable[[], bool] = lambda: False) -> float:
    """Process events until no background task runs and `busy()` is false (the dashboards have charts left to
    draw, each in the background once its layout has settled); the longest single batch of events, in ms."""
    worst, ends = 0.0, time.perf_counter() + limit_s
    while time.perf_counter() < ends:
        began = time.perf_counter()
        app.processEvents()
        worst = max(worst, (time.perf_counter() - began) * 1000)
        if not background._running and not busy():
            began = time.perf_counter()
            app.processEvents()  # what the last task delivered
            return max(worst, (time.perf_counter() - began) * 1000)
        time.sleep(0.002)
    raise TimeoutError("background work did not end")


def stall(app: QApplication, action: Callable[[], object], busy: Callable[[], bool] = lambda: False) -> float:
    """Run an action on the UI thread and let its background work (and `busy()`) end; the longest stall, in ms: of
    the action, a batch of events, or a 5 ms timer's beats (which also counts the UI thread waiting for the GIL while
    a background thread holds it, e.g. for a full garbage collection)."""
    ticks, longest = QElapsedTimer(), [0]
    heartbeat = QTimer(interval=5)
    heartbeat.timeout.connect(lambda: longest.append(max(longest.pop(), ticks.restart())))
    ticks.start()
    heartbeat.start()
    began = time.perf_counter()
    action()
    own = (time.perf_counter() - began) * 1000
    worst = settle(app, busy=busy)
    heartbeat.stop()
    return max(own, worst, longest[0])


def add_disputes(count: int) -> None:
    """Open disputes on the first result of calls spread over the library."""
    scores = [score_id for (score_id,) in Score.select(Score.id).where(Score.current).order_by(Score.id).tuples()]
    for score_id in scores[:: max(1, len(scores) // count)][:count]:
        row = (
            CriterionResultRow.select()
            .where(CriterionResultRow.score == score_id)
            .order_by(CriterionResultRow.id)
            .get()
        )
        raise_dispute(row, "Agent 001", "I did say it", "bench", "pass" if row.effective == "fail" else "fail")


def actions(app: QApplication, path: Path, settings: Settings) -> dict[str, float]:
    """Each action's longest UI-thread stall (ms) on the library at `path` (open)."""
    agent = Agent.get(Agent.name == "Agent 007")
    window: MainWindow | None = None
    people: list[PeopleDialog] = []

    def open_library() -> None:
        nonlocal window
        window = open_window(path, settings)  # as the app opens it

    overall = list(COLUMNS).index("overall")
    steps: list[tuple[str, Callable[[], object]]] = [
        ("open the library (build the window)", open_library),
        ("sort by overall score", lambda: window.table.sortByColumn(overall, Qt.SortOrder.AscendingOrder)),
        ("filter by agent", lambda: window.filters.show_filter(LibraryFilter(agent_id=agent.id))),
        ("search 'refund'", lambda: window.filters.show_filter(LibraryFilter(search="refund"))),
        ("clear filters", lambda: window.filters.show_filter(LibraryFilter())),
        ("open a call", lambda: window.table.selectRow(3)),
        ("override a criterion", lambda: window.review.apply_override("closing", "fail", "bench")),
        ("mark reviewed", lambda: window.review.reviewed.click()),
        ("next call (Ctrl+Down)", lambda: window.step_call(1)),
        ("open the coaching window", lambda: window.open_coaching()),
        ("close it", lambda: window.coaching.close()),
        ("open the disputes", lambda: window.open_disputes()),
        ("close them", lambda: window.disputes.close()),
        ("open agents and teams", lambda: people.append(PeopleDialog(window, window.reviewer)) or people[-1].show()),
        ("open the dashboards tab", lambda: window.tabs.setCurrentWidget(window.dashboards)),
        ("dashboards: change the dates", lambda: window.dashboards.date_from.setDate(QDate(2026, 2, 1))),
        ("back to the calls", lambda: window.tabs.setCurrentIndex(0)),
    ]

    def busy() -> bool:  # charts left to draw, or a change of scope waiting for its pause
        return window.dashboards.drawing or window.dashboards._debounce.isActive()

    times = {label: stall(app, step, busy=busy) for label, step in steps}
    people[-1].close()
    window.close()
    settle(app)
    gc.unfreeze()  # the next library's window is opened as the app's only one
    return {label: ms for label, ms in times.items() if not label.startswith(("close", "back"))}


def library(path: Path, calls: int) -> None:
    """Open the library at `path`, filling it with `calls` synthetic calls (and disputes) if it is new."""
    fresh = not path.exists()
    open_database(path)
    if fresh:
        began = time.perf_counter()
        fill(calls, with_results=True)
        add_disputes(min(DISPUTES, calls // 10))
        print(f"filled {calls} calls with results and disputes in {time.perf_counter() - began:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--database", type=Path, help="reuse (or create and keep) the large library")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat))
        settings.set("reviewer", "bench")
        measured = {}
        for calls, path in (
            (BASELINE, Path(folder) / "small.sqlite3"),
            (args.calls, args.database or Path(folder) / "large.sqlite3"),
        ):
            library(path, calls)
            measured[calls] = actions(app, path, settings)
            close_database()
    small, large = measured[BASELINE], measured[args.calls]
    print(f"  {'UI-thread stall (ms)':40s} {BASELINE:>10,d} {args.calls:>10,d} calls")
    for label in large:
        print(f"  {label:40s} {small[label]:10.0f} {large[label]:10.0f}")
    worst = max(large, key=large.get)
    growth = max(large, key=lambda label: large[label] - small[label])
    print(
        f"slowest UI-thread action at {args.calls:,d} calls: {worst} {large[worst]:.0f} ms "
        f"({small[worst]:.0f} ms at {BASELINE:,d}); most grown with size: {growth} "
        f"+{large[growth] - small[growth]:.0f} ms; target: under 100 ms"
    )


if __name__ == "__main__":
    main()
