"""Python's cycle collector, run on the UI thread only while the main window is open (pyqtgraph's `GarbageCollector`,
after Erik Janssens). Left automatic, a collection runs on whichever thread's allocations cross the threshold: an
import's Dask client loop, a background read. It then frees every Qt object caught in an unreachable cycle there
(a finished task held only by its own callbacks, a closed dialog's lambdas), and a Qt object deleted off its own
thread while that thread delivers its events can crash the app. So automatic collection is off while a window is
open, and a timer on the UI thread collects each generation when its count passes its threshold, as Python would."""

from __future__ import annotations

import gc
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QWidget

INTERVAL_MS = 250  # how long cyclic garbage may wait: a quarter of a second of a busy import's allocations


class UiThreadCollector(QObject):
    """Holds automatic collection off while anything holds it; collects on its timer meanwhile."""

    def __init__(self) -> None:
        super().__init__()
        self.holders = 0
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(collect_due)

    def hold(self) -> Callable[[], None]:
        """Collect on the UI thread until the returned release is called (again is harmless)."""
        if self.holders == 0:
            gc.disable()
            self.timer.start()
        self.holders += 1
        released = False

        def release() -> None:
            nonlocal released
            if released:
                return
            released = True
            self.holders -= 1
            if self.holders == 0:
                self.timer.stop()
                gc.enable()

        return release


def collect_due() -> int:
    """Collect the oldest generation whose count has passed its threshold (the younger ones with it), as Python's
    automatic collection does, less its check on how much a full pass would find; the number of objects found
    unreachable. One pass a tick: a full one comes at most every 121 ticks (half a minute), a generation's count
    growing by one for each pass of the next younger."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    for generation in (2, 1, 0):
        if counts[generation] > thresholds[generation]:
            return gc.collect(generation)
    return 0


_collector: UiThreadCollector | None = None


def collect_on_ui_thread(window: QWidget) -> Callable[[], None]:
    """Turn automatic collection off until `window` closes or is destroyed, collecting on the UI thread meanwhile
    (call it on the UI thread); the release, for the window's `closeEvent`."""
    global _collector  # noqa: PLW0603 (one collector for the process: gc's switch is process-wide)
    if _collector is None:
        _collector = UiThreadCollector()
    release = _collector.hold()
    window.destroyed.connect(release)
    return release
