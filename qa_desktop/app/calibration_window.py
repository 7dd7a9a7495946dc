"""Calibration: create a session (calls chosen or proposed, evaluators), score its calls blind as one
evaluator (listen, read the transcript, answer every criterion the call's medium allows, submit), then
read the results: agreement per criterion, each evaluator against the automatic verdict, the widest
spreads, and settle the expert answer."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qa_desktop.app.background import Latest
from qa_desktop.app.dialog_size import fit_to_screen
from qa_desktop.app.player import CallPlayer
from qa_desktop.app.recording_finder import RecordingFinder
from qa_desktop.app.transcript_view import TranscriptView
from qa_desktop.services import review as review_service
from qa_desktop.services.access.identity import current_user, team_mode
from qa_desktop.services.access.permissions import AccessError, refusal, sentence
from qa_desktop.services.trust import calibration as cal
from qa_desktop.storage.review import RESULTS
from scoring.scorecard import Scorecard

ID_ROLE = Qt.ItemDataRole.UserRole + 1
NOT_ASKED_ROLE = ID_ROLE + 1  # on a criterion's name: why the open call's medium rules it out
OWED_ROLE = ID_ROLE + 2  # on a call of the list: whether the evaluator still owes answers on it
_UNANSWERED = "—"
KEYS = {Qt.Key.Key_P: "pass", Qt.Key.Key_F: "fail", Qt.Key.Key_N: "na"}  # answer keys in the answers table
_ANSWER_COLOURS = {"pass": "#2e7d32", "fail": "#b3261e", "na": "#666666"}
_NOT_ASKED_COLOUR = "#9e9e9e"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


class CalibrationWindow(QDialog):
    """Calibration sessions: create, score blind, results and settling."""

    def __init__(
        self,
        parent: QWidget | None,
        lead: Callable[[], str],
        open_call: Callable[[], int | None] = lambda: None,
        scorecard: Scorecard | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Calibration")
        self.lead = lead
        self.criteria = {c.id: c for c in scorecard.criteria} if scorecard else {}  # names and definitions
        self.viewing: str | None = None  # whose results are shown; switching is confirmed and audited
        self.open_call = open_call  # the call open in the review, to add by hand
        self.session: cal.CalibrationSession | None = None
        self.not_asked: dict[tuple[int, str], str] = {}  # (call, criterion) -> why its medium rules it out
        self.sessions = QListWidget()
        self.sessions.currentItemChanged.connect(lambda item, _old: item and self.open_session(item.data(ID_ROLE)))
        self.title = QLineEdit(placeholderText="e.g. March calibration")
        self.evaluators = QLineEdit(placeholderText="e.g. Ana, Ben (two or more)")
        self.count = QSpinBox(minimum=1, maximum=50, value=8)
        self.proposals = QListWidget()
        self.proposals.setWordWrap(True)  # a proposal's reason is read whole
        self.proposing = Latest(self._proposed, self._propose_failed, self, what="proposing calls to calibrate")
        self.proposal_note = QLabel()
        self.proposal_note.setWordWrap(True)
        propose = QPushButton("Propose calls")
        propose.setToolTip("Calls people disagreed on before, then the least confident automatic verdicts")
        propose.clicked.connect(self.propose)
        add = QPushButton("Add the call open in the review")
        add.clicked.connect(self.add_open_call)
        create = QPushButton("Create session")
        create.clicked.connect(self.create)
        new = QGroupBox("New session")
        form = QFormLayout(new)
        form.addRow("Title", self.title)
        form.addRow("Evaluators", self.evaluators)
        row = QHBoxLayout()
        row.addWidget(self.count)
        row.addWidget(propose)
        form.addRow("Calls", row)
        form.addRow(self.proposals)
        form.addRow(self.proposal_note)
        form.addRow(add)
        form.addRow(create)
        self.cannot_create = refusal(current_user(), "create calibration")  # an evaluator answers, a lead creates
        new.setEnabled(not self.cannot_create)
        self.create_note = QLabel(sentence(self.cannot_create))
        self.create_note.setWordWrap(True)
        self.create_note.setVisible(bool(self.cannot_create))
        left = QWidget()
        column = QVBoxLayout(left)
        self.sessions_label = QLabel("Sessions")
        column.addWidget(self.sessions_label)
        column.addWidget(self.sessions, 1)
        column.addWidget(self.create_note)
        column.addWidget(new, 2)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._scoring_tab(), "Score (blind)")
        self.tabs.addTab(self._results_tab(), "Results")
        self.tabs.currentChanged.connect(lambda _i: self.show_results())
        self.no_session = QLabel()  # in the tabs' place until a session is open: empty panes said nothing
        self.no_session.setWordWrap(True)
        self.no_session.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.no_session.setStyleSheet("color:#555; font-size:12pt; padding:48px")
        self.panes = QStackedWidget()
        self.panes.addWidget(self.no_session)
        self.panes.addWidget(self.tabs)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.panes)
        split.setSizes([360, 1000])
        QVBoxLayout(self).addWidget(split)
        fit_to_screen(self, 1400, 820)
        self._load_sessions()

    # --- sessions ------------------------------------------------------------------------
    def _load_sessions(self, select: int | None = None) -> None:
        self.sessions.clear()
        for s in cal.sessions():
            item = QListWidgetItem(f"{s.title} · {s.status} · {len(s.evaluators)} evaluators")
            item.setData(ID_ROLE, s.id)
            self.sessions.addItem(item)
            if s.id == select:
                self.sessions.setCurrentItem(item)
        start = "" if self.cannot_create else " Start one below: a title, evaluators, calls."
        self.sessions_label.setText("Sessions" if self.sessions.count() else f"Sessions: none yet.{start}")
        if self.session is None:
            self.no_session.setText(self._no_session_text())

    def _no_session_text(self) -> str:
        """What the empty scoring and results panes would not say: how a session starts, or which to open."""
        if self.sessions.count():
            return "Choose a session on the left: score its calls blind here, then compare the answers in Results."
        if self.cannot_create:
            return "No calibration session yet. A QA lead starts one; its calls are then scored blind here."
        return (
            "No calibration session yet. Start one on the left: a title, two or more evaluators and the calls "
            "(Propose calls finds those worth calibrating). Each evaluator then scores them blind here, and "
            "Results compares their answers with each other and with the automatic verdicts."
        )

    def propose(self) -> None:
        """List proposed calls, ticked (found in the background)."""
        self.proposals.clear()
        self.proposal_note.setStyleSheet("")
        self.proposal_note.setText("Finding calls worth calibrating…")
        count = self.count.value()
        self.proposing.start(lambda _task: cal.propose_calls(count))

    def _proposed(self, found: list[cal.Proposal]) -> None:
        self.proposals.clear()
        self.proposal_note.setText("" if found else "No scored calls to propose yet.")
        calls = review_service.call_summaries([p.call_id for p in found])
        for p in found:
            self._add(p, calls[p.call_id].name)

    def _propose_failed(self, message: str) -> None:
        self.proposal_note.setStyleSheet("color:#b3261e")
        self.proposal_note.setText(f"Could not propose calls: {message} (details in the log)")

    def add_open_call(self) -> None:
        """Add the call open in the review, chosen by hand."""
        call_id = self.open_call()
        chosen = {self.proposals.item(i).data(ID_ROLE).call_id for i in range(self.proposals.count())}
        if call_id is not None and call_id not in chosen:
            self._add(cal.Proposal(call_id, "chosen by hand"), review_service.call_summaries([call_id])[call_id].name)

    def _add(self, p: cal.Proposal, name: str) -> None:
        item = QListWidgetItem(f"{name} · {p.reason}")  # the call as the library names it, not by its id
        item.setToolTip(item.text())
        item.setData(ID_ROLE, p)
        item.setCheckState(Qt.CheckState.Checked)
        self.proposals.addItem(item)

    def create(self) -> cal.CalibrationSession | None:
        """Create a session on the ticked calls."""
        chosen = [
            self.proposals.item(i).data(ID_ROLE)
            for i in range(self.proposals.count())
            if self.proposals.item(i).checkState() == Qt.CheckState.Checked
        ]
        try:
            session = cal.create_session(self.title.text(), self.lead(), self.evaluators.text().split(","), chosen)
        except (cal.CalibrationError, AccessError) as exc:
            QMessageBox.information(self, "Calibration", str(exc))
            return None
        self.title.clear()  # the form is ready for the next session
        self.evaluators.clear()
        self.proposals.clear()
        self.proposal_note.clear()
        self._load_sessions(select=session.id)
        return session

    def open_session(self, session_id: int) -> None:
        """Show a session in both tabs."""
        self.session = cal.session(session_id)
        self.panes.setCurrentWidget(self.tabs)
        self.not_asked = cal.not_asked(self.session)
        answering, viewing = self.session.evaluators, [self.session.lead, *self.session.evaluators]
        if team_mode():  # blindness follows who signed in: nobody answers or views as someone else
            me = current_user().name
            answering, viewing = [me] if me in answering else [], [me]
        self.viewer.setEnabled(not team_mode())
        for box, names in ((self.evaluator, answering), (self.viewer, viewing)):
            box.blockSignals(True)
            box.clear()
            for name in names:
                box.addItem(name, name)
            box.blockSignals(False)
        self.viewing = self.viewer.currentData()
        self.call_list.clear()
        for call in cal.session_calls(self.session):
            item = QListWidgetItem()
            item.setData(ID_ROLE, call.id)
            self.call_list.addItem(item)
        self._show_call_progress()
        self.call_list.setCurrentRow(0)
        self.show_results()

    def _show_call_progress(self) -> None:
        """Each call with how many criteria the evaluator has answered on it."""
        evaluator = self.evaluator.currentData()
        given = cal.own_answers(self.session, evaluator) if evaluator else {}
        calls = review_service.call_summaries(
            [self.call_list.item(row).data(ID_ROLE) for row in range(self.call_list.count())]
        )
        for row in range(self.call_list.count()):
            item = self.call_list.item(row)
            call = calls[item.data(ID_ROLE)]
            length = "text" if call.is_text else f"{call.duration_s / 60:.1f} min"
            asked = [c for c in self.session.criteria if (call.id, c) not in self.not_asked]
            done, total = sum((call.id, c) in given for c in asked), len(asked)
            item.setData(OWED_ROLE, done < total)
            item.setText(f"{'✓' if done == total else '○'} {call.name} · {length} · {done}/{total}")
            skipped = len(self.session.criteria) - total
            note = f" ({skipped} not asked: its medium rules them out)" if skipped else ""
            item.setToolTip(f"{done} of {total} criteria answered on this call{note}")

    # --- scoring ---------------------------------------------------------------------------
    def _scoring_tab(self) -> QWidget:
        self.evaluator = QComboBox()
        self.evaluator.currentIndexChanged.connect(lambda _i: (self._show_call_progress(), self._show_answers()))
        self.call_list = QListWidget()
        self.call_list.setMinimumWidth(270)
        self.call_list.currentItemChanged.connect(lambda item, _old: item and self._open_call(item.data(ID_ROLE)))
        self.player = CallPlayer()
        self.finding = RecordingFinder(self.player, self)
        self.transcript = TranscriptView()
        self.transcript.seek_requested.connect(self.player.seek)
        self.player.position_changed.connect(self.transcript.follow)
        self.answers = QTableWidget(0, 2)
        self.answers.setHorizontalHeaderLabels(["Criterion", "Your answer"])
        self.answers.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.answers.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.answers.verticalHeader().hide()
        self.answers.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.answers.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.answers.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.answers.installEventFilter(self)
        self.answers.currentCellChanged.connect(lambda row, *_: self._show_definition(row))
        self.definition = QLabel()
        self.definition.setWordWrap(True)
        self.definition.setStyleSheet("background:#f6f6f6; padding:6px")
        self.definition.setMinimumHeight(70)
        self.definition.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.progress = QLabel()
        self.submit_button = QPushButton("Submit my answers")
        self.submit_button.clicked.connect(self.submit)
        right = QWidget()
        column = QVBoxLayout(right)
        hint = QLabel(
            "Answer every criterion from the call alone: the automatic results and the other evaluators' "
            "answers stay hidden until you submit. Keys: P pass, F fail, N n/a (then the next criterion; after a "
            "call's last, the next call with answers owed), ↑↓ to move. Greyed criteria are not asked: the call's "
            "medium rules them out (tone in a chat)."
        )
        hint.setWordWrap(True)
        column.addWidget(hint)
        column.addWidget(self.answers, 1)
        column.addWidget(self.definition)
        column.addWidget(self.progress)
        column.addWidget(self.submit_button)
        middle = QWidget()
        middle.setMinimumWidth(380)  # the player's seek slider keeps its length
        listen = QVBoxLayout(middle)
        listen.addWidget(self.player)
        listen.addWidget(self.transcript, 1)
        split = QSplitter()
        split.addWidget(self.call_list)
        split.addWidget(middle)
        split.addWidget(right)
        split.setSizes([260, 520, 380])
        split.setChildrenCollapsible(False)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        top = QHBoxLayout()
        top.addWidget(QLabel("Scoring as"))
        top.addWidget(self.evaluator)
        top.addStretch()
        layout.addLayout(top)
        layout.addWidget(split, 1)
        return tab

    def _open_call(self, call_id: int) -> None:
        call = review_service.call_summaries([call_id])[call_id]
        text = call.is_text  # a chat, email or ticket: nothing to play
        self.player.setVisible(not text)
        self.finding.drop()
        if text:
            self.player.unload()
        else:
            silent = review_service.silent_spans(call_id)
            self.finding.find(call, call.duration_s, lambda path: self.player.load(path, call.duration_s, silent))
        self.transcript.show_utterances(review_service.transcript(call_id), timed=call.timed)
        self._show_answers()

    def _current_call(self) -> int | None:
        item = self.call_list.currentItem()
        return item.data(ID_ROLE) if item else None

    def _show_answers(self) -> None:
        call_id, evaluator = self._current_call(), self.evaluator.currentData()
        self.answers.setRowCount(0)
        if self.session is None or call_id is None or evaluator is None:
            return
        given = cal.own_answers(self.session, evaluator)
        done = cal.has_submitted(self.session, evaluator)
        self.answers.setRowCount(len(self.session.criteria))
        for row, criterion in enumerate(self.session.criteria):
            known = self.criteria.get(criterion)
            name = QTableWidgetItem(known.name if known else criterion.replace("_", " "))
            name.setData(ID_ROLE, criterion)
            name.setToolTip(known.description if known and known.description else "")
            self.answers.setItem(row, 0, name)
            self._show_answer(row, given.get((call_id, criterion)))
            reason = self.not_asked.get((call_id, criterion))
            if reason is not None:
                self._show_not_asked(row, reason)
        self.answers.setEnabled(not done)
        self.answers.setCurrentCell(self._next_asked(-1), 1)
        self._show_owed(done)
        self.submit_button.setEnabled(not done)

    def _show_answer(self, row: int, result: str | None) -> None:
        item = QTableWidgetItem(result.upper() if result else _UNANSWERED)
        item.setForeground(QBrush(QColor(_ANSWER_COLOURS.get(result, "#999999"))))
        item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        self.answers.setItem(row, 1, item)

    def _show_not_asked(self, row: int, reason: str) -> None:
        """A criterion the call's medium rules out: greyed n/a, its reason beside it when picked, not answered."""
        name, answer = self.answers.item(row, 0), QTableWidgetItem("n/a")
        answer.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        self.answers.setItem(row, 1, answer)
        name.setData(NOT_ASKED_ROLE, reason)
        for item in (name, answer):
            item.setForeground(QBrush(QColor(_NOT_ASKED_COLOUR)))
            item.setToolTip(f"Not asked on this call. {reason}")

    def _asked(self, row: int) -> bool:
        """Whether the row's criterion is asked on the open call (not ruled out by its medium)."""
        return self.answers.item(row, 0).data(NOT_ASKED_ROLE) is None

    def _next_asked(self, after: int) -> int:
        """The first row after `after` with a criterion to answer, else `after` (the first row if none)."""
        return next((r for r in range(after + 1, self.answers.rowCount()) if self._asked(r)), max(after, 0))

    def _show_owed(self, done: bool = False) -> None:
        owed = cal.missing(self.session, self.evaluator.currentData())
        self.progress.setText(
            "Submitted."
            if done
            else f"{owed} answer{'s' * (owed != 1)} still to give "
            + ("on the call." if self.call_list.count() == 1 else f"across the {self.call_list.count()} calls.")
        )

    def _show_definition(self, row: int) -> None:
        item = self.answers.item(row, 0) if row >= 0 else None
        known = self.criteria.get(item.data(ID_ROLE)) if item else None
        reason = item.data(NOT_ASKED_ROLE) if item else None
        if reason is not None:
            self.definition.setText(f"<b>{item.text()}</b>: not asked on this call.<br>{reason}")
            return
        self.definition.setText(
            f"<b>{known.name}</b><br>{known.description or 'No definition in the scorecard.'}" if known else ""
        )

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt API)
        """P, F and N answer the current criterion and move to the next one (after the call's last, to the next
        call with answers owed: the keys went on rewriting the last answer)."""
        if watched is self.answers and event.type() == QEvent.Type.KeyPress and event.key() in KEYS:
            row = self.answers.currentRow()
            if row >= 0 and self.answers.isEnabled() and self._asked(row):
                self.record(self.answers.item(row, 0).data(ID_ROLE), KEYS[event.key()])
                self._move_on(row)
            return True
        return super().eventFilter(watched, event)

    def _move_on(self, row: int) -> None:
        """After an answer on `row`: the next criterion to answer on this call, else its first one still
        unanswered, else the next call (in the list's order, round to the top) with answers owed."""
        later = self._next_asked(row)
        unanswered = [
            r
            for r in range(self.answers.rowCount())
            if self._asked(r) and self.answers.item(r, 1).text() == _UNANSWERED
        ]
        if later != row or unanswered:
            self.answers.setCurrentCell(later if later != row else unanswered[0], 1)
            return
        here, count = self.call_list.currentRow(), self.call_list.count()
        owed = (r % count for r in range(here + 1, here + count) if self.call_list.item(r % count).data(OWED_ROLE))
        following = next(owed, None)
        if following is not None:
            self.call_list.setCurrentRow(following)  # the answers keep the keyboard

    def record(self, criterion: str, result: str | None) -> None:
        """Store the current evaluator's answer for the open call."""
        if result is None or self.session is None:
            return
        try:
            cal.answer(self.session, self.evaluator.currentData(), self._current_call(), criterion, result)
        except (cal.CalibrationError, AccessError) as exc:
            QMessageBox.information(self, "Calibration", str(exc))
            return
        self._show_answer(self.session.criteria.index(criterion), result)
        self._show_owed()
        self._show_call_progress()

    def submit(self) -> None:
        """Submit the current evaluator's answers."""
        try:
            cal.submit(self.session, self.evaluator.currentData())
        except (cal.CalibrationError, AccessError) as exc:
            QMessageBox.information(self, "Calibration", str(exc))
            return
        self._show_answers()
        self._load_sessions(select=self.session.id)

    # --- results ---------------------------------------------------------------------------
    def _results_tab(self) -> QWidget:
        self.viewer = QComboBox()
        self.viewer.setToolTip(
            "Whose results to show: an evaluator sees them only after submitting. Switching is "
            "recorded in the audit log."
        )
        self.viewer.activated.connect(lambda _i: self.view_as(self.viewer.currentData()))
        self.blind_note = QLabel()
        self.blind_note.setStyleSheet("color:#b3261e")
        self.agreement = QTreeWidget()
        self.agreement.setRootIsDecorated(False)
        self.agreement.setHeaderLabels(["Criterion", "Calls", "Agreement", "Kappa", "Alpha"])
        self.spreads = QTreeWidget()
        self.spreads.setRootIsDecorated(False)
        self.spreads.setHeaderLabels(["Call", "Criterion", "Answers", "Automatic", "Spread", "Reference"])
        self.settle_result = QComboBox()
        for result in RESULTS:
            self.settle_result.addItem(result.upper(), result)
        settle = QPushButton("Settle selected as the expert answer")
        settle.clicked.connect(self.settle_selected)
        if cannot_settle := refusal(current_user(), "settle calibration"):
            for control in (settle, self.settle_result):
                control.setEnabled(False)
                control.setToolTip(sentence(cannot_settle))
        tab = QWidget()
        layout = QVBoxLayout(tab)
        top = QHBoxLayout()
        top.addWidget(QLabel("Viewing as"))
        top.addWidget(self.viewer)
        top.addWidget(self.blind_note, 1)
        layout.addLayout(top)
        layout.addWidget(
            QLabel("Agreement per criterion (between evaluators, and each evaluator with the automatic verdict)")
        )
        layout.addWidget(self.agreement, 1)
        layout.addWidget(QLabel("Calls and criteria, widest spread first"))
        layout.addWidget(self.spreads, 2)
        bottom = QHBoxLayout()
        bottom.addStretch()
        bottom.addWidget(self.settle_result)
        bottom.addWidget(settle)
        layout.addLayout(bottom)
        return tab

    def view_as(self, name: str, confirm: bool = True) -> None:
        """Show the results as another person of the session, after asking; the switch is audited (until
        users and roles exist, this is what keeps a lead's view from being taken silently)."""
        if self.session is None or name == self.viewing:
            return
        if (
            confirm
            and QMessageBox.question(
                self,
                "View results as another person",
                f"Show the results as {name}? The automatic verdicts and other evaluators' answers become visible "
                "to whoever sits at this screen. The switch is recorded in the audit log.",
            )
            != QMessageBox.StandardButton.Yes
        ):
            self.viewer.setCurrentIndex(self.viewer.findData(self.viewing))
            return
        cal.record_view_as(self.session, self.lead(), self.viewing, name)
        self.viewing = name
        self.viewer.setCurrentIndex(self.viewer.findData(name))
        self.show_results()

    def _name(self, criterion_id: str) -> str:
        """The scorecard's name of a criterion (its id if the scorecard does not know it)."""
        known = self.criteria.get(criterion_id)
        return known.name if known else criterion_id

    def show_results(self) -> None:
        """Fill the results for the viewer, or say why they are hidden."""
        self.agreement.clear()
        self.spreads.clear()
        if self.session is None or self.viewing is None:
            self.blind_note.setText("Pick a session on the left, or create one, to see its results.")
            return
        try:
            table, spreads = cal.results(self.session, self.viewing)
        except (cal.BlindError, AccessError) as exc:
            self.blind_note.setText(str(exc))
            return
        self.blind_note.setText("")
        evaluators = self.session.evaluators
        self.agreement.setHeaderLabels(
            ["Criterion", "Calls", "Agreement", "Kappa", "Alpha", *[f"{e} vs automatic" for e in evaluators]]
        )
        for row in table:
            versus = [f"{_percent(p)} (κ {_number(k)})" for p, k in (row.versus_automatic[e] for e in evaluators)]
            self.agreement.addTopLevelItem(
                QTreeWidgetItem(
                    [
                        self._name(row.criterion),
                        str(row.items),
                        _percent(row.agreement),
                        _number(row.kappa),
                        _number(row.alpha),
                        *versus,
                    ]
                )
            )
        calls = review_service.call_summaries(list({s.call_id for s in spreads}))
        for s in spreads:
            item = QTreeWidgetItem(
                [
                    calls[s.call_id].name,
                    self._name(s.criterion),
                    ", ".join(f"{e}: {r}" for e, r in s.answers.items()),
                    s.automatic or "",
                    f"{s.spread:.2f}",
                    s.reference or "",
                ]
            )
            item.setData(0, ID_ROLE, (s.call_id, s.criterion, s.reference))
            if s.spread > 0:
                item.setBackground(4, QBrush(QColor("#fde2e1")))
            self.spreads.addTopLevelItem(item)
        for tree in (self.agreement, self.spreads):
            tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)

    def settle_selected(self) -> None:
        """Settle the selected call and criterion on the chosen result (as the lead)."""
        item = self.spreads.currentItem()
        if item is None or self.session is None:
            return
        call_id, criterion, shown = item.data(0, ID_ROLE)
        try:
            cal.settle(self.session, call_id, criterion, self.settle_result.currentData(), self.lead(), shown=shown)
        except (cal.CalibrationError, AccessError) as exc:
            QMessageBox.information(self, "Calibration", str(exc))
        self.session = cal.session(self.session.id)
        self.show_results()  # as stored: with what another lead settled meanwhile
