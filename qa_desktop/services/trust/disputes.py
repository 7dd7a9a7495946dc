"""Disputes: a reviewer raises one against a criterion's result on the agent's behalf (the agent's name
and reason); the QA lead accepts it (the result changes and the score is recomputed, as an override)
or rejects it with a reason. Every step is in the audit log."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from peewee import fn

from qa_desktop.services.access.identity import acting_name, current_user
from qa_desktop.services.access.permissions import AGENT, require
from qa_desktop.storage import review
from qa_desktop.storage.criteria import criterion_names
from qa_desktop.storage.library import call_name
from qa_desktop.storage.models import Agent, Call, CriterionResultRow, Dispute, Score, database
from qa_desktop.storage.review import RESULTS, audit, locked, override

STATUSES = ("open", "accepted", "rejected")


class DisputeError(ValueError):
    """A dispute action that cannot be taken as asked."""


def raise_dispute(
    result: CriterionResultRow, agent_name: str, reason: str, raised_by: str, requested: str | None = None
) -> Dispute:
    """Dispute a criterion's current result; `requested` defaults to the opposite of a pass or fail. An agent
    disputes their own calls only, in their own name; a QA lead raises one on an agent's behalf."""
    user = current_user()
    call = result.score.call
    require(user, "raise dispute", call)
    raised_by = acting_name(raised_by)
    if user.role == AGENT:
        agent_name = call.agent.name
    current = result.effective
    requested = requested or {"pass": "fail", "fail": "pass"}.get(current)
    if requested not in RESULTS or requested == current:
        raise DisputeError(f"say which result is right (one of {', '.join(r for r in RESULTS if r != current)})")
    if not reason.strip():
        raise DisputeError("a dispute needs the agent's reason")
    if not agent_name.strip():
        raise DisputeError("a dispute needs the agent's name")
    with database.atomic():
        locked(CriterionResultRow.select().where(CriterionResultRow.id == result.id)).get()  # another raiser waits
        if Dispute.select().where((Dispute.result_row == result) & (Dispute.status == "open")).exists():
            raise DisputeError(f"{review.criterion_of(result.criterion, call)} already has an open dispute")
        dispute = Dispute.create(
            call=call,
            result_row=result,
            criterion=result.criterion,
            disputed=current,
            requested=requested,
            agent_name=agent_name.strip(),
            raised_by=raised_by,
            reason=reason.strip(),
        )
        audit(
            call,
            raised_by,
            "dispute raised",
            result.criterion,
            current,
            requested,
            f"for {dispute.agent_name}: {dispute.reason}",
        )
    return dispute


def _settle(dispute: Dispute, status: str, lead: str, comment: str) -> None:
    """Settle the dispute if it is still open (in the caller's transaction, which then holds it until it commits);
    else nothing is written and DisputeError says who settled it meanwhile."""
    resolved_at = dt.datetime.now().replace(microsecond=0)
    settled = (
        Dispute.update(status=status, resolved_by=lead, resolution=comment, resolved_at=resolved_at)
        .where((Dispute.id == dispute.id) & (Dispute.status == "open"))
        .execute()
    )
    if not settled:
        raise DisputeError(_already_settled(Dispute.get_by_id(dispute.id)))
    dispute.status, dispute.resolved_by, dispute.resolution, dispute.resolved_at = status, lead, comment, resolved_at


def _already_settled(dispute: Dispute) -> str:
    return (
        f"the dispute on {review.criterion_of(dispute.criterion, dispute.call)} was {dispute.status} by "
        f"{dispute.resolved_by} at {dispute.resolved_at:%H:%M} since you opened it; nothing was saved: look at it again"
    )


def _audit_settled(dispute: Dispute) -> None:
    accepted = dispute.status == "accepted"
    audit(
        dispute.call,
        dispute.resolved_by,
        f"dispute {dispute.status}",
        dispute.criterion,
        dispute.disputed,
        dispute.requested if accepted else dispute.disputed,
        dispute.resolution,
    )


def current_result(dispute: Dispute) -> CriterionResultRow:
    """The disputed criterion's result in the call's current score (a rescore since the dispute replaces it)."""
    try:
        return review.current_result(dispute.call_id, dispute.criterion)
    except (CriterionResultRow.DoesNotExist, Score.DoesNotExist):
        raise DisputeError(
            f"{review.named(dispute.call)} was rescored and its scorecard no longer has the criterion "
            f"'{criterion_names().get(dispute.criterion, dispute.criterion)}'; reject the dispute with that reason"
        ) from None


def accept(dispute: Dispute, lead: str, comment: str = "") -> Score:
    """Accept: the criterion takes the requested result in the call's current score, which is recomputed.

    If a rescore since the dispute already gives the requested result, nothing is overridden."""
    require(current_user(), "settle dispute")
    lead = acting_name(lead)
    if dispute.status != "open":
        raise DisputeError(_already_settled(dispute))
    note = comment.strip() or "dispute accepted"
    with database.atomic():
        _settle(dispute, "accepted", lead, note)  # first: another lead settling it meanwhile waits, then is refused
        row = current_result(dispute)
        if row.effective == dispute.requested:
            score = row.score
            dispute.resolution = note = f"{note} (the current score already gives {dispute.requested})"
            dispute.save(only=[Dispute.resolution])
        else:
            why = f"{note} (the dispute for {dispute.agent_name}: {dispute.reason})"
            score = override(row, dispute.requested, why, lead)
        _audit_settled(dispute)
    return score


def reject(dispute: Dispute, lead: str, reason: str) -> None:
    """Reject with a reason (required); the result stands."""
    require(current_user(), "settle dispute")
    lead = acting_name(lead)
    if dispute.status != "open":
        raise DisputeError(_already_settled(dispute))
    if not reason.strip():
        raise DisputeError("rejecting a dispute needs a reason")
    with database.atomic():
        _settle(dispute, "rejected", lead, reason.strip())
        _audit_settled(dispute)


def disputes(status: str | None = None) -> list[Dispute]:
    """Disputes, newest first (only those with `status`, if given)."""
    query = Dispute.select().order_by(Dispute.raised_at.desc(), Dispute.id.desc())
    return list(query.where(Dispute.status == status) if status else query)


def counts(by: str) -> dict[str, Counter]:
    """Open, accepted and rejected disputes per agent (`by="agent"`) or per criterion (`by="criterion"`)."""
    field = Dispute.agent_name if by == "agent" else Dispute.criterion
    found: dict[str, Counter] = {}
    for key, status, n in (
        Dispute.select(field, Dispute.status, fn.COUNT(Dispute.id)).group_by(field, Dispute.status).tuples()
    ):
        found.setdefault(key, Counter())[status] = n
    return found


@dataclass(frozen=True)
class DisputeRow:
    """A dispute as the disputes window lists it (with the agent the call is attributed to)."""

    id: int
    call_id: int
    call: str  # as people know it (`call_name`: agent and call time)
    criterion: str
    disputed: str
    requested: str
    agent_name: str
    raised_by: str
    reason: str
    status: str
    resolved_by: str | None
    resolution: str | None
    raised_at: dt.datetime


def dispute_rows(status: str | None = None) -> list[DisputeRow]:
    """Disputes as plain rows, newest first (only those with `status`, if given), in one query."""
    query = (
        Dispute.select(
            Dispute.id,
            Dispute.call,
            Agent.name,
            Call.call_time,
            Call.path,
            Dispute.criterion,
            Dispute.disputed,
            Dispute.requested,
            Dispute.agent_name,
            Dispute.raised_by,
            Dispute.reason,
            Dispute.status,
            Dispute.resolved_by,
            Dispute.resolution,
            Dispute.raised_at,
        )
        .join(Call)
        .join(Agent)
        .order_by(Dispute.raised_at.desc(), Dispute.id.desc())
    )
    return [
        DisputeRow(id, call, call_name(agent, call_time, path), *rest)
        for id, call, agent, call_time, path, *rest in (
            query.where(Dispute.status == status) if status else query
        ).tuples()
    ]


def decide(dispute_id: int, accepted: bool, lead: str, text: str) -> None:
    """Accept (with an optional comment) or reject (with a reason) a dispute by its id."""
    dispute = Dispute.get_by_id(dispute_id)
    if accepted:
        accept(dispute, lead, text)
    else:
        reject(dispute, lead, text)
