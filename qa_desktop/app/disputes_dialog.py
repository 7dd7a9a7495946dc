"""Disputes: every dispute with its status, accept or reject the selected one, and the counts per
agent and per criterion."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox, QDialog, QHBoxLayout, QHeaderView, QInputDialog, QLabel, QMessageBox, QPushButton, QSplitter,
    QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget,
)

from ..trust.disputes import STATUSES, DisputeError, accept, counts, disputes, reject
from ..storage.criteria import criterion_names, in_order
from ..storage.models import Dispute

ID_ROLE = Qt.ItemDataRole.UserRole + 1


def _counts_tree(title: str) -> QTreeWidget:
    tree = QTreeWidget()
    tree.setHeaderLabels([title, *[s.title() for s in STATUSES]])
    tree.setRootIsDecorated(False)
    return tree


class DisputesDialog(QDialog):
    """Lists disputes; `open_call(call id)` asks the main window to show a call; `decided(call id)` after a
    decision (the call's score may have changed)."""

    open_call = Signal(int)
    decided = Signal(int)

    def __init__(self, parent: QWidget | None, lead: Callable[[], str]) -> None:
        super().__init__(parent)
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
        self.table.setHeaderLabels(["Raised", "Call", "Criterion", "Result → asked", "Agent", "Raised by", "Reason",
                                    "Status", "Decision"])
        self.table.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemDoubleClicked.connect(lambda item, _c: self.open_call.emit(Dispute.get_by_id(
            item.data(0, ID_ROLE)).call_id))
        buttons = QHBoxLayout()
        for text, slot in (("Open call", self._open), ("Accept…", self._accept), ("Reject…", self._reject)):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
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
        self.resize(1100, 640)
        self.reload()

    def reload(self) -> None:
        """Read the disputes and counts again."""
        self.table.clear()
        self.names = names = criterion_names()
        for d in disputes(self.status.currentData()):
            item = QTreeWidgetItem([d.raised_at.strftime("%Y-%m-%d %H:%M"), f"{d.call_id} ({d.call.agent.name})",
                                    names.get(d.criterion, d.criterion), f"{d.disputed} → {d.requested}", d.agent_name,
                                    d.raised_by, d.reason,
                                    d.status, f"{d.resolved_by}: {d.resolution}" if d.resolution else ""])
            item.setData(0, ID_ROLE, d.id)
            self.table.addTopLevelItem(item)
        for tree, by in ((self.by_agent, "agent"), (self.by_criterion, "criterion")):
            tree.clear()
            counted_by = counts(by)
            keys = in_order(counted_by, names) if by == "criterion" else sorted(counted_by)
            for key in keys:
                label = names.get(key, key) if by == "criterion" else key
                tree.addTopLevelItem(QTreeWidgetItem([label, *[str(counted_by[key].get(s, 0)) for s in STATUSES]]))

    def selected(self) -> Dispute | None:
        """The selected dispute."""
        item = self.table.currentItem()
        return Dispute.get_by_id(item.data(0, ID_ROLE)) if item else None

    def _open(self) -> None:
        if (d := self.selected()) is not None:
            self.open_call.emit(d.call_id)

    def _accept(self) -> None:
        if (d := self.selected()) is not None:
            name = self.names.get(d.criterion, d.criterion)
            comment, ok = QInputDialog.getText(self, "Accept dispute", f"Accept: {name} becomes {d.requested}. "
                                               "Comment (optional):")
            if ok:
                self.decide(d, True, comment)

    def _reject(self) -> None:
        if (d := self.selected()) is not None:
            reason, ok = QInputDialog.getText(self, "Reject dispute", "Why is the result right? (required)")
            if ok:
                self.decide(d, False, reason)

    def decide(self, dispute: Dispute, accepted: bool, text: str) -> None:
        """Accept (the result changes, the score is recomputed) or reject (with a reason) a dispute."""
        try:
            if accepted:
                accept(dispute, self.lead(), text)
            else:
                reject(dispute, self.lead(), text)
        except DisputeError as exc:
            QMessageBox.warning(self, "Dispute", str(exc))
        self.reload()
        self.decided.emit(dispute.call_id)
