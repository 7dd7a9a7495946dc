"""The commands that take calls in or score them again: ingest, transcribe, score, rescore, relocate."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from tqdm import tqdm

from qa_desktop.cli.console import progress_bar
from qa_desktop.cli.options import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    open_signed_in,
    warn,
)
from qa_desktop.services.config import Config
from qa_desktop.services.ingest import (
    BatchProgress,
    IngestListener,
    Ingestor,
    IngestResult,
    discover,
    folder_metadata,
    metadata_csvs,
    stored_path,
    why_passed_over,
)
from qa_desktop.services.metadata import compile_name_pattern, load_csv
from qa_desktop.services.recordings import relocate
from qa_desktop.services.rescore import rescore_all
from qa_desktop.storage import repository
from qa_desktop.storage.call_metadata import customer_name
from qa_desktop.storage.models import Call
from scoring.analysis import CallAnalysis
from scoring.audio import AudioError
from scoring.display import Timeline, one_line
from scoring.models import resolve_model
from scoring.redact import redact_name
from scoring.scorecard import Scorecard
from scoring.scorer import CallScore, score_call
from scoring.text_conversation import is_transcript_file, load_conversation
from scoring.transcript import Transcript
from scoring.worker import TranscriptionFailed, TranscriptionWorker, WorkerCrashed


class _TerminalProgress(IngestListener):
    """An overall progress bar on a terminal, and one line per file that did not import."""

    def __init__(self, total: int) -> None:
        self.bar = tqdm(
            total=total,
            unit="file",
            file=sys.stderr,
            disable=None,
            bar_format="{l_bar}{bar}| {n:.1f}/{total} files [{elapsed}<{remaining}]",
        )
        self.batch = BatchProgress(total)  # in a parallel batch several files are in progress, finishing in any order

    def file_started(self, path: Path, index: int, total: int) -> None:
        self.batch.started(path)
        self._show()

    def file_progress(self, path: Path, fraction: float) -> None:
        self.batch.moved(path, fraction)
        self._show()

    def file_finished(self, result: IngestResult) -> None:
        self.batch.ended(result.path)
        self._show()
        label = {"imported": "imported", "skipped": "skipped", "failed": "FAILED", "cancelled": "cancelled"}
        self.bar.write(f"{label[result.status]}: {one_line(result.path)}: {one_line(result.message)}", file=sys.stderr)

    def _show(self) -> None:
        """The bar at the files done (with the parts of those in progress), named by the first in progress."""
        running = list(self.batch.running)
        if running:
            more = f" +{len(running) - 1}" if len(running) > 1 else ""
            self.bar.set_description(one_line(Path(running[0]).name)[:40] + more)
        self.bar.n = self.batch.done
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()


def cmd_ingest(args: argparse.Namespace, config: Config) -> int:
    """Import files and folders; exit 1 if any file failed."""
    passed_over: list[Path] = []
    files = discover(args.paths, exclude=[args.metadata] if args.metadata else [], passed_over=passed_over)
    found = metadata_csvs(passed_over)
    metadata_path = Path(args.metadata) if args.metadata else folder_metadata(found)
    if metadata_path and not args.metadata:
        print(
            f"metadata: {one_line(metadata_path)} (found among the files; --metadata FILE names another)",
            file=sys.stderr,
        )
    metadata = load_csv(metadata_path, date_format=args.date_format, encoding=args.encoding) if metadata_path else None
    pattern = compile_name_pattern(config.name_pattern)
    scorecard = config.load_scorecard()
    drivers = config.load_drivers()
    transcriber = config.transcriber()
    resolve_model(transcriber.model)
    for warning in metadata.warnings if metadata else []:
        warn(warning)
    options = config.engine
    db_path = open_signed_in(args, config)
    for path in passed_over:
        if path != metadata_path:
            print(f"passed over: {one_line(path)}: {why_passed_over(path, found)}", file=sys.stderr)
    if not files:
        print("error: no recordings or transcript files found in the given paths", file=sys.stderr)
        return EXIT_USAGE
    left = {job.path for job in repository.unfinished_jobs()} & {str(stored_path(path)) for path in files}
    if left:
        print(f"resuming {len(left)} file{'s' * (len(left) != 1)} {repository.LEFT_UNFINISHED}", file=sys.stderr)
    progress = _TerminalProgress(len(files))
    ingestor = Ingestor(
        None,
        scorecard,
        agent_channel=config.agent_channel,
        metadata=metadata,
        name_pattern=pattern,
        drivers=drivers,
        agent_speakers=list(config.agent_speakers),
    )
    try:
        if len(files) > 1 or options.scheduler:
            from qa_desktop.services.ingest_engine import ParallelIngest  # Dask: imported for a batch only

            parallel = ParallelIngest(ingestor, transcriber, options)
            results = parallel.ingest(files, progress)
            engine = f"; Dask cluster {options.scheduler or 'on this machine'}" if parallel.cluster_used else ""
        else:
            with TranscriptionWorker(transcriber) as ingestor.worker:
                results = ingestor.ingest(files, progress)
                worker = ingestor.worker  # a transcript file alone never starts the model
                engine = f"; model {worker.model_name} on {worker.device}" if worker.model_name else ""
    finally:
        progress.close()
    counts = {status: sum(r.status == status for r in results) for status in ("imported", "skipped", "failed")}
    print(
        f"{counts['imported']} imported, {counts['skipped']} already there, {counts['failed']} failed "
        f"(database: {db_path}{engine})",
        file=sys.stderr,
    )
    return EXIT_FAILED if counts["failed"] else EXIT_OK


def _each_file(
    files: list[str], as_json: bool, produce: Callable[[Path], tuple[dict[str, Any], Callable[[], None]]]
) -> int:
    """Run `produce` on each file, printing its JSON (or its text) or a FAILED line; 1 if any failed."""
    failed = 0
    for name in files:
        try:
            data, show = produce(Path(name))
        except (AudioError, WorkerCrashed, TranscriptionFailed, OSError) as exc:
            failed += 1
            if as_json:
                print(json.dumps({"file": redact_name(name), "error": str(exc)}), flush=True)
            print(f"FAILED: {one_line(name)}: {one_line(str(exc))}", file=sys.stderr)
            continue
        if as_json:  # the file named as everywhere it is shown: a card number in its name redacted
            print(json.dumps({**data, "file": redact_name(data["file"])}), flush=True)
        else:
            show()
    return EXIT_FAILED if failed else EXIT_OK


def cmd_transcribe(args: argparse.Namespace, config: Config) -> int:
    """Print each file's transcript (JSON Lines with --json); exit 1 if any file failed."""
    channel, speakers = config.agent_channel, list(config.agent_speakers)
    with _worker(args.files, config) as worker:

        def produce(path: Path) -> tuple[dict[str, Any], Callable[[], None]]:
            analysis = _analyse(path, worker, channel, speakers)
            return analysis.to_dict(), lambda: _print_transcript(str(path), analysis.transcript)

        return _each_file(args.files, args.json, produce)


def _worker(files: list[str], config: Config) -> AbstractContextManager[TranscriptionWorker | None]:
    """A transcription worker for the files, or None when they are all transcripts (read, not transcribed):
    then neither the model nor faster-whisper is loaded."""
    if all(is_transcript_file(Path(name)) for name in files):
        return nullcontext()
    return TranscriptionWorker(config.transcriber())


def _analyse(path: Path, worker: TranscriptionWorker | None, channel: int, speakers: list[str]) -> CallAnalysis:
    """A transcript file read as a text conversation, or a recording transcribed by the worker."""
    if is_transcript_file(path):
        return load_conversation(path, speakers)
    assert worker is not None, "a recording needs a transcription worker"
    return worker.analyse(path, agent_channel=channel)


def _print_transcript(name: str, transcript: Transcript) -> None:
    if transcript.is_text:
        timing = f"{transcript.duration_s:.0f} s" if transcript.timed else "no times"
        print(f"== {one_line(name)} (text conversation, {len(transcript.utterances)} messages, {timing})")
    else:
        print(f"== {one_line(name)} ({transcript.duration_s:.1f} s, {transcript.model} on {transcript.device})")
    timeline = Timeline.of(transcript.utterances, transcript.timed)
    for u in transcript.utterances:  # seconds to the hundredth, or an untimed conversation's message numbers
        where = f"{u.start:7.2f}-{u.end:7.2f}" if transcript.timed else f"{timeline.at(u.start):>7}"
        print(f"[{where}] {u.speaker:>8}: {u.text}")


def _print_score(score: CallScore) -> None:
    flag = "  AUTO-FAIL" if score.auto_fail else ""
    print(f"   overall {score.overall:.0f}  empathy {score.empathy:.0f}  compliance {score.compliance:.0f}{flag}")
    for r in score.results:
        v = r.verdict
        print(f"   {v.result.upper():4s} {r.criterion.id:24s} {v.reason}")


def cmd_score(args: argparse.Namespace, config: Config) -> int:
    """Transcribe and score files, printing the score contract; with --db, ingest them too."""
    scorecard = config.load_scorecard()
    if args.db:
        open_signed_in(args, config, args.db)
    channel, speakers = config.agent_channel, list(config.agent_speakers)
    with _worker(args.files, config) as worker:
        ingestor = Ingestor(worker, scorecard, agent_channel=channel, agent_speakers=speakers) if args.db else None

        def produce(path: Path) -> tuple[dict[str, Any], Callable[[], None]]:
            analysis, score = _score_file(path, worker, ingestor, scorecard, channel, speakers)
            too_short = scorecard.too_short(analysis.transcript.duration_s, analysis.transcript.is_text)

            def show() -> None:
                _print_transcript(str(path), analysis.transcript)
                if score is None:
                    print(f"   not scored: {too_short}")
                else:
                    _print_score(score)

            scored = score.to_dict() if score is not None else {"scores": None, "not_scored": too_short}
            return {**analysis.to_dict(), **scored}, show

        return _each_file(args.files, args.json, produce)


def _score_file(
    path: Path,
    worker: TranscriptionWorker | None,
    ingestor: Ingestor | None,
    scorecard: Scorecard,
    channel: int,
    speakers: list[str],
) -> tuple[CallAnalysis, CallScore | None]:
    """Analyse and score one file (no score when it is too short); through the database with an ingestor."""
    if ingestor is None:
        analysis = _analyse(path, worker, channel, speakers)
        if scorecard.too_short(analysis.transcript.duration_s, analysis.transcript.is_text):
            return analysis, None
        return analysis, score_call(analysis.transcript, scorecard, analysis.voice)
    result = ingestor.ingest_file(path)
    if result.failed or result.call_id is None:
        raise AudioError(result.message)
    call = Call.get_by_id(result.call_id)
    analysis = repository.stored_analysis(call)
    if too_short := scorecard.too_short(call.duration_s, analysis.transcript.is_text):
        repository.mark_unscored(call, too_short)
        return analysis, None
    score = score_call(analysis.transcript, scorecard, analysis.voice, customer_name(call.metadata or {}))
    stored = repository.current_score(call)
    if stored is None or stored.scorecard.hash != scorecard.hash:
        repository.store_score(call, scorecard, score)
    return analysis, score


def cmd_rescore(args: argparse.Namespace, config: Config) -> int:
    """Score every stored call again with the scorecard, from the stored transcripts."""
    scorecard = config.load_scorecard()
    db_path = open_signed_in(args, config)
    bar = tqdm(total=Call.select().count(), unit="call", file=sys.stderr, disable=None)

    def progress(done: int, total: int) -> None:
        bar.n = done
        bar.refresh()

    count = rescore_all(scorecard, progress)
    bar.close()
    print(
        f"{count} calls rescored with scorecard {scorecard.id} ({scorecard.hash[:12]}) (database: {db_path})",
        file=sys.stderr,
    )
    return EXIT_OK


def cmd_relocate(args: argparse.Namespace, config: Config) -> int:
    """Find the recordings of calls whose file is missing in FOLDER by content hash; exit 1 if some stay missing."""
    folder = Path(args.folder).expanduser()
    if not folder.is_dir():
        print(f"error: {one_line(folder)}: not a folder", file=sys.stderr)
        return EXIT_USAGE
    db_path = open_signed_in(args, config)
    with progress_bar("file") as progress:
        found = relocate(folder, progress)
    for call_id, path in sorted(found.found.items()):
        print(f"found: call {call_id}: {one_line(path)}", file=sys.stderr)
    left = found.missing - len(found.found)
    print(
        f"{len(found.found)} of {found.missing} missing recordings found in {one_line(folder)} "
        f"({found.searched} files checked); {left} still missing (database: {db_path})",
        file=sys.stderr,
    )
    return EXIT_FAILED if left else EXIT_OK
