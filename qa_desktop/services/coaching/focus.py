"""What to coach: an agent's pass rate on each criterion against their team's, and, after a session,
the agent's results on its focus criteria before and after it. Results are the effective ones
(a reviewer's override counts); `na` results are not counted."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from qa_desktop.services.access.identity import current_user
from qa_desktop.services.access.permissions import require
from qa_desktop.storage.models import Agent, database

MIN_CALLS = 5  # fewer applicable calls than this say too little to coach on

_RESULTS = (
    "SELECT c.agent_id, r.criterion, COALESCE(r.override, r.result) AS effective, "
    "COALESCE(c.call_time, c.imported_at) AS at "
    "FROM criterionresult r JOIN score s ON s.id = r.score_id AND s.current JOIN call c ON c.id = s.call_id "
    "WHERE COALESCE(r.override, r.result) IN ('pass', 'fail')"
)


@dataclass(frozen=True)
class Rate:
    """Passes out of applicable calls."""

    passed: int
    calls: int

    @property
    def rate(self) -> float | None:
        """The pass rate, 0..1 (None without calls)."""
        return self.passed / self.calls if self.calls else None

    def short(self) -> str:
        """'60% (3/5)'."""
        return f"{self.rate:.0%} ({self.passed}/{self.calls})" if self.calls else "-"

    def text(self) -> str:
        """'60% (3 of 5 calls)'."""
        return (
            f"{self.rate:.0%} ({self.passed} of {self.calls} call{'' if self.calls == 1 else 's'})"
            if self.calls
            else "no calls"
        )


@dataclass(frozen=True)
class Focus:
    """One criterion where an agent falls below the team."""

    criterion: str
    agent: Rate
    team: Rate

    @property
    def gap(self) -> float:
        """How far the agent's pass rate is below the team's, in points (0..100)."""
        return 100 * ((self.team.rate or 0.0) - (self.agent.rate or 0.0))


def peers(agent: Agent) -> list[int]:
    """The agents the agent is compared with: the rest of their team, or everyone else without a team."""
    query = Agent.select(Agent.id).where(Agent.id != agent.id)
    if agent.team_id is not None:
        query = query.where(Agent.team == agent.team_id)
    return [a.id for a in query]


def _rates(agent_ids: list[int], since: dt.datetime | None = None, until: dt.datetime | None = None) -> dict[str, Rate]:
    if not agent_ids:
        return {}
    sql = (
        f"SELECT criterion, SUM(CASE WHEN effective = 'pass' THEN 1 ELSE 0 END), COUNT(*) FROM ({_RESULTS}) AS results "
        f"WHERE agent_id IN ({','.join('?' * len(agent_ids))})"
    )
    params: list = list(agent_ids)
    if since is not None:
        sql += " AND at >= ?"
        params.append(since.isoformat(sep=" "))
    if until is not None:
        sql += " AND at < ?"
        params.append(until.isoformat(sep=" "))
    rows = database.execute_sql(sql + " GROUP BY criterion", params).fetchall()
    return {criterion: Rate(int(passed), int(count)) for criterion, passed, count in rows}


def suggest_focus(agent: Agent, min_calls: int = MIN_CALLS) -> list[Focus]:
    """Criteria where the agent's pass rate is below the team's, with at least min_calls calls each
    side, the largest gap first. An agent sees only their own."""
    require(current_user(), "read reviews", agent_ids=[agent.id])
    mine, theirs = _rates([agent.id]), _rates(peers(agent))
    found = [
        Focus(criterion, rate, theirs[criterion])
        for criterion, rate in mine.items()
        if criterion in theirs and rate.calls >= min_calls and theirs[criterion].calls >= min_calls
    ]
    found = [f for f in found if f.gap > 0]
    return sorted(found, key=lambda f: (-f.gap, -f.agent.calls, f.criterion))


def comparison(agent: Agent, criteria: list[str]) -> list[Focus]:
    """The agent against the team on the given criteria (for a session's summary and chart)."""
    mine, theirs = _rates([agent.id]), _rates(peers(agent))
    return [Focus(c, mine.get(c, Rate(0, 0)), theirs.get(c, Rate(0, 0))) for c in criteria]


@dataclass(frozen=True)
class FollowUp:
    """An agent's results on one focus criterion before and after a session."""

    criterion: str
    before: Rate
    after: Rate

    @property
    def change(self) -> float | None:
        """After minus before, in points; None until both sides have calls."""
        if self.before.rate is None or self.after.rate is None:
            return None
        return 100 * (self.after.rate - self.before.rate)


def follow_up(
    agent: Agent, criteria: list[str], delivered: dt.datetime, window_days: int | None = None
) -> list[FollowUp]:
    """The agent's pass rates on the criteria before and since `delivered` (within window_days each
    side, if given)."""
    span = dt.timedelta(days=window_days) if window_days else None
    before = _rates([agent.id], delivered - span if span else None, delivered)
    after = _rates([agent.id], delivered, delivered + span if span else None)
    return [FollowUp(c, before.get(c, Rate(0, 0)), after.get(c, Rate(0, 0))) for c in criteria]
