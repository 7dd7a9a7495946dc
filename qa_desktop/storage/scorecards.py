"""Stored scorecard versions, parsed once each: a version's text never changes (its row is keyed by the
text's hash), so the parsed scorecard is kept per hash for the life of the process."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from peewee import SelectQuery

from qa_desktop.storage.models import Call, Score, ScorecardRow
from scoring.scorecard import Scorecard, ScorecardError, parse_scorecard
from scoring.scorer import not_applicable

_parsed: dict[str, Scorecard] = {}
_lock = threading.Lock()


def parsed_scorecard(row: ScorecardRow) -> Scorecard:
    """The scorecard a stored version holds, parsed leniently (as it was when scored), once per hash;
    a version that does not parse raises ScorecardError every time it is asked for."""
    with _lock:
        card = _parsed.get(row.hash)
    if card is None:
        card = parse_scorecard(row.text, row.path, strict=False)
        with _lock:
            _parsed[row.hash] = card
    return card


def not_judged(call_ids: Iterable[int] | SelectQuery) -> dict[tuple[int, str], str]:
    """(call id, criterion) -> why nobody can judge it on that call: the call's medium rules it out on the
    scorecard version of its current score, as it ruled out the automatic verdict (`scoring.scorer.judge`)."""
    ids = call_ids if isinstance(call_ids, SelectQuery) else list(call_ids)
    rows = (
        Score.select(Score.call, Call.medium, Score.scorecard)
        .join(Call)
        .where(Score.current & Score.call.in_(ids))
        .tuples()
    )
    cards: dict[tuple[int, str], dict[str, str]] = {}
    found = {}
    for call_id, medium, card_id in rows:
        if (card_id, medium) not in cards:
            cards[(card_id, medium)] = ruled_out(card_id, medium)
        for criterion, reason in cards[(card_id, medium)].items():
            found[(call_id, criterion)] = reason
    return found


def ruled_out(card_id: int, medium: str) -> dict[str, str]:
    """Criterion id -> why a conversation of this medium rules it out on this stored scorecard version
    (`scoring.scorer.not_applicable`); nothing is known to be ruled out on a version that does not parse."""
    try:
        card = parsed_scorecard(ScorecardRow.get_by_id(card_id))
    except ScorecardError:
        return {}
    return {c.id: reason for c in card.criteria if (reason := not_applicable(c, medium)) is not None}
