"""Review one call: playback with a waveform, the transcript following the audio, the scorecard
with evidence, overrides with a required comment, the audit log, and marking the call reviewed.
A text conversation (chat, email, ticket) has no player or waveform: evidence is found in the transcript."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qa_desktop.app.background import Latest
from qa_desktop.app.locate_bar import LocateBar
from qa_desktop.app.no_agent_look import NO_AGENT_HINT, mark_no_agent_choice
from qa_desktop.app.player import CallPlayer
from qa_desktop.app.recording_finder import RecordingFinder
from qa_desktop.app.scorecard_panel import FIND_TIP, PLAY_TIP, RESULT_ROLE, ScorecardPanel
from qa_desktop.app.transcript_view import TranscriptView
from qa_desktop.app.waveform import WaveformView
from qa_desktop.services import people as people_service
from qa_desktop.services import review as review_service
from qa_desktop.services.access.identity import current_user
from qa_desktop.services.access.permissions import AccessError, allowed, refusal
from qa_desktop.services.review import CallView, ResultView
from qa_desktop.services.trust.disputes import DisputeError
from qa_desktop.storage.database import open_database_error
from qa_desktop.storage.no_agent import has_agent, shown_agent
from qa_desktop.storage.review import RESULTS, ReviewError, StaleReviewError
from scoring.display import Timeline, clock

NOT_OPENED = "This call could not be opened: the database did not answer. Select it again once it does."
SCORECARD_WIDTH = 310  # px: the shipped scorecard's criterion names, results and confidences in full


def _wrapped(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class ResultDialog(QDialog):
    """Choose a result for a criterion and say why (the text is required before OK is enabled); shows the
    criterion's name, the reason for its result and its evidence."""

    def __init__(
        self,
        parent: QWidget,
        verb: str,
        row: ResultView,
        name: str,
        choices: list[str],
        why: str,
        placeholder: str,
        extra: list[tuple[str, QWidget]] = (),
        timeline: Timeline = Timeline(),
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{verb} {name}")
        self.setMinimumWidth(520)
        current = row.effective
        self.result = QComboBox()
        for value in choices:
            self.result.addItem(value.upper(), value)
        self.result.setCurrentIndex(max(0, self.result.findData("fail" if current == "pass" else "pass")))
        self.comment = QPlainTextEdit(placeholderText=placeholder)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setEnabled(False)
        self.comment.textChanged.connect(lambda: self.ok.setEnabled(bool(self.comment.toPlainText().strip())))
        self.ok.setToolTip("Ctrl+Enter")  # Enter starts a new line of the comment
        for key in ("Ctrl+Return", "Ctrl+Enter"):  # the keypad's Enter too
            QShortcut(QKeySequence(key), self, activated=self._save)
        evidence = "\n".join(f"{timeline.at(e['start'])}  {e['speaker']}: “{e['text']}”" for e in row.evidence)
        form = QFormLayout(self)
        form.addRow("Criterion", _wrapped(f"<b>{name}</b>"))
        form.addRow("Reason", _wrapped(row.reason or "none given"))
        form.addRow("Evidence", _wrapped(evidence or "none"))
        form.addRow("Current result", QLabel(current.upper()))
        for label, widget in extra:
            form.addRow(label, widget)
        form.addRow("New result", self.result)
        form.addRow(why, self.comment)
        form.addRow(buttons)
        self.comment.setFocus()  # the new result is chosen already (the other one): the lead types why

    def _save(self) -> None:
        """Ctrl+Enter: OK, once there is a comment."""
        if self.ok.isEnabled():
            self.accept()


def override_dialog(parent: QWidget, row: ResultView, name: str, timeline: Timeline = Timeline()) -> ResultDialog:
    """Override a criterion: any result, with a comment for the audit log."""
    return ResultDialog(
        parent, "Override", row, name, list(RESULTS), "Comment", "Why? (required; kept in the audit log)", (), timeline
    )


class DisputeDialog(ResultDialog):
    """Dispute a criterion on the agent's behalf: the agent, the result they say is right, their reason."""

    def __init__(
        self,
        parent: QWidget,
        row: ResultView,
        name: str,
        agent: str,
        agents: list[str] | None = None,
        timeline: Timeline = Timeline(),
    ) -> None:
        self.agent = QComboBox()  # one of the agents (every agent when not given), as disputes are counted per agent
        for name in agents if agents is not None else [a.name for a in people_service.agents()]:
            self.agent.addItem(shown_agent(name), name)  # the name as stored, as the dispute records it
        mark_no_agent_choice(self.agent)
        self.agent.setCurrentIndex(max(0, self.agent.findData(agent)))
        super().__init__(
            parent,
            "Dispute",
            row,
            name,
            [r for r in RESULTS if r != row.effective],
            "Reason",
            "The agent's reason (required), e.g. where in the call",
            [("Agent", self.agent)],
            timeline,
        )


_REASSIGN_TIP = "Reassign the call to another agent"


@dataclass(frozen=True)
class _Read:
    """What showing a call reads: the call, the agents it may be reassigned to, why the signed-in user may not
    review it or reassign it ("" if they may), and whether they may look for its recording if it is missing."""

    call: CallView
    agents: list[people_service.AgentSummary]
    review_refused: str
    reassign_refused: str
    may_locate: bool


def _read(service: ModuleType, people: ModuleType, call_id: int) -> _Read:
    """Read a call to show (on any thread)."""
    call, user = service.open_call(call_id), current_user()
    reassign, locate = refusal(user, "manage agents"), allowed(user, "relocate")
    return _Read(call, people.agents(), service.review_refusal(call.id), reassign, locate)


def _deleted(call: CallView) -> str:
    """What the retention policy deleted of a call, for its title."""
    if call.transcript_deleted_at:
        return f" · transcript deleted by the retention policy on {call.transcript_deleted_at:%Y-%m-%d} (scores kept)"
    if call.recording_deleted_at:
        return f" · recording deleted by the retention policy on {call.recording_deleted_at:%Y-%m-%d}"
    return ""


class ReviewView(QWidget):
    """The open call. `changed(call id)` after an override, a review mark, a reassignment or its recording
    found again; `notice(text)` for the status bar. The window's data comes from `service` (the review
    service's functions), `people` lists the agents."""

    changed = Signal(int)
    notice = Signal(str)
    not_opened = Signal()  # a call read in the background (`open_soon`) could not be: none shows

    def __init__(
        self,
        reviewer: Callable[[], str],
        driver_names: dict[str, str] | None = None,
        service: ModuleType = review_service,
        people: ModuleType = people_service,
    ) -> None:
        super().__init__()
        self.reviewer = reviewer  # returns the reviewer's name from settings
        self.driver_names = driver_names or {}  # call-driver id -> name
        self.service, self.people = service, people
        self.call: CallView | None = None
        self.opening = Latest(self._read_soon, self._not_read_soon, self, what="opening a call")
        self.pending: int | None = None  # the call being read to show (`open_soon`): the actions wait for it
        self.pending_search = ""
        self.may_locate = False  # the signed-in user may look for the open call's recording if it is missing
        self.title = QLabel("Select a call in the library.")
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setWordWrap(True)  # a long subtitle wraps rather than widening the window past the screen
        self.agent = QComboBox()
        self.agent.setToolTip(_REASSIGN_TIP)
        self.agent.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.agent.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)  # names never cut off
        self.agent.activated.connect(self._reassign)
        self.reviewed = QPushButton("Mark reviewed")
        self.reviewed.setToolTip("Mark the call reviewed; Ctrl+Down opens the next call in the library (Ctrl+Up: back)")
        self.reviewed.setCheckable(True)
        self.reviewed.clicked.connect(self._toggle_reviewed)
        self.override_button = QPushButton("Override…")
        self.override_button.setToolTip("Change the selected criterion's result, with a comment (or double-click it)")
        self.override_button.setEnabled(False)
        self.override_button.clicked.connect(self.override_selected)
        self.confirm_button = QPushButton("Confirm ✓")
        self.confirm_button.setToolTip(
            "Confirm the selected criterion's result: it counts as agreeing with the "
            "automatic verdict once the call is marked reviewed (so does playing its "
            "evidence)"
        )
        self.confirm_button.setEnabled(False)
        self.confirm_button.clicked.connect(self.confirm_selected)
        self.dispute_button = QPushButton("Dispute…")
        self.dispute_button.setToolTip("Raise a dispute against the selected criterion on the agent's behalf")
        self.dispute_button.setEnabled(False)
        self.dispute_button.clicked.connect(self.dispute_selected)
        controls = (self.agent, self.reviewed, self.override_button, self.confirm_button, self.dispute_button)
        self.tips = {control: control.toolTip() for control in controls}  # what each does; _allow adds why not
        self.locate = LocateBar()
        self.locate.located.connect(self._located)
        self.player = CallPlayer()
        self.waveform = WaveformView()
        self.finding = RecordingFinder(self.player, self, waiting=self.waveform.clear)
        self.text_note = QLabel(
            "Text conversation (chat, email or ticket): no recording to play. Click a time, a message number "
            "or a piece of evidence to find it in the transcript."
        )
        self.text_note.setWordWrap(True)
        self.text_note.setStyleSheet("background:#eef3f8; padding:6px; border-radius:3px")
        self.text_note.hide()
        self.transcript = TranscriptView()
        self.scorecard = ScorecardPanel()
        self.audit = QTreeWidget()
        self.audit.setHeaderLabels(["When", "Who", "What", "Old", "New", "Comment"])
        self.audit.setRootIsDecorated(False)
        header = self.audit.header()
        header.setStretchLastSection(False)
        for column in (0, 1, 3, 4):  # time, who, old and new in full; the action 150 px; the comment beside it
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.resizeSection(2, 150)
        header.resizeSection(5, 260)
        header.moveSection(5, 3)
        self.audit.currentItemChanged.connect(self._audit_selected)
        self.audit_details = QLabel()  # the selected change in full: on a laptop the comment is off to the right
        self.audit_details.setWordWrap(True)
        self.audit_details.setTextFormat(Qt.TextFormat.PlainText)  # comments as typed
        self.audit_details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.audit_details.setStyleSheet("background:#f6f6f6; padding:6px")
        self.audit_details.setMinimumHeight(64)
        audit = QWidget()
        column = QVBoxLayout(audit)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.audit, 1)
        column.addWidget(self.audit_details)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.scorecard, "Scorecard")
        self.tabs.addTab(audit, "Audit log")
        top = QHBoxLayout()  # under the title, so a long file name never squeezes them
        top.addWidget(QLabel("Agent"))
        top.addWidget(self.agent)
        top.addStretch(1)
        top.addWidget(self.confirm_button)
        top.addWidget(self.override_button)
        top.addWidget(self.dispute_button)
        top.addWidget(self.reviewed)
        self.split = split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.transcript)
        split.addWidget(self.tabs)
        split.setSizes([400, 560])
        split.setStretchFactor(0, 1)  # a wider review (the library hidden, a wider window) widens the transcript:
        split.setStretchFactor(1, 0)  # the scorecard keeps the width its verdicts were given
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(top)
        layout.addWidget(self.locate)
        layout.addWidget(self.player)
        layout.addWidget(self.waveform)
        layout.addWidget(self.text_note)
        layout.addWidget(split, 1)
        self.player.position_changed.connect(self._position)
        for source in (self.waveform, self.transcript, self.scorecard):
            source.seek_requested.connect(self.play_from)
        self.scorecard.criterion_selected.connect(self._criterion_selected)
        self.scorecard.override_requested.connect(lambda: self.override_button.isEnabled() and self.override_selected())
        self.scorecard.evidence_opened.connect(
            lambda result_id: self.service.evidence_played(result_id, self.reviewer())
        )
        self.setEnabled(False)

    @property
    def is_text(self) -> bool:
        """Whether the open call is a text conversation (no audio)."""
        return self.call is not None and self.call.is_text

    def default_split(self) -> list[int]:
        """The transcript's and the scorecard's widths at the review's width: the scorecard 55%, or its verdicts in
        full (SCORECARD_WIDTH) where that is more (a laptop), the transcript the rest."""
        inside = self.split.width() - self.split.handleWidth()
        scorecard = max(SCORECARD_WIDTH, inside * 55 // 100)
        return [inside - scorecard, scorecard]

    def open_call(self, call_id: int, search: str = "") -> None:
        """Show a call: audio and waveform (not for a text conversation), transcript, scorecard and audit log. When the
        database does not answer (a team's server stopped), no call shows, rather than the one open before: the error
        goes on to the error dialog."""
        self._forget_pending()
        try:
            read = _read(self.service, self.people, call_id)
        except Exception as exc:
            if open_database_error(exc) is not None:
                self.close_call(NOT_OPENED)
            raise
        self._show_call(read, search)

    def open_soon(self, call_id: int, search: str = "") -> None:
        """Show a call once it is read in the background (a newer request replaces it); meanwhile the call shown
        stays, its review actions disabled, and a failure shows no call and says why."""
        self.pending, self.pending_search = call_id, search
        for control in self.tips:
            self._allow(control, False, "")
        service, people = self.service, self.people
        self.opening.start(lambda _task: _read(service, people, call_id))

    def _read_soon(self, read: _Read) -> None:
        search = self.pending_search
        self._forget_pending()
        self._show_call(read, search)

    def _not_read_soon(self, message: str) -> None:
        self._forget_pending()
        self.close_call(f"This call could not be opened: {message} (details in the log). Select it again.")
        self.not_opened.emit()

    def _forget_pending(self) -> None:
        self.opening.drop()
        self.pending = None

    def shown_or_opening(self) -> int | None:
        """The call being read to show, else the call shown (None: neither)."""
        return self.pending if self.pending is not None else self.call.id if self.call is not None else None

    def mark(self, search: str) -> None:
        """Mark a new search's words in the transcript (of the call being read, once it shows)."""
        if self.pending is not None:
            self.pending_search = search
        else:
            self.transcript.mark(search)

    def _show_call(self, read: _Read, search: str) -> None:
        self.call = call = read.call
        self.may_locate = read.may_locate
        self.setEnabled(True)
        self._show_title()
        self.agent.clear()
        for agent in read.agents:
            self.agent.addItem(agent.shown, agent.id)
        mark_no_agent_choice(self.agent)
        self.agent.setCurrentIndex(self.agent.findData(call.agent_id))
        self.tips[self.agent] = _REASSIGN_TIP if has_agent(call.agent_name) else f"{NO_AGENT_HINT}, or here"
        self.reviewed.setChecked(call.reviewed)
        self.reviewed.setText("Reviewed ✓" if call.reviewed else "Mark reviewed")
        self._allow(self.reviewed, True, read.review_refused)
        self._allow(self.agent, True, read.reassign_refused)
        utterances = call.utterances
        self.transcript.show_utterances(utterances, search, call.timed)
        score = call.score
        self.scorecard.evidence_tip = FIND_TIP if self.is_text else PLAY_TIP
        self.scorecard.timeline = call.timeline
        self.scorecard.show_score(score, call.unscored)
        self._criterion_selected(None)
        for widget in (self.player, self.waveform):
            widget.setVisible(not self.is_text)
        self.text_note.setVisible(self.is_text)
        self.scorecard.tree.headerItem().setToolTip(
            0, f"Click a piece of evidence to {'find it in the transcript' if self.is_text else 'play it'}"
        )
        self.finding.drop()
        self.locate.hide()
        if self.is_text:
            self.player.unload()
            self.waveform.clear()
        else:
            self.finding.find(call, call.duration_s, self._show_recording)
        self._show_audit()

    def _show_title(self) -> None:
        """The open call's file name, and under it when, how long, what kind, its team and driver, who reviewed it
        and who it is assigned to."""
        call = self.call
        when = call.call_time.strftime("%Y-%m-%d %H:%M") if call.call_time else "no call time"
        if self.is_text:
            untimed = f", {len(call.utterances)} messages, no times"  # places are message numbers, not times
            kind = "text conversation" + ("" if call.timed else untimed)
        else:
            kind = "stereo" if call.channels == 2 else "mono, speakers separated"
        self.title.setText(
            f"<b>{call.path.rsplit('/', 1)[-1]}</b><br><span style='color:#555'>"
            f"{when} · {clock(call.duration_s) + ' · ' if call.timed else ''}{kind} · "
            f"{'team ' + call.team_name if call.team_name else 'no team'}"  # "Billing · Billing" told neither apart
            f"{' · driver ' + self.driver_names.get(call.driver, call.driver) if call.driver else ''}"
            f"{' · reviewed by ' + (call.reviewed_by or 'someone') if call.reviewed else ''}"
            f"{' · assigned to ' + call.assigned_to if call.assigned_to else ''}"
            f"{_deleted(call)}</span>"
        )

    def _show_recording(self, path: str) -> None:
        """Load the open call's recording, found at `path`, into the player and the waveform."""
        call = self.call
        assert call is not None
        score = call.score
        conversation = score.analysis.get("conversation", {}) if score else {}
        self.locate.show_for(path, self.may_locate)
        self.player.load(path, call.duration_s, call.redacted())
        self.waveform.load(
            path,
            call.sha256,
            call.agent_channel or 0,
            conversation.get("dead_air", []),
            conversation.get("overtalk", []),
            call.duration_s,
            [(u.start, u.end, u.speaker) for u in call.utterances],
            call.redacted(),
        )

    def _located(self, message: str) -> None:
        """Recordings were found again: reload the open call from its new place."""
        if self.call is not None:
            self.open_call(self.call.id)
            self.changed.emit(self.call.id)
        self.notice.emit(message)

    def close_call(self, message: str) -> None:
        """Show no call (e.g. when nothing matches the library's filter)."""
        self._forget_pending()
        self.call = None
        self.finding.drop()
        self.locate.hide()
        self.player.unload()
        self.title.setText(message)
        self.agent.clear()
        self.transcript.show_utterances([])
        self.scorecard.clear()
        self._criterion_selected(None)
        self.waveform.clear()
        self.audit.clear()
        self.audit_details.clear()
        self.text_note.hide()  # no conversation open
        self.setEnabled(False)

    def play_from(self, seconds: float) -> None:
        """Seek to a moment and play; in a text conversation, show that moment in the transcript."""
        if self.is_text:
            self.transcript.follow(seconds)
            return
        self.player.seek(seconds)
        self.player.play()

    def position(self) -> float:
        """The moment open: the playback position, or the message shown in a text conversation."""
        if self.is_text:
            current = self.transcript.current
            return self.transcript.utterances[current].start if current >= 0 else 0.0
        return self.player.seconds()

    def step_utterance(self, step: int) -> None:
        """Jump to the previous (-1) or next (+1) utterance."""
        if not self.transcript.utterances:
            return
        index = self.transcript.utterance_at(self.position()) + step
        index = min(max(index, 0), len(self.transcript.utterances) - 1)
        if self.is_text:
            self.transcript.follow(self.transcript.utterances[index].start)
        else:
            self.player.seek(self.transcript.utterances[index].start)

    def override_selected(self) -> None:
        """Ask for a new result and a comment for the selected criterion, then store it."""
        item = self.scorecard.tree.currentItem()
        result_id = item.data(0, RESULT_ROLE) if item else None
        if result_id is None:
            return
        row = self.service.result(result_id)
        dialog = override_dialog(self, row, self.scorecard.name_of(row.criterion), self.scorecard.timeline)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.apply_override(row.criterion, dialog.result.currentData(), dialog.comment.toPlainText())

    def _criterion_selected(self, result_id: int | None) -> None:
        """Enable what the signed-in user may do to the selected criterion (the services check it again)."""
        chosen = result_id is not None and self.call is not None
        review = self.service.review_refusal(self.call.id) if chosen else ""
        self._allow(self.override_button, chosen, review)
        self._allow(self.confirm_button, chosen, review)
        self._allow(self.dispute_button, chosen, refusal(current_user(), "raise dispute", self.call) if chosen else "")

    def _allow(self, control: QWidget, enabled: bool, refused: str) -> None:
        """Enable a control, or disable it; when the signed-in user's role is why (`refused`, the services' refusal),
        its tooltip says so, as the toolbar's do. While another call is being read to show, none is enabled."""
        control.setEnabled(enabled and not refused and self.pending is None)
        why = f"<p>Not for you: {html.escape(refused)}.</p>" if refused else ""
        control.setToolTip(f"<qt>{html.escape(self.tips[control])}{why}</qt>")  # rich text: a long reason wraps

    def confirm_selected(self) -> None:
        """Confirm the selected criterion's result as the reviewer (audited)."""
        item = self.scorecard.tree.currentItem()
        result_id = item.data(0, RESULT_ROLE) if item else None
        if result_id is not None:
            shown = self._shown_revision(lambda r: r.id == result_id)
            if self._attempt("Confirm", lambda: self.service.confirm(result_id, self.reviewer(), shown)):
                self._refresh()

    def dispute_selected(self) -> None:
        """Ask for the agent's name, the result they say is right and their reason; raise the dispute."""
        item = self.scorecard.tree.currentItem()
        result_id = item.data(0, RESULT_ROLE) if item else None
        if result_id is None:
            return
        row = self.service.result(result_id)
        dialog = DisputeDialog(
            self,
            row,
            self.scorecard.name_of(row.criterion),
            self.call.agent_name,
            [a.name for a in self.people.agents()],
            self.scorecard.timeline,
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.apply_dispute(
                row.criterion, dialog.agent.currentData(), dialog.result.currentData(), dialog.comment.toPlainText()
            )

    def apply_dispute(self, criterion: str, agent: str, requested: str, reason: str) -> None:
        """Raise a dispute on a criterion of the open call (as the settings' reviewer)."""
        self._attempt(
            "Dispute", lambda: self.service.dispute(self.call.id, criterion, agent, reason, self.reviewer(), requested)
        )
        self._refresh()

    def apply_override(self, criterion: str, result: str, comment: str) -> None:
        """Override one criterion of the open call (as the settings' reviewer), as it was shown."""
        shown = self._shown_revision(lambda r: r.criterion == criterion)
        if self._attempt(
            "Override", lambda: self.service.override(self.call.id, criterion, result, comment, self.reviewer(), shown)
        ):
            self._refresh()

    def _toggle_reviewed(self, checked: bool) -> None:
        shown = self.call.revision
        self._attempt("Mark reviewed", lambda: self.service.set_reviewed(self.call.id, checked, self.reviewer(), shown))
        self._refresh()

    def _reassign(self, _index: int) -> None:
        agent_id, shown = self.agent.currentData(), self.call.revision
        if agent_id != self.call.agent_id:
            self._attempt(
                "Reassign", lambda: self.service.reassign_call(self.call.id, agent_id, self.reviewer(), shown)
            )
            self._refresh()

    def _shown_revision(self, found: Callable[[ResultView], bool]) -> int | None:
        """The revision of the criterion result `found` picks as this view shows it, so a change made meanwhile
        by someone else is refused rather than overwritten."""
        results = self.call.score.results if self.call.score else []
        return next((r.revision for r in results if found(r)), None)

    def _attempt(self, title: str, change: Callable[[], object]) -> bool:
        """Make a review change; when it cannot be made (a rule, the user's role, another lead's change
        meanwhile: then theirs is shown), say why."""
        try:
            change()
        except (ReviewError, DisputeError, AccessError) as exc:
            QMessageBox.warning(self, title, str(exc))
            if isinstance(exc, StaleReviewError):
                self._refresh()
            return False
        return True

    def _refresh(self) -> None:
        position = self.player.seconds()  # no recording in a text conversation: the player stays at 0
        call_id = self.call.id
        self.call = self.service.refreshed(self.call)
        self._show_title()  # "reviewed by" once marked
        self.scorecard.show_score(self.call.score, self.call.unscored, keep_place=True)
        self.reviewed.setChecked(self.call.reviewed)
        self.reviewed.setText("Reviewed ✓" if self.call.reviewed else "Mark reviewed")
        self._show_audit()
        self.player.seek(position)
        self.changed.emit(call_id)

    def _show_audit(self) -> None:
        """The call's audit log, the newest change selected and read in full below it."""
        self.audit.clear()
        for entry in self.call.audit:
            what = f"{entry.action} {self.scorecard.name_of(entry.target)}".strip()
            item = QTreeWidgetItem(
                [
                    entry.at.strftime("%Y-%m-%d %H:%M"),
                    entry.actor,
                    what,
                    entry.old or "",
                    entry.new or "",
                    entry.comment,
                ]
            )
            for column in (2, 5):
                item.setToolTip(column, item.text(column))
            self.audit.addTopLevelItem(item)
        if self.audit.topLevelItemCount():
            self.audit.setCurrentItem(self.audit.topLevelItem(0))
        else:
            self.audit_details.setText("No change to this call yet.")

    def _audit_selected(self, item: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if item is None:
            return
        when, who, what, old, new, comment = (item.text(column) for column in range(6))
        change = f": {old or '–'} → {new or '–'}" if old or new else ""
        self.audit_details.setText(f"{what}{change}\n{who}, {when}" + (f"\n“{comment}”" if comment else ""))

    def _position(self, seconds: float) -> None:
        self.waveform.set_playhead(seconds)
        self.transcript.follow(seconds)
