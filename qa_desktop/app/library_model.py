"""The call library table: a QAbstractTableModel over the database that loads rows a page at a time. A
large library's ordered ids are read in the background (the table keeps the old rows until they arrive);
a change to one call updates its row alone."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from qa_desktop.app.background import Latest, Task, run_task
from qa_desktop.app.hit_delegate import hit_text
from qa_desktop.app.no_agent_look import NO_AGENT_COLOUR, NO_AGENT_HINT, no_agent_font
from qa_desktop.services.library import visible
from qa_desktop.storage import library
from qa_desktop.storage.criteria import criterion_names, critical_criteria, in_order
from qa_desktop.storage.library import COLUMNS, LibraryFilter, LibraryRow, Listed
from qa_desktop.storage.no_agent import has_agent, shown_agent
from scoring.display import clock
from scoring.transcript import TEXT

Index = QModelIndex | QPersistentModelIndex
PAGE = 200
INLINE_CALLS = (
    10_000  # up to this many calls a filter or sort is answered at once (tens of ms); above, in the background
)
KEYS = list(COLUMNS)
CALL_ID_ROLE = Qt.ItemDataRole.UserRole + 1
_FAIL, _PASS, _MUTED = QColor("#b3261e"), QColor("#1b6e20"), QColor("#777777")


def length_text(row: LibraryRow) -> str:
    """A call's duration; a text conversation is marked ✉ (with its duration when its messages have times)."""
    if row.medium != TEXT:
        return clock(row.duration_s)
    return f"✉ {clock(row.duration_s)}" if row.timed else "✉"


NO_CALL_TIME = "no call time"  # as the review's header says it


def path_tip(row: LibraryRow) -> str:
    """The recording's path, or the transcript file's saying it is a text conversation."""
    return f"text conversation (chat, email or ticket): {row.path}" if row.medium == TEXT else row.path


def _colour(row: LibraryRow, key: str) -> QColor | None:
    """A cell's text colour: red for an auto-fail and a score under 60, green for 85 and over, grey when unscored;
    '(no agent)' as everywhere."""
    if key == "auto_fail" and row.auto_fail:
        return _FAIL
    if key == "agent" and not has_agent(row.agent):
        return NO_AGENT_COLOUR
    if key == "date" and row.date is None:
        return _MUTED
    if row.unscored:
        return _MUTED
    value = getattr(row, key) if key in ("overall", "empathy", "compliance") else None
    if value is None:
        return None
    return _FAIL if value < 60 else _PASS if value >= 85 else None


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


_TEXTS: dict[str, Callable[[LibraryRow], str]] = {  # column key -> its text (Failed criteria and Driver: the model's)
    "date": lambda row: row.date.strftime("%Y-%m-%d %H:%M") if row.date else NO_CALL_TIME,
    "agent": lambda row: shown_agent(row.agent),
    "team": lambda row: row.team,
    "duration": length_text,
    "overall": lambda row: "short" if row.unscored else _number(row.overall),
    "empathy": lambda row: _number(row.empathy),
    "compliance": lambda row: _number(row.compliance),
    "auto_fail": lambda row: "" if row.auto_fail is None else ("AUTO-FAIL" if row.auto_fail else "no"),
    "reviewed": lambda row: "✓" if row.reviewed else "",
    "hit": lambda row: row.hit,
    "assigned": lambda row: row.assigned_to,
}


class LibraryModel(QAbstractTableModel):
    """Every call that passes the filter, sorted in SQL; row details are fetched only when shown.
    `load_started` when a large library's rows are being read in the background, `load_failed(message)`
    when they could not be."""

    load_started = Signal()
    load_failed = Signal(str)

    def __init__(self, driver_names: dict[str, str] | None = None) -> None:
        super().__init__()
        self.inline_calls = INLINE_CALLS
        self.large = False  # over `inline_calls` calls: reads that grow with the library run in the background
        self.loading = False  # a background read is on its way
        self._loader = Latest(self._show_read, self._load_failed, self, what="reading the library")
        self.driver_names = driver_names or {}  # call-driver id -> name, for the Driver column
        self.criterion_names = criterion_names()  # criterion id -> name, in scorecard order
        self.critical = critical_criteria()  # their fail is an auto-fail: listed first, marked ⚑
        self.filter = LibraryFilter()
        self.sort_key, self.descending = "date", True
        self._ids: list[int] = []
        self._listed: dict[int, Listed] = {}  # each call's assignment as the lead last saw it (row or list read)
        self._pages: dict[int, list[LibraryRow]] = {}
        self.reload()

    # --- what the view asks -------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(KEYS) + (1 if self.filter.search.strip() else 0)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        return COLUMNS[KEYS[section]][0] if section < len(KEYS) else "Search hit"

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.row(index.row())
        key = KEYS[index.column()] if index.column() < len(KEYS) else "hit"
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, key)
        if role == CALL_ID_ROLE:
            return row.call_id
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, key)
        if role == Qt.ItemDataRole.ForegroundRole:
            return _colour(row, key)
        if role == Qt.ItemDataRole.FontRole and key == "agent" and not has_agent(row.agent):
            return no_agent_font(QApplication.font())
        if role == Qt.ItemDataRole.TextAlignmentRole and key in ("duration", "overall", "empathy", "compliance"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _tooltip(self, row: LibraryRow, key: str) -> str:
        if key == "overall" and row.unscored:
            return row.unscored
        if key == "date" and row.date is None:
            imported = f" (imported {row.imported:%Y-%m-%d %H:%M})" if row.imported else ""
            return f"No call time{imported}: it sorts after the calls with one\n{path_tip(row)}"
        if key == "agent" and not has_agent(row.agent):
            return f"{NO_AGENT_HINT}. They sort after the agents.\n{path_tip(row)}"
        return {"failed": "\n".join(self.failed_names(row)), "hit": hit_text(row.hit)}.get(key, path_tip(row))

    def failed_names(self, row: LibraryRow) -> list[str]:
        """The names of a row's failed criteria: the critical ones (why a call auto-fails, marked ⚑) first, then
        the others, each in scorecard order."""
        ids = sorted(in_order(row.failed, self.criterion_names), key=lambda c: c not in self.critical)
        return [self.criterion_names.get(c, c) + " ⚑" * (c in self.critical) for c in ids]

    def _failed_text(self, row: LibraryRow) -> str:
        """The failed criteria, counted when there are several: the count shows however narrow the column."""
        names = self.failed_names(row)
        return f"{len(names)}: {', '.join(names)}" if len(names) > 1 else "".join(names)

    def _text(self, row: LibraryRow, key: str) -> str:
        """One cell's text, worked out alone: a repaint asks for every visible cell."""
        if key == "failed":
            return self._failed_text(row)
        if key == "driver":
            return self.driver_names.get(row.driver, row.driver)
        return _TEXTS[key](row)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        wanted = (KEYS[column], order == Qt.SortOrder.DescendingOrder) if column < len(KEYS) else None
        if wanted is None or wanted == (self.sort_key, self.descending):
            return  # already in this order: the view asks again when its sorting is switched on
        self.sort_key, self.descending = wanted
        self.reload()

    # --- what the window asks -----------------------------------------------------------
    def set_filter(self, new: LibraryFilter) -> None:
        """Show the calls that pass this filter."""
        self.filter = new
        self.reload()

    def reload(self, names: bool = False) -> None:
        """Query the database again (after a filter, a sort, an import or a review); `names` re-reads the
        criteria's names too (after an import, which may bring a new scorecard)."""
        if names:
            self.criterion_names, self.critical = criterion_names(), critical_criteria()
        chosen, sort, descending, limit = self.filter, self.sort_key, self.descending, self.inline_calls
        if not self.large:  # small when last counted: counted again here (milliseconds), and answered at once
            self.large = library.call_count() > limit
        if not self.large:
            self._show(library.listing(visible(chosen), sort, descending))  # an agent's own calls only
            return
        self.loading = True
        self.load_started.emit()

        def read(_task: Task) -> tuple[bool, tuple[list[int], dict[int, Listed]]]:  # the user and the count too:
            return library.call_count() > limit, library.listing(visible(chosen), sort, descending)  # typing a search

        self._loader.start(read)

    def _show_read(self, read: tuple[bool, tuple[list[int], dict[int, Listed]]]) -> None:
        """A background read: whether the library is still large, and its listing."""
        self.large, listing = read
        self._show(listing)

    def wait(self) -> None:
        """Block until a background read ends (for tests and closing; its rows show at the next events)."""
        self._loader.wait()

    def _show(self, listing: tuple[list[int], dict[int, Listed]]) -> None:
        self.beginResetModel()
        self.loading = False
        self._ids, self._listed = listing
        self._pages = {}
        self.endResetModel()

    def _load_failed(self, message: str) -> None:
        self.loading = False
        self.load_failed.emit(message)

    def update_row(self, call_id: int, row: LibraryRow | None) -> None:
        """Show one call's new details (after a review action) without reading the library again; None takes
        the call out (it no longer passes the filter). The row keeps its place and its search hit until the
        next sort."""
        number = self.row_of(call_id)
        if number is None:
            return
        if row is None:
            self.beginRemoveRows(QModelIndex(), number, number)
            del self._ids[number]
            self._listed.pop(call_id, None)
            self._pages = {}  # the rows after it moved up
            self.endRemoveRows()
            return
        page = self._pages.get(number // PAGE)
        if page is not None:
            row.hit = page[number % PAGE].hit  # the transcript did not change
            page[number % PAGE] = row
        self._listed[call_id] = row.listed
        self.dataChanged.emit(self.index(number, 0), self.index(number, self.columnCount() - 1))

    def show_assigned(self, call_ids: list[int], evaluator: str | None) -> None:
        """Show calls assigned to an evaluator (None: nobody) in the rows already read, without reading the
        library again (the selection stays)."""
        wanted = set(call_ids)
        for page in self._pages.values():
            for row in page:
                if row.call_id in wanted:
                    row.assigned_to = evaluator or ""
        for call_id in wanted & self._listed.keys():
            self._listed[call_id] = Listed(evaluator, self._listed[call_id].reviewed)
        if self._ids:
            column = KEYS.index("assigned")
            self.dataChanged.emit(self.index(0, column), self.index(len(self._ids) - 1, column))

    def shown_assignees(self, call_ids: list[int]) -> dict[int, Listed]:
        """Call id -> its assignment as the lead last saw it, for every one of these listed calls: as its row showed
        it, or for a row not yet read, as the list read it."""
        return {call_id: self._listed[call_id] for call_id in call_ids}

    def row(self, number: int) -> LibraryRow:
        """The details of a row, loading its page if needed."""
        page = number // PAGE
        if page not in self._pages:
            ids = self._ids[page * PAGE : (page + 1) * PAGE]
            later = self.large and bool(self.filter.search.strip())  # ranking a common word's hits takes long
            self._pages[page] = library.rows(ids, "" if later else self.filter.search)
            self._listed |= {row.call_id: row.listed for row in self._pages[page]}
            if later:
                self._find_hits(page, ids)
        return self._pages[page][number % PAGE]

    def _find_hits(self, page: int, ids: list[int]) -> None:
        """Read a page's search hits in the background; the Search hit column fills in when they come (if the
        page still shows the same calls)."""
        rows = self._pages[page]

        def show(found: dict[int, str]) -> None:
            if self._pages.get(page) is not rows:
                return
            for row in rows:
                row.hit = found.get(row.call_id, "")
            first, last = page * PAGE, page * PAGE + len(rows) - 1
            self.dataChanged.emit(self.index(first, len(KEYS)), self.index(last, len(KEYS)))

        search = self.filter.search
        run_task(
            lambda _task: library.hits(ids, search),
            show,
            self.load_failed.emit,
            what="finding the search hits of a page of the library",
        )

    def call_id(self, number: int) -> int:
        """The database id of the call in a row."""
        return self._ids[number]

    def row_of(self, call_id: int) -> int | None:
        """The row showing a call, if it passes the filter."""
        try:
            return self._ids.index(call_id)
        except ValueError:
            return None

    def row_chunks(self, size: int = 900) -> Iterator[list[LibraryRow]]:
        """Every row in the current order, a chunk at a time (for export; safe off the UI thread: it reads
        a copy of the ids)."""
        ids = list(self._ids)
        for start in range(0, len(ids), size):
            yield library.rows(ids[start : start + size])
