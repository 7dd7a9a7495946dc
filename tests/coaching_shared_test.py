"""A coaching session two coaches have open at once (two windows, or two processes; on both stores): the second
change is refused, naming who changed the session, and shown again as stored; nothing is overwritten and the
audit log keeps every change that was made."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import pytest
from PySide6.QtWidgets import QMessageBox

from qa_desktop.services.coaching.sessions import create_session, save_texts, set_status
from qa_desktop.storage.models import Agent, AuditEntry, CoachingSession, Team
from qa_desktop.storage.review import StaleReviewError
from tests.team_database_test import ENV

pytestmark = pytest.mark.both_stores

CHANGED = (
    r"coaching session \d+ was changed by {} \(session texts at \d\d:\d\d\) since you opened it; nothing was saved"
)


def _session() -> CoachingSession:
    agent = Agent.create(name="Ana", team=Team.create(name="Billing"))
    return create_session([agent], ["closing"], "Kim")


def _window(qtbot, coach: str):
    from qa_desktop.app.coaching_window import CoachingWindow

    window = CoachingWindow(None, lambda: coach, lambda: None)
    qtbot.addWidget(window)
    window.open_session(CoachingSession.get().id)
    return window


def test_two_coaches_editing_one_session_in_two_windows_the_second_is_told_and_shown_the_first(qtbot, db, monkeypatch):
    _session()
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: said.append(text))
    kim, lou = _window(qtbot, "Kim"), _window(qtbot, "Lou")
    kim.goals.setPlainText("Name the feeling first")
    kim._save_clicked()
    lou.notes.setPlainText("Ana was on leave in May")
    lou._save_clicked()
    assert len(said) == 1 and re.match(CHANGED.format("Kim"), said[0]), said
    assert lou.goals.toPlainText() == "Name the feeling first" and lou.notes.toPlainText() == ""  # as stored
    assert lou.saved.text() == ""  # not 'Saved at'
    lou.notes.setPlainText("Ana was on leave in May")  # typed again on what Kim saved
    lou._save_clicked()
    stored = CoachingSession.get()
    assert (stored.goals, stored.notes) == ("Name the feeling first", "Ana was on leave in May")
    kim.close()  # Kim's window, stale now, typed nothing more: closing it writes nothing
    stored = CoachingSession.get()
    assert (stored.goals, stored.notes) == ("Name the feeling first", "Ana was on leave in May")
    kim = _window(qtbot, "Kim")
    lou.status.setCurrentText("delivered")
    lou.status.activated.emit(lou.status.currentIndex())
    kim.status.setCurrentText("acknowledged")
    kim.status.activated.emit(kim.status.currentIndex())
    assert len(said) == 2 and "changed by Lou (session status at" in said[1]
    assert CoachingSession.get().status == kim.status.currentText() == "delivered"
    entries = AuditEntry.select().where(AuditEntry.target == f"coaching session {stored.id}").order_by(AuditEntry.id)
    assert [(e.actor, e.action, e.comment) for e in entries] == [
        ("Kim", "session texts", "goals, due date"),  # the due date the window offered, saved with them
        ("Lou", "session texts", "notes"),
        ("Lou", "session status", ""),
    ]


def test_a_session_another_process_changed_is_not_overwritten_from_a_stale_read(db):
    session = _session()
    stale = CoachingSession.get_by_id(session.id)  # this coach's view, read before the other saves
    other = subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent("""
                import sys
                from qa_desktop.services.access.identity import set_owner_name
                from qa_desktop.services.coaching.sessions import save_texts
                from qa_desktop.storage.database import close_database, open_database
                from qa_desktop.storage.models import CoachingSession
                open_database(sys.argv[1])
                set_owner_name("Kim")  # the coach at the other workstation
                session = CoachingSession.get_by_id(int(sys.argv[2]))
                save_texts(session, "Name the feeling first", "", session.due)
                close_database()
            """),
            str(db),
            str(session.id),
        ],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert other.returncode == 0, other.stderr
    with pytest.raises(StaleReviewError, match=CHANGED.format("Kim")):
        save_texts(stale, "", "Ana was on leave in May", stale.due)
    with pytest.raises(StaleReviewError, match=CHANGED.format("Kim")):
        set_status(stale, "delivered", "Lou")
    stored = CoachingSession.get_by_id(session.id)
    assert (stored.goals, stored.notes, stored.status) == ("Name the feeling first", "", "planned")
