"""The coaching window: suggested focus for an agent, sessions with their clips (play, annotate,
add, remove; a text conversation's moment shows its messages instead), notes, goals, due date and
status, the follow-up after delivery, and the pack export (in a background thread)."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from PySide6.QtCore import QDate, QEvent, Qt, QTimer, QUrl
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qa_desktop.app import file_dialogs
from qa_desktop.app.background import Latest, Task, run_task
from qa_desktop.app.dialog_size import fit_to_screen
from qa_desktop.app.player import CallPlayer
from qa_desktop.app.recording_finder import RecordingFinder
from qa_desktop.app.transcript_view import SPEAKER_COLOURS
from qa_desktop.services import people as people_service
from qa_desktop.services import review as review_service
from qa_desktop.services.coaching import views as coaching_service
from qa_desktop.services.coaching.focus import MIN_CALLS
from qa_desktop.services.coaching.sessions import STATUSES, criterion_names
from qa_desktop.services.coaching.views import ClipView, SessionListing, SessionSummary, SessionView
from qa_desktop.storage.library import call_name
from qa_desktop.storage.review import StaleReviewError
from scoring.display import one_line

CLIP_ROLE = Qt.ItemDataRole.UserRole + 1
SESSION_ROWS = 4  # the sessions list is never shorter: the focus list gets the rest of the height it needs
CHECK_MS = 30_000  # while shown, the window reads the sessions again this often (another coach's changes)


class CoachingWindow(QDialog):
    """Sessions on the left (and a new one from suggestions), the open session on the right. The data comes
    from `service` (the coaching views' functions), the agents from `people`."""

    def __init__(
        self,
        parent: QWidget | None,
        coach: Callable[[], str],
        moment: Callable[[], tuple[int, float] | None],
        service: ModuleType = coaching_service,
        people: ModuleType = people_service,
    ) -> None:
        super().__init__(parent)
        self.service, self.people = service, people
        self.setWindowTitle("Coaching")
        fit_to_screen(self, 1280, 820)
        self.coach = coach  # the coach's name, from settings
        self.moment = moment  # () -> (call id, seconds) open in the review, or None
        self.names = criterion_names()
        self.session: SessionView | None = None
        self.exporter: Task | None = None
        self.focus = Latest(self._show_suggestions, self._suggestions_failed, self, what="suggesting a focus")
        self.listing = Latest(self._sessions_read, self._listing_failed, self, what="reading the coaching sessions")
        self.listed: list[SessionSummary] = []
        self.check = QTimer(self, interval=CHECK_MS)
        self.check.timeout.connect(self.refresh_sessions)
        self.clip_end: float | None = None
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self._left())
        splitter.addWidget(self._right())
        splitter.setSizes([500, 780])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        for button in self.findChildren(QPushButton):  # Enter in a text field must not press a button
            button.setAutoDefault(False)
        self._load_agents()
        self._load_sessions()

    # --- left: new session from suggestions, and the list of sessions -------------------------
    def _left(self) -> QWidget:
        panel = QWidget()
        self.agent = QComboBox()
        self.agent.currentIndexChanged.connect(self._suggest)
        self.suggestions = QTreeWidget()
        self.suggestions.setHeaderLabels(["Focus (tick to coach)", "Agent", "Team", "Gap"])
        self.suggestions.setRootIsDecorated(False)
        self.suggestions.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)  # every row
        for column, width in enumerate((160, 92, 92, 36)):
            self.suggestions.setColumnWidth(column, width)
        self.suggestion_note = QLabel()
        self.suggestion_note.setWordWrap(True)
        self.others = QListWidget()
        self.others.setMaximumHeight(90)
        self.others.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)  # 3 agents: 3 rows
        self.others.setToolTip("Tick other agents to make it a team session")
        self.create_button = QPushButton("Create session with proposed clips")
        self.create_button.clicked.connect(self.create_from_ticks)
        new = QGroupBox("New session")
        form = QVBoxLayout(new)
        form.addWidget(self.agent)
        form.addWidget(self.suggestions, 1)
        form.addWidget(self.suggestion_note)
        form.addWidget(QLabel("Also in this session (a team session):"))
        form.addWidget(self.others)
        form.addWidget(self.create_button)
        self.sessions = QListWidget()
        self.sessions.currentItemChanged.connect(lambda item, _old: item and self._open_listed(item.data(CLIP_ROLE)))
        self.sessions.setMinimumHeight(
            SESSION_ROWS * self.sessions.fontMetrics().lineSpacing() + 2 * self.sessions.frameWidth()
        )
        self.sessions.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)  # the rest, if any
        column = QVBoxLayout(panel)
        column.addWidget(new)  # as tall as the focus list needs (the window's height allowing)
        self.sessions_label = QLabel("Sessions")
        column.addWidget(self.sessions_label)
        column.addWidget(self.sessions, 1)
        return panel

    def _load_agents(self) -> None:
        self.agent.blockSignals(True)
        self.agent.clear()
        agents = [a for a in self.people.agents() if a.named]  # not the calls without an agent's name
        for agent in agents:
            self.agent.addItem(f"{agent.name} ({agent.team or 'no team'})", agent.id)
        self.agent.blockSignals(False)
        self.others.clear()
        for agent in agents:
            item = QListWidgetItem(agent.name)
            item.setData(CLIP_ROLE, agent.id)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.others.addItem(item)
        self._suggest()

    def _suggest(self) -> None:
        self.suggestions.clear()
        if self.agent.currentData() is None:  # an empty list and box said nothing
            self.suggestion_note.setText(
                "No agents yet: import calls (Import… in the main window) to coach their agents."
            )
            return
        agent_id = self.agent.currentData()
        for i in range(self.others.count()):  # the session's own agent is not "also" in it
            item = self.others.item(i)
            item.setHidden(item.data(CLIP_ROLE) == agent_id)
            if item.isHidden():
                item.setCheckState(Qt.CheckState.Unchecked)
        self.suggestion_note.setStyleSheet("")
        self.suggestion_note.setText("Comparing the agent with the team…")
        criteria = list(self.names)
        self.focus.start(lambda _task: self.service.suggestions(agent_id, criteria))

    def _show_suggestions(self, found: tuple[list, list]) -> None:
        """The suggested criteria first (the top two ticked), then every other criterion of the scorecard
        for the coach to pick by hand."""
        suggested, rest = found
        self.suggestions.clear()
        for rank, focus in enumerate([*suggested, *rest]):
            gap = f"{focus.gap:.0f}" if rank < len(suggested) else ""
            item = QTreeWidgetItem(
                [self.names.get(focus.criterion, focus.criterion), focus.agent.short(), focus.team.short(), gap]
            )
            item.setData(0, CLIP_ROLE, focus.criterion)
            item.setCheckState(0, Qt.CheckState.Checked if rank < min(2, len(suggested)) else Qt.CheckState.Unchecked)
            item.setToolTip(
                0, "Suggested: below the team" if rank < len(suggested) else "Not suggested: tick to coach it"
            )
            if rank >= len(suggested):
                item.setForeground(3, Qt.GlobalColor.gray)
            self.suggestions.addTopLevelItem(item)
        self.suggestions.resizeColumnToContents(0)  # every criterion's name in full
        self.suggestions.setColumnHidden(3, not suggested)  # no gap to show
        self.suggestion_note.setText(
            f"The first {len(suggested)} are below the team (at least {MIN_CALLS} calls each), largest gap first; "
            "tick any criterion to coach it."
            if suggested
            else f"Nothing suggested: no criterion is below the team with at least {MIN_CALLS} calls each side. "
            "Tick the criteria to coach by hand; clips come from the agent's failed calls."
        )

    def _suggestions_failed(self, message: str) -> None:
        self.suggestion_note.setStyleSheet("color:#b3261e")
        self.suggestion_note.setText(f"Could not suggest a focus: {message} (details in the log)")

    def create_from_ticks(self) -> SessionView | None:
        """Create a session for the chosen agent on the ticked criteria."""
        ticked = [
            self.suggestions.topLevelItem(i).data(0, CLIP_ROLE)
            for i in range(self.suggestions.topLevelItemCount())
            if self.suggestions.topLevelItem(i).checkState(0) == Qt.CheckState.Checked
        ]
        if self.agent.currentData() is None or not ticked:
            QMessageBox.information(self, "Coaching", "Pick an agent and tick at least one focus criterion.")
            return None
        main = self.agent.currentData()
        also = [
            self.others.item(i).data(CLIP_ROLE)
            for i in range(self.others.count())
            if self.others.item(i).checkState() == Qt.CheckState.Checked
        ]
        session_id = self.service.create([main, *also], ticked, self.coach())
        self._load_sessions(select=session_id)
        return self.session

    def _load_sessions(self, select: int | None = None) -> None:
        self._list_sessions(self.service.session_list(), select)
        if select is not None:
            self.open_session(select)

    def _list_sessions(self, sessions: list[SessionSummary], current: int | None) -> None:
        """Fill the list (without opening anything), the session `current` selected."""
        self.listed = sessions
        self.sessions.blockSignals(True)
        self.sessions.clear()
        for session in sessions:
            item = QListWidgetItem(f"#{session.id} · {session.status} · {session.title}")
            item.setData(CLIP_ROLE, session.id)
            self.sessions.addItem(item)
            if session.id == current:
                self.sessions.setCurrentItem(item)
        self.sessions.blockSignals(False)
        self.sessions_label.setText(
            "Sessions" if self.sessions.count() else "Sessions: none yet. Tick a focus above and create one."
        )

    def event(self, event: QEvent) -> bool:
        """Coming back to the window re-reads the sessions (in the background), as does a check every CHECK_MS while
        it is shown: another coach may have added, changed or deleted some meanwhile."""
        if event.type() == QEvent.Type.WindowActivate:
            self.refresh_sessions()
        elif event.type() == QEvent.Type.Show:
            self.check.start()
        elif event.type() == QEvent.Type.Hide:
            self.check.stop()
        return super().event(event)

    def refresh_sessions(self) -> None:
        """Read the sessions again in the background; the selection and anything typed stay."""
        open_id = self.session.id if self.session is not None else None
        self.listing.start(lambda _task: self.service.session_listing(open_id))

    def _sessions_read(self, listing: SessionListing) -> None:
        open_id, closed = self.session.id if self.session is not None else None, ""
        if listing.deleted is not None and open_id == listing.open_id:
            gone = f"Session #{open_id} was deleted{listing.deleted}."
            if self._texts() == self._shown_texts:
                self._show_no_session()
                open_id, closed = None, gone
            else:  # what the coach typed stays on screen (it cannot be saved: the session is gone)
                self.title.setText(f"<b>{gone}</b> What you typed here is not saved: copy it before you go on.")
                self.saved.clear()
        if closed or listing.sessions != self.listed:  # else the list stays as it is, scrolled where it was
            self._list_sessions(listing.sessions, open_id)
        if closed:
            self.sessions_label.setText(f"Sessions ({closed})")

    def _listing_failed(self, message: str) -> None:
        self.sessions_label.setText(f"Sessions (not read again: {message})")

    def _open_listed(self, session_id: int) -> None:
        """Open a session picked in the list; one deleted since the list was read is refused, naming who."""
        try:
            self.open_session(session_id)
        except StaleReviewError as exc:
            QMessageBox.warning(self, "Coaching session", str(exc))
            self._load_sessions(select=self.session.id if self.session is not None else None)

    # --- right: the open session --------------------------------------------------------------
    def _right(self) -> QWidget:
        self.editor = QWidget()
        self.title = QLabel("Pick or create a session.")
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setWordWrap(True)
        self.title.setMinimumHeight(2 * self.title.fontMetrics().height() + 4)  # no jump when a session opens
        self.status = QComboBox()
        self.status.addItems(STATUSES)
        self.status.activated.connect(self._status_changed)
        self.due = QDateEdit(calendarPopup=True)
        self.due.setDisplayFormat("yyyy-MM-dd")
        self.due.setDate(QDate.currentDate().addDays(14))
        self.goals, self.notes = QPlainTextEdit(), QPlainTextEdit()
        self.goals.setPlaceholderText("Goals for the agent")
        self.notes.setPlaceholderText("Private notes for the coach: never in the pack the agent gets")
        for edit in (self.goals, self.notes):
            edit.setMaximumHeight(70)
        self.clip_list = QTreeWidget()
        self.clip_list.setHeaderLabels(["#", "Criterion", "Kind", "Call", "Moment", "Note"])
        self.clip_list.setRootIsDecorated(False)
        self.clip_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        for column, width in enumerate((30, 160, 80, 210, 90)):
            self.clip_list.setColumnWidth(column, width)
        self.clip_list.currentItemChanged.connect(self._clip_selected)
        self.clip_list.itemDoubleClicked.connect(lambda item, _c: self.play_clip())
        self.clip_note = QLineEdit(
            placeholderText="Note for the agent on the selected clip (what to listen for; in the pack)"
        )
        self.clip_note.editingFinished.connect(self._save_clip_note)
        self.player = CallPlayer()
        self.finding = RecordingFinder(self.player, self)
        self.player.position_changed.connect(self._stop_at_clip_end)
        self.excerpt = QTextBrowser()  # the clip's transcript (a text conversation's messages)
        self.excerpt.setFixedHeight(120)
        self.excerpt.setPlaceholderText("The selected clip's transcript shows here.")
        buttons = QHBoxLayout()
        for text, slot in (
            ("Play clip", self.play_clip),
            ("Remove clip", self.remove_clip),
            ("Add the moment open in the review", self.add_review_moment),
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch()
        self.follow = QLabel()
        self.follow.setTextFormat(Qt.TextFormat.RichText)
        self.follow.setWordWrap(True)
        self.export_progress = QProgressBar()
        self.export_progress.hide()
        self.pack_note = QLabel()  # where the last pack went: the folder, a click away
        self.pack_note.setWordWrap(True)
        self.pack_note.setTextFormat(Qt.TextFormat.RichText)
        self.pack_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.pack_note.setOpenExternalLinks(True)
        self.pack_note.hide()
        save, export = QPushButton("Save notes and goals"), QPushButton("Export coaching pack…")
        delete = QPushButton("Delete session…")
        save.clicked.connect(self._save_clicked)
        export.clicked.connect(self._export)
        delete.clicked.connect(self.delete_session)
        self.saved = QLabel()
        self.saved.setStyleSheet("color:#2e7d32")
        form = QGridLayout()  # two abreast: the Moments list keeps the height (3.5 rows at 1366x768 once delivered)
        for row, pairs in enumerate(
            ((("Status", self.status), ("Due", self.due)), (("Goals", self.goals), ("Private notes", self.notes)))
        ):
            for pair, (label, field) in enumerate(pairs):
                form.addWidget(QLabel(label), row, 2 * pair, Qt.AlignmentFlag.AlignTop if row else Qt.AlignmentFlag(0))
                form.addWidget(field, row, 2 * pair + 1)
        form.setColumnStretch(1, 1)
        form.setColumnStretch(3, 1)
        end = QHBoxLayout()
        end.addWidget(delete)
        end.addWidget(self.export_progress, 1)
        self.anonymise_peers = QCheckBox("Anonymise peers")
        self.anonymise_peers.setToolTip(
            "In the pack, peers in example clips are 'Peer A', 'Peer B', ... and their "
            "spoken name is replaced by a tone"
        )
        end.addWidget(self.saved)
        end.addWidget(save)
        end.addWidget(self.anonymise_peers)
        end.addWidget(export)
        column = QVBoxLayout(self.editor)
        column.addWidget(self.title)
        column.addLayout(form)
        column.addWidget(QLabel("Moments (double-click to play)"))
        column.addWidget(self.clip_list, 1)
        column.addWidget(self.clip_note)
        column.addLayout(buttons)
        column.addWidget(self.player)
        column.addWidget(self.excerpt)
        column.addWidget(self.follow)
        column.addLayout(end)
        column.addWidget(self.pack_note)
        self.editor.setEnabled(False)
        return self.editor

    def open_session(self, session_id: int) -> None:
        """Show a session (keeping what was typed in the one shown before)."""
        if self.session is not None and self.session.id != session_id and self.editor.isEnabled():
            self.save_texts()
        self.session = session = self.service.open_session(session_id)
        self.editor.setEnabled(True)
        focus = ", ".join(
            f"{self.names.get(f.criterion, f.criterion)} {f.agent.text()} vs team {f.team.text()}"
            for f in session.focus
        )
        self.title.setText(
            f"<b>#{session.id} {session.title}</b><br><span style='color:#555'>coach "
            f"{session.coach or '-'} · {focus}</span>"
        )
        self.status.setCurrentText(session.status)
        self.due.setDate(
            QDate(session.due.year, session.due.month, session.due.day)
            if session.due
            else QDate.currentDate().addDays(14)
        )
        self.goals.setPlainText(session.goals)
        self.notes.setPlainText(session.notes)
        self._shown_texts = self._texts()
        self.saved.clear()
        self.pack_note.hide()
        self.excerpt.clear()
        self._show_clips()
        self._show_follow_up()

    def _show_clips(self) -> None:
        self.clip_list.clear()
        for number, clip in enumerate(self.service.clip_views(self.session.id), 1):
            item = QTreeWidgetItem(
                [
                    str(number),
                    self.names.get(clip.criterion, clip.criterion),
                    "to improve" if clip.kind == "improve" else "example",
                    call_name(clip.agent_name, clip.call_time, clip.path),
                    f"✉ {clip.moment}" if clip.is_text else clip.moment,
                    clip.note,
                ]
            )
            item.setData(0, CLIP_ROLE, clip)
            self.clip_list.addTopLevelItem(item)

    def _show_follow_up(self) -> None:
        session = self.session
        if session.delivered_at is None or not session.agents:
            self.follow.setText(
                "<span style='color:#555'>Follow-up: once the session is delivered, the agent's "
                "results on its focus criteria before and after it show here.</span>"
            )
            return
        rows = self.service.follow_up_rows(session)
        cells = "".join(
            f"<tr><td>{self.names.get(r.criterion, r.criterion)}</td>"
            f"<td>{r.before.text()}</td><td>{r.after.text()}</td>"
            f"<td>{'-' if r.change is None else f'{r.change:+.0f} points'}</td></tr>"
            for r in rows
        )
        self.follow.setText(
            f"<b>Follow-up</b> (calls before and since delivery on {session.delivered_at:%Y-%m-%d})"
            f"<table cellpadding='3'><tr><th align='left'>Criterion</th><th>Before</th><th>After</th>"
            f"<th>Change</th></tr>{cells}</table>"
        )

    def _selected_clip(self) -> ClipView | None:
        item = self.clip_list.currentItem()
        return item.data(0, CLIP_ROLE) if item else None

    def _clip_selected(self, item: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        clip = self._selected_clip() if item else None
        self.clip_note.setText(clip.note if clip else "")
        self.excerpt.clear()
        if clip is not None:
            self._show_excerpt(clip)
            self.player.setVisible(not clip.is_text)  # a text conversation has nothing to play

    def _show_excerpt(self, clip: ClipView) -> None:
        lines = [  # an email's paragraphs stay apart
            (where, speaker, html.escape(line).replace("\n", "<br>"))
            for where, speaker, line in self.service.clip_excerpt(clip)
        ]
        self.excerpt.setHtml(
            "".join(
                f"<p style='margin:2px 0'><span style='color:#777;font-family:monospace'>{where}</span> "
                f"<b style='color:{SPEAKER_COLOURS.get(speaker, '#333')}'>{speaker.capitalize()}</b> {line}</p>"
                for where, speaker, line in lines
            )
            or "<i>No transcript in this moment.</i>"
        )

    def _save_clip_note(self) -> None:
        clip = self._selected_clip()
        if clip is not None and clip.note != self.clip_note.text():
            try:
                clip = self.service.save_clip_note(clip, self.clip_note.text(), self.coach())
            except StaleReviewError as exc:
                self._clip_changed_meanwhile(clip, exc)
                return
            item = self.clip_list.currentItem()
            item.setData(0, CLIP_ROLE, clip)
            item.setText(5, clip.note)

    def _clip_changed_meanwhile(self, clip: ClipView, exc: StaleReviewError) -> None:
        """Show the clips as stored (the same clip selected, if it is still there), then say who changed it."""
        self._show_clips()
        for row in range(self.clip_list.topLevelItemCount()):
            item = self.clip_list.topLevelItem(row)
            if item.data(0, CLIP_ROLE).id == clip.id:
                self.clip_list.setCurrentItem(item)
        QMessageBox.warning(self, "Coaching session", str(exc))

    def play_clip(self) -> None:
        """Play the selected clip from its start; playback stops at its end. A text conversation's moment
        shows its messages instead."""
        clip = self._selected_clip()
        if clip is None:
            return
        self._show_excerpt(clip)
        self.finding.drop()
        if clip.is_text:
            self.player.unload()
            return
        self.finding.find(clip, clip.duration_s, lambda path: self._play(clip, path))

    def _play(self, clip: ClipView, path: str) -> None:
        self.player.load(path, clip.duration_s, review_service.silent_spans(clip.call_id))
        self.clip_end = clip.end
        self.player.seek(clip.start)
        self.player.play()

    def _stop_at_clip_end(self, seconds: float) -> None:
        if self.clip_end is not None and seconds >= self.clip_end:
            self.player.pause()
            self.clip_end = None

    def remove_clip(self) -> None:
        """Take the selected clip out of the session."""
        clip = self._selected_clip()
        if clip is not None:
            try:
                self.service.remove_clip(clip, self.coach())
            except StaleReviewError as exc:
                self._clip_changed_meanwhile(clip, exc)
                return
            self._show_clips()

    def add_review_moment(self) -> None:
        """Add the call and moment open in the review (10 s either side) as a clip on the first focus criterion."""
        moment = self.moment()
        if self.session is None or moment is None:
            QMessageBox.information(self, "Coaching", "Open a call in the review first, at the moment to add.")
            return
        call_id, seconds = moment
        try:
            self.service.add_moment(self.session.id, call_id, seconds)
        except StaleReviewError as exc:  # the session was deleted meanwhile: who did and when
            self._close_session()
            QMessageBox.warning(self, "Coaching session", str(exc))
            return
        self._show_clips()

    def _texts(self) -> tuple[str, str, dt.datetime]:
        day = self.due.date()
        return self.goals.toPlainText(), self.notes.toPlainText(), dt.datetime(day.year(), day.month(), day.day())

    def save_texts(self) -> bool:
        """Store the goals, notes and due date if they were edited. When another coach changed the session since
        it was shown, nothing is saved: the window says who and shows the session as they left it (False)."""
        texts = self._texts()
        if texts == self._shown_texts:
            return True
        try:
            self.session = self.service.save_texts(self.session, *texts, self.coach())
        except StaleReviewError as exc:
            self._changed_meanwhile(exc)
            return False
        self._shown_texts = texts
        return True

    def _changed_meanwhile(self, exc: StaleReviewError) -> None:
        QMessageBox.warning(self, "Coaching session", str(exc))
        try:
            self.open_session(self.session.id)
        except StaleReviewError:  # deleted meanwhile
            self._close_session()

    def _save_clicked(self) -> None:
        if self.save_texts():
            self.saved.setText(f"Saved at {dt.datetime.now():%H:%M}")

    def delete_session(self, confirm: bool = True) -> None:
        """Delete the open session and its clips, after asking; the audit log keeps its title."""
        session = self.session
        if session is None:
            return
        if (
            confirm
            and QMessageBox.question(
                self,
                "Delete session",
                f'Delete session #{session.id} "{session.title}" and its clips? This cannot be undone.',
            )
            != QMessageBox.StandardButton.Yes
        ):
            return
        try:
            self.service.delete(session.id, self.coach())
        except StaleReviewError as exc:  # another coach deleted it first
            QMessageBox.warning(self, "Coaching session", str(exc))
        self._close_session()

    def _close_session(self) -> None:
        """Show no session (it was deleted), and the sessions as stored."""
        self._show_no_session()
        self._load_sessions()

    def _show_no_session(self) -> None:
        self.session = None
        self.editor.setEnabled(False)
        self.title.setText("Pick or create a session.")
        self.clip_list.clear()
        self.excerpt.clear()
        self.finding.drop()
        self.player.unload()

    def _status_changed(self, _index: int) -> None:
        if self.save_texts():
            try:
                self.session = self.service.set_status(self.session, self.status.currentText(), self.coach())
            except StaleReviewError as exc:
                self._changed_meanwhile(exc)
        self._load_sessions(select=self.session.id if self.session is not None else None)

    def _export(self) -> None:
        if self.session is None:
            return
        out = file_dialogs.existing_directory(self, "Folder for the coaching pack")
        if out:
            self.export_to(out)

    def export_to(self, out: str) -> Task:
        """Write the open session's pack (with the notes as typed) in the background."""
        self.save_texts()
        self.export_progress.show()
        self.export_progress.setValue(0)
        self.export_progress.setFormat("%p%")
        self.export_progress.setStyleSheet("")
        self.export_progress.setToolTip("")
        self.pack_note.hide()
        session_id, anonymise = self.session.id, self.anonymise_peers.isChecked()
        self.exporter = run_task(
            lambda task: self.service.export(session_id, Path(out), task.report, anonymise),
            self._exported,
            self._export_failed,
            what="exporting a coaching pack",
            progress=self._export_step,
        )
        return self.exporter

    def _export_step(self, done: int, total: int) -> None:
        self.export_progress.setRange(0, total)
        self.export_progress.setValue(done)

    def _exported(self, folder: Path) -> None:
        self.export_progress.setFormat("Pack written")  # the bar is narrow: where, in its tooltip
        self.export_progress.setToolTip(f"Pack written to {folder}")
        link = QUrl.fromLocalFile(str(folder)).toString()
        self.pack_note.setText(
            f"Pack saved in <a href='{html.escape(link)}'>{html.escape(one_line(str(folder)))}</a> "
            f"(and {html.escape(folder.name)}.zip beside it)."
        )
        self.pack_note.show()

    def _export_failed(self, message: str) -> None:
        self.export_progress.setFormat("Export failed")
        self.export_progress.setStyleSheet("color:#b3261e")
        QMessageBox.warning(
            self, "Export failed", f"The coaching pack was not written: {message}\n\nThe details are in the log."
        )

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        """Keep the last edits and let an export finish."""
        if self.session is not None:
            self.save_texts()
        self.focus.wait()
        self.listing.wait()
        if self.exporter is not None:
            self.exporter.wait()
        self.player.stop()
        super().closeEvent(event)
