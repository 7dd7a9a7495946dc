"""Text for one line of terminal output: a file name holding a newline, tab or escape code must not
split a line or drive the terminal, so such text is shown quoted with Python's escapes."""

from __future__ import annotations

from pathlib import Path


def one_line(text: str | Path) -> str:
    """`text` as is when every character is printable, else quoted with escapes ('a\\nb.wav')."""
    text = str(text)
    return text if text.isprintable() else repr(text)
