"""How the windows show the calls imported without an agent's name ('(no agent)', `storage.no_agent`): in grey
italics, with a tooltip saying what they are, as Agents and teams first showed them, so that they read as no agent
rather than as one more agent's name."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QComboBox, QTreeWidgetItem

from qa_desktop.storage.no_agent import NO_AGENT, NO_AGENT_TIP

NO_AGENT_COLOUR = QColor("#666666")
# where the app lists calls or agents: what '(no agent)' is, and who can give those calls an agent
NO_AGENT_HINT = f"{NO_AGENT_TIP}: a QA lead gives them one in Agents and teams (Merge selected, or Rename…)"


def no_agent_font(font: QFont) -> QFont:
    """`font` in italics, for '(no agent)'."""
    italic = QFont(font)
    italic.setItalic(True)
    return italic


def mark_tree_item(item: QTreeWidgetItem, columns: range, tip: str) -> None:
    """Show a list's '(no agent)' (in its first column of `columns`) as the calls without an agent, greying
    `columns` and giving them `tip`."""
    item.setFont(columns[0], no_agent_font(item.font(columns[0])))
    for column in columns:
        item.setForeground(column, NO_AGENT_COLOUR)
        item.setToolTip(column, tip)


def mark_no_agent_choice(box: QComboBox) -> None:
    """Show a box's '(no agent)' choice, if it offers one, as the calls without an agent."""
    index = box.findText(NO_AGENT, Qt.MatchFlag.MatchExactly)
    if index >= 0:
        box.setItemData(index, NO_AGENT_COLOUR, Qt.ItemDataRole.ForegroundRole)
        box.setItemData(index, no_agent_font(box.font()), Qt.ItemDataRole.FontRole)
        box.setItemData(index, NO_AGENT_HINT, Qt.ItemDataRole.ToolTipRole)
