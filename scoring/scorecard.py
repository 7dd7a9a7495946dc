"""Scorecards: TOML files of sections and criteria, each with a detector and its parameters.

`load_scorecard` validates everything a scorer relies on and reports problems as
`file:line: field: what is wrong`, so a QA lead editing a scorecard can fix it without reading code.
Every loaded scorecard carries the sha256 of its bytes, recorded with each score it produces.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .detectors import DETECTORS, Param
from .resources import shipped_file
from .toml_fields import ScorecardError, TomlLocator, check_keys, expect, parse_toml, read_text
from .transcript import AUDIO, TEXT

CATEGORIES = ("empathy", "compliance", "process")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
TOP_KEYS = ("scorecard", "sections")
HEAD_KEYS = (
    "id",
    "name",
    "empathy_sentiment_weight",
    "positive_reactions",
    "negative_reactions",
    "min_agreement",
    "abstain_below",
    "min_duration_s",
)
SECTION_KEYS = ("id", "name", "criteria")
CRITERION_KEYS = (
    "id",
    "name",
    "category",
    "weight",
    "critical",
    "detector",
    "params",
    "description",
    "min_agreement",
    "media",
)
DEFAULT_MIN_DURATION_S = 10.0


@dataclass(frozen=True)
class Criterion:
    """One thing a call is checked for."""

    id: str
    name: str
    section: str
    category: str
    weight: float
    critical: bool
    detector: str
    params: dict[str, Any]
    description: str = ""
    min_agreement: float | None = None  # this criterion's own agreement threshold (else the scorecard's)
    media: tuple[str, ...] = (AUDIO, TEXT)  # what it is checked on: recorded calls, text conversations or both


@dataclass(frozen=True)
class Scorecard:
    """A validated scorecard."""

    id: str
    name: str
    path: str
    hash: str
    text: str
    criteria: list[Criterion]
    sections: dict[str, str] = field(default_factory=dict)  # section id -> display name
    empathy_sentiment_weight: float = 0.0  # share of the empathy subscore taken from how the customer fared
    positive_reactions: tuple[str, ...] = ()  # what a customer says when the agent's answer lands well
    negative_reactions: tuple[str, ...] = ()  # ... and when it does not
    min_agreement: float = 0.8  # criteria agreeing less often with people are marked in the agreement lab
    abstain_below: float = 0.4  # evidence heard with a lower mean word probability is marked for review
    min_duration_s: float = DEFAULT_MIN_DURATION_S  # shorter calls are stored as too short to score

    def too_short(self, duration_s: float, is_text: bool = False) -> str | None:
        """Why a recording this long is not scored, or None when it is long enough (or a text conversation)."""
        if is_text or duration_s >= self.min_duration_s:
            return None
        return (
            f"too short to score: {duration_s:.1f} s (the scorecard scores calls of {self.min_duration_s:g} s or more)"
        )

    def agreement_threshold(self, criterion_id: str) -> float:
        """The share of human verdicts a criterion must agree with (its own, else the scorecard's)."""
        for c in self.criteria:
            if c.id == criterion_id and c.min_agreement is not None:
                return c.min_agreement
        return self.min_agreement

    def criterion_names(self) -> dict[str, str]:
        """Criterion id -> name, in scorecard order (what people read; the id is for machines)."""
        return {c.id: c.name for c in self.criteria}

    def criterion(self, criterion_id: str) -> Criterion:
        """The criterion with this id (KeyError if none)."""
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        raise KeyError(criterion_id)


def _expect(value: Any, kind: type | tuple[type, ...], where: str, what: str) -> Any:
    return expect(value, kind, where, what, ScorecardError)


def _share(table: dict, key: str, where: str) -> float | None:
    """An optional number between 0 and 1."""
    if key not in table:
        return None
    value = _expect(table[key], float, where, "a number")
    if not 0 <= value <= 1:
        raise ScorecardError(f"{where}: must be between 0 and 1")
    return value


def _check_params(
    detector: str, params: Any, where: Callable[[int], str], locate: Callable[..., int], strict: bool
) -> dict[str, Any]:
    spec = DETECTORS[detector].params
    if not isinstance(params, dict):
        raise ScorecardError(f"{where(locate('params'))}params: must be a table")
    checked = {}
    for key, value in params.items():
        if key not in spec:
            known = ", ".join(sorted(spec))
            raise ScorecardError(
                f"{where(locate(key, params=True))}params.{key}: unknown for detector '{detector}' (known: {known})"
            )
        checked[key] = spec[key].check(value, f"{where(locate(key, params=True))}params.{key}", strict)
    for key, param in spec.items():
        if key not in checked:
            if param.required:
                raise ScorecardError(f"{where(locate('params'))}params.{key}: required by detector '{detector}'")
            checked[key] = param.default
    return checked


def parse_scorecard(text: str, path: str = "<scorecard>", *, strict: bool = True) -> Scorecard:  # noqa: C901 (one check per field or column, in file order; to split next)
    """Validate scorecard TOML text; ScorecardError names the file, line and field of a problem.

    Not `strict`: a scorecard stored with the scores it gave, read back to explain them; it was
    accepted by an older version, so only what reading it needs is checked (not unknown keys, ranges)."""
    data = parse_toml(text, path, ScorecardError)
    locator = TomlLocator(text)
    keys: Callable[..., None] = check_keys if strict else lambda *_: None
    keys(data, TOP_KEYS, lambda key: f"{path}:{locator.line(key)}: ", ScorecardError)
    head = data.get("scorecard")
    if not isinstance(head, dict):
        raise ScorecardError(f"{path}:1: [scorecard] table with id and name is missing")
    keys(head, HEAD_KEYS, lambda key: f"{path}:{locator.line(key)}: scorecard.", ScorecardError)
    card_id = _expect(head.get("id"), str, f"{path}:{locator.line('id')}: scorecard.id", "a text")
    name = _expect(head.get("name", card_id), str, f"{path}:{locator.line('name')}: scorecard.name", "a text")
    sentiment_weight = _expect(
        head.get("empathy_sentiment_weight", 0.0),
        float,
        f"{path}:{locator.line('empathy_sentiment_weight')}: empathy_sentiment_weight",
        "a number",
    )
    if not 0 <= sentiment_weight <= 1:
        raise ScorecardError(
            f"{path}:{locator.line('empathy_sentiment_weight')}: empathy_sentiment_weight: must be between 0 and 1"
        )
    min_duration = _expect(
        head.get("min_duration_s", DEFAULT_MIN_DURATION_S),
        float,
        f"{path}:{locator.line('min_duration_s')}: min_duration_s",
        "a number of seconds",
    )
    if min_duration < 0:
        raise ScorecardError(f"{path}:{locator.line('min_duration_s')}: min_duration_s: must not be negative")
    shares = {}
    for key, default in (("min_agreement", 0.8), ("abstain_below", 0.4)):
        shares[key] = _expect(head.get(key, default), float, f"{path}:{locator.line(key)}: {key}", "a number")
        if not 0 <= shares[key] <= 1:
            raise ScorecardError(f"{path}:{locator.line(key)}: {key}: must be between 0 and 1")
    sections = data.get("sections")
    if not isinstance(sections, list) or not sections:
        raise ScorecardError(f"{path}: no [[sections]]: a scorecard needs at least one section with criteria")
    criteria: list[Criterion] = []
    section_names: dict[str, str] = {}
    index = 0  # position among all [[sections.criteria]] blocks, for line lookup
    for s_number, section in enumerate(sections):
        s_where = f"{path}:{locator.line('id', table='sections', occurrence=s_number)}: section {s_number + 1}"
        keys(
            section,
            SECTION_KEYS,
            lambda key, n=s_number: f"{path}:{locator.line(key, table='sections', occurrence=n)}: section {n + 1} ",
            ScorecardError,
        )
        s_id = _expect(section.get("id"), str, f"{s_where} id", "a text")
        section_names[s_id] = _expect(section.get("name", s_id), str, f"{s_where} name", "a text")
        for raw in section.get("criteria", []):
            occurrence = index
            index += 1

            def locate(key: str, params: bool = False, occurrence: int = occurrence) -> int:
                return locator.line(key, table="sections.criteria", occurrence=occurrence, params=params)

            c_id = raw.get("id", f"#{occurrence + 1}")

            def where(line: int, c_id: str = c_id) -> str:
                return f"{path}:{line}: criterion '{c_id}' "

            def field_(key: str, kind: type, what: str, default: Any = None, raw: dict = raw) -> Any:
                value = raw.get(key, default)
                if value is None:
                    raise ScorecardError(f"{where(locate(key))}{key}: is required")
                return _expect(value, kind, f"{where(locate(key))}{key}", what)

            keys(raw, CRITERION_KEYS, lambda key: where(locate(key)), ScorecardError)
            c_id = field_("id", str, "a text")
            if not _ID.match(c_id):
                raise ScorecardError(f"{where(locate('id'))}id: use lower-case letters, digits and _")
            if any(c.id == c_id for c in criteria):
                raise ScorecardError(f"{where(locate('id'))}id: used twice")
            category = field_("category", str, "a text")
            if category not in CATEGORIES:
                raise ScorecardError(f"{where(locate('category'))}category: must be one of {', '.join(CATEGORIES)}")
            weight = field_("weight", float, "a number")
            if weight < 0:
                raise ScorecardError(f"{where(locate('weight'))}weight: must not be negative")
            detector = field_("detector", str, "a text")
            if detector not in DETECTORS:
                raise ScorecardError(
                    f"{where(locate('detector'))}detector: unknown '{detector}' (known: {', '.join(sorted(DETECTORS))})"
                )
            media = tuple(field_("media", list, 'a list of "audio" and "text"', [AUDIO, TEXT]))
            if not media or any(m not in (AUDIO, TEXT) for m in media):
                raise ScorecardError(f'{where(locate("media"))}media: list "audio", "text" or both')
            criteria.append(
                Criterion(
                    id=c_id,
                    name=field_("name", str, "a text", c_id),
                    section=s_id,
                    category=category,
                    weight=weight,
                    critical=field_("critical", bool, "true or false", False),
                    detector=detector,
                    params=_check_params(detector, raw.get("params", {}), where, locate, strict),
                    description=field_("description", str, "a text", ""),
                    min_agreement=_share(raw, "min_agreement", f"{where(locate('min_agreement'))}min_agreement"),
                    media=media,
                )
            )
    if not criteria:
        raise ScorecardError(f"{path}: the scorecard has no criteria")
    if strict and not any(c.weight > 0 for c in criteria):
        line = locator.line("weight", table="sections.criteria", occurrence=0)
        raise ScorecardError(
            f"{path}:{line}: criterion '{criteria[0].id}' weight: "
            "every criterion weighs 0, so every call would score 100; give some a weight above 0"
        )
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    reactions = {
        key: tuple(Param(list).check(head.get(key, []), f"{path}:{locator.line(key)}: {key}"))
        for key in ("positive_reactions", "negative_reactions")
    }
    return Scorecard(
        card_id,
        name,
        path,
        digest,
        text,
        criteria,
        section_names,
        sentiment_weight,
        reactions["positive_reactions"],
        reactions["negative_reactions"],
        shares["min_agreement"],
        shares["abstain_below"],
        min_duration,
    )


def load_scorecard(path: str | Path) -> Scorecard:
    """Read and validate a scorecard file."""
    path = Path(path)
    text = read_text(path, "scorecard", ScorecardError)
    return parse_scorecard(text, str(path))


def default_scorecard_path() -> Path:
    """The scorecard that ships with qa-desktop."""
    return shipped_file("scorecards/default.toml")
