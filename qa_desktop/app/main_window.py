"""The main window: a Calls tab (the library's filters and sortable table beside the review of the selected
call) and a Dashboards tab, with import, agents and teams, coaching, CSV export and settings in the toolbar."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QPoint, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QSplitter,
    QStyle,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from qa_desktop.app import file_dialogs
from qa_desktop.app.agreement_window import AgreementWindow
from qa_desktop.app.assign_menu import AssignOptions, add_assign_menu
from qa_desktop.app.background import Latest, Task, run_task, wait_for_tasks
from qa_desktop.app.calibration_window import CalibrationWindow
from qa_desktop.app.coaching_window import CoachingWindow
from qa_desktop.app.dashboard_view import DashboardView
from qa_desktop.app.dialog_size import fit_to_screen
from qa_desktop.app.disputes_dialog import DisputesDialog
from qa_desktop.app.filter_bar import FilterBar
from qa_desktop.app.hit_delegate import HitDelegate
from qa_desktop.app.import_dialog import ImportDialog
from qa_desktop.app.import_worker import ImportPlan
from qa_desktop.app.library_columns import LibraryColumns
from qa_desktop.app.library_model import LibraryModel
from qa_desktop.app.login_dialog import IdleGuard
from qa_desktop.app.my_packs_dialog import MyPacksDialog
from qa_desktop.app.own_keys import OwnKeys
from qa_desktop.app.people_dialog import PeopleDialog
from qa_desktop.app.retention_dialog import RetentionDialog
from qa_desktop.app.review_view import ReviewView
from qa_desktop.app.settings_dialog import SettingsDialog
from qa_desktop.app.ui_thread_gc import collect_on_ui_thread
from qa_desktop.app.users_dialog import UsersDialog
from qa_desktop.services import review as review_service
from qa_desktop.services.access.identity import current_user, signed_in, team_mode
from qa_desktop.services.access.permissions import ACTIONS, AGENT, ROLES, allowed
from qa_desktop.services.config import Config
from qa_desktop.services.csv_export import write_csv
from qa_desktop.services.retention import RetentionReport, apply_policy
from qa_desktop.services.review import Assignment
from qa_desktop.services.settings import Settings, SettingsError
from qa_desktop.services.trust.agreement import marked_criteria
from qa_desktop.storage import repository
from qa_desktop.storage.criteria import named
from qa_desktop.storage.library import COLUMNS, LibraryFilter


def _rounded(score: float | None) -> float | str:
    return "" if score is None else round(score, 1)


def _yes_no(value: bool | None) -> str:
    return "" if value is None else "yes" if value else "no"


class _ExportCancelled(Exception):
    """The user cancelled a CSV export."""


RETENTION_EVERY_MS = 24 * 3600 * 1000  # the retention policy's scheduled run: at start, then daily
_GEOMETRY, _LIBRARY_SPLIT, _REVIEW_SPLIT = "window/geometry", "window/library_split", "window/review_split"
_LIBRARY_SPLIT_AT = "window/library_split_at"  # the window's width when the library's split was left
NARROWEST_TRANSCRIPT = 160  # px: a saved split leaving the transcript less is not restored (it read a word a line)


class MainWindow(QMainWindow):
    """The app's window over an open database."""

    def __init__(self, database_path: Path, settings: Settings | None = None) -> None:
        super().__init__()
        self.release_gc = collect_on_ui_thread(self)  # cycles freed on the UI thread, not a worker
        self.settings = settings or Settings()
        self.database_path = database_path
        user = current_user()
        signed = f" — {user.name} ({ROLES[user.role]})" if team_mode() else ""
        self.setWindowTitle(f"qa-desktop — {database_path.name}{signed}")
        self.import_dialog: ImportDialog | None = None
        self.settings_warning: QMessageBox | None = None
        self.assign_report: QMessageBox | None = None  # the calls an assignment refused
        warnings = self.settings.check()
        if warnings:
            QTimer.singleShot(0, lambda: self._warn_settings(warnings))
        self.config = Config.resolve(self.settings)  # again when the settings are saved
        self.exporting: Task | None = None
        drivers = self.config.load_drivers()
        self.calls = LibraryModel({d.id: d.name for d in drivers.drivers})
        self.count = QLabel()  # the library's count and database, kept while notices come and go beside it
        self.statusBar().addPermanentWidget(self.count)
        self.calls.load_started.connect(lambda: self.count.setText("Reading the library…"))
        self.calls.load_failed.connect(
            lambda message: self.statusBar().showMessage(f"Could not read the library: {message} (details in the log)")
        )
        self.marked: list[str] = []  # criteria the agreement lab marks, for "Needs human review"
        self.marks_stale = True  # read when that filter is chosen: at 100,000 calls the reading is seconds of CPU
        self.marking = Latest(
            self._marked_read, self._marking_failed, self, what="reading the criteria marked by the agreement lab"
        )
        self.filters = FilterBar(self.calls.driver_names, lambda: self.marked)
        self.filters.changed.connect(self._filter)
        self.filters.failed.connect(
            lambda message: self.statusBar().showMessage(
                f"Could not read the agents, teams, criteria and drivers to filter by: {message} (details in the "
                "log); they are read again at your next change of filter"
            )
        )
        self.table = QTableView()
        self.table.setModel(self.calls)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(list(COLUMNS).index("date"), Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)  # many, to assign them
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        # The header's own (empty) selection: painting each column's header asks whether the column is selected,
        # which Qt answers row by row through the model (Ctrl+A over 60,000 calls froze the window 2-14 s).
        header.setSelectionModel(QItemSelectionModel(self.calls, header))
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.columns = LibraryColumns(self.table, self.settings.store)
        self.table.setItemDelegateForColumn(len(COLUMNS), HitDelegate(self.table))
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self._open_at_once = False  # `select_row` opens its call at once; in a large library a click reads it first
        self.assigning: Task | None = None
        self.assign_options = AssignOptions(self)
        if team_mode():  # calls are assigned to evaluators only where there are users
            self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            self.table.customContextMenuRequested.connect(self.library_menu)
            self.assign_options.refresh()  # ready before the first right-click
        self.calls.modelReset.connect(self._after_reset)
        self.calls.rowsRemoved.connect(self._show_count)  # a reviewed call left the filter
        self.empty_note = QLabel()  # says why the table is empty, and what to do
        QVBoxLayout(self.table.viewport()).addWidget(self.empty_note, 0, Qt.AlignmentFlag.AlignTop)
        self.empty_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_note.setWordWrap(True)
        self.empty_note.setStyleSheet("color:#555; font-size:12pt; padding:24px")
        self.review = ReviewView(self.reviewer, self.calls.driver_names)
        self.review.changed.connect(self._call_changed)
        self.review.notice.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.review.not_opened.connect(self.table.clearSelection)  # a click on its row opens it again
        self.resume_banner = self._resume_banner()
        library = QWidget()
        column = QVBoxLayout(library)
        column.setContentsMargins(4, 4, 4, 4)
        column.addWidget(self.resume_banner)
        column.addWidget(self.filters)
        column.addWidget(self.table)
        column.addWidget(self._legend())
        self.splitter = splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(library)
        splitter.addWidget(self.review)
        splitter.setChildrenCollapsible(False)
        splitter.setCollapsible(0, True)  # the library hides (Ctrl+L, or its edge dragged left): the review takes it
        splitter.setStretchFactor(1, 1)  # a wider window widens the review; the library keeps its columns
        self._library_shown = 0  # the library's width before it was hidden
        self.dashboards = DashboardView(drivers)
        self.dashboards.open_calls.connect(self._dashboard_calls)
        self.tabs = QTabWidget()
        self.tabs.addTab(splitter, "Calls")
        self.tabs.addTab(self.dashboards, "Dashboards")
        self.back = QPushButton("◀ Back to dashboards")  # after a click-through, to the chart as it was
        self.back.setToolTip("Return to the dashboards, scrolled where you left them")
        self.back.clicked.connect(lambda: self.tabs.setCurrentWidget(self.dashboards))
        self.back.hide()
        self.tabs.setCornerWidget(self.back, Qt.Corner.TopRightCorner)
        self.tabs.currentChanged.connect(lambda _i: self.tabs.currentWidget() is self.dashboards and self.back.hide())
        self.tabs.currentChanged.connect(lambda i: i == 1 and not self.dashboards.started and self.dashboards.refresh())
        self.setCentralWidget(self.tabs)
        self._toolbar()
        self._shortcuts()
        self._placed = False  # the splitters, at the first show
        self._fit_screen()
        self._after_reset()
        self.idle = IdleGuard(self) if team_mode() else None
        if self.idle is not None:
            self.idle.lapsed.connect(self.close)
        self.retention_timer = QTimer(self, interval=RETENTION_EVERY_MS, timeout=self.run_retention)
        self.retention_timer.start()
        QTimer.singleShot(0, self.run_retention)

    def run_retention(self) -> Task | None:
        """The retention policy's scheduled run (at start, then daily), in the background, in an admin's app
        and as them (the audit log names who ran it); None in the app of a user of another role."""
        user = signed_in() if team_mode() else current_user()
        if user is None or not allowed(user, "retention"):
            return None
        return run_task(
            lambda _task: apply_policy(),
            self._retention_done,
            lambda text: self.statusBar().showMessage(f"Retention failed: {text}", 15000),
            what="applying the retention policy",
        )

    def _retention_done(self, report: RetentionReport) -> None:
        if report.recordings or report.transcripts or report.audit_entries or report.failed:
            self.statusBar().showMessage(f"Retention: {report.summary()}", 15000)
            self.calls.reload()

    def reviewer(self) -> str:
        """The reviewer's name for the audit log: the signed-in user's on a database with users; else from
        settings, asked (and kept) before the first change."""
        if team_mode():
            return current_user().name
        name = self.config.reviewer
        if not name:
            name, ok = QInputDialog.getText(
                self,
                "Your name",
                "Your name, as the audit log will show it for your changes\n(kept in Settings; change it there):",
                text=getpass.getuser(),
            )
            name = name.strip()
            if ok and name:
                self.config = replace(self.config, reviewer=name)
                try:
                    self.settings.set("reviewer", name)
                except SettingsError as exc:  # used for this session all the same
                    self.statusBar().showMessage(f"Your name is not kept for next time: {exc}", 8000)
            else:  # asked again at the next change
                name = getpass.getuser()
                self.statusBar().showMessage(f"No name given: this change is recorded as '{name}'", 8000)
        return name

    def _fit_screen(self) -> None:
        """The size and place the user left; the first time, most of the available screen."""
        geometry = self.settings.store.value(_GEOMETRY)
        if geometry is None or not self.restoreGeometry(geometry):
            fit_to_screen(self)
            self.move(self.screen().availableGeometry().center() - self.rect().center())

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        """The splitters are placed when the window first shows, laid out at its size (sizes given to a splitter
        not yet laid out are scaled to its width then: the scorecard lost its verdicts' width)."""
        super().showEvent(event)
        if not self._placed:
            self._placed = True
            self._split()

    def _split(self) -> None:
        """The splitters as the user left them; the first time, the library wide enough for its columns (if the
        window is), the rest to the review, split then between its transcript and scorecard."""
        library = self._default_library()
        for key, splitter, sizes in (
            (_LIBRARY_SPLIT, self.splitter, lambda: [library, self.width() - library]),
            (_REVIEW_SPLIT, self.review.split, self.review.default_split),  # at the review's width, once set
        ):
            state = self.settings.store.value(key)
            if state is None or not splitter.restoreState(state):
                splitter.setSizes(sizes())
        shown, review = self.splitter.sizes()
        left_at = self.settings.store.value(_LIBRARY_SPLIT_AT, 0, type=int)
        if shown > library and left_at != self.width():  # left wider in a wider window (another screen): the review
            self.splitter.setSizes([library, shown + review - library])  # keeps what a first start here gives it
        if self.review.split.sizes()[0] < NARROWEST_TRANSCRIPT:  # left so in a wider window: the scorecard kept its
            self.review.split.setSizes(self.review.default_split())  # width there, leaving the transcript a sliver

    def _default_library(self) -> int:
        """The library pane's width on a first start at this window's width: its columns in full if it can; the
        widest a split left in a window of another width may leave it (wider, the review narrowed: at 1366x768 a
        split left at 1920x1080 left the review 500 px, not 540)."""
        return max(self.width() * 44 // 100, self._library_width())

    def _library_width(self) -> int:
        """The library pane's width that shows every column it shows without scrolling."""
        scroll_bar = self.table.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        return self.columns.width() + 2 * self.table.frameWidth() + scroll_bar + 8  # and the pane's margins

    # --- toolbar and keyboard -----------------------------------------------------------
    def _toolbar(self) -> None:
        """The toolbar; what the signed-in user's role cannot do is disabled, its tooltip naming the role
        needed (the services refuse it too)."""
        bar = self.addToolBar("Main")
        bar.setMovable(False)
        self.actions: dict[str, QAction] = {}
        user = current_user()
        for text, slot, tip, needs in (
            ("Import…", self.open_import, "Import recordings and an optional metadata CSV", "ingest"),
            ("Agents and teams…", self._people, "Rename, merge and move agents", "manage agents"),
            (
                ("My coaching packs…", self.open_my_packs, "Export the packs of your coaching sessions", None)
                if user.role == AGENT
                else ("Coaching…", self.open_coaching, "Focus suggestions, coaching sessions and packs", "coach")
            ),
            (
                "Calibration…",
                self.open_calibration,
                "Evaluators score the same calls blind; settle the expert answer",
                "answer calibration",
            ),
            (
                "Disputes…",
                self.open_disputes,
                "Accept or reject disputed results; counts per agent and criterion",
                "settle dispute",
            ),
            (
                "Agreement lab…",
                self.open_agreement,
                "How often automatic verdicts agree with people, per criterion",
                "read reviews",
            ),
            ("Export CSV…", self._export, "Save the library's current rows as CSV", None),
            ("Settings…", self._settings, "Model, device, agent channel, scorecard, reviewer", None),
            ("Users…", self._users, "Who signs in, and their roles", "manage users"),
            ("Retention…", self._retention, "How long recordings, transcripts and the audit log are kept", "retention"),
        ):
            action = QAction(text, self)
            action.setIconText(text)  # Qt's button text drops the "…" that says a dialog asks for more first
            action.setToolTip(tip)
            action.triggered.connect(slot)
            if needs is not None and not allowed(user, needs):
                action.setEnabled(False)
                action.setToolTip(f"{tip} — {ACTIONS[needs].label} is not for your role ({ROLES[user.role]})")
            self.actions[text] = action
            bar.addAction(action)

    def _shortcuts(self) -> None:
        keys = {
            "Space": self.review.player.toggle,
            "Left": lambda: self.review.player.skip(-5),
            "Right": lambda: self.review.player.skip(5),
            "Up": lambda: self.review.step_utterance(-1),
            "Down": lambda: self.review.step_utterance(1),
            "Ctrl+Up": lambda: self.step_call(-1),
            "Ctrl+Down": lambda: self.step_call(1),
            "Ctrl+L": self.toggle_library,
        }
        for key, slot in keys.items():
            QShortcut(QKeySequence(key), self, activated=slot)
        for rows in (self.table, self.review.scorecard.tree):  # Up/Down move through calls and criteria there
            OwnKeys(rows)

    def toggle_library(self) -> None:
        """Hide the library, its width going to the review's transcript (the scorecard keeps its own), or show it
        again as wide as it was; Ctrl+Up/Down still step through its calls while it is hidden."""
        library, review = self.splitter.sizes()
        if library:
            self._library_shown = library
            self.splitter.setSizes([0, library + review])
            self.statusBar().showMessage("Library hidden: Ctrl+L shows it again", 8000)
        else:
            shown = self._library_shown or self._default_library()
            self.splitter.setSizes([shown, review - shown])

    def step_call(self, step: int) -> None:
        """Open the previous (-1) or next (+1) call in the library's current order."""
        current = self.table.currentIndex().row()
        target = min(max(current + step, 0), self.calls.rowCount() - 1)
        if target >= 0:
            self.select_row(target, at_once=not self.calls.large)

    def select_row(self, row: int, *, at_once: bool = True) -> None:
        """Select that row alone and open its call (at once, or read in the background), whatever keys are held: the
        table's own `selectRow` follows the keyboard's modifiers (with Ctrl held, as in Ctrl+Down, it adds the row to
        the selection, which opens nothing, or takes it out)."""
        index = self.calls.index(row, 0)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self._open_at_once = at_once
        try:
            self.table.selectionModel().setCurrentIndex(index, flags)
        finally:
            self._open_at_once = False
        self.table.scrollTo(index)

    # --- library ------------------------------------------------------------------------------
    def _filter(self, new) -> None:
        if new.needs_review and self.marks_stale:
            self._read_marked()  # the list shows now by the marks known; again if they have changed
        self.calls.set_filter(new)

    def _dashboard_calls(self, wanted: LibraryFilter) -> None:
        self.show_calls(wanted)
        self.back.show()

    def show_calls(self, wanted: LibraryFilter) -> None:
        """List the calls behind a dashboard element: the Calls tab with the filter bar showing `wanted`."""
        self.filters.show_filter(wanted)
        self.tabs.setCurrentIndex(0)

    def _after_reset(self) -> None:
        """After a filter, sort or reload: size the columns, show search hits in Failed criteria's place, keep the
        open call selected if it still shows (else open the first row)."""
        self.columns.apply()
        count = self._show_count()
        current = self.review.shown_or_opening()
        row = self.calls.row_of(current) if current is not None else None
        empty = self._why_empty()
        self.empty_note.setText(empty)
        self.empty_note.setVisible(not count)
        if not count:
            self.review.close_call(empty)
        elif row is None:  # a large library's (read in the background): its first call too, as the user types
            self.select_row(0, at_once=not self.calls.large)
        else:
            self._select_quietly(row)
            self.review.mark(self.calls.filter.search)

    def _show_count(self) -> int:
        """Say in the status bar how many calls the library shows; that count."""
        count = self.calls.rowCount()
        self.count.setText(f"{count} call{'s' * (count != 1)} · database {self.database_path}")
        return count

    def _why_empty(self) -> str:
        """Why the library shows no call, and what to do."""
        shown = self.calls.filter
        if shown.needs_review:
            return (
                "No call needs human review: no unreviewed call was heard too unclearly to trust or fails a "
                f"criterion the agreement lab marks ({len(self.marked)} marked now). Choose Reviewed: any to "
                "see every call."
            )
        if shown.active():
            return "No call matches these filters: change them or press Clear filters."
        return "No calls yet: import recordings or chat transcripts with Import…"

    @staticmethod
    def _legend() -> QLabel:
        legend = QLabel(
            "<span style='color:#b3261e'>■</span> score under 60 &nbsp; <span style='color:#1b6e20'>■</span> 85 "
            "or more &nbsp; <span style='color:#b3261e'>AUTO-FAIL</span> a critical (⚑) criterion failed &nbsp; "
            "✓ reviewed &nbsp; · right-click the header to choose columns · Ctrl+L hides the library"
        )
        legend.setStyleSheet("color:#555")
        legend.setWordWrap(True)
        return legend

    def selected_rows(self) -> list[int]:
        """The numbers of the library's selected rows, in order (read from the selection's ranges: Ctrl+A over
        100,000 calls is one range)."""
        ranges = self.table.selectionModel().selection()
        return sorted({row for part in ranges for row in range(part.top(), part.bottom() + 1)})

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        """Open the call when one row is selected (several are selected to assign them: the open call stays)."""
        ranges = self.table.selectionModel().selection()
        if len(ranges) == 1 and ranges[0].height() == 1:
            call_id, search = self.calls.call_id(ranges[0].top()), self.calls.filter.search
            if self.calls.large and not self._open_at_once:  # a click, a new filter's first row: read off the UI thread
                self.review.open_soon(call_id, search)
                return
            try:
                self.review.open_call(call_id, search)
            except Exception:
                self.table.clearSelection()  # not open: a click on its row opens it again (the error dialog says why)
                raise

    def library_menu(self, position: QPoint | None) -> QMenu:
        """The library's context menu: assign the selected calls to an evaluator."""
        menu = QMenu(self.table)
        add_assign_menu(
            menu, len(self.selected_rows()), self.assign_selected, self.assigning is not None, self.assign_options
        )
        if position is not None:
            menu.popup(self.table.viewport().mapToGlobal(position))
        return menu

    def assign_selected(self, evaluator: str | None) -> Task | None:
        """Assign the selected calls to an evaluator (None: nobody) in the background, a batch at a time, with a
        progress dialog whose Cancel stops after the batch being saved; a call whose assignment changed since the
        library read it (another lead) is refused, the others assigned."""
        numbers = self.selected_rows()
        if not numbers:
            return None
        ids = [self.calls.call_id(number) for number in numbers]
        shown = self.calls.shown_assignees(ids)
        whom = evaluator or "nobody"
        progress = QProgressDialog(f"Assigning {len(ids):,} calls to {whom}…", "Cancel", 0, len(ids), self)
        progress.setWindowTitle("Assign calls")
        progress.setMinimumDuration(500)
        saved = [0]  # calls whose batch was saved (Cancel resets the dialog's own value)

        def report(done: int, _total: int) -> None:
            saved[0] = done
            progress.setValue(done)

        self.statusBar().showMessage(f"Assigning {len(ids):,} call{'s' * (len(ids) != 1)} to {whom}…")
        self.assigning = run_task(
            lambda task: review_service.assign_calls(ids, evaluator, shown, task),
            lambda done: (progress.close(), self._assigned(done)),
            lambda message: (progress.close(), self._assign_failed(message, saved[0], len(ids))),
            what=f"assigning {len(ids)} calls to {whom}",
            progress=report,
        )
        progress.canceled.connect(self.assigning.cancel)
        self.assign_progress = progress
        return self.assigning

    def _assigned(self, done: Assignment) -> None:
        self.assigning = None
        self.calls.show_assigned(done.assigned, done.evaluator)
        if self.calls.filter.assigned_to is not None or self.calls.filter.unassigned:
            self.calls.reload()  # the calls assigned (or given away) leave the list
        elif self.review.call is not None and self.review.call.id in set(done.assigned):
            self.review.open_call(self.review.call.id, self.calls.filter.search)  # its title and audit log
        self.statusBar().showMessage(done.summary(), 15000)
        if done.refused:
            listed = "\n".join(list(done.refused.values())[:20])
            more = len(done.refused) - 20
            self._tell_assign(
                "Some calls not assigned",
                f"{done.summary()}.\n\n{listed}" + (f"\n… and {more:,} more" if more > 0 else ""),
            )

    def _assign_failed(self, message: str, done: int, total: int) -> None:
        """Assigning stopped on an error: the batches saved before it stay (each whole), the rest are untouched."""
        self.assigning = None
        before = (
            f"The first {done:,} of {total:,} calls were done before it stopped" if done else "No call was assigned"
        )
        self.statusBar().showMessage(f"Assigning stopped: {message}")
        self._tell_assign("Assigning stopped", f"{message}\n\n{before}; the others are as they were.")
        if done > 0:
            self.calls.reload()  # shows what was saved

    def _tell_assign(self, title: str, text: str) -> None:
        self.assign_report = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        self.assign_report.open()

    def _call_changed(self, call_id: int) -> None:
        """After a review action: show the call's new row (or take it out if it no longer passes the filter)
        without reading the whole library again."""
        self.calls.update_row(call_id, review_service.library_row(call_id, self.calls.filter))
        self._verdicts_changed()

    def _verdicts_changed(self) -> None:
        """A person's verdict moved the agreement lab's figures: the marks are read again now if the library lists
        the calls that need human review, else when it next does."""
        self.marks_stale = True
        if self.calls.filter.needs_review:
            self._read_marked()

    def _read_marked(self) -> None:
        """Re-read, off the UI thread (the scorecard file too), which criteria agree too rarely with people
        (the agreement lab's marks)."""
        self.marks_stale = False
        config = self.config
        self.marking.start(lambda _task: marked_criteria(config.load_scorecard()))

    def _marking_failed(self, message: str) -> None:
        self.marks_stale = True  # tried again when next needed
        self.statusBar().showMessage(f"Could not read which criteria need human review: {message} (details in the log)")

    def _marked_read(self, marked: list[str]) -> None:
        changed, self.marked = marked != self.marked, marked
        if changed and self.filters.current().needs_review:
            self._filter(self.filters.current())

    def _select_quietly(self, row: int) -> None:
        """Select a row without reopening its call."""
        model = self.table.selectionModel()
        model.blockSignals(True)
        model.select(
            self.calls.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
        )
        model.setCurrentIndex(self.calls.index(row, 0), QItemSelectionModel.SelectionFlag.NoUpdate)
        model.blockSignals(False)
        self.table.viewport().update()

    def export_csv(self, path: str | Path, task: Task | None = None) -> int | None:
        """Write the library's current rows (filter and order as shown) to a CSV; returns the row count, or
        None when the task was cancelled (then no file is written). Failed criteria are written as ids (for
        scripts) and as names (for people); a text conversation without times has no duration, as in the table; a
        call imported without an agent's name has no agent, as a call without a team has no team."""
        header = [
            "call_id",
            "date",
            "agent",
            "team",
            "duration_s",
            "overall",
            "empathy",
            "compliance",
            "auto_fail",
            "reviewed",
            "failed_criteria",
            "failed_criteria_names",
            "file",
        ]
        names, total = self.calls.criterion_names, self.calls.rowCount()

        def rows() -> Iterator[list]:
            written = 0
            for chunk in self.calls.row_chunks():
                if task is not None and task.cancelled():
                    raise _ExportCancelled
                for r in chunk:
                    yield [
                        r.call_id,
                        r.date.isoformat(sep=" ") if r.date else "",
                        r.agent,
                        r.team,
                        round(r.duration_s, 1) if r.timed else None,  # an untimed chat's length is estimated
                        _rounded(r.overall),
                        _rounded(r.empathy),
                        _rounded(r.compliance),
                        _yes_no(r.auto_fail),
                        _yes_no(r.reviewed),
                        " ".join(r.failed),
                        "; ".join(named(r.failed, names)),
                        r.path,
                    ]
                written += len(chunk)
                if task is not None:
                    task.report(written, total)

        try:
            return write_csv(path, header, rows())
        except _ExportCancelled:  # write_csv leaves no file behind
            return None

    def _export(self) -> None:
        path = file_dialogs.export_file_name(self, "Export the library", "calls.csv", "CSV (*.csv)")
        if path:
            self.start_export(path)

    def start_export(self, path: str) -> Task:
        """Export in the background with a progress dialog that can cancel it."""
        progress = QProgressDialog(
            f"Exporting {self.calls.rowCount()} calls to {path}…", "Cancel", 0, max(1, self.calls.rowCount()), self
        )
        progress.setWindowTitle("Export CSV")
        progress.setMinimumDuration(500)

        def done(count: int | None) -> None:
            progress.close()
            self.statusBar().showMessage(
                "Export cancelled; no file was written" if count is None else f"Exported {count} calls to {path}", 8000
            )

        def failed(message: str) -> None:
            progress.close()
            QMessageBox.warning(self, "Export failed", f"{message}\n\nThe file was not written.")

        self.exporting = run_task(
            lambda task: self.export_csv(path, task),
            done,
            failed,
            what=f"exporting the library to {path}",
            progress=lambda done_rows, total: progress.setValue(done_rows),
        )
        progress.canceled.connect(self.exporting.cancel)
        return self.exporting

    # --- dialogs ------------------------------------------------------------------------------
    def make_plan(
        self,
        files: list[Path],
        metadata_csv: str = "",
        columns: dict | None = None,
        jobs: list[repository.Job] | None = None,
        date_format: str = "",
    ) -> ImportPlan:
        """An import plan with the current settings."""
        c = self.config
        return ImportPlan(
            files=files,
            scorecard=c.load_scorecard(),
            config=c.transcriber(),
            agent_channel=c.agent_channel,
            name_pattern=c.name_pattern,
            metadata_csv=metadata_csv,
            columns=columns or {},
            date_format=date_format,
            jobs=jobs,
            drivers=c.load_drivers(),
            agent_speakers=list(c.agent_speakers),
            engine=c.engine,
        )

    def open_import(self, resume: ImportPlan | None = None) -> ImportDialog:
        """Show the import dialog (resuming a plan if given)."""
        self.import_dialog = ImportDialog(
            self, self.make_plan, resume if isinstance(resume, ImportPlan) else None, self.config.name_pattern
        )
        self.import_dialog.imported.connect(self._imported)
        self.import_dialog.show()
        return self.import_dialog

    def _imported(self) -> None:
        self.calls.reload(names=True)
        self.filters.refresh_choices()
        self.dashboards.refresh_choices()
        if self.dashboards.started:
            self.dashboards.refresh()
        self.resume_banner.setVisible(bool(self._unfinished_imports()))

    def _resume_banner(self) -> QWidget:
        banner = QWidget()
        banner.setStyleSheet("background:#fff4ce")
        layout = QHBoxLayout(banner)
        self.resume_label = QLabel()
        resume, discard = QPushButton("Resume"), QPushButton("Discard")
        resume.clicked.connect(self.resume_imports)
        discard.clicked.connect(self._discard_jobs)
        layout.addWidget(self.resume_label, 1)
        layout.addWidget(resume)
        layout.addWidget(discard)
        pending = self._unfinished_imports()
        self.resume_label.setText(f"{len(pending)} file{'s' * (len(pending) != 1)} {repository.LEFT_UNFINISHED}.")
        banner.setVisible(bool(pending))
        return banner

    @staticmethod
    def _unfinished_imports() -> list:
        """What an earlier import left unfinished, to resume or discard: for a user who may import, nobody else."""
        return repository.unfinished_jobs() if allowed(current_user(), "ingest") else []

    def resume_imports(self) -> ImportDialog:
        """Import the files an earlier, interrupted import left, the way it was asked."""
        jobs = repository.unfinished_jobs()
        options = jobs[0].options if jobs else {}
        plan = self.make_plan(
            [Path(j.path) for j in jobs],
            options.get("metadata_csv", ""),
            options.get("columns", {}),
            jobs,
            options.get("date_format", ""),
        )
        self.resume_banner.hide()
        return self.open_import(plan)

    def _discard_jobs(self) -> None:
        for job in repository.unfinished_jobs():
            repository.finish_job(job, "cancelled", error="discarded by the user")
        self.resume_banner.hide()

    def open_coaching(self) -> CoachingWindow:
        """Show the coaching window."""
        self.coaching = CoachingWindow(self, self.reviewer, self._review_moment)
        self.coaching.show()
        return self.coaching

    def open_my_packs(self) -> MyPacksDialog:
        """Show an agent's coaching sessions, to export their packs."""
        self.my_packs = MyPacksDialog(self)
        self.my_packs.show()
        return self.my_packs

    def open_call(self, call_id: int) -> None:
        """Show one call in the library and open it in the review."""
        self.show_calls(LibraryFilter(call_ids=[call_id]))
        self.select_row(0)

    def _after_decision(self, call_id: int) -> None:
        self.calls.update_row(call_id, review_service.library_row(call_id, self.calls.filter))
        self._verdicts_changed()
        if self.review.call is not None and self.review.call.id == call_id:
            self.review.open_call(call_id)

    def open_calibration(self) -> CalibrationWindow:
        """Show the calibration window."""
        self.calibration = CalibrationWindow(
            self, self.reviewer, lambda: self.review.call and self.review.call.id, self.config.load_scorecard()
        )
        self.calibration.show()
        return self.calibration

    def open_disputes(self) -> DisputesDialog:
        """Show the disputes."""
        self.disputes = DisputesDialog(self, self.reviewer)
        self.disputes.open_call.connect(self.open_call)
        self.disputes.decided.connect(self._after_decision)
        self.disputes.show()
        return self.disputes

    def open_agreement(self) -> AgreementWindow:
        """Show the agreement lab."""
        self.agreement = AgreementWindow(self, self.config.load_scorecard())
        self.agreement.open_calls.connect(self.show_calls)
        self.agreement.show()
        return self.agreement

    def _review_moment(self) -> tuple[int, float] | None:
        call = self.review.call
        return (call.id, self.review.position()) if call is not None else None

    def _people(self) -> None:
        PeopleDialog(self, self.reviewer).exec()
        self.calls.reload()
        self.filters.refresh_choices()

    def _users(self) -> None:
        UsersDialog(self).exec()

    def _retention(self) -> None:
        RetentionDialog(self).exec()

    def _settings(self) -> None:
        if SettingsDialog(self, self.settings).exec():
            self.settings.fallbacks.clear()  # what was just saved is in use
            self.config = Config.resolve(self.settings)

    def _warn_settings(self, warnings: list[str]) -> None:
        """Say, once at start, which settings could not be used (the defaults are in use for them)."""
        self.settings_warning = QMessageBox(
            QMessageBox.Icon.Warning,
            "Some settings could not be used",
            "Some settings could not be used; the app uses the defaults in their place:",
            QMessageBox.StandardButton.Ok,
            self,
        )
        self.settings_warning.setInformativeText("\n\n".join(warnings))
        self.settings_warning.setModal(False)
        self.settings_warning.show()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        """Closing mid-import leaves the unfinished files queued, to resume on the next start."""
        if self.import_dialog is not None and self.import_dialog.running():
            self.import_dialog.worker.cancel(closing=True)
            self.import_dialog.worker.wait()
        player = self.review.player
        player.player.blockSignals(True)  # stopping moves the position: no transcript re-render while closing
        player.stop()  # (a CI run hung once in that re-render, inside setHtml, called from stop's signal)
        player.player.blockSignals(False)
        self.review.locate.cancel()
        store = self.settings.store
        store.setValue(_GEOMETRY, self.saveGeometry())
        if not self.splitter.sizes()[0]:
            self.toggle_library()  # the next start shows the library, where the calls are chosen
        store.setValue(_LIBRARY_SPLIT, self.splitter.saveState())
        store.setValue(_LIBRARY_SPLIT_AT, self.width())
        store.setValue(_REVIEW_SPLIT, self.review.split.saveState())
        wait_for_tasks()
        self.release_gc()
        super().closeEvent(event)
