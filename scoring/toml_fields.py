"""Helpers for validating TOML settings files (scorecards, call drivers) with file:line messages."""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class ScorecardError(ValueError):
    """A scorecard file that cannot be used, with where and why."""


class TomlLocator:
    """Finds the line of a field in the TOML text, for error messages."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def line(self, key: str, *, table: str | None = None, occurrence: int = 0, params: bool = False) -> int:
        """1-based line of `key` in the `occurrence`-th `[[table]]` block (its header line if absent)."""
        start = 0
        if table is not None:
            headers = [i for i, line in enumerate(self.lines) if line.strip() == f"[[{table}]]"]
            if occurrence < len(headers):
                start = headers[occurrence]
        end = next(
            (i for i in range(start + 1, len(self.lines)) if self.lines[i].strip().startswith("[[")), len(self.lines)
        )
        if params:
            start = next((i for i in range(start, end) if self.lines[i].strip().endswith(".params]")), start)
        pattern = re.compile(rf"""^\s*(["']?){re.escape(key)}\1\s*=""")
        for i in range(start, end):
            if pattern.match(self.lines[i]):
                return i + 1
        header = re.compile(rf"^\s*\[\[?\s*{re.escape(key)}\s*\]\]?\s*(#.*)?$")  # a table of that name
        return next((i + 1 for i, line in enumerate(self.lines) if table is None and header.match(line)), start + 1)


def expect(
    value: Any, kind: type | tuple[type, ...], where: str, what: str, error: type[Exception] = ValueError
) -> Any:
    """`value` if it is of `kind` (an int passes for a float), else `error` saying where and what was wanted."""
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise error(f"{where}: must be {what}, not {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise error(f"{where}: must be a finite number, not {value!r}")
    return value


def check_keys(
    table: dict[str, Any], known: Collection[str], where: Callable[[str], str], error: type[Exception] = ValueError
) -> None:
    """`error` for the first key of `table` that is not `known`: a misspelt key must not be silently ignored.

    `where(key)` gives the message's start for that key (e.g. `file:line: criterion 'x' `)."""
    for key in table:
        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(sorted(known))}"
            raise error(f"{where(key)}{key}: unknown key ({hint})")


def read_text(path: Path, what: str, error: type[Exception]) -> str:
    """A settings file's text, or `error` naming the file and why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8-sig")  # a byte-order mark, as Windows editors write, is fine
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read the {what}: {exc}") from exc


def parse_toml(text: str, path: str, error: type[Exception]) -> dict[str, Any]:
    """The TOML text as a dict, or `error` naming the file and the TOML parser's line and reason."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from exc


_WHAT = {float: "a number", int: "a whole number", str: "a text", bool: "true or false"}


@dataclass(frozen=True)
class Param:
    """One detector parameter: its type, default, whether a scorecard must give it, and its allowed range.

    A required list must not be empty (a criterion with no phrases would fail every call)."""

    kind: type
    default: Any = None
    required: bool = False
    low: float | None = None  # smallest allowed number
    high: float | None = None  # largest allowed number
    choices: tuple[str, ...] = ()  # allowed texts

    def check(self, value: Any, where: str, strict: bool = True) -> Any:
        """The value converted to the parameter's type; ScorecardError naming `where` if it is wrong.

        Not `strict` (a scorecard stored with old scores): only the type is checked."""
        if self.kind is list:
            if not isinstance(value, list) or not all(isinstance(v, str) and (v.strip() or not strict) for v in value):
                raise ScorecardError(f"{where}: must be a list of non-empty texts")
            if strict and self.required and not value:
                raise ScorecardError(f"{where}: must list at least one phrase")
            return value
        value = expect(value, self.kind, where, _WHAT.get(self.kind, self.kind.__name__), ScorecardError)
        if not strict:
            return value
        if self.low is not None and value < self.low:
            raise ScorecardError(f"{where}: must be at least {self.low:g}, not {value!r}")
        if self.high is not None and value > self.high:
            raise ScorecardError(f"{where}: must be at most {self.high:g}, not {value!r}")
        if self.choices and value not in self.choices:
            raise ScorecardError(f"{where}: must be one of {', '.join(self.choices)}, not {value!r}")
        return value
