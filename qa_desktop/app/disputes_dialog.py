"""Disputes: every dispute with its status, accept or reject the selected one, and the counts per
agent and per criterion (read in the background: the list shows when they come)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from types import ModuleType

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qa_desktop.app.background import Latest
from qa_desktop.app.dialog_size import fit_to_screen
from qa_desktop.services.access.permissions import AccessError
from qa_desktop.services.trust import disputes as disputes_service
from qa_desktop.services.trust.disputes import STATUSES, DisputeError, DisputeRow
from qa_desktop.storage.criteria import criterion_names, in_order
from qa_desktop.storage.no_agent import agents_last, shown_agent

_Read = tuple[list[DisputeRow], dict[str, dict[str, Counter]], dict[str, str]]  # rows, counts by agent/criterion, names

ID_ROLE = Qt.ItemDataRole.UserRole + 1
_REASON, _DECISION = 6, 8  # long text columns: they share the width left, the whole text in a tooltip


def ask_text(parent: QWidget, title: str, prompt: str, required: bool) -> str | None:
    """A multi-line text asked for in a dialog; None when cancelled. OK waits for text when it is required."""
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    label = QLabel(prompt)
    label.setWordWrap(True)
    text = QPlainTextEdit()
    text.setMinimumSize(420, 120)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    if required:
        ok.setEnabled(False)
        text.textChanged.connect(lambda: ok.setEnabled(bool(text.toPlainText().strip())))
    ok.setToolTip("Ctrl+Enter")  # as in an override or a dispute: Enter starts a new line
    for key in ("Ctrl+Return", "Ctrl+Enter"):  # the keypad's Enter too
        QShortcut(QKeySequence(key), dialog, activated=lambda: ok.isEnabled() and dialog.accept())
    layout = QVBoxLayout(dialog)
    for widget in (label, text, buttons):
        layout.addWidget(widget)
    return text.toPlainText().strip() if dialog.exec() == QDialog.DialogCode.Accepted else None


def _counts_tree(title: str) -> QTreeWidget:
    tree = QTreeWidget()
    tree.setHeaderLabels([title, *[s.title() for s in STATUSES]])
    tree.setRootIsDecorated(False)
    tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)  # 100 px cut "Recording dis…"
    return tree


class DisputesDialog(QDialog):
    """Lists disputes; `open_call(call id)` asks the main window to show a call; `decided(call id)` after a
    decision (the call's score may have changed)."""

    open_call = Signal(int)
    decided = Signal(int)

    def __init__(self, parent: QWidget | None, lead: Callable[[], str], service: ModuleType = disputes_service) -> None:
        super().__init__(parent)
        self.service = service  # the disputes service's functions
        self.names: dict[str, str] = {}
        self.loaded = False  # the disputes asked for last are shown
        self.reading = Latest(self._show, self._read_failed, self, what="reading the disputes")
        self.setWindowTitle("Disputes")
        self.lead = lead
        self.status = QComboBox()
        self.status.addItem("Open", "open")
        for status in STATUSES[1:]:
            self.status.addItem(status.title(), status)
        self.status.addItem("All", None)
        self.status.currentIndexChanged.connect(self.reload)
        self.table = QTreeWidget()
        self.table.setRootIsDecorated(False)
        self.table.setHeaderLabels(
            ["Raised", "Call", "Criterion", "Result → asked", "Agent", "Raised by", "Reason", "Status", "Decision"]
        )
        header = self.table.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for column in (_REASON, _DECISION):  # 260 px each put Decision behind a scroll bar at 1366x768
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.itemDoubleClicked.connect(lambda item, _c: self.open_call.emit(item.data(0, ID_ROLE).call_id))
        buttons = QHBoxLayout()
        self.actions: list[QPushButton] = []  # they act on the selected dispute
        for text, slot in (("Open call", self._open), ("Accept…", self._accept), ("Reject…", self._reject)):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
            self.actions.append(button)
        self.empty = QLabel()
        self.empty.setStyleSheet("color:#555")
        buttons.addWidget(self.empty)
        buttons.addStretch()
        self.by_agent, self.by_criterion = _counts_tree("Agent"), _counts_tree("Criterion")
        totals = QSplitter()
        totals.addWidget(self.by_agent)
        totals.addWidget(self.by_criterion)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("Show"))
        top.addWidget(self.status)
        top.addStretch()
        layout.addLayout(top)
        layout.addWidget(self.table, 3)
        layout.addLayout(buttons)
        layout.addWidget(QLabel("Disputes per agent and per criterion"))
        layout.addWidget(totals, 2)
        fit_to_screen(self, 1100, 640)
        self.reload()

    def reload(self) -> None:
        """Read the disputes and counts again, in the background (the list shown stays until they come)."""
        self.loaded = False
        self._selection_changed()  # nothing to act on until the list is read again
        self.empty.setText("Reading the disputes…")
        status, service = self.status.currentData(), self.service
        self.reading.start(
            lambda _task: (
                service.dispute_rows(status),
                {by: service.counts(by) for by in ("agent", "criterion")},
                criterion_names(),
            )
        )

    def _read_failed(self, message: str) -> None:
        self.empty.setText(f"The disputes could not be read: {message} (details in the log)")

    def _show(self, read: _Read) -> None:
        rows, counts, self.names = read
        names = self.names
        self.table.clear()
        items = []
        for d in rows:
            item = QTreeWidgetItem(
                [
                    d.raised_at.strftime("%Y-%m-%d %H:%M"),
                    d.call,
                    names.get(d.criterion, d.criterion),
                    f"{d.disputed} → {d.requested}",
                    shown_agent(d.agent_name),
                    d.raised_by,
                    d.reason,
                    d.status,
                    f"{d.resolved_by}: {d.resolution}" if d.resolution else "",
                ]
            )
            item.setData(0, ID_ROLE, d)
            for column in (_REASON, _DECISION):
                item.setToolTip(column, item.text(column))
            items.append(item)
        self.table.addTopLevelItems(items)  # at once: the columns size to their contents once, not per row
        self.empty.setText(
            ""
            if items
            else "No disputes here. A reviewer raises one from a call's scorecard (Dispute…) on the agent's behalf."
        )
        self._selection_changed()
        for tree, by in ((self.by_agent, "agent"), (self.by_criterion, "criterion")):
            tree.clear()
            counted_by = counts[by]
            keys = in_order(counted_by, names) if by == "criterion" else sorted(counted_by, key=agents_last)
            for key in keys:
                label = names.get(key, key) if by == "criterion" else shown_agent(key)
                tree.addTopLevelItem(QTreeWidgetItem([label, *[str(counted_by[key].get(s, 0)) for s in STATUSES]]))
        self.loaded = True

    def selected(self) -> DisputeRow | None:
        """The selected dispute."""
        items = self.table.selectedItems()
        return items[0].data(0, ID_ROLE) if items else None

    def _selection_changed(self) -> None:
        d = self.selected() if self.loaded else None
        decidable = d is not None and d.status == "open"
        self.actions[0].setEnabled(d is not None)
        for button in self.actions[1:]:
            button.setEnabled(decidable)

    def _open(self) -> None:
        if (d := self.selected()) is not None:
            self.open_call.emit(d.call_id)

    def _accept(self) -> None:
        if (d := self.selected()) is not None:
            name = self.names.get(d.criterion, d.criterion)
            comment = ask_text(
                self, "Accept dispute", f"Accept: {name} becomes {d.requested}. Comment (optional):", required=False
            )
            if comment is not None:
                self.decide(d, True, comment)

    def _reject(self) -> None:
        if (d := self.selected()) is not None:
            name = self.names.get(d.criterion, d.criterion)  # as the list and Accept name it, not its id
            reason = ask_text(
                self,
                "Reject dispute",
                f"Reject: {name} stays {d.disputed}. Why is the result right? (required; the agent reads it)",
                required=True,
            )
            if reason is not None:
                self.decide(d, False, reason)

    def decide(self, dispute: DisputeRow, accepted: bool, text: str) -> None:
        """Accept (the result changes, the score is recomputed) or reject (with a reason) a dispute."""
        try:
            self.service.decide(dispute.id, accepted, self.lead(), text)
        except (DisputeError, AccessError) as exc:
            QMessageBox.warning(self, "Dispute", str(exc))
        self.reload()
        self.decided.emit(dispute.call_id)
