"""The dashboards' pass rates as kept by the v22 counts (`storage.pass_counts`) against a from-scratch grouping of
the current scores' results, after each kind of write: an override, a rescore, a call given to another agent, a
team deleted, the retention policy, the stored redaction, a call deleted, and two writers at once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from qa_desktop.services import retention
from qa_desktop.services import review as review_service
from qa_desktop.services.dashboard import queries as q
from qa_desktop.services.rescore import rescore_call
from qa_desktop.storage.database import close_thread_connection
from qa_desktop.storage.models import Agent, Call, CriterionResultRow, Score, Team, database
from qa_desktop.storage.review import ReviewError
from qa_desktop.storage.stored_redaction import redact_stored
from scoring.scorecard import default_scorecard_path, load_scorecard
from tools.synthetic_library import fill

pytestmark = pytest.mark.both_stores

_SCRATCH = (
    "SELECT c.agent_id, r.criterion, SUM(CASE WHEN COALESCE(r.override, r.result) IN ('pass', 'fail') THEN 1 ELSE 0 "
    "END), SUM(CASE WHEN COALESCE(r.override, r.result) = 'pass' THEN 1 ELSE 0 END) FROM call c JOIN score s "
    "ON s.call_id = c.id AND s.current JOIN criterionresult r ON r.score_id = s.id{} GROUP BY c.agent_id, r.criterion"
)


def _scopes() -> list[q.Scope]:
    agent = Agent.select().order_by(Agent.id).first()
    return [
        q.Scope(),
        q.Scope(dt.date(2026, 3, 1), dt.date(2026, 5, 31)),
        q.Scope(team_id=agent.team_id),
        q.Scope(agent_id=agent.id),
        q.Scope(dt.date(2026, 6, 1), team_id=agent.team_id),
    ]


def _assert_counts_are_the_results() -> None:
    for scope in _scopes():
        where, params = scope.where()
        scratch = {
            (agent, criterion): (judged, passed)
            for agent, criterion, judged, passed in database.execute_sql(_SCRATCH.format(where), params).fetchall()
        }
        kept = {(r[0], r[2]): (r[3], r[4]) for r in q.criterion_pass_rates(scope).rows}
        assert kept == scratch, scope


def _results(count: int, offset: int = 0) -> list[CriterionResultRow]:
    current = CriterionResultRow.select().join(Score).where(Score.current).order_by(CriterionResultRow.id)
    return list(current.offset(offset).limit(count))


def test_the_kept_pass_counts_are_the_results_after_every_kind_of_write(db):
    fill(120, agents=6, with_results=True, with_words=True)
    _assert_counts_are_the_results()
    for n, row in enumerate(_results(40, 5)[::3]):  # overrides, and an override taken back to the result
        review_service.override(row.score.call_id, row.criterion, ("fail", "pass", "na")[n % 3], "heard it", "Lead")
    _assert_counts_are_the_results()
    scorecard = load_scorecard(default_scorecard_path())
    for call in Call.select().order_by(Call.id).limit(4):  # rescored: the new score is current, the old is not
        rescore_call(call, scorecard)
    _assert_counts_are_the_results()
    calls = list(Call.select().order_by(Call.id.desc()).limit(3))
    other = Agent.select().where(Agent.team != calls[0].team_id).first()
    for call in calls:
        review_service.reassign_call(call.id, other.id, "Lead")
    _assert_counts_are_the_results()
    Call.update(call_time=dt.datetime(2026, 3, 15, 9)).where(Call.id == calls[0].id).execute()  # its date
    _assert_counts_are_the_results()
    retention.set_policy({"transcripts": 1})
    retention.apply_policy(now=dt.datetime(2030, 1, 1))  # every transcript and evidence quote goes; verdicts stay
    _assert_counts_are_the_results()
    redact_stored(database.obj)
    _assert_counts_are_the_results()
    database.execute_sql("DELETE FROM call WHERE id = ?", [calls[1].id])  # its scores and results with it
    _assert_counts_are_the_results()
    team = Team.select().order_by(Team.id).first()
    Agent.update(team=None).where(Agent.team == team).execute()
    team.delete_instance()  # its calls keep no team
    _assert_counts_are_the_results()


def test_the_kept_pass_counts_are_the_results_after_two_agents_are_merged(db):
    from qa_desktop.services.people import merge
    from qa_desktop.storage import pass_counts

    fill(90, agents=4, with_results=True)
    agents = list(Agent.select().order_by(Agent.id))
    keep = agents[0]
    duplicate = next(a for a in agents[1:] if a.team_id != keep.team_id)  # its calls keep their own team
    review_service.override(Call.get(Call.agent == duplicate).id, "greeting", "fail", "heard it", "Lead")
    merge(keep.id, duplicate.id, "Lead", (keep.name, duplicate.name))
    assert not Call.select().where(Call.agent == duplicate.id).exists()
    _assert_counts_are_the_results()
    left = database.execute_sql(
        f"SELECT COUNT(*) FROM {pass_counts.TABLE} WHERE agent_id = ? AND results <> 0", [duplicate.id]
    ).fetchone()[0]
    assert left == 0  # nothing still counted for the agent merged away


def test_the_kept_pass_counts_are_the_results_after_two_writers_at_once(db):
    fill(60, agents=3, with_results=True, with_words=True)
    rows = _results(60)
    scorecard = load_scorecard(default_scorecard_path())
    calls = list(Call.select().order_by(Call.id).limit(6))
    agents = list(Agent.select().order_by(Agent.id))
    failures: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for step, row in enumerate(rows[n::2]):
                call = calls[step % len(calls)]
                try:
                    review_service.override(row.score.call_id, row.criterion, ("fail", "pass")[n], "heard", "Lead")
                    if step % 5 == n:
                        review_service.reassign_call(call.id, agents[(step + n) % len(agents)].id, "Lead")
                    if step % 7 == n:
                        rescore_call(Call.get_by_id(call.id), scorecard)
                except ReviewError:
                    pass  # refused as stale: the other writer changed it first
        except BaseException as exc:  # noqa: BLE001 (reported by the test)
            failures.append(exc)
        finally:
            close_thread_connection()

    threads = [threading.Thread(target=writer, args=(n,)) for n in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    _assert_counts_are_the_results()
