"""An agent's coaching packs: the sessions about them alone, and Export pack… for the chosen one (in the
background, peers always anonymised; the service refuses anyone else's session)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from qa_desktop.app import file_dialogs
from qa_desktop.app.background import Task, run_task
from qa_desktop.services.coaching import views
from scoring.display import one_line


class MyPacksDialog(QDialog):
    """The signed-in agent's coaching sessions, each exportable as a pack."""

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle("My coaching packs")
        self.setMinimumWidth(480)
        self.sessions = QListWidget()
        for session in views.own_sessions():
            item = QListWidgetItem(f"{session.title} ({session.status})")
            item.setData(Qt.ItemDataRole.UserRole, session.id)
            self.sessions.addItem(item)
        self.sessions.setCurrentRow(0)
        self.export_button = QPushButton("Export pack…")
        self.export_button.setEnabled(self.sessions.count() > 0)
        self.export_button.clicked.connect(self._choose_folder)
        self.bar = QProgressBar()
        self.bar.hide()
        self.message = QLabel("" if self.sessions.count() else "No coaching session is about you yet.")
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Your coaching sessions (other agents in a pack are named Peer A, B…):"))
        layout.addWidget(self.sessions)
        layout.addWidget(self.export_button)
        layout.addWidget(self.bar)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.task: Task | None = None

    def _choose_folder(self) -> None:
        folder = file_dialogs.existing_directory(self, "Folder for the coaching pack", str(Path.home()))
        if folder:
            self.export_to(Path(folder))

    def export_to(self, out: Path) -> Task:
        """Export the chosen session's pack into `out` in the background."""
        session_id = self.sessions.currentItem().data(Qt.ItemDataRole.UserRole)
        self.export_button.setEnabled(False)
        self.bar.show()
        self.message.setText("Exporting…")
        self.task = run_task(
            lambda task: views.export(session_id, out, task.report, anonymise_peers=True),
            self._exported,
            self._failed,
            what="exporting a coaching pack",
            progress=lambda done, total: (self.bar.setRange(0, total), self.bar.setValue(done)),
        )
        return self.task

    def _exported(self, folder: Path) -> None:
        self.bar.hide()
        self.export_button.setEnabled(True)
        self.message.setText(f"Saved in {one_line(folder)} (and a zip beside it).")

    def _failed(self, text: str) -> None:
        self.bar.hide()
        self.export_button.setEnabled(True)
        self.message.setText(f"The export failed: {text}")
