"""The calls imported without an agent's name (stored under an agent called 'unassigned') are '(no agent)' wherever
a person sees an agent, listed after the agents, and have an empty agent where data is written for programs: the
library, its filters and export, the review, the import's preview, the dashboards and their CSVs, the names of calls
(calibration, coaching, disputes), and the command line. Real widgets offscreen, a real database."""

from __future__ import annotations

import csv

import pytest
from PySide6.QtCore import Qt

from qa_desktop.app.disputes_dialog import DisputesDialog
from qa_desktop.app.library_model import KEYS
from qa_desktop.app.main_window import MainWindow
from qa_desktop.app.review_view import DisputeDialog
from qa_desktop.services import review as review_service
from qa_desktop.services.access.accounts import AccountError, add_user, sign_in
from qa_desktop.services.coaching.sessions import CoachingError, create_session
from qa_desktop.services.dashboard import queries as q
from qa_desktop.services.dashboard.charts import CHARTS, figure_for
from qa_desktop.services.dashboard.report import write_csv
from qa_desktop.services.settings import Settings
from qa_desktop.services.trust.disputes import raise_dispute
from qa_desktop.storage.database import close_database
from qa_desktop.storage.drivers import default_drivers
from qa_desktop.storage.models import UNASSIGNED, Agent, Call, CriterionResultRow
from qa_desktop.storage.people import PeopleError, agent_called, reassign_call, rename_agent
from tests.support.cli import run_cli
from tests.support.stored_calls import SHORT_CHAT, stored_call

pytestmark = pytest.mark.both_stores

AGENT = KEYS.index("agent")


@pytest.fixture
def calls(db) -> dict[str, Call]:
    """A call of 'Ana', one imported without an agent's name, and one of 'Zoe' (by name: 'unassigned' between them),
    scored 70, 80 and 90; agent name -> call."""
    return {
        agent: stored_call(
            agent,
            "Billing",
            f"2026-03-0{day} 09:00",
            300,
            (score, 80, 100),
            False,
            {"greeting": ("fail", None)},
            ["hi"],
        )
        for day, (agent, score) in enumerate((("Ana", 70), (UNASSIGNED, 80), ("Zoe", 90)), 2)
    }


def _window(qtbot, db) -> MainWindow:
    Settings().set("reviewer", "Lead")
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.filters.choices_read)  # the filter boxes are filled in the background
    return window


def _agents(window: MainWindow) -> list[str]:
    model = window.calls
    return [model.data(model.index(row, AGENT)) for row in range(model.rowCount())]


def test_the_library_lists_them_as_no_agent_after_the_agents_either_way_and_filters_them(qtbot, db, calls, tmp_path):
    """Before: an agent called 'unassigned', sorted between 'Ana' and 'Zoe', offered so among the agents to filter
    by, and exported as 'unassigned'."""
    window = _window(qtbot, db)
    model = window.calls
    model.sort(AGENT, Qt.SortOrder.AscendingOrder)
    assert _agents(window) == ["Ana", "Zoe", "(no agent)"]  # was Ana, unassigned, Zoe
    model.sort(AGENT, Qt.SortOrder.DescendingOrder)
    assert _agents(window) == ["Zoe", "Ana", "(no agent)"]  # last either way, as calls without a call time
    cell = model.index(2, AGENT)
    assert model.data(cell, Qt.ItemDataRole.FontRole).italic()
    assert model.data(cell, Qt.ItemDataRole.ForegroundRole).name() == "#666666"  # as Agents and teams greys it
    assert model.data(cell, Qt.ItemDataRole.ToolTipRole).startswith("Calls imported without an agent's name")
    assert model.data(model.index(0, AGENT), Qt.ItemDataRole.FontRole) is None  # an agent's name as it was
    box = window.filters.agent
    offered = [box.itemText(i) for i in range(box.count())]
    assert offered == ["All agents", "Ana", "Zoe", "(no agent)"]  # was All agents, Ana, unassigned, Zoe
    assert box.itemData(3, Qt.ItemDataRole.FontRole).italic() and "without an agent" in box.itemData(
        3, Qt.ItemDataRole.ToolTipRole
    )
    box.setCurrentIndex(3)
    assert window.calls.rowCount() == 1 and window.calls.call_id(0) == calls[UNASSIGNED].id  # still those calls
    window.export_csv(tmp_path / "calls.csv")
    box.setCurrentIndex(0)
    with open(tmp_path / "calls.csv", newline="", encoding="utf-8") as handle:
        exported = list(csv.DictReader(handle))
    assert [(r["agent"], r["team"]) for r in exported] == [("", "Billing")]  # was 'unassigned': empty, as no team


def test_the_review_shows_no_agent_and_reassigning_from_it_names_it_so(qtbot, db, calls):
    """Before: the review's agent box said 'unassigned', and its audit log 'unassigned' → 'Ana' after a
    reassignment."""
    window = _window(qtbot, db)
    call = calls[UNASSIGNED]
    window.review.open_call(call.id)
    qtbot.waitUntil(lambda: window.review.call is not None and window.review.call.id == call.id)
    box = window.review.agent
    assert box.currentText() == "(no agent)" and box.currentData() == call.agent_id
    assert [box.itemText(i) for i in range(box.count())] == ["Ana", "Zoe", "(no agent)"]
    assert "Calls imported without an agent" in box.toolTip()
    dispute = DisputeDialog(
        window, review_service.result(_greeting(call).id), "Greeting", window.review.call.agent_name
    )
    qtbot.addWidget(dispute)
    assert (dispute.agent.currentText(), dispute.agent.currentData()) == ("(no agent)", UNASSIGNED)
    reassign_call(Call.get_by_id(call.id), Agent.get(Agent.name == "Ana"), "Lead")
    line = review_service.audit_lines(call.id)[0]
    assert (line.action, line.old, line.new) == ("reassign call", "(no agent)", "Ana")


def _greeting(call: Call) -> CriterionResultRow:
    return CriterionResultRow.get(
        CriterionResultRow.criterion == "greeting", CriterionResultRow.score == call.scores[0]
    )


def test_the_calls_names_and_disputes_say_no_agent(qtbot, db, calls):
    """Before: calibration, coaching and the disputes named the call 'unassigned, 2026-03-03 09:00' and the dispute
    'for unassigned'."""
    call = calls[UNASSIGNED]
    assert review_service.call_summaries([call.id])[call.id].name == "(no agent), 2026-03-03 09:00"
    raise_dispute(_greeting(call), UNASSIGNED, "the greeting was said", "Lead")  # as the review's dialog gives it
    dialog = DisputesDialog(None, lambda: "Lead")
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.loaded)
    row = dialog.table.topLevelItem(0)
    assert row.text(1) == "(no agent), 2026-03-03 09:00" and row.text(4) == "(no agent)"
    assert dialog.by_agent.topLevelItem(0).text(0) == "(no agent)"


def test_the_dashboards_chart_no_agent_last_and_their_csv_leave_the_agent_empty(db, calls, tmp_path):
    """Before: bars and heat-map rows labelled 'unassigned' between the agents, and 'unassigned' in the CSVs."""
    summary = q.agent_summary(q.Scope())
    assert [r[1] for r in summary.rows] == ["Ana", "Zoe", None]  # was Ana, unassigned, Zoe
    heat = next(c for c in CHARTS if c.key == "criteria")
    figure, _picks = figure_for(heat, heat.compute(q.Scope(), default_drivers()), q.Scope(), default_drivers())
    assert [t.get_text() for t in figure.axes[0].get_yticklabels()] == ["Ana", "Zoe", "(no agent)"]
    bars = next(c for c in CHARTS if c.key == "sentiment")
    figure, _picks = figure_for(bars, summary, q.Scope(), default_drivers())
    assert "(no agent)" in [t.get_text() for t in figure.axes[0].get_yticklabels()]
    with open(write_csv(summary, tmp_path / "agents.csv"), newline="", encoding="utf-8") as handle:
        assert [r["agent"] for r in csv.DictReader(handle)] == ["Ana", "Zoe", ""]


def test_the_import_preview_says_no_agent_for_a_file_without_one(qtbot, db, tmp_path):
    """Before: a file whose name and metadata give no agent was previewed under an agent called 'unassigned'."""
    (tmp_path / "chat-export.csv").write_text(SHORT_CHAT, encoding="utf-8")
    window = MainWindow(db)
    qtbot.addWidget(window)
    dialog = window.open_import()
    with qtbot.waitSignal(dialog.files_ready):
        dialog.set_files([tmp_path])
    item = dialog.file_list.topLevelItem(0)
    assert item.text(1) == "(no agent)" and item.font(1).italic()  # was "unassigned"
    assert "No agent's name in the metadata CSV or the file name" in item.toolTip(1)


def test_no_agent_is_not_a_name_to_give_nor_an_agent_to_coach_or_sign_in_as(db, calls):
    """'(no agent)' names the calls without an agent (as the windows show them); no agent may take that name, and
    neither it nor 'unassigned' is an agent to coach or to sign in as."""
    assert agent_called("(no agent)").id == calls[UNASSIGNED].agent_id
    with pytest.raises(PeopleError, match="how the calls without an agent's name are shown"):
        rename_agent(Agent.get(Agent.name == "Ana"), "(no agent)", "Lead")
    with pytest.raises(CoachingError, match="not an agent to coach"):
        create_session([Agent.get(Agent.name == UNASSIGNED)], ["greeting"], "Lead")
    add_user("admin", "admin", "a long password")
    sign_in("admin", "a long password")
    with pytest.raises(AccountError, match="not an agent"):
        add_user("unassigned", "agent", "a long password")


def test_the_command_line_names_no_agent_and_takes_it_as_an_agent(db, calls, isolated_home):
    """Before: `coach suggest --agent '(no agent)'` knew no such agent (and for 'unassigned' printed 'unassigned:
    ...'), and a wrong name listed 'unassigned' among the agents."""
    close_database()  # for the command line's own process
    done = run_cli("coach", "suggest", "--agent", "(no agent)", "--db", str(db), env_home=isolated_home)
    assert done.returncode == 0 and done.stdout.startswith("(no agent): "), done.stderr
    done = run_cli("coach", "suggest", "--agent", "Nobody", "--db", str(db), env_home=isolated_home)
    assert "no agent called 'Nobody' (agents: Ana, Zoe, (no agent))" in done.stderr, done.stderr
