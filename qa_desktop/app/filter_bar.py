"""The library's filters: agent, team, dates, score range, auto-fail, a failed criterion, reviewed,
call driver, a full-text search of the transcripts, and a set of chosen calls (from a click elsewhere)
shown as a note with a button to show all calls again. What the boxes offer is read in the background."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
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

from qa_desktop.app.background import Latest
from qa_desktop.app.date_box import date_of, optional_date_box, show_date
from qa_desktop.app.no_agent_look import mark_no_agent_choice
from qa_desktop.services import library_choices
from qa_desktop.services.access.identity import current_user, team_mode
from qa_desktop.services.access.permissions import allowed
from qa_desktop.services.library_choices import Choices
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
    """Emits `changed` with a LibraryFilter whenever a filter changes (search after a short pause). The agent,
    team, criterion and driver boxes (and a lead's queues) are filled in the background: until they are, they offer
    "All ..." and a value asked for (`show_filter`) waits to be chosen; `failed(message)` when reading them fails."""

    changed = Signal(object)
    failed = Signal(str)

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
        for box, everything in (
            (self.agent, "All agents"),
            (self.team, "All teams"),
            (self.criterion, "Any failed criterion"),
            (self.driver, "All drivers"),
        ):
            box.addItem(everything, None)  # the rest once read (`refresh_choices`)
        self.choices_read = False  # the boxes offer what the library holds (else reading it runs or failed)
        self.waiting: dict[QComboBox, object] = {}  # a value shown (`show_filter`) before its box offered it
        self.reading = Latest(self._choices_read, self._not_read, self, what="reading the library's filter choices")
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
            box.currentIndexChanged.connect(lambda _i, box=box: self._chosen_by_user(box))
        for edit in (self.date_from, self.date_to):
            edit.dateChanged.connect(self._emit)
        for spin in (self.score_min, self.score_max):
            spin.valueChanged.connect(self._emit)
        self.refresh_choices()

    def refresh_choices(self) -> None:
        """Re-read agents, teams, criteria, drivers and queues (at the start, after an import or a merge) in the
        background, keeping the selection: at 100,000 calls the reading held the window; a failure is `failed`."""
        self.choices_read = False
        service, driver_names = self.service, self.driver_names
        self.reading.start(lambda _task: service.choices(driver_names))

    def _not_read(self, message: str) -> None:
        self.failed.emit(message)

    def _choices_read(self, offered: Choices) -> None:
        for box, items in (
            (self.agent, offered.agents),
            (self.team, offered.teams),
            (self.criterion, offered.criteria),
            (self.driver, offered.drivers),
        ):
            current = self._value(box)
            with QSignalBlocker(box):
                everything = box.itemText(0)  # "All ..."
                box.clear()
                box.addItem(everything, None)
                for text, value in items:
                    box.addItem(text, value)
                box.setCurrentIndex(max(0, box.findData(current)) if current is not None else 0)
            self.waiting.pop(box, None)
        mark_no_agent_choice(self.agent)
        if self.lead:
            self._offer_queues(offered.queues)
        self.choices_read = True

    def _offer_queues(self, names: list[str]) -> None:
        """ "Assigned to NAME" in the Reviewed box for each evaluator, after the lead's own choices (the one chosen
        stays chosen, even if no call is assigned to that name any more)."""
        box, chosen = self.reviewed, self._value(self.reviewed)
        self.waiting.pop(box, None)
        box.blockSignals(True)
        while _queue_of(box.itemData(box.count() - 1)) is not None:
            box.removeItem(box.count() - 1)
        kept = _queue_of(chosen)
        for name in sorted(set(names) | ({kept} if kept else set()), key=str.casefold):
            box.addItem(f"Assigned to {name}", _QUEUE + name)
            box.setItemData(box.count() - 1, f"The calls assigned to {name} to review", Qt.ItemDataRole.ToolTipRole)
        box.setCurrentIndex(max(0, box.findData(chosen)))
        box.blockSignals(False)

    def _value(self, box: QComboBox) -> object:
        """What a box shows, or the value shown before the box offered it."""
        return self.waiting.get(box, box.currentData())

    def current(self) -> LibraryFilter:
        """The filter the widgets describe."""
        low, high = self.score_min.value(), self.score_max.value()
        reviewed = self._value(self.reviewed)
        needs, assigned, to_assign = reviewed == _NEEDS_REVIEW, reviewed == _ASSIGNED, reviewed == _TO_ASSIGN
        queue = _queue_of(reviewed)
        return LibraryFilter(
            agent_id=self._value(self.agent),
            team_id=self._value(self.team),
            date_from=date_of(self.date_from),
            date_to=date_of(self.date_to),
            score_min=low if low > 0 else None,
            score_max=high if high < 100 else None,
            auto_fail=self.auto_fail.currentData(),
            failed_criterion=self._value(self.criterion),
            reviewed=False if to_assign else None if needs or assigned or queue else reviewed,
            assigned_to=current_user().name if assigned else queue,
            unassigned=to_assign,
            search=self.search.text().strip(),
            driver=self._value(self.driver),
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
            if box.findData(value) < 0:  # not offered yet (the boxes are still being read): chosen once they are
                self.waiting[box] = value
            else:
                self.waiting.pop(box, None)
        show_date(self.date_from, wanted.date_from)
        show_date(self.date_to, wanted.date_to)
        self.score_min.setValue(int(wanted.score_min or 0))
        self.score_max.setValue(int(wanted.score_max if wanted.score_max is not None else 100))
        self._choose(wanted.call_ids)
        for widget in widgets:
            widget.blockSignals(False)
        self.changed.emit(wanted)

    def _chosen_by_user(self, box: QComboBox) -> None:
        self.waiting.pop(box, None)  # the user's choice, not a value still waiting to be offered
        self._emit()

    def _emit(self) -> None:
        if not self.choices_read and not self.reading.busy():  # reading them failed: again now (the server is back?)
            self.refresh_choices()
        self.changed.emit(self.current())
