"""Import call recordings and text conversations: find files, read metadata, analyse recordings in the
worker (transcript files are read here), score, store each call.

Used by the command line and the app alike. A bad file is recorded as a failed job with its
reason and the batch goes on (a database error too: locked past the busy timeout, a full disk);
a file whose content is already stored (by an earlier import, or by another process meanwhile) is
skipped, not duplicated.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from peewee import DatabaseError, IntegrityError

from qa_desktop.services.access.identity import current_user
from qa_desktop.services.access.permissions import require
from qa_desktop.services.envelopes import store_envelope
from qa_desktop.services.metadata import MetadataTable, call_metadata, is_metadata_csv
from qa_desktop.storage import repository
from qa_desktop.storage.call_metadata import CallMetadata, customer_name
from qa_desktop.storage.database_errors import database_error_reason
from qa_desktop.storage.models import Call, Job
from qa_desktop.storage.recordings import named_files, needs_search
from qa_desktop.storage.review import named
from scoring.analysis import CallAnalysis
from scoring.audio import SUPPORTED_EXTENSIONS, AudioError, check_file, file_sha256
from scoring.drivers import DriverSet
from scoring.scorecard import Scorecard
from scoring.scorer import score_call
from scoring.text_conversation import (
    NAMING_THE_AGENT,
    TEXT_EXTENSIONS,
    is_transcript_file,
    load_conversation,
    looks_like_transcript,
)
from scoring.worker import Cancelled, TranscriptionFailed, TranscriptionWorker, WorkerCrashed

log = logging.getLogger(__name__)


@dataclass
class IngestResult:
    """How one file's import ended."""

    path: Path
    status: str  # imported | skipped | failed | cancelled
    message: str = ""
    call_id: int | None = None

    @property
    def failed(self) -> bool:
        return self.status == "failed"


@dataclass
class PreparedFile:
    """A checked file waiting for its analysis: its job, content hash, metadata and agent channel."""

    path: Path
    job: Job
    sha256: str
    meta: CallMetadata
    channel: int


class IngestListener:
    """Receives progress from an ingest; override what you need. A file is started as its analysis begins and
    finished once stored (or not); in a parallel batch several are in progress at once, each reporting its own."""

    def engine_starting(self) -> None: ...  # the batch engine (a Dask cluster) starts: no file moves until it is up
    def file_started(self, path: Path, index: int, total: int) -> None: ...
    def file_progress(self, path: Path, fraction: float) -> None: ...
    def file_finished(self, result: IngestResult) -> None: ...


@dataclass
class BatchProgress:
    """How far a batch is, from its listener's reports: the files finished, and each file in progress (several at
    once in a parallel batch, in the order they started) with the fraction of it done."""

    total: int
    finished: int = 0
    running: dict[str, float] = field(default_factory=dict)  # path -> fraction done

    def started(self, path: str | Path) -> None:
        self.running[str(path)] = 0.0

    def moved(self, path: str | Path, fraction: float) -> None:
        self.running[str(path)] = fraction

    def ended(self, path: str | Path) -> None:
        self.running.pop(str(path), None)
        self.finished += 1

    @property
    def done(self) -> float:
        """Files done: the finished ones and the fractions of those in progress."""
        return min(self.finished + sum(self.running.values()), self.total)


NOT_A_TRANSCRIPT = "not a transcript (a CSV needs speaker and text columns; a JSON, a list of utterances)"


def discover(
    inputs: Iterable[str | Path], exclude: Iterable[str | Path] = (), passed_over: list[Path] | None = None
) -> list[Path]:
    """Expand folders (recursively, sorted: recordings, and transcript files that look like transcripts, not
    a metadata CSV) and keep named files as given; files in `exclude` (the metadata CSV) are left out. The
    CSV and JSON files in folders that are not transcripts are added to `passed_over`, to say so."""
    skip = {Path(p).expanduser().resolve() for p in exclude}
    files: list[Path] = []
    for item in inputs:
        path = Path(item).expanduser()
        if path.is_dir():
            for p in sorted(p for p in path.rglob("*") if p.is_file() and p.resolve() not in skip):
                suffix = p.suffix.lower()
                if suffix in SUPPORTED_EXTENSIONS or (suffix in TEXT_EXTENSIONS and looks_like_transcript(p)):
                    files.append(p)
                elif suffix in TEXT_EXTENSIONS and passed_over is not None:
                    passed_over.append(p)
        elif path.resolve() not in skip:
            files.append(path)
    return files


def metadata_csvs(passed_over: Iterable[Path]) -> list[Path]:
    """The metadata CSVs among the files a folder's discovery passed over (reads their headers)."""
    return [p for p in passed_over if p.suffix.lower() == ".csv" and is_metadata_csv(p)]


def folder_metadata(found: list[Path]) -> Path | None:
    """The metadata CSV to use when none is chosen: the only one found in the chosen folders (of several, none)."""
    return found[0] if len(found) == 1 else None


def why_passed_over(path: Path, found: list[Path]) -> str:
    """Why a folder's CSV or JSON file is not imported: not a transcript, or a metadata CSV that is not used."""
    if path not in found:
        return NOT_A_TRANSCRIPT
    if len(found) > 1:
        return f"one of {len(found)} metadata CSVs found, so none is used unless chosen"
    return "a metadata CSV, not the one chosen"


def stored_path(path: Path) -> Path:
    """The path a call is stored under: absolute, so it is found again from any folder."""
    return Path(os.path.abspath(path))


def _finish(job: Job, status: str, **fields) -> None:
    """Record how a job ended, if the database lets us (it may be the very thing that failed)."""
    try:
        repository.finish_job(job, status, **fields)
    except DatabaseError as exc:
        log.warning("could not record that %s was %s: %s", job.path, status, exc)


def _already_there(path: Path, job: Job, existing: Call) -> IngestResult:
    message = f"already imported as {named(existing)}"  # as the library names it (was "as call 8 (its path)")
    _finish(job, "skipped", error=message, call=existing)
    return IngestResult(path, "skipped", message, existing.id)


def _failed(path: Path, job: Job | None, reason: str) -> IngestResult:
    if job is not None:
        _finish(job, "failed", error=reason)
    return IngestResult(path, "failed", reason)


class Ingestor:
    """Imports files one by one through a transcription worker into the open database (the parallel
    engine, `ingest_engine`, uses its `prepare` and `store` around Dask tasks and needs no worker)."""

    def __init__(
        self,
        worker: TranscriptionWorker | None,
        scorecard: Scorecard,
        *,
        agent_channel: int = 0,
        metadata: MetadataTable | None = None,
        name_pattern: re.Pattern[str] | None = None,
        drivers: DriverSet | None = None,
        agent_speakers: Iterable[str] = (),
        naming: str = NAMING_THE_AGENT,
    ) -> None:
        self.worker = worker
        self.agent_speakers = tuple(agent_speakers)  # the agent's names in transcript files that name people
        self.naming = naming  # where the user names them, said when a transcript's speaker is neither role
        self.drivers = drivers
        self.scorecard = scorecard
        self.agent_channel = agent_channel
        self.metadata = metadata
        self.name_pattern = name_pattern

    def read_transcript(self, path: Path) -> CallAnalysis:
        """A chat, email or ticket file read as a conversation with the agent's names (TranscriptFileError if not)."""
        return load_conversation(stored_path(path), self.agent_speakers, self.naming)

    def metadata_for(self, path: Path) -> CallMetadata:
        """The CSV row for this file over what its name says."""
        return call_metadata(path, self.metadata, self.name_pattern)

    def ingest_file(
        self,
        path: Path,
        listener: IngestListener = IngestListener(),
        should_cancel: Callable[[], bool] | None = None,
        job: Job | None = None,
    ) -> IngestResult:
        """Import one file (for its queued job, if given); never raises for a bad file or a database error."""
        stored = stored_path(path)
        started = self.start(path, job)
        if isinstance(started, IngestResult):
            return started
        job = started
        try:
            prepared = self.prepare(path, job)
            if isinstance(prepared, IngestResult):
                return prepared
            if is_transcript_file(path):
                analysis = self.read_transcript(path)
            else:
                assert self.worker is not None, "a sequential ingest of recordings needs a transcription worker"
                analysis = self.worker.analyse(
                    stored,
                    agent_channel=prepared.channel,
                    should_cancel=should_cancel,
                    progress=lambda fraction: listener.file_progress(path, fraction),
                )
            return self.store(prepared, analysis)
        except Cancelled:
            _finish(job, "cancelled", error="cancelled by the user")
            return IngestResult(path, "cancelled", "cancelled")
        except KeyboardInterrupt:
            _finish(job, "cancelled", error="interrupted")
            raise
        except (AudioError, WorkerCrashed, TranscriptionFailed, OSError, DatabaseError) as exc:
            return self.fail(path, job, exc)

    def start(self, path: Path, job: Job | None) -> Job | IngestResult:
        """Record that this process starts importing a file: its job, or the result if the database refuses.
        Raises PermissionDenied (for the whole batch) unless the signed-in user may import calls."""
        require(current_user(), "ingest")
        try:
            return repository.start_job(str(stored_path(path)), job)
        except DatabaseError as exc:  # locked past the busy timeout, or a full disk
            return self.fail(path, None, exc)

    def prepare(self, path: Path, job: Job) -> PreparedFile | IngestResult:
        """Check a file before analysis: what to analyse, or the result if its content is already stored.
        Raises AudioError or OSError for a file that cannot be imported."""
        check_file(path, SUPPORTED_EXTENSIONS + TEXT_EXTENSIONS)
        sha256 = file_sha256(path)
        existing = repository.find_call_by_hash(sha256)
        if existing is not None:
            return _already_there(path, job, existing)
        meta = self.metadata_for(path)
        channel = meta.agent_channel if meta.agent_channel is not None else self.agent_channel
        return PreparedFile(path, job, sha256, meta, channel)

    def store(self, prepared: PreparedFile, analysis: CallAnalysis) -> IngestResult:
        """Score and store an analysed file, once: if its content was stored meanwhile (a retried task,
        the same recording twice in a batch, another process), it is skipped, not duplicated."""
        path, job, meta, channel = prepared.path, prepared.job, prepared.meta, prepared.channel
        existing = repository.find_call_by_hash(analysis.transcript.sha256)
        if existing is not None:
            return _already_there(path, job, existing)
        unit = "messages" if analysis.transcript.is_text else "utterances"
        heard = f"{len(analysis.transcript.utterances)} {unit}"
        too_short = self.scorecard.too_short(analysis.transcript.duration_s, analysis.transcript.is_text)
        score = (
            None
            if too_short
            else score_call(analysis.transcript, self.scorecard, analysis.voice, customer_name(meta.extra))
        )
        try:
            if score is None:
                call = repository.store_call(analysis, meta, channel, job, drivers=self.drivers, unscored=too_short)
            else:
                call = repository.store_call(
                    analysis, meta, channel, job, scored=(self.scorecard, score), drivers=self.drivers
                )
        except IntegrityError:  # another process stored the same content meanwhile
            existing = repository.find_call_by_hash(analysis.transcript.sha256)
            if existing is None:
                raise
            return _already_there(path, job, existing)
        if not analysis.transcript.is_text:  # the review's waveform, read at the file's own rate
            with suppress(AudioError):  # else the review computes it when it is first shown
                store_envelope(path, call.sha256)
        if score is None:
            return IngestResult(path, "imported", f"{heard}, not scored: {too_short}", call.id)
        verdict = "AUTO-FAIL" if score.auto_fail else "scored"
        return IngestResult(
            path,
            "imported",
            f"{heard}, {verdict} {score.overall:.0f} (empathy {score.empathy:.0f}, compliance {score.compliance:.0f})",
            call.id,
        )

    @staticmethod
    def fail(path: Path, job: Job | None, exc: BaseException) -> IngestResult:
        """Record a file that could not be imported, with its reason (a database's as the app words it)."""
        reason = database_error_reason(exc) if isinstance(exc, DatabaseError) else str(exc) or type(exc).__name__
        return _failed(path, job, reason)

    def ingest(
        self,
        files: list[Path],
        listener: IngestListener = IngestListener(),
        should_cancel: Callable[[], bool] | None = None,
        jobs: list[Job] | None = None,
    ) -> list[IngestResult]:
        """Import files in order (with their queued jobs, if given); stops early when cancelled."""
        results = []
        for index, path in enumerate(files):
            if should_cancel and should_cancel():
                break
            listener.file_started(path, index, len(files))
            result = self.ingest_file(path, listener, should_cancel, jobs[index] if jobs else None)
            listener.file_finished(result)
            results.append(result)
            if result.status == "cancelled":
                break
        return results


def queued_file(stored: str) -> Path:
    """The file a queued import job names: its stored path, or, where a card number in a name was stored redacted
    (the number is never stored), the one file whose name reads the same once redacted. FileNotFoundError saying why
    when there is none, or several."""
    if not needs_search(stored):
        return Path(stored)
    found = named_files(stored)
    if len(found) == 1:
        return found[0]
    where, name = Path(stored).parent, Path(stored).name
    why = "cannot be resumed: a card number in its name was not stored (only its last four digits), and "
    if not found:
        raise FileNotFoundError(f"{why}no file in {where} reads as {name} now (moved, renamed or deleted): import it")
    raise FileNotFoundError(
        f"{why}{len(found)} files in {where} read as {name} (their numbers end alike): import them again "
        "(calls already imported are skipped)"
    )
