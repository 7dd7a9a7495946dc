"""A reviewer's changes to a call: criterion overrides (with a required comment), marking a call
reviewed, and the audit log that keeps every change. Automatic results are never overwritten:
an override is stored beside them and the scores are recomputed from the effective results."""

from __future__ import annotations

import datetime as dt

from peewee import JOIN, ModelSelect, prefetch

from qa_desktop.storage.bulk import BulkInsert
from qa_desktop.storage.criteria import criterion_names
from qa_desktop.storage.library import Listed, call_name
from qa_desktop.storage.models import (
    Agent,
    AuditEntry,
    Call,
    CallDriver,
    CoachingClip,
    CoachingSession,
    CriterionResultRow,
    Dispute,
    Score,
    Team,
    database,
)
from qa_desktop.storage.scorecards import parsed_scorecard
from scoring.detectors import FAIL, NA, PASS
from scoring.scorer import subscores
from scoring.sentiment import SentimentTrajectory

RESULTS = (PASS, FAIL, NA)
_CREDIT = {PASS: 100.0, FAIL: 0.0, NA: 0.0}


class ReviewError(ValueError):
    """A review action that cannot be taken as asked (no comment, unknown result)."""


class StaleReviewError(ReviewError):
    """Someone else changed the call or criterion since it was read: the change was not made."""


Claimed = Call | CriterionResultRow | CoachingSession | CoachingClip  # rows a change claims by their revision


def claim(row: Claimed, what: str = "") -> None:
    """Raise the row's revision if it is still the one read (in the caller's transaction, which then holds the
    row until it commits); else nothing is written and StaleReviewError says who changed it and names the row
    as `what` (by default, a call or criterion as `named`, read only then)."""
    model = type(row)
    claimed = (
        model.update(revision=model.revision + 1)
        .where((model.id == row.id) & (model.revision == row.revision))
        .execute()
    )
    if not claimed:
        raise stale(row, what or named(row))
    row.revision += 1


def named(row: Claimed) -> str:
    """A claimed row as the user sees it: a criterion by its scorecard name, a call by its agent and time
    (`call_name`), a coaching clip by its call, not by their ids; a coaching session as the audit log names it (the
    coaching window lists it by that number)."""
    if isinstance(row, Call):
        return f"the call '{call_name(row.agent.name, row.call_time, row.path)}'"
    if isinstance(row, CriterionResultRow):
        return criterion_of(row.criterion, row.score.call)
    if isinstance(row, CoachingSession):
        return session_target(row.id)
    return f"a clip of {named(row.call)} in {session_target(row.session_id)}"


def criterion_of(criterion: str, call: Call) -> str:
    """A criterion of a call as the user sees them (see `named`)."""
    return f"criterion '{criterion_names().get(criterion, criterion)}' of {named(call)}"


def stale(row: Claimed, what: str) -> StaleReviewError:
    """The refusal of a change to `row` (as read, or gone: only its id is used), saying who changed it last and when."""
    latest = AuditEntry.select().where(_changes_of(row)).order_by(AuditEntry.id.desc()).first()
    by = f" by {latest.actor} ({latest.action} at {latest.at:%H:%M})" if latest else ""
    return StaleReviewError(f"{what} was changed{by} since you opened it; nothing was saved: look at it again")


def locked(query: ModelSelect) -> ModelSelect:
    """The query, its rows held until the transaction ends (PostgreSQL: another change waits to read them; SQLite's
    write transactions already run one at a time)."""
    return query.for_update() if database.for_update else query


def _changes_of(row: Claimed):
    """The audit log's entries of changes to this row (a criterion's are its call's; a clip's, its own and its
    session's deletion)."""
    if isinstance(row, CoachingSession):
        return AuditEntry.call.is_null() & (AuditEntry.target == session_target(row.id))
    if isinstance(row, CoachingClip):
        deleted = (AuditEntry.target == session_target(row.session_id)) & (AuditEntry.action == "delete session")
        return AuditEntry.call.is_null() & ((AuditEntry.target == clip_target(row)) | deleted)
    return AuditEntry.call == (row.id if isinstance(row, Call) else row.score.call_id)


def session_target(session_id: int) -> str:
    """What the audit log names a coaching session's changes by."""
    return f"coaching session {session_id}"


def clip_target(clip: CoachingClip) -> str:
    """What the audit log names a coaching clip's changes by."""
    return f"clip {clip.id} of {session_target(clip.session_id)}"


_AUDIT_INSERT = BulkInsert(AuditEntry, ("call", "at", "actor", "action", "target", "old", "new", "comment"))


def audit(
    call: Call | None,
    actor: str,
    action: str,
    target: str = "",
    old: str | None = None,
    new: str | None = None,
    comment: str = "",
) -> AuditEntry:
    """Record one change in the audit log."""
    return AuditEntry.create(call=call, actor=actor, action=action, target=target, old=old, new=new, comment=comment)


def assignments(calls: list[int]) -> dict[int, Listed]:
    """Call id -> its assignment now, for those of these calls that exist; the rows held until the transaction
    ends (see `locked`), for `assign` to change them."""
    among, ids = database.dialect.among("id", calls)
    lock = " FOR UPDATE" if database.for_update else ""
    sql = f'SELECT id, assigned_to, reviewed FROM "{Call._meta.table_name}" WHERE {among}{lock}'
    return {i: Listed(to, bool(reviewed)) for i, to, reviewed in database.execute_sql(sql, [ids]).fetchall()}


def existing(calls: list[int]) -> set[int]:
    """Those of these call ids that name a call in the library (one query)."""
    among, ids = database.dialect.among("id", calls)
    sql = f'SELECT id FROM "{Call._meta.table_name}" WHERE {among}'
    return {i for (i,) in database.execute_sql(sql, [ids]).fetchall()}


def assign(calls: list[int], name: str | None, actor: str) -> None:
    """Assign calls to `name` (None: nobody), each with its audit entry, in two statements whatever their number:
    the entries are copied from the calls (the assignee as stored is the old value), then one UPDATE sets the new
    one. Run in the transaction that read them (`assignments`)."""
    if not calls:
        return
    row = {"at": dt.datetime.now().replace(microsecond=0), "actor": actor, "action": "assign", "target": "call"}
    at, actor, action, target, _old, new, comment = _AUDIT_INSERT.values(
        {**row, "old": None, "new": name, "comment": ""}, 1
    )
    among, ids = database.dialect.among("id", calls)
    table = Call._meta.table_name
    database.execute_sql(
        f'INSERT INTO "{AuditEntry._meta.table_name}" ("call_id", "at", "actor", "action", "target", "old", "new", '
        f'"comment") SELECT id, ?, ?, ?, ?, assigned_to, ?, ? FROM "{table}" WHERE {among}',
        [at, actor, action, target, new, comment, ids],
    )
    database.execute_sql(f'UPDATE "{table}" SET assigned_to = ? WHERE {among}', [new, ids])


def recompute(score: Score) -> Score:
    """Recompute a score's subscores, auto-fail and failed list from its effective results."""
    scorecard = parsed_scorecard(score.scorecard)
    rows = list(score.results)
    results = []
    for row in rows:
        criterion = scorecard.criterion(row.criterion)
        credit = row.credit if row.override is None else _CREDIT[row.override]
        results.append((criterion, credit / 100, row.effective))
    sentiment = SentimentTrajectory.from_dict(score.analysis.get("sentiment", {}))
    score.overall, score.empathy, score.compliance, score.auto_fail = subscores(scorecard, results, sentiment)
    score.failed = " ".join(row.criterion for row in rows if row.effective == FAIL)
    score.save()
    return score


def override(result: CriterionResultRow, new: str, comment: str, reviewer: str) -> Score:
    """Change a criterion's result on a call; the comment is required. Returns the recomputed score.

    Refused with StaleReviewError when the result changed since `result` was read (its revision)."""
    if new not in RESULTS:
        raise ReviewError(f"a result is one of {', '.join(RESULTS)}, not '{new}'")
    if not comment.strip():
        raise ReviewError("an override needs a comment saying why")
    reviewer = reviewer.strip() or "unknown reviewer"
    with database.atomic():
        # PostgreSQL: an override of another criterion waits, then recomputes with this one; a rescore, then is refused
        if not locked(Score.select(Score.current).where(Score.id == result.score_id)).get().current:
            raise StaleReviewError(
                f"{named(result.score.call)} was scored again since you opened it; nothing was saved: look at it again"
            )
        claim(result)
        old = result.effective
        result.override = None if new == result.result else new
        result.override_by = reviewer if result.override else None
        result.override_comment = comment.strip() if result.override else None
        result.save(
            only=[CriterionResultRow.override, CriterionResultRow.override_by, CriterionResultRow.override_comment]
        )
        audit(result.score.call, reviewer, "override", result.criterion, old, new, comment.strip())
        return recompute(Score.get_by_id(result.score_id))


def mark_checked(result: CriterionResultRow, reviewer: str, how: str = "evidence") -> None:
    """Record that a reviewer looked at a criterion: played its evidence, or confirmed it explicitly (audited).
    Only such criteria count as agreeing with the automatic verdict when the call is marked reviewed.
    Confirming is refused (StaleReviewError) when the result changed since `result` was read."""
    if how not in ("evidence", "confirmed"):
        raise ReviewError(f"a criterion is checked by 'evidence' or 'confirmed', not '{how}'")
    if result.checked == "confirmed" or result.checked == how:
        return
    reviewer = reviewer or "unknown reviewer"
    with database.atomic():
        if how == "confirmed":  # confirms the verdict that was shown
            claim(result)
            audit(result.score.call, reviewer, "confirm", result.criterion, None, result.effective)
            changed = CriterionResultRow.id == result.id
        else:  # having played the evidence stays true whatever changed; it never hides a confirmation
            changed = (CriterionResultRow.id == result.id) & CriterionResultRow.checked.is_null()
        CriterionResultRow.update(checked=how, checked_by=reviewer).where(changed).execute()
        result.checked, result.checked_by = how, reviewer


def set_reviewed(call: Call, reviewer: str, reviewed: bool = True) -> None:
    """Mark a call reviewed (or not), in the audit log too; refused (StaleReviewError) when the call's review
    changed since `call` was read."""
    with database.atomic():
        claim(call)
        old = "reviewed" if call.reviewed else "not reviewed"
        call.reviewed = reviewed
        call.reviewed_by = reviewer if reviewed else None
        call.reviewed_at = dt.datetime.now().replace(microsecond=0) if reviewed else None
        call.save(only=[Call.reviewed, Call.reviewed_by, Call.reviewed_at])
        audit(call, reviewer or "unknown reviewer", "review", "call", old, "reviewed" if reviewed else "not reviewed")


def call_audit(call: Call) -> list[AuditEntry]:
    """The call's audit log, newest first."""
    return list(AuditEntry.select().where(AuditEntry.call == call).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()))


def call_for_review(call_id: int) -> Call:
    """A call with its agent and team, read in one query."""
    return (
        Call.select(Call, Agent, Team)
        .join(Agent)
        .switch(Call)
        .join(Team, JOIN.LEFT_OUTER)
        .where(Call.id == call_id)
        .get()
    )


def primary_driver(call_id: int) -> str | None:
    """The id of the call's primary driver (why the customer called), if it was tagged with one."""
    tag = CallDriver.get_or_none((CallDriver.call == call_id) & CallDriver.primary)
    return tag.driver if tag else None


def current_results(score: Score) -> list[CriterionResultRow]:
    """A score's criterion results in scorecard order, each with its disputes (two queries in all)."""
    return list(prefetch(score.results.order_by(CriterionResultRow.id), Dispute.select().order_by(Dispute.id)))


def current_result(call_id: int, criterion: str) -> CriterionResultRow:
    """A criterion's result in the call's current score (picked from the score's few results: a query on the
    criterion would walk its index, every call's result for it)."""
    score = Score.get((Score.call == call_id) & Score.current)
    found = [
        r for r in CriterionResultRow.select().where(CriterionResultRow.score == score.id) if r.criterion == criterion
    ]
    if not found:
        raise CriterionResultRow.DoesNotExist(f"call {call_id} has no current result for '{criterion}'")
    return found[0]


def calls_with_agents(ids: list[int]) -> list[Call]:
    """These calls with their agents, in one query."""
    return list(Call.select(Call, Agent).join(Agent).where(Call.id.in_(ids)))
