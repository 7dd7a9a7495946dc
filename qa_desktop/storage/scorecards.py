"""Stored scorecard versions, parsed once each: a version's text never changes (its row is keyed by the
text's hash), so the parsed scorecard is kept per hash for the life of the process."""

from __future__ import annotations

import threading

from qa_desktop.storage.models import ScorecardRow
from scoring.scorecard import Scorecard, parse_scorecard

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
