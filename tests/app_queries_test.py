"""The windows read through the services (real widgets offscreen, a real database): a list is read in the
same number of queries whatever its length, a review action updates its one library row instead of reading
the library again, a large library is read in the background, and a stored scorecard is parsed once."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtTest import QTest

from qa_desktop.app.disputes_dialog import DisputesDialog
from qa_desktop.app.library_model import KEYS
from qa_desktop.app.main_window import MainWindow
from qa_desktop.app.people_dialog import PeopleDialog
from qa_desktop.services import review as review_service
from qa_desktop.services.settings import Settings
from qa_desktop.services.trust.disputes import raise_dispute
from qa_desktop.storage import scorecards
from qa_desktop.storage.library import LibraryFilter
from qa_desktop.storage.models import CriterionResultRow, Score, database
from qa_desktop.storage.search import HIT_END, HIT_START
from tests.support.stored_calls import stored_call

pytestmark = pytest.mark.both_stores


def _window(qtbot, db) -> MainWindow:
    Settings().set("reviewer", "Lead")
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    return window


def _calls(agents: int, first: int = 0) -> list:
    return [
        stored_call(
            f"Agent {n}",
            f"Team {n % 2}",
            f"2026-03-{n % 28 + 1:02d} 09:00",
            300,
            (50, 50, 0),
            False,
            {"greeting": ("fail", None), "closing": ("pass", None)},
            ["hello"],
        )
        for n in range(first, first + agents)
    ]


class _Queries:
    """Counts the SQL statements run while it is entered (on the database behind the storage's proxy)."""

    def __enter__(self) -> _Queries:
        self.count, self.on_ui_thread, self._db = 0, 0, database.obj
        execute = self._db.execute_sql

        def counted(*args, **kwargs):
            self.count += 1
            self.on_ui_thread += threading.current_thread() is threading.main_thread()
            return execute(*args, **kwargs)

        self._db.execute_sql = counted
        return self

    def __exit__(self, *_exc) -> None:
        del self._db.execute_sql  # the class's method again


@pytest.mark.parametrize("dialog", ["people", "disputes"])
def test_a_list_is_read_in_the_same_number_of_queries_whatever_its_length(qtbot, db, dialog):
    def open_with(agents: int) -> int:
        for call in _calls(agents, Score.select().count()):
            row = CriterionResultRow.get(
                CriterionResultRow.score == Score.get(Score.call == call).id, CriterionResultRow.criterion == "greeting"
            )
            raise_dispute(row, call.agent.name, "I did greet", "Lead", "pass")
        with _Queries() as queries:
            shown = PeopleDialog(None, lambda: "Lead") if dialog == "people" else DisputesDialog(None, lambda: "Lead")
            qtbot.waitUntil(lambda: dialog == "people" or shown.loaded)  # the disputes are read in the background
        qtbot.addWidget(shown)
        tree = shown.tree if dialog == "people" else shown.table
        assert tree.topLevelItemCount() == Score.select().count()  # one agent (and one dispute) per call
        return queries.count

    few = open_with(2)
    assert open_with(20) == few  # 22 agents and disputes now


def test_a_review_action_updates_its_row_without_reading_the_library_again(qtbot, db):
    _calls(3)
    window = _window(qtbot, db)
    window.filters.reviewed.setCurrentIndex(window.filters.reviewed.findData(False))  # "Not reviewed"
    assert window.calls.rowCount() == 3
    resets = []
    window.calls.modelReset.connect(lambda: resets.append(1))
    window.select_row(0)
    call_id = window.review.call.id
    window.review.apply_override("closing", "fail", "no goodbye")
    row = window.calls.row(window.calls.row_of(call_id))
    assert sorted(row.failed) == ["closing", "greeting"] and not resets
    window.review.reviewed.click()  # it no longer passes "Not reviewed": its row goes, the rest stay
    assert window.calls.row_of(call_id) is None and window.calls.rowCount() == 2 and not resets
    assert review_service.open_call(call_id).reviewed and window.count.text().startswith("2 calls")


def test_a_large_library_is_read_in_the_background(qtbot, db):
    calls = _calls(3)
    window = _window(qtbot, db)
    window.calls.inline_calls = 2  # fewer than the library holds
    window.show_calls(LibraryFilter(agent_id=calls[1].agent_id))
    assert window.calls.loading and window.calls.rowCount() == 3  # the old rows stay until the new ones come
    qtbot.waitUntil(lambda: not window.calls.loading)
    assert [window.calls.call_id(r) for r in range(window.calls.rowCount())] == [calls[1].id]
    qtbot.waitUntil(lambda: window.review.call.id == calls[1].id)  # the first row opens (read in the background too)
    window.show_calls(LibraryFilter(search="hello"))
    qtbot.waitUntil(lambda: not window.calls.loading and window.calls.rowCount() == 3)
    hit = window.calls.index(0, len(KEYS))  # the Search hit column fills in when the page's hits are found
    qtbot.waitUntil(lambda: hit.data() == f"{HIT_START}hello{HIT_END}")


def test_a_stored_scorecard_is_parsed_once(qtbot, db, monkeypatch):
    calls = _calls(2)
    parsed = []
    real = scorecards.parse_scorecard
    monkeypatch.setattr(scorecards, "_parsed", {})
    monkeypatch.setattr(scorecards, "parse_scorecard", lambda *a, **k: parsed.append(1) or real(*a, **k))
    for call in calls:
        review_service.open_call(call.id)
        review_service.override(call.id, "closing", "fail", "no goodbye", "Lead")
    assert len(parsed) == 1


def test_typing_a_search_in_a_large_library_reads_nothing_on_the_ui_thread_and_shows_the_last_words_calls(qtbot, db):
    """Before: each pause in typing read the signed-in user and counted the library's calls on the UI thread before
    the search went to the background."""
    calls = _calls(3)
    window = _window(qtbot, db)
    window.calls.inline_calls = 2  # fewer than the library holds
    window.calls.reload()
    qtbot.waitUntil(lambda: not window.calls.loading)
    window.table.viewport().repaint()  # the shown page's rows are read as the table paints (by design, one query)
    read_before_loading: list[int] = []
    with _Queries() as queries:
        window.calls.load_started.connect(lambda: read_before_loading.append(queries.on_ui_thread))
        QTest.keyClicks(window.filters.search, "hel")
        qtbot.waitUntil(lambda: bool(read_before_loading))
        QTest.keyClicks(window.filters.search, "lo")  # typing on: a search for "hel" still running is dropped
        qtbot.waitUntil(lambda: len(read_before_loading) == 2)
        qtbot.waitUntil(lambda: not window.calls.loading)
    assert read_before_loading == [0, 0]  # was 2 statements each (the user, the count)
    shown = [window.calls.call_id(r) for r in range(window.calls.rowCount())]
    assert window.calls.filter.search == "hello" and sorted(shown) == sorted(c.id for c in calls)


def test_the_filter_boxes_are_read_off_the_ui_thread_and_a_value_shown_meanwhile_is_chosen_once_they_are(qtbot, db):
    """Before: the agents, teams, criteria, drivers and queues the filter bar offers were read on the UI thread as the
    window opened and after each import (9 statements on the UI thread)."""
    calls = _calls(3)
    window = _window(qtbot, db)
    qtbot.waitUntil(lambda: window.filters.choices_read and not window.calls.loading)
    bar = window.filters
    with _Queries() as queries:
        bar.refresh_choices()  # as after an import
    assert queries.on_ui_thread == 0  # was 9
    bar.show_filter(LibraryFilter(agent_id=calls[1].agent_id))  # e.g. a dashboard's click, before they come
    qtbot.waitUntil(lambda: bar.choices_read)
    assert bar.agent.currentData() == calls[1].agent_id and bar.agent.currentText() == "Agent 1"
    assert [bar.team.itemText(i) for i in range(bar.team.count())] == ["All teams", "Team 0", "Team 1"]


def test_a_value_shown_before_the_filter_boxes_are_read_is_chosen_once_they_are(qtbot, db):
    calls = _calls(3)
    window = _window(qtbot, db)  # its boxes are being read
    window.filters.show_filter(LibraryFilter(agent_id=calls[2].agent_id, team_id=calls[2].agent.team_id))
    assert window.filters.agent.count() == 1  # "All agents" only, until they are read
    assert window.filters.current().agent_id == calls[2].agent_id  # the filter applied meanwhile is the one shown
    qtbot.waitUntil(lambda: window.filters.choices_read)
    assert (window.filters.agent.currentText(), window.filters.team.currentText()) == ("Agent 2", "Team 0")
    qtbot.waitUntil(lambda: not window.calls.loading)
    assert [window.calls.call_id(r) for r in range(window.calls.rowCount())] == [calls[2].id]


@pytest.mark.sqlite_only
def test_a_failure_to_read_the_filter_boxes_reaches_the_status_bar_and_the_next_change_reads_them_again(qtbot, db):
    _calls(2)
    window = _window(qtbot, db)
    qtbot.waitUntil(lambda: window.filters.choices_read and not window.calls.loading)
    away = db.with_name("away.sqlite3")
    db.rename(away)  # its share gone: a new connection (the background thread's) cannot open it
    try:
        window.filters.refresh_choices()
        qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Could not read the agents"))
        assert not window.filters.choices_read and str(db) in window.statusBar().currentMessage()
    finally:
        away.rename(db)
    window.filters.auto_fail.setCurrentIndex(1)  # the user's next change
    qtbot.waitUntil(lambda: window.filters.choices_read)
    assert window.filters.agent.count() == 1 + 2


def test_a_large_librarys_first_call_of_a_new_search_is_read_off_the_ui_thread_and_no_action_meanwhile(qtbot, db):
    """Before: after each background read of the library (a search typed), the first row's call was read on the UI
    thread (15 statements: the call, its transcript, scores, audit log, the agents, the user's rights)."""
    calls = _calls(3)
    window = _window(qtbot, db)
    window.calls.inline_calls = 2  # fewer than the library holds
    window.calls.reload()
    qtbot.waitUntil(lambda: not window.calls.loading and window.review.pending is None)
    window.table.viewport().repaint()  # the shown page's rows are read as the table paints (by design, one query)
    review, shown = window.review, window.review.call.id
    other = next(c for c in calls if c.id != shown)
    reviewing = [review.reviewed, review.agent, review.override_button]
    at_reset = []  # as the new rows come (after the window's own handling of them)
    window.calls.modelReset.connect(
        lambda: at_reset.append((review.call.id, review.pending, [c.isEnabled() for c in reviewing]))
    )
    with _Queries() as queries:
        window.show_calls(LibraryFilter(agent_id=other.agent_id, search="hello"))  # the call shown is not listed now
        qtbot.waitUntil(lambda: review.call.id == other.id)
    assert at_reset == [(shown, other.id, [False, False, False])]  # nothing done to the call still shown meanwhile
    assert queries.on_ui_thread <= 1  # the page painted (by design, one query); the old code read the call here too
    assert review.reviewed.isEnabled() and window.table.currentIndex().row() == 0
