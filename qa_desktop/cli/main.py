"""The `qa-desktop` command line: ingest, transcribe, score, rescore, relocate, coach, report, retag, agreement,
users, assign, retention, and (with no command) the app."""

from __future__ import annotations

import argparse
import logging
import sys

import peewee

from qa_desktop.cli.calls import (
    add_calls_parsers,
    cmd_ingest,
    cmd_relocate,
    cmd_rescore,
    cmd_score,
    cmd_transcribe,
)
from qa_desktop.cli.coach import add_coach_parser, cmd_coach
from qa_desktop.cli.db import add_db_parser, cmd_db
from qa_desktop.cli.options import EXIT_FAILED, EXIT_USAGE, add_database_option, add_user_option
from qa_desktop.cli.report import add_report_parsers, cmd_report, cmd_retag
from qa_desktop.cli.retention import add_retention_parser, cmd_retention
from qa_desktop.cli.trust import add_trust_parser, cmd_agreement
from qa_desktop.cli.users import add_users_parsers, cmd_assign, cmd_users
from qa_desktop.services.access.passwords import PasswordError
from qa_desktop.services.access.permissions import AccessError
from qa_desktop.services.config import Config
from qa_desktop.services.ingest_engine import EngineError
from qa_desktop.services.metadata import MetadataError
from qa_desktop.services.retention import RetentionError
from qa_desktop.services.settings import Settings
from qa_desktop.storage.database import DatabaseFileError, describe_database_error
from qa_desktop.storage.models import database
from qa_desktop.storage.review import ReviewError
from scoring.drivers import DriversError
from scoring.models import DeviceError, ModelNotFoundError
from scoring.scorecard import ScorecardError


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command."""
    parser = argparse.ArgumentParser(prog="qa-desktop", description="Offline call QA: transcribe and score calls.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    parser.add_argument(
        "--db",
        dest="app_db",
        metavar="FILE_OR_URL",
        help="with no command: open the app on this database (a file, or postgresql://user@host:port/name)",
    )
    commands = parser.add_subparsers(dest="command")
    add_calls_parsers(commands)
    add_coach_parser(commands)
    add_report_parsers(commands)
    add_trust_parser(commands)
    add_users_parsers(commands)
    add_retention_parser(commands)
    add_db_parser(commands)

    app = commands.add_parser("app", help="open the desktop app (the default)")
    add_database_option(app)
    _add_user_options(commands)
    return parser


def _add_user_options(commands: argparse._SubParsersAction) -> None:
    """Every command that opens a database takes --user (the app asks in its own window)."""
    for parser in commands.choices.values():
        nested = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if nested:
            _add_user_options(nested[0])
        elif any("--db" in a.option_strings for a in parser._actions) and parser.prog.split()[-1] != "app":
            add_user_option(parser)


def cmd_app(args: argparse.Namespace, config: Config) -> int:
    """Open the desktop app."""
    from qa_desktop.app.application import run_app

    return run_app(config.database)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line, parsed; with no command, the app's --db is the database."""
    args = build_parser().parse_args(argv)
    if args.command is None:
        args.db = args.app_db
    return args


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `qa-desktop` command."""
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    commands = {
        "ingest": cmd_ingest,
        "transcribe": cmd_transcribe,
        "score": cmd_score,
        "rescore": cmd_rescore,
        "coach": cmd_coach,
        "report": cmd_report,
        "retag": cmd_retag,
        "agreement": cmd_agreement,
        "relocate": cmd_relocate,
        "users": cmd_users,
        "assign": cmd_assign,
        "retention": cmd_retention,
        "db": cmd_db,
    }
    command = commands.get(args.command, cmd_app)
    try:
        return command(args, Config.resolve(Settings(), args))
    except (
        MetadataError,
        ScorecardError,
        DriversError,
        ModelNotFoundError,
        DeviceError,
        DatabaseFileError,
        EngineError,
        AccessError,
        PasswordError,
        RetentionError,
    ) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ReviewError as exc:  # e.g. another lead changed the call meanwhile: nothing was saved
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except peewee.DatabaseError as exc:  # the file went bad, or the disk filled, after it opened
        where = database.obj.database if database.obj is not None else "(not open)"
        print(f"error: {describe_database_error(where or '(not open)', exc)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
