"""The library's filters: agent, team, dates, score range, auto-fail, a failed criterion, reviewed,
call driver, a full-text search of the transcripts, and a set of chosen calls (from a click elsewhere)
shown as a note with a button to show all calls again."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from qa_desktop.app.date_box import date_of, optional_date_box, show_date
from qa_desktop.services import library_choices
from qa_desktop.services.access.identity import current_user, team_mode
from qa_desktop.services.access.permissions import allowed
from qa_desktop.storage.library import LibraryFilter

_NEEDS_REVIEW = "needs review"
_ASSIGNED = "assigned to me"
_TO_ASSIGN = "to assign"
_QUEUE = "queue of "  # + a name: the calls assigned to that evaluator (a lead's)


def _queue_of(choice: object) -> str | None:
    """The evaluator whose queue a Reviewed choice lists, if it is one."""
    return choice[len(_QUEUE) :] if isinstance(choice, str) and choice.startswith(_QUEUE) else None


def _reviewed_choice(wanted: LibraryFilter) -> object:
    """The Reviewed box's choice that shows `wanted`."""
    if wanted.needs_review:
        return _NEEDS_REVIEW
    if wanted.assigned_to:
        return _ASSIGNED if wanted.assigned_to == current_user().name else _QUEUE + wanted.assigned_to
    return _TO_ASSIGN if wanted.unassigned else wanted.reviewed


def _combo(items: list[tuple[str, object]]) -> QComboBox:
    box = QComboBox()
    for text, value in items:
        box.addItem(text, value)
    return box


class FilterBar(QWidget):
    """Emits `changed` with a LibraryFilter whenever a filter changes (search after a short pause)."""

    changed = Signal(object)

    def __init__(
        self,
        driver_names: dict[str, str] | None = None,
        marked: Callable[[], list[str]] = lambda: [],
        service: ModuleType = library_choices,
    ) -> None:
        super().__init__()
        self.service = service  # what the boxes offer
        self.driver_names = driver_names or {}
        self.marked = marked  # criteria the agreement lab marks, for "Needs human review"
        self.search = QLineEdit(placeholderText="Search transcripts")  # in full in a laptop's 150 px field
        self.search.setToolTip("Words every matching call contains, said by either side, e.g. refund card* (a prefix)")
        self.search.setMinimumWidth(120)
        self.search.setClearButtonEnabled(True)
        self.agent, self.team, self.criterion, self.driver = QComboBox(), QComboBox(), QComboBox(), QComboBox()
        self.auto_fail = _combo([("Auto-fail: any", None), ("Auto-fail only", True), ("No auto-fail", False)])
        self.reviewed = _combo(
            [
                ("Reviewed: any", None),
                ("Not reviewed", False),
                ("Reviewed", True),
                ("Needs human review", _NEEDS_REVIEW),
            ]
        )
        self.reviewed.setItemData(
            3,
            "Unreviewed calls heard too unclearly to trust, or failing a criterion the agreement lab marks",
            Qt.ItemDataRole.ToolTipRole,
        )
        if team_mode():  # on a database with users: the calls a lead assigned to whoever signed in
            self.reviewed.addItem("Assigned to me", _ASSIGNED)
            self.reviewed.setItemData(4, "The calls assigned to you to review", Qt.ItemDataRole.ToolTipRole)
        self.lead = team_mode() and allowed(current_user(), "assign")  # hands calls out: sees every queue
        if self.lead:
            self.reviewed.addItem("Not reviewed, unassigned", _TO_ASSIGN)
            self.reviewed.setItemData(5, "Calls nobody reviewed or was asked to review", Qt.ItemDataRole.ToolTipRole)
        self.date_from, self.date_to = optional_date_box(), optional_date_box()
        self.chosen: list[int] | None = None  # only these calls (a dashboard or agreement-lab click)
        self.chosen_note = QLabel()
        self.chosen_note.setStyleSheet("background:#e8f0fe; padding:2px 6px")
        self.show_all = QPushButton("Show all calls")
        self.show_all.clicked.connect(lambda: (self._choose(None), self._emit()))
        self._choose(None)
        self.score_min, self.score_max = QSpinBox(), QSpinBox()
        for spin, value in ((self.score_min, 0), (self.score_max, 100)):
            spin.setRange(0, 100)
            spin.setValue(value)
        self.clear = QPushButton("Clear filters")
        self.clear.setToolTip("Show every call: no search, agent, team, dates, scores or criterion")
        self.clear.clicked.connect(lambda: self.show_filter(LibraryFilter()))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        rows = (
            (self.search, self.agent, self.team, self.driver, self.reviewed, self.clear),
            (
                QLabel("From"),
                self.date_from,
                QLabel("to"),
                self.date_to,
                QLabel("Score"),
                self.score_min,
                QLabel("–"),
                self.score_max,
                self.auto_fail,
                self.criterion,
            ),
            (self.chosen_note, self.show_all),
        )
        for widgets in rows:
            line = QHBoxLayout()
            for widget in widgets:
                line.addWidget(widget)
            layout.addLayout(line)
        layout.itemAt(0).layout().setStretch(0, 1)
        layout.itemAt(1).layout().addStretch()
        layout.itemAt(2).layout().addStretch()
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self._emit)
        self.search.textChanged.connect(self._debounce.start)
        for box in (self.agent, self.team, self.criterion, self.driver, self.auto_fail, self.reviewed):
            box.currentIndexChanged.connect(self._emit)
        for edit in (self.date_from, self.date_to):
            edit.dateChanged.connect(self._emit)
        for spin in (self.score_min, self.score_max):
            spin.valueChanged.connect(self._emit)
        self.refresh_choices()

    def refresh_choices(self) -> None:
        """Re-read agents, teams and criteria (after an import or a merge), keeping the selection."""
        offered = self.service.choices(self.driver_names)
        choices = [
            (self.agent, "All agents", offered.agents),
            (self.team, "All teams", offered.teams),
            (self.criterion, "Any failed criterion", offered.criteria),
            (self.driver, "All drivers", offered.drivers),
        ]
        for box, everything, items in choices:
            current = box.currentData()
            box.blockSignals(True)
            box.clear()
            box.addItem(everything, None)
            for text, value in items:
                box.addItem(text, value)
            box.setCurrentIndex(max(0, box.findData(current)) if current is not None else 0)
            box.blockSignals(False)
        if self.lead:
            self._offer_queues(offered.queues)

    def _offer_queues(self, names: list[str]) -> None:
        """ "Assigned to NAME" in the Reviewed box for each evaluator, after the lead's own choices (the one chosen
        stays chosen, even if no call is assigned to that name any more)."""
        box, chosen = self.reviewed, self.reviewed.currentData()
        box.blockSignals(True)
        while _queue_of(box.itemData(box.count() - 1)) is not None:
            box.removeItem(box.count() - 1)
        kept = _queue_of(chosen)
        for name in sorted(set(names) | ({kept} if kept else set()), key=str.casefold):
            box.addItem(f"Assigned to {name}", _QUEUE + name)
            box.setItemData(box.count() - 1, f"The calls assigned to {name} to review", Qt.ItemDataRole.ToolTipRole)
        box.setCurrentIndex(max(0, box.findData(chosen)))
        box.blockSignals(False)

    def current(self) -> LibraryFilter:
        """The filter the widgets describe."""
        low, high = self.score_min.value(), self.score_max.value()
        reviewed = self.reviewed.currentData()
        needs, assigned, to_assign = reviewed == _NEEDS_REVIEW, reviewed == _ASSIGNED, reviewed == _TO_ASSIGN
        queue = _queue_of(reviewed)
        return LibraryFilter(
            agent_id=self.agent.currentData(),
            team_id=self.team.currentData(),
            date_from=date_of(self.date_from),
            date_to=date_of(self.date_to),
            score_min=low if low > 0 else None,
            score_max=high if high < 100 else None,
            auto_fail=self.auto_fail.currentData(),
            failed_criterion=self.criterion.currentData(),
            reviewed=False if to_assign else None if needs or assigned or queue else reviewed,
            assigned_to=current_user().name if assigned else queue,
            unassigned=to_assign,
            search=self.search.text().strip(),
            driver=self.driver.currentData(),
            needs_review=needs,
            review_criteria=tuple(self.marked()) if needs else (),
            call_ids=self.chosen,
        )

    def _choose(self, call_ids: list[int] | None) -> None:
        self.chosen = call_ids
        if call_ids is not None:
            self.chosen_note.setText(f"Only {len(call_ids)} chosen call{'s' * (len(call_ids) != 1)}")
        self.chosen_note.setVisible(call_ids is not None)
        self.show_all.setVisible(call_ids is not None)

    def show_filter(self, wanted: LibraryFilter) -> None:
        """Set every widget to show `wanted` (e.g. from a dashboard click), then emit it once."""
        widgets = (
            self.search,
            self.agent,
            self.team,
            self.criterion,
            self.driver,
            self.auto_fail,
            self.reviewed,
            self.date_from,
            self.date_to,
            self.score_min,
            self.score_max,
        )
        for widget in widgets:
            widget.blockSignals(True)
        self.search.setText(wanted.search)
        for box, value in (
            (self.agent, wanted.agent_id),
            (self.team, wanted.team_id),
            (self.criterion, wanted.failed_criterion),
            (self.driver, wanted.driver),
            (self.auto_fail, wanted.auto_fail),
            (self.reviewed, _reviewed_choice(wanted)),
        ):
            box.setCurrentIndex(max(0, box.findData(value)))
        show_date(self.date_from, wanted.date_from)
        show_date(self.date_to, wanted.date_to)
        self.score_min.setValue(int(wanted.score_min or 0))
        self.score_max.setValue(int(wanted.score_max if wanted.score_max is not None else 100))
        self._choose(wanted.call_ids)
        for widget in widgets:
            widget.blockSignals(False)
        self.changed.emit(wanted)

    def _emit(self) -> None:
        self.changed.emit(self.current())
