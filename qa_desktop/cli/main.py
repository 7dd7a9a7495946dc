"""The `qa-desktop` command line: ingest, transcribe, score, rescore, relocate, coach, report, retag, agreement,
users, assign, retention, and (with no command) the app."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from qa_desktop.cli.options import EXIT_FAILED, EXIT_USAGE
from qa_desktop.cli.parsers import parse_args
from qa_desktop.services.config import Config
from qa_desktop.services.settings import Settings
from scoring.redacted_log import log_to_stderr

# Each command's function, by module: the module is imported only when its command runs, so that `users list`
# or --help do not wait seconds for the engine behind `ingest` or `coach` (the model, Dask, scikit-learn, charts)
COMMANDS = {
    "ingest": ("qa_desktop.cli.calls", "cmd_ingest"),
    "transcribe": ("qa_desktop.cli.calls", "cmd_transcribe"),
    "score": ("qa_desktop.cli.calls", "cmd_score"),
    "rescore": ("qa_desktop.cli.calls", "cmd_rescore"),
    "relocate": ("qa_desktop.cli.calls", "cmd_relocate"),
    "coach": ("qa_desktop.cli.coach", "cmd_coach"),
    "report": ("qa_desktop.cli.report", "cmd_report"),
    "retag": ("qa_desktop.cli.report", "cmd_retag"),
    "agreement": ("qa_desktop.cli.trust", "cmd_agreement"),
    "users": ("qa_desktop.cli.users", "cmd_users"),
    "assign": ("qa_desktop.cli.users", "cmd_assign"),
    "retention": ("qa_desktop.cli.retention", "cmd_retention"),
    "db": ("qa_desktop.cli.db", "cmd_db"),
}


def cmd_app(args: argparse.Namespace, config: Config) -> int:
    """Open the desktop app."""
    from qa_desktop.app.application import run_app

    return run_app(config.database)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `qa-desktop` command."""
    args = parse_args(argv)
    log_to_stderr(logging.INFO if args.verbose else logging.WARNING)
    module, function = COMMANDS.get(args.command, (__name__, "cmd_app"))
    command = getattr(importlib.import_module(module), function)
    try:
        return command(args, Config.resolve(Settings(), args))
    except Exception as exc:
        code = _reported(exc)
        if code is None:
            raise
        return code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _reported(exc: Exception) -> int | None:
    """A command's error printed as one line, and its exit code; None for an error of no known kind (a bug).

    The error classes are imported here, when an error comes: importing them up front would import the
    engine behind every command."""
    from qa_desktop.services.access.passwords import PasswordError
    from qa_desktop.services.access.permissions import AccessError
    from qa_desktop.services.engine_options import EngineError
    from qa_desktop.services.metadata import MetadataError
    from qa_desktop.services.retention import RetentionError
    from qa_desktop.services.whole_files import ExportError
    from qa_desktop.storage.database import DatabaseFileError, open_database_error
    from qa_desktop.storage.people import PeopleError
    from qa_desktop.storage.review import ReviewError
    from scoring.drivers import DriversError
    from scoring.models import DeviceError, ModelNotFoundError
    from scoring.toml_fields import ScorecardError

    usage = (MetadataError, ScorecardError, DriversError, ModelNotFoundError, DeviceError, DatabaseFileError)
    usage += (EngineError, AccessError, PasswordError, RetentionError, PeopleError)
    if isinstance(exc, usage):
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if isinstance(exc, (ReviewError, ExportError)):  # another lead changed the call meanwhile; a full disk
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if (problem := open_database_error(exc)) is not None:  # the file went bad, the disk filled, the server stopped
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    return None


if __name__ == "__main__":
    sys.exit(main())
