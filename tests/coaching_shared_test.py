"""A coaching session two coaches have open at once (two windows, or two processes; on both stores): the second
change (to the session, or to a clip's note) is refused, naming who changed it, and shown again as stored; nothing
is overwritten and the audit log keeps every change that was made."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import pytest
from peewee import IntegrityError
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from qa_desktop.services.coaching.sessions import (
    add_clip,
    clips,
    create_session,
    delete_session,
    remove_clip,
    save_texts,
    set_status,
)
from qa_desktop.storage.migrations import LATEST, migrate
from qa_desktop.storage.models import Agent, AuditEntry, CoachingClip, CoachingSession, Team, database
from qa_desktop.storage.review import StaleReviewError
from tests.support.stored_calls import stored_call
from tests.team_database_test import ENV, _python

pytestmark = pytest.mark.both_stores

CHANGED = (
    r"coaching session \d+ was changed by {} \(session texts at \d\d:\d\d\) since you opened it; nothing was saved"
)


def _session() -> CoachingSession:
    agent = Agent.create(name="Ana", team=Team.create(name="Billing"))
    return create_session([agent], ["closing"], "Kim")


@pytest.fixture
def said(monkeypatch) -> list[str]:
    """What the windows' warnings said."""
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: told.append(text))
    return told


def _window(qtbot, coach: str, moment: tuple[int, float] | None = None):
    from qa_desktop.app.coaching_window import CoachingWindow

    window = CoachingWindow(None, lambda: coach, lambda: moment)
    qtbot.addWidget(window)
    window.open_session(CoachingSession.get().id)
    return window


def test_two_coaches_editing_one_session_in_two_windows_the_second_is_told_and_shown_the_first(qtbot, db, said):
    _session()
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


# Before: "clip 7 of coaching session 3 was changed by ...": the clip by a number the coach sees nowhere
CLIP_CHANGED = (
    r"a clip of the call 'Ana, 2026-03-02 09:00' in coaching session \d+ was changed by {} \({} at \d\d:\d\d\) "
    "since you opened it; nothing was saved"
)


def _clip_note(window, note: str) -> None:
    window.clip_list.setCurrentItem(window.clip_list.topLevelItem(0))
    window.clip_note.setText(note)
    window.clip_note.editingFinished.emit()


def _clip_session() -> CoachingSession:
    results = {"closing": ("fail", None)}
    call = stored_call("Ana", "Billing", "2026-03-02 09:00", 300, (50, 50, 50), False, results, [""])
    session = create_session([Agent.get(name="Ana")], ["closing"], "Kim")
    CoachingClip.delete().execute()  # the one moment of the test, not the proposals
    add_clip(session, call, "closing", "improve", 10, 30)
    return session


def test_two_coaches_noting_one_clip_in_two_windows_the_second_is_told_and_shown_the_first(qtbot, db, said):
    _clip_session()
    kim, lou = _window(qtbot, "Kim"), _window(qtbot, "Lou")
    _clip_note(kim, "Listen to the close")
    _clip_note(lou, "The goodbye comes too early")
    assert len(said) == 1 and re.match(CLIP_CHANGED.format("Kim", "clip note"), said[0]), said
    assert CoachingClip.get().note == "Listen to the close"  # Kim's note stays
    shown = lou.clip_list.currentItem()  # Lou sees it, in the list and in the note field
    assert (shown.text(5), lou.clip_note.text()) == ("Listen to the close", "Listen to the close")
    _clip_note(lou, "Listen to the close: the goodbye comes too early")  # written again on Kim's
    assert CoachingClip.get().note == "Listen to the close: the goodbye comes too early"
    entries = AuditEntry.select().where(AuditEntry.action == "clip note").order_by(AuditEntry.id)
    assert [(e.actor, e.old, e.new) for e in entries] == [
        ("Kim", "", "Listen to the close"),
        ("Lou", "Listen to the close", "Listen to the close: the goodbye comes too early"),
    ]
    kim.clip_list.setCurrentItem(kim.clip_list.topLevelItem(0))
    kim.remove_clip()  # Kim's view of the clip is older than Lou's note: not removed unseen
    assert len(said) == 2 and re.match(CLIP_CHANGED.format("Lou", "clip note"), said[1]), said
    assert CoachingClip.select().count() == 1 and kim.clip_note.text() == CoachingClip.get().note
    kim.remove_clip()  # now that Kim has seen it
    assert CoachingClip.select().count() == 0 and kim.clip_list.topLevelItemCount() == 0
    removed = AuditEntry.get(AuditEntry.action == "remove clip")
    assert removed.comment == "10.0-30.0 s of the call 'Ana, 2026-03-02 09:00'"  # was "call 1, 10.0-30.0 s"
    _clip_note(lou, "One more thing")  # on the clip Kim removed
    assert len(said) == 3 and re.match(CLIP_CHANGED.format("Kim", "remove clip"), said[2]), said
    assert lou.clip_list.topLevelItemCount() == 0 and CoachingClip.select().count() == 0


def test_a_clip_note_another_process_saved_is_not_overwritten_from_a_stale_read(db):
    from qa_desktop.services.coaching.views import clip_views, save_clip_note

    session = _clip_session()
    [stale] = clip_views(session.id)  # this coach's view, read before the other saves
    other = _python(
        """
        import sys
        from qa_desktop.services.access.identity import set_owner_name
        from qa_desktop.services.coaching.views import clip_views, save_clip_note
        from qa_desktop.storage.database import close_database, open_database
        open_database(sys.argv[1])
        set_owner_name("Kim")  # the coach at the other workstation
        save_clip_note(clip_views(int(sys.argv[2]))[0], "Listen to the close")
        close_database()
    """,
        db,
        session.id,
    )
    assert other.returncode == 0, other.stderr
    with pytest.raises(StaleReviewError, match=CLIP_CHANGED.format("Kim", "clip note")):
        save_clip_note(stale, "The goodbye comes too early", "Lou")
    assert CoachingClip.get().note == "Listen to the close"
    assert [(e.actor, e.old, e.new) for e in AuditEntry.select().where(AuditEntry.action == "clip note")] == [
        ("Kim", "", "Listen to the close")
    ]


def test_adding_the_reviews_moment_to_a_session_another_coach_deleted_is_refused_naming_who(qtbot, db, said):
    session = _session()
    call = stored_call("Ana", "Billing", "2026-03-02 09:00", 300, (50, 50, 50), False, {}, ["hello"])
    lou = _window(qtbot, "Lou", (call.id, 30.0))
    delete_session(session, "Kim")  # from Kim's window
    lou.add_review_moment()  # was CoachingSessionDoesNotExist, a traceback
    deleted = rf"coaching session {session.id} was changed by Kim \(delete session at \d\d:\d\d\) since you opened it"
    assert len(said) == 1 and re.match(deleted, said[0]), said
    assert lou.session is None and lou.sessions.count() == 0 and not CoachingClip.select().exists()


def test_a_clip_added_after_one_was_removed_comes_last_in_a_place_of_its_own(db):
    session = _clip_session()
    call = CoachingClip.get().call
    for start in (40, 70):
        add_clip(session, call, "closing", "example", start, start + 20)
    remove_clip(clips(session)[0])
    add_clip(session, call, "closing", "improve", 100, 120)
    assert [(c.start, c.position) for c in clips(session)] == [(40, 1), (70, 2), (100, 3)]  # was 2: 70's place


def test_the_v18_upgrade_gives_clips_sharing_a_position_their_own_in_the_order_they_were_shown(db):
    session = _clip_session()
    call = CoachingClip.get().call
    for start in (40, 70):
        add_clip(session, call, "closing", "example", start, start + 20)
    database.execute_sql("DROP INDEX coachingclip_session_id_position")
    CoachingClip.update(position=0).execute()  # as two coaches adding at once left them
    database.set_schema_version(17)
    assert migrate(database.obj) == LATEST
    assert [(c.start, c.position) for c in clips(session)] == [(10, 0), (40, 1), (70, 2)]
    with pytest.raises(IntegrityError):  # and no two share one again
        CoachingClip.update(position=0).execute()


def _listed(window) -> list[str]:
    return [window.sessions.item(row).text() for row in range(window.sessions.count())]


def _come_back(qtbot, window, listed: list[str]) -> None:
    """The coach comes back to the window (it is activated): the sessions are read again in the background."""
    QApplication.sendEvent(window, QEvent(QEvent.Type.WindowActivate))
    qtbot.waitUntil(lambda: _listed(window) == listed, timeout=10000)


def test_coming_back_to_the_window_lists_what_another_coach_changed_keeping_the_selection_and_typing(qtbot, db, said):
    first = _session()
    ana = Agent.get(name="Ana")
    second, third = (create_session([ana], ["closing"], "Kim", title) for title in ("Second", "Third"))
    lou = _window(qtbot, "Lou")
    lou.sessions.setCurrentRow(_listed(lou).index(f"#{first.id} · planned · {first.title}"))  # opens it
    lou.goals.setPlainText("Name the feeling first")  # not saved yet
    fourth = create_session([ana], ["closing"], "Kim", "Fourth")  # meanwhile, at Kim's workstation
    set_status(second, "delivered", "Kim")
    delete_session(third, "Kim")
    _come_back(
        qtbot,
        lou,
        [
            f"#{fourth.id} · planned · Fourth",
            f"#{second.id} · delivered · Second",
            f"#{first.id} · planned · {first.title}",
        ],
    )  # the list stayed as it was first read
    assert lou.sessions.currentItem().text().startswith(f"#{first.id} ") and lou.session.id == first.id
    assert lou.goals.toPlainText() == "Name the feeling first" and lou.editor.isEnabled()
    delete_session(CoachingSession.get_by_id(first.id), "Kim")  # the open one, with Lou's typing in it
    _come_back(qtbot, lou, [f"#{fourth.id} · planned · Fourth", f"#{second.id} · delivered · Second"])
    assert re.match(rf"<b>Session #{first.id} was deleted by Kim at \d\d:\d\d\.</b> What you typed", lou.title.text())
    assert lou.goals.toPlainText() == "Name the feeling first"  # there to copy
    lou._save_clicked()  # was a traceback (CoachingSession.DoesNotExist)
    assert len(said) == 1 and f"coaching session {first.id} was changed by Kim (delete session at" in said[0], said
    assert lou.session is None and not lou.editor.isEnabled()


def test_coming_back_to_the_window_closes_the_open_session_another_coach_deleted_saying_who(qtbot, db, said):
    session = _session()
    lou = _window(qtbot, "Lou")
    delete_session(CoachingSession.get_by_id(session.id), "Kim")
    _come_back(qtbot, lou, [])
    assert lou.session is None and not lou.editor.isEnabled()
    assert re.fullmatch(
        rf"Sessions \(Session #{session.id} was deleted by Kim at \d\d:\d\d\.\)", lou.sessions_label.text()
    )
    assert said == []


def test_a_shown_window_checks_the_sessions_every_half_minute(qtbot, db, said):
    first = _session()
    lou = _window(qtbot, "Lou")
    lou.show()
    assert lou.check.isActive() and lou.check.interval() == 30_000
    second = create_session([Agent.get(name="Ana")], ["closing"], "Kim", "Second")  # at Kim's workstation
    lou.check.timeout.emit()  # half a minute on
    qtbot.waitUntil(
        lambda: _listed(lou) == [f"#{second.id} · planned · Second", f"#{first.id} · planned · {first.title}"],
        timeout=10000,
    )
    lou.hide()
    assert not lou.check.isActive()  # no reading while the window is not shown
