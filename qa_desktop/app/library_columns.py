"""The library table's columns as the user left them: order, widths and hidden columns (chosen in the
header's context menu), kept in the settings and put back after every reload of the table."""

from __future__ import annotations

import json

from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHeaderView, QMenu, QTableView

from qa_desktop.services.access.identity import team_mode
from qa_desktop.storage.library import COLUMNS

KEYS = list(COLUMNS)
# The columns a lead uses most first; Failed criteria, the longest text, last, where it takes the rest of the width.
# They all fit beside the review on a 1366x768 laptop (a library pane 740 px wide): the scores the product is for
# (overall, empathy, compliance) are shown; the driver and team, shown in each call's review and filtered on in the
# filter bar, are one right-click away.
ORDER = [
    "date",
    "agent",
    "overall",
    "empathy",
    "compliance",
    "duration",
    "auto_fail",
    "reviewed",
    "assigned",
    "failed",
    "driver",
    "team",
]
HIDDEN = {"driver", "team", "assigned"}  # on a database with users, Assigned to shows (a lead hands out calls)
WIDTHS = {
    "date": 116,
    "agent": 86,
    "team": 64,
    "duration": 62,
    "overall": 58,
    "empathy": 62,
    "compliance": 78,
    "auto_fail": 72,
    "reviewed": 66,
    "failed": 100,
    "driver": 116,
    "assigned": 80,
}
_KEY = "library/columns"


def _hidden() -> set[str]:
    """The columns hidden by default: Assigned to shows on a database with users, where calls are assigned."""
    return HIDDEN - {"assigned"} if team_mode() else set(HIDDEN)


def _chosen(saved: dict) -> dict[str, bool]:
    """The columns the user showed or hid (column -> shown); the others follow the database's defaults. A layout
    saved before choices were kept lists the hidden columns: a column hidden there that some database shows by
    default (Assigned to) was hidden by default, not chosen (saved on a database without users, it kept Assigned
    to hidden on a team's)."""
    if isinstance(saved.get("chosen"), dict):
        return {k: bool(v) for k, v in saved["chosen"].items() if k in KEYS}
    if "hidden" not in saved:
        return {}
    hidden, listed = set(saved["hidden"]), set(saved.get("order", KEYS))
    return {k: k not in hidden for k in KEYS if k in listed and (k in hidden) != (k in HIDDEN)}


def _hidden_by(chosen: dict[str, bool]) -> set[str]:
    """The columns hidden on this database: its defaults, then the user's choices."""
    return {k for k in KEYS if not chosen.get(k, k not in _hidden())}


class LibraryColumns:
    """Applies and remembers the layout of the library table's header."""

    def __init__(self, table: QTableView, store: QSettings) -> None:
        self.table, self.store = table, store
        self.header: QHeaderView = table.horizontalHeader()
        saved = self._saved()
        self.order: list[str] = [k for k in saved.get("order", []) if k in KEYS] or list(ORDER)
        self.order += [k for k in KEYS if k not in self.order]
        self.widths: dict[str, int] = {**WIDTHS, **{k: int(v) for k, v in saved.get("widths", {}).items() if k in KEYS}}
        self.chosen: dict[str, bool] = _chosen(saved)  # column -> shown, as the user chose in the header's menu
        self.hidden: set[str] = _hidden_by(self.chosen)
        self._applying = False
        self.header.setSectionsMovable(True)
        self.header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.header.customContextMenuRequested.connect(self.menu)
        self.header.sectionResized.connect(self._resized)
        self.header.sectionMoved.connect(self._moved)

    def _saved(self) -> dict:
        try:
            saved = json.loads(self.store.value(_KEY, "{}", type=str) or "{}")
        except (TypeError, ValueError):
            return {}
        return saved if isinstance(saved, dict) else {}

    def apply(self) -> None:
        """Put the columns back in the user's order, widths and visibility (after a reload)."""
        self._applying = True
        try:
            for position, key in enumerate(self.order):
                logical = KEYS.index(key)
                self.header.moveSection(self.header.visualIndex(logical), position)
                self.header.resizeSection(logical, self.widths[key])
                self.header.setSectionHidden(logical, key in self.hidden)
            if self.table.model().columnCount() > len(KEYS):  # a search: its hits in Failed criteria's place
                self.header.moveSection(self.header.visualIndex(len(KEYS)), len(KEYS))  # last, taking the rest
                self.header.resizeSection(len(KEYS), WIDTHS["failed"])
                self.header.setSectionHidden(KEYS.index("failed"), True)
        finally:
            self._applying = False

    def width(self) -> int:
        """The width of the columns shown, at their widths as the user left them."""
        return sum(self.widths[key] for key in self.order if key not in self.hidden)

    def menu(self, position: QPoint) -> QMenu:
        """The header's context menu: a check box per column, and the default layout."""
        menu = QMenu(self.table)
        for key in self.order:
            action = QAction(COLUMNS[key][0], menu, checkable=True, checked=key not in self.hidden)
            action.toggled.connect(lambda on, key=key: self.show_column(key, on))
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction("Default columns", self.reset)
        if position is not None:
            menu.popup(self.header.mapToGlobal(position))
        return menu

    def show_column(self, key: str, shown: bool) -> None:
        """Show or hide one column (the date always shows)."""
        if key == "date":
            shown = True
        self.chosen[key] = shown
        self.hidden.discard(key) if shown else self.hidden.add(key)
        self.header.setSectionHidden(KEYS.index(key), not shown)
        self._save()

    def reset(self) -> None:
        """Back to the default order, widths and columns."""
        self.order, self.widths, self.chosen = list(ORDER), dict(WIDTHS), {}
        self.hidden = _hidden_by(self.chosen)
        self.apply()
        self._save()

    def _resized(self, logical: int, _old: int, new: int) -> None:
        if not self._applying and logical < len(KEYS) and new > 0 and logical != self._stretched():
            self.widths[KEYS[logical]] = new
            self._save()

    def _stretched(self) -> int:
        """The last column shown, which takes the rest of the width: its width is the window's, not the user's
        (kept, it widened the library at every start)."""
        shown = [i for i in range(self.header.count()) if not self.header.isSectionHidden(i)]
        return max(shown, key=self.header.visualIndex)

    def _moved(self, _logical: int, _old: int, _new: int) -> None:
        if not self._applying:
            visual = sorted(range(len(KEYS)), key=self.header.visualIndex)
            self.order = [KEYS[logical] for logical in visual]
            self._save()

    def _save(self) -> None:
        self.store.setValue(_KEY, json.dumps({"order": self.order, "widths": self.widths, "chosen": self.chosen}))
