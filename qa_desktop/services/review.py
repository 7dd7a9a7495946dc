"""A reviewer's changes to a call, as the signed-in user: override a criterion, confirm it, mark the call
reviewed, reassign it to another agent, assign it to an evaluator. Each checks the user's role first
(`access.permissions.require`) and writes the signed-in user's name in the audit log; the storage layer
below does the change."""

from __future__ import annotations

from qa_desktop.services.access.identity import acting_name, current_user
from qa_desktop.services.access.permissions import allowed, require
from qa_desktop.storage import review as stored
from qa_desktop.storage.models import Agent, Call, CriterionResultRow, Score, User, database
from qa_desktop.storage.people import reassign_call as reassign


def _call_of(result: CriterionResultRow) -> Call:
    return Score.get_by_id(result.score_id).call


def override(result: CriterionResultRow, new: str, comment: str, reviewer: str = "") -> Score:
    """Change a criterion's result (QA lead, admin, or an evaluator on a call assigned to them)."""
    require(current_user(), "review", _call_of(result))
    return stored.override(result, new, comment, acting_name(reviewer))


def confirm(result: CriterionResultRow, reviewer: str = "") -> None:
    """Record that the reviewer checked the criterion's result (audited)."""
    require(current_user(), "review", _call_of(result))
    stored.mark_checked(result, acting_name(reviewer), "confirmed")


def evidence_played(result: CriterionResultRow, reviewer: str = "") -> None:
    """Playing a criterion's evidence counts as checking it, for those who may review the call; for anyone
    else (a coach, an agent) it records nothing."""
    if allowed(current_user(), "review", _call_of(result)):
        stored.mark_checked(result, acting_name(reviewer), "evidence")


def set_reviewed(call: Call, reviewed: bool = True, reviewer: str = "") -> None:
    """Mark a call reviewed (or not)."""
    require(current_user(), "review", call)
    stored.set_reviewed(call, acting_name(reviewer), reviewed)


def reassign_call(call: Call, agent: Agent, actor: str = "") -> Call:
    """Attribute a call to another agent (QA lead or admin)."""
    require(current_user(), "manage agents")
    return reassign(call, agent, acting_name(actor))


def assign_call(call: Call, evaluator: str | None) -> Call:
    """Ask an evaluator (a user's name) to review a call, or nobody (None); QA lead or admin."""
    require(current_user(), "assign")
    name = (evaluator or "").strip() or None
    if name is not None and not User.select().where((User.name == name) & User.active).exists():
        raise stored.ReviewError(f"no active user called '{name}' to assign call {call.id} to")
    with database.atomic():
        stored.audit(call, acting_name(), "assign", "call", call.assigned_to, name)
        call.assigned_to = name
        call.save(only=[Call.assigned_to])
    return call


def may_review(call: Call) -> bool:
    """Whether the signed-in user may change this call's review (for the app to enable its buttons)."""
    return allowed(current_user(), "review", call)
