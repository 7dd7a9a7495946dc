"""The numbers behind the dashboards, as SQL over the current scores of the calls in a scope.

Every table comes back as `Table` (column names and rows) so the app, the CSV export and the
headless report show the same numbers. Reviewers' overrides count: a criterion's result is its
override when there is one. A table's agent is None for the calls imported without an agent's name (listed after
the agents; the charts say '(no agent)', a CSV leaves it empty: `storage.no_agent`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from qa_desktop.storage import pass_counts
from qa_desktop.storage.criteria import criterion_names
from qa_desktop.storage.library import LibraryFilter
from qa_desktop.storage.models import database
from qa_desktop.storage.no_agent import AGENT_SQL
from scoring.drivers import DriverSet

_RECORDED = "c.medium = 'audio'"  # handle time is a call's: text conversations are not counted in it
_FROM = (
    "FROM call c JOIN score s ON s.call_id = c.id AND s.current JOIN agent a ON a.id = c.agent_id "
    "LEFT JOIN team t ON t.id = c.team_id"
)
_AUTO_FAIL = "CAST(s.auto_fail AS INTEGER)"  # 1 or 0, to count and average


def _day() -> str:
    """The call's date."""
    return database.dialect.day("COALESCE(c.call_time, c.imported_at)")


def _sentiment_change() -> str:
    """How far the customer's sentiment moved from the start to the end of the call."""
    number = database.dialect.json_number
    return f"({number('s.metrics', 'customer_sentiment_end')} - {number('s.metrics', 'customer_sentiment_start')})"


def _round(expr: str, digits: int = 1) -> str:
    return database.dialect.round(expr, digits)


def _by_agent() -> str:
    """The agents by name, the calls without an agent's name (their agent column empty) last."""
    return f"{database.dialect.nocase(AGENT_SQL)} NULLS LAST"


@dataclass(frozen=True)
class Scope:
    """Which calls a dashboard looks at: a date range (inclusive) and optionally one team or one agent."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    team_id: int | None = None
    agent_id: int | None = None

    def where(self, day: str | None = None, owner: str = "c.") -> tuple[str, list[Any]]:
        """SQL conditions (starting with WHERE) and their parameters, on the call's date (or the column `day`) and
        its team and agent (columns of `owner`)."""
        clauses: list[str] = ["1 = 1"]
        params: list[Any] = []
        day = day or _day()
        for value, clause in (
            (self.date_from, f"{day} >= ?"),
            (self.date_to, f"{day} <= ?"),
            (self.team_id, f"{owner}team_id = ?"),
            (self.agent_id, f"{owner}agent_id = ?"),
        ):
            if value is not None:
                clauses.append(clause)
                params.append(value.isoformat() if isinstance(value, dt.date) else value)
        return " WHERE " + " AND ".join(clauses), params

    def library(self, **narrower: Any) -> LibraryFilter:
        """The library filter that lists this scope's calls, narrowed by `narrower` (LibraryFilter fields)."""
        base = LibraryFilter(
            agent_id=self.agent_id, team_id=self.team_id, date_from=self.date_from, date_to=self.date_to
        )
        if "week" in narrower:  # a week, kept inside the scope's dates
            monday: dt.date = narrower.pop("week")
            sunday = monday + dt.timedelta(days=6)
            narrower["date_from"] = max(monday, self.date_from) if self.date_from else monday
            narrower["date_to"] = min(sunday, self.date_to) if self.date_to else sunday
        return replace(base, **narrower)


@dataclass
class Table:
    """A chart's data: column names and rows (also what its CSV holds)."""

    columns: list[str]
    rows: list[tuple] = field(default_factory=list)

    def column(self, name: str) -> list[Any]:
        """One column's values, in row order."""
        i = self.columns.index(name)
        return [r[i] for r in self.rows]


def _table(columns: list[str], sql: str, params: list[Any]) -> Table:
    return Table(columns, [tuple(r) for r in database.execute_sql(sql, params).fetchall()])


def _rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def weekly_trends(scope: Scope) -> Table:
    """Per week (its Monday): calls, mean empathy, compliance and overall, and the auto-fail rate (%)."""
    where, params = scope.where()
    week = database.dialect.week_start(_day())  # its Monday
    sql = (
        f"SELECT {week} AS week, COUNT(*), {_round('AVG(s.empathy)')}, {_round('AVG(s.compliance)')}, "
        f"{_round('AVG(s.overall)')}, {_round(f'100.0 * AVG({_AUTO_FAIL})')} {_FROM}{where} GROUP BY week "
        "ORDER BY week"
    )
    table = _table(["week", "calls", "empathy", "compliance", "overall", "auto_fail_pct"], sql, params)
    table.rows = [(database.dialect.date_value(r[0]), *r[1:]) for r in table.rows]
    return table


BIN = 10


def distributions(scope: Scope) -> Table:
    """How many calls score in each 10-point band, for overall, empathy and compliance (one pass over the calls:
    they are counted by their three bands together, then per score)."""
    where, params = scope.where()
    names = ("overall", "empathy", "compliance")
    bands = ", ".join(
        database.dialect.least(database.dialect.floor_int(f"s.{name} / {BIN}"), str(100 // BIN - 1)) for name in names
    )
    counts: dict[str, Counter[int]] = {name: Counter() for name in names}
    for *banded, calls in database.execute_sql(f"SELECT {bands}, COUNT(*) {_FROM}{where} GROUP BY 1, 2, 3", params):
        for name, band in zip(names, banded):
            counts[name][band] += calls
    rows = [(band * BIN, band * BIN + BIN, *(counts[name][band] for name in names)) for band in range(100 // BIN)]
    return Table(["from", "to", *names], rows)


def agent_summary(scope: Scope) -> Table:
    """Per agent: team, calls, mean scores, auto-fails and their rate (%), and the mean change in the
    customer's sentiment from the start to the end of the call (-2..2)."""
    where, params = scope.where()
    sql = (
        f"SELECT a.id, {AGENT_SQL}, MAX(COALESCE(t.name, '')), COUNT(*), {_round('AVG(s.empathy)')}, "
        f"{_round('AVG(s.compliance)')}, {_round('AVG(s.overall)')}, SUM({_AUTO_FAIL}), "
        f"{_round(f'100.0 * AVG({_AUTO_FAIL})')}, {_round(f'AVG({_sentiment_change()})', 3)} "
        f"{_FROM}{where} GROUP BY a.id ORDER BY {_by_agent()}"
    )
    return _table(
        [
            "agent_id",
            "agent",
            "team",
            "calls",
            "empathy",
            "compliance",
            "overall",
            "auto_fails",
            "auto_fail_pct",
            "sentiment_change",
        ],
        sql,
        params,
    )


def criterion_pass_rates(scope: Scope) -> Table:
    """Per agent and criterion: calls judged (pass or fail), passes and the pass rate (%); n/a is left out.
    An agent's criteria come in scorecard order. Read from the counts kept as verdicts are written
    (`storage.pass_counts`), not from the results themselves."""
    where, params = scope.where(day="day", owner="")
    sql = (  # grouped in the counts' key order (no sort), then named
        f"SELECT a.id, {AGENT_SQL}, p.criterion, p.judged, p.passed FROM (SELECT agent_id, criterion, SUM(judged) AS "
        f"judged, SUM(passed) AS passed FROM {pass_counts.TABLE}{where} GROUP BY agent_id, criterion "
        f"HAVING SUM(results) > 0) p JOIN agent a ON a.id = p.agent_id ORDER BY {_by_agent()}, a.id"
    )
    names = criterion_names()
    fetched = [tuple(r) for r in database.execute_sql(sql, params).fetchall()]
    agents = {agent: place for place, agent in enumerate(dict.fromkeys(r[0] for r in fetched))}  # in name order
    order = {criterion: place for place, criterion in enumerate(names)}
    fetched.sort(key=lambda r: (agents[r[0]], order.get(r[2], len(order)), r[2]))
    rows = [(*r, round(100.0 * r[4] / r[3], 1) if r[3] else None, names.get(r[2], r[2])) for r in fetched]
    return Table(["agent_id", "agent", "criterion", "judged", "passed", "pass_pct", "criterion_name"], rows)


def drivers(scope: Scope, driver_set: DriverSet) -> Table:
    """Per call driver: calls tagged with it, mean scores, and the average handle time (of the recorded calls it
    is the primary driver of) against the expected handle time, in seconds and as a difference in %."""
    where, params = scope.where()
    handled = f'd."primary" AND {_RECORDED}'
    counted = {
        r[0]: r[1:]
        for r in database.execute_sql(
            f"SELECT d.driver, COUNT(*), AVG(s.overall), AVG(s.empathy), AVG(s.compliance), "
            f"SUM(CASE WHEN {handled} THEN 1 ELSE 0 END), AVG(CASE WHEN {handled} THEN c.duration_s END) "
            f"{_FROM} JOIN calldriver d ON d.call_id = c.id{where} GROUP BY d.driver",
            params,
        ).fetchall()
    }
    rows = []
    for d in driver_set.drivers:
        calls, overall, empathy, compliance, primary, aht = counted.get(d.id, (0, None, None, None, 0, None))
        over = None if aht is None else round(100.0 * (aht - d.expected_handle_time_s) / d.expected_handle_time_s, 1)
        rows.append(
            (
                d.id,
                d.name,
                calls,
                _rounded(overall),
                _rounded(empathy),
                _rounded(compliance),
                primary,
                _rounded(aht),
                d.expected_handle_time_s,
                over,
            )
        )
    return Table(
        [
            "driver",
            "name",
            "calls",
            "overall",
            "empathy",
            "compliance",
            "primary_calls",
            "aht_s",
            "expected_s",
            "aht_vs_expected_pct",
        ],
        rows,
    )


def agent_handle_time(scope: Scope, driver_set: DriverSet) -> Table:
    """Per agent: recorded calls with a primary driver, their average handle time and the average expected for those
    drivers, and how far the agent is from expected (%, + is slower), with the mean sentiment change."""
    where, params = scope.where()
    expected = " ".join(f"WHEN '{d.id}' THEN {d.expected_handle_time_s}" for d in driver_set.drivers)
    sql = (
        f"SELECT a.id, {AGENT_SQL}, COUNT(*), AVG(c.duration_s), AVG(CASE d.driver {expected} END), "
        f'AVG({_sentiment_change()}) {_FROM} JOIN calldriver d ON d.call_id = c.id AND d."primary"'
        f"{where} AND {_RECORDED} AND d.driver IN ({','.join('?' * len(driver_set.drivers))}) "
        f"GROUP BY a.id ORDER BY {_by_agent()}"
    )
    rows = []
    for agent_id, name, calls, aht, target, sentiment in database.execute_sql(
        sql, params + [d.id for d in driver_set.drivers]
    ).fetchall():
        rows.append(
            (
                agent_id,
                name,
                calls,
                _rounded(aht),
                _rounded(target),
                round(100.0 * (aht - target) / target, 1),
                _rounded(sentiment, 3),
            )
        )
    return Table(["agent_id", "agent", "calls", "aht_s", "expected_s", "vs_expected_pct", "sentiment_change"], rows)
