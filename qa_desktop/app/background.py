"""Work off the UI thread with a result path and an error path (Picard's `run_task(func, next_func)`):
`run_task(work, done, failed)` runs `work(task)` in a thread and calls `done(result)` or `failed(message)`
on the UI thread; a job that reports progress calls `task.report(done, total)`, one whose result comes in
parts hands each over as it is ready (`task.hand(part)`), and one that can stop checks `task.cancelled()`.
Every failure is logged with its traceback. `Latest` shows only the newest of a stream of requests (the
dashboards, the agreement lab); `InTurn` runs jobs one at a time (drawing the dashboards' charts, which would
only fight over the GIL side by side)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from qa_desktop.app.error_report import describe
from qa_desktop.storage.database import close_thread_connection

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[str], None]
Progress = Callable[[int, int], None]

_running: set[Task] = set()  # tasks are kept alive here until their thread ends


class Task(QThread):
    """One background job. Subclasses override `work()`; otherwise `work(task)` is the function given.
    `done(result)` or `failed(message)` is called on the UI thread when it ends, `progress(done, total)`
    when it reports, `on_part(part)` for each part it hands over (before `done`); cancelling asks the job to
    stop (it still ends by one of the two paths)."""

    _result = Signal(object)
    _error = Signal(str)
    _progress = Signal(int, int)
    _part = Signal(object)

    def __init__(
        self,
        work: Callable[[Task], Any] | None = None,
        *,
        what: str = "background work",
        done: Done | None = None,
        failed: Failed | None = None,
        progress: Progress | None = None,
    ) -> None:
        super().__init__()
        self._work, self.what = work, what
        self.on_done, self.on_failed, self.on_progress = done, failed, progress
        self.on_part: Done | None = None
        # receivers are slots of this object, which lives on the UI thread: queued across threads
        self._result.connect(self._deliver_result)
        self._error.connect(self._deliver_error)
        self._progress.connect(self._deliver_progress)
        self._part.connect(self._deliver_part)
        self.finished.connect(self._ended)

    def work(self) -> Any:
        """The job, run in the background thread; its return value is the result."""
        if self._work is None:
            raise NotImplementedError
        return self._work(self)

    def report(self, done: int, total: int) -> None:
        """Progress, from the job's thread."""
        self._progress.emit(done, total)

    def hand(self, part: Any) -> None:
        """A part of the result, ready before the rest (from the job's thread)."""
        self._part.emit(part)

    def cancel(self) -> None:
        """Ask the job to stop at its next check."""
        self.requestInterruption()

    def cancelled(self) -> bool:
        """Whether the job was asked to stop."""
        return self.isInterruptionRequested()

    def start(self) -> None:  # type: ignore[override]
        _running.add(self)
        super().start()

    def run(self) -> None:
        try:
            result = self.work()
        except Exception as exc:  # noqa: BLE001 (every failure goes to the log and to the view that asked)
            log.exception("%s failed", self.what)
            self._error.emit(describe(exc))
        else:
            self._result.emit(result)
        finally:
            close_thread_connection()

    @Slot(object)
    def _deliver_result(self, result: Any) -> None:
        if self.on_done is not None:
            self.on_done(result)

    @Slot(str)
    def _deliver_error(self, message: str) -> None:
        if self.on_failed is not None:
            self.on_failed(message)

    @Slot(int, int)
    def _deliver_progress(self, done: int, total: int) -> None:
        if self.on_progress is not None:
            self.on_progress(done, total)

    @Slot(object)
    def _deliver_part(self, part: Any) -> None:
        if self.on_part is not None:
            self.on_part(part)

    @Slot()
    def _ended(self) -> None:
        self.wait()  # `finished` comes just before the thread ends
        _running.discard(self)


def run_task(
    work: Callable[[Task], Any], done: Done, failed: Failed, *, what: str, progress: Progress | None = None
) -> Task:
    """Run `work(task)` in the background; `done(result)` or `failed(message)` follows on the UI thread."""
    task = Task(work, what=what, done=done, failed=failed, progress=progress)
    task.start()
    return task


def wait_for_tasks() -> None:
    """Block until every background task ends (for closing and tests)."""
    for task in list(_running):
        task.wait()


class Latest(QObject):
    """Runs `work(task)` in the background and passes its result to `show`, or its error message to
    `failed`, on the UI thread (and each part it hands over to `part`); a newer request cancels an older one,
    whose outcome is dropped."""

    def __init__(
        self,
        show: Done,
        failed: Failed,
        parent: QObject | None = None,
        *,
        what: str = "reading",
        part: Done | None = None,
    ) -> None:
        super().__init__(parent)
        self.show, self.failed, self.part, self.what = show, failed, part, what
        self.current: Task | None = None

    def start(self, work: Callable[[Task], Any]) -> None:
        """Compute in the background; only the newest request's outcome is shown."""
        if self.current is not None and self.current.isRunning():
            self.current.cancel()
        task = Task(work, what=self.what)
        task.on_done = lambda result: task is self.current and self.show(result)
        task.on_failed = lambda message: task is self.current and self.failed(message)
        if self.part is not None:
            task.on_part = lambda part: task is self.current and self.part(part)
        self.current = task
        task.start()

    def busy(self) -> bool:
        """Whether the newest request is still being computed."""
        return self.current is not None and self.current.isRunning()

    def drop(self) -> None:
        """Forget the newest request: it is asked to stop and its outcome is not shown."""
        if self.current is not None:
            self.current.cancel()
        self.current = None

    def wait(self) -> None:
        """Block until the newest computation ends (for tests and closing)."""
        if self.current is not None:
            self.current.wait()


class InTurn(QObject):
    """Runs jobs in the background one at a time, in the order asked; asking again for a key whose job still
    waits replaces that job, and `drop_waiting()` forgets every job not started (a started one runs to its end)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.waiting: dict[Hashable, Task] = {}  # in the order asked
        self.running: Task | None = None

    def start(self, key: Hashable, work: Callable[[Task], Any], done: Done, failed: Failed, *, what: str) -> None:
        """Run `work(task)` after the jobs asked for before it; `done(result)` or `failed(message)` follows."""
        self.waiting.pop(key, None)
        self.waiting[key] = Task(work, what=what, done=done, failed=failed)
        self._next()

    def drop_waiting(self) -> None:
        """Forget the jobs not started yet."""
        self.waiting.clear()

    def busy(self) -> bool:
        """Whether a job runs or waits."""
        return self.running is not None or bool(self.waiting)

    def _next(self) -> None:
        if self.running is None and self.waiting:
            self.running = self.waiting.pop(next(iter(self.waiting)))
            self.running.finished.connect(self._ended)  # queued: this object lives on the UI thread
            self.running.start()

    @Slot()
    def _ended(self) -> None:
        self.running = None
        self._next()
