"""Database reads off the UI thread, where only the newest request's answer is shown."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from ..storage.models import database

Interrupted = Callable[[], bool]


class _Worker(QThread):
    done = Signal(object)

    def __init__(self, work: Callable[[Interrupted], Any]) -> None:
        super().__init__()
        self.work = work

    def run(self) -> None:
        try:
            result = self.work(self.isInterruptionRequested)
        finally:
            database.close()  # this thread's own connection
        if not self.isInterruptionRequested():
            self.done.emit(result)


class Latest(QObject):
    """Runs `work(interrupted)` in a background thread and passes its result to `show` on the UI thread;
    a newer request interrupts an older one, whose result is dropped."""

    def __init__(self, show: Callable[[Any], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.show = show
        self.current: _Worker | None = None
        self._running: set[_Worker] = set()  # superseded workers are kept until they end

    def start(self, work: Callable[[Interrupted], Any]) -> None:
        """Compute in the background; only the newest request's result is shown."""
        if self.current is not None and self.current.isRunning():
            self.current.requestInterruption()
        worker = self.current = _Worker(work)
        worker.done.connect(self._done)  # slots of this object: called on the UI thread
        worker.finished.connect(self._ended)
        self._running.add(worker)
        worker.start()

    @Slot(object)
    def _done(self, result: Any) -> None:
        if self.sender() is self.current:
            self.show(result)

    @Slot()
    def _ended(self) -> None:
        self._running.discard(self.sender())

    def wait(self) -> None:
        """Block until every background computation ends (for tests and closing)."""
        for worker in list(self._running):
            worker.wait()
