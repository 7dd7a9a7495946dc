"""What people read for a criterion: its name from the scorecards in the database, in scorecard order
(the id stays for machines: filters, CSV columns read by scripts, the database)."""

from __future__ import annotations

from collections.abc import Iterable

from qa_desktop.storage.models import ScorecardRow
from qa_desktop.storage.scorecards import parsed_scorecard
from scoring.scorecard import ScorecardError


def criterion_names() -> dict[str, str]:
    """Criterion id -> name, in the newest scorecard's order, then criteria only older scorecards have
    (the newest name wins)."""
    names: dict[str, str] = {}
    for row in ScorecardRow.select().order_by(ScorecardRow.created_at.desc(), ScorecardRow.id.desc()):
        try:
            card = parsed_scorecard(row)
        except ScorecardError:
            continue
        for criterion_id, name in card.criterion_names().items():
            names.setdefault(criterion_id, name)
    return names


def in_order(ids: Iterable[str], names: dict[str, str]) -> list[str]:
    """These criterion ids in scorecard order (ids no scorecard knows last)."""
    order = {criterion_id: i for i, criterion_id in enumerate(names)}
    return sorted(ids, key=lambda c: (order.get(c, len(order)), c))


def named(ids: Iterable[str], names: dict[str, str]) -> list[str]:
    """The names of these criteria in scorecard order (an id no scorecard knows is shown as it is)."""
    return [names.get(c, c) for c in in_order(ids, names)]
