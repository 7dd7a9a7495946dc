"""Calibration sessions: a lead picks calls (by hand, or proposed: the least confident automatic
verdicts and calls people disagreed on before) and evaluators; each evaluator scores every call blind,
seeing neither the automatic results nor the others' answers until they submit; the results show
agreement per criterion and the widest spreads, and the lead settles the expert answer, which becomes
the reference for those calls."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from peewee import IntegrityError, fn

from qa_desktop.services.access.identity import acting_name, current_user, team_mode
from qa_desktop.services.access.permissions import PermissionDenied, require
from qa_desktop.services.trust.stats import (
    cohen_kappa,
    krippendorff_alpha,
    pairwise_agreement,
    percent_agreement,
    spread,
)
from qa_desktop.storage.models import (
    CalibrationAnswer,
    CalibrationCall,
    CalibrationSession,
    CalibrationSubmission,
    Call,
    CriterionResultRow,
    Dispute,
    ReferenceVerdict,
    Score,
    database,
)
from qa_desktop.storage.review import RESULTS, audit, criterion_of, locked
from qa_desktop.storage.scorecards import not_judged


class CalibrationError(ValueError):
    """A calibration action that cannot be taken as asked."""


class BlindError(CalibrationError):
    """An evaluator asked to see answers before submitting their own."""


@dataclass(frozen=True)
class Proposal:
    """A call proposed for calibration, and why."""

    call_id: int
    reason: str


def propose_calls(count: int = 10) -> list[Proposal]:
    """Calls worth calibrating: first those people disagreed on before (overrides, disputes), then those
    whose automatic verdicts were least confident (lowest confidence of a pass or fail on the call)."""
    chosen: dict[int, str] = {}
    disagreed = (
        Score.select(Score.call)
        .join(CriterionResultRow)
        .where(Score.current & CriterionResultRow.override.is_null(False))
        .distinct()
    )
    for (call_id,) in disagreed.tuples():
        chosen.setdefault(call_id, "a reviewer overrode a result")
    for (call_id,) in Dispute.select(Dispute.call).distinct().tuples():
        chosen.setdefault(call_id, "a result was disputed")
    lowest = fn.MIN(CriterionResultRow.confidence)
    least = (
        Score.select(Score.call, lowest)
        .join(CriterionResultRow)
        .where(Score.current & CriterionResultRow.result.in_(("pass", "fail")))
        .group_by(Score.call)
        .order_by(lowest, Score.call)
        .limit(count * 3)
    )
    for call_id, low in least.tuples():
        chosen.setdefault(call_id, f"least confident automatic verdict ({low:.0%})")
    return [Proposal(call_id, reason) for call_id, reason in list(chosen.items())[:count]]


def create_session(
    title: str, lead: str, evaluators: list[str], calls: list[int | Proposal], criteria: list[str] | None = None
) -> CalibrationSession:
    """A new session on these calls for these evaluators (criteria: every criterion scored on the calls, in
    scorecard order, but one that no call's medium lets anyone judge)."""
    require(current_user(), "create calibration")
    lead = acting_name(lead)
    evaluators = list(dict.fromkeys(e.strip() for e in evaluators if e.strip()))
    if len(evaluators) < 2:
        raise CalibrationError("a calibration needs at least two evaluators")
    if not calls:
        raise CalibrationError("a calibration needs at least one call")
    proposals = [c if isinstance(c, Proposal) else Proposal(c, "chosen by hand") for c in calls]
    if criteria is None:
        ids = [p.call_id for p in proposals]
        ruled_out = not_judged(ids)
        scored = (
            CriterionResultRow.select(Score.call, CriterionResultRow.criterion)
            .join(Score)
            .where(Score.current & Score.call.in_(ids))
            .order_by(CriterionResultRow.id)  # as scored: in scorecard order, as a call goes (greeting first)
            .tuples()
        )
        criteria = list(dict.fromkeys(c for call_id, c in scored if (call_id, c) not in ruled_out))
    with database.atomic():
        session = CalibrationSession.create(
            title=title.strip() or "Calibration", lead=lead.strip() or "lead", evaluators=evaluators, criteria=criteria
        )
        for position, p in enumerate(proposals):
            CalibrationCall.create(session=session, call=p.call_id, position=position, reason=p.reason)
        audit(
            None,
            session.lead,
            "calibration created",
            f"session {session.id}",
            None,
            f"{len(proposals)} calls, evaluators {', '.join(evaluators)}",
        )
    return session


def session_calls(session: CalibrationSession) -> list[Call]:
    """The session's calls in order."""
    return [c.call for c in session.calls.order_by(CalibrationCall.position)]


def has_submitted(session: CalibrationSession, evaluator: str) -> bool:
    """Whether the evaluator has submitted their answers."""
    return (
        CalibrationSubmission.select()
        .where((CalibrationSubmission.session == session) & (CalibrationSubmission.evaluator == evaluator))
        .exists()
    )


def _evaluator(session: CalibrationSession, evaluator: str) -> str:
    """The evaluator who answers: with users, only the signed-in user, as themselves."""
    user = current_user()
    require(user, "answer calibration")
    if team_mode() and evaluator != user.name:
        raise PermissionDenied(f"you are signed in as {user.name}: you answer as yourself, not as {evaluator}")
    if evaluator not in session.evaluators:
        raise CalibrationError(f"'{evaluator}' is not an evaluator in '{session.title}'")
    return evaluator


def not_asked(session: CalibrationSession) -> dict[tuple[int, str], str]:
    """(call id, criterion) -> why nobody is asked it: the call's medium rules the criterion out (dead air or
    tone in a chat), the same for every evaluator, so it is neither owed nor counted in the agreement."""
    ruled_out = not_judged(c.id for c in session_calls(session))
    return {key: reason for key, reason in ruled_out.items() if key[1] in session.criteria}


def _asked(session: CalibrationSession, call_id: int, criterion: str) -> None:
    """Raise unless the session asks this criterion of this call."""
    if criterion not in session.criteria:
        raise CalibrationError(f"'{criterion}' is not calibrated in this session")
    reason = not_asked(session).get((call_id, criterion))
    if reason is not None:
        raise CalibrationError(f"'{criterion}' is not asked on call {call_id}: {reason}")


def answer(
    session: CalibrationSession, evaluator: str, call_id: int, criterion: str, result: str, comment: str = ""
) -> CalibrationAnswer:
    """Record (or change) an evaluator's verdict, until they submit."""
    _evaluator(session, evaluator)
    if has_submitted(session, evaluator):
        raise CalibrationError(f"{evaluator} has already submitted; answers can no longer change")
    if result not in RESULTS:
        raise CalibrationError(f"a result is one of {', '.join(RESULTS)}, not '{result}'")
    _asked(session, call_id, criterion)
    row, created = CalibrationAnswer.get_or_create(
        session=session,
        call=call_id,
        evaluator=evaluator,
        criterion=criterion,
        defaults={"result": result, "comment": comment},
    )
    if not created:
        row.result, row.comment, row.answered_at = result, comment, dt.datetime.now().replace(microsecond=0)
        row.save()
    return row


def own_answers(session: CalibrationSession, evaluator: str) -> dict[tuple[int, str], str]:
    """An evaluator's own answers so far, by (call id, criterion)."""
    rows = CalibrationAnswer.select().where(
        (CalibrationAnswer.session == session) & (CalibrationAnswer.evaluator == evaluator)
    )
    return {(r.call_id, r.criterion): r.result for r in rows}


def missing(session: CalibrationSession, evaluator: str) -> int:
    """How many (call, criterion) answers the evaluator still owes (none on what is not asked)."""
    given, skipped = own_answers(session, evaluator), not_asked(session)
    return sum(
        (call.id, criterion) not in given and (call.id, criterion) not in skipped
        for call in session_calls(session)
        for criterion in session.criteria
    )


def submit(session: CalibrationSession, evaluator: str) -> None:
    """Submit an evaluator's answers (all of them must be given)."""
    _evaluator(session, evaluator)
    owed = missing(session, evaluator)
    if owed:
        raise CalibrationError(f"{evaluator} has {owed} answer{'s' * (owed != 1)} still to give")
    with database.atomic():
        CalibrationSubmission.get_or_create(session=session, evaluator=evaluator)
        audit(None, evaluator, "calibration submitted", f"session {session.id}")


def _may_see(session: CalibrationSession, viewer: str) -> None:
    """Evaluators see others' answers and the automatic results only after submitting; the lead always. With
    users, the viewer is the signed-in user, whatever name is asked for."""
    require(current_user(), "answer calibration")
    viewer = acting_name(viewer)
    if viewer in session.evaluators and not has_submitted(session, viewer):
        raise BlindError(f"{viewer} must submit their own answers before seeing the others' or the automatic ones")


def all_answers(session: CalibrationSession, viewer: str) -> dict[tuple[int, str], dict[str, str]]:
    """Every evaluator's answers by (call id, criterion) -> {evaluator: result}, on what is asked (an answer
    given before a criterion was known to be ruled out is left out); blind rules apply."""
    _may_see(session, viewer)
    skipped = not_asked(session)
    found: dict[tuple[int, str], dict[str, str]] = {}
    for row in CalibrationAnswer.select().where(CalibrationAnswer.session == session):
        if (row.call_id, row.criterion) not in skipped:
            found.setdefault((row.call_id, row.criterion), {})[row.evaluator] = row.result
    return found


def automatic(session: CalibrationSession, viewer: str) -> dict[tuple[int, str], str]:
    """The automatic results of the session's calls by (call id, criterion); blind rules apply."""
    _may_see(session, viewer)
    ids = [c.id for c in session_calls(session)]
    rows = (
        CriterionResultRow.select(CriterionResultRow, Score)
        .join(Score)
        .where(Score.current & Score.call.in_(ids) & CriterionResultRow.criterion.in_(session.criteria))
    )
    return {(r.score.call_id, r.criterion): r.result for r in rows}


@dataclass
class CriterionAgreement:
    """How far people agreed with each other and with the automatic verdict on one criterion."""

    criterion: str
    items: int  # calls with at least one answer
    agreement: float | None  # mean share of agreeing evaluator pairs
    kappa: float | None  # Cohen's kappa (two evaluators)
    alpha: float | None  # Krippendorff's alpha (any number of evaluators)
    versus_automatic: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)  # evaluator ->
    # (percent agreement, kappa) with the automatic verdict


@dataclass
class Spread:
    """One call's answers on one criterion, and how split they are."""

    call_id: int
    criterion: str
    answers: dict[str, str]
    automatic: str | None
    spread: float
    reference: str | None


def results(session: CalibrationSession, viewer: str) -> tuple[list[CriterionAgreement], list[Spread]]:
    """Per criterion agreement, and every (call, criterion) with its spread, widest first."""
    answers, auto = all_answers(session, viewer), automatic(session, viewer)
    references = {
        (r.call_id, r.criterion): r.result
        for r in ReferenceVerdict.select().where(ReferenceVerdict.call.in_([c.id for c in session_calls(session)]))
    }
    table = []
    for criterion in session.criteria:
        items = [(call_id, given) for (call_id, c), given in sorted(answers.items()) if c == criterion]
        per_item = [given for _, given in items]
        two = len(session.evaluators) == 2
        pairs = [
            (g[session.evaluators[0]], g[session.evaluators[1]])
            for g in per_item
            if two and all(e in g for e in session.evaluators)
        ]
        versus = {}
        for evaluator in session.evaluators:
            mine = [
                (given[evaluator], auto[(call_id, criterion)])
                for call_id, given in items
                if evaluator in given and (call_id, criterion) in auto
            ]
            versus[evaluator] = (
                percent_agreement([m for m, _ in mine], [a for _, a in mine]),
                cohen_kappa([m for m, _ in mine], [a for _, a in mine]),
            )
        table.append(
            CriterionAgreement(
                criterion,
                len(items),
                pairwise_agreement(per_item),
                cohen_kappa([a for a, _ in pairs], [b for _, b in pairs]) if two else None,
                krippendorff_alpha(per_item),
                versus,
            )
        )
    spreads = [
        Spread(
            call_id,
            criterion,
            given,
            auto.get((call_id, criterion)),
            spread(list(given.values())),
            references.get((call_id, criterion)),
        )
        for (call_id, criterion), given in answers.items()
    ]
    spreads.sort(key=lambda s: (-s.spread, s.call_id, s.criterion))
    return table, spreads


def settle(
    session: CalibrationSession,
    call_id: int,
    criterion: str,
    result: str,
    lead: str,
    comment: str = "",
    *,
    shown: str | None,
) -> ReferenceVerdict:
    """The lead's expert answer for a call's criterion: the reference verdict from now on (in the audit log);
    the session is settled once every asked (call, criterion) is. `shown` is the reference the lead saw (None:
    none): when another lead settled it otherwise since, nothing is written and CalibrationError says who."""
    require(current_user(), "settle calibration")
    lead = acting_name(lead)
    if result not in RESULTS:
        raise CalibrationError(f"a result is one of {', '.join(RESULTS)}, not '{result}'")
    _asked(session, call_id, criterion)
    here = (ReferenceVerdict.call == call_id) & (ReferenceVerdict.criterion == criterion)
    try:
        with database.atomic():
            old = locked(ReferenceVerdict.select().where(here)).first()  # PostgreSQL: another lead waits
            previous = old.result if old else None
            if previous != shown:
                raise CalibrationError(_settled_meanwhile(old, call_id, criterion))
            if old is None:
                row = ReferenceVerdict.create(
                    call=call_id, criterion=criterion, result=result, settled_by=lead, comment=comment, session=session
                )
            else:
                old.result, old.settled_by, old.comment, old.session = result, lead, comment, session
                old.settled_at = dt.datetime.now().replace(microsecond=0)
                old.save()
                row = old
            audit(Call.get_by_id(call_id), lead, "reference verdict", criterion, previous, result, comment)
            settled = {
                (r.call_id, r.criterion) for r in ReferenceVerdict.select().where(ReferenceVerdict.session == session)
            }
            settled |= set(not_asked(session))
            if all((c.id, k) in settled for c in session_calls(session) for k in session.criteria):
                session.status = "settled"
                session.save()
    except IntegrityError:  # PostgreSQL: another lead's first reference for it was committed meanwhile
        raise CalibrationError(_settled_meanwhile(ReferenceVerdict.get_or_none(here), call_id, criterion)) from None
    return row


def _settled_meanwhile(reference: ReferenceVerdict | None, call_id: int, criterion: str) -> str:
    what = criterion_of(criterion, Call.get_by_id(call_id))
    if reference is None:
        return f"the reference of {what} was removed since you opened it; nothing was saved: look at it again"
    return (
        f"{what} was settled as {reference.result} by {reference.settled_by} at {reference.settled_at:%H:%M} "
        "since you opened it; nothing was saved: look at it again"
    )


def sessions() -> list[CalibrationSession]:
    """Every calibration session, newest first."""
    return list(CalibrationSession.select().order_by(CalibrationSession.created_at.desc()))


def session(session_id: int) -> CalibrationSession:
    """One calibration session, as stored now."""
    return CalibrationSession.get_by_id(session_id)


def record_view_as(session: CalibrationSession, lead: str, old: str | None, new: str) -> None:
    """Audit that the results were shown as another person of the session."""
    audit(None, lead or "unknown", "calibration view as", f"calibration {session.id}", old, new)
