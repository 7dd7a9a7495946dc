"""Terminal output: a progress bar, and long work's link to it."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tqdm import tqdm


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


class BarJob:
    """Long work's link (`services.review.Job`) to a progress bar: it moves the bar; the work is stopped by Ctrl+C
    (a batch being saved is rolled back whole)."""

    def __init__(self, progress: Callable[[int, int], None]) -> None:
        self.progress = progress

    def report(self, done: int, total: int) -> None:
        self.progress(done, total)

    def cancelled(self) -> bool:
        return False
