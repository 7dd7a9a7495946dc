"""`qa-desktop users` (add, list, set-role, disable, enable, password) and `qa-desktop assign` (calls to an
evaluator). Passwords come from a prompt or an environment variable, never from an argument."""

from __future__ import annotations

import argparse
import os
import sys

from qa_desktop.cli.console import BarJob, progress_bar
from qa_desktop.cli.options import EXIT_OK, EXIT_USAGE, NEW_PASSWORD_ENV, open_signed_in, read_password
from qa_desktop.services.access.accounts import add_user, set_active, set_password, set_role, state, users
from qa_desktop.services.access.identity import current_user
from qa_desktop.services.access.passwords import PasswordError
from qa_desktop.services.access.permissions import ROLES, require
from qa_desktop.services.config import Config
from qa_desktop.services.review import assign_calls, missing_calls

FIRST_USER = "qa-desktop users add NAME --role admin"


def _new_password(name: str) -> str:
    first = read_password(f"new password for {name}: ", NEW_PASSWORD_ENV)
    if NEW_PASSWORD_ENV not in os.environ and read_password("again: ", NEW_PASSWORD_ENV) != first:
        raise PasswordError("the two passwords differ")
    return first


def cmd_users(args: argparse.Namespace, config: Config) -> int:
    """Run a users subcommand."""
    open_signed_in(args, config)
    command = args.users_command
    if command == "add":
        require(current_user(), "manage users")  # before the new password is asked
        user = add_user(args.name, args.role, _new_password(args.name), args.agent)
        print(f"added {user.name} ({ROLES[user.role]})", file=sys.stderr)
    elif command == "list":
        listed = users()  # refused (not an admin) before a line is printed
        if not listed:
            print(f"no users yet (no one signs in): add the first, an admin, with {FIRST_USER}")
            return EXIT_OK
        print(f"{'name':20s} {'role':10s} {'agent':20s} {'state':22s} last sign-in")
        for user in listed:
            print(
                f"{user.name:20s} {ROLES[user.role]:10s} {user.agent.name if user.agent else '-':20s} "
                f"{state(user):22s} "
                f"{user.last_login or 'never'}"
            )
    elif command == "set-role":
        user = set_role(args.name, args.role, args.agent)
        print(f"{user.name} is now {ROLES[user.role]}", file=sys.stderr)
    elif command in ("disable", "enable"):
        set_active(args.name, command == "enable")
        print(f"{args.name} {command}d", file=sys.stderr)
    else:
        set_password(args.name, _new_password(args.name))
        print(f"password of {args.name} set", file=sys.stderr)
    return EXIT_OK


def cmd_assign(args: argparse.Namespace, config: Config) -> int:
    """Assign calls to an evaluator."""
    open_signed_in(args, config)
    missing = missing_calls(args.calls)
    if missing:
        print(f"error: no call with id {', '.join(map(str, missing))} in the library", file=sys.stderr)
        return EXIT_USAGE
    with progress_bar("call") as progress:  # as the app's: in batches, the bar moving after each
        done = assign_calls(args.calls, args.to or None, job=BarJob(progress))
    for why in done.refused.values():  # each call named as the app names it
        print(f"refused: {why}", file=sys.stderr)
    print(done.summary(), file=sys.stderr)
    return EXIT_OK
