"""The call library as queries: filter, sort and full-text search over every call, fast enough for
100,000 calls. Returns ordered call ids first and row details a page at a time, so a view only
loads what it shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa_desktop.storage.models import database
from qa_desktop.storage.no_agent import AGENT_SQL, shown_agent
from qa_desktop.storage.search import terms
from scoring.transcript import AUDIO

_PRIMARY_DRIVER = '(SELECT d.driver FROM calldriver d WHERE d.call_id = c.id AND d."primary")'
# column key -> (header, SQL sort expression); names sort without regard to case
COLUMNS: dict[str, tuple[str, str]] = {
    "date": ("Date", "c.call_time"),  # a call without a call time (a chat without one) sorts last, not as its import
    "agent": ("Agent", AGENT_SQL),  # the calls without an agent's name ('(no agent)') sort last, either way
    "team": ("Team", "t.name"),
    "duration": ("Duration", "CASE WHEN c.timed THEN c.duration_s END"),  # an untimed chat has none: it sorts last
    "overall": ("Overall", "s.overall"),
    "empathy": ("Empathy", "s.empathy"),
    "compliance": ("Compliance", "s.compliance"),
    "auto_fail": ("Auto-fail", "s.auto_fail"),
    "reviewed": ("Reviewed", "c.reviewed"),
    "failed": ("Failed criteria", "s.failed"),
    "driver": ("Driver", _PRIMARY_DRIVER),
    "assigned": ("Assigned to", "c.assigned_to"),
}
_FROM = (
    "FROM call c JOIN agent a ON a.id = c.agent_id LEFT JOIN team t ON t.id = c.team_id "
    "LEFT JOIN score s ON s.call_id = c.id AND s.current"
)
_NAMES = ("agent", "team", "assigned")


def call_name(agent: str, call_time: dt.datetime | None, path: str) -> str:
    """A call as people know it: its agent ('(no agent)' when it has none) and call time as the library lists them
    (its file name, which the review's title shows, where it has no call time). The one name of a call in messages
    and lists."""
    shown = shown_agent(agent)
    return f"{shown}, {call_time:%Y-%m-%d %H:%M}" if call_time else f"{shown}, {Path(path).name}"


@dataclass
class LibraryFilter:
    """What the library shows: every field left empty means no restriction."""

    agent_id: int | None = None
    team_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    score_min: float | None = None
    score_max: float | None = None
    auto_fail: bool | None = None
    failed_criterion: str | None = None
    reviewed: bool | None = None
    assigned_to: str | None = None  # only the calls assigned to this user (an evaluator's)
    unassigned: bool = False  # only the calls assigned to nobody (a lead's, to hand them out)
    search: str = ""
    driver: str | None = None  # a call-driver id the call is tagged with
    needs_review: bool = False  # only unreviewed calls a person should check
    review_criteria: tuple[str, ...] = ()  # criteria people disagree with: their fails need a person too
    call_ids: list[int] | None = None  # an explicit set, e.g. from a dashboard click

    def active(self) -> bool:
        """Whether anything is restricted."""
        return self != LibraryFilter()


@dataclass(frozen=True)
class Listed:
    """A call's assignment as a list read it: who it was assigned to (None: nobody) and whether it was reviewed;
    what a lead's assigning checks against the database (another lead may have changed it since)."""

    assigned_to: str | None
    reviewed: bool


@dataclass
class LibraryRow:
    """One call as the library lists it."""

    call_id: int
    date: dt.datetime | None  # the call's time; None: it has none (a chat without times, a call without metadata)
    agent: str  # "": imported without an agent's name (`no_agent`), as `team` is "" for no team
    team: str
    duration_s: float
    overall: float | None
    empathy: float | None
    compliance: float | None
    auto_fail: bool | None
    reviewed: bool
    failed: list[str] = field(default_factory=list)
    path: str = ""
    driver: str = ""  # the primary call driver's id
    hit: str = ""  # the first search hit, with [brackets] around the matched words
    medium: str = AUDIO  # or TEXT: a chat, email or ticket
    timed: bool = True  # False: a text conversation whose times are estimated
    unscored: str = ""  # why the call has no score (too short to score)
    imported: dt.datetime | None = None  # when it was imported (said where it has no call time)
    assigned_to: str = ""  # the evaluator asked to review it

    @property
    def listed(self) -> Listed:
        """The call's assignment as this row shows it."""
        return Listed(self.assigned_to or None, self.reviewed)


def _needs_review(criteria: tuple[str, ...]) -> str:
    """Unreviewed calls with a result heard too unclearly to trust, or a fail on a criterion people often
    disagree with (no override yet)."""
    on_marked = f" OR (r.result = 'fail' AND r.criterion IN ({','.join('?' * len(criteria))}))" if criteria else ""
    return (
        "NOT c.reviewed AND c.id IN (SELECT s2.call_id FROM score s2 JOIN criterionresult r ON r.score_id = s2.id "
        f"WHERE s2.current AND r.override IS NULL AND (r.needs_review{on_marked}))"
    )


def _where(f: LibraryFilter) -> tuple[str, list[Any]]:
    clauses, params = [], []
    conditions = [
        (f.agent_id is not None, "c.agent_id = ?", [f.agent_id]),
        (f.team_id is not None, "c.team_id = ?", [f.team_id]),
        (f.date_from is not None, "COALESCE(c.call_time, c.imported_at) >= ?", [f"{f.date_from}"]),
        (
            f.date_to is not None,
            "COALESCE(c.call_time, c.imported_at) < ?",
            [f"{f.date_to + dt.timedelta(days=1)}" if f.date_to else None],
        ),
        (f.score_min is not None, "s.overall >= ?", [f.score_min]),
        (f.score_max is not None, "s.overall <= ?", [f.score_max]),
        (f.auto_fail is not None, "s.auto_fail = ?", [bool(f.auto_fail)]),
        (bool(f.failed_criterion), "(' ' || s.failed || ' ') LIKE ?", [f"% {f.failed_criterion} %"]),
        (f.reviewed is not None, "c.reviewed = ?", [bool(f.reviewed)]),
        (f.assigned_to is not None, "c.assigned_to = ?", [f.assigned_to]),
        (f.unassigned, "c.assigned_to IS NULL", []),
        (bool(f.driver), "c.id IN (SELECT call_id FROM calldriver WHERE driver = ?)", [f.driver]),
        (f.needs_review, _needs_review(f.review_criteria), list(f.review_criteria)),
    ]
    # every word must occur in the call, in the same utterance or not
    search = database.search
    conditions += [(True, search.calls_matching(), [search.query([term])]) for term in terms(f.search)]
    for active, clause, values in conditions:
        if active:
            clauses.append(clause)
            params += values
    if f.call_ids is not None:
        clauses.append(f"c.id IN ({','.join('?' * len(f.call_ids))})" if f.call_ids else "1 = 0")
        params += f.call_ids
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _ordered(f: LibraryFilter, sort: str, descending: bool, columns: str) -> list[tuple]:
    """`columns` of the calls that pass the filter, in the requested order."""
    where, params = _where(f)
    direction = "DESC" if descending else "ASC"
    expression = database.dialect.nocase(COLUMNS[sort][1]) if sort in _NAMES else COLUMNS[sort][1]
    sql = f"SELECT {columns} {_FROM}{where} ORDER BY {expression} {direction} NULLS LAST, c.id {direction}"
    return database.execute_sql(sql, params).fetchall()


def call_ids(f: LibraryFilter, sort: str = "date", descending: bool = True) -> list[int]:
    """Ids of the calls that pass the filter, in the requested order."""
    return [row[0] for row in _ordered(f, sort, descending, "c.id")]


def listing(f: LibraryFilter, sort: str = "date", descending: bool = True) -> tuple[list[int], dict[int, Listed]]:
    """The ids of the calls that pass the filter, in the requested order, and each one's assignment as read now
    (one `Listed` per distinct value: 100,000 calls hold a handful)."""
    ids: list[int] = []
    listed: dict[int, Listed] = {}
    shared: dict[tuple, Listed] = {}
    for call_id, assigned_to, reviewed in _ordered(f, sort, descending, "c.id, c.assigned_to, c.reviewed"):
        ids.append(call_id)
        key = (assigned_to, bool(reviewed))
        listed[call_id] = shared.get(key) or shared.setdefault(key, Listed(*key))
    return ids, listed


def rows(ids: list[int], search: str = "") -> list[LibraryRow]:
    """Library rows for these calls, in the order given."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    sql = (
        f"SELECT c.id, c.call_time, {AGENT_SQL}, t.name, c.duration_s, s.overall, "
        f"s.empathy, s.compliance, s.auto_fail, c.reviewed, s.failed, c.path, {_PRIMARY_DRIVER}, c.medium, "
        f"c.timed, c.unscored, c.assigned_to, c.imported_at {_FROM} WHERE c.id IN ({marks})"
    )
    found = {}
    for r in database.execute_sql(sql, ids).fetchall():
        when, imported = (dt.datetime.fromisoformat(str(t)) if t else None for t in (r[1], r[17]))
        found[r[0]] = LibraryRow(
            r[0],
            when,
            r[2] or "",
            r[3] or "",
            r[4],
            r[5],
            r[6],
            r[7],
            None if r[8] is None else bool(r[8]),
            bool(r[9]),
            (r[10] or "").split(),
            r[11],
            r[12] or "",
            medium=r[13],
            timed=bool(r[14]),
            unscored=r[15] or "",
            assigned_to=r[16] or "",
            imported=imported,
        )
    for call_id, snippet in hits(ids, search).items():
        if call_id in found:
            found[call_id].hit = snippet
    return [found[i] for i in ids if i in found]


def hits(ids: list[int], search: str) -> dict[int, str]:
    """Call id -> the first search hit in that call, with [brackets] around the matched words (the utterance
    with the most of the words first). Ranks every match of the words: a common word takes long."""
    words = terms(search)
    if not ids or not words:
        return {}
    query = database.search.query(words, any_of=True)
    found: dict[int, str] = {}
    for call_id, snippet in database.execute_sql(
        database.search.hits(",".join("?" * len(ids))), [query, *ids]
    ).fetchall():
        found.setdefault(call_id, snippet)
    return found


def _distinct(table: str, column: str) -> list[str]:
    """The distinct values of an indexed column, by hopping from one value to the next in its index (a few
    lookups per value, where SELECT DISTINCT reads every row: 1.2 million results at 100,000 calls)."""
    sql = (
        f"WITH RECURSIVE hop(value) AS (SELECT MIN({column}) FROM {table} UNION ALL "
        f"SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > hop.value) FROM hop WHERE hop.value IS NOT NULL) "
        "SELECT value FROM hop WHERE value IS NOT NULL"
    )
    return [row[0] for row in database.execute_sql(sql).fetchall()]


def scored_criteria() -> list[str]:
    """Ids of every criterion some call has a result for."""
    return _distinct("criterionresult", "criterion")


def assignees() -> list[str]:
    """The names of everyone some call is assigned to."""
    return _distinct("call", "assigned_to")


def tagged_drivers() -> list[str]:
    """Ids of every call driver some call is tagged with."""
    return _distinct("calldriver", "driver")


def call_count() -> int:
    """How many calls the library holds."""
    return database.execute_sql("SELECT COUNT(*) FROM call").fetchone()[0]
