"""Settings: model, device (with what was detected), agent channel, scorecard, call drivers, reviewer, database,
and where batch imports run (a Dask scheduler, local workers, a path map)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QWidget,
)

from qa_desktop.app import file_dialogs
from qa_desktop.services.access.identity import current_user
from qa_desktop.services.access.permissions import ACTIONS, AccessError, allowed
from qa_desktop.services.settings import Settings, SettingsError, unusable
from scoring.models import DEVICES, cuda_device_count
from scoring.transcript import AGENT_CHANNELS

CHANNEL_SIDES = ("left", "right")  # a stereo recording's channels 0 and 1


def _with_browse(edit: QLineEdit, pick: Callable[[], str]) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(edit, 1)
    button = QPushButton("Browse…")
    button.clicked.connect(lambda: (value := pick()) and edit.setText(value))
    layout.addWidget(button)
    return row


class SettingsDialog(QDialog):
    """Edits the QSettings-backed settings; saved on OK."""

    def __init__(self, parent: QWidget | None, settings: Settings) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(640)  # the fields' hints in full
        self.settings = settings
        self.model = QLineEdit(settings.get("model"), placeholderText="bundled tiny.en")
        self.device = QComboBox()
        for value in DEVICES:
            self.device.addItem(value, value)
        self.device.setCurrentIndex(max(0, self.device.findData(settings.get("device"))))
        gpus = cuda_device_count()
        detected = QLabel(
            f"Detected: {gpus} CUDA GPU{'s' * (gpus != 1)} (float16)"
            if gpus
            else "Detected: no CUDA GPU; the CPU runs the model in int8"
        )
        self.agent_channel = QComboBox()  # named as heard in headphones, stored as the channel's number
        for channel in AGENT_CHANNELS:
            self.agent_channel.addItem(f"{CHANNEL_SIDES[channel]} ({channel})", channel)
        self.agent_channel.setCurrentIndex(max(0, self.agent_channel.findData(settings.get("agent_channel"))))
        self.agent_channel.setToolTip("The stereo channel the agent speaks on; the customer is on the other")
        self.agent_speakers = QLineEdit(settings.get("agent_speakers"), placeholderText="e.g. Sam (Acme), Priya")
        self.agent_speakers.setToolTip(
            "In chat transcripts whose speakers are names: the agents' names, "
            "comma-separated; every other speaker is the customer"
        )
        self.scorecard = QLineEdit(settings.get("scorecard"), placeholderText="the scorecard that ships")
        self.drivers = QLineEdit(settings.get("drivers"), placeholderText="the call drivers that ship")
        if not allowed(current_user(), "change scorecard"):  # the settings refuse it too
            for field in (self.scorecard, self.drivers):
                field.setReadOnly(True)
                field.setToolTip(f"Only an admin changes this ({ACTIONS['change scorecard'].label})")
        self.reviewer = QLineEdit(settings.get("reviewer"), placeholderText="your name, for the audit log")
        self.database = QLineEdit(
            settings.get("database"), placeholderText="default data folder, or postgresql://user@host:port/name"
        )
        self.database.setToolTip("A SQLite file for one person, or a team's PostgreSQL database (team mode)")
        self.scheduler = QLineEdit(settings.get("scheduler"), placeholderText="empty: a local cluster on this computer")
        self.workers = QSpinBox(specialValueText="sized to this computer")
        self.workers.setRange(0, 256)
        self.workers.setValue(settings.get("workers"))
        self.path_map = QLineEdit(settings.get("path_map"), placeholderText="FROM=TO: where the cluster sees the files")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(
            "Model folder or size",
            _with_browse(self.model, lambda: file_dialogs.existing_directory(self, "CTranslate2 Whisper model folder")),
        )
        form.addRow("Device", self.device)
        form.addRow("", detected)
        form.addRow("Agent channel (stereo)", self.agent_channel)
        form.addRow("Agents in chat transcripts", self.agent_speakers)
        form.addRow(
            "Scorecard",
            _with_browse(self.scorecard, lambda: file_dialogs.open_file_name(self, "Scorecard", "", "TOML (*.toml)")),
        )
        form.addRow(
            "Call drivers",
            _with_browse(self.drivers, lambda: file_dialogs.open_file_name(self, "Call drivers", "", "TOML (*.toml)")),
        )
        form.addRow("Reviewer name", self.reviewer)
        form.addRow(
            "Database",
            _with_browse(
                self.database, lambda: file_dialogs.save_file_name(self, "Database", "", "SQLite (*.sqlite3)")
            ),
        )
        form.addRow(QLabel("A new database is used the next time the app starts."))
        form.addRow("Dask scheduler (batches)", self.scheduler)
        form.addRow("Local model workers", self.workers)
        form.addRow("Path map (cluster)", self.path_map)
        form.addRow(buttons)

    def problems(self) -> list[str]:
        """What is wrong with the values as typed (a model, scorecard or drivers file that cannot be used, a
        scheduler that is no address, a malformed path map)."""
        return list(
            unusable(
                {
                    "model": self.model.text().strip(),
                    "scorecard": self.scorecard.text().strip(),
                    "drivers": self.drivers.text().strip(),
                    "scheduler": self.scheduler.text().strip(),
                    "path_map": self.path_map.text().strip(),
                    "database": self.database.text().strip(),
                }
            ).values()
        )

    def save(self) -> None:
        """Store every setting and close; a model, scorecard or drivers file that cannot be used is said, nothing
        stored. New call drivers tag calls imported from now on; `qa-desktop retag` applies them to stored calls."""
        problems = self.problems()
        if problems:
            QMessageBox.warning(self, "Settings not saved", "\n\n".join(problems))
            return
        values = {
            "model": self.model.text().strip(),
            "device": self.device.currentData(),
            "agent_channel": self.agent_channel.currentData(),
            "agent_speakers": self.agent_speakers.text().strip(),
            "scorecard": self.scorecard.text().strip(),
            "drivers": self.drivers.text().strip(),
            "reviewer": self.reviewer.text().strip(),
            "database": self.database.text().strip(),
            "scheduler": self.scheduler.text().strip(),
            "workers": self.workers.value(),
            "path_map": self.path_map.text().strip(),
        }
        try:
            for key, value in values.items():
                self.settings.set(key, value)
        except (AccessError, ValueError, SettingsError) as exc:
            QMessageBox.warning(self, "Settings not saved", str(exc))
            return
        self.accept()
