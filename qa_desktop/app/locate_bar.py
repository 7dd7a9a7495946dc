"""'Recording not found … Locate…': a bar over the review for a call whose file was moved. The user picks a
folder; it is searched in the background (with progress and cancel) for every missing recording, by content."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from qa_desktop.app import file_dialogs
from qa_desktop.app.background import Task, run_task
from qa_desktop.services.recordings import relocate
from qa_desktop.storage.recordings import Relocation
from scoring.display import one_line


class LocateBar(QWidget):
    """Shown for a call whose recording is missing. `located(message)` after a search that found recordings."""

    located = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.setStyleSheet("background:#fff4ce")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.locate_button = QPushButton("Locate…")
        self.locate_button.setToolTip(
            "Choose a folder to search (with its subfolders) for the recording by its "
            "content; other missing recordings found there are fixed too"
        )
        self.locate_button.clicked.connect(self._pick_folder)
        self.bar = QProgressBar()
        self.bar.setFormat("%v of %m files")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        layout = QHBoxLayout(self)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.bar)
        layout.addWidget(self.locate_button)
        layout.addWidget(self.cancel_button)
        self.task: Task | None = None
        self.path = ""
        self.may_locate = False
        self.hide()

    def show_for(self, path: str, may_locate: bool) -> None:
        """Show the bar when the recording at `path` is missing (hide it otherwise); Locate… is enabled if the
        signed-in user `may_locate` (the search refuses it too)."""
        self.path, self.may_locate = path, may_locate
        missing = not Path(path).is_file()
        self.setVisible(missing)
        if missing and not self.searching():
            self._idle(f"Recording not found: {one_line(path)}")

    def _idle(self, text: str) -> None:
        self.message.setText(text)
        self.bar.hide()
        self.cancel_button.hide()
        self.locate_button.show()
        self.locate_button.setEnabled(self.may_locate)

    def _pick_folder(self) -> None:
        folder = file_dialogs.existing_directory(
            self, "Folder to search for the recording", str(Path(self.path).parent)
        )
        if folder:
            self.search(Path(folder))

    def search(self, folder: Path) -> None:
        """Search `folder` in the background for every missing recording."""
        self.folder = folder
        self.message.setText(f"Looking for the recording in {one_line(folder)}…")
        self.bar.setRange(0, 0)
        self.bar.show()
        self.cancel_button.show()
        self.locate_button.hide()
        self.task = run_task(
            lambda task: relocate(folder, task.report, task.cancelled),
            self._found,
            lambda message: self._idle(f"The search failed: {message}"),
            what="looking for moved recordings",
            progress=self._progress,
        )

    def searching(self) -> bool:
        """Whether a search is running."""
        return self.task is not None and self.task.isRunning()

    def cancel(self) -> None:
        """Stop the search (recordings found so far are kept)."""
        if self.searching():
            self.task.cancel()

    def _progress(self, done: int, total: int) -> None:
        self.bar.setRange(0, total)
        self.bar.setValue(done)

    def _found(self, result: Relocation) -> None:
        where = one_line(self.folder)
        if not result.found:
            stopped = "Search cancelled" if result.cancelled else "Not found"
            self._idle(
                f"{stopped} in {where} ({result.searched} audio files checked). "
                f"Recording not found: {one_line(self.path)}"
            )
            return
        self._idle(f"Found {len(result.found)} of {result.missing} missing recordings in {where}.")
        self.located.emit(f"Found {len(result.found)} of {result.missing} missing recordings in {where}.")
