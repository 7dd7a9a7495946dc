"""The review of one call as plain data for the window: the call, its transcript, its current score with
every criterion's result, disputes and evidence, and its audit log; and the reviewer's actions on it by
ids (override, confirm, dispute, mark reviewed, reassign, assign to an evaluator). Nothing here hands a database
row to a widget. Each action checks the signed-in user's role first (`access.permissions.require`) and writes the
signed-in user's name in the audit log (`acting_name`); the storage layer below does the change."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from qa_desktop.services.access.accounts import AccountError
from qa_desktop.services.access.identity import acting_name, current_user
from qa_desktop.services.access.permissions import EVALUATOR, allowed, refusal, require
from qa_desktop.services.library import visible
from qa_desktop.services.trust.disputes import raise_dispute
from qa_desktop.storage import repository
from qa_desktop.storage import review as stored
from qa_desktop.storage.library import LibraryFilter, LibraryRow, Listed, call_ids, call_name, rows
from qa_desktop.storage.models import Agent, Call, CriterionResultRow, Score, User, database
from qa_desktop.storage.no_agent import shown_agent
from qa_desktop.storage.people import REASSIGN
from qa_desktop.storage.people import reassign_call as stored_reassign
from qa_desktop.storage.recordings import needs_search, recording_file
from qa_desktop.storage.scorecards import parsed_scorecard
from scoring.display import Timeline
from scoring.redact import redacted_spans
from scoring.scorecard import Scorecard
from scoring.transcript import TEXT, Utterance, Word

T = TypeVar("T", Call, CriterionResultRow)


class OfMedium:
    """A call or a moment of one, audio or text (`medium`)."""

    medium: str

    @property
    def is_text(self) -> bool:
        """A chat, email or ticket (no recording)."""
        return self.medium == TEXT


@dataclass(frozen=True)
class DisputeNote:
    """A dispute on a criterion, as the scorecard shows it."""

    status: str
    agent_name: str
    reason: str
    resolved_by: str | None
    resolution: str | None


@dataclass(frozen=True)
class ResultView:
    """One criterion's result on a call."""

    id: int
    criterion: str
    section: str
    result: str
    override: str | None
    override_by: str | None
    override_comment: str | None
    critical: bool
    confidence: float
    reason: str
    evidence: list[dict]
    needs_review: bool
    checked: str | None
    revision: int  # as read: a change by id with this revision is refused if someone changed it since
    disputes: list[DisputeNote] = field(default_factory=list)

    @property
    def effective(self) -> str:
        """The result that counts: the reviewer's override, else the automatic result."""
        return self.override or self.result


@dataclass(frozen=True)
class ScoreView:
    """A call's current score and the scorecard version it was scored with (parsed once per version)."""

    overall: float
    empathy: float
    compliance: float
    auto_fail: bool
    analysis: dict
    scorecard_name: str
    scorecard_hash: str
    card: Scorecard
    results: list[ResultView]


@dataclass(frozen=True)
class AuditLine:
    """One change in a call's audit log."""

    at: dt.datetime
    actor: str
    action: str
    target: str
    old: str | None
    new: str | None
    comment: str


@dataclass(frozen=True)
class CallView(OfMedium):
    """Everything the review shows of one call."""

    id: int
    path: str  # as stored: a card number in a name redacted (`recording_path` finds the file)
    sha256: str
    call_time: dt.datetime | None
    duration_s: float
    channels: int
    agent_channel: int | None
    medium: str
    timed: bool
    agent_id: int
    agent_name: str
    team_name: str | None
    driver: str | None  # the primary call driver's id (why the customer called), if one was found
    reviewed: bool
    reviewed_by: str | None
    revision: int  # as read: a change with this revision is refused if someone changed the call's review since
    assigned_to: str | None
    transcript_deleted_at: dt.datetime | None
    recording_deleted_at: dt.datetime | None
    unscored: str | None
    utterances: list[Utterance]
    score: ScoreView | None
    audit: list[AuditLine]

    def redacted(self) -> list[tuple[float, float]]:
        """The (start, end) of every redacted stretch, for the waveform."""
        return redacted_spans(self.utterances)

    @property
    def timeline(self) -> Timeline:
        """How the review says where a moment is: m:ss, or the message number when the file gave no times."""
        return Timeline.of(self.utterances, self.timed)


def _result(row: CriterionResultRow) -> ResultView:
    return ResultView(
        row.id,
        row.criterion,
        row.section,
        row.result,
        row.override,
        row.override_by,
        row.override_comment,
        row.critical,
        row.confidence,
        row.reason,
        list(row.evidence),
        row.needs_review,
        row.checked,
        row.revision,
        [DisputeNote(d.status, d.agent_name, d.reason, d.resolved_by, d.resolution) for d in row.disputes],
    )


def score_view(call: Call) -> ScoreView | None:
    """The call's current score, if it was scored."""
    score = repository.current_score(call)
    if score is None:
        return None
    card = score.scorecard
    return ScoreView(
        score.overall,
        score.empathy,
        score.compliance,
        bool(score.auto_fail),
        dict(score.analysis),
        card.name,
        card.hash,
        parsed_scorecard(card),
        [_result(r) for r in stored.current_results(score)],
    )


def audit_lines(call_id: int) -> list[AuditLine]:
    """The call's audit log, newest first; a reassignment from or to the calls without an agent's name says
    '(no agent)'."""
    lines = []
    for e in stored.call_audit(call_id):
        old, new = (shown_agent(v) if e.action == REASSIGN and v else v for v in (e.old, e.new))
        lines.append(AuditLine(e.at, e.actor, e.action, e.target, old, new, e.comment))
    return lines


def _call_view(call_id: int, utterances: list[Utterance] | None = None) -> CallView:
    call = stored.call_for_review(call_id)
    require(current_user(), "view call", call)
    return CallView(
        call.id,
        call.path,  # as stored: where a redacted name needs a search, `recording_path` finds the file
        call.sha256,
        call.call_time,
        call.duration_s,
        call.channels,
        call.agent_channel,
        call.medium,
        call.timed,
        call.agent_id,
        call.agent.name,
        call.team.name if call.team_id else None,
        stored.primary_driver(call.id),
        call.reviewed,
        call.reviewed_by,
        call.revision,
        call.assigned_to,
        call.transcript_deleted_at,
        call.recording_deleted_at,
        call.unscored,
        transcript(call.id) if utterances is None else utterances,
        score_view(call),
        audit_lines(call.id),
    )


class Recorded(Protocol):
    """A call as a view holds it: its recording's path as stored (a card number in a name redacted) and content hash."""

    @property
    def path(self) -> str: ...

    @property
    def sha256(self) -> str: ...


def recording_path(view: Recorded) -> str:
    """Where the call's recording is; hashes files when its name was stored redacted (`recording_needs_search`): off
    the UI thread then."""
    return recording_file(view.path, view.sha256)


def recording_needs_search(view: Recorded) -> bool:
    """Whether `recording_path` hashes files to find the call's recording."""
    return needs_search(view.path)


def open_call(call_id: int) -> CallView:
    """The call as the review shows it (a few indexed queries, whatever the library's size), if the signed-in
    user may see it (PermissionDenied otherwise: an agent sees only their own calls)."""
    return _call_view(call_id)


def refreshed(view: CallView) -> CallView:
    """The same call after a change: what a review action can change is read again; the transcript is kept."""
    return _call_view(view.id, view.utterances)


def result(result_id: int) -> ResultView:
    """One criterion result."""
    return _result(CriterionResultRow.get_by_id(result_id))


def _call_of(result_id: int) -> Call:
    return Score.get_by_id(CriterionResultRow.get_by_id(result_id).score_id).call


def _as_shown(row: T, revision: int | None) -> T:
    """The row with the revision the window showed (when given), so that a change made meanwhile by someone
    else is refused (StaleReviewError) rather than overwritten."""
    if revision is not None:
        row.revision = revision
    return row


def override(
    call_id: int, criterion: str, new: str, comment: str, reviewer: str = "", revision: int | None = None
) -> None:
    """Override a criterion of the call's current score (QA lead, admin, or an evaluator on a call assigned to
    them; ReviewError when it cannot be done as asked, StaleReviewError when the result is no longer at the
    `revision` shown)."""
    require(current_user(), "review", Call.get_by_id(call_id))
    row = _as_shown(stored.current_result(call_id, criterion), revision)
    stored.override(row, new, comment, acting_name(reviewer))


def confirm(result_id: int, reviewer: str = "", revision: int | None = None) -> None:
    """Record that the reviewer checked the criterion's result (audited; StaleReviewError when the result is no
    longer at the `revision` shown)."""
    require(current_user(), "review", _call_of(result_id))
    stored.mark_checked(
        _as_shown(CriterionResultRow.get_by_id(result_id), revision), acting_name(reviewer), "confirmed"
    )


def evidence_played(result_id: int, reviewer: str = "") -> None:
    """Playing a criterion's evidence counts as checking it, for those who may review the call; for anyone
    else (a coach, an agent) it records nothing."""
    if allowed(current_user(), "review", _call_of(result_id)):
        stored.mark_checked(CriterionResultRow.get_by_id(result_id), acting_name(reviewer), "evidence")


def dispute(call_id: int, criterion: str, agent_name: str, reason: str, reviewer: str, requested: str) -> None:
    """Raise a dispute on a criterion of the call on the agent's behalf (DisputeError when it cannot be;
    the disputes service checks the role)."""
    raise_dispute(stored.current_result(call_id, criterion), agent_name, reason, reviewer, requested)


def set_reviewed(call_id: int, reviewed: bool = True, reviewer: str = "", revision: int | None = None) -> None:
    """Mark the call reviewed, or not (audited; StaleReviewError when the call's review is no longer at the
    `revision` shown)."""
    call = Call.get_by_id(call_id)
    require(current_user(), "review", call)
    stored.set_reviewed(_as_shown(call, revision), acting_name(reviewer), reviewed)


def reassign_call(call_id: int, agent_id: int, actor: str = "", revision: int | None = None) -> bool:
    """Attribute the call to another agent (QA lead or admin); False when it already is that agent's
    (StaleReviewError when the call's review is no longer at the `revision` shown)."""
    require(current_user(), "manage agents")
    call = Call.get_by_id(call_id)
    if call.agent_id == agent_id:
        return False
    stored_reassign(_as_shown(call, revision), Agent.get_by_id(agent_id), acting_name(actor))
    return True


@dataclass(frozen=True)
class Assignment:
    """What assigning calls did: the calls now assigned to `evaluator` (None: nobody), those that already were, and
    those refused, each with why (gone, or assigned or reviewed by someone else since the lead's list showed it);
    `left` calls were not looked at (cancelled: the batches done stay done)."""

    evaluator: str | None
    assigned: list[int]
    unchanged: list[int]
    refused: dict[int, str]
    left: int = 0

    def summary(self) -> str:
        """One line: how many calls were assigned, already were, were refused, and were left when cancelled."""
        done = len(self.assigned) + len(self.unchanged)
        line = f"{done:,} call{'' if done == 1 else 's'} assigned to {self.evaluator or 'nobody'}"
        if self.unchanged:
            line += f" ({len(self.unchanged):,} already {'was' if len(self.unchanged) == 1 else 'were'})"
        line += f"; {len(self.refused):,} refused" if self.refused else ""
        return line + (f"; cancelled, {self.left:,} left as they were" if self.left else "")


class Job(Protocol):
    """Long work's link to whoever waits for it (`app.background.Task`): progress, and whether to stop."""

    def report(self, done: int, total: int) -> None: ...

    def cancelled(self) -> bool: ...


ASSIGN_BATCH = 2000  # calls per transaction: a cancel or a crash leaves whole batches


def assign_calls(
    calls: Sequence[int], evaluator: str | None, shown: Mapping[int, Listed] | None = None, job: Job | None = None
) -> Assignment:
    """Ask an evaluator (a user's name) to review calls, or nobody (None); QA lead or admin. A transaction per
    batch of calls: each read and locked, checked and changed with one audit entry per call changed. A call is
    refused (the others still assigned) when it is gone, or when `shown` (call id -> its assignment as the lead's
    list read it) no longer holds: another lead assigned or reviewed it meanwhile. `job` hears the progress after
    each batch and may stop the work between batches."""
    require(current_user(), "assign")
    name = (evaluator or "").strip() or None
    calls = list(dict.fromkeys(calls))
    if name is not None and not User.select().where((User.name == name) & User.active).exists():
        raise AccountError(f"no active user called '{name}' to assign {_calls_named(calls)} to")
    shown = shown or {}
    assigned: list[int] = []
    unchanged: list[int] = []
    refused: dict[int, Listed | None] = {}  # call id -> its assignment as found (None: gone)
    actor = acting_name()
    for start in range(0, len(calls), ASSIGN_BATCH):
        if job is not None and job.cancelled():
            break
        batch = calls[start : start + ASSIGN_BATCH]
        with database.atomic():
            now = stored.assignments(batch)
            changed = []
            for call_id in batch:
                found = now.get(call_id)
                if found is not None and found.assigned_to == name:
                    unchanged.append(call_id)  # as asked, whoever did it
                elif found is None or shown.get(call_id, found) != found:
                    refused[call_id] = found
                else:
                    changed.append(call_id)
            stored.assign(changed, name, actor)
        assigned += changed
        if job is not None:
            job.report(min(start + ASSIGN_BATCH, len(calls)), len(calls))
    left = len(calls) - len(assigned) - len(unchanged) - len(refused)
    return Assignment(name, assigned, unchanged, _named_refusals(refused, shown), left)


def missing_calls(calls: Sequence[int]) -> list[int]:
    """The ids among these that name no call in the library, in the order given; read ASSIGN_BATCH at a time (a
    query per id took the CLI's check longer than the assigning)."""
    ids = list(dict.fromkeys(calls))
    found: set[int] = set()
    for start in range(0, len(ids), ASSIGN_BATCH):
        found |= stored.existing(ids[start : start + ASSIGN_BATCH])
    return [i for i in ids if i not in found]


def _named_refusals(refused: dict[int, Listed | None], shown: Mapping[int, Listed]) -> dict[int, str]:
    """Why each refused call was (call id -> its assignment as found, None: gone), the call named as the library
    names it; the names read in batches."""
    ids = [i for i, now in refused.items() if now is not None]
    names: dict[int, str] = {}
    for start in range(0, len(ids), ASSIGN_BATCH):
        names |= {c.id: stored.named(c) for c in stored.calls_with_agents(ids[start : start + ASSIGN_BATCH])}
    why: dict[int, str] = {}
    for call_id, now in refused.items():
        if now is None:
            why[call_id] = f"a selected call (id {call_id}) is no longer in the library"
        elif shown[call_id].assigned_to != now.assigned_to:
            why[call_id] = f"{names[call_id]} was assigned to {now.assigned_to or 'nobody'} meanwhile"
        else:
            why[call_id] = f"{names[call_id]} was marked {'reviewed' if now.reviewed else 'not reviewed'} meanwhile"
    return why


def _calls_named(calls: Sequence[int]) -> str:
    """The calls to assign, as a message names them: one by its name (as the library names it), more counted."""
    if len(calls) != 1:
        return f"{len(calls):,} calls"
    call = Call.get_or_none(Call.id == calls[0])
    return stored.named(call) if call else f"a call that is no longer in the library (id {calls[0]})"


@dataclass(frozen=True)
class AssignChoices:
    """What the assign menu offers the signed-in user: why they may not assign ("" when they may), and the names of
    the active evaluators to assign calls to (none when they may not)."""

    refusal: str
    evaluators: list[str]


def assign_choices() -> AssignChoices:
    """The assign menu's choices, read now."""
    why = refusal(current_user(), "assign")
    query = User.select(User.name).where((User.role == EVALUATOR) & User.active).order_by(User.name)
    return AssignChoices(why, [] if why else [user.name for user in query])


def review_refusal(call_id: int) -> str:
    """Why the signed-in user may not change this call's review, "" when they may (for the app to enable its
    buttons, or say why not)."""
    return refusal(current_user(), "review", Call.get_by_id(call_id))


def library_row(call_id: int, shown: LibraryFilter) -> LibraryRow | None:
    """The call's row as the library lists it under a filter (without its search hit: a review action does
    not change the transcript, so the call still matches a search it matched), or None when it no longer
    passes the filter."""
    if shown.call_ids is not None and call_id not in shown.call_ids:
        return None
    if not call_ids(visible(dataclasses.replace(shown, call_ids=[call_id], search=""))):
        return None
    found = rows([call_id])
    return found[0] if found else None


@dataclass(frozen=True)
class CallSummary(OfMedium):
    """A call as a list names it: its name (`call_name`: agent and call time), agent, medium and length, and its
    recording (`recording_path` finds it)."""

    id: int
    name: str
    agent_name: str
    medium: str
    duration_s: float
    path: str  # as stored: a card number in a name redacted
    sha256: str
    timed: bool


def call_summaries(ids: list[int]) -> dict[int, CallSummary]:
    """Call id -> summary for these calls, in one query (no file is looked for)."""
    return {
        c.id: CallSummary(
            c.id,
            call_name(c.agent.name, c.call_time, c.path),
            c.agent.name,
            c.medium,
            c.duration_s,
            c.path,
            c.sha256,
            c.timed,
        )
        for c in stored.calls_with_agents(ids)
    }


def silent_spans(call_id: int) -> list[tuple[float, float]]:
    """Where card data was said in a call (start, end): played silent, hatched on the waveform."""
    return redacted_spans(transcript(call_id))


def transcript(call_id: int) -> list[Utterance]:
    """A call's utterances in conversation order."""
    return [
        Utterance(u.speaker, u.start, u.end, u.text, [Word(**w) for w in u.words])
        for u in repository.call_transcript(call_id)
    ]
