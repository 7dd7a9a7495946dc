"""The dashboard charts: each computes its table for a scope and draws it on a matplotlib Figure.

The same `Chart` objects serve the app (embedded canvases, click-through to the library) and the
headless report (PNG and CSV files). `draw` returns the clickable artists, each with a function from
the picked index (a bar, a point, a heat-map cell) to the library filter of the calls behind it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator

from qa_desktop.services.dashboard import queries as q
from qa_desktop.services.dashboard.queries import Scope, Table
from qa_desktop.storage.library import LibraryFilter
from qa_desktop.storage.no_agent import shown_agent
from scoring.drivers import DriverSet

Picks = dict[Artist, Callable[[int], LibraryFilter]]
COLOURS = {
    "empathy": "#c2185b",
    "compliance": "#1f5fa8",
    "overall": "#2e7d32",
    "bar": "#5b7fa8",
    "expected": "#444444",
    "good": "#2e7d32",
    "bad": "#b3261e",
}
PASS_RATE = LinearSegmentedColormap.from_list("pass_rate", ["#b3261e", "#f2c14e", "#2e7d32"])
MAX_BARS = 40  # agent bar charts show the 40 agents furthest out; the CSV has all
NO_DATA = "#d9d9d9"  # a heat-map cell without a judged call
FEW_CALLS = 5  # a heat-map cell judged on fewer calls is hatched: its rate says little
CELL_FONT = 8  # points: a heat-map cell's rate and count, as large as the axes' labels (6 pt could not be read)
LABELLED_CELLS = 400  # a heat map in the window labels this many cells at most (a label costs about 3 ms to draw)


@dataclass(frozen=True)
class Chart:
    """One dashboard chart: its title, how to get its data and how to draw it."""

    key: str
    title: str
    compute: Callable[[Scope, DriverSet], Table]
    draw: Callable[[Figure, Table, Scope, DriverSet], Picks]
    height: Callable[[Table], float] = lambda table: 3.4  # inches at the report's width
    wide: bool = False  # takes the dashboard's full width (two charts side by side give it too little)
    saved: Callable[[Picks], None] = lambda picks: None  # what a saved image adds (too slow to draw at each resize)


def _axes(figure: Figure):
    axes = figure.subplots()
    axes.spines[["top", "right"]].set_visible(False)
    return axes


def _empty(figure: Figure, axes) -> Picks:
    axes.text(
        0.5, 0.5, "No scored calls in this range", ha="center", va="center", transform=axes.transAxes, color="#777"
    )
    axes.set_axis_off()
    return {}


def _draw_trends(figure: Figure, table: Table, scope: Scope, _drivers: DriverSet) -> Picks:
    axes = _axes(figure)
    if not table.rows:
        return _empty(figure, axes)
    weeks = table.column("week")
    picks: Picks = {}
    for name in ("empathy", "compliance", "overall"):
        (line,) = axes.plot(
            weeks, table.column(name), marker="o", markersize=4, color=COLOURS[name], label=name.title(), picker=6
        )
        picks[line] = lambda i, weeks=weeks: scope.library(week=weeks[i])
    step = -(-len(weeks) // 10)  # at most 10 labels: the week's Monday and its calls (the sample size)
    calls = table.column("calls")
    axes.set_xticks(weeks[::step], [f"{w:%d %b}\nn={n:,}" for w, n in zip(weeks[::step], calls[::step])], fontsize=8)
    axes.set_xlabel("Week starting (Monday) · n = scored calls that week")
    axes.set_ylim(0, 100)
    axes.set_ylabel("Mean score")
    axes.grid(axis="y", alpha=0.3)
    twin = axes.twinx()
    twin.bar(weeks, table.column("auto_fail_pct"), width=5, color="#b3261e", alpha=0.18, label="Auto-fail %")
    twin.set_ylim(0, 100)
    twin.set_ylabel("Auto-fail (% of calls)", color="#b3261e")
    twin.spines[["top"]].set_visible(False)
    axes.set_zorder(twin.get_zorder() + 1)
    axes.patch.set_visible(False)
    handles = axes.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    axes.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=4, fontsize=8, frameon=False)
    return picks


def _draw_distribution(figure: Figure, table: Table, scope: Scope, _drivers: DriverSet) -> Picks:
    axes = _axes(figure)
    if not any(table.column("overall")):
        return _empty(figure, axes)
    lows, highs = table.column("from"), table.column("to")
    bars = axes.bar(
        lows,
        table.column("overall"),
        width=q.BIN * 0.9,
        align="edge",
        color=COLOURS["overall"],
        alpha=0.75,
        label="Overall",
    )
    picks: Picks = {}
    for i, bar in enumerate(bars):
        bar.set_picker(True)
        picks[bar] = lambda _i, low=lows[i], high=highs[i]: scope.library(score_min=low, score_max=high)
    for name in ("empathy", "compliance"):
        values = table.column(name)
        axes.step([*lows, 100], [*values, values[-1]], where="post", color=COLOURS[name], label=name.title())
    axes.set_xlim(0, 100)
    axes.set_xlabel("Score")
    axes.set_ylabel("Calls")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.legend(loc="upper left", fontsize=8, frameon=False)
    return picks


def _hbars(
    figure: Figure,
    labels: list[str],
    values: list[float],
    filters: list[Callable[[], LibraryFilter]],
    xlabel: str,
    colours: list[str],
    notes: list[str] | None = None,
    percent: bool = False,
    total: int | None = None,
) -> Picks:
    """Horizontal bars, first at the top, each clickable; `notes` are written at the bars' ends (left of a
    negative bar). A percentage axis stops at 100; `total` rows of which only these show says so."""
    axes = _axes(figure)
    if not labels:
        return _empty(figure, axes)
    if total is not None and total > len(labels):
        axes.set_title(
            f"{len(labels)} of {total} agents shown (furthest out; the CSV has all)",
            loc="left",
            fontsize=8,
            color="#555",
        )
    rows = np.arange(len(labels))[::-1]
    bars = axes.barh(rows, values, color=colours, height=0.7)
    axes.set_yticks(rows, labels, fontsize=8 if len(labels) > 15 else 9)
    axes.set_xlabel(xlabel)
    if all(float(v).is_integer() for v in values):
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.axvline(0, color="#999", linewidth=0.8)
    picks: Picks = {}
    for bar, make, note in zip(bars, filters, notes or [""] * len(labels)):
        bar.set_picker(True)
        picks[bar] = lambda _i, make=make: make()
        if note:
            left = bar.get_width() < 0
            axes.annotate(
                note,
                (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                xytext=(-3 if left else 3, 0),
                textcoords="offset points",
                va="center",
                ha="right" if left else "left",
                fontsize=7,
                color="#444",
            )
    axes.margins(x=0.15)
    if percent:
        axes.set_xlim(0, 100)
    return picks


def _agent_rows(table: Table, key: str, both_ways: bool = False) -> tuple[list[tuple], int]:
    """The rows of the agents furthest out on `key` (at most MAX_BARS; highest first, or furthest from 0 either
    way), and how many agents have a value."""
    i = table.columns.index(key)
    rows = [r for r in table.rows if r[i] is not None]
    return sorted(rows, key=lambda r: abs(r[i]) if both_ways else r[i], reverse=True)[:MAX_BARS], len(rows)


def _draw_auto_fail(figure: Figure, table: Table, scope: Scope, _drivers: DriverSet) -> Picks:
    rows, total = _agent_rows(table, "auto_fail_pct")
    c = table.columns.index
    return _hbars(
        figure,
        [shown_agent(r[c("agent")]) for r in rows],
        [r[c("auto_fail_pct")] for r in rows],
        [lambda r=r: scope.library(agent_id=r[0], auto_fail=True) for r in rows],
        "Auto-failed calls (%)",
        [COLOURS["bad"]] * len(rows),
        [f"{r[c('auto_fails')]}/{r[c('calls')]}" for r in rows],
        percent=True,
        total=total,
    )


def _draw_sentiment(figure: Figure, table: Table, scope: Scope, _drivers: DriverSet) -> Picks:
    rows, total = _agent_rows(table, "sentiment_change", both_ways=True)
    c = table.columns.index
    values = [r[c("sentiment_change")] for r in rows]
    return _hbars(
        figure,
        [shown_agent(r[c("agent")]) for r in rows],
        values,
        [lambda r=r: scope.library(agent_id=r[0]) for r in rows],
        "Customer sentiment change, start to end of call (mean)",
        [COLOURS["good"] if v >= 0 else COLOURS["bad"] for v in values],
        [f"n={r[c('calls')]:,}" for r in rows],
        total=total,
    )


def cell_count(n: int) -> str:
    """A heat-map cell's count in at most four characters (986, 1.0k, 12k, 123k), so that it fits a cell 54 px wide
    (the report's) at CELL_FONT: "n=1,234" did not; the chart's CSV has the exact counts."""
    if n < 1000:
        return str(n)
    return f"{n / 1000:.1f}k" if n < 9950 else f"{n / 1000:.0f}k"


@dataclass(eq=False)
class HeatCells:
    """A heat map's cells: the calls behind one (a click lists those that failed its criterion), what one says (the
    window's tooltip), and their labels, the rate over the calls judged."""

    scope: Scope
    axes: Axes
    agents: list[tuple[int, str]]
    criteria: list[str]
    names: dict[str, str]  # criterion id -> the scorecard's name
    grid: np.ndarray  # pass rates, NaN where no call was judged
    judged: np.ndarray
    passed: np.ndarray
    labelled: bool = False

    def __call__(self, index: int) -> LibraryFilter:
        row, col = divmod(index, len(self.criteria))
        return self.scope.library(agent_id=self.agents[row][0], failed_criterion=self.criteria[col])

    def failed(self, index: int) -> int:
        """How many calls failed a cell's criterion (none: a click has nothing to list)."""
        row, col = divmod(index, len(self.criteria))
        return int(self.judged[row, col] - self.passed[row, col])

    def tip(self, index: int) -> str:
        """What a cell says, in words."""
        row, col = divmod(index, len(self.criteria))
        rate, n = self.grid[row, col], int(self.judged[row, col])
        said = "n/a: no call judged" if np.isnan(rate) else f"{rate:.0f}% passed, of {n:,} call{'s' * (n != 1)} judged"
        return f"{self.agents[row][1]} · {self.names[self.criteria[col]]}: {said}"

    def label(self) -> None:
        """Each cell's rate over its sample size: 100 of 1 call is not 100 of 1,500."""
        for (row, col), value in np.ndenumerate(self.grid):
            if not np.isnan(value):
                self.axes.text(
                    col + 0.5,
                    row + 0.5,
                    f"{value:.0f}\nn={cell_count(self.judged[row, col])}",
                    ha="center",
                    va="center",
                    fontsize=CELL_FONT,
                    linespacing=0.9,
                    color="white" if value < 25 or value > 75 else "black",
                    bbox={"facecolor": PASS_RATE(value / 100), "edgecolor": "none", "pad": 1},  # over the hatch
                )
        self.labelled = True


def _draw_heatmap(figure: Figure, table: Table, scope: Scope, _drivers: DriverSet) -> Picks:
    axes = figure.subplots()
    if not table.rows:
        return _empty(figure, axes)
    agents = list(dict.fromkeys((r[0], shown_agent(r[1])) for r in table.rows))
    criteria = list(dict.fromkeys(r[2] for r in table.rows))  # in scorecard order (see criterion_pass_rates)
    grid = np.full((len(agents), len(criteria)), np.nan)
    judged = np.zeros((len(agents), len(criteria)), dtype=int)
    passed = np.zeros_like(judged)
    for agent_id, name, criterion, n, passes, rate, _label in table.rows:
        place = agents.index((agent_id, shown_agent(name))), criteria.index(criterion)
        judged[place], passed[place] = n, passes
        if rate is not None:
            grid[place] = rate
    cells = HeatCells(scope, axes, agents, criteria, {r[2]: r[6] for r in table.rows}, grid, judged, passed)
    axes.set_facecolor(NO_DATA)  # masked cells show the background: n/a
    mesh = axes.pcolormesh(
        np.ma.masked_invalid(grid), cmap=PASS_RATE, vmin=0, vmax=100, edgecolors="white", linewidth=0.5, picker=True
    )
    for row, col in zip(*np.nonzero((judged > 0) & (judged < FEW_CALLS))):  # a rate from a few calls is hatched
        axes.add_patch(Rectangle((col, row), 1, 1, fill=False, hatch="///", edgecolor="white", linewidth=0))
    axes.invert_yaxis()
    axes.set_xticks(
        np.arange(len(criteria)) + 0.5, [cells.names[c] for c in criteria], rotation=40, ha="right", fontsize=8
    )
    axes.set_yticks(np.arange(len(agents)) + 0.5, [a[1] for a in agents], fontsize=8)
    if grid.size <= LABELLED_CELLS:
        cells.label()
    axes.legend(
        handles=[
            Patch(facecolor=NO_DATA, label="n/a: no call judged (criterion not applicable)"),
            Patch(facecolor="#888888", hatch="///", edgecolor="white", label=f"fewer than {FEW_CALLS} calls judged"),
        ],
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncol=2,
        fontsize=7,
        frameon=False,
    )
    bar = "Pass rate (%)\nn = calls judged"  # two short lines: one long one ran off a card 266 px tall
    figure.colorbar(mesh, ax=axes, label=bar, fraction=0.04, pad=0.02)
    return {mesh: cells}


def _label_every_cell(picks: Picks) -> None:
    """A saved heat map labels every cell, however many (the window's labels only LABELLED_CELLS: more take seconds
    to draw again at each resize, and each cell has a tooltip there instead)."""
    for cells in picks.values():
        if isinstance(cells, HeatCells) and not cells.labelled:
            cells.label()


def _draw_drivers(figure: Figure, table: Table, scope: Scope, _drivers: DriverSet) -> Picks:
    c = table.columns.index
    rows = _driver_rows(table)
    notes = [
        f"{r[c('calls')]} call{'s' * (r[c('calls')] != 1)} · overall {r[c('overall')]:.0f} · "
        f"empathy {r[c('empathy')]:.0f}"
        for r in rows
    ]
    return _hbars(
        figure,
        [r[c("name")] for r in rows],
        [r[c("calls")] for r in rows],
        [lambda r=r: scope.library(driver=r[0]) for r in rows],
        "Calls",
        [COLOURS["bar"]] * len(rows),
        notes,
    )


def _draw_handle_time(figure: Figure, table: Table, scope: Scope, _drivers: DriverSet) -> Picks:
    c = table.columns.index
    rows = _driver_rows(table)  # the same drivers as the Call drivers chart, in the same order
    minutes = [(r[c("aht_s")] or 0) / 60 for r in rows]
    over = [r[c("aht_vs_expected_pct")] for r in rows]
    picks = _hbars(
        figure,
        [r[c("name")] for r in rows],
        minutes,
        [lambda r=r: scope.library(driver=r[0]) for r in rows],
        "Average handle time (minutes)",
        [COLOURS["bad"] if (o or 0) > 10 else COLOURS["bar"] for o in over],
        [
            f"{o:+.0f}% vs expected {r[c('expected_s')] / 60:.0f} min · n={r[c('primary_calls')]:,}"
            if o is not None
            else "no recorded call with it as the main driver"
            for r, o in zip(rows, over)
        ],
    )
    if rows:
        axes = figure.axes[0]
        positions = np.arange(len(rows))[::-1]
        axes.scatter(
            [r[c("expected_s")] / 60 for r in rows],
            positions,
            marker="|",
            s=300,
            color=COLOURS["expected"],
            zorder=3,
            label="Expected handle time",
        )
        axes.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), fontsize=8, frameon=False)
    return picks


def _driver_rows(table: Table) -> list[tuple]:
    """The drivers both driver charts show: those tagged on a call in the scope."""
    return [r for r in table.rows if r[table.columns.index("calls")]]


def _draw_agent_handle_time(figure: Figure, table: Table, scope: Scope, _drivers: DriverSet) -> Picks:
    c = table.columns.index
    rows, total = _agent_rows(table, "vs_expected_pct", both_ways=True)
    values = [r[c("vs_expected_pct")] for r in rows]
    return _hbars(
        figure,
        [shown_agent(r[c("agent")]) for r in rows],
        values,
        [lambda r=r: scope.library(agent_id=r[0]) for r in rows],
        "Handle time vs expected for the agent's drivers (%, + is longer)",
        [COLOURS["bad"] if v > 0 else COLOURS["good"] for v in values],
        [f"{r[c('aht_s')] / 60:.1f} min · n={r[c('calls')]:,}" for r in rows],
        total=total,
    )


def _bar_height(table: Table) -> float:
    return 1.3 + 0.24 * min(MAX_BARS, max(4, len(table.rows)))


def _heat_height(table: Table) -> float:
    return 2.0 + 0.34 * max(3, len({r[0] for r in table.rows}))  # a row holds two lines of CELL_FONT


def _scope_only(query: Callable[[Scope], Table]) -> Callable[[Scope, DriverSet], Table]:
    return lambda scope, _drivers: query(scope)


_AGENTS = _scope_only(q.agent_summary)  # one query feeds two charts (see compute_tables)
CHARTS: list[Chart] = [
    Chart("trends", "Weekly scores and auto-fail rate", _scope_only(q.weekly_trends), _draw_trends),
    Chart("distribution", "Score distribution", _scope_only(q.distributions), _draw_distribution),
    Chart(
        "criteria",
        "Criterion pass rates by agent",
        _scope_only(q.criterion_pass_rates),
        _draw_heatmap,
        _heat_height,
        wide=True,
        saved=_label_every_cell,
    ),
    Chart("auto_fail", "Auto-fail rate by agent", _AGENTS, _draw_auto_fail, _bar_height),
    Chart("drivers", "Call drivers", q.drivers, _draw_drivers, _bar_height),
    Chart("handle_time", "Handle time by call driver", q.drivers, _draw_handle_time, _bar_height),
    Chart("agent_handle_time", "Handle time by agent", q.agent_handle_time, _draw_agent_handle_time, _bar_height),
    Chart("sentiment", "Customer sentiment change by agent", _AGENTS, _draw_sentiment, _bar_height),
]


def compute_tables(
    scope: Scope,
    drivers: DriverSet,
    should_stop: Callable[[], bool] = lambda: False,
    computed: Callable[[str, Table], None] = lambda key, table: None,
) -> dict[str, Table]:
    """Every chart's table for a scope, in the charts' order, each passed to `computed(key, table)` as soon as
    it is ready; a query two charts share runs once. Stops early when asked."""
    done: dict[int, Table] = {}
    tables = {}
    for c in CHARTS:
        if should_stop():
            break
        if id(c.compute) not in done:
            done[id(c.compute)] = c.compute(scope, drivers)
        tables[c.key] = done[id(c.compute)]
        computed(c.key, tables[c.key])
    return tables


def figure_for(
    c: Chart,
    table: Table,
    scope: Scope,
    drivers: DriverSet,
    width: float = 10.0,
    dpi: float = 110,
    height: float | None = None,
) -> tuple[Figure, Picks]:
    """A new figure (inches; by default as tall as the chart's data needs) with the chart drawn on it, and its
    clickable artists. Only the thread that made it may touch it until it is handed over (no pyplot)."""
    figure = Figure(figsize=(width, height or c.height(table)), dpi=dpi, layout="constrained")
    return figure, c.draw(figure, table, scope, drivers)
