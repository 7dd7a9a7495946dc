"""Options and exit codes shared by the command groups, each resolved command line over Settings over defaults."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
from pathlib import Path

from scoring.scorecard import Scorecard, default_scorecard_path, load_scorecard
from scoring.transcriber import TranscriberConfig

from qa_desktop.services.access.accounts import sign_in
from qa_desktop.services.access.passwords import PasswordError
from qa_desktop.services.access.identity import NotSignedIn, set_owner_name, team_mode
from qa_desktop.services.ingest_engine import EngineOptions, parse_path_map
from qa_desktop.services.settings import Settings
from qa_desktop.storage.database import open_database

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def database_path(args: argparse.Namespace, settings: Settings) -> str | None:
    """The database the command works on: --db, else the one in Settings, else None (the default file)."""
    return getattr(args, "db", None) or settings.get("database") or None


PASSWORD_ENV, USER_ENV = "QA_DESKTOP_PASSWORD", "QA_DESKTOP_USER"


def add_user_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", metavar="NAME", help=f"sign in as this user (on a database with users; default: "
                        f"${USER_ENV}); the password is asked, or read from ${PASSWORD_ENV}, never an argument")


def read_password(prompt: str, variable: str) -> str:
    """A password from the environment variable, else asked on the terminal without echo."""
    given = os.environ.get(variable)
    if given is not None:
        return given
    try:
        return getpass.getpass(prompt)
    except EOFError:
        raise PasswordError(f"no password given (no terminal to ask on: set {variable})") from None


def open_signed_in(args: argparse.Namespace, settings: Settings, path: str | None = None) -> Path | str:
    """Open the command's database (`path`, else --db, else Settings) and sign in as --user. On a database
    without users the local owner acts (the Settings' reviewer name, else the login name); on one with users,
    no --user is NotSignedIn."""
    where = open_database(path if path is not None else database_path(args, settings))
    set_owner_name(settings.get("reviewer"))
    name = getattr(args, "user", None) or os.environ.get(USER_ENV)
    if name:
        sign_in(name, read_password(f"password for {name}: ", PASSWORD_ENV))
    elif team_mode():
        raise NotSignedIn(f"database {where} has users: give --user NAME (the password is asked, or read from "
                          f"{PASSWORD_ENV})")
    return where


def parse_date(text: str) -> dt.date:
    """A YYYY-MM-DD command-line date."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2026-03-31") from None


def add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", help="CTranslate2 model folder or cached size name (default: bundled tiny.en)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), help="where to run the model (default: auto)")
    parser.add_argument("--agent-channel", type=int, choices=(0, 1), help="stereo channel of the agent (default: 0)")


def add_speaker_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--agent-speaker", action="append", metavar="NAME", dest="agent_speakers",
                        help="in transcript files (json, csv) whose speakers are names: the agent's name (repeat for "
                             "several); every other speaker is the customer (default: the one in Settings)")


def agent_speakers(args: argparse.Namespace, settings: Settings) -> list[str]:
    return args.agent_speakers if args.agent_speakers else settings.agent_speakers()

def add_engine_options(parser: argparse.ArgumentParser) -> None:
    engine = parser.add_argument_group("parallel engine (Dask distributed; used for more than one file)")
    engine.add_argument("--scheduler", metavar="tcp://HOST:8786",
                        help="run the analysis on this Dask cluster (default: the one in Settings, else a local "
                        "cluster on this machine)")
    engine.add_argument("--workers", type=int, metavar="N", help="local model workers (default: sized to the machine)")
    engine.add_argument("--threads", type=int, metavar="T", help="CPU threads per local worker's model "
                        "(default: the cores shared between the workers)")
    engine.add_argument("--path-map", action="append", metavar="FROM=TO",
                        help="the workers see files under FROM as under TO (repeatable)")


def engine_options(args: argparse.Namespace, settings: Settings) -> EngineOptions:
    """The Settings' engine, with what the command line says over it."""
    saved = settings.engine()
    return EngineOptions(scheduler=args.scheduler or saved.scheduler, workers=args.workers or saved.workers,
                         threads=args.threads or saved.threads,
                         path_map=parse_path_map(args.path_map) if args.path_map else saved.path_map)


def add_scorecard_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scorecard", metavar="FILE", help="scorecard TOML (default: the one in Settings, "
                        "else resources/scorecards/default.toml)")


def scorecard_for(args: argparse.Namespace, settings: Settings) -> Scorecard:
    return load_scorecard(args.scorecard or settings.get("scorecard") or default_scorecard_path())



def transcriber_config(args: argparse.Namespace, settings: Settings) -> TranscriberConfig:
    return TranscriberConfig(model=args.model or settings.get("model") or None, device=args.device or settings.get("device"))


def agent_channel(args: argparse.Namespace, settings: Settings) -> int:
    return args.agent_channel if args.agent_channel is not None else settings.get("agent_channel")
