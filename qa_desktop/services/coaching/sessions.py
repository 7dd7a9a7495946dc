"""Coaching sessions: create one for an agent (or several) on focus criteria, with proposed clips
(the agent's calls where a criterion failed, peers' calls where it passed), edit them, and move
them through planned, delivered and acknowledged."""

from __future__ import annotations

import datetime as dt

from peewee import fn

from qa_desktop.services.access.identity import acting_name, current_user
from qa_desktop.services.access.permissions import require
from qa_desktop.services.coaching.focus import peers
from qa_desktop.storage.criteria import criterion_names
from qa_desktop.storage.models import Agent, Call, CoachingClip, CoachingSession, CriterionResultRow, Score, database
from qa_desktop.storage.no_agent import NO_AGENT, has_agent
from qa_desktop.storage.review import audit, claim, clip_target, locked, named, session_target, stale

STATUSES = ("planned", "delivered", "acknowledged")
PADDING_S = 3.0  # seconds of context either side of the evidence
LONGEST_S = 30.0  # evidence spanning longer than this is cut to its start
JOIN_S = 8.0  # evidence this close after the first piece plays in the same clip
TO_IMPROVE, EXAMPLES = 3, 2  # clips proposed per criterion


class CoachingError(ValueError):
    """A session change that cannot be made as asked."""


def criteria_given(given: list[str]) -> list[str]:
    """The criterion ids that ids or names (as the app shows them) stand for, matched without case or surrounding
    spaces; CoachingError naming those that are neither, with the known criteria in both forms. Without a scorecard
    stored yet, the ids as given."""
    names = criterion_names()
    if not names:
        return [g.strip() for g in given]
    known = {name.strip().casefold(): criterion for criterion, name in names.items()}
    known |= {criterion.casefold(): criterion for criterion in names}  # an id wins over a name that reads the same
    unknown = [g.strip() for g in given if g.strip().casefold() not in known]
    if unknown:
        both = ", ".join(f"{criterion} ({name})" for criterion, name in sorted(names.items()))
        raise CoachingError(f"unknown criteria: {', '.join(unknown)} (known, by id or name: {both})")
    return [known[g.strip().casefold()] for g in given]


def clip_span(evidence: list[dict], duration_s: float, padding_s: float = PADDING_S) -> tuple[float, float] | None:
    """The span of a call to play for this evidence: its first piece and any that follow within
    JOIN_S, padded, never past the call's ends, at most LONGEST_S."""
    if not evidence:
        return None
    pieces = sorted(evidence, key=lambda e: e["start"])
    start, end = pieces[0]["start"], pieces[0]["end"]
    for piece in pieces[1:]:
        if piece["start"] - end <= JOIN_S and piece["end"] - start <= LONGEST_S:
            end = max(end, piece["end"])
    start, end = max(0.0, start - padding_s), min(duration_s, end + padding_s)
    end = min(end, start + LONGEST_S + 2 * padding_s)
    return (start, end) if end > start else None


def _results(agent_ids: list[int], criterion: str, effective: str):
    """Current results of a criterion on these agents' calls, newest call first, most confident first."""
    when = Call.call_time.desc(nulls="LAST")
    return (
        CriterionResultRow.select(CriterionResultRow, Score, Call)
        .join(Score)
        .join(Call)
        .where(
            Score.current
            & (CriterionResultRow.criterion == criterion)
            & Call.agent.in_(agent_ids)
            & (fn.COALESCE(CriterionResultRow.override, CriterionResultRow.result) == effective)
        )
        .order_by(when, CriterionResultRow.confidence.desc())
    )


def propose_clips(agent_ids: list[int], criterion: str) -> list[dict]:
    """Moments for a criterion: where the agents failed it (newest first) and where peers passed it."""
    proposals = []
    for kind, owners, effective, wanted in (
        ("improve", agent_ids, "fail", TO_IMPROVE),
        ("example", _peers_of(agent_ids), "pass", EXAMPLES),
    ):
        for row in _results(owners, criterion, effective):
            span = clip_span(row.evidence, row.score.call.duration_s)
            if span is not None:
                proposals.append(
                    {"call": row.score.call.id, "criterion": criterion, "kind": kind, "start": span[0], "end": span[1]}
                )
            if sum(p["kind"] == kind for p in proposals) == wanted:
                break
    return proposals


def _peers_of(agent_ids: list[int]) -> list[int]:
    found = {p for agent_id in agent_ids for p in peers(Agent.get_by_id(agent_id))}
    return sorted(found - set(agent_ids))


def create_session(
    agents: list[Agent], criteria: list[str], coach: str = "", title: str = "", due: dt.datetime | None = None
) -> CoachingSession:
    """A planned session on these criteria with proposed clips (coach or admin)."""
    require(current_user(), "coach")
    coach = acting_name(coach)
    if not agents:
        raise CoachingError("a session needs at least one agent")
    if not all(has_agent(a.name) for a in agents):  # as the coaching window offers neither
        raise CoachingError(f"'{NO_AGENT}' holds the calls imported without an agent's name: not an agent to coach")
    if not criteria:
        raise CoachingError("a session needs at least one focus criterion")
    ids = [a.id for a in agents]
    names = criterion_names()
    with database.atomic():
        session = CoachingSession.create(
            title=title or f"{', '.join(a.name for a in agents)}: {', '.join(names.get(c, c) for c in criteria)}",
            agents=ids,
            criteria=list(criteria),
            coach=coach,
            due=due,
        )
        chosen: list[dict] = []
        for criterion in criteria:
            chosen += [p for p in propose_clips(ids, criterion) if not any(_overlap(p, c) for c in chosen)]
        for position, proposal in enumerate(chosen):
            CoachingClip.create(session=session, position=position, **proposal)
    return session


def _overlap(one: dict, other: dict) -> bool:
    """Whether two proposed clips play the same moment of the same call (it is proposed once, for its
    first focus criterion)."""
    return one["call"] == other["call"] and one["start"] < other["end"] and other["start"] < one["end"]


def delete_session(session: CoachingSession, actor: str) -> None:
    """Delete a session and its clips; the audit log keeps what was deleted."""
    require(current_user(), "coach")
    actor = acting_name(actor)
    with database.atomic():
        audit(
            None,
            actor or "coach",
            "delete session",
            session_target(session.id),
            session.title,
            None,
            f"{session.status}, {CoachingClip.select().where(CoachingClip.session == session).count()} clips",
        )
        CoachingClip.delete().where(CoachingClip.session == session).execute()
        session.delete_instance()


def add_clip(
    session: CoachingSession, call: Call, criterion: str, kind: str, start: float, end: float, note: str = ""
) -> CoachingClip:
    """Add a moment the coach chose (clipped to the call), after the session's last clip: its position is taken in
    the transaction that adds it, with the session held, so two coaches adding at once get two positions. Refused
    (StaleReviewError, naming who) when the session was deleted meanwhile."""
    require(current_user(), "coach")
    start, end = max(0.0, start), min(call.duration_s, end)
    if end <= start:
        raise CoachingError(f"a clip must end after it starts ({start:.1f}-{end:.1f} s)")
    with database.atomic():
        held_session(session.id)
        last = CoachingClip.select(fn.MAX(CoachingClip.position)).where(CoachingClip.session == session.id).scalar()
        return CoachingClip.create(
            session=session.id,
            call=call,
            criterion=criterion,
            kind=kind,
            start=start,
            end=end,
            note=note,
            position=0 if last is None else last + 1,
        )


def held_session(session_id: int) -> CoachingSession:
    """The session as stored, held until the caller's transaction ends (another change to it waits); refused
    (StaleReviewError, naming who) when it was deleted."""
    session = locked(CoachingSession.select().where(CoachingSession.id == session_id)).get_or_none()
    if session is None:
        raise stale(CoachingSession(id=session_id), session_target(session_id))
    return session


def set_clip_note(clip: CoachingClip, note: str, actor: str = "") -> None:
    """The coach's note on a clip (audited, the note before and after). Refused (StaleReviewError) when the clip
    changed or went since `clip` was read."""
    require(current_user(), "coach")
    actor = acting_name(actor)
    if note == clip.note:
        return
    with database.atomic():
        claim(clip)
        audit(None, actor or "coach", "clip note", clip_target(clip), clip.note, note)
        clip.note = note
        clip.save(only=[CoachingClip.note])


def remove_clip(clip: CoachingClip, actor: str = "") -> None:
    """Take a clip out of its session (audited). Refused (StaleReviewError) when the clip changed since `clip` was
    read: its note, new to this coach, is not thrown away unseen."""
    require(current_user(), "coach")
    actor = acting_name(actor)
    with database.atomic():
        claim(clip)
        where = f"{clip.start:.1f}-{clip.end:.1f} s of {named(clip.call)}"  # the times after the call's read as a card
        audit(None, actor or "coach", "remove clip", clip_target(clip), clip.note, None, where)
        CoachingClip.delete().where(CoachingClip.id == clip.id).execute()


def save_texts(session: CoachingSession, goals: str, notes: str, due: dt.datetime | None, actor: str = "") -> None:
    """A session's goals, the coach's private notes and the due date (audited: which of them changed). Refused
    (StaleReviewError) when the session changed since `session` was read."""
    require(current_user(), "coach")
    actor = acting_name(actor)
    changed = [
        name
        for name, old, new in (
            ("goals", session.goals, goals),
            ("notes", session.notes, notes),
            ("due date", session.due, due),
        )
        if old != new
    ]
    if not changed:
        return
    with database.atomic():
        claim(session, session_target(session.id))
        session.goals, session.notes, session.due = goals, notes, due
        session.save(only=[CoachingSession.goals, CoachingSession.notes, CoachingSession.due])
        audit(None, actor or "coach", "session texts", session_target(session.id), comment=", ".join(changed))


def set_status(session: CoachingSession, status: str, actor: str) -> CoachingSession:
    """Move a session on; delivering it stamps the date its follow-up counts from. Refused (StaleReviewError)
    when the session changed since `session` was read."""
    require(current_user(), "coach")
    actor = acting_name(actor)
    if status not in STATUSES:
        raise CoachingError(f"a session's status is one of {', '.join(STATUSES)}, not '{status}'")
    with database.atomic():
        claim(session, session_target(session.id))
        audit(None, actor or "coach", "session status", session_target(session.id), session.status, status)
        session.status = status
        if status != "planned" and session.delivered_at is None:
            session.delivered_at = dt.datetime.now().replace(microsecond=0)
        if status == "planned":
            session.delivered_at = None
        session.save()
    return session


def session_agents(session: CoachingSession) -> list[Agent]:
    """The session's agents, the main one first."""
    found = {a.id: a for a in Agent.select().where(Agent.id.in_(session.agents))}
    return [found[i] for i in session.agents if i in found]


def clips(session: CoachingSession) -> list[CoachingClip]:
    """The session's clips in order."""
    return list(
        CoachingClip.select().where(CoachingClip.session == session).order_by(CoachingClip.position, CoachingClip.id)
    )


def previous_session(session: CoachingSession) -> CoachingSession | None:
    """The main agent's last delivered session before this one (its follow-up goes into the next pack)."""
    main = session.agents[0] if session.agents else None
    earlier = (
        CoachingSession.select()
        .where(
            (CoachingSession.id != session.id)
            & CoachingSession.delivered_at.is_null(False)
            & (CoachingSession.created_at <= session.created_at)
        )
        .order_by(CoachingSession.delivered_at.desc())
    )
    return next((s for s in earlier if s.agents and s.agents[0] == main), None)
