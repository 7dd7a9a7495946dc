"""Call metadata (agent, team, call id, call time) from a CSV or from the file name.

A CSV's columns are mapped by header, with the usual names recorders and WFM exports use
(`agent`, `agent_name`, `rep` ...). A file name is read with a pattern such as
`{call_time}_{agent}_{team}_{call_id}`. Values from a CSV win over the file name.

Nothing in a CSV is guessed silently: its encoding is detected and named when it is not UTF-8;
a date such as 11/02/2026 is read day- or month-first only when a date format is given or the file's
other dates show the order (else the file is refused, naming the rows); rows that are ragged, hold
NUL bytes, or contradict another row for the same recording are left out with a warning naming them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

from qa_desktop.services.text_decoding import NAMES, TextDecodeError, decode_text
from qa_desktop.storage.call_metadata import CallMetadata
from scoring.redact import redact_text

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
TIME_FORMATS = ("%d.%m.%Y %H:%M", "%d.%m.%Y", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y%m%d")
# 11/02/2026 09:15 or 11-02-2026: day or month first? Named by a date format "dmy" or "mdy".
_NUMERIC_DATE = re.compile(r"(\d{1,2})([/-])(\d{1,2})\2(\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
DATE_ORDERS = {"dmy": "day first (31/12/2026)", "mdy": "month first (12/31/2026)"}
_PATTERN_PARTS = {
    "agent": r"[^_/]+?",
    "team": r"[^_/]+?",
    "call_id": r"[^_/]+?",
    "call_time": r"\d{4}-?\d{2}-?\d{2}(?:[T _-]\d{2}[-:]?\d{2}(?:[-:]?\d{2})?)?",
    "skip": r"[^_/]*?",
}


class MetadataError(Exception):
    """A metadata source that cannot be used at all (missing file, no file column)."""


class AmbiguousDate(ValueError):
    """A date that reads as a valid day-first and a valid month-first date."""


def _numeric_date(match: re.Match[str], order: str) -> dt.datetime:
    first, _, second, year, hour, minute, sec = match.groups()
    day, month = (first, second) if order == "dmy" else (second, first)
    return dt.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(sec or 0))


def date_order(text: str) -> str | None:
    """'dmy' or 'mdy' when a numeric date shows its order (a part above 12), else None."""
    match = _NUMERIC_DATE.fullmatch(text.strip())
    if not match:
        return None
    first, second = int(match.group(1)), int(match.group(3))
    return "dmy" if first > 12 >= second else "mdy" if second > 12 >= first else None


def parse_time(text: str, date_format: str | None = None) -> dt.datetime:
    """A call time in ISO 8601 or a common recorder form; ValueError if it is neither.

    `date_format` is "dmy" or "mdy" (the order of 11/02/2026-style dates) or a strptime format;
    without one, a numeric date that reads both ways raises AmbiguousDate."""
    text = text.strip()
    if date_format and date_format not in DATE_ORDERS:
        try:
            return dt.datetime.strptime(text, date_format)
        except ValueError as exc:
            raise ValueError(f"'{text}' does not match the date format '{date_format}'") from exc
    compact = _COMPACT_TIME.fullmatch(text)
    if compact:  # file-name forms such as 2026-11-02T09-15 or 20261102_091500
        year, month, day, hour, minute, second = (int(g) if g else 0 for g in compact.groups())
        return dt.datetime(year, month, day, hour, minute, second)
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        pass
    if numeric := _NUMERIC_DATE.fullmatch(text):
        order = date_format or date_order(text)
        if order is None and numeric.group(1) != numeric.group(3):
            raise AmbiguousDate(f"'{text}' could be day-first or month-first")
        try:
            return _numeric_date(numeric, order or "dmy")
        except ValueError as exc:
            raise ValueError(f"'{text}' is not a valid {DATE_ORDERS[order or 'dmy']} date") from exc
    for fmt in TIME_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date and time (use ISO 8601, e.g. 2026-11-02 14:30)")


def _person_name(text: str) -> str:
    """File-name style 'maria-lopez' or 'maria.lopez' becomes 'Maria Lopez' (teams too: 'billing' is
    'Billing'); other names stay."""
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
        regex += re.escape(pattern[position : match.start()])
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
        team=_person_name(values["team"]) if values.get("team") else None,
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
    encoding: str = "utf-8"

    def lookup(self, path: Path) -> CallMetadata:
        """The row for a recording (matched by full path, then by file name), or empty metadata."""
        for key in (str(path.resolve()), path.name):
            if key in self.rows:
                return self.rows[key]
        return CallMetadata()

    def covers(self, path: Path) -> bool:
        """Whether the CSV has a row for this recording."""
        return str(path.resolve()) in self.rows or path.name in self.rows


def call_metadata(path: Path, table: MetadataTable | None, pattern: re.Pattern[str] | None) -> CallMetadata:
    """What an import stores for a file: its CSV row (if any) over what its name says."""
    from_name = from_file_name(path, pattern) if pattern else CallMetadata()
    from_csv = table.lookup(path) if table else CallMetadata()
    return from_csv.merged_over(from_name)


def _map_headers(headers: list[str]) -> dict[str, str]:
    normalised = {re.sub(r"[\s\-]+", "_", h.strip().lower()): h for h in headers}
    mapping = {}
    for field_name, names in HEADER_NAMES.items():
        for name in names:
            if name in normalised:
                mapping[field_name] = normalised[name]
                break
    return mapping


def _read(path: Path, encoding: str | None) -> tuple[csv.DictReader, str]:
    """A DictReader over the file's text with its own delimiter (comma, semicolon, tab or bar), and the encoding."""
    if not path.is_file():
        raise MetadataError(f"{path}: metadata file not found")
    try:
        text, used = decode_text(path.read_bytes(), str(path), encoding)
    except OSError as exc:
        raise MetadataError(f"{path}: cannot read the metadata file: {exc}") from exc
    except TextDecodeError as exc:
        raise MetadataError(str(exc)) from exc
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    return csv.DictReader(io.StringIO(text, newline=""), dialect=dialect), used


def csv_columns(path: Path | str, encoding: str | None = None) -> tuple[list[str], dict[str, str]]:
    """A metadata CSV's headers and the field -> header mapping guessed from them (for a mapping step)."""
    path = Path(path)
    reader, _ = _read(path, encoding)
    try:
        headers = list(reader.fieldnames or [])
    except csv.Error as exc:
        raise MetadataError(f"{path} line 1: {exc}") from exc
    return headers, _map_headers(headers)


def is_metadata_csv(path: Path) -> bool:
    """Whether a file reads as a metadata CSV: its header names the recordings (as `load_csv` guesses it)."""
    try:
        return "file" in csv_columns(path)[1]
    except MetadataError:
        return False


def load_csv(
    path: Path | str,
    columns: dict[str, str] | None = None,
    *,
    date_format: str | None = None,
    encoding: str | None = None,
) -> MetadataTable:
    """Read a metadata CSV; `columns` maps our field names to headers where guessing is wrong.

    `date_format` is "dmy", "mdy" or a strptime format for the call times; `encoding` forces one."""
    path = Path(path)
    reader, used = _read(path, encoding)
    headers = reader.fieldnames or []
    mapping = {**_map_headers(headers), **(columns or {})}
    if "file" not in mapping:
        raise MetadataError(
            f"{path}: no column names the recording (expected one of: {', '.join(HEADER_NAMES['file'])}); "
            f"found {', '.join(headers) or 'no header'}"
        )
    warnings = (
        [f"{path.name}: not UTF-8, read as {NAMES[used]} (give the encoding if that is wrong)"]
        if encoding is None and used in ("cp1252", "latin-1")
        else []
    )  # a guess: say so
    records = _records(path, reader, len(headers), warnings)
    date_format = date_format or _file_date_order(path, records, mapping)
    rows: dict[str, tuple[int, CallMetadata]] = {}
    conflicts: dict[str, list[int]] = {}
    for line, record in records:
        meta, problems = _row_metadata(record, mapping, date_format)
        warnings += [f"{path.name} line {line}: {p}" for p in problems]
        file_value = (record.get(mapping["file"]) or "").strip()
        if not file_value:
            warnings.append(f"{path.name} line {line}: no recording named in column '{mapping['file']}'")
            continue
        target = Path(file_value)
        key = str((path.parent / target).resolve()) if target.parent != Path(".") else target.name
        if key in rows and rows[key][1] != meta:
            conflicts.setdefault(key, [rows[key][0]]).append(line)
        rows.setdefault(key, (line, meta))
    for key, lines in conflicts.items():
        del rows[key]
        warnings.append(
            f"{path.name} lines {', '.join(map(str, lines))}: rows for {Path(key).name} disagree; "
            "neither is used (fix the file and import again)"
        )
    return MetadataTable(path, {key: meta for key, (_, meta) in rows.items()}, warnings, used)


def _records(path: Path, reader: csv.DictReader, width: int, warnings: list[str]) -> list[tuple[int, dict]]:
    """(line, record) of every usable row; ragged rows and rows with NUL bytes are left out with a warning."""
    records = []
    try:
        for record in reader:
            line = reader.line_num
            values = [v for k, v in record.items() if k is not None] + record.get(None, [])
            count = sum(v is not None for v in values)
            if count != width:
                warnings.append(
                    f"{path.name} line {line}: {count} values where the header has {width} columns; row left out"
                )
            elif any("\x00" in v for v in values):
                warnings.append(f"{path.name} line {line}: holds NUL bytes (a binary file?); row left out")
            else:
                records.append((line, record))
    except csv.Error as exc:
        reason = (
            f"a field is longer than {csv.field_size_limit()} characters (is a quote left open?)"
            if "field limit" in str(exc)
            else str(exc)
        )
        raise MetadataError(f"{path} line {reader.line_num}: {reason}") from exc
    return records


def _file_date_order(path: Path, records: list[tuple[int, dict]], mapping: dict[str, str]) -> str | None:
    """The order of the file's numeric dates, as its unambiguous ones show; MetadataError naming the rows
    whose dates read both ways when nothing shows it."""
    header = mapping.get("call_time")
    texts = [(line, (record.get(header) or "").strip()) for line, record in records] if header else []
    shown = {order: line for line, text in texts if (order := date_order(text))}
    if len(shown) == 1:
        return next(iter(shown))
    if len(shown) == 2:
        raise MetadataError(
            f"{path} lines {shown['dmy']} and {shown['mdy']}: dates are day-first on one and "
            "month-first on the other; fix the file or give the date format"
        )
    ambiguous = []
    for line, text in texts:
        try:
            parse_time(text)
        except AmbiguousDate:
            ambiguous.append((line, text))
        except ValueError:
            pass
    if not ambiguous:
        return None
    lines = ", ".join(str(line) for line, _ in ambiguous[:8]) + (" …" if len(ambiguous) > 8 else "")
    raise MetadataError(
        f"{path} line{'s' * (len(ambiguous) > 1)} {lines}: dates such as '{ambiguous[0][1]}' could be day-first or "
        "month-first; say which (--date-format dmy or mdy; in the app, Dates in the import dialog)"
    )


def _row_metadata(
    record: dict[str, str], mapping: dict[str, str], date_format: str | None = None
) -> tuple[CallMetadata, list[str]]:
    def value(name: str) -> str | None:
        header = mapping.get(name)
        text = (record.get(header) or "").strip() if header else ""
        return text or None

    problems: list[str] = []
    meta = CallMetadata(agent=value("agent"), team=value("team"), call_id=value("call_id"))
    if (time_text := value("call_time")) is not None:
        try:
            meta.call_time = parse_time(time_text, date_format)
        except ValueError as exc:  # it quotes the cell: card data there is shown redacted
            reason = str(exc).replace(time_text, redact_text(time_text))
            problems.append(f"column '{mapping['call_time']}': {reason}; call time left empty")
    if (channel := value("agent_channel")) is not None:
        if channel in ("0", "1"):
            meta.agent_channel = int(channel)
        else:
            shown = redact_text(channel)
            problems.append(f"column '{mapping['agent_channel']}': '{shown}' is not 0 or 1; using the default")
    used = set(mapping.values())
    meta.extra = {k: v for k, v in record.items() if k and k not in used and v}
    return meta, problems
