"""What a user sees of the main window on a laptop screen: the review's empty state and the status bar's count
(offscreen Qt, a real database)."""

from __future__ import annotations

from qa_desktop.app.main_window import MainWindow
from qa_desktop.storage.library import LibraryFilter
from tests.support.stored_calls import SHORT_CHAT, shipped_scorecard, stored_conversation


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
