"""Dashboards: each chart's numbers against what a hand-filled database must give and against direct
queries on a synthetic one, call-driver tagging, handle-time arithmetic, the click-through to the
library (a real click on the embedded chart), chart and data export, and the headless report."""

from __future__ import annotations

import csv
import datetime as dt
import re
import threading
import types
from collections import defaultdict
from dataclasses import replace

import pytest
from matplotlib.figure import Figure
from matplotlib.image import imread
from PySide6.QtCore import QEvent, QPoint, QPointF, QSize, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from qa_desktop.app import dashboard_view
from qa_desktop.app.background import wait_for_tasks
from qa_desktop.app.main_window import MainWindow
from qa_desktop.cli.main import main
from qa_desktop.cli.options import EXIT_FAILED
from qa_desktop.services import people
from qa_desktop.services.dashboard import charts as dashboard_charts
from qa_desktop.services.dashboard import queries as q
from qa_desktop.services.dashboard.charts import CHARTS, figure_for
from qa_desktop.services.dashboard.queries import Table
from qa_desktop.storage import library
from qa_desktop.storage.database import close_database, open_database
from qa_desktop.storage.drivers import default_drivers
from qa_desktop.storage.library import LibraryFilter
from qa_desktop.storage.models import Agent, Call, CallDriver, CriterionResultRow, Score, database
from scoring.drivers import DriversError, parse_drivers
from tests.support.cli import run_cli
from tests.support.outages import stopped_server, unreadable_file
from tests.support.stored_calls import shipped_scorecard, stored_call
from tools.synthetic_library import fill

pytestmark = pytest.mark.both_stores

MARCH = q.Scope(dt.date(2026, 3, 1), dt.date(2026, 3, 31))


@pytest.fixture
def known(db):
    """Four calls whose every dashboard number can be worked out by hand."""
    return {
        "c1": stored_call(
            "Ana",
            "Billing",
            "2026-03-02 09:00",
            300,
            (80, 90, 70),
            False,
            {"greeting": ("pass", None), "closing": ("fail", None)},
            ["I was charged twice on my bill", "the bill payment is wrong"],
            (-0.5, 0.5),
        ),
        "c2": stored_call(
            "Ana",
            "Billing",
            "2026-03-04 10:00",
            600,
            (60, 50, 70),
            True,
            {"greeting": ("fail", None), "closing": ("fail", "pass")},
            ["I want a refund", "the refund please"],
            (0.0, 0.2),
        ),
        "c3": stored_call(
            "Ben",
            "Support",
            "2026-03-10 11:00",
            900,
            (40, 30, 50),
            True,
            {"greeting": ("pass", None), "closing": ("na", None)},
            ["my internet is down", "the router is not working"],
            (0.1, -0.3),
        ),
        "c4": stored_call(
            "Ben",
            "Support",
            "2026-04-20 12:00",
            100,
            (100, 100, 100),
            False,
            {"greeting": ("pass", None)},
            ["hello"],
            (0.0, 0.0),
        ),
    }


def _rows(table: q.Table, key: str) -> dict:
    i = table.columns.index(key)
    return {r[i]: dict(zip(table.columns, r)) for r in table.rows}


def test_weekly_trends_and_distribution_by_hand(known):
    weeks = _rows(q.weekly_trends(MARCH), "week")
    assert list(weeks) == [dt.date(2026, 3, 2), dt.date(2026, 3, 9)]  # Mondays
    assert weeks[dt.date(2026, 3, 2)] == {
        "week": dt.date(2026, 3, 2),
        "calls": 2,
        "empathy": 70.0,
        "compliance": 70.0,
        "overall": 70.0,
        "auto_fail_pct": 50.0,
    }
    assert weeks[dt.date(2026, 3, 9)]["auto_fail_pct"] == 100.0
    bands = _rows(q.distributions(MARCH), "from")
    assert {b: r["overall"] for b, r in bands.items() if r["overall"]} == {40: 1, 60: 1, 80: 1}
    assert bands[90]["empathy"] == 1 and bands[30]["empathy"] == 1  # 90 and 30; April's 100 is out of range
    assert sum(q.distributions(q.Scope()).column("overall")) == 4  # 100 falls in the top band


def test_agent_summary_and_criterion_pass_rates_by_hand(known):
    agents = _rows(q.agent_summary(MARCH), "agent")
    assert agents["Ana"]["calls"] == 2 and agents["Ana"]["auto_fails"] == 1 and agents["Ana"]["auto_fail_pct"] == 50
    assert agents["Ana"]["sentiment_change"] == pytest.approx((1.0 + 0.2) / 2)
    assert agents["Ben"]["calls"] == 1 and agents["Ben"]["sentiment_change"] == pytest.approx(-0.4)
    rates = {(r[1], r[2]): r[3:6] for r in q.criterion_pass_rates(MARCH).rows}
    assert rates[("Ana", "greeting")] == (2, 1, 50.0)
    assert rates[("Ana", "closing")] == (2, 1, 50.0)  # the reviewer's override counts
    assert rates[("Ben", "greeting")] == (1, 1, 100.0)
    assert rates[("Ben", "closing")] == (0, 0, None)  # n/a is not judged
    only_ben = q.criterion_pass_rates(q.Scope(agent_id=Agent.get(name="Ben").id))
    assert {(r[1], r[2]): r[3] for r in only_ben.rows}[("Ben", "greeting")] == 2  # April too


def test_driver_tags_and_handle_time_arithmetic(known):
    assert [(d.driver, d.primary) for d in known["c1"].drivers] == [
        ("billing", True)
    ]  # "charged twice" once: no refund
    assert [d.driver for d in known["c3"].drivers] == ["technical"]
    assert list(known["c4"].drivers) == []
    drivers = _rows(q.drivers(MARCH, default_drivers()), "driver")
    assert drivers["billing"]["calls"] == 1 and drivers["billing"]["aht_s"] == 300
    assert drivers["billing"]["expected_s"] == 360 and drivers["billing"]["aht_vs_expected_pct"] == -16.7
    assert drivers["refund"]["aht_vs_expected_pct"] == round(100 * (600 - 420) / 420, 1)
    assert drivers["technical"]["aht_vs_expected_pct"] == 50.0
    assert drivers["delivery"]["calls"] == 0 and drivers["delivery"]["aht_s"] is None
    agents = _rows(q.agent_handle_time(MARCH, default_drivers()), "agent")
    assert agents["Ana"]["aht_s"] == 450 and agents["Ana"]["expected_s"] == 390  # (360 + 420) / 2
    assert agents["Ana"]["vs_expected_pct"] == round(100 * 60 / 390, 1)
    assert agents["Ben"]["vs_expected_pct"] == 50.0


def test_drivers_file_rules_and_errors():
    text = (
        '[call_drivers]\nmin_mentions = 2\n[[drivers]]\nid = "refund"\nexpected_handle_time_s = 300\n'
        'keywords = ["refund", "money back"]\n[[drivers]]\nid = "bill"\nexpected_handle_time_s = 200\n'
        'keywords = ["bill", "invoice"]\n'
    )
    drivers = parse_drivers(text, "d.toml")
    tags = drivers.tag(["I want my money back", "Refunds take a week", "about the bill"])
    assert [(t.driver, t.mentions, t.primary) for t in tags] == [("refund", 2, True)]  # plural matches too
    assert [(t.driver, t.primary) for t in drivers.tag(["the invoice"])] == [("bill", True)]  # one mention: primary
    assert drivers.tag(["billing address"]) == []  # whole words only
    with pytest.raises(DriversError, match=r"d.toml:7: drivers\[2\].expected_handle_time_s: required"):
        parse_drivers(text.replace("expected_handle_time_s = 200\n", ""), "d.toml")
    with pytest.raises(DriversError, match=r"d.toml:8: drivers\[2\].id: 'refund' is used twice"):
        parse_drivers(text.replace('id = "bill"', 'id = "refund"'), "d.toml")
    with pytest.raises(DriversError, match="d.toml: not valid TOML"):
        parse_drivers("[[drivers]\n", "d.toml")
    with pytest.raises(
        DriversError, match=r"d.toml:6: drivers\[1\].keyword: unknown key \(did you mean 'keywords'\?\)"
    ):
        parse_drivers(text.replace('keywords = ["refund"', 'keyword = ["refund"'), "d.toml")
    with pytest.raises(DriversError, match=r"d.toml:5: drivers\[1\].expected_handle_time_s: must be a finite number"):
        parse_drivers(text.replace("expected_handle_time_s = 300", "expected_handle_time_s = inf"), "d.toml")


def test_charts_match_direct_queries_on_a_synthetic_library(db):
    fill(400, agents=6, with_results=True)
    passed, judged = defaultdict(int), defaultdict(int)
    for r in CriterionResultRow.select(CriterionResultRow, Score, Call).join(Score).join(Call).where(Score.current):
        judged[(r.score.call.agent_id, r.criterion)] += r.effective in ("pass", "fail")
        passed[(r.score.call.agent_id, r.criterion)] += r.effective == "pass"
    table = q.criterion_pass_rates(q.Scope())
    assert {(r[0], r[2]): (r[3], r[4]) for r in table.rows} == {k: (judged[k], passed[k]) for k in judged}
    per_agent = {a.id: Call.select().where(Call.agent == a).count() for a in Agent.select()}
    assert {r[0]: r[3] for r in q.agent_summary(q.Scope()).rows} == {a: n for a, n in per_agent.items() if n}
    assert sum(q.weekly_trends(q.Scope()).column("calls")) == 400
    tagged = CallDriver.select().where(CallDriver.driver == "billing").count()
    assert _rows(q.drivers(q.Scope(), default_drivers()), "driver")["billing"]["calls"] == tagged
    assert len(library.call_ids(LibraryFilter(driver="billing"))) == tagged


def test_one_pass_distributions_and_drivers_count_as_the_calls_do(db):
    """Each counted in one query since the 100,000-call library (three passes and two): the same numbers as the
    calls themselves give."""
    fill(400, agents=6, with_results=True)
    texts = [call.id for call in Call.select(Call.id).order_by(Call.id)][::7]
    Call.update(medium="text").where(Call.id.in_(texts)).execute()  # text conversations have no handle time
    scores = list(Score.select().where(Score.current))
    bands = {name: [0] * 10 for name in ("overall", "empathy", "compliance")}
    for score in scores:
        for name, counts in bands.items():
            counts[min(int(getattr(score, name) // 10), 9)] += 1
    table = q.distributions(q.Scope())
    assert {name: table.column(name) for name in bands} == bands
    tags = list(CallDriver.select(CallDriver, Call).join(Call))
    for driver in default_drivers().drivers:
        row = _rows(q.drivers(q.Scope(), default_drivers()), "driver")[driver.id]
        handled = [t.call.duration_s for t in tags if t.driver == driver.id and t.primary and t.call.medium == "audio"]
        assert row["calls"] == sum(t.driver == driver.id for t in tags)
        assert row["primary_calls"] == len(handled)
        assert row["aht_s"] == (round(sum(handled) / len(handled), 1) if handled else None)


@pytest.mark.sqlite_only  # SQLite's statements and statistics; PostgreSQL's ANALYZE runs alike
def test_pass_rates_read_the_counts_kept_and_an_upgrade_gathers_statistics(db):
    """At 100,000 calls the per-agent pass rates took 2.3-10.9 s (grouping 1.2 million results); v22 keeps them
    counted per agent, team, day and criterion as verdicts are written."""
    fill(300, agents=4, with_results=True)
    connection = database.connection()
    statements: list[str] = []
    connection.set_trace_callback(statements.append)
    try:
        q.criterion_pass_rates(q.Scope())
    finally:
        connection.set_trace_callback(None)
    assert [s for s in statements if "passcount" in s] and not [s for s in statements if "criterionresult" in s]
    database.execute_sql("PRAGMA user_version = 19")  # a year's library stored before v20, upgraded
    open_database(db)
    analysed = {table for (table,) in database.execute_sql("SELECT tbl FROM sqlite_stat1").fetchall()}
    assert {"call", "score", "criterionresult"} <= analysed


def _click(canvas, artist) -> None:
    """A real left click on a chart's canvas, in the middle of a chart element."""
    box, image = artist.get_window_extent(), canvas.rendered.image
    ratio = image.devicePixelRatio()
    x, y = (box.x0 + box.x1) / 2 / ratio, (image.height() - (box.y0 + box.y1) / 2) / ratio
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(x), round(y)))


def _drawn(view) -> bool:
    """Whether every chart of the dashboards is drawn (each is drawn in the background once its data comes)."""
    return not view.drawing and all(c.canvas.rendered is not None for c in view.cards.values())


def _march_dashboards(qtbot, db) -> MainWindow:
    """The main window on the dashboards of March, every chart drawn."""
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    window.tabs.setCurrentIndex(1)
    window.dashboards.set_scope(MARCH)
    qtbot.waitUntil(lambda: _drawn(window.dashboards) and window.filters.choices_read, timeout=20000)
    return window


def test_click_through_opens_the_library_filtered(qtbot, known, db):
    window = _march_dashboards(qtbot, db)
    card = window.dashboards.cards["auto_fail"]
    ana_bar = next(a for a, make in card.picks.items() if make(0).agent_id == Agent.get(name="Ana").id)
    _click(card.canvas, ana_bar)
    assert window.tabs.currentIndex() == 0
    assert window.filters.agent.currentText() == "Ana" and window.filters.auto_fail.currentData() is True
    assert [window.calls.call_id(r) for r in range(window.calls.rowCount())] == [known["c2"].id]
    assert window.back.isVisible()  # a way back to the dashboards
    window.back.click()
    assert window.tabs.currentIndex() == 1 and not window.back.isVisible()
    drivers = window.dashboards.cards["drivers"]
    refund_bar = next(a for a, make in drivers.picks.items() if make(0).driver == "refund")
    _click(drivers.canvas, refund_bar)
    assert window.filters.driver.currentData() == "refund"
    assert [window.calls.call_id(r) for r in range(window.calls.rowCount())] == [known["c2"].id]
    heat = window.dashboards.cards["criteria"]
    ((mesh, cell),) = heat.picks.items()
    assert cell(0) == MARCH.library(agent_id=Agent.get(name="Ana").id, failed_criterion="greeting")  # row Ana
    assert cell(1).failed_criterion == "closing"  # criteria in scorecard order, not alphabetical
    columns = [t.get_text() for t in heat.canvas.figure.axes[0].get_xticklabels()]
    assert columns[:2] == ["Greeting", "Closing"]  # the scorecard's names, not ids
    heat_texts = [t.get_text() for t in heat.canvas.figure.axes[0].texts]
    assert "50\nn=2" in heat_texts  # each cell's sample size
    legend = [t.get_text() for t in heat.canvas.figure.axes[0].get_legend().get_texts()]
    assert "n/a" in legend[0] and legend[1] == "fewer than 5 calls judged"
    assert any(p.get_hatch() == "///" for p in heat.canvas.figure.axes[0].patches)  # Ana's 2 calls
    window.dashboards.wait()


def _click_cell(canvas, cells, agent: str, criterion: str) -> None:
    """A real left click in the middle of a heat map's cell."""
    row = next(i for i, (_id, name) in enumerate(cells.agents) if name == agent)
    x, y = cells.axes.transData.transform((cells.criteria.index(criterion) + 0.5, row + 0.5))
    image = canvas.rendered.image
    ratio = image.devicePixelRatio()
    QTest.mouseClick(
        canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(x / ratio), round((image.height() - y) / ratio))
    )


# Before: a click on Ben's 100% greeting opened the library on "No call matches these filters"
def test_a_heat_map_cell_no_call_failed_stays_on_the_dashboards_and_says_so(qtbot, known, db):
    window = _march_dashboards(qtbot, db)
    heat = window.dashboards.cards["criteria"]
    ((_mesh, cells),) = heat.picks.items()
    _click_cell(heat.canvas, cells, "Ben", "greeting")  # 1 call judged, passed
    assert window.tabs.currentIndex() == 1
    assert window.dashboards.status.text() == (
        "Ben · Greeting: 100% passed, of 1 call judged: no call failed it, so there is none to list"
    )
    _click_cell(heat.canvas, cells, "Ana", "greeting")  # 1 of 2 failed: listed, as before
    assert window.tabs.currentIndex() == 0 and window.calls.rowCount() == 1
    window.dashboards.wait()


def test_agent_charts_say_how_many_agents_they_leave_out(known, monkeypatch):
    from qa_desktop.services.dashboard import charts

    monkeypatch.setattr(charts, "MAX_BARS", 1)
    chart = next(c for c in CHARTS if c.key == "auto_fail")
    figure, _picks = charts.figure_for(chart, chart.compute(MARCH, default_drivers()), MARCH, default_drivers())
    axes = figure.axes[0]
    assert axes.get_title(loc="left").startswith("1 of 2 agents shown")
    assert axes.get_xlim()[1] == 100  # a percentage never runs past 100
    trends = next(c for c in CHARTS if c.key == "trends")
    figure, _picks = charts.figure_for(trends, trends.compute(MARCH, default_drivers()), MARCH, default_drivers())
    labels = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert labels and all(len(label.split()) == 3 for label in labels)  # "02 Mar\nn=2": the week's Monday, calls
    assert labels[0].endswith("n=2") and figure.axes[0].get_xlabel().startswith("Week starting (Monday)")


def test_the_heat_map_keeps_its_colour_bar_label_within_a_laptop_card():
    chart = next(c for c in CHARTS if c.key == "criteria")
    card = shipped_scorecard()
    rows = [
        (agent, f"Agent {agent}", c.id, 2, 1, 50.0, c.name)  # the shipped criteria's long names, slanted below
        for agent in range(4)
        for c in card.criteria
    ]
    table = Table(["agent_id", "agent", "criterion", "judged", "passed", "rate", "name"], rows)
    figure, _picks = figure_for(chart, table, MARCH, default_drivers(), width=6.7, dpi=90)  # was its card at 1366x768
    figure.draw_without_rendering()
    label = figure.axes[1].yaxis.label.get_window_extent()
    assert 0 <= label.y0 and label.y1 <= figure.bbox.height  # "Pass rate (%) · n = calls judge" ran off the top
    assert figure.axes[1].get_ylabel().endswith("n = calls judged")  # what each cell's n says
    heat = figure.axes[0].get_window_extent()
    assert heat.width > 0.65 * figure.bbox.width  # the map keeps the card's width (a wide legend squeezed it)


def test_the_first_charts_are_drawn_while_the_others_are_computed(qtbot, known, db, monkeypatch):
    """At 100,000 calls the dashboards showed nothing until every chart's query had run (7-20 s)."""
    release = threading.Event()
    index = [c.key for c in CHARTS].index("agent_handle_time")
    slow = CHARTS[index]
    held = replace(slow, compute=lambda scope, drivers: release.wait(30) and slow.compute(scope, drivers))
    monkeypatch.setattr(dashboard_charts, "CHARTS", [*CHARTS[:index], held, *CHARTS[index + 1 :]])
    window = _dashboards(qtbot, db, MARCH)
    view = window.dashboards
    try:
        qtbot.waitUntil(lambda: view.cards["trends"].canvas.rendered is not None, timeout=20000)
        assert view.cards["agent_handle_time"].canvas.placeholder == "Computing this chart…"
    finally:
        release.set()
    qtbot.waitUntil(lambda: _drawn(view), timeout=20000)
    assert view.status.text().startswith("3 scored calls")


def test_each_chart_says_it_is_computing_until_its_data_arrives(qtbot, known, db):
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    window.dashboards.set_scope(MARCH)  # the first computation starts in the background
    card = window.dashboards.cards["criteria"]
    assert card.canvas.placeholder == "Computing this chart…" and card.canvas.rendered is None  # not a blank panel
    window.tabs.setCurrentIndex(1)  # charts are drawn once on screen
    qtbot.waitUntil(lambda: _drawn(window.dashboards), timeout=20000)
    assert card.canvas.placeholder == "" and card.canvas.figure.axes


def _dashboards(qtbot, db, scope: q.Scope) -> MainWindow:
    """The main window on the dashboards tab, computing `scope`."""
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    window.dashboards.set_scope(scope)
    window.tabs.setCurrentIndex(1)
    return window


def _held_drawings(monkeypatch) -> tuple[threading.Event, list[Figure]]:
    """Hold each chart drawing in its background thread until the event is set; the figures drawn, in order."""
    release, drawn = threading.Event(), []
    rasterize = dashboard_view.rasterize

    def held(figure, picks, ratio):
        release.wait(30)
        drawn.append(figure)
        return rasterize(figure, picks, ratio)

    monkeypatch.setattr(dashboard_view, "rasterize", held)
    return release, drawn


def test_charts_are_drawn_off_the_ui_thread_pixel_for_pixel_and_again_on_resize(qtbot, known, db, monkeypatch):
    threads = []
    draw = Figure.draw

    def recorded(figure, renderer):
        threads.append(threading.current_thread())
        return draw(figure, renderer)

    monkeypatch.setattr(Figure, "draw", recorded)
    window = _dashboards(qtbot, db, MARCH)
    view = window.dashboards
    qtbot.waitUntil(lambda: len(threads) >= len(CHARTS) and not view.drawing, timeout=20000)
    assert threading.main_thread() not in threads  # text layout and rasterizing: never on the UI thread
    assert _drawn(view)
    for card in view.cards.values():  # sharp: the image has the canvas's device pixels, painted unscaled
        canvas = card.canvas
        assert canvas.rendered.image.size() == canvas.pixels() == canvas.size() * canvas.devicePixelRatioF()
    heat = view.cards["criteria"].canvas
    old_figure, old_width = heat.figure, heat.width()
    window.resize(window.width() + 300, window.height())
    qtbot.waitUntil(lambda: heat.width() > old_width and _drawn(view) and heat.figure is not old_figure, timeout=20000)
    assert heat.rendered.image.size() == heat.pixels() and threading.main_thread() not in threads


def test_a_chart_is_not_drawn_again_for_the_size_it_has(qtbot, known, db, monkeypatch):
    """As each chart's data came, the layout passes resized the other canvases and gave them their size back:
    at 100,000 calls a change of team drew 12-16 charts instead of 8, one at a time, the first on screen last."""
    drawn = []
    rasterize = dashboard_view.rasterize
    monkeypatch.setattr(dashboard_view, "rasterize", lambda *args: drawn.append(args[0]) or rasterize(*args))
    window = _dashboards(qtbot, db, MARCH)
    view = window.dashboards
    qtbot.waitUntil(lambda: _drawn(view), timeout=20000)
    assert len(drawn) == len(CHARTS)
    for card in view.cards.values():
        card.canvas.resized.emit()  # a layout pass that ends at the size it started from
    qtbot.waitUntil(lambda: not view.drawing, timeout=20000)
    assert len(drawn) == len(CHARTS) and _drawn(view)
    heat = view.cards["criteria"].canvas
    window.resize(window.width() + 300, window.height())  # a new size is drawn for
    qtbot.waitUntil(lambda: _drawn(view) and heat.rendered.image.size() == heat.pixels(), timeout=20000)
    assert len(drawn) > len(CHARTS)


def test_a_drawing_for_an_older_scope_is_dropped(qtbot, known, db, monkeypatch):
    release, drawn = _held_drawings(monkeypatch)
    window = _dashboards(qtbot, db, MARCH)
    view = window.dashboards
    qtbot.waitUntil(lambda: view.drawings.running is not None, timeout=20000)  # March's first chart, held
    view.set_scope(q.Scope())  # every date: April's call too
    trends = view.cards["trends"]
    qtbot.waitUntil(lambda: trends.table is not None and trends.scope == view.scope(), timeout=20000)
    release.set()
    qtbot.waitUntil(lambda: _drawn(view), timeout=20000)
    assert drawn[0] not in [c.canvas.figure for c in view.cards.values()]  # March's, ended after the change
    assert all(len(line.get_xdata()) == 3 for line in trends.picks)  # the weeks of 2 and 9 March and 20 April
    assert [make(2) for make in trends.picks.values()] == [q.Scope().library(week=dt.date(2026, 4, 20))] * 3


def test_a_window_closed_while_a_chart_is_drawn_shows_and_draws_nothing_more(qtbot, known, db, monkeypatch):
    release, drawn = _held_drawings(monkeypatch)
    window = _dashboards(qtbot, db, MARCH)
    view = window.dashboards
    qtbot.waitUntil(lambda: view.drawings.running is not None, timeout=20000)
    threading.Timer(0.3, release.set).start()  # closing waits for the background work running
    window.close()
    qtbot.waitUntil(lambda: not view.drawing, timeout=20000)
    qtbot.wait(300)  # anything still posted
    assert len(drawn) == 1 and all(c.canvas.rendered is None for c in view.cards.values())
    second = _dashboards(qtbot, db, q.Scope())
    qtbot.waitUntil(lambda: _drawn(second.dashboards), timeout=20000)
    assert len(drawn) >= 1 + len(CHARTS) and all(c.canvas.rendered is None for c in view.cards.values())


@pytest.fixture
def heat_map_not_drawn(qtbot, known, db, monkeypatch):
    """The dashboards for March once their charts are drawn, all but the heat map, whose drawing failed."""
    figure_for = dashboard_view.figure_for

    def failing(chart, *args):
        if chart.key == "criteria":
            raise ValueError("the labels do not fit")
        return figure_for(chart, *args)

    monkeypatch.setattr(dashboard_view, "figure_for", failing)
    view = _dashboards(qtbot, db, MARCH).dashboards
    qtbot.waitUntil(lambda: "Failed:" in view.status.text() and not view.drawing, timeout=20000)
    return view


def test_a_chart_that_fails_to_draw_says_so_and_the_others_are_drawn(heat_map_not_drawn, caplog):
    view = heat_map_not_drawn
    assert view.status.text() == "Failed: the labels do not fit (details in the log)"
    assert view.cards["criteria"].canvas.placeholder == "Not drawn: see the message above"
    assert all(c.canvas.rendered is not None for key, c in view.cards.items() if key != "criteria")
    logged = caplog.get_records("setup")  # logged as the fixture waited for the drawings
    assert any(
        "drawing the chart Criterion pass rates by agent failed" in r.getMessage() and r.exc_info for r in logged
    )


def test_a_chart_that_failed_to_draw_offers_its_data_and_not_an_image(heat_map_not_drawn, tmp_path):
    """Before: its Export menu still offered the chart as PNG and SVG, an image it could not draw."""
    card, drawn = heat_map_not_drawn.cards["criteria"], heat_map_not_drawn.cards["auto_fail"]
    actions = {a.text(): a.isEnabled() for a in card.export_button.menu().actions()}
    assert actions == {"Chart as PNG…": False, "Chart as SVG…": False, "Data as CSV…": True}
    assert card.export_button.isEnabled() and card.export_button.toolTip() == dashboard_view.ONLY_DATA
    assert card.export(tmp_path / "criteria.csv").read_text(encoding="utf-8").startswith("agent")
    assert all(a.isEnabled() for a in drawn.export_button.menu().actions())  # a chart drawn offers all three
    assert drawn.export_button.toolTip() == dashboard_view.EXPORT_TIP


def test_a_click_on_a_high_dpi_drawing_opens_the_bar_under_it(qtbot, known):
    from qa_desktop.app.chart_canvas import ChartCanvas, rasterize
    from qa_desktop.services.dashboard.charts import figure_for

    chart = next(c for c in CHARTS if c.key == "auto_fail")
    canvas = ChartCanvas(600, 300)
    qtbot.addWidget(canvas)
    canvas.resize(600, 300)
    canvas.show()
    table = chart.compute(MARCH, default_drivers())
    rendered = rasterize(*figure_for(chart, table, MARCH, default_drivers(), 600 / 90, 180, 300 / 90), 2.0)
    assert rendered.image.size() == QSize(1200, 600) and rendered.image.devicePixelRatio() == 2.0
    with qtbot.waitSignal(canvas.resized):  # drawn for a scale of 2 on a screen of 1: it asks for a new drawing
        canvas.show_rendered(rendered)
        canvas.repaint()
    ben = Agent.get(name="Ben").id
    ben_bar = next(a for a, make in canvas.picks.items() if make(0).agent_id == ben)
    with qtbot.waitSignal(canvas.picked) as clicked:
        _click(canvas, ben_bar)
    assert clicked.args == [MARCH.library(agent_id=ben, auto_fail=True)]
    QTest.mouseMove(canvas, QPoint(5, 5))
    assert canvas.cursor().shape() == Qt.CursorShape.ArrowCursor
    box = ben_bar.get_window_extent()
    QTest.mouseMove(canvas, QPoint(round((box.x0 + box.x1) / 4), round(300 - (box.y0 + box.y1) / 4)))
    assert canvas.cursor().shape() == Qt.CursorShape.PointingHandCursor  # what a click would open


def test_export_chart_and_data(qtbot, known, db, tmp_path):
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.dashboards.set_scope(MARCH)
    qtbot.waitUntil(lambda: all(c.table is not None for c in window.dashboards.cards.values()), timeout=10000)
    card = window.dashboards.cards["trends"]
    assert imread(card.export(tmp_path / "trends.png")).shape[1] > 500
    assert "<svg" in card.export(tmp_path / "trends.svg").read_text()
    rows = list(csv.DictReader(card.export(tmp_path / "trends.csv").open()))
    assert rows[0] == {
        "week": "2026-03-02",
        "calls": "2",
        "empathy": "70.0",
        "compliance": "70.0",
        "overall": "70.0",
        "auto_fail_pct": "50.0",
    }
    window.dashboards.wait()


def test_report_command_writes_every_chart_and_table(known, db, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["report", "--db", str(db), "--from", "2026-03-01", "--to", "2026-03-31", "--out", str(out)]) == 0
    for chart in CHARTS:
        assert imread(out / f"{chart.key}.png").shape[0] > 200
        assert (out / f"{chart.key}.csv").exists()
    handle = {r["driver"]: r for r in csv.DictReader((out / "handle_time.csv").open())}
    assert handle["technical"]["aht_vs_expected_pct"] == "50.0" and handle["delivery"]["aht_s"] == ""
    assert main(["report", "--db", str(db), "--team", "Nobody", "--out", str(out)]) == 2
    assert "no team called 'Nobody' (teams: Billing, Support)" in capsys.readouterr().err
    # a team named as people type it, as --agent takes an agent: it refused 'billing' for Billing
    assert main(["report", "--db", str(db), "--team", " billing", "--out", str(tmp_path / "billing")]) == 0
    assert {r["agent"] for r in csv.DictReader((tmp_path / "billing" / "auto_fail.csv").open())} == {"Ana"}


@pytest.mark.sqlite_only  # the command's own process on the file; the full disk is its file-size limit
def test_a_report_on_a_full_disk_says_which_file_it_could_not_write_and_leaves_the_report_before_as_it_was(
    known, db, tmp_path, isolated_home
):
    out = tmp_path / "report"
    assert main(["report", "--db", str(db), "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    close_database()  # the command's own process opens the file
    full = run_cli("report", "--db", str(db), "--out", str(out), env_home=isolated_home, max_file_bytes=40_000)
    assert full.returncode == EXIT_FAILED
    assert re.fullmatch(rf"error: cannot write {re.escape(str(out))}/\w+\.png: File too large\n", full.stderr)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no chart half-written, no partial file left


def test_retag_applies_an_edited_drivers_file(known, db, tmp_path):
    edited = tmp_path / "drivers.toml"
    edited.write_text(
        '[[drivers]]\nid = "router"\nname = "Router"\nexpected_handle_time_s = 60\nkeywords = ["router"]\n'
    )
    assert main(["retag", "--db", str(db), "--drivers", str(edited)]) == 0
    assert [(d.driver, d.mentions) for d in Call.get_by_id(known["c3"].id).drivers] == [("router", 1)]
    assert CallDriver.select().where(CallDriver.driver == "billing").count() == 0


def test_report_csvs_keep_names_from_running_as_formulas_and_numbers_as_numbers(known, db, tmp_path):
    Agent.update(name='=HYPERLINK("http://evil.example","Ana")').where(Agent.name == "Ana").execute()
    Agent.update(name="@SUM(A1:A9)").where(Agent.name == "Ben").execute()
    out = tmp_path / "report"
    assert main(["report", "--db", str(db), "--from", "2026-03-01", "--to", "2026-03-31", "--out", str(out)]) == 0
    rows = {r["agent"]: r for r in csv.DictReader((out / "sentiment.csv").open())}
    assert set(rows) == {'\'=HYPERLINK("http://evil.example","Ana")', "'@SUM(A1:A9)"}
    assert float(rows["'@SUM(A1:A9)"]["sentiment_change"]) < 0  # a negative number stays a number


@pytest.mark.parametrize("size", [(1311, 706), (1843, 993)])  # the window first opens so on 1366x768, 1920x1080
def test_the_heat_maps_cell_labels_are_as_large_as_its_axes_labels_and_fit_their_cells(qtbot, db, size):
    criteria = shipped_scorecard().criteria
    for n, agent in enumerate(["Daniel Kim", "Maria Lopez", "Priya Shah", "Tom Becker"]):
        for day in (2, 3):
            results = {c.id: ("fail" if (i + n) % 3 == 0 else "pass", None) for i, c in enumerate(criteria)}
            stored_call(agent, "Support", f"2026-03-0{day} 09:0{n}", 300, (70, 60, 80), False, results, ["hello"])
    window = _dashboards(qtbot, db, MARCH)
    window.resize(*size)
    qtbot.waitUntil(lambda: _drawn(window.dashboards), timeout=20000)
    axes = window.dashboards.cards["criteria"].canvas.figure.axes[0]
    ticks = axes.get_xticklabels()[0].get_fontsize()
    labels = axes.texts
    assert len(labels) == 4 * len(criteria)
    for label in labels:
        x, y = label.get_position()  # the cell's centre
        cell = axes.transData.transform([(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)])
        (left, top), (right, bottom) = cell.min(axis=0), cell.max(axis=0)
        assert label.get_fontsize() >= ticks  # was 6 pt against 8: "100 n=1" could not be read at 1366
        box = label.get_bbox_patch().get_window_extent()  # the label and the cell's colour behind it (the hatch)
        assert left <= box.x0 and box.x1 <= right and top <= box.y0 and box.y1 <= bottom, label.get_text()


def test_the_reports_heat_map_labels_fit_their_cells_at_thousands_of_calls():
    chart = next(c for c in CHARTS if c.key == "criteria")
    counts = [999, 1_047, 9_949, 12_345, 123_456, 4]  # an agent's calls over a year, and a newcomer's
    rows = [
        (agent, f"Agent {agent:03d}", c.id, n, n // 2, 50.0 + agent, c.name)
        for agent, n in enumerate(counts)
        for c in shipped_scorecard().criteria
    ]
    table = Table(["agent_id", "agent", "criterion", "judged", "passed", "rate", "name"], rows)
    figure, _picks = figure_for(chart, table, MARCH, default_drivers())  # as the report and the export save it
    figure.draw_without_rendering()
    axes = figure.axes[0]
    for label in axes.texts:
        x, y = label.get_position()
        cell = axes.transData.transform([(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)])
        (left, top), (right, bottom) = cell.min(axis=0), cell.max(axis=0)
        box = label.get_bbox_patch().get_window_extent()  # "n=1,047" was 60 px in a 54 px cell, over its neighbours'
        assert left <= box.x0 and box.x1 <= right and top <= box.y0 and box.y1 <= bottom, label.get_text()
    shown = {label.get_text().split("\n")[1] for label in axes.texts}
    assert shown == {"n=999", "n=1.0k", "n=9.9k", "n=12k", "n=123k", "n=4"}


def test_every_row_of_the_dashboards_is_filled(qtbot, db):
    """Two charts a row, a wide one alone: no half row is left empty (the last chart, alone, takes its row)."""
    dashboards = _dashboards(qtbot, db, MARCH).dashboards
    grid = dashboards._grid_host.layout()
    taken: dict[int, int] = {}
    for card in dashboards.cards.values():
        row, _column, _rows, columns = grid.getItemPosition(grid.indexOf(card))
        taken[row] = taken.get(row, 0) + columns
    assert set(taken.values()) == {2}, taken


def test_a_heat_map_too_big_to_label_in_the_window_says_each_cell_in_its_tooltip_and_exports_every_label(
    qtbot, db, tmp_path
):
    criteria = shipped_scorecard().criteria
    agents = [f"Agent {n:02d}" for n in range(24)]  # 24 x 17 cells: over the window's 400 labels
    for n, agent in enumerate(agents):
        results = {c.id: ("fail" if (i + n) % 3 == 0 else "pass", None) for i, c in enumerate(criteria)}
        stored_call(agent, "Support", f"2026-03-02 09:{n:02d}", 300, (70, 60, 80), False, results, ["hello"])
    window = _dashboards(qtbot, db, MARCH)
    qtbot.waitUntil(lambda: _drawn(window.dashboards), timeout=30000)
    canvas = window.dashboards.cards["criteria"].canvas
    axes = canvas.figure.axes[0]
    assert len(axes.texts) == 0  # too many to draw again at each resize
    for row, col in ((0, 0), (5, 1), (23, 16)):
        x, y = axes.transData.transform((col + 0.5, row + 0.5)) / canvas.ratio()
        at = QPointF(x, canvas.height() - y)  # sent to the canvas: the point may be scrolled out of the window's view
        none = Qt.MouseButton.NoButton
        QApplication.sendEvent(
            canvas,
            QMouseEvent(QEvent.Type.MouseMove, at, canvas.mapToGlobal(at), none, none, Qt.KeyboardModifier.NoModifier),
        )
        verdict = "0% passed" if (col + row) % 3 == 0 else "100% passed"  # was the chart's hint, the same everywhere
        said = (
            f"{agents[row]} · {criteria[col].name}: {verdict}, of 1 call judged\nClick to list the calls that failed it"
        )
        assert canvas.toolTip() == said
    saved = window.dashboards.cards["criteria"].export(tmp_path / "criteria.svg")
    labels = re.findall(r"<!-- n=1 -->", saved.read_text())  # each label's second line, as the SVG notes it
    assert len(labels) == len(agents) * len(criteria)  # was none


@pytest.mark.parametrize(
    "outage",
    [unreadable_file, pytest.param(stopped_server, marks=pytest.mark.postgresql)],
    ids=["sqlite", "postgresql"],
)
def test_dashboards_computed_while_the_database_cannot_be_read_say_why_and_compute_again(qtbot, tmp_path, outage):
    """Before: the charts said "Computing this chart…" for good (the user was read on the UI thread after the
    charts were told they were computing, and its error never reached them); only leaving the tab and coming
    back computed them again."""
    with outage(tmp_path) as (location, readable):
        open_database(str(location))
        fill(6)
        window = MainWindow(location)
        qtbot.addWidget(window)
        try:
            window.show()
            qtbot.wait(200)  # the window's start-up reads, with the database readable
            view = window.dashboards
            readable(False)
            try:
                with qtbot.capture_exceptions():  # the thread's own connection, if any, may fail on the UI thread
                    window.tabs.setCurrentIndex(1)
                    qtbot.waitUntil(lambda: view.status.text().startswith("Failed: "), timeout=20000)
                    assert view.failed and view.retry.isVisible()
                    assert {c.canvas.placeholder for c in view.cards.values()} == {
                        "Not computed: see the message above"
                    }
                    # nothing to export: the menu is not offered, and says why (it was, and did nothing)
                    assert not any(c.export_button.isEnabled() for c in view.cards.values())
                    tips = {c.export_button.toolTip() for c in view.cards.values()}
                    assert tips == {dashboard_view.NOTHING_TO_EXPORT}
                    assert "Traceback" not in view.status.text() and str(location) in view.status.text()
                    view.date_from.setDate(dt.date(2020, 1, 1))  # the user acts while it still cannot be read
                    qtbot.waitUntil(lambda: view.status.text().startswith("Failed: "), timeout=20000)
            finally:
                readable(True)
            view.retry.click()
            qtbot.waitUntil(lambda: _drawn(view), timeout=30000)
            assert view.status.text().endswith("click a bar, point or cell to list its calls")
            assert not view.retry.isVisible()
            assert all(c.export_button.isEnabled() for c in view.cards.values())
        finally:
            window.dashboards.wait()
            close_database()


@pytest.mark.parametrize(
    "outage",
    [unreadable_file, pytest.param(stopped_server, marks=pytest.mark.postgresql)],
    ids=["sqlite", "postgresql"],
)
def test_a_team_chosen_while_the_database_cannot_be_read_says_why_once_and_shows_no_other_teams_charts(
    qtbot, tmp_path, outage
):
    """Before: with the server stopped the team's agents were read on the UI thread (the app's error dialog, and
    the same reason again on the status line), and the charts of every team stayed drawn under the red line, as
    if they were this team's."""
    with outage(tmp_path) as (location, readable):
        open_database(str(location))
        fill(6)
        window = MainWindow(location)
        qtbot.addWidget(window)
        view = window.dashboards
        try:
            window.show()
            window.tabs.setCurrentIndex(1)
            qtbot.waitUntil(lambda: _drawn(view), timeout=30000)  # every team's charts
            team = view.team.itemData(1)
            readable(False)
            try:
                with qtbot.capture_exceptions() as raised:
                    view.team.setCurrentIndex(1)
                    qtbot.wait(400)  # past the debounce: the computation for the team has started
                    wait_for_tasks()  # it and the agents' read, if in the background, have ended
                    qtbot.waitUntil(lambda: view.status.text().startswith("Failed: "), timeout=20000)
                assert not raised, raised  # was the agents' read failing on the UI thread (the error dialog)
                assert view.failed and view.retry.isVisible() and str(location) in view.status.text()
                for card in view.cards.values():  # were every team's charts, drawn
                    assert card.canvas.rendered is None, card.chart.key
                    assert card.canvas.placeholder == "Not computed: see the message above"
            finally:
                readable(True)
            view.retry.click()
            qtbot.waitUntil(lambda: _drawn(view), timeout=30000)
            assert not view.retry.isVisible()
            listed = {view.agent.itemText(i) for i in range(1, view.agent.count())}
            assert listed == {a.name for a in people.agents(team)}  # the team's agents, read again on Retry
        finally:
            wait_for_tasks()
            close_database()


@pytest.mark.parametrize(
    "outage",
    [unreadable_file, pytest.param(stopped_server, marks=pytest.mark.postgresql)],
    ids=["sqlite", "postgresql"],
)
def test_the_teams_and_agents_are_read_off_the_ui_thread_and_a_failure_to_read_them_says_why(qtbot, tmp_path, outage):
    """Before: the team and agent boxes were filled on the UI thread as the window opened and after an import, so
    a slow server held the window, and a stopped one raised there (the app's error dialog) before any chart."""
    readers: set[threading.Thread] = set()

    def watched(read):
        def reading(*args):
            readers.add(threading.current_thread())
            return read(*args)

        return reading

    watching = types.ModuleType("watched_people")
    watching.teams, watching.agents = watched(people.teams), watched(people.agents)
    with outage(tmp_path) as (location, readable):
        open_database(str(location))
        fill(6)
        readable(False)
        try:
            try:
                with qtbot.capture_exceptions() as raised:
                    view = dashboard_view.DashboardView(default_drivers(), watching)
                    qtbot.addWidget(view)
                    view.show()
                    qtbot.waitUntil(lambda: view.status.text().startswith("Failed: "), timeout=20000)
                assert not raised, raised  # PostgreSQL: was the read failing on the UI thread
                assert view.retry.isVisible() and view.team.count() == 1 and str(location) in view.status.text()
            finally:
                readable(True)
            view.retry.click()
            teams = [t.name for t in people.teams()]
            qtbot.waitUntil(
                lambda: [view.team.itemText(i) for i in range(1, view.team.count())] == teams, timeout=20000
            )
            qtbot.waitUntil(lambda: view.agent.count() == 1 + len(people.agents()), timeout=20000)
            database.execute_sql("INSERT INTO team (name) VALUES ('Escalations')")  # an import named a new team
            view.refresh_choices()
            qtbot.waitUntil(lambda: view.team.findText("Escalations") > 0, timeout=20000)
            assert threading.main_thread() not in readers and readers  # was the UI thread, for every read
            qtbot.waitUntil(lambda: _drawn(view), timeout=60000)  # Retry computed the charts too
        finally:
            wait_for_tasks()
            close_database()
