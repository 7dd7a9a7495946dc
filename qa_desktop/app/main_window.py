"""The main window: the call library beside the selected call's transcript."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMainWindow, QSplitter, QTableView

from ..storage.models import Call
from .call_table import CallTableModel
from .transcript_view import TranscriptView


class MainWindow(QMainWindow):
    """The app's window over an open database."""

    def __init__(self, database_path: Path) -> None:
        super().__init__()
        self.setWindowTitle(f"qa-desktop — {database_path.name}")
        self.calls = CallTableModel()
        self.table = QTableView()
        self.table.setModel(self.calls)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.transcript = TranscriptView()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.transcript)
        splitter.setSizes([640, 560])
        self.setCentralWidget(splitter)
        self.statusBar().showMessage(f"{self.calls.rowCount()} calls · database {database_path}")
        self.resize(1280, 760)
        if self.calls.rowCount():
            self.table.selectRow(0)

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = selected.indexes()
        if rows:
            self.transcript.show_call(Call.get_by_id(self.calls.call_id(rows[0].row())))
