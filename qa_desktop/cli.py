"""The `qa-desktop` command line: ingest, transcribe, and (with no command) the app."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from tqdm import tqdm

from scoring.audio import AudioError
from scoring.models import DeviceError, ModelNotFoundError, resolve_model
from scoring.transcriber import TranscriberConfig
from scoring.worker import TranscriptionFailed, TranscriptionWorker, WorkerCrashed

from .ingest import IngestListener, IngestResult, Ingestor, discover
from .metadata import MetadataError, compile_name_pattern, load_csv
from .settings import Settings
from .storage.database import open_database

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", help="CTranslate2 model folder or cached size name (default: bundled tiny.en)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), help="where to run the model (default: auto)")
    parser.add_argument("--agent-channel", type=int, choices=(0, 1), help="stereo channel of the agent (default: 0)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command."""
    parser = argparse.ArgumentParser(prog="qa-desktop", description="Offline call QA: transcribe and score calls.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command")

    ingest = commands.add_parser("ingest", help="import call recordings (files or folders) into the database")
    ingest.add_argument("paths", nargs="+", metavar="PATH")
    ingest.add_argument("--db", help="database file (default: in the user's data folder)")
    ingest.add_argument("--metadata", metavar="CSV", help="CSV with agent, team, call id and call time per file")
    ingest.add_argument("--name-pattern", help="file name pattern, e.g. '{call_time}_{agent}_{team}_{call_id}'")
    _add_model_options(ingest)

    transcribe = commands.add_parser("transcribe", help="print transcripts without storing anything")
    transcribe.add_argument("files", nargs="+", metavar="FILE")
    transcribe.add_argument("--json", action="store_true", help="one JSON object per file (JSON Lines)")
    _add_model_options(transcribe)

    app = commands.add_parser("app", help="open the desktop app (the default)")
    app.add_argument("--db", help="database file")
    return parser


def _config(args: argparse.Namespace, settings: Settings) -> TranscriberConfig:
    return TranscriberConfig(model=args.model or settings.get("model") or None, device=args.device or settings.get("device"))


def _agent_channel(args: argparse.Namespace, settings: Settings) -> int:
    return args.agent_channel if args.agent_channel is not None else settings.get("agent_channel")


class _TerminalProgress(IngestListener):
    """An overall progress bar on a terminal, and one line per file that did not import."""

    def __init__(self, total: int) -> None:
        self.bar = tqdm(total=total, unit="file", file=sys.stderr, disable=None,
                        bar_format="{l_bar}{bar}| {n:.1f}/{total} files [{elapsed}<{remaining}]")
        self.index = 0

    def file_started(self, path: Path, index: int, total: int) -> None:
        self.index = index
        self.bar.set_description(path.name[:40])

    def file_progress(self, path: Path, fraction: float) -> None:
        self.bar.n = self.index + fraction
        self.bar.refresh()

    def file_finished(self, result: IngestResult) -> None:
        self.bar.n = self.index + 1
        self.bar.refresh()
        label = {"imported": "imported", "skipped": "skipped", "failed": "FAILED", "cancelled": "cancelled"}
        self.bar.write(f"{label[result.status]}: {result.path}: {result.message}", file=sys.stderr)

    def close(self) -> None:
        self.bar.close()


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    """Import files and folders; exit 1 if any file failed."""
    try:
        metadata = load_csv(args.metadata) if args.metadata else None
        pattern = compile_name_pattern(args.name_pattern or settings.get("name_pattern"))
        config = _config(args, settings)
        resolve_model(config.model)
    except (MetadataError, ModelNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for warning in metadata.warnings if metadata else []:
        print(f"warning: {warning}", file=sys.stderr)
    db_path = open_database(args.db or settings.get("database") or None)
    files = discover(args.paths)
    if not files:
        print("error: no audio files found in the given paths", file=sys.stderr)
        return EXIT_USAGE
    progress = _TerminalProgress(len(files))
    try:
        with TranscriptionWorker(config) as worker:
            results = Ingestor(worker, agent_channel=_agent_channel(args, settings), metadata=metadata,
                               name_pattern=pattern).ingest(files, progress)
            engine = f"; model {worker.model_name} on {worker.device}" if worker.device else ""
    except (ModelNotFoundError, DeviceError) as exc:
        progress.close()
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    progress.close()
    counts = {status: sum(r.status == status for r in results) for status in ("imported", "skipped", "failed")}
    print(f"{counts['imported']} imported, {counts['skipped']} already there, {counts['failed']} failed "
          f"(database: {db_path}{engine})", file=sys.stderr)
    return EXIT_FAILED if counts["failed"] else EXIT_OK


def cmd_transcribe(args: argparse.Namespace, settings: Settings) -> int:
    """Print each file's transcript (JSON Lines with --json); exit 1 if any file failed."""
    failed = 0
    channel = _agent_channel(args, settings)
    try:
        with TranscriptionWorker(_config(args, settings)) as worker:
            for name in args.files:
                try:
                    transcript = worker.transcribe(Path(name), agent_channel=channel)
                except (AudioError, WorkerCrashed, TranscriptionFailed, OSError) as exc:
                    failed += 1
                    if args.json:
                        print(json.dumps({"file": name, "error": str(exc)}), flush=True)
                    print(f"FAILED: {name}: {exc}", file=sys.stderr)
                    continue
                if args.json:
                    print(json.dumps(transcript.to_dict()), flush=True)
                else:
                    print(f"== {name} ({transcript.duration_s:.1f} s, {transcript.model} on {transcript.device})")
                    for u in transcript.utterances:
                        print(f"[{u.start:7.2f}-{u.end:7.2f}] {u.speaker:>8}: {u.text}")
    except (ModelNotFoundError, DeviceError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_FAILED if failed else EXIT_OK


def cmd_app(args: argparse.Namespace, settings: Settings) -> int:
    """Open the desktop app."""
    from .app.application import run_app

    return run_app(args.db or settings.get("database") or None)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `qa-desktop` command."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    settings = Settings()
    command = {"ingest": cmd_ingest, "transcribe": cmd_transcribe}.get(args.command, cmd_app)
    if args.command is None:
        args.db = None
    try:
        return command(args, settings)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
