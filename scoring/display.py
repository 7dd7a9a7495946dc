"""How values are shown to people: times as m:ss, places in a conversation, file names on one line."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .redact import redact_name

_SLACK_S = 0.05  # stored times are rounded to 0.01 s; an untimed message is given at least 1 s


def clock(seconds: float) -> str:
    """m:ss, as a QA lead reads a timestamp (negative times show as 0:00)."""
    seconds = max(0.0, seconds)
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


class _Started(Protocol):
    @property
    def start(self) -> float: ...


@dataclass(frozen=True)
class Timeline:
    """Where a moment is in a conversation, as people are shown it: its clock time (m:ss) in a call or a text
    conversation with times; the number of the message it falls in ("msg 12") in a text conversation without
    times, whose times are only estimated from message length and so never shown."""

    starts: tuple[float, ...] | None = None  # an untimed conversation's messages' estimated starts; None: timed

    @classmethod
    def of(cls, utterances: Iterable[_Started], timed: bool) -> Timeline:
        """The timeline of a conversation from its utterances (in order) and whether its file gave times."""
        return cls(None if timed else tuple(u.start for u in utterances))

    @property
    def timed(self) -> bool:
        """Whether the conversation's times are real (a call, a text conversation with times)."""
        return self.starts is None

    def at(self, seconds: float) -> str:
        """Where the moment at `seconds` is: 'm:ss', or 'msg N' (messages counted from 1)."""
        return clock(seconds) if self.starts is None else f"msg {self._message(seconds)}"

    def span(self, start: float, end: float) -> str:
        """Where a stretch is: 'm:ss-m:ss', or 'msg N' / 'msg N-M' (the messages it overlaps)."""
        if self.starts is None:
            return f"{clock(start)}-{clock(end)}"
        first, last = self._message(start), self._message(max(start, end - 2 * _SLACK_S))
        return f"msg {first}" if first == last else f"msg {first}-{last}"

    def _message(self, seconds: float) -> int:
        assert self.starts is not None
        return max(1, bisect_right(self.starts, seconds + _SLACK_S))


def one_line(text: str | Path) -> str:
    """`text` as is when every character is printable, else quoted with escapes ('a\\nb.wav'): a file name
    holding a newline, tab or escape code must not split a line or drive a terminal. Card numbers and SSNs in it
    are shown as placeholders (`redact_name`)."""
    text = redact_name(str(text))
    return text if text.isprintable() else repr(text)
