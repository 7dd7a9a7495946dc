"""Options and exit codes shared by the command groups; what the options resolve to (over the settings and the
defaults) is qa_desktop.services.config.Config."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
from pathlib import Path

from qa_desktop.services.access.accounts import sign_in
from qa_desktop.services.access.identity import NotSignedIn, set_owner_name, team_mode
from qa_desktop.services.access.passwords import PasswordError
from qa_desktop.services.config import Config
from qa_desktop.storage.database import open_database
from scoring.models import DEVICES
from scoring.transcript import AGENT_CHANNELS

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


PASSWORD_ENV, USER_ENV = "QA_DESKTOP_PASSWORD", "QA_DESKTOP_USER"


def add_user_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--user",
        metavar="NAME",
        help=f"sign in as this user (on a database with users; default: "
        f"${USER_ENV}); the password is asked, or read from ${PASSWORD_ENV}, never an argument",
    )


def read_password(prompt: str, variable: str) -> str:
    """A password from the environment variable, else asked on the terminal without echo."""
    given = os.environ.get(variable)
    if given is not None:
        return given
    try:
        return getpass.getpass(prompt)
    except EOFError:
        raise PasswordError(f"no password given (no terminal to ask on: set {variable})") from None


def open_signed_in(args: argparse.Namespace, config: Config, path: str | None = None) -> Path | str:
    """Open the command's database (`path`, else the configured one) and sign in as --user. On a database
    without users the local owner acts (the configured reviewer name, else the login name); on one with users,
    no --user is NotSignedIn."""
    where = open_database(path if path is not None else config.database)
    set_owner_name(config.reviewer)
    name = getattr(args, "user", None) or os.environ.get(USER_ENV)
    if name:
        sign_in(name, read_password(f"password for {name}: ", PASSWORD_ENV))
    elif team_mode():
        raise NotSignedIn(
            f"database {where} has users: give --user NAME (the password is asked, or read from {PASSWORD_ENV})"
        )
    return where


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
