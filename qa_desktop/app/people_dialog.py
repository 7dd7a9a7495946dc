"""Agents and teams: rename an agent, merge duplicates, move an agent to a team."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog, QHBoxLayout, QInputDialog, QLabel, QMessageBox, QPushButton, QTreeWidget, QTreeWidgetItem,
    QVBoxLayout, QWidget,
)

from qa_desktop.storage.models import Agent, Call, Team
from qa_desktop.services.people import merge_agents, move_agent, rename_agent
from qa_desktop.services.access.permissions import AccessError
from qa_desktop.storage.people import PeopleError


class PeopleDialog(QDialog):
    """Lists agents with their team and call count; changes are kept in the audit log."""

    def __init__(self, parent: QWidget | None, actor: Callable[[], str]) -> None:
        super().__init__(parent)
        self.setWindowTitle("Agents and teams")
        self.resize(560, 460)
        self.actor = actor
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Agent", "Team", "Calls"])
        self.tree.setSelectionMode(QTreeWidget.SelectionMode.ExtendedSelection)
        rename, merge, move = QPushButton("Rename…"), QPushButton("Merge selected"), QPushButton("Move to team…")
        rename.clicked.connect(self._rename)
        merge.clicked.connect(self._merge)
        move.clicked.connect(self._move)
        self.message = QLabel()
        buttons = QHBoxLayout()
        for b in (rename, merge, move):
            buttons.addWidget(b)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Select two agents to merge duplicates: the first selected keeps its name."))
        layout.addWidget(self.tree)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.reload()

    def reload(self) -> None:
        """Re-read agents, teams and call counts."""
        self.tree.clear()
        for agent in Agent.select().order_by(Agent.name):
            item = QTreeWidgetItem([agent.name, agent.team.name if agent.team else "",
                                    str(Call.select().where(Call.agent == agent).count())])
            item.setData(0, Qt.ItemDataRole.UserRole, agent.id)
            self.tree.addTopLevelItem(item)

    def selected(self) -> list[Agent]:
        """The selected agents, in the order they were selected."""
        return [Agent.get_by_id(i.data(0, Qt.ItemDataRole.UserRole)) for i in self.tree.selectedItems()]

    def _act(self, change: Callable[[], str]) -> None:
        try:
            text = change()
        except (PeopleError, AccessError) as exc:
            QMessageBox.warning(self, "Agents and teams", str(exc))
            return
        self.message.setText(text)
        self.reload()

    def _rename(self) -> None:
        agents = self.selected()
        if len(agents) != 1:
            return
        name, ok = QInputDialog.getText(self, "Rename agent", "New name", text=agents[0].name)
        if ok:
            self._act(lambda: f"Renamed to {rename_agent(agents[0], name, self.actor()).name}.")

    def _merge(self) -> None:
        agents = self.selected()
        if len(agents) != 2:
            self.message.setText("Select exactly two agents to merge.")
            return
        self._act(lambda: f"Merged {agents[1].name} into {merge_agents(agents[0], agents[1], self.actor()).name}.")

    def _move(self) -> None:
        agents = self.selected()
        if not agents:
            return
        teams = [t.name for t in Team.select().order_by(Team.name)]
        team, ok = QInputDialog.getItem(self, "Move to team", "Team (type a new name to create one)", teams, 0, True)
        if ok:
            self._act(lambda: "; ".join(f"{move_agent(a, team, self.actor()).name} → {team}" for a in agents))
