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


def parse_scorecard(text: str, path: str = "<scorecard>", *, strict: bool = True) -> Scorecard:
    """Validate scorecard TOML text; ScorecardError names the file, line and field of a problem.

    Not `strict`: a scorecard stored with the scores it gave, read back to explain them; it was
    accepted by an older version, so only what reading it needs is checked (not unknown keys, ranges)."""
    reader = _Reader(path, TomlLocator(text), strict)
    data = parse_toml(text, path, ScorecardError)
    reader.keys(data, TOP_KEYS, lambda key: reader.at(key))
    head = data.get("scorecard")
    if not isinstance(head, dict):
        raise ScorecardError(f"{path}:1: [scorecard] table with id and name is missing")
    reader.keys(head, HEAD_KEYS, lambda key: f"{reader.at(key)}scorecard.")
    card_id = _expect(head.get("id"), str, f"{reader.at('id')}scorecard.id", "a text")
    name = _expect(head.get("name", card_id), str, f"{reader.at('name')}scorecard.name", "a text")
    sentiment_weight = reader.number(head, "empathy_sentiment_weight", 0.0, "a number", share=True)
    min_duration = reader.number(head, "min_duration_s", DEFAULT_MIN_DURATION_S, "a number of seconds")
    min_agreement = reader.number(head, "min_agreement", 0.8, "a number", share=True)
    abstain_below = reader.number(head, "abstain_below", 0.4, "a number", share=True)
    criteria, section_names = reader.sections(data.get("sections"))
    reactions = {
        key: tuple(Param(list).check(head.get(key, []), f"{reader.at(key)}{key}"))
        for key in ("positive_reactions", "negative_reactions")
    }
    return Scorecard(
        card_id,
        name,
        path,
        hashlib.sha256(text.encode("utf-8")).hexdigest(),
        text,
        criteria,
        section_names,
        sentiment_weight,
        reactions["positive_reactions"],
        reactions["negative_reactions"],
        min_agreement,
        abstain_below,
        min_duration,
    )


@dataclass
class _Reader:
    """Reads one scorecard's tables, naming the file and line of each problem."""

    path: str
    locator: TomlLocator
    strict: bool

    def at(self, key: str) -> str:
        """`file:line: ` of a top-level or [scorecard] key."""
        return f"{self.path}:{self.locator.line(key)}: "

    def keys(self, table: dict, known: tuple[str, ...], where: Callable[[str], str]) -> None:
        """Unknown keys are an error (strict reading only)."""
        if self.strict:
            check_keys(table, known, where, ScorecardError)

    def number(self, head: dict, key: str, default: float, what: str, *, share: bool = False) -> float:
        """A [scorecard] number: between 0 and 1 (a `share`), else not negative."""
        value = _expect(head.get(key, default), float, f"{self.at(key)}{key}", what)
        if share and not 0 <= value <= 1:
            raise ScorecardError(f"{self.at(key)}{key}: must be between 0 and 1")
        if value < 0:
            raise ScorecardError(f"{self.at(key)}{key}: must not be negative")
        return value

    def sections(self, sections: Any) -> tuple[list[Criterion], dict[str, str]]:
        """Every section's criteria, in file order, and the sections' names."""
        if not isinstance(sections, list) or not sections:
            raise ScorecardError(f"{self.path}: no [[sections]]: a scorecard needs at least one section with criteria")
        criteria: list[Criterion] = []
        names: dict[str, str] = {}
        for number, section in enumerate(sections):
            line = self.locator.line("id", table="sections", occurrence=number)

            def where(key: str, n: int = number) -> str:
                return f"{self.path}:{self.locator.line(key, table='sections', occurrence=n)}: section {n + 1} "

            self.keys(section, SECTION_KEYS, where)
            section_id = _expect(section.get("id"), str, f"{self.path}:{line}: section {number + 1} id", "a text")
            names[section_id] = _expect(
                section.get("name", section_id), str, f"{self.path}:{line}: section {number + 1} name", "a text"
            )
            for raw in section.get("criteria", []):
                criteria.append(self.criterion(raw, len(criteria), section_id, criteria))
        if not criteria:
            raise ScorecardError(f"{self.path}: the scorecard has no criteria")
        if self.strict and not any(c.weight > 0 for c in criteria):
            line = self.locator.line("weight", table="sections.criteria", occurrence=0)
            raise ScorecardError(
                f"{self.path}:{line}: criterion '{criteria[0].id}' weight: "
                "every criterion weighs 0, so every call would score 100; give some a weight above 0"
            )
        return criteria, names

    def criterion(self, raw: dict, occurrence: int, section_id: str, before: list[Criterion]) -> Criterion:
        """One [[sections.criteria]] block (the `occurrence`-th in the file)."""

        def locate(key: str, params: bool = False) -> int:
            return self.locator.line(key, table="sections.criteria", occurrence=occurrence, params=params)

        def where(line: int, c_id: str = raw.get("id", f"#{occurrence + 1}")) -> str:
            return f"{self.path}:{line}: criterion '{c_id}' "

        def field_(key: str, kind: type, what: str, default: Any = None) -> Any:
            value = raw.get(key, default)
            if value is None:
                raise ScorecardError(f"{where(locate(key))}{key}: is required")
            return _expect(value, kind, f"{where(locate(key))}{key}", what)

        def check(key: str, ok: object, problem: str) -> None:
            if not ok:
                raise ScorecardError(f"{where(locate(key))}{key}: {problem}")

        self.keys(raw, CRITERION_KEYS, lambda key: where(locate(key)))
        c_id = field_("id", str, "a text")
        check("id", _ID.match(c_id), "use lower-case letters, digits and _")
        check("id", all(c.id != c_id for c in before), "used twice")
        category = field_("category", str, "a text")
        check("category", category in CATEGORIES, f"must be one of {', '.join(CATEGORIES)}")
        weight = field_("weight", float, "a number")
        check("weight", weight >= 0, "must not be negative")
        detector = field_("detector", str, "a text")
        check("detector", detector in DETECTORS, f"unknown '{detector}' (known: {', '.join(sorted(DETECTORS))})")
        media = tuple(field_("media", list, 'a list of "audio" and "text"', [AUDIO, TEXT]))
        check("media", media and all(m in (AUDIO, TEXT) for m in media), 'list "audio", "text" or both')
        return Criterion(
            id=c_id,
            name=field_("name", str, "a text", c_id),
            section=section_id,
            category=category,
            weight=weight,
            critical=field_("critical", bool, "true or false", False),
            detector=detector,
            params=_check_params(detector, raw.get("params", {}), where, locate, self.strict),
            description=field_("description", str, "a text", ""),
            min_agreement=_share(raw, "min_agreement", f"{where(locate('min_agreement'))}min_agreement"),
            media=media,
        )


def load_scorecard(path: str | Path) -> Scorecard:
    """Read and validate a scorecard file."""
    path = Path(path)
    text = read_text(path, "scorecard", ScorecardError)
    return parse_scorecard(text, str(path))


def default_scorecard_path() -> Path:
    """The scorecard that ships with qa-desktop."""
    return shipped_file("scorecards/default.toml")
