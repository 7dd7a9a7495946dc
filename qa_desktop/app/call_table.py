"""The call library as a Qt table model over the database."""

from __future__ import annotations

from typing import Any

from peewee import JOIN
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from ..storage.models import Agent, Call, Team

COLUMNS = ("Call time", "Agent", "Team", "Duration", "Channels", "Call ID", "File")
Index = QModelIndex | QPersistentModelIndex


def _duration(seconds: float) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


class CallTableModel(QAbstractTableModel):
    """Every stored call, newest first."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[tuple[Any, ...]] = []
        self.reload()

    def reload(self) -> None:
        """Re-read the calls from the database."""
        self.beginResetModel()
        query = (Call.select(Call.id, Call.call_time, Agent.name, Team.name, Call.duration_s, Call.channels,
                             Call.external_id, Call.path)
                 .join(Agent).switch(Call).join(Team, JOIN.LEFT_OUTER)
                 .order_by(Call.call_time.desc(nulls="LAST"), Call.id.desc()))
        self._rows = list(query.tuples())
        self.endResetModel()

    def call_id(self, row: int) -> int:
        """The database id of the call in a row."""
        return self._rows[row][0]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        _, call_time, agent, team, duration, channels, external_id, path = self._rows[index.row()]
        values = (
            call_time.strftime("%Y-%m-%d %H:%M") if call_time else "",
            agent, team or "", _duration(duration), "stereo" if channels == 2 else "mono", external_id or "",
            path.rsplit("/", 1)[-1],
        )
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == len(COLUMNS) - 1:
            return path
        return values[index.column()]
