"""Finding a call's recording for a player: at once where its name is stored as it is, off the UI thread where a
card number in it was stored redacted (files are hashed to tell which it is), the player saying so meanwhile."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject

from qa_desktop.app.background import Latest
from qa_desktop.app.player import CallPlayer
from qa_desktop.services import review as review_service
from qa_desktop.services.review import Recorded

FINDING = "Finding the recording…"  # its name was stored redacted: files are hashed to tell which it is

Found = Callable[[str], None]


class RecordingFinder(QObject):
    """Finds recordings for `player`; `waiting(note)` also shows what it waits for (the review's waveform)."""

    def __init__(self, player: CallPlayer, parent: QObject, waiting: Callable[[str], None] | None = None) -> None:
        super().__init__(parent)
        self.player, self.waiting = player, waiting
        self.latest = Latest(self._found, self._failed, self, what="finding the recording")
        self.found: Found | None = None

    def find(self, call: Recorded, duration_s: float, found: Found) -> None:
        """`found(path)` once the call's recording is found: now, or later on the UI thread when its name was stored
        redacted (a newer request or `drop` forgets this one)."""
        self.drop()
        if not review_service.recording_needs_search(call):
            found(call.path)
            return
        self.found = found
        self._wait(FINDING, duration_s)
        self.latest.start(lambda _task: review_service.recording_path(call))

    def drop(self) -> None:
        """Forget the recording being looked for."""
        self.latest.drop()
        self.found = None

    def wait(self) -> None:
        """Block until the search ends (for tests and closing)."""
        self.latest.wait()

    def _found(self, path: str) -> None:
        if self.found is not None:
            self.found(path)

    def _failed(self, message: str) -> None:
        self._wait(f"The recording could not be looked for: {message}", 0.0)

    def _wait(self, note: str, duration_s: float) -> None:
        self.player.wait_for(note, duration_s)
        if self.waiting is not None:
            self.waiting(note)
