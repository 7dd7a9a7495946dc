"""What people read for a criterion: its name from the scorecards in the database, in scorecard order
(the id stays for machines: filters, CSV columns read by scripts, the database)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from qa_desktop.storage.models import ScorecardRow
from qa_desktop.storage.scorecards import parsed_scorecard
from scoring.scorecard import Criterion, ScorecardError


def _criteria() -> Iterator[Criterion]:
    """Every criterion of the scorecards in the database, the newest scorecard's first."""
    for row in ScorecardRow.select().order_by(ScorecardRow.created_at.desc(), ScorecardRow.id.desc()):
        try:
            yield from parsed_scorecard(row).criteria
        except ScorecardError:
            continue


def criterion_names() -> dict[str, str]:
    """Criterion id -> name, in the newest scorecard's order, then criteria only older scorecards have
    (the newest name wins)."""
    names: dict[str, str] = {}
    for criterion in _criteria():
        names.setdefault(criterion.id, criterion.name)
    return names


def critical_criteria() -> set[str]:
    """The ids of the criteria whose fail makes a call auto-fail (as the newest scorecard that has them says)."""
    critical: dict[str, bool] = {}
    for criterion in _criteria():
        critical.setdefault(criterion.id, criterion.critical)
    return {criterion_id for criterion_id, flag in critical.items() if flag}


def in_order(ids: Iterable[str], names: dict[str, str]) -> list[str]:
    """These criterion ids in scorecard order (ids no scorecard knows last)."""
    order = {criterion_id: i for i, criterion_id in enumerate(names)}
    return sorted(ids, key=lambda c: (order.get(c, len(order)), c))


def named(ids: Iterable[str], names: dict[str, str]) -> list[str]:
    """The names of these criteria in scorecard order (an id no scorecard knows is shown as it is)."""
    return [names.get(c, c) for c in in_order(ids, names)]
