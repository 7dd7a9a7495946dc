"""Reads and writes of calls, jobs and scores. A call and its score are stored in one transaction."""

from __future__ import annotations

import datetime as dt

from qa_desktop.storage.bulk import BulkInsert
from qa_desktop.storage.call_metadata import CallMetadata
from qa_desktop.storage.drivers import default_drivers, tag_call
from qa_desktop.storage.models import (
    UNASSIGNED,
    Agent,
    Call,
    CriterionResultRow,
    Job,
    Score,
    ScorecardRow,
    UtteranceRow,
    database,
)
from qa_desktop.storage.owners import running_here, this_process
from qa_desktop.storage.people import IMPORT_ACTOR, move_agent, team_named
from scoring.analysis import CallAnalysis
from scoring.drivers import DriverSet
from scoring.scorecard import Scorecard
from scoring.scorer import CallScore
from scoring.transcript import Transcript, Utterance, Word, words_to_dicts


def find_call_by_hash(sha256: str) -> Call | None:
    """The stored call with this content hash, if any."""
    return Call.get_or_none(Call.sha256 == sha256)


def agent_named(name: str | None, team_name: str | None = None) -> Agent:
    """The agent of that name (created if new; 'unassigned' when no name); sets the team if given (teams
    match without case). Moving an agent from one team to another is written in the audit log."""
    agent, _ = Agent.get_or_create(name=(name or "").strip() or UNASSIGNED)
    team = team_named(team_name)
    if team is not None and agent.team_id != team.id and agent.name != UNASSIGNED:
        if agent.team_id is not None:
            move_agent(agent, team.name, IMPORT_ACTOR)
        else:
            agent.team = team
            agent.save()
    return agent


def store_call(
    analysis: CallAnalysis,
    meta: CallMetadata,
    agent_channel: int | None,
    job: Job | None = None,
    scored: tuple[Scorecard, CallScore] | None = None,
    drivers: DriverSet | None = None,
    unscored: str | None = None,
) -> Call:
    """Store an analysed call, its utterances, its driver tags, its score (or why it has none) and its job's
    completion atomically."""
    transcript = analysis.transcript
    with database.atomic():
        agent = agent_named(meta.agent, meta.team)
        call = Call.create(
            path=transcript.file,
            sha256=transcript.sha256,
            duration_s=transcript.duration_s,
            channels=transcript.channels,
            sample_rate=transcript.sample_rate,
            agent=agent,
            team=team_named(meta.team) or agent.team,
            external_id=meta.call_id,
            call_time=meta.call_time,
            agent_channel=agent_channel if transcript.channels == 2 else None,
            model=transcript.model,
            device=transcript.device,
            metadata=meta.extra,
            voice=analysis.voice,
            medium=transcript.medium,
            timed=transcript.timed,
            unscored=unscored,
        )
        rows = [
            {
                "call": call.id,
                "position": i,
                "speaker": u.speaker,
                "start": u.start,
                "end": u.end,
                "text": u.text,
                "words": words_to_dicts(u.words),
            }
            for i, u in enumerate(transcript.utterances)
        ]
        for start in range(0, len(rows), 200):
            UtteranceRow.insert_many(rows[start : start + 200]).execute()
        tag_call(call.id, [u.text for u in transcript.utterances], drivers or default_drivers())
        if scored is not None:
            store_score(call, *scored)
        if job is not None:
            finish_job(job, "done", call=call)
    return call


def scorecard_row(scorecard: Scorecard) -> ScorecardRow:
    """The stored copy of this scorecard version (stored on first use)."""
    row, _ = ScorecardRow.get_or_create(
        hash=scorecard.hash,
        defaults={"key": scorecard.id, "name": scorecard.name, "path": scorecard.path, "text": scorecard.text},
    )
    return row


ScoreRows = tuple[dict, list[dict]]  # a score's row and its criterion results' rows, as plain data


def score_rows(score: CallScore) -> ScoreRows:
    """What storing a score writes (besides call, scorecard and ids), as plain data."""
    automatic = {
        "overall": score.overall,
        "empathy": score.empathy,
        "compliance": score.compliance,
        "auto_fail": score.auto_fail,
    }
    row = {
        "overall": score.overall,
        "empathy": score.empathy,
        "compliance": score.compliance,
        "auto_fail": score.auto_fail,
        "metrics": score.metrics(),
        "analysis": {
            "conversation": score.conversation.to_dict(),
            "sentiment": score.sentiment.to_dict(),
            "automatic_scores": automatic,
        },
        "failed": " ".join(r.criterion.id for r in score.results if r.verdict.result == "fail"),
    }
    return row, [_result_row(r.criterion.weight, r.criterion.critical, r.to_dict()) for r in score.results]


def store_score(call: Call, scorecard: Scorecard, score: CallScore) -> Score:
    """Store a call's score and every criterion result atomically; it becomes the call's current score."""
    row, results = score_rows(score)
    with database.atomic():
        hold_calls([call.id])
        Score.update(current=False).where((Score.call == call) & Score.current).execute()
        if call.unscored:
            Call.update(unscored=None).where(Call.id == call.id).execute()
            call.unscored = None
        stored = Score.create(call=call, scorecard=scorecard_row(scorecard), **row)
        CriterionResultRow.insert_many([{**r, "score": stored.id} for r in results]).execute()
    return stored


def hold_calls(ids: list[int]) -> None:
    """Within a transaction that replaces these calls' current scores: another such transaction on them waits until
    this one ends, then sees its new scores (PostgreSQL; SQLite's write transactions already run one at a time).
    Without it, two rescores at once each marked the old score not current and both new ones stayed current: an
    UPDATE that waited for a row lock skips rows inserted meanwhile. NO KEY UPDATE: a review's audit entry, which
    only refers to the call, does not wait."""
    if not database.for_update:
        return
    ordered = sorted(ids)  # in id order: two batches over the same calls cannot deadlock
    for start in range(0, len(ordered), 500):
        part = ordered[start : start + 500]
        marks = ",".join("?" * len(part))
        database.execute_sql(f"SELECT id FROM call WHERE id IN ({marks}) ORDER BY id FOR NO KEY UPDATE", part)


_SCORE_INSERT = BulkInsert(
    Score,
    (
        "call",
        "scorecard",
        "current",
        "created_at",
        "overall",
        "empathy",
        "compliance",
        "auto_fail",
        "metrics",
        "analysis",
        "failed",
    ),
)
_RESULT_INSERT = BulkInsert(
    CriterionResultRow,
    (
        "score",
        "criterion",
        "section",
        "category",
        "weight",
        "critical",
        "result",
        "credit",
        "confidence",
        "reason",
        "evidence",
        "needs_review",
    ),
)
StoredScore = tuple[list, list[list]]  # a score's values and its results' values (less the score id), to insert


def stored_score(call_id: int, scorecard_id: int, created: dt.datetime, score: CallScore) -> StoredScore:
    """A score as `store_scores` inserts it, every value converted by its field: work a scoring process can do."""
    row, results = score_rows(score)
    values = _SCORE_INSERT.values(
        {"call": call_id, "scorecard": scorecard_id, "current": True, "created_at": created, **row}
    )
    return values, [_RESULT_INSERT.values(r, skip=1) for r in results]


def store_scores(scored: list[tuple[int, StoredScore | str]]) -> None:
    """Many calls' new current scores in one transaction (a rescore's batch), as `store_score` stores them; a
    str instead of a score is why that call is not scored (as `mark_unscored`)."""
    if not scored:
        return
    with database.atomic():
        ids = [call_id for call_id, _ in scored]
        hold_calls(ids)
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            database.execute_sql(f"UPDATE score SET current = ? WHERE current AND call_id IN ({marks})", [False, *part])
            database.execute_sql(
                f"UPDATE call SET unscored = NULL WHERE unscored IS NOT NULL AND id IN ({marks})", part
            )
        for call_id, reason in scored:
            if isinstance(reason, str):
                database.execute_sql("UPDATE call SET unscored = ? WHERE id = ?", [reason, call_id])
        results = []
        for _, stored in scored:
            if not isinstance(stored, str):
                score_id = database.insert_returning_id(_SCORE_INSERT.sql(), stored[0])
                results += [[score_id, *values] for values in stored[1]]
        if results:
            database.execute_many(_RESULT_INSERT.sql(), results)


def _result_row(weight: float, critical: bool, result: dict) -> dict:
    return {
        "criterion": result["id"],
        "section": result["section"],
        "category": result["category"],
        "weight": weight,
        "critical": critical,
        "result": result["result"],
        "credit": result["credit"],
        "confidence": result["confidence"],
        "reason": result["reason"],
        "evidence": result["evidence"],
        "needs_review": result["needs_review"],
    }


def mark_unscored(call: Call, reason: str) -> None:
    """The call is not scored (e.g. too short for the scorecard): its scores stop being current."""
    with database.atomic():
        hold_calls([call.id])
        Score.update(current=False).where((Score.call == call) & Score.current).execute()
        Call.update(unscored=reason).where(Call.id == call.id).execute()
        call.unscored = reason


def current_score(call: Call) -> Score | None:
    """The call's newest score, if it was scored."""
    return Score.get_or_none((Score.call == call) & Score.current)


def stored_analysis(call: Call) -> CallAnalysis:
    """A stored call's transcript and voice features, as the worker produced them."""
    return _analysis(
        call.path,
        call.duration_s,
        call.channels,
        call.sample_rate,
        call.sha256,
        call.model,
        call.device,
        call.voice,
        [(u.speaker, u.start, u.end, u.text, u.words) for u in call_transcript(call)],
        call.medium,
        call.timed,
    )


def stored_analyses(call_ids: list[int]) -> list[tuple[int, CallAnalysis, dict]]:
    """Many stored calls' analyses and extra metadata, (id, analysis, metadata), read with two queries."""
    marks = ",".join("?" * len(call_ids))
    json = Call.voice.python_value
    utterances: dict[int, list[tuple]] = {i: [] for i in call_ids}
    for row in database.execute_sql(
        f'SELECT call_id, speaker, start, "end", text, words FROM utterance '
        f"WHERE call_id IN ({marks}) ORDER BY call_id, position",
        call_ids,
    ):
        utterances[row[0]].append((*row[1:5], json(row[5])))
    calls = database.execute_sql(
        "SELECT id, path, duration_s, channels, sample_rate, sha256, model, device, voice, "
        f"metadata, medium, timed FROM call WHERE id IN ({marks}) ORDER BY id",
        call_ids,
    )
    return [
        (
            r[0],
            _analysis(
                *r[1:8], json(r[8]), utterances[r[0]], Call.medium.python_value(r[10]), Call.timed.python_value(r[11])
            ),
            json(r[9]) or {},
        )
        for r in calls
    ]


def _analysis(
    path: str,
    duration_s: float,
    channels: int,
    sample_rate: int,
    sha256: str,
    model: str,
    device: str,
    voice: dict | None,
    utterances: list[tuple],
    medium: str,
    timed: bool,
) -> CallAnalysis:
    spoken = [
        Utterance(speaker, start, end, text, [Word(**w) for w in words])
        for speaker, start, end, text, words in utterances
    ]
    transcript = Transcript(path, duration_s, channels, sample_rate, sha256, model, device, spoken, medium, timed)
    return CallAnalysis(transcript, dict(voice or {}))


def _running(owner: str | None) -> bool:
    """Whether the process that owns a job still runs: on a team's server, whether it is connected (from any
    machine: a process whose connection the server lost counts as ended); else whether it runs on this machine."""
    if owner is None:
        return False
    connected = database.obj.owner_connected(owner)
    return running_here(owner) if connected is None else connected


INTERRUPTED = (
    "interrupted: the import that ran it ended, or lost its connection to the database server, before it finished "
    "(importing the file again resumes it)"
)
# the jobs unfinished_jobs gives, as the app and the command line name them
LEFT_UNFINISHED = "an earlier import left unfinished (it was stopped, or lost the database server)"
_UNFINISHED = ("queued", "interrupted")  # left by an import that ended early (see unfinished_jobs)
_working: set[int] = set()  # the jobs this process has started and not yet ended (see settle_lost_jobs)


def start_job(path: str, job: Job | None = None) -> Job:
    """Record that this process has started a file's ingest (a queued job, or a new one). Without a job, the file's job
    that an import which ended early left unfinished is taken over, so that importing the file again (a command run
    again after a kill) resumes it instead of leaving it to be offered again."""
    me = this_process()
    if job is None:
        with database.atomic():
            for left in Job.select().where(Job.status.in_(_UNFINISHED) & (Job.path == path)):
                if left.owner != me and not _running(left.owner):
                    left.status, left.owner, left.error = "running", me, None
                    _working.add(left.id)
                    left.save()
                    return left
            job = Job.create(path=path, status="running", owner=me)
            _working.add(job.id)  # before the commit: see settle_lost_jobs
            return job
    job.status, job.owner = "running", me
    _working.add(job.id)
    job.save()
    return job


def queue_jobs(paths: list[str], options: dict | None = None) -> list[Job]:
    """Queue files for import, so an import interrupted by closing the app can resume."""
    with database.atomic():
        return [Job.create(path=p, status="queued", options=options or {}, owner=this_process()) for p in paths]


def interrupt_orphaned_jobs() -> int:
    """Mark `interrupted` the jobs left running by a process that ended (killed, crashed) or lost its connection to the
    team's server (an outage); their count."""
    orphans = [job for job in Job.select().where(Job.status == "running") if not _running(job.owner)]
    for job in orphans:
        finish_job(job, "interrupted", error=INTERRUPTED)
    return len(orphans)


def settle_lost_jobs() -> int:
    """Mark `interrupted` this process's own jobs left running that it no longer works on (their end could not be
    written: the team's server was lost), as the next open by another process would; their count. Only this
    process's jobs: another's are its own to end, or the orphan check's. Called when this process connects again."""
    me = this_process()
    running = [job_id for (job_id,) in Job.select(Job.id).where((Job.owner == me) & (Job.status == "running")).tuples()]
    lost = [job_id for job_id in running if job_id not in _working]  # read after the select: start_job adds a job
    if not lost:  # before committing it, so one committed by then is seen; one ended meanwhile is no longer running
        return 0
    now = dt.datetime.now().replace(microsecond=0)
    return (
        Job.update(status="interrupted", error=INTERRUPTED, updated_at=now)
        .where(Job.id.in_(lost) & (Job.owner == me) & (Job.status == "running"))
        .execute()
    )


def unfinished_jobs() -> list[Job]:
    """Jobs an import that ended early left queued or interrupted (the app was closed or killed); not the
    jobs of an import still running in another process."""
    pending = Job.select().where(Job.status.in_(("queued", "running", "interrupted"))).order_by(Job.id)
    me = this_process()
    return [job for job in pending if job.owner == me or not _running(job.owner)]


def finish_job(job: Job, status: str, *, error: str | None = None, call: Call | None = None) -> None:
    """Record how a file's ingest ended: done, skipped or failed (with its error)."""
    _working.discard(job.id)  # even if the write fails: the job is then lost (settle_lost_jobs)
    job.status, job.error, job.call = status, error, call
    job.updated_at = dt.datetime.now().replace(microsecond=0)
    job.save()


def settle_jobs(ids: list[int], closing: bool) -> None:
    """An import's unfinished jobs when it ends: queued again if the app is closing (to resume), else
    cancelled."""
    _working.difference_update(ids)
    pending = Job.select().where(Job.id.in_(ids) & Job.status.in_(("queued", "running", "cancelled")))
    for job in pending:
        if closing:
            job.status, job.error = "queued", None
        elif job.status != "cancelled":
            job.status, job.error = "cancelled", "cancelled by the user"
        job.save()


def call_transcript(call: Call | int) -> list[UtteranceRow]:
    """A stored call's (or call id's) utterances in conversation order."""
    return list(UtteranceRow.select().where(UtteranceRow.call == call).order_by(UtteranceRow.position))
