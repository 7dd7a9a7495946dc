"""Text conversations (chats, emails, tickets) read from transcript files, to be scored like calls.

Two formats:
- `.json` in the shape `qa-desktop transcribe --json` prints: an object whose `transcript` lists
  utterances with `speaker` and `text` (`start`, `end` and `words` may be missing), or that list alone;
- `.csv` with columns `speaker,text` and optional `start,end` (headers matched by their usual names,
  e.g. `author`/`sender`, `message`/`body`, `timestamp`), times in seconds, m:ss or dates and times.

Speakers are roles (`agent`, `customer` and the usual aliases such as `end-user` or `visitor`), or, for
exports that name people, the agent's names given as agent speakers: everyone else is the customer.
A conversation without times gets times estimated from each message's length (`timed` is False).
The text goes through the same redaction step as transcribed calls before anyone sees it.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .analysis import CallAnalysis, redacted
from .audio import EMPTY_FILE, AudioError
from .redact import redact_text
from .transcript import AGENT, CUSTOMER, TEXT, Transcript, Utterance, Word

TEXT_EXTENSIONS = (".json", ".csv")
SECONDS_PER_WORD = 0.4  # an untimed message is given the time it takes to say (150 words a minute)
MIN_MESSAGE_S = 1.0
DATES_FROM = dt.datetime(2000, 1, 1, tzinfo=dt.UTC).timestamp()  # times this large came from dates
ROLE_NAMES = {
    AGENT: ("agent", "rep", "representative", "advisor", "operator", "support", "staff", "admin"),
    CUSTOMER: (
        "customer",
        "client",
        "caller",
        "visitor",
        "user",
        "end-user",
        "end_user",
        "enduser",
        "requester",
        "contact",
    ),
}
HEADER_NAMES = {
    "speaker": ("speaker", "role", "author", "sender", "from", "participant", "author_type", "sender_type", "who"),
    "text": ("text", "message", "body", "content", "comment", "utterance"),
    "start": ("start", "start_s", "time", "timestamp", "sent_at", "created_at", "date", "datetime"),
    "end": ("end", "end_s", "end_time"),
}


NAMING_THE_AGENT = "--agent-speaker NAME, or Settings: Agents in chat transcripts"  # where the agent is named


class TranscriptFileError(AudioError):
    """A transcript file that cannot be used as a conversation; the message says why (the caller adds the
    file name). An AudioError, so every import path reports it like a bad recording and goes on."""


@dataclass(frozen=True)
class _Message:
    where: str  # "line 3" or "utterance 2", for messages
    speaker: str
    text: str
    start: float | None
    end: float | None
    words: list[Word]


def is_transcript_file(path: Path) -> bool:
    """Whether a file's extension is one of the transcript formats."""
    return path.suffix.lower() in TEXT_EXTENSIONS


def looks_like_transcript(path: Path) -> bool:
    """Whether a file found in a folder is meant as a transcript: a CSV with speaker and text columns, an empty
    file or a JSON that does not parse (reported as broken rather than passed over) or a JSON that holds
    utterances. A metadata CSV or another JSON beside the recordings is passed over (a file named on its own is
    always read)."""
    try:
        if path.suffix.lower() == ".csv":
            with open(path, newline="", encoding="utf-8-sig") as handle:
                start = handle.read(4096)
            return not start.strip() or {"speaker", "text"} <= set(_column_map(_reader(start).fieldnames or []))
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, csv.Error, json.JSONDecodeError):
        return True
    items = data.get("transcript") if isinstance(data, dict) else data
    return isinstance(items, list) and (not items or (isinstance(items[0], dict) and "speaker" in items[0]))


def load_conversation(
    path: Path | str, agent_speakers: Iterable[str] = (), naming: str = NAMING_THE_AGENT
) -> CallAnalysis:
    """Read a transcript file into a redacted text conversation; raises TranscriptFileError saying what is wrong
    (`naming`: where the caller names the agent, said when a speaker is neither agent nor customer)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise TranscriptFileError("file not found") from None
    except OSError as exc:
        raise TranscriptFileError(f"cannot be read ({exc.strerror or exc})") from None
    if not raw:
        raise TranscriptFileError(EMPTY_FILE)  # as `ingest` says it (`check_file`)
    if not raw.strip():
        raise TranscriptFileError("no messages: only blank space")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TranscriptFileError(f"not UTF-8 text (byte {exc.start})") from None
    header: dict[str, Any] = {}
    if path.suffix.lower() == ".json":
        header, messages = _json_messages(text)
    elif path.suffix.lower() == ".csv":
        messages = _csv_messages(text)
    else:
        raise TranscriptFileError(f"unsupported transcript format '{path.suffix}' (supported: json, csv)")
    messages = [m for m in messages if m.text]
    if not messages:
        raise TranscriptFileError("no messages: every row or utterance is empty")
    roles = _roles(messages, [name.strip().lower() for name in agent_speakers if name.strip()], naming)
    utterances, timed = _timed_utterances(messages, roles)
    transcript = Transcript(
        str(path),
        max(u.end for u in utterances),
        0,
        0,
        hashlib.sha256(raw).hexdigest(),
        str(header.get("model") or ""),
        str(header.get("device") or ""),
        utterances,
        TEXT,
        timed,
    )
    return CallAnalysis(redacted(transcript), {})


def _json_messages(text: str) -> tuple[dict[str, Any], list[_Message]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TranscriptFileError(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    header = data if isinstance(data, dict) else {}
    items = data.get("transcript") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise TranscriptFileError(
            "no 'transcript' list of utterances (the shape `qa-desktop transcribe --json` prints)"
        )
    messages = []
    for number, item in enumerate(items, start=1):
        where = f"utterance {number}"
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("speaker"), str)
            or not isinstance(item.get("text"), str)
        ):
            raise TranscriptFileError(f"{where}: needs a 'speaker' and a 'text' (both texts)")
        start, end = (_seconds(item.get(key), where, key) for key in ("start", "end"))
        messages.append(
            _Message(where, item["speaker"], item["text"].strip(), start, end, _words(item.get("words"), where))
        )
    return header, messages


def _words(value: Any, where: str) -> list[Word]:
    if value is None:
        return []
    try:
        return [Word(float(w["start"]), float(w["end"]), str(w["word"]), float(w.get("p", 1.0))) for w in value]
    except (TypeError, KeyError, ValueError):
        raise TranscriptFileError(f"{where}: 'words' must be a list of {{start, end, word, p}}") from None


def _reader(text: str) -> csv.DictReader:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    return csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)


def _column_map(headers: Sequence[str]) -> dict[str, str]:
    normalised = {re.sub(r"[\s\-]+", "_", h.strip().lower()): h for h in headers if h}
    mapping = {}
    for column, names in HEADER_NAMES.items():
        found = next((normalised[n] for n in names if n in normalised), None)
        if found is not None:
            mapping[column] = found
    return mapping


def _csv_messages(text: str) -> list[_Message]:
    try:
        reader = _reader(text)
        headers = reader.fieldnames or []
        mapping = _column_map(headers)
        missing = [c for c in ("speaker", "text") if c not in mapping]
        if missing:
            raise TranscriptFileError(
                f"missing column{'s' * (len(missing) > 1)} {' and '.join(missing)} (expected speaker,text and "
                f"optional start,end); found {', '.join(h for h in headers if h) or 'no header'}"
            )
        messages = []
        for record in reader:
            where = f"line {reader.line_num}"
            value = {column: (record.get(header) or "").strip() for column, header in mapping.items()}
            start, end = (_seconds(value.get(key) or None, where, key) for key in ("start", "end"))
            messages.append(_Message(where, value["speaker"], value["text"], start, end, []))
    except csv.Error as exc:
        raise TranscriptFileError(f"not a readable CSV file ({exc})") from None
    return messages


_CLOCK = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)")


def _seconds(value: Any, where: str, key: str) -> float | None:
    """A time as seconds: a number, h:mm:ss or m:ss, or a date and time (seconds since 1970, made relative
    later); None when not given."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return float(text)
        except ValueError:
            pass
        if clock := _CLOCK.fullmatch(text):
            hours, minutes, seconds = clock.groups()
            return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
        try:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).timestamp()
    raise TranscriptFileError(f"{where}: {key} {_cell(value)} is not a time (seconds, m:ss or a date and time)")


def _roles(messages: list[_Message], agent_names: list[str], naming: str) -> list[str]:
    """Each message's role; the agent's names, then role words; everyone else is the customer when names are given."""
    roles: list[str] = []
    unknown: dict[str, str] = {}  # speaker: where first seen
    for message in messages:
        speaker = message.speaker.strip().lower()
        role = (
            AGENT
            if speaker in agent_names
            else next((r for r, names in ROLE_NAMES.items() if speaker in names), CUSTOMER if agent_names else None)
        )
        if role is None:
            unknown.setdefault(message.speaker.strip(), message.where)
        else:
            roles.append(role)
    if unknown:
        listed = ", ".join(f"{_cell(name)} ({where})" for name, where in list(unknown.items())[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise TranscriptFileError(
            f"unknown speaker{'s' * (len(unknown) > 1)} {listed}{more}: speakers must be "
            f"agent or customer, or name the agent ({naming}) and everyone else is the customer"
        )
    if AGENT not in roles and agent_names:
        raise TranscriptFileError(
            f"no message from the agent speaker {', '.join(agent_names)}; speakers found: "
            f"{', '.join(sorted({_cell(m.speaker.strip()) for m in messages}))}"
        )
    return roles


def _cell(text: str) -> str:
    """A cell of the file quoted in an error message, card data in it redacted (the message is printed and kept)."""
    return repr(redact_text(text))


def _timed_utterances(messages: list[_Message], roles: list[str]) -> tuple[list[Utterance], bool]:
    """Utterances in time order (dates counted from the first message); times estimated from each message's
    length when the file gives none."""
    starts = [m.start for m in messages if m.start is not None]
    if starts and len(starts) < len(messages):
        untimed = next(m for m in messages if m.start is None)
        raise TranscriptFileError(f"{untimed.where}: no start time, while other messages have one")
    if not starts:
        utterances, clock = [], 0.0
        for message, role in zip(messages, roles):
            length = max(MIN_MESSAGE_S, SECONDS_PER_WORD * len(message.text.split()))
            utterances.append(Utterance(role, round(clock, 3), round(clock + length, 3), message.text))
            clock += length
        return utterances, False
    first = min(starts)
    origin = first if first >= DATES_FROM else 0.0  # dates and times count from the first message
    utterances = []
    for message, role, given in zip(messages, roles, starts):
        start = given - origin
        end = (
            start + max(MIN_MESSAGE_S, SECONDS_PER_WORD * len(message.text.split()))
            if message.end is None
            else message.end - origin
        )
        if end < start:
            raise TranscriptFileError(f"{message.where}: ends ({message.end:g}) before it starts ({given:g})")
        words = [Word(w.start - origin, w.end - origin, w.word, w.p) for w in message.words]
        if "".join(w.word for w in words).strip() != message.text:
            words = []  # words that do not spell the text are not the text's: the text is what counts
        utterances.append(Utterance(role, round(start, 3), round(end, 3), message.text, words))
    utterances.sort(key=lambda u: (u.start, u.end))
    return utterances, True
