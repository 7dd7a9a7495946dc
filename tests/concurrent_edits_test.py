"""The same change made by two processes at once (on both stores): this test holds its change's transaction open
while another process makes its own, which waits, then reads what this one committed. Each change is refused or
made once, and the audit log's before value is what the change replaced."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable

import pytest

from qa_desktop.services.access.accounts import add_user, set_role
from qa_desktop.services.access.identity import remember
from qa_desktop.services.coaching.sessions import add_clip, clips, create_session, delete_session
from qa_desktop.services.people import merge
from qa_desktop.services.rescore import rescore_call, score_batch
from qa_desktop.services.review import assign_calls
from qa_desktop.services.trust import calibration as cal
from qa_desktop.services.trust.disputes import raise_dispute
from qa_desktop.storage.models import Agent, AuditEntry, Call, CoachingClip, Dispute, Score, User, database
from qa_desktop.storage.people import PeopleError, move_agent
from qa_desktop.storage.repository import scorecard_row, store_scores
from qa_desktop.storage.review import StaleReviewError, current_result, override
from tests.support.stored_calls import stored_call
from tests.team_database_test import ENV

pytestmark = pytest.mark.both_stores

OTHER = """
    import sys
    from qa_desktop.services.access.identity import remember
    from qa_desktop.services.access.permissions import AccessError
    from qa_desktop.storage.database import close_database, open_database
    from qa_desktop.storage.models import User
    open_database(sys.argv[1])
    if User.select().exists():  # team mode: the other workstation's user signs in
        remember(User.get(User.name == "Lee"))
    print("ready", flush=True)
    sys.stdin.readline()
    try:
        {change}
    except (ValueError, AccessError) as exc:  # a refusal, as the app would show it
        print(exc)
    close_database()
"""


def _at_once(db, change: str, mine: Callable[[], object], *args: object) -> str:
    """Make `mine` in a transaction held open while another process makes `change` (Python, with sys.argv[2:] as
    `args`); what the other printed."""
    other = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(OTHER).format(change=change), str(db), *map(str, args)],
        env=ENV,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert other.stdout.readline().strip() == "ready"
    with database.atomic():
        mine()
        other.stdin.write("go\n")
        other.stdin.flush()
        time.sleep(2)  # the other's change is under way meanwhile: it waits for this transaction
    out, err = other.communicate(timeout=60)
    assert other.returncode == 0, err
    return out.strip()


def _call() -> Call:
    results = {"closing": ("fail", None)}
    return stored_call("Ana", "Billing", "2026-03-02 09:00", 300, (50, 50, 50), False, results, ["hello"])


def _users(*roles: tuple[str, str]) -> None:
    """Users (name, role), the first signed in here; "Lee" signs in at the other workstation."""
    for name, role in roles:
        User.create(name=name, role=role, password_hash="-")
    remember(User.get(User.name == roles[0][0]))


def _audit(action: str) -> list[tuple[str, str | None, str | None]]:
    entries = AuditEntry.select().where(AuditEntry.action == action).order_by(AuditEntry.id)
    return [(e.actor, e.old, e.new) for e in entries]


def test_two_overrides_of_one_criterion_at_once_make_one_audited_change(db):
    call = _call()
    change = """
        from qa_desktop.storage.review import current_result, override
        override(current_result(int(sys.argv[2]), "closing"), "na", "no closing needed", "Lead B")
    """
    said = _at_once(
        db, change, lambda: override(current_result(call.id, "closing"), "pass", "closed", "Lead A"), call.id
    )
    assert said.startswith("criterion 'Closing' of the call 'Ana, 2026-03-02 09:00' was changed by Lead A (override at")
    assert _audit("override") == [("Lead A", "fail", "pass")]


def test_two_assignments_of_one_call_at_once_audit_what_each_replaced(db):
    call = _call()
    _users(("Kim", "lead"), ("Lee", "lead"), ("Eve", "evaluator"), ("Fay", "evaluator"))
    change = """
        from qa_desktop.services.review import assign_calls
        assign_calls([int(sys.argv[2])], "Fay")
    """
    _at_once(db, change, lambda: assign_calls([call.id], "Eve"), call.id)
    assert _audit("assign") == [("Kim", None, "Eve"), ("Lee", "Eve", "Fay")]  # was ("Lee", None, "Fay")
    assert Call.get_by_id(call.id).assigned_to == "Fay"


def test_two_moves_of_one_agent_at_once_audit_what_each_replaced(db):
    _call()
    change = """
        from qa_desktop.storage.models import Agent
        from qa_desktop.storage.people import move_agent
        move_agent(Agent.get(Agent.name == "Ana"), "Sales", "Lead B")
    """
    _at_once(db, change, lambda: move_agent(Agent.get(Agent.name == "Ana"), "Support", "Lead A"))
    assert _audit("move agent") == [("Lead A", "Billing", "Support"), ("Lead B", "Support", "Sales")]


def test_two_admins_demoting_each_other_at_once_leave_one_admin(db):
    _users(("Kim", "admin"), ("Lee", "admin"))
    change = """
        from qa_desktop.services.access.accounts import set_role
        set_role("Kim", "lead")
    """
    said = _at_once(db, change, lambda: set_role("Lee", "lead"))
    assert said == "Kim is the last admin: make another user admin first"  # both were demoted before
    assert [(u.name, u.role) for u in User.select().order_by(User.name)] == [("Kim", "admin"), ("Lee", "lead")]
    assert _audit("set role") == [("Kim", "admin", "QA lead")]


def test_two_disputes_raised_on_one_result_at_once_open_one(db):
    call = _call()
    change = """
        from qa_desktop.services.trust.disputes import raise_dispute
        from qa_desktop.storage.review import current_result
        raise_dispute(current_result(int(sys.argv[2]), "closing"), "Ana", "I closed the call", "Rita")
    """
    said = _at_once(
        db, change, lambda: raise_dispute(current_result(call.id, "closing"), "Ana", "I did", "Rob"), call.id
    )
    # two were opened before; then the criterion by its id and the call as "this call"
    assert said == "criterion 'Closing' of the call 'Ana, 2026-03-02 09:00' already has an open dispute"
    assert [(d.raised_by, d.status) for d in Dispute.select()] == [("Rob", "open")]


def test_two_leads_settling_one_calibration_verdict_at_once_settle_it_once(db):
    from tests.calibration_shared_test import SETTLED, _session

    session = _session()
    call_id = cal.session_calls(session)[0].id
    change = """
        from qa_desktop.services.trust import calibration as cal
        session = cal.session(int(sys.argv[2]))
        cal.settle(session, int(sys.argv[3]), "greeting", "pass", "Lead A", "heard it", shown=None)
    """
    mine = lambda: cal.settle(session, call_id, "greeting", "fail", "Lead B", "cut off", shown=None)  # noqa: E731
    said = _at_once(db, change, mine, session.id, call_id)
    assert re.match(SETTLED.format("fail", "Lead B"), said), said  # both were settled, the first replaced, before
    assert _audit("reference verdict") == [("Lead B", None, "fail")]


def test_two_admins_adding_one_user_name_at_once_the_second_is_told_who_added_it(db):
    _users(("Kim", "admin"), ("Lee", "admin"))
    change = """
        from qa_desktop.services.access.accounts import add_user
        add_user("Sam", "lead", "a long enough password")
    """
    said = _at_once(db, change, lambda: add_user("Sam", "evaluator", "a long enough password"))  # an IntegrityError
    assert re.fullmatch(r"there is already a user called 'Sam' \(added by Kim at \d\d:\d\d\)", said), said
    assert User.get(User.name == "Sam").role == "evaluator" and _audit("add user") == [("Kim", None, "evaluator")]


def test_merging_agents_from_a_list_where_one_was_merged_away_meanwhile_is_refused_naming_who(db):
    for name in ("Ana", "Anna", "Ann"):
        stored_call(name, "Billing", "2026-03-02 09:00", 300, (50, 50, 50), False, {}, ["hello"])
    ana, anna, ann = (Agent.get(Agent.name == n).id for n in ("Ana", "Anna", "Ann"))
    change = """
        from qa_desktop.services.people import merge
        merge(int(sys.argv[2]), int(sys.argv[3]), "Lead B", ("Ann", "Anna"))  # from a list still showing Anna
    """
    said = _at_once(db, change, lambda: merge(ana, anna, "Lead A", ("Ana", "Anna")), ann, anna)  # was "merged", 0 calls
    assert re.fullmatch(
        r"agent 'Anna' was changed by Lead A \(merge agents at \d\d:\d\d\) since you opened the list; nothing was "
        r"saved: look at it again",
        said,
    ), said
    assert Call.select().where(Call.agent == ana).count() == 2 and Call.select().where(Call.agent == ann).count() == 1
    assert [(actor, old) for actor, old, _new in _audit("merge agents")] == [("Lead A", "Anna")]
    with pytest.raises(PeopleError, match="agent 'Anna' was changed by Lead A"):  # later, from the same list
        merge(ann, anna, "Lead B", ("Ann", "Anna"))  # was AgentDoesNotExist


def test_adding_a_moment_to_a_coaching_session_deleted_meanwhile_is_refused_naming_who(db):
    call = _call()
    session = create_session([call.agent], ["closing"], "Kim")
    change = """
        from qa_desktop.services.coaching.views import add_moment
        add_moment(int(sys.argv[2]), int(sys.argv[3]), 30.0)  # a foreign-key error
    """
    said = _at_once(db, change, lambda: delete_session(session, "Kim"), session.id, call.id)
    assert re.fullmatch(
        rf"coaching session {session.id} was changed by Kim \(delete session at \d\d:\d\d\) since you opened it; "
        r"nothing was saved: look at it again",
        said,
    ), said
    assert not CoachingClip.select().exists()


def test_two_coaches_adding_a_clip_to_one_session_at_once_give_them_two_positions(db):
    call = _call()
    session = create_session([call.agent], ["closing"], "Kim")
    change = """
        from qa_desktop.services.coaching.sessions import add_clip
        from qa_desktop.storage.models import Call, CoachingSession
        session, call = CoachingSession.get_by_id(int(sys.argv[2])), Call.get_by_id(int(sys.argv[3]))
        add_clip(session, call, "closing", "example", 60.0, 80.0, "Lee's")
    """
    mine = lambda: add_clip(session, call, "closing", "improve", 10.0, 30.0, "Kim's")  # noqa: E731
    _at_once(db, change, mine, session.id, call.id)
    added = [(c.position, c.note) for c in clips(session)][-2:]
    assert [note for _, note in added] == ["Kim's", "Lee's"]
    assert added[1][0] == added[0][0] + 1  # both got the same position before: in order only by id


def test_two_rescores_of_one_call_at_once_leave_it_one_current_score(db, scorecard):
    call = _call()
    change = """
        from qa_desktop.services.rescore import rescore_call
        from qa_desktop.storage.models import Call
        from scoring.scorecard import default_scorecard_path, load_scorecard
        rescore_call(Call.get_by_id(int(sys.argv[2])), load_scorecard(default_scorecard_path()))
    """
    _at_once(db, change, lambda: rescore_call(call, scorecard), call.id)
    assert Score.select().where(Score.call == call).count() == 3
    assert Score.select().where((Score.call == call) & Score.current).count() == 1  # PostgreSQL: 2 before


def test_two_batch_rescores_at_once_leave_each_call_one_current_score(db, scorecard):
    calls = [_call(), stored_call("Bo", "Sales", "2026-03-03 10:00", 200, (60, 60, 60), False, {}, ["hi there"])]
    ids = [c.id for c in calls]
    change = """
        from qa_desktop.services.rescore import score_batch
        from qa_desktop.storage.repository import scorecard_row, store_scores
        from scoring.scorecard import default_scorecard_path, load_scorecard
        card = load_scorecard(default_scorecard_path())
        ids = [int(i) for i in sys.argv[2:]]
        store_scores(score_batch(ids, (card, scorecard_row(card).id)))
    """
    scoring = (scorecard, scorecard_row(scorecard).id)
    _at_once(db, change, lambda: store_scores(score_batch(ids[::-1], scoring)), *ids)
    current = Score.select(Score.call).where(Score.current).tuples()
    assert sorted(c for (c,) in current) == sorted(ids)  # PostgreSQL: each call twice before


def test_an_override_of_a_score_that_a_rescore_replaced_meanwhile_is_refused(db, scorecard):
    call = _call()
    shown = current_result(call.id, "closing")
    rescore_call(call, scorecard)  # another process, between the reviewer's read and their save
    with pytest.raises(StaleReviewError, match="the call .* was scored again since you opened it"):
        override(shown, "pass", "closed", "Lead A")  # before: saved on the old score, lost from the call's current one
    assert _audit("override") == []
    assert current_result(call.id, "closing").override is None
