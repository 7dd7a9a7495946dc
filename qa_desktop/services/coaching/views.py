"""The coaching window's data as plain values, and its actions by id: the suggested focus for an agent,
the sessions, one session with its clips (read with their calls and agents in one query) and its
follow-up, and the changes a coach makes. Widgets get no database rows from here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from qa_desktop.services.access.identity import current_user
from qa_desktop.services.coaching import sessions as stored
from qa_desktop.services.coaching.focus import Focus, FollowUp, comparison, follow_up, suggest_focus
from qa_desktop.services.coaching.pack import call_timeline, excerpt, export_pack
from qa_desktop.services.review import OfMedium
from qa_desktop.storage.models import Agent, AuditEntry, Call, CoachingClip, CoachingSession, database
from qa_desktop.storage.review import session_target, stale


@dataclass(frozen=True)
class SessionSummary:
    """A session as the list shows it."""

    id: int
    status: str
    title: str


@dataclass(frozen=True)
class SessionView:
    """One session: who, what, when, the coach's texts, and the main agent against the team on its focus."""

    id: int
    title: str
    coach: str
    status: str
    due: dt.datetime | None
    goals: str
    notes: str
    criteria: list[str]
    agents: list[int]  # agent ids, the main one first
    delivered_at: dt.datetime | None
    focus: list[Focus]
    revision: int  # as read: a change from this view is refused once someone else changed the session


@dataclass(frozen=True)
class ClipView(OfMedium):
    """A moment of a session, with its call."""

    id: int
    criterion: str
    kind: str
    start: float
    end: float
    note: str
    call_id: int
    agent_name: str
    call_time: dt.datetime | None
    path: str  # as stored: a card number in a name redacted (`review.recording_path` finds the file)
    sha256: str
    medium: str
    duration_s: float
    moment: str  # where in the call: m:ss-m:ss, or msg N-M in a text conversation without times
    session_id: int
    revision: int  # as read: a change from this view is refused once someone else changed the clip


def suggestions(agent_id: int, criteria: list[str]) -> tuple[list[Focus], list[Focus]]:
    """The suggested focus, and the agent against the team on every other criterion (in scorecard order)."""
    agent = Agent.get_by_id(agent_id)
    suggested = suggest_focus(agent)
    chosen = {f.criterion for f in suggested}
    return suggested, comparison(agent, [c for c in criteria if c not in chosen])


def session_list() -> list[SessionSummary]:
    """Every session, newest first."""
    query = CoachingSession.select(CoachingSession.id, CoachingSession.status, CoachingSession.title)
    return [
        SessionSummary(*row)
        for row in query.order_by(CoachingSession.created_at.desc(), CoachingSession.id.desc()).tuples()
    ]


@dataclass(frozen=True)
class SessionListing:
    """The sessions as stored, and whether the session open in a window (`open_id`) is still among them."""

    sessions: list[SessionSummary]
    open_id: int | None
    deleted: str | None  # the open session is gone: " by Kim at 10:02" (who and when, as the log says, else "")


def session_listing(open_id: int | None) -> SessionListing:
    """Every session (as `session_list`), and who deleted the session `open_id` if it is no longer stored."""
    sessions = session_list()
    if open_id is None or any(s.id == open_id for s in sessions):
        return SessionListing(sessions, open_id, None)
    entry = (
        AuditEntry.select()
        .where(AuditEntry.call.is_null() & (AuditEntry.target == session_target(open_id)))
        .where(AuditEntry.action == "delete session")
        .order_by(AuditEntry.id.desc())
        .first()
    )
    return SessionListing(sessions, open_id, f" by {entry.actor} at {entry.at:%H:%M}" if entry else "")


def own_sessions() -> list[SessionSummary]:
    """The signed-in agent's sessions (those about them alone, whose packs they may export), newest first."""
    user = current_user()
    mine = {
        session_id
        for session_id, agents in CoachingSession.select(CoachingSession.id, CoachingSession.agents).tuples()
        if user.agent_id is not None and set(agents) == {user.agent_id}
    }
    return [s for s in session_list() if s.id in mine]


def open_session(session_id: int) -> SessionView:
    """A session as the window shows it. Refused (StaleReviewError, naming who) when it was deleted."""
    s = _stored(session_id)
    agents = stored.session_agents(s)
    return SessionView(
        s.id,
        s.title,
        s.coach,
        s.status,
        s.due,
        s.goals,
        s.notes,
        list(s.criteria),
        list(s.agents),
        s.delivered_at,
        comparison(agents[0], s.criteria) if agents else [],
        s.revision,
    )


def clip_views(session_id: int) -> list[ClipView]:
    """The session's clips in order, each with its call and agent (one query; no file is looked for)."""
    query = (
        CoachingClip.select(CoachingClip, Call, Agent)
        .join(Call)
        .join(Agent)
        .where(CoachingClip.session == session_id)
        .order_by(CoachingClip.position, CoachingClip.id)
    )
    return [
        ClipView(
            c.id,
            c.criterion,
            c.kind,
            c.start,
            c.end,
            c.note,
            c.call.id,
            c.call.agent.name,
            c.call.call_time,
            c.call.path,
            c.call.sha256,
            c.call.medium,
            c.call.duration_s,
            call_timeline(c.call).span(c.start, c.end),
            c.session_id,
            c.revision,
        )
        for c in query
    ]


def follow_up_rows(view: SessionView) -> list[FollowUp]:
    """The main agent's results on the focus before and since delivery (none before delivery)."""
    if view.delivered_at is None or not view.agents:
        return []
    return follow_up(Agent.get_by_id(view.agents[0]), view.criteria, view.delivered_at)


def clip_excerpt(clip: ClipView) -> list[tuple[str, str, str]]:
    """The utterances of a clip's moment: (where: m:ss or msg N, speaker, text)."""
    return excerpt(Call.get_by_id(clip.call_id), clip.start, clip.end)


def create(agent_ids: list[int], criteria: list[str], coach: str) -> int:
    """A new session for these agents (the main one first) on these criteria, with proposed clips; its id."""
    found = {a.id: a for a in Agent.select().where(Agent.id.in_(agent_ids))}
    return stored.create_session([found[i] for i in agent_ids], criteria, coach).id


def save_texts(view: SessionView, goals: str, notes: str, due: dt.datetime, coach: str) -> SessionView:
    """Store a session's goals, private notes and due date (a coach or admin); the view as saved. Refused
    (StaleReviewError, naming who) when the session changed since the view was read."""
    session = _as_read(view)
    stored.save_texts(session, goals, notes, due, coach)
    return replace(view, goals=goals, notes=notes, due=due, revision=session.revision)


def set_status(view: SessionView, status: str, coach: str) -> SessionView:
    """Move a session on (audited; delivering it stamps the date its follow-up counts from); the view as saved.
    Refused (StaleReviewError, naming who) when the session changed since the view was read."""
    stored.set_status(_as_read(view), status, coach)
    return open_session(view.id)


def _as_read(view: SessionView) -> CoachingSession:
    session = _stored(view.id)
    session.revision = view.revision
    return session


def _stored(session_id: int) -> CoachingSession:
    """The session; StaleReviewError, naming who, when it was deleted (by another coach, since the list was read)."""
    session = CoachingSession.get_or_none(CoachingSession.id == session_id)
    if session is None:
        raise stale(CoachingSession(id=session_id), session_target(session_id))
    return session


def delete(session_id: int, coach: str) -> None:
    """Delete a session and its clips (the audit log keeps its title)."""
    stored.delete_session(_stored(session_id), coach)


def save_clip_note(clip: ClipView, note: str, coach: str = "") -> ClipView:
    """The coach's note on a clip, for the agent (a coach or admin); the view as saved. Refused (StaleReviewError,
    naming who) when the clip changed or was removed since the view was read."""
    row = _clip_as_read(clip)
    stored.set_clip_note(row, note, coach)
    return replace(clip, note=note, revision=row.revision)


def remove_clip(clip: ClipView, coach: str = "") -> None:
    """Take a clip out of its session (a coach or admin); refused (StaleReviewError, naming who) when the clip
    changed since the view was read."""
    stored.remove_clip(_clip_as_read(clip), coach)


def _clip_as_read(clip: ClipView) -> CoachingClip:
    """The clip as the view shows it (its revision too), whether or not it is still stored."""
    return CoachingClip(
        id=clip.id,
        session=clip.session_id,
        call=clip.call_id,
        start=clip.start,
        end=clip.end,
        note=clip.note,
        revision=clip.revision,
    )


def add_moment(session_id: int, call_id: int, seconds: float) -> None:
    """Add a call's moment (10 s either side) on the session's first focus criterion: to improve when the
    call is one of the session's agents', else an example. Refused (StaleReviewError, naming who) when the session
    was deleted meanwhile."""
    with database.atomic():
        session = stored.held_session(session_id)
        call = Call.get_by_id(call_id)
        kind = "improve" if call.agent_id in session.agents else "example"
        stored.add_clip(session, call, session.criteria[0], kind, seconds - 10, seconds + 10)


def export(session_id: int, out: Path, progress: Callable[[int, int], None], anonymise_peers: bool) -> Path:
    """Write a session's pack into a folder; the pack's folder."""
    return export_pack(CoachingSession.get_by_id(session_id), out, progress, anonymise_peers=anonymise_peers)[0]
