"""Reads and writes of calls and jobs. Each call is stored in one transaction."""

from __future__ import annotations

import datetime as dt

from scoring.transcript import Transcript, words_to_dicts

from ..metadata import CallMetadata
from .models import UNASSIGNED, Agent, Call, Job, Team, Utterance, database


def find_call_by_hash(sha256: str) -> Call | None:
    """The stored call with this content hash, if any."""
    return Call.get_or_none(Call.sha256 == sha256)


def _team(name: str | None) -> Team | None:
    return Team.get_or_create(name=name.strip())[0] if name and name.strip() else None


def agent_named(name: str | None, team_name: str | None = None) -> Agent:
    """The agent of that name (created if new; 'unassigned' when no name); sets the team if given."""
    agent, _ = Agent.get_or_create(name=(name or "").strip() or UNASSIGNED)
    team = _team(team_name)
    if team is not None and agent.team_id != team.id and agent.name != UNASSIGNED:
        agent.team = team
        agent.save()
    return agent


def store_call(transcript: Transcript, meta: CallMetadata, agent_channel: int | None, job: Job | None = None) -> Call:
    """Store a transcribed call, its utterances and its job's completion atomically."""
    with database.atomic():
        agent = agent_named(meta.agent, meta.team)
        call = Call.create(
            path=transcript.file, sha256=transcript.sha256, duration_s=transcript.duration_s,
            channels=transcript.channels, sample_rate=transcript.sample_rate, agent=agent,
            team=_team(meta.team) or agent.team, external_id=meta.call_id, call_time=meta.call_time,
            agent_channel=agent_channel if transcript.channels == 2 else None,
            model=transcript.model, device=transcript.device, metadata=meta.extra,
        )
        rows = [
            {"call": call.id, "position": i, "speaker": u.speaker, "start": u.start, "end": u.end,
             "text": u.text, "words": words_to_dicts(u.words)}
            for i, u in enumerate(transcript.utterances)
        ]
        for start in range(0, len(rows), 200):
            Utterance.insert_many(rows[start:start + 200]).execute()
        if job is not None:
            finish_job(job, "done", call=call)
    return call


def start_job(path: str) -> Job:
    """Record that a file's ingest has started."""
    return Job.create(path=path, status="running")


def finish_job(job: Job, status: str, *, error: str | None = None, call: Call | None = None) -> None:
    """Record how a file's ingest ended: done, skipped or failed (with its error)."""
    job.status, job.error, job.call = status, error, call
    job.updated_at = dt.datetime.now().replace(microsecond=0)
    job.save()


def call_transcript(call: Call) -> list[Utterance]:
    """A stored call's utterances in conversation order."""
    return list(call.utterances.order_by(Utterance.position))
