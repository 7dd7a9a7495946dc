"""What a user sees on a laptop screen: the review's empty state, the status bar's count, hints and empty states
of the smaller windows (offscreen Qt, a real database)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QPushButton

from qa_desktop.app.import_dialog import ImportDialog
from qa_desktop.app.library_columns import KEYS
from qa_desktop.app.main_window import MainWindow
from qa_desktop.app.people_dialog import PeopleDialog
from qa_desktop.app.settings_dialog import SettingsDialog
from qa_desktop.app.users_dialog import UserForm, UsersDialog
from qa_desktop.services.access.permissions import ADMIN
from qa_desktop.services.ingest import NOT_A_TRANSCRIPT
from qa_desktop.services.settings import Settings
from qa_desktop.services.trust import calibration as cal
from qa_desktop.storage.library import LibraryFilter
from qa_desktop.storage.models import UNASSIGNED
from tests.support.stored_calls import SHORT_CHAT, shipped_scorecard, stored_call, stored_conversation


def test_closing_a_chat_leaves_no_chat_note_and_says_to_select_a_call_in_full(qtbot, db, tmp_path):
    (chat := tmp_path / "chat.csv").write_text(SHORT_CHAT, encoding="utf-8")
    stored_conversation(chat, shipped_scorecard())
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.resize(1311, 706)  # as it first opens on 1366x768
    window._split()
    window.show()
    qtbot.waitExposed(window)
    review = window.review
    assert review.is_text and review.text_note.isVisible()
    window.show_calls(LibraryFilter(call_ids=[-1]))  # nothing matches: the review closes the chat
    assert review.call is None and not review.text_note.isVisible()  # was left saying "Text conversation…"
    transcript = review.transcript  # its placeholder is drawn on one line only: it must fit the pane
    assert transcript.fontMetrics().horizontalAdvance(transcript.placeholderText()) < transcript.viewport().width()


def test_the_library_count_stays_in_the_status_bar_after_a_notice(qtbot, db, tmp_path):
    (chat := tmp_path / "chat.csv").write_text(SHORT_CHAT, encoding="utf-8")
    stored_conversation(chat, shipped_scorecard())
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    window.review.notice.emit("Marked reviewed")
    assert window.statusBar().currentMessage() == "Marked reviewed"
    window.statusBar().clearMessage()  # the notice's time runs out
    assert window.count.isVisible() and window.count.text().startswith("1 call · database")  # was an empty bar


def _fits(field: QLineEdit) -> bool:
    """Whether a line edit shows its whole placeholder (with the frame's and text margins' few pixels)."""
    return field.fontMetrics().horizontalAdvance(field.placeholderText()) + 12 <= field.width()


def test_settings_and_the_new_user_form_show_their_hints_in_full(qtbot, db):
    settings = SettingsDialog(None, Settings())
    qtbot.addWidget(settings)
    settings.show()
    qtbot.waitExposed(settings)
    cut = [f.placeholderText() for f in settings.findChildren(QLineEdit) if f.placeholderText() and not _fits(f)]
    assert not cut  # was "default data folder, or postgresql://use…"
    users = UsersDialog(None)
    qtbot.addWidget(users)
    assert users.message.text().startswith("No users yet")  # an empty list said nothing
    forms: list[UserForm] = []

    def answer() -> None:
        forms.append(QApplication.activeModalWidget())
        forms[-1].reject()

    QTimer.singleShot(0, answer)
    users.add()
    assert forms[0].role.currentData() == ADMIN  # the first user must be an admin: agent was refused
    assert _fits(forms[0].agent)  # was "for an agent: thei…"


def test_agents_and_teams_is_a_flat_list_that_says_what_to_select(qtbot, db, tmp_path):
    (chat := tmp_path / "chat.csv").write_text(SHORT_CHAT, encoding="utf-8")
    stored_conversation(chat, shipped_scorecard())
    people = PeopleDialog(None, lambda: "Lead")
    qtbot.addWidget(people)
    assert not people.tree.rootIsDecorated() and people.tree.topLevelItemCount() == 1
    people._rename()  # nothing selected: was silent
    assert people.message.text() == "Select one agent to rename."
    people._move()
    assert people.message.text() == "Select the agents to move."


def test_the_calls_without_an_agent_are_not_listed_as_an_agent_called_unassigned(qtbot, db):
    """Before: Agents and teams listed 'unassigned' among the agents (between 'Tom' and 'Zoe', with a team column),
    and coaching offered it as an agent to coach and as one "also in this session"."""
    from qa_desktop.app.coaching_window import CoachingWindow

    for agent in ("Ana", UNASSIGNED, "Zoe"):  # a call imported without an agent's name is filed under 'unassigned'
        stored_call(agent, "Billing", "2026-03-02 09:00", 300, (80, 80, 100), False, {}, ["hi"])
    people = PeopleDialog(None, lambda: "Lead")
    qtbot.addWidget(people)
    rows = [people.tree.topLevelItem(i) for i in range(people.tree.topLevelItemCount())]
    assert [r.text(0) for r in rows] == ["Ana", "Zoe", "(no agent)"]  # was Ana, unassigned, Zoe
    assert rows[-1].font(0).italic() and "without an agent" in rows[-1].toolTip(0)
    coaching = CoachingWindow(None, lambda: "Kim", lambda: None)
    qtbot.addWidget(coaching)
    assert [coaching.others.item(i).text() for i in range(coaching.others.count())] == ["Ana", "Zoe"]
    assert [coaching.agent.itemText(i) for i in range(coaching.agent.count())] == ["Ana (Billing)", "Zoe (Billing)"]


def test_import_failures_are_read_in_full_without_scrolling_sideways(qtbot, db):
    dialog = ImportDialog(None, lambda *_a, **_k: None)
    qtbot.addWidget(dialog)
    dialog.pages.setCurrentIndex(1)  # the progress page
    dialog.show()
    qtbot.waitExposed(dialog)
    message = f"/exports/chats/2026-11-13T12-00_maria-lopez_billing_NW-2103.csv: passed over, {NOT_A_TRANSCRIPT}"
    dialog.failures.addItem(message)
    qtbot.waitUntil(lambda: dialog.failures.visualItemRect(dialog.failures.item(0)).height() > 0)
    rect = dialog.failures.visualItemRect(dialog.failures.item(0))
    assert rect.right() <= dialog.failures.viewport().width()  # the message wraps: was cut at "…speaker"
    assert dialog.failures.horizontalScrollBar().maximum() == 0
    name = "2026-11-13T12-00_maria-lopez_billing_NW-2103.csv"  # the demo's file names, in full
    assert dialog.results.columnWidth(0) > dialog.results.fontMetrics().horizontalAdvance(name) + 12


def test_an_empty_calibration_session_list_says_how_to_start_one(qtbot, db, tmp_path):
    window = MainWindow(db)
    qtbot.addWidget(window)
    calibration = window.open_calibration()
    assert calibration.sessions_label.text().startswith("Sessions: none yet")  # a blank list said nothing
    (chat := tmp_path / "chat.csv").write_text(SHORT_CHAT, encoding="utf-8")
    cal.create_session("November", "Lead", ["Ann", "Bob"], [stored_conversation(chat, shipped_scorecard()).id])
    calibration._load_sessions()
    assert calibration.sessions_label.text() == "Sessions" and calibration.sessions.count() == 1


def test_calibration_says_how_to_start_a_session_where_its_panes_would_be_empty(qtbot, db, tmp_path):
    """Before: with no session open, the scoring and results tabs showed empty lists, an empty player and a table
    with no rows, saying nothing."""
    window = MainWindow(db)
    qtbot.addWidget(window)
    calibration = window.open_calibration()
    assert calibration.panes.currentWidget() is calibration.no_session and not calibration.tabs.isVisibleTo(calibration)
    assert calibration.no_session.text().startswith("No calibration session yet. Start one on the left")
    (chat := tmp_path / "chat.csv").write_text(SHORT_CHAT, encoding="utf-8")
    cal.create_session("November", "Lead", ["Ann", "Bob"], [stored_conversation(chat, shipped_scorecard()).id])
    calibration._load_sessions()
    assert calibration.no_session.text().startswith("Choose a session on the left")
    calibration.sessions.setCurrentRow(0)
    assert calibration.panes.currentWidget() is calibration.tabs and calibration.call_list.count() == 1


def test_an_empty_library_says_chats_can_be_imported_too(qtbot, db):
    window = MainWindow(db)
    qtbot.addWidget(window)
    assert window.empty_note.text() == "No calls yet: import recordings or chat transcripts with Import…"
    assert window.review.title.text() == window.empty_note.text()  # was "recordings" only


def test_the_review_names_the_calls_driver_which_the_library_leaves_to_its_menu(qtbot, db):
    texts = ["My internet keeps dropping and the router will not connect, it has been down all week."]
    call = stored_call("Maria Lopez", "Support", "2026-11-02T09:00", 300, (70, 60, 80), False, {}, texts)
    window = MainWindow(db)
    qtbot.addWidget(window)
    columns = window.table.horizontalHeader()
    assert not columns.isSectionHidden(KEYS.index("empathy")) and columns.isSectionHidden(KEYS.index("driver"))
    window.review.open_call(call.id)
    assert "team Support · driver Technical problem" in window.review.title.text()  # the primary driver
    bill = ["My bill is wrong: I was charged twice on this invoice."]
    window.review.open_call(
        stored_call("Tom Becker", "Billing", "2026-11-03T09:00", 300, (70, 60, 80), False, {}, bill).id
    )
    assert "team Billing · driver Billing" in window.review.title.text()  # was "Billing · Billing": which is which?


# Before: neither had a Close button (only Esc or the window manager's cross closed them)
@pytest.mark.parametrize("kind", ["users", "people"])
def test_users_and_agents_and_teams_close_with_a_close_button(qtbot, db, kind):
    dialog = UsersDialog(None) if kind == "users" else PeopleDialog(None, lambda: "Lead")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    (close,) = [b for b in dialog.findChildren(QPushButton) if b.text() == "Close"]
    close.click()
    assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Rejected
