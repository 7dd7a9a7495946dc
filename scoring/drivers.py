"""Call drivers: why customers call, tagged from what was said with keyword categories from a TOML file.

A driver tags a call when its keywords are said `min_mentions` times (either speaker); the
most-mentioned driver is the call's primary one (it sets the expected handle time) and tags the
call from one mention when nothing reaches `min_mentions`. Errors name the file, line and field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property, partial
from pathlib import Path
from typing import Any, TypeVar

from .resources import shipped_file
from .text import normalise
from .toml_fields import TomlLocator, check_keys, expect, parse_toml, read_text

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_T = TypeVar("_T")


class DriversError(ValueError):
    """A call-drivers file that cannot be used, with where and why."""


@dataclass(frozen=True)
class Driver:
    """One reason for calling."""

    id: str
    name: str
    expected_handle_time_s: float
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class DriverTag:
    """A driver found in a call: how often its keywords were said, and whether it is the call's main one."""

    driver: str
    mentions: int
    primary: bool


@dataclass(frozen=True)
class DriverSet:
    """A validated call-drivers file."""

    id: str
    name: str
    path: str
    min_mentions: int
    drivers: tuple[Driver, ...]

    @cached_property
    def _patterns(self) -> dict[str, re.Pattern[str]]:
        return {
            d.id: re.compile(
                "|".join(
                    rf"(?<![a-z0-9]){re.escape(k)}(?:s|es)?(?![a-z0-9])"
                    for k in sorted(d.keywords, key=len, reverse=True)
                )
            )
            for d in self.drivers
        }

    def driver(self, driver_id: str) -> Driver:
        """The driver with this id (KeyError if none)."""
        for d in self.drivers:
            if d.id == driver_id:
                return d
        raise KeyError(driver_id)

    def mentions(self, texts: Iterable[str]) -> dict[str, int]:
        """How often each driver's keywords are said in these texts (drivers not mentioned are left out)."""
        text = " | ".join(normalise(t) for t in texts)
        counts = {d.id: len(self._patterns[d.id].findall(text)) for d in self.drivers}
        return {driver: n for driver, n in counts.items() if n}

    def tag(self, texts: Iterable[str]) -> list[DriverTag]:
        """The drivers of a call from its utterances' texts, primary first."""
        return self.choose(self.mentions(texts))

    def choose(self, mentions: dict[str, int]) -> list[DriverTag]:
        """The tags that keyword mention counts give, primary first (file order breaks ties)."""
        order = [d.id for d in self.drivers]
        counts = sorted(((d, n) for d, n in mentions.items() if n), key=lambda c: (-c[1], order.index(c[0])))
        if not counts:
            return []
        kept = [c for c in counts if c[1] >= self.min_mentions] or counts[:1]
        return [DriverTag(driver, mentions, i == 0) for i, (driver, mentions) in enumerate(kept)]


def parse_drivers(text: str, path: str = "<drivers>") -> DriverSet:
    """Validate call-drivers TOML text; DriversError names the file, line and field of a problem."""
    data = parse_toml(text, path, DriversError)
    locator = TomlLocator(text)
    check_keys(data, ("call_drivers", "drivers"), lambda key: f"{path}:{locator.line(key)}: ", DriversError)
    head = data.get("call_drivers", {})
    if not isinstance(head, dict):
        raise DriversError(f"{path}:{locator.line('call_drivers')}: call_drivers: must be a table")
    check_keys(
        head, ("id", "name", "min_mentions"), lambda key: f"{path}:{locator.line(key)}: call_drivers.", DriversError
    )

    def entry(key: str, occurrence: int) -> str:
        return f"{path}:{locator.line(key, table='drivers', occurrence=occurrence)}: drivers[{occurrence + 1}]."

    def field(table: dict, key: str, kind: type[_T], what: str, default: _T | None = None, occurrence: int = -1) -> _T:
        where = entry(key, occurrence) + key if occurrence >= 0 else f"{path}:{locator.line(key)}: call_drivers.{key}"
        if key not in table and default is None:
            raise DriversError(f"{where}: required")
        return expect(table.get(key, default), kind, where, what, DriversError)

    min_mentions = field(head, "min_mentions", int, "a whole number", 2)
    if min_mentions < 1:
        raise DriversError(f"{path}:{locator.line('min_mentions')}: call_drivers.min_mentions: must be at least 1")
    entries = data.get("drivers")
    if not isinstance(entries, list) or not entries:
        raise DriversError(f"{path}: no [[drivers]] defined")
    drivers: list[Driver] = []
    for n, raw in enumerate(entries):
        check_keys(
            raw, ("id", "name", "expected_handle_time_s", "keywords"), partial(entry, occurrence=n), DriversError
        )
        drivers.append(_driver(raw, partial(field, raw, occurrence=n), partial(entry, occurrence=n), drivers))
    return DriverSet(
        str(head.get("id", "drivers")), str(head.get("name", "Call drivers")), path, min_mentions, tuple(drivers)
    )


def _driver(raw: dict, field: Callable[..., Any], entry: Callable[[str], str], before: list[Driver]) -> Driver:
    """One [[drivers]] entry; `field(key, kind, what, default)` reads a checked value, `entry(key)` locates one."""
    d_id = field("id", str, "a text")
    if not _ID.match(d_id) or any(d.id == d_id for d in before):
        problem = "is used twice" if any(d.id == d_id for d in before) else "must be lower case letters, digits and _"
        raise DriversError(f"{entry('id')}id: '{d_id}' {problem}")
    expected = field("expected_handle_time_s", float, "a number of seconds")
    if expected <= 0:
        raise DriversError(f"{entry('expected_handle_time_s')}expected_handle_time_s: must be more than 0")
    keywords = field("keywords", list, "a list of words or phrases")
    normalised = tuple(k for k in dict.fromkeys(normalise(str(k)) for k in keywords) if k)
    if not normalised or not all(isinstance(k, str) for k in keywords):
        raise DriversError(f"{entry('keywords')}keywords: must be a non-empty list of texts")
    return Driver(d_id, field("name", str, "a text", d_id), expected, normalised)


def load_drivers(path: str | Path | None = None) -> DriverSet:
    """Read and validate a call-drivers file (the one that ships when no path is given)."""
    path = Path(path) if path else default_drivers_path()
    text = read_text(path, "call drivers", DriversError)
    return parse_drivers(text, str(path))


def default_drivers_path() -> Path:
    """The call-drivers file that ships with qa-desktop."""
    return shipped_file("drivers.toml")
