"""Call metadata (agent, team, call id, call time) from a CSV or from the file name.

A CSV's columns are mapped by header, with the usual names recorders and WFM exports use
(`agent`, `agent_name`, `rep` ...). A file name is read with a pattern such as
`{call_time}_{agent}_{team}_{call_id}`. Values from a CSV win over the file name.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

DEFAULT_NAME_PATTERN = "{call_time}_{agent}_{team}_{call_id}"
FIELDS = ("file", "agent", "team", "call_id", "call_time", "agent_channel")
HEADER_NAMES = {
    "file": ("file", "filename", "file_name", "path", "recording", "recording_file", "audio"),
    "agent": ("agent", "agent_name", "agentname", "rep", "representative", "employee", "user"),
    "team": ("team", "team_name", "group", "queue", "department", "skill"),
    "call_id": ("call_id", "callid", "id", "call", "interaction_id", "conversation_id", "contact_id"),
    "call_time": ("call_time", "calltime", "time", "date", "datetime", "start_time", "started_at", "timestamp"),
    "agent_channel": ("agent_channel", "channel"),
}
_COMPACT_TIME = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})[T _-](\d{2})[-:]?(\d{2})(?:[-:]?(\d{2}))?")
TIME_FORMATS = ("%d/%m/%Y %H:%M", "%d.%m.%Y %H:%M", "%Y/%m/%d %H:%M", "%Y%m%d")
_PATTERN_PARTS = {
    "agent": r"[^_/]+?", "team": r"[^_/]+?", "call_id": r"[^_/]+?",
    "call_time": r"\d{4}-?\d{2}-?\d{2}(?:[T _-]\d{2}[-:]?\d{2}(?:[-:]?\d{2})?)?", "skip": r"[^_/]*?",
}


class MetadataError(Exception):
    """A metadata source that cannot be used at all (missing file, no file column)."""


@dataclass
class CallMetadata:
    """What is known about a call besides its audio."""

    agent: str | None = None
    team: str | None = None
    call_id: str | None = None
    call_time: dt.datetime | None = None
    agent_channel: int | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def merged_over(self, base: "CallMetadata") -> "CallMetadata":
        """These values, falling back to `base` where this one has none."""
        return CallMetadata(
            self.agent or base.agent, self.team or base.team, self.call_id or base.call_id,
            self.call_time or base.call_time,
            self.agent_channel if self.agent_channel is not None else base.agent_channel,
            {**base.extra, **self.extra},
        )


def parse_time(text: str) -> dt.datetime:
    """A call time in ISO 8601 or a common recorder form; ValueError if it is neither."""
    text = text.strip()
    compact = _COMPACT_TIME.fullmatch(text)
    if compact:  # file-name forms such as 2026-11-02T09-15 or 20261102_091500
        year, month, day, hour, minute, second = (int(g) if g else 0 for g in compact.groups())
        return dt.datetime(year, month, day, hour, minute, second)
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        pass
    for fmt in TIME_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date and time (use ISO 8601, e.g. 2026-11-02 14:30)")


def _person_name(text: str) -> str:
    """File-name style 'maria-lopez' or 'maria.lopez' becomes 'Maria Lopez'; other names stay."""
    if text.islower() and re.fullmatch(r"[a-z]+([-.][a-z]+)*", text):
        return " ".join(part.capitalize() for part in re.split(r"[-.]", text))
    return text


def compile_name_pattern(pattern: str) -> re.Pattern[str]:
    """Turn '{call_time}_{agent}_{team}_{call_id}' into a regular expression over file stems."""
    regex, position = "", 0
    for match in re.finditer(r"\{(\w+)\}", pattern):
        name = match.group(1)
        if name not in _PATTERN_PARTS:
            raise MetadataError(f"unknown field {{{name}}} in file name pattern (use {', '.join(_PATTERN_PARTS)})")
        regex += re.escape(pattern[position:match.start()])
        regex += f"(?P<{name}>{_PATTERN_PARTS[name]})" if name != "skip" else _PATTERN_PARTS[name]
        position = match.end()
    return re.compile(regex + re.escape(pattern[position:]) + "$")


def from_file_name(path: Path, pattern: re.Pattern[str]) -> CallMetadata:
    """Metadata read from a file's name; empty when the name does not follow the pattern."""
    match = pattern.match(path.stem)
    if not match:
        return CallMetadata()
    values = match.groupdict()
    meta = CallMetadata(
        agent=_person_name(values["agent"]) if values.get("agent") else None,
        team=values.get("team") or None,
        call_id=values.get("call_id") or None,
    )
    if values.get("call_time"):
        try:
            meta.call_time = parse_time(values["call_time"])
        except ValueError:
            pass
    return meta


@dataclass
class MetadataTable:
    """Rows of a metadata CSV, looked up by file name, and the problems found in it."""

    source: Path
    rows: dict[str, CallMetadata]
    warnings: list[str]

    def lookup(self, path: Path) -> CallMetadata:
        """The row for a recording (matched by full path, then by file name), or empty metadata."""
        for key in (str(path.resolve()), path.name):
            if key in self.rows:
                return self.rows[key]
        return CallMetadata()


def _map_headers(headers: list[str]) -> dict[str, str]:
    normalised = {re.sub(r"[\s\-]+", "_", h.strip().lower()): h for h in headers}
    mapping = {}
    for field_name, names in HEADER_NAMES.items():
        for name in names:
            if name in normalised:
                mapping[field_name] = normalised[name]
                break
    return mapping


def _reader(handle: TextIO) -> csv.DictReader:
    """A DictReader with the file's own delimiter (comma, semicolon, tab or bar)."""
    sample = handle.read(4096)
    handle.seek(0)
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    return csv.DictReader(handle, dialect=dialect)


def csv_columns(path: Path | str) -> tuple[list[str], dict[str, str]]:
    """A metadata CSV's headers and the field -> header mapping guessed from them (for a mapping step)."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            headers = _reader(handle).fieldnames or []
    except (OSError, UnicodeDecodeError) as exc:
        raise MetadataError(f"{path}: cannot read the metadata file: {exc}") from exc
    return list(headers), _map_headers(list(headers))


def load_csv(path: Path | str, columns: dict[str, str] | None = None) -> MetadataTable:
    """Read a metadata CSV; `columns` maps our field names to headers where guessing is wrong."""
    path = Path(path)
    if not path.is_file():
        raise MetadataError(f"{path}: metadata file not found")
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = _reader(handle)
        headers = reader.fieldnames or []
        mapping = {**_map_headers(headers), **(columns or {})}
        if "file" not in mapping:
            raise MetadataError(
                f"{path}: no column names the recording (expected one of: {', '.join(HEADER_NAMES['file'])}); "
                f"found {', '.join(headers) or 'no header'}"
            )
        rows: dict[str, CallMetadata] = {}
        warnings: list[str] = []
        for line, record in enumerate(reader, start=2):
            meta, problems = _row_metadata(record, mapping)
            warnings += [f"{path.name} line {line}: {p}" for p in problems]
            file_value = (record.get(mapping["file"]) or "").strip()
            if not file_value:
                warnings.append(f"{path.name} line {line}: no recording named in column '{mapping['file']}'")
                continue
            target = Path(file_value)
            key = str((path.parent / target).resolve()) if target.parent != Path(".") else target.name
            rows[key] = meta
    return MetadataTable(path, rows, warnings)


def _row_metadata(record: dict[str, str], mapping: dict[str, str]) -> tuple[CallMetadata, list[str]]:
    def value(name: str) -> str | None:
        header = mapping.get(name)
        text = (record.get(header) or "").strip() if header else ""
        return text or None

    problems: list[str] = []
    meta = CallMetadata(agent=value("agent"), team=value("team"), call_id=value("call_id"))
    if (time_text := value("call_time")) is not None:
        try:
            meta.call_time = parse_time(time_text)
        except ValueError as exc:
            problems.append(f"column '{mapping['call_time']}': {exc}; call time left empty")
    if (channel := value("agent_channel")) is not None:
        if channel in ("0", "1"):
            meta.agent_channel = int(channel)
        else:
            problems.append(f"column '{mapping['agent_channel']}': '{channel}' is not 0 or 1; using the default")
    used = set(mapping.values())
    meta.extra = {k: v for k, v in record.items() if k and k not in used and v}
    return meta, problems
