"""Import in the background: a background task runs the same Ingestor as the command line, reporting
each file's progress and result, and can be cancelled; a failure that stops the whole import (no model,
bad metadata, a crash) reaches the dialog by the task's error path. Files are queued as jobs first, so an
import interrupted by closing the app resumes on the next start."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Signal

from qa_desktop.app.background import Done, Failed, Task
from qa_desktop.services.engine_options import EngineOptions
from qa_desktop.services.ingest import IngestListener, Ingestor, IngestResult, queued_file
from qa_desktop.services.ingest_engine import ParallelIngest
from qa_desktop.services.metadata import MetadataTable, compile_name_pattern, load_csv
from qa_desktop.storage import repository
from scoring.drivers import DriverSet
from scoring.scorecard import Scorecard
from scoring.transcriber import TranscriberConfig
from scoring.worker import TranscriptionWorker


@dataclass
class ImportPlan:
    """What to import and how."""

    files: list[Path]
    scorecard: Scorecard
    config: TranscriberConfig
    agent_channel: int = 0
    name_pattern: str = ""
    metadata_csv: str = ""
    columns: dict[str, str] = field(default_factory=dict)
    date_format: str = ""  # how the CSV writes dates: "dmy", "mdy" or a strptime format ("": ISO or unambiguous)
    jobs: list[repository.Job] | None = None  # jobs to resume; new ones are queued when None
    drivers: DriverSet | None = None  # call drivers to tag with (None: the ones that ship)
    agent_speakers: list[str] = field(default_factory=list)  # the agent's names in chat transcripts
    engine: EngineOptions = EngineOptions()  # where a batch of more than one file runs (Dask)

    def options(self) -> dict:
        """What a resumed job needs to be imported the same way."""
        return {
            "metadata_csv": self.metadata_csv,
            "columns": self.columns,
            "agent_channel": self.agent_channel,
            "agent_speakers": self.agent_speakers,
            "date_format": self.date_format,
        }

    def load_metadata(self) -> MetadataTable | None:
        """The metadata CSV's rows (None without one); MetadataError if it cannot be used."""
        if not self.metadata_csv:
            return None
        return load_csv(self.metadata_csv, self.columns or None, date_format=self.date_format or None)


APP_NAMING = "in Settings: Agents in chat transcripts"  # the app's place to name the agent (not the CLI's flag)


class _Relay(IngestListener):
    def __init__(self, worker: ImportWorker) -> None:
        self.worker = worker

    def engine_starting(self) -> None:
        self.worker.engine_starting.emit()

    def file_started(self, path: Path, index: int, total: int) -> None:
        self.worker.file_started.emit(index, total, str(path))

    def file_progress(self, path: Path, fraction: float) -> None:
        self.worker.file_progress.emit(str(path), fraction)

    def file_finished(self, result: IngestResult) -> None:
        self.worker.file_finished.emit(str(result.path), result.status, result.message)


class ImportWorker(Task):
    """Runs one import plan; emits each file's progress and result; `done(counts)` at the end, or
    `failed(message)` if the import stopped (no model, bad metadata, a crash), with `counts` so far;
    `warning(message)` for each problem found in the metadata CSV; `engine_starting()` as a batch's engine starts;
    `file_found(stored, found)` for a resumed job's file found again under its real name (a card number in it was
    stored redacted)."""

    file_found = Signal(str, str)
    engine_starting = Signal()
    file_started = Signal(int, int, str)
    file_progress = Signal(str, float)
    file_finished = Signal(str, str, str)
    warning = Signal(str)

    def __init__(self, plan: ImportPlan, done: Done, failed: Failed) -> None:
        super().__init__(what="importing calls", done=done, failed=failed)
        self.plan = plan
        self._closing = False
        self.counts = {"imported": 0, "skipped": 0, "failed": 0, "cancelled": 0}
        self.resumed = plan.jobs is not None
        if plan.jobs is None:
            plan.jobs = repository.queue_jobs([str(p) for p in plan.files], plan.options())

    def cancel(self, *, closing: bool = False) -> None:
        """Stop after killing the file in progress; when the app is closing, leave the rest queued."""
        self._closing = closing
        super().cancel()

    def work(self) -> dict[str, int]:
        plan = self.plan
        try:
            if self.resumed:
                self._find_queued_files()
            if not plan.files:
                return self.counts
            metadata = plan.load_metadata()
            for message in metadata.warnings if metadata else []:
                self.warning.emit(message)
            pattern = compile_name_pattern(plan.name_pattern) if plan.name_pattern else None
            ingestor = Ingestor(
                None,
                plan.scorecard,
                agent_channel=plan.agent_channel,
                metadata=metadata,
                name_pattern=pattern,
                drivers=plan.drivers,
                agent_speakers=plan.agent_speakers,
                naming=APP_NAMING,
            )
            for result in self._ingest(ingestor):
                self.counts[result.status] += 1
        finally:
            self._settle_jobs()
        return self.counts

    def _find_queued_files(self) -> None:
        """The resumed jobs' files, each found again where a card number in its name was stored redacted; a job
        whose file cannot be found fails, saying why, and the rest go on."""
        plan, kept = self.plan, []
        for path, job in zip(plan.files, plan.jobs or []):
            try:
                found = queued_file(str(path))
            except FileNotFoundError as exc:
                repository.finish_job(job, "failed", error=str(exc))
                self.file_finished.emit(str(path), "failed", str(exc))
                self.counts["failed"] += 1
                continue
            if found != path:
                self.file_found.emit(str(path), str(found))
            kept.append((found, job))
        plan.files, plan.jobs = [path for path, _ in kept], [job for _, job in kept]

    def _ingest(self, ingestor: Ingestor) -> list[IngestResult]:
        """A batch through the parallel engine (Dask); a single file through one worker process."""
        plan, relay, cancelled = self.plan, _Relay(self), self.cancelled
        if len(plan.files) > 1 or plan.engine.scheduler:
            return ParallelIngest(ingestor, plan.config, plan.engine).ingest(plan.files, relay, cancelled, plan.jobs)
        with TranscriptionWorker(plan.config) as ingestor.worker:
            return ingestor.ingest(plan.files, relay, cancelled, plan.jobs)

    def _settle_jobs(self) -> None:
        """Unfinished jobs: queued again if the app is closing (to resume), else cancelled."""
        repository.settle_jobs([job.id for job in self.plan.jobs or []], self._closing)
