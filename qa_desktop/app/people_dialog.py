"""Agents and teams: rename an agent, merge duplicates, move an agent to a team."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qa_desktop.app.no_agent_look import mark_tree_item
from qa_desktop.services import people as people_service
from qa_desktop.services.access.permissions import AccessError
from qa_desktop.services.people import AgentSummary
from qa_desktop.storage.no_agent import NO_AGENT_TIP, shown_agent
from qa_desktop.storage.people import PeopleError

# what '(no agent)' is, and how this list gives those calls an agent
_NO_AGENT_HERE = (
    f"{NO_AGENT_TIP}. Select an agent, then these, and Merge selected to give them that agent; or Rename… to name "
    "their agent."
)


class PeopleDialog(QDialog):
    """Lists agents with their team and call count; changes are kept in the audit log. The data comes
    from `service` (the people service's functions)."""

    def __init__(self, parent: QWidget | None, actor: Callable[[], str], service: ModuleType = people_service) -> None:
        super().__init__(parent)
        self.service = service
        self.setWindowTitle("Agents and teams")
        self.resize(560, 460)
        self.actor = actor
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Agent", "Team", "Calls"])
        self.tree.setSelectionMode(QTreeWidget.SelectionMode.ExtendedSelection)
        self.tree.setRootIsDecorated(False)  # a flat list: no indent before the names
        rename, merge, move = QPushButton("Rename…"), QPushButton("Merge selected"), QPushButton("Move to team…")
        rename.clicked.connect(self._rename)
        merge.clicked.connect(self._merge)
        move.clicked.connect(self._move)
        self.message = QLabel()
        buttons = QHBoxLayout()
        for b in (rename, merge, move):
            buttons.addWidget(b)
        buttons.addStretch()
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Select two agents to merge duplicates: the first selected keeps its name."))
        layout.addWidget(self.tree)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(close)
        self.reload()

    def reload(self) -> None:
        """Re-read agents, teams and call counts."""
        self.tree.clear()
        items = []
        for agent in self.service.agents_with_counts():  # by name, the calls without an agent's name last
            item = QTreeWidgetItem([agent.shown, agent.team or "", str(agent.calls)])
            item.setData(0, Qt.ItemDataRole.UserRole, agent)
            if not agent.named:
                mark_tree_item(item, range(item.columnCount()), _NO_AGENT_HERE)
            items.append(item)
        self.tree.addTopLevelItems(items)

    def selected(self) -> list[AgentSummary]:
        """The selected agents, in the order they were selected."""
        return [i.data(0, Qt.ItemDataRole.UserRole) for i in self.tree.selectedItems()]

    def _act(self, change: Callable[[], str]) -> None:
        try:
            text = change()
        except (PeopleError, AccessError) as exc:
            self.reload()  # as stored: with what someone else changed meanwhile
            QMessageBox.warning(self, "Agents and teams", str(exc))
            return
        self.message.setText(text)
        self.reload()

    def _rename(self) -> None:
        agents = self.selected()
        if len(agents) != 1:
            self.message.setText("Select one agent to rename.")
            return
        name, ok = QInputDialog.getText(
            self, "Rename agent", "New name", text=agents[0].name if agents[0].named else ""
        )
        if ok:
            self._act(lambda: f"Renamed to {self.service.rename(agents[0].id, name, self.actor(), agents[0].name)}.")

    def _merge(self) -> None:
        agents = self.selected()
        if len(agents) != 2:
            self.message.setText("Select exactly two agents to merge.")
            return
        keep, duplicate = agents  # as the list showed them: one renamed or merged meanwhile is refused
        shown = (keep.name, duplicate.name)
        self._act(
            lambda: "Merged {} into {}.".format(
                *map(shown_agent, self.service.merge(keep.id, duplicate.id, self.actor(), shown))
            )
        )

    def _move(self) -> None:
        agents = self.selected()
        if not agents:
            self.message.setText("Select the agents to move.")
            return
        teams = [t.name for t in self.service.teams()]
        team, ok = QInputDialog.getItem(self, "Move to team", "Team (type a new name to create one)", teams, 0, True)
        if ok:  # each as the list showed it: one moved meanwhile by someone else refuses the move, and none moves
            ids, shown = [a.id for a in agents], [a.team or "" for a in agents]
            self._act(
                lambda: "; ".join(
                    f"{shown_agent(n)} → {team}" for n in self.service.move(ids, team, self.actor(), shown)
                )
            )
