#!/usr/bin/env python3
"""The dashboards at scale: fill a fresh database with 100,000 synthetic scored calls (with every
criterion's result: 1.2 million rows, and call-driver tags), then time each chart's query and drawing
for the whole year, a quarter, one team and one agent, and how long the app's UI thread is ever
blocked while the Dashboards tab recomputes (the queries run in a background thread), and the same
for the agreement lab over the synthetic reviewed calls (a fifth of them).

Usage: bench/bench_dashboard.py [--calls N]
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
from PySide6.QtCore import QElapsedTimer, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from qa_desktop.app.agreement_window import AgreementWindow  # noqa: E402
from qa_desktop.app.dashboard_view import DashboardView  # noqa: E402
from qa_desktop.services.dashboard.charts import CHARTS, figure_for  # noqa: E402
from qa_desktop.services.dashboard.queries import Scope  # noqa: E402
from qa_desktop.storage.database import close_database, open_database  # noqa: E402
from qa_desktop.storage.drivers import default_drivers  # noqa: E402
from qa_desktop.storage.models import Agent, Team  # noqa: E402
from scoring.scorecard import default_scorecard_path, load_scorecard  # noqa: E402
from tools.synthetic_library import fill  # noqa: E402


def time_scope(label: str, scope: Scope) -> float:
    """Compute and draw every chart for a scope; prints each and returns the total in ms."""
    drivers, total = default_drivers(), 0.0
    print(f"{label}:")
    for chart in CHARTS:
        began = time.perf_counter()
        table = chart.compute(scope, drivers)
        queried = time.perf_counter()
        figure, _ = figure_for(chart, table, scope, drivers)
        figure.canvas.draw()
        drawn = time.perf_counter()
        total += (drawn - began) * 1000
        print(
            f"  {chart.key:18s} query {1000 * (queried - began):6.0f} ms  draw {1000 * (drawn - queried):5.0f} ms"
            f"  ({len(table.rows)} rows)"
        )
    print(f"  {'all charts':18s} {total:6.0f} ms (queries shared by two charts counted twice)")
    return total


def ui_stall(app: QApplication) -> tuple[float, float]:
    """(seconds until the Dashboards tab shows every chart, longest UI-thread stall in ms meanwhile)."""
    view = DashboardView(default_drivers())
    view.resize(1500, 900)
    view.show()
    ticks = QElapsedTimer()
    longest = [0.0]
    heartbeat = QTimer(interval=5)

    def beat() -> None:
        longest[0] = max(longest[0], ticks.restart())

    heartbeat.timeout.connect(beat)
    began = time.perf_counter()
    ticks.start()
    heartbeat.start()
    view.refresh()
    while view.drawing or any(card.canvas.rendered is None for card in view.cards.values()):
        app.processEvents()  # the queries, then each chart's drawing, run in the background
        time.sleep(0.002)
    shown = time.perf_counter() - began
    heartbeat.stop()
    view.wait()
    return shown, longest[0]


def agreement_lab(app: QApplication) -> None:
    """Open the agreement lab; print the UI thread's share and when the background read is shown."""
    began = time.perf_counter()
    lab = AgreementWindow(None, load_scorecard(default_scorecard_path()))
    ui_ms = (time.perf_counter() - began) * 1000
    while "human verdicts on" not in lab.summary.text():
        app.processEvents()
        time.sleep(0.002)
    print(
        f"agreement lab: UI thread {ui_ms:.0f} ms to open; shown {time.perf_counter() - began:.1f} s later "
        f"({lab.summary.text()})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv)
    with tempfile.TemporaryDirectory() as folder:
        open_database(Path(folder) / "dashboards.sqlite3")
        began = time.perf_counter()
        fill(args.calls, with_results=True)
        print(f"filled {args.calls} calls with criterion results in {time.perf_counter() - began:.1f} s")
        team = Team.get(Team.name == "Billing")
        agent = Agent.get(Agent.name == "Agent 007")
        totals = {
            "whole year, all teams": time_scope("whole year, all teams", Scope()),
            "one quarter": time_scope("one quarter", Scope(dt.date(2026, 1, 1), dt.date(2026, 3, 31))),
            "one team": time_scope("one team", Scope(team_id=team.id)),
            "one agent": time_scope("one agent", Scope(agent_id=agent.id)),
        }
        seconds, stall = ui_stall(app)
        print(
            f"app: every chart shown {seconds:.1f} s after the request; longest UI-thread stall meanwhile "
            f"{stall:.0f} ms (the queries and the drawing run in background threads)"
        )
        agreement_lab(app)
        close_database()
    worst = max(totals, key=totals.get)
    print(f"slowest scope: {worst} {totals[worst]:.0f} ms for all charts")


if __name__ == "__main__":
    main()
