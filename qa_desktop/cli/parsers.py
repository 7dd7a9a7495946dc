"""The command line's grammar: every command's arguments and help. Building it imports no command's
implementation (qa_desktop.cli.main imports a command's module only when that command runs)."""

from __future__ import annotations

import argparse
import datetime as dt

from qa_desktop.cli.options import NEW_PASSWORD_ENV, PASSWORD_ENV, USER_ENV
from qa_desktop.services.access.permissions import ROLES
from qa_desktop.services.coaching.focus import MIN_CALLS
from qa_desktop.services.metadata import DEFAULT_NAME_PATTERN
from qa_desktop.services.retention import KINDS
from scoring.models import DEVICES
from scoring.transcript import AGENT_CHANNELS


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command."""
    parser = argparse.ArgumentParser(prog="qa-desktop", description="Offline call QA: transcribe and score calls.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    parser.add_argument(
        "--db",
        dest="app_db",
        metavar="FILE_OR_URL",
        help="the database (a file, or postgresql://user@host:port/name): the app's, or the command's when it "
        "takes one",
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


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line, parsed. A --db before the command is the command's database (the app's, with no
    command); one the command cannot use, or two that differ, is an error rather than a database ignored."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args.db = args.app_db
    elif args.app_db is not None:
        if not hasattr(args, "db"):
            parser.error(f"'{args.command}' opens no database: leave out --db {args.app_db}")
        if args.db is not None and args.db != args.app_db:
            parser.error(f"two databases given: --db {args.app_db} before '{args.command}', --db {args.db} after it")
        args.db = args.app_db
    return args


def add_calls_parsers(commands: argparse._SubParsersAction) -> None:
    """The `ingest`, `transcribe`, `score`, `rescore` and `relocate` commands."""

    ingest = commands.add_parser(
        "ingest",
        help="import call recordings and chat, email or ticket transcripts (json, "
        "csv) from files or folders into the database",
    )
    ingest.add_argument("paths", nargs="+", metavar="PATH")
    add_database_option(ingest)
    ingest.add_argument(
        "--metadata",
        metavar="CSV",
        help="CSV with agent, team, call id and call time per file (default: the one metadata CSV in the "
        "folders given)",
    )
    ingest.add_argument(
        "--date-format",
        metavar="FORMAT",
        help="how the CSV writes dates: dmy (31/12/2026), mdy (12/31/2026) or a strptime format "
        "such as '%%d/%%m/%%Y %%H:%%M' (default: ISO; a date that reads both ways is refused)",
    )
    ingest.add_argument("--encoding", help="the CSV's text encoding (default: detected: UTF-8/16 or Windows-1252)")
    ingest.add_argument(
        "--name-pattern",
        help=f"file name pattern (default: the one in Settings, else '{DEFAULT_NAME_PATTERN}')".replace("%", "%%"),
    )
    add_drivers_option(ingest)
    add_scorecard_option(ingest)
    add_model_options(ingest)
    add_speaker_option(ingest)
    add_engine_options(ingest)

    transcribe = commands.add_parser(
        "transcribe", help="print transcripts without storing anything (transcript files are read, not transcribed)"
    )
    transcribe.add_argument("files", nargs="+", metavar="FILE")
    transcribe.add_argument("--json", action="store_true", help="one JSON object per file (JSON Lines)")
    add_model_options(transcribe)
    add_speaker_option(transcribe)

    score = commands.add_parser(
        "score", help="transcribe and score calls (or score transcript files); with --db also store them"
    )
    score.add_argument("files", nargs="+", metavar="FILE")
    score.add_argument("--json", action="store_true", help="one JSON object per file (JSON Lines)")
    score.add_argument("--db", help="store the calls and scores in this database (default: store nothing)")
    add_scorecard_option(score)
    add_model_options(score)
    add_speaker_option(score)

    rescore = commands.add_parser("rescore", help="score every stored call again (no new transcription)")
    add_database_option(rescore)
    add_scorecard_option(rescore)

    relocate = commands.add_parser("relocate", help="find moved recordings again by their content, in a folder")
    relocate.add_argument("folder", metavar="FOLDER", help="where to look (recursively)")
    add_database_option(relocate)


def add_coach_parser(commands: argparse._SubParsersAction) -> None:
    """The `coach` command and its subcommands."""
    coach = commands.add_parser("coach", help="coaching: focus suggestions, sessions, coaching packs")
    actions = coach.add_subparsers(dest="coach_command", required=True)
    suggest = actions.add_parser("suggest", help="an agent's criteria furthest below the team, ranked")
    suggest.add_argument("--agent", required=True, help="the agent's name as stored")
    suggest.add_argument("--min-calls", type=int, default=MIN_CALLS, help="fewest applicable calls to count")
    create = actions.add_parser("create", help="a session on focus criteria with proposed clips; prints its id")
    create.add_argument("--agent", required=True, action="append", help="an agent (repeat for a team session)")
    create.add_argument("--criteria", required=True, help="criteria by id or name, comma-separated")
    create.add_argument("--coach", help="the coach's name (default: the reviewer setting or login)")
    export = actions.add_parser("export", help="write a session's coaching pack (folder and zip)")
    export.add_argument("session", type=int, metavar="SESSION_ID")
    export.add_argument("--out", required=True, help="folder to write the pack in")
    export.add_argument(
        "--anonymise-peers",
        action="store_true",
        help="name peers in example clips 'Peer A', 'Peer B', ... (text, labels and their spoken name)",
    )
    for parser in (suggest, create, export):
        add_database_option(parser)


def add_report_parsers(commands: argparse._SubParsersAction) -> None:
    """The `report` and `retag` commands."""
    report = commands.add_parser("report", help="write the dashboards' charts (PNG) and tables (CSV) to a folder")
    report.add_argument(
        "--from", dest="date_from", type=parse_date, metavar="DATE", help="first call date (YYYY-MM-DD)"
    )
    report.add_argument("--to", dest="date_to", type=parse_date, metavar="DATE", help="last call date, inclusive")
    report.add_argument("--out", required=True, metavar="DIR", help="folder to write the files in")
    report.add_argument("--team", help="only this team (its name as stored)")
    report.add_argument("--agent", help="only this agent (the name as stored)")
    retagging = commands.add_parser("retag", help="tag every stored call again with the call drivers file")
    for parser in (report, retagging):
        add_database_option(parser)
        add_drivers_option(parser)


def add_trust_parser(commands: argparse._SubParsersAction) -> None:
    """The `agreement` command."""
    agreement = commands.add_parser("agreement", help="how often automatic verdicts agree with people, per criterion")
    agreement.add_argument(
        "--from", dest="date_from", type=parse_date, metavar="DATE", help="first call date (YYYY-MM-DD)"
    )
    agreement.add_argument("--to", dest="date_to", type=parse_date, metavar="DATE", help="last call date, inclusive")
    agreement.add_argument(
        "--scorecard",
        metavar="FILE",
        help="scorecard whose thresholds mark criteria (default: the one in Settings, else the default)",
    )
    add_database_option(agreement)


def add_users_parsers(commands: argparse._SubParsersAction) -> None:
    """The `users` command with its subcommands, and `assign`."""
    group = commands.add_parser("users", help="people who sign in, and their roles (admin only)")
    actions = group.add_subparsers(dest="users_command", required=True)
    roles = ", ".join(key if key == label else f"{key} ({label})" for key, label in ROLES.items())
    add = actions.add_parser("add", help=f"a new user; the password is asked twice (or read from ${NEW_PASSWORD_ENV})")
    add.add_argument("name")
    add.add_argument("--role", required=True, help=f"one of: {roles}")
    add.add_argument("--agent", metavar="NAME", help="for an agent: their agent name in the calls (default: NAME)")
    actions.add_parser("list", help="every user with role, state and last sign-in")
    set_role_parser = actions.add_parser("set-role", help="give a user another role")
    set_role_parser.add_argument("name")
    set_role_parser.add_argument("role", help=f"one of: {roles}")
    set_role_parser.add_argument("--agent", metavar="NAME", help="for an agent: their agent name in the calls")
    for verb, text in (
        ("disable", "a user can no longer sign in (their name stays in the audit log)"),
        ("enable", "a disabled user can sign in again"),
        ("password", f"set a user's password (asked twice, or ${NEW_PASSWORD_ENV})"),
    ):
        actions.add_parser(verb, help=text).add_argument("name")
    for parser in actions.choices.values():
        add_database_option(parser)

    assign = commands.add_parser("assign", help="ask an evaluator to review calls (QA lead or admin)")
    assign.add_argument("calls", nargs="+", type=int, metavar="CALL_ID")
    assign.add_argument("--to", required=True, metavar="NAME", help="the evaluator's user name ('' for nobody)")
    add_database_option(assign)


FOREVER = "forever"


def _days(text: str) -> int | None:
    if text.strip().lower() in (FOREVER, "for ever", "keep"):
        return None
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of days (or '{FOREVER}')") from None
    if days < 1:
        raise argparse.ArgumentTypeError(f"keep data at least 1 day, or '{FOREVER}' (not {days})")
    return days


def add_retention_parser(commands: argparse._SubParsersAction) -> None:
    """The `retention` command and its subcommands."""
    group = commands.add_parser("retention", help="how long recordings, transcripts and the audit log are kept")
    actions = group.add_subparsers(dest="retention_command", required=True)
    actions.add_parser("show", help="the policy")
    change = actions.add_parser("set", help="change the policy (admin); DAYS or 'forever'")
    for kind, what in KINDS.items():
        change.add_argument(
            f"--{kind}", type=_days, metavar="DAYS", default=argparse.SUPPRESS, help=f"keep {what} this many days"
        )
    actions.add_parser("apply", help="delete what the policy says has expired (admin); in the audit log")
    for parser in actions.choices.values():
        add_database_option(parser)


def add_db_parser(commands: argparse._SubParsersAction) -> None:
    """The `db` command group."""
    db = commands.add_parser("db", help="manage databases: copy a workstation's database into the team's")
    actions = db.add_subparsers(dest="db_command", required=True)
    copy = actions.add_parser(
        "copy",
        help="copy a SQLite database file into an empty PostgreSQL database, keeping every id, score and audit entry",
    )
    copy.add_argument("--from", dest="source", required=True, metavar="SQLITE_FILE", help="the workstation's file")
    copy.add_argument(
        "--to",
        dest="target",
        required=True,
        metavar="postgresql://user@host:port/name",
        help="the team's database (created empty, e.g. with createdb)",
    )


def add_user_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--user",
        metavar="NAME",
        help=f"sign in as this user (on a database with users; default: "
        f"${USER_ENV}); the password is asked, or read from ${PASSWORD_ENV}, never an argument",
    )


def parse_date(text: str) -> dt.date:
    """A YYYY-MM-DD command-line date."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2026-03-31") from None


def add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        help="database file or postgresql://user@host:port/name (default: the one in "
        "Settings, else a file in the user's data folder)",
    )


def add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", help="CTranslate2 model folder or cached size name (default: bundled tiny.en)")
    parser.add_argument("--device", choices=DEVICES, help="where to run the model (default: auto)")
    parser.add_argument(
        "--agent-channel", type=int, choices=AGENT_CHANNELS, help="stereo channel of the agent (default: 0)"
    )


def add_speaker_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--agent-speaker",
        action="append",
        metavar="NAME",
        dest="agent_speakers",
        help="in transcript files (json, csv) whose speakers are names: the agent's name (repeat for "
        "several); every other speaker is the customer (default: the one in Settings)",
    )


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    engine = parser.add_argument_group("parallel engine (Dask distributed; used for more than one file)")
    engine.add_argument(
        "--scheduler",
        metavar="tcp://HOST:8786",
        help="run the analysis on this Dask cluster (default: the one in Settings, else a local "
        "cluster on this machine)",
    )
    engine.add_argument("--workers", type=int, metavar="N", help="local model workers (default: sized to the machine)")
    engine.add_argument(
        "--threads",
        type=int,
        metavar="T",
        help="CPU threads per local worker's model (default: the cores shared between the workers)",
    )
    engine.add_argument(
        "--path-map",
        action="append",
        metavar="FROM=TO",
        help="the workers see files under FROM as under TO (repeatable)",
    )


def add_scorecard_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scorecard", metavar="FILE", help="scorecard TOML (default: the one in Settings, else the one that ships)"
    )


def add_drivers_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--drivers", metavar="FILE", help="call drivers TOML (default: the one in Settings, else the one that ships)"
    )
