"""The permission matrix: each role signs in (real argon2 hashes, a real SQLite file) and tries each guarded
action through the real services; a refusal must name the role the action needs."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from qa_desktop.services import people, review
from qa_desktop.services.access import identity
from qa_desktop.services.access.accounts import add_user, set_active, set_role, sign_in
from qa_desktop.services.access.passwords import hash_password
from qa_desktop.services.access.permissions import PermissionDenied
from qa_desktop.services.coaching.focus import suggest_focus
from qa_desktop.services.coaching.pack import export_pack
from qa_desktop.services.coaching.sessions import create_session as create_coaching
from qa_desktop.services.coaching.sessions import save_texts, set_status
from qa_desktop.services.ingest import Ingestor
from qa_desktop.services.recordings import relocate
from qa_desktop.services.rescore import rescore_all, retag
from qa_desktop.services.retention import apply_policy, set_policy
from qa_desktop.services.settings import Settings
from qa_desktop.services.trust import calibration, disputes
from qa_desktop.services.trust.agreement import human_verdicts
from qa_desktop.storage.database import close_database
from qa_desktop.storage.drivers import default_drivers
from qa_desktop.storage.models import (
    Agent,
    CalibrationCall,
    CalibrationSession,
    Call,
    CoachingSession,
    CriterionResultRow,
    Dispute,
    Score,
    User,
)
from scoring.scorecard import default_scorecard_path, load_scorecard
from tests.support.stored_calls import stored_call
from tests.support.stores import STORES, open_copy, stored_template

PASSWORD = "correct horse"
USERS = {"root": "admin", "lena": "lead", "cole": "coach", "eve": "evaluator", "maria": "agent"}
DEMO_CHAT = (
    Path(__file__).resolve().parent.parent
    / "resources"
    / "demo_calls"
    / "2026-11-07T13-30_priya-shah_support_NW-1006.csv"
)


@pytest.fixture(scope="module", params=STORES)
def team_database(request, tmp_path_factory) -> tuple[str, dict[str, int]]:
    """Two agents' calls (maria's assigned to eve), a dispute, a calibration and a coaching session each, stored
    once for the module and store (each test works on its own copy); where it is and the rows' ids."""
    return stored_template(request, tmp_path_factory.mktemp("team"), _store_team)


def _store_team() -> dict[str, int]:
    results = {"greeting": ("pass", None), "closing": ("fail", None)}
    own = stored_call("maria", "Billing", "2026-11-02T09:15", 120, (80, 70, 90), False, results, ["hello there"])
    other = stored_call("tom", "Billing", "2026-11-03T10:00", 120, (60, 50, 70), False, results, ["good morning"])
    own.assigned_to = "eve"
    own.save()
    dispute = Dispute.create(
        call=other,
        result_row=_result(other.id, "closing"),
        criterion="closing",
        disputed="fail",
        requested="pass",
        agent_name="tom",
        raised_by="lena",
        reason="I did close",
    )
    session = CalibrationSession.create(title="November", lead="lena", evaluators=list(USERS), criteria=["greeting"])
    CalibrationCall.create(session=session, call=own)
    coaching = {
        f"coaching {name}": CoachingSession.create(
            title=name, agents=[Agent.get(Agent.name == name).id], criteria=["closing"]
        ).id
        for name in ("maria", "tom")
    }
    return {"own": own.id, "other": other.id, "dispute": dispute.id, "session": session.id, **coaching}


@pytest.fixture
def team(team_database, tmp_path, request):
    """A copy of the module's team database, open, with a user of each role; nobody signed in."""
    template, ids = team_database
    open_copy(request, template, tmp_path)
    hashed = hash_password(PASSWORD)  # one hash for every test user
    for name, role in USERS.items():
        User.create(
            name=name,
            role=role,
            password_hash=hashed,
            agent=Agent.get(Agent.name == "maria") if role == "agent" else None,
        )
    scorecard = tmp_path / "edited.toml"
    shutil.copy(default_scorecard_path(), scorecard)
    yield {
        "own": Call.get_by_id(ids["own"]),
        "other": Call.get_by_id(ids["other"]),
        "dispute": Dispute.get_by_id(ids["dispute"]),
        "session": CalibrationSession.get_by_id(ids["session"]),
        "coaching": {name: CoachingSession.get_by_id(ids[f"coaching {name}"]) for name in ("maria", "tom")},
        "scorecard": scorecard,
        "out": tmp_path / "packs",
    }
    identity.sign_out()
    close_database()


def _result(call_id: int, criterion: str) -> CriterionResultRow:
    return (
        CriterionResultRow.select()
        .join(Score)
        .where(Score.current & (Score.call == call_id) & (CriterionResultRow.criterion == criterion))
        .get()
    )


def _answer(t: dict) -> None:
    calibration.answer(t["session"], identity.current_user().name, t["own"].id, "greeting", "pass")


def _ingest(t: dict) -> None:
    Ingestor(None, load_scorecard(default_scorecard_path())).ingest_file(DEMO_CHAT)


# action -> (what it does, the roles that may, the role names a refusal must give)
LEAD_OR_ADMIN = ("QA lead", "admin")
MATRIX: dict[str, tuple[Callable[[dict], object], set[str], tuple[str, ...]]] = {
    "override (assigned call)": (
        lambda t: review.override(t["own"].id, "greeting", "fail", "missed"),
        {"admin", "lead", "evaluator"},
        LEAD_OR_ADMIN,
    ),
    "override (unassigned call)": (
        lambda t: review.override(t["other"].id, "greeting", "fail", "missed"),
        {"admin", "lead"},
        LEAD_OR_ADMIN,
    ),
    "confirm": (
        lambda t: review.confirm(_result(t["own"].id, "closing").id),
        {"admin", "lead", "evaluator"},
        LEAD_OR_ADMIN,
    ),
    "mark reviewed": (lambda t: review.set_reviewed(t["own"].id), {"admin", "lead", "evaluator"}, LEAD_OR_ADMIN),
    "mark reviewed (unassigned)": (lambda t: review.set_reviewed(t["other"].id), {"admin", "lead"}, LEAD_OR_ADMIN),
    "assign to evaluator": (lambda t: review.assign_calls([t["other"].id], "eve"), {"admin", "lead"}, LEAD_OR_ADMIN),
    "reassign call": (
        lambda t: review.reassign_call(t["other"].id, Agent.get(Agent.name == "maria").id),
        {"admin", "lead"},
        LEAD_OR_ADMIN,
    ),
    "rename agent": (
        lambda t: people.rename(Agent.get(Agent.name == "tom").id, "Tom Becker"),
        {"admin", "lead"},
        LEAD_OR_ADMIN,
    ),
    "raise dispute (own call)": (
        lambda t: disputes.raise_dispute(_result(t["own"].id, "closing"), "maria", "I closed it", ""),
        {"admin", "lead", "agent"},
        LEAD_OR_ADMIN,
    ),
    "raise dispute (other's call)": (
        lambda t: disputes.raise_dispute(_result(t["other"].id, "greeting"), "tom", "said hi", ""),
        {"admin", "lead"},
        LEAD_OR_ADMIN,
    ),
    "accept dispute": (lambda t: disputes.accept(t["dispute"], ""), {"admin", "lead"}, LEAD_OR_ADMIN),
    "reject dispute": (lambda t: disputes.reject(t["dispute"], "", "no"), {"admin", "lead"}, LEAD_OR_ADMIN),
    "create calibration": (
        lambda t: calibration.create_session("Dec", "", ["eve", "lena"], [t["own"].id]),
        {"admin", "lead"},
        LEAD_OR_ADMIN,
    ),
    "calibration answer": (_answer, {"admin", "lead", "evaluator"}, ("admin", "QA lead", "evaluator")),
    "settle calibration": (
        lambda t: calibration.settle(t["session"], t["own"].id, "greeting", "pass", "", shown=None),
        {"admin", "lead"},
        LEAD_OR_ADMIN,
    ),
    "create coaching session": (
        lambda t: create_coaching([Agent.get(Agent.name == "maria")], ["closing"]),
        {"admin", "coach"},
        ("admin", "coach"),
    ),
    "edit coaching session": (
        lambda t: save_texts(t["coaching"]["maria"], "listen first", "", None),
        {"admin", "coach"},
        ("admin", "coach"),
    ),
    "move coaching session on": (
        lambda t: set_status(t["coaching"]["maria"], "delivered", ""),
        {"admin", "coach"},
        ("admin", "coach"),
    ),
    "export own coaching pack": (
        lambda t: export_pack(t["coaching"]["maria"], t["out"]),
        {"admin", "coach", "agent"},
        ("admin", "coach"),
    ),
    "export another's coaching pack": (
        lambda t: export_pack(t["coaching"]["tom"], t["out"]),
        {"admin", "coach"},
        ("admin", "coach"),
    ),
    "agreement lab": (lambda t: human_verdicts(), {"admin", "lead", "coach", "evaluator"}, LEAD_OR_ADMIN),
    "focus suggestions (own)": (lambda t: suggest_focus(Agent.get(Agent.name == "maria")), set(USERS.values()), ()),
    "focus suggestions (other's)": (
        lambda t: suggest_focus(Agent.get(Agent.name == "tom")),
        {"admin", "lead", "coach", "evaluator"},
        ("admin", "QA lead", "coach", "evaluator"),
    ),
    "ingest": (_ingest, {"admin", "lead"}, LEAD_OR_ADMIN),
    "locate moved recordings": (lambda t: relocate(t["scorecard"].parent), {"admin", "lead"}, LEAD_OR_ADMIN),
    "rescore": (lambda t: rescore_all(load_scorecard(default_scorecard_path())), {"admin"}, ("admin",)),
    "retag": (lambda t: retag(default_drivers()), {"admin"}, ("admin",)),
    "change scorecard": (lambda t: Settings().set("scorecard", str(t["scorecard"])), {"admin"}, ("admin",)),
    "add user": (lambda t: add_user("zed", "evaluator", "a long password"), {"admin"}, ("admin",)),
    "set role": (lambda t: set_role("cole", "evaluator"), {"admin"}, ("admin",)),
    "disable user": (lambda t: set_active("cole", False), {"admin"}, ("admin",)),
    "set retention": (lambda t: set_policy({"transcripts": 365}), {"admin"}, ("admin",)),
    "apply retention": (lambda t: apply_policy(), {"admin"}, ("admin",)),
}


@pytest.mark.parametrize("role_user", list(USERS))
@pytest.mark.parametrize("action", list(MATRIX))
def test_each_role_against_each_guarded_action(team, action, role_user):
    run, allowed, needed = MATRIX[action]
    sign_in(role_user, PASSWORD)
    if USERS[role_user] in allowed:
        run(team)
        return
    with pytest.raises(PermissionDenied) as refused:
        run(team)
    message = str(refused.value)
    for role in needed:
        assert role in message, f"{action} refused to {role_user} without naming {role}: {message}"
    assert role_user in message  # says who is signed in


def test_without_users_the_local_owner_may_do_everything_and_nobody_signs_in(db):
    assert not identity.team_mode()
    assert identity.current_user().role == "admin"
    set_policy({"audit": 400})  # an admin-only action, no sign-in asked


def test_with_users_nothing_is_allowed_before_signing_in(team):
    with pytest.raises(identity.NotSignedIn, match="sign in"):
        review.set_reviewed(team["own"].id)
