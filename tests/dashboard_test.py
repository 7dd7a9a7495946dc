"""Dashboards: each chart's numbers against what a hand-filled database must give and against direct
queries on a synthetic one, call-driver tagging, handle-time arithmetic, the click-through to the
library (a real click on the embedded chart), chart and data export, and the headless report."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict

import pytest
from matplotlib.image import imread
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from qa_desktop.app.main_window import MainWindow
from qa_desktop.cli.main import main
from qa_desktop.services.dashboard import queries as q
from qa_desktop.services.dashboard.charts import CHARTS
from qa_desktop.storage import library
from qa_desktop.storage.drivers import default_drivers
from qa_desktop.storage.library import LibraryFilter
from qa_desktop.storage.models import Agent, Call, CallDriver, CriterionResultRow, Score
from scoring.drivers import DriversError, parse_drivers
from tests.support.stored_calls import stored_call
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


def _click(card, artist) -> None:
    """A real left click on the canvas, in the middle of a chart element."""
    canvas = card.canvas
    canvas.draw()  # lays the figure out at the canvas's size
    box = artist.get_window_extent()
    ratio = canvas.devicePixelRatioF()
    x, y = (box.x0 + box.x1) / 2 / ratio, (canvas.figure.bbox.height - (box.y0 + box.y1) / 2) / ratio
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(x), round(y)))


def test_click_through_opens_the_library_filtered(qtbot, known, db):
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    window.tabs.setCurrentIndex(1)
    window.dashboards.set_scope(MARCH)
    qtbot.waitUntil(lambda: all(c.table is not None for c in window.dashboards.cards.values()), timeout=10000)
    card = window.dashboards.cards["auto_fail"]
    ana_bar = next(a for a, make in card.picks.items() if make(0).agent_id == Agent.get(name="Ana").id)
    _click(card, ana_bar)
    assert window.tabs.currentIndex() == 0
    assert window.filters.agent.currentText() == "Ana" and window.filters.auto_fail.currentData() is True
    assert [window.calls.call_id(r) for r in range(window.calls.rowCount())] == [known["c2"].id]
    assert window.back.isVisible()  # a way back to the dashboards
    window.back.click()
    assert window.tabs.currentIndex() == 1 and not window.back.isVisible()
    drivers = window.dashboards.cards["drivers"]
    refund_bar = next(a for a, make in drivers.picks.items() if make(0).driver == "refund")
    _click(drivers, refund_bar)
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


def test_each_chart_says_it_is_computing_until_its_data_arrives(qtbot, known, db):
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.dashboards.set_scope(MARCH)  # the first computation starts in the background
    card = window.dashboards.cards["criteria"]
    assert [t.get_text() for t in card.canvas.figure.texts] == ["Computing this chart…"]  # not a blank panel
    qtbot.waitUntil(lambda: all(c.table is not None for c in window.dashboards.cards.values()), timeout=10000)
    assert card.canvas.figure.texts == [] and card.canvas.figure.axes


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
    assert "no team named 'Nobody'" in capsys.readouterr().err


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
