"""Terminal output: text for one line (a file name holding a newline, tab or escape code must not split a
line or drive the terminal, so such text is shown quoted with Python's escapes), and a progress bar."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tqdm import tqdm


def one_line(text: str | Path) -> str:
    """`text` as is when every character is printable, else quoted with escapes ('a\\nb.wav')."""
    text = str(text)
    return text if text.isprintable() else repr(text)


@contextmanager
def progress_bar(unit: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr (when it is a terminal) and the `progress(done, total)` callback that moves it."""
    bar = tqdm(unit=unit, file=sys.stderr, disable=None)

    def progress(done: int, total: int) -> None:
        bar.total, bar.n = total, done
        bar.refresh()

    try:
        yield progress
    finally:
        bar.close()
