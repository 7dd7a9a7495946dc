"""The retention policy: how many days recordings, transcripts and the audit log are kept, set by an admin and
stored in the database; `apply_policy` deletes what expired (`qa-desktop retention apply`, and the app at start
and daily), each deletion in the audit log.

A call's age is counted from its call time (else its import time). A call under an open dispute, in a coaching
session that is not closed (acknowledged) or in an open calibration is never touched.

What is deleted, and why the dashboards keep working: an expired recording's audio file (and its waveform
outline) is deleted; an expired transcript's utterances, the evidence quotes and reasons of its criterion
results and its metadata are deleted (and a text conversation's source file). The call row with its agent,
team, date and duration, its scores, pass/fail results and call drivers stay: they hold no word of the
conversation, and every dashboard, the agreement lab and coaching statistics read them exactly as before,
so no second set of aggregate queries is needed. A recording never outlives its transcript, but a redacted
transcript may outlive its recording."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from peewee import fn

from qa_desktop.services.access.identity import acting_name, current_user
from qa_desktop.services.access.permissions import require
from qa_desktop.services.envelopes import envelope_path
from qa_desktop.storage.models import (
    AuditEntry,
    CalibrationCall,
    CalibrationSession,
    Call,
    CoachingClip,
    CoachingSession,
    CriterionResultRow,
    Dispute,
    RetentionRule,
    Score,
    UtteranceRow,
    database,
)
from qa_desktop.storage.recordings import recording_file
from qa_desktop.storage.review import audit, locked

KINDS: dict[str, str] = {
    "recordings": "recordings (audio files)",
    "transcripts": "transcripts, evidence quotes and call details",
    "audit": "audit log entries",
}
DELETED_REASON = "(deleted by the retention policy)"
BATCH = 500


class RetentionError(ValueError):
    """A retention setting that cannot be used."""


@dataclass
class RetentionReport:
    """What one run deleted, what it kept because it is protected, and files it could not delete."""

    recordings: int = 0
    transcripts: int = 0
    audit_entries: int = 0
    protected: int = 0
    failed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.recordings} recordings, {self.transcripts} transcripts and {self.audit_entries} audit entries "
            f"deleted; {self.protected} expired calls kept (open dispute, coaching or calibration)"
            + (f"; {len(self.failed)} files could not be deleted" if self.failed else "")
        )


def policy() -> dict[str, int | None]:
    """Days each kind of data is kept (None: for ever, the default)."""
    rules = {rule.kind: rule.days for rule in RetentionRule.select()}
    return {kind: rules.get(kind) for kind in KINDS}


def set_policy(days: dict[str, int | None], shown: dict[str, int | None] | None = None) -> dict[str, int | None]:
    """Set how long kinds of data are kept (admin only); None keeps them for ever. Returns the whole policy.
    `shown` is the policy the admin saw: when another admin changed one of these kinds since, nothing is saved and
    RetentionError says who."""
    require(current_user(), "retention")
    actor = acting_name()
    for kind, value in days.items():
        if kind not in KINDS:
            raise RetentionError(f"'{kind}' is not a kind of data (kinds: {', '.join(KINDS)})")
        if value is not None and (not isinstance(value, int) or value < 1):
            raise RetentionError(f"{kind}: keep them for at least 1 day, or for ever (not '{value}')")
    with database.atomic():
        rules = {rule.kind: rule for rule in locked(RetentionRule.select())}
        for kind, value in days.items():
            old = rules[kind].days if kind in rules else None
            if shown is not None and old != shown[kind]:
                rule = rules[kind]
                raise RetentionError(
                    f"how long {KINDS[kind]} are kept was changed to {_days(old)} by {rule.set_by} at "
                    f"{rule.set_at:%H:%M} since you opened it; nothing was saved: look at it again"
                )
            if old == value:
                continue
            RetentionRule.insert(kind=kind, days=value, set_by=actor, set_at=_now()).on_conflict(
                conflict_target=[RetentionRule.kind],
                update={RetentionRule.days: value, RetentionRule.set_by: actor, RetentionRule.set_at: _now()},
            ).execute()
            audit(None, actor, "retention policy", kind, _days(old), _days(value))
    return policy()


def _days(value: int | None) -> str:
    return "for ever" if value is None else f"{value} days"


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def protected_calls():
    """The ids of calls retention never touches: under an open dispute, in a coaching session not yet closed
    (acknowledged), or in an open calibration."""
    disputed = Dispute.select(Dispute.call).where(Dispute.status == "open")
    coached = (
        CoachingClip.select(CoachingClip.call).join(CoachingSession).where(CoachingSession.status != "acknowledged")
    )
    calibrating = (
        CalibrationCall.select(CalibrationCall.call).join(CalibrationSession).where(CalibrationSession.status == "open")
    )
    return disputed | coached | calibrating


def _candidates(cutoff: dt.datetime, not_yet) -> tuple[list[Call], int]:
    """Expired calls not yet handled, and how many more expired ones are protected."""
    expired = (fn.COALESCE(Call.call_time, Call.imported_at) < cutoff) & not_yet
    calls = list(Call.select().where(expired & Call.id.not_in(protected_calls())).order_by(Call.id))
    kept = Call.select().where(expired & Call.id.in_(protected_calls())).count()
    return calls, kept


def _delete_file(path: Path, report: RetentionReport) -> bool:
    """Delete a file if it is there; False (and noted) if it is there and cannot be deleted."""
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        report.failed.append(f"{path}: {exc.strerror or exc}")
        return False
    return True


def apply_policy(now: dt.datetime | None = None, progress: Callable[[str], None] | None = None) -> RetentionReport:
    """Delete what the policy says has expired (admin only: the audit log names the admin, also for the
    app's scheduled runs); each deleted recording or transcript has its line in the audit log. A file is
    deleted before its call is marked, so a crash never leaves a mark on a kept file."""
    require(current_user(), "retention")
    actor = acting_name()
    now, days, report = now or _now(), policy(), RetentionReport()
    tell = progress or (lambda _text: None)
    transcript_days = days["transcripts"]
    recording_days = min(d for d in (days["recordings"], transcript_days, 10**6) if d is not None)
    if recording_days < 10**6:
        tell("recordings")
        calls, report.protected = _candidates(
            now - dt.timedelta(days=recording_days), Call.recording_deleted_at.is_null() & (Call.medium == "audio")
        )
        for call in calls:
            if _delete_file(Path(recording_file(call.path, call.sha256)), report):
                _delete_file(envelope_path(call.sha256), report)
                with database.atomic():
                    if not _claim(call.id, Call.recording_deleted_at, now):
                        continue  # another run (another admin's app) marked it meanwhile
                    audit(
                        call,
                        actor,
                        "retention: recording deleted",
                        "recording",
                        call.path,
                        None,
                        f"older than {recording_days} days",
                    )
                report.recordings += 1
    if transcript_days is not None:
        tell("transcripts")
        calls, kept = _candidates(now - dt.timedelta(days=transcript_days), Call.transcript_deleted_at.is_null())
        report.protected = max(report.protected, kept)
        calls = [
            c for c in calls if c.medium == "audio" or _delete_file(Path(recording_file(c.path, c.sha256)), report)
        ]
        for start in range(0, len(calls), BATCH):
            report.transcripts += _delete_transcripts(calls[start : start + BATCH], now, actor, transcript_days)
    if days["audit"] is not None:
        tell("audit log")
        cutoff = now - dt.timedelta(days=days["audit"])
        with database.atomic():
            report.audit_entries = AuditEntry.delete().where(AuditEntry.at < cutoff).execute()
            if report.audit_entries:
                audit(
                    None,
                    actor,
                    "retention: audit entries deleted",
                    "audit log",
                    None,
                    None,
                    f"{report.audit_entries} entries older than {days['audit']} days",
                )
    return report


def _claim(call_id: int, mark, now: dt.datetime) -> bool:
    """Mark the call's recording or transcript deleted unless another run has (the row is locked until this
    transaction ends, so two runs at once never both delete and audit it); whether this run marked it."""
    return bool(Call.update({mark: now}).where((Call.id == call_id) & mark.is_null()).execute())


def _delete_transcripts(calls: list[Call], now: dt.datetime, actor: str, kept_days: int) -> int:
    """One transaction: the calls' utterances, evidence quotes, reasons and metadata go; scores stay. Calls
    another run has handled meanwhile are left to it; returns how many this run deleted."""
    with database.atomic():
        calls = [c for c in calls if _claim(c.id, Call.transcript_deleted_at, now)]
        ids = [c.id for c in calls]
        UtteranceRow.delete().where(UtteranceRow.call.in_(ids)).execute()
        scores = Score.select(Score.id).where(Score.call.in_(ids))
        CriterionResultRow.update(evidence=[], reason=DELETED_REASON).where(
            CriterionResultRow.score.in_(scores)
        ).execute()
        Call.update(metadata={}).where(Call.id.in_(ids)).execute()
        for call in calls:
            audit(
                call,
                actor,
                "retention: transcript deleted",
                "transcript",
                None,
                None,
                f"older than {kept_days} days; scores kept",
            )
    return len(calls)
