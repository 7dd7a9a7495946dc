"""Options and exit codes shared by the command groups; what the options resolve to (over the settings and the
defaults) is qa_desktop.services.config.Config."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from qa_desktop.services.access.accounts import sign_in
from qa_desktop.services.access.identity import NotSignedIn, set_owner_name, team_mode
from qa_desktop.services.access.passwords import PasswordError
from qa_desktop.services.config import Config
from qa_desktop.storage.database import open_database
from scoring.display import one_line

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


PASSWORD_ENV, USER_ENV = "QA_DESKTOP_PASSWORD", "QA_DESKTOP_USER"
NEW_PASSWORD_ENV = "QA_DESKTOP_NEW_PASSWORD"  # a new user's password, for `users add` and `users password`


def read_password(prompt: str, variable: str) -> str:
    """A password from the environment variable, else asked on the terminal without echo."""
    given = os.environ.get(variable)
    if given is not None:
        return given
    try:
        return getpass.getpass(prompt)
    except EOFError:
        raise PasswordError(f"no password given (no terminal to ask on: set {variable})") from None


def warn(message: str) -> None:
    """A line the user should read, on stderr (what a command prints on stdout stays its output), on one line with
    card data in it redacted (`one_line`)."""
    print(f"warning: {one_line(message)}", file=sys.stderr)


def open_signed_in(args: argparse.Namespace, config: Config, path: str | None = None) -> Path | str:
    """Open the command's database (`path`, else the configured one) and sign in as --user. On a database
    without users the local owner acts (the configured reviewer name, else the login name); on one with users,
    no --user is NotSignedIn."""
    where = open_database(path if path is not None else config.database, tell=warn)
    set_owner_name(config.reviewer)
    name = getattr(args, "user", None) or os.environ.get(USER_ENV)
    if name:
        sign_in(name, read_password(f"password for {name}: ", PASSWORD_ENV))
    elif team_mode():
        raise NotSignedIn(
            f"database {where} has users: give --user NAME (the password is asked, or read from {PASSWORD_ENV})"
        )
    return where
