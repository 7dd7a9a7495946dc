"""Retention (admin): how many days recordings, transcripts and the audit log are kept (0: for ever), saved
in the database; Apply now deletes what expired, in the background."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QWidget,
)

from qa_desktop.app.background import run_task
from qa_desktop.services.access.permissions import AccessError
from qa_desktop.services.retention import KINDS, RetentionError, RetentionReport, apply_policy, policy, set_policy


class RetentionDialog(QDialog):
    """The policy, one field per kind of data."""

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Retention")
        self.setMinimumWidth(520)
        self.setMaximumWidth(640)
        self.days: dict[str, QSpinBox] = {}
        form = QFormLayout(self)
        note = QLabel(
            "Calls under an open dispute, in a coaching session not yet acknowledged or in an open "
            "calibration are never deleted. Scores stay, so dashboards keep counting deleted calls; "
            "a recording never outlives its transcript."
        )
        note.setWordWrap(True)
        form.addRow(note)
        for kind, what in KINDS.items():
            box = QSpinBox(minimum=0, maximum=36_500, suffix=" days")
            box.setSpecialValueText("for ever")
            self.days[kind] = box
            form.addRow(what[0].upper() + what[1:], box)
        self.message = QLabel()
        self.message.setWordWrap(True)
        apply_now = QPushButton("Apply now")
        apply_now.clicked.connect(self.apply_now)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(apply_now, self.message)
        form.addRow(buttons)
        self._show(policy())

    def _show(self, stored: dict[str, int | None]) -> None:
        """Show the policy as stored: what a save compares with (only what was edited since is saved)."""
        self.shown = stored
        for kind, box in self.days.items():
            box.setValue(stored[kind] or 0)

    def save(self) -> None:
        """Save the kinds that were edited; when another admin changed one of them meanwhile, nothing is saved and
        the dialog says who, then shows the policy as stored."""
        edited = {kind: box.value() or None for kind, box in self.days.items()}
        try:
            self._show(set_policy({k: v for k, v in edited.items() if v != self.shown[k]}, self.shown))
        except (AccessError, ValueError) as exc:
            if isinstance(exc, RetentionError):
                self._show(policy())
            QMessageBox.warning(self, "Retention", str(exc))
            return
        self.message.setText("Saved. It applies at the next start of the app, daily, or with Apply now.")

    def apply_now(self) -> None:
        self.save()
        self.message.setText("Deleting what expired…")
        self.task = run_task(
            lambda _task: apply_policy(),
            self._done,
            lambda text: self.message.setText(f"Retention failed: {text}"),
            what="applying the retention policy",
        )

    def _done(self, report: RetentionReport) -> None:
        self.message.setText(report.summary() + ("\n" + "\n".join(report.failed[:5]) if report.failed else ""))
