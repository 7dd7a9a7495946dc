"""The call library over a real database of synthetic scored calls: sort, filter, search with
highlighted hits, CSV export, and agents and teams (offscreen Qt)."""

from __future__ import annotations

import csv
import datetime as dt
import re

import pytest
from PySide6.QtCore import Qt

from qa_desktop.app.hit_delegate import hit_html
from qa_desktop.app.library_columns import WIDTHS
from qa_desktop.app.library_model import KEYS, LibraryModel
from qa_desktop.app.main_window import MainWindow
from qa_desktop.storage import library
from qa_desktop.storage.database import close_database
from qa_desktop.storage.library import LibraryFilter
from qa_desktop.storage.models import Agent, AuditEntry, Call, Score, Team, UtteranceRow, database
from qa_desktop.storage.people import PeopleError, merge_agents, move_agent, reassign_call, rename_agent
from qa_desktop.storage.search import HIT_END, HIT_START, Fts5Search, Term, TsvectorSearch, terms
from tests.support.stores import STORES, open_copy, stored_template
from tools.synthetic_library import RARE_WORD, fill

CALLS = 1500


@pytest.fixture(scope="module", params=STORES)
def synthetic_library(request, tmp_path_factory) -> str:
    """The synthetic library, stored once a module for each store."""
    location, _ = stored_template(request, tmp_path_factory.mktemp("library"), lambda: fill(CALLS, agents=12))
    return location


@pytest.fixture
def filled(request, synthetic_library, tmp_path):
    """A copy of the synthetic library, open."""
    yield open_copy(request, synthetic_library, tmp_path)
    close_database()


def _column(name: str) -> int:
    return KEYS.index(name)


def _values(model: LibraryModel, key: str, rows: int = 200) -> list:
    def value(row):
        if key == "failed":
            return " ".join(row.failed)
        return getattr(row, "duration_s" if key == "duration" else key)

    return [value(model.row(r)) for r in range(min(rows, model.rowCount()))]


def test_every_call_is_listed_newest_first_and_rows_load_lazily(qtbot, filled):
    model = LibraryModel()
    assert model.rowCount() == CALLS and model._pages == {}
    dates = _values(model, "date")
    assert dates == sorted(dates, reverse=True)
    assert list(model._pages) == [0]  # only the page that was shown
    model.data(model.index(CALLS - 1, 0))
    assert sorted(model._pages) == [0, (CALLS - 1) // 200]


@pytest.mark.parametrize("key", ["overall", "agent", "duration", "failed"])
def test_sort_by_any_column_both_ways(qtbot, filled, key):
    model = LibraryModel()
    model.sort(_column(key), Qt.SortOrder.AscendingOrder)
    ascending = _values(model, key)
    assert ascending == sorted(ascending)
    model.sort(_column(key), Qt.SortOrder.DescendingOrder)
    descending = _values(model, key)
    assert descending == sorted(descending, reverse=True) and descending[0] >= ascending[-1]


def test_filters_combine(qtbot, filled):
    agent = Agent.get(Agent.name == "Agent 003")
    model = LibraryModel()
    model.set_filter(LibraryFilter(agent_id=agent.id, auto_fail=True, score_max=70))
    rows = [model.row(r) for r in range(model.rowCount())]
    assert rows and all(r.agent == "Agent 003" and r.auto_fail and r.overall <= 70 for r in rows)
    expected = Call.select().join(Score).where((Call.agent == agent) & Score.auto_fail & (Score.overall <= 70)).count()
    assert len(rows) == expected
    model.set_filter(
        LibraryFilter(
            failed_criterion="closing", reviewed=False, date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 31)
        )
    )
    rows = [model.row(r) for r in range(model.rowCount())]
    assert rows and all("closing" in r.failed and not r.reviewed and r.date.month == 3 for r in rows)
    assert all("further_assistance" != f for r in rows for f in r.failed if f == "closing")
    model.set_filter(LibraryFilter(failed_criterion="clos"))  # a whole criterion id, not a fragment
    assert model.rowCount() == 0


def test_search_finds_transcripts_and_shows_the_hit(qtbot, filled):
    model = LibraryModel()
    model.set_filter(LibraryFilter(search=RARE_WORD))
    expected = {
        c
        for (c,) in Call.select(Call.id)
        .join_from(Call, Call.utterances.rel_model)
        .where(Call.utterances.rel_model.text.contains(RARE_WORD))
        .tuples()
    }
    assert model.rowCount() == len(expected) > 0
    assert {model.call_id(r) for r in range(model.rowCount())} == expected
    assert (
        model.columnCount() == len(KEYS) + 1 and model.headerData(len(KEYS), Qt.Orientation.Horizontal) == "Search hit"
    )
    hit = model.index(0, len(KEYS)).data()
    assert f"{HIT_START}{RARE_WORD}{HIT_END}" in hit
    assert f">{RARE_WORD}</span>" in hit_html(hit) and HIT_START not in hit_html(hit)
    redacted = hit_html(f"…charge [card number] and {HIT_START}refund{HIT_END} it")  # a placeholder is no match
    assert redacted == "…charge [card number] and <span style='background:#ffe066'>refund</span> it"
    model.set_filter(LibraryFilter(search="refunds"))  # stemmed: 'refund' matches
    assert 0 < model.rowCount() < CALLS
    model.set_filter(LibraryFilter(search='refund) "with* -- '))  # typed punctuation is not FTS syntax
    assert model.rowCount() > 0


def test_search_words_may_be_in_different_utterances_of_a_call(filled):
    def calls_saying(word: str) -> set[int]:
        return {c for (c,) in UtteranceRow.select(UtteranceRow.call).where(UtteranceRow.text.contains(word)).tuples()}

    both = calls_saying("twice") & calls_saying("refund")
    apart = {
        c
        for c in both
        if not UtteranceRow.select()
        .where((UtteranceRow.call == c) & UtteranceRow.text.contains("twice") & UtteranceRow.text.contains("refund"))
        .exists()
    }
    assert apart  # the synthetic calls say them in different turns
    found = set(library.call_ids(LibraryFilter(search="twice refund")))
    assert found == both
    hit = library.rows(sorted(apart)[:1], "twice refund")[0].hit
    assert f"{HIT_START}twice{HIT_END}" in hit or f"{HIT_START}refund{HIT_END}" in hit


def test_search_hits_are_ranked_after_the_page_is_kept(db):
    fill(300, agents=6)
    search = "refund bank"
    ids = library.call_ids(LibraryFilter(search=search))[:50]
    query = database.search.query(terms(search), any_of=True)
    best: dict[int, str] = {}  # each call's best hit, ranked among every match in the library
    for call_id, hit in database.execute_sql(
        "SELECT call_id, snippet(utterance_fts, 0, char(2), char(3), '…', 10) FROM utterance_fts "
        "WHERE utterance_fts MATCH ? ORDER BY rank",
        [query],
    ).fetchall():
        best.setdefault(call_id, hit)
    assert library.hits(ids, search) == {c: best[c] for c in ids}
    plan = database.execute_sql("EXPLAIN QUERY PLAN " + database.search.hits("?"), [query, ids[0]]).fetchall()
    scan = next(row[3] for row in plan if "utterance_fts" in row[3])
    assert not int(re.search(r"INDEX (\d+):", scan).group(1)) & 32  # FTS5's "ORDER BY rank" bit: it ranks every match


def test_search_terms_are_words_with_prefixes_in_either_store_s_syntax():
    found = terms("refund \"card* OR don't _ *")
    assert found == [Term("refund"), Term("card", prefix=True), Term("OR"), Term("don't")]
    assert terms("  ") == []
    assert Fts5Search().query(found) == '"refund" "card"* "OR" "don\'t"'
    assert TsvectorSearch().query(found, any_of=True) == "('refund') | ('card':*) | ('OR') | ('don' <-> 't')"


def test_each_cell_works_out_its_own_text_alone(filled, monkeypatch):
    """A repaint asks for every visible cell's text: each worked out all twelve columns' texts (the failed criteria's
    names sorted among them), a whole viewport of the library 36-42 ms -> 19-20 ms at best under Xvfb."""
    model = LibraryModel()
    named = []
    real = LibraryModel.failed_names
    monkeypatch.setattr(LibraryModel, "failed_names", lambda self, row: named.append(row.call_id) or real(self, row))
    texts = {key: model.data(model.index(0, _column(key))) for key in KEYS if key != "failed"}
    assert named == [] and texts["agent"] == model.row(0).agent
    assert model.data(model.index(0, _column("failed"))) == model._failed_text(model.row(0))
    assert named == [model.call_id(0)] * 2


def test_the_window_reads_the_library_once_as_it_opens(qtbot, filled, monkeypatch):
    """Switching the table's sorting on asks the model to sort in the order it already shows: at 100,000 calls each
    read of the ordered ids was 1-2 s of the start-up's background work, done twice."""
    reads = []
    real = library.listing
    monkeypatch.setattr(library, "listing", lambda *wanted: reads.append(wanted) or real(*wanted))
    window = MainWindow(filled)
    qtbot.addWidget(window)
    window.show()
    window.calls.wait()
    assert len(reads) == 1 and window.calls.rowCount() == CALLS
    window.table.horizontalHeader().setSortIndicator(_column("overall"), Qt.SortOrder.AscendingOrder)  # a click
    window.calls.wait()
    assert len(reads) == 2 and reads[-1][1:] == ("overall", False)


def test_main_window_search_keeps_the_open_call_or_says_nothing_matches(qtbot, filled):
    window = MainWindow(filled)
    qtbot.addWidget(window)
    window.show()
    assert window.review.call is not None and window.table.selectionModel().selectedRows()[0].row() == 0
    window.filters.search.setText(RARE_WORD)
    qtbot.waitUntil(lambda: window.calls.filter.search == RARE_WORD, timeout=3000)
    assert window.calls.rowCount() > 0
    assert window.review.call.id == window.calls.call_id(0)  # the stale call is not left open
    assert not window.table.horizontalHeader().isSectionHidden(len(KEYS))  # the hits show
    window.filters.search.setText("zzzznotaword")
    qtbot.waitUntil(lambda: window.calls.rowCount() == 0, timeout=3000)
    assert window.review.call is None and "No call matches" in window.review.title.text()
    assert window.review.scorecard.summary.text() == "No call open."  # was "This call has not been scored."
    assert "0 calls" in window.count.text()


@pytest.mark.parametrize("search", ["", RARE_WORD])
@pytest.mark.parametrize("size", [(1311, 706), (1843, 993)])  # the window first opens so on 1366x768, 1920x1080
def test_the_library_columns_fit_beside_the_review_without_scrolling(qtbot, filled, size, search):
    window = MainWindow(filled)
    qtbot.addWidget(window)
    window.resize(*size)
    window._split()  # as at the first start, in a window of this size
    window.show()
    qtbot.waitExposed(window)
    window.filters.search.setText(search)
    qtbot.waitUntil(lambda: window.calls.filter.search == search, timeout=3000)
    header, width = window.table.horizontalHeader(), window.table.viewport().width()
    shown = {KEYS[i] if i < len(KEYS) else "hit": i for i in range(window.calls.columnCount())}
    shown = {key: i for key, i in shown.items() if not header.isSectionHidden(i)}
    last = "hit" if search else "failed"  # a search's hits take Failed criteria's place: the rest of the width
    assert {"date", "agent", "overall", "empathy", "compliance", "duration", "reviewed", last} <= set(shown)
    for key, logical in shown.items():  # the hits pushed Duration, Empathy, Compliance... off screen
        assert header.sectionViewportPosition(logical) + header.sectionSize(logical) <= width, key
    assert header.sectionSize(shown[last]) >= 100 and header.visualIndex(shown[last]) == max(
        header.visualIndex(i) for i in shown.values()
    )
    assert window.table.horizontalScrollBar().maximum() == 0  # nothing to scroll to
    assert window.columns.widths["failed"] == WIDTHS["failed"]  # its stretch is the window's width, not the user's
    window.filters.search.setText("")
    qtbot.waitUntil(lambda: window.calls.columnCount() == len(KEYS), timeout=3000)
    assert not header.isSectionHidden(KEYS.index("failed"))  # back after the search


def test_ctrl_down_opens_the_next_call_in_the_current_order(qtbot, filled):
    window = MainWindow(filled)
    qtbot.addWidget(window)
    window.show()
    window.table.sortByColumn(_column("overall"), Qt.SortOrder.AscendingOrder)
    window.select_row(0)
    window.step_call(1)
    assert window.review.call.id == window.calls.call_id(1)
    window.step_call(-1)
    window.step_call(-1)  # stays on the first row
    assert window.review.call.id == window.calls.call_id(0)


def test_export_writes_the_current_rows_in_order(qtbot, filled, tmp_path):
    window = MainWindow(filled)
    qtbot.addWidget(window)
    agent = Agent.get(Agent.name == "Agent 005")
    window.calls.set_filter(LibraryFilter(agent_id=agent.id))
    window.calls.sort(_column("overall"), Qt.SortOrder.DescendingOrder)
    count = window.export_csv(tmp_path / "calls.csv")
    with open(tmp_path / "calls.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert count == len(rows) == window.calls.rowCount() > 0
    assert {r["agent"] for r in rows} == {"Agent 005"}
    overall = [float(r["overall"]) for r in rows]
    assert overall == sorted(overall, reverse=True)
    assert [int(r["call_id"]) for r in rows] == [window.calls.call_id(i) for i in range(count)]


def test_export_neutralises_text_that_would_run_as_a_formula(qtbot, filled, tmp_path):
    Agent.update(name='=HYPERLINK("http://evil.example","x")').where(Agent.name == "Agent 005").execute()
    window = MainWindow(filled)
    qtbot.addWidget(window)
    window.export_csv(tmp_path / "calls.csv")
    with open(tmp_path / "calls.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    agents = {r["agent"] for r in rows}
    assert '\'=HYPERLINK("http://evil.example","x")' in agents and not any(a.startswith("=") for a in agents)
    assert all(float(r["overall"]) >= 0 for r in rows)


def test_agents_rename_merge_move_and_reassign_with_audit(filled):
    a, b = Agent.get(Agent.name == "Agent 001"), Agent.get(Agent.name == "Agent 002")
    calls_a, calls_b = a.calls.count(), b.calls.count()
    with pytest.raises(PeopleError, match="merge the two instead"):
        rename_agent(a, "Agent 002", "lead")
    rename_agent(a, "Ann Lee", "lead")
    merge_agents(Agent.get_by_id(a.id), Agent.get_by_id(b.id), "lead")
    assert Agent.get_by_id(a.id).calls.count() == calls_a + calls_b
    assert not Agent.select().where(Agent.id == b.id).exists()
    move_agent(Agent.get_by_id(a.id), "Escalations", "lead")
    assert Agent.get_by_id(a.id).team.name == "Escalations" and Team.get(Team.name == "Escalations")
    call = Agent.get(Agent.name == "Agent 004").calls.first()
    reassign_call(call, Agent.get_by_id(a.id), "lead")
    call = Call.get_by_id(call.id)
    assert call.agent_id == a.id and call.team.name == "Escalations"
    actions = [e.action for e in AuditEntry.select().order_by(AuditEntry.id)]
    assert actions == ["rename agent", "merge agents", "move agent", "reassign call"]
    assert library.call_ids(LibraryFilter(agent_id=a.id))  # the library follows


def test_export_in_the_background_writes_rounded_scores_yes_no_and_criterion_names(qtbot, filled, tmp_path):
    window = MainWindow(filled)
    qtbot.addWidget(window)
    window.start_export(str(tmp_path / "calls.csv"))
    qtbot.waitUntil(lambda: "Exported" in window.statusBar().currentMessage(), timeout=20_000)
    window.statusBar().clearMessage()  # as the notice's time runs out: the library's count is still said
    assert window.count.isVisibleTo(window) and window.count.text().startswith(f"{window.calls.rowCount()} calls")
    with open(tmp_path / "calls.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == window.calls.rowCount()
    assert all(len(r["overall"].partition(".")[2]) <= 1 for r in rows)
    assert {r["auto_fail"] for r in rows} <= {"yes", "no"} and {r["reviewed"] for r in rows} <= {"yes", "no"}
    failing = next(r for r in rows if r["failed_criteria"])
    assert "_" not in failing["failed_criteria_names"] and failing["failed_criteria_names"]


def test_no_match_says_why_in_the_table_and_clears_the_review(qtbot, filled):
    window = MainWindow(filled)
    qtbot.addWidget(window)
    window.show()
    assert window.review.call is not None and not window.empty_note.isVisible()
    window.filters.show_filter(LibraryFilter(score_min=101))
    assert window.calls.rowCount() == 0 and window.empty_note.isVisible()
    assert "Clear filters" in window.empty_note.text()
    assert window.review.call is None and window.review.player.time.text() == "0:00 / 0:00"
    window.filters.clear.click()
    assert window.calls.rowCount() == CALLS and not window.empty_note.isVisible()
