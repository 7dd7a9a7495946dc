"""How values are shown to people: times as m:ss, file names on one line."""

from __future__ import annotations

from pathlib import Path


def clock(seconds: float) -> str:
    """m:ss, as a QA lead reads a timestamp (negative times show as 0:00)."""
    seconds = max(0.0, seconds)
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def one_line(text: str | Path) -> str:
    """`text` as is when every character is printable, else quoted with escapes ('a\\nb.wav'): a file name
    holding a newline, tab or escape code must not split a line or drive a terminal."""
    text = str(text)
    return text if text.isprintable() else repr(text)
