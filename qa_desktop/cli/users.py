"""`qa-desktop users` (add, list, set-role, disable, enable, password) and `qa-desktop assign` (calls to an
evaluator). Passwords come from a prompt or an environment variable, never from an argument."""

from __future__ import annotations

import argparse
import os
import sys

from qa_desktop.cli.options import EXIT_OK, EXIT_USAGE, open_signed_in, read_password
from qa_desktop.services.access.accounts import add_user, set_active, set_password, set_role, state, users
from qa_desktop.services.access.identity import current_user
from qa_desktop.services.access.passwords import PasswordError
from qa_desktop.services.access.permissions import ROLES, require
from qa_desktop.services.config import Config
from qa_desktop.services.review import assign_call
from qa_desktop.storage.models import Call

NEW_PASSWORD_ENV = "QA_DESKTOP_NEW_PASSWORD"


def add_users_parsers(commands: argparse._SubParsersAction) -> None:
    """The `users` command with its subcommands, and `assign`."""
    group = commands.add_parser("users", help="people who sign in, and their roles (admin only)")
    actions = group.add_subparsers(dest="users_command", required=True)
    roles = ", ".join(f"{key} ({label})" for key, label in ROLES.items())
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
        parser.add_argument("--db", help="database file or postgresql:// URL (default: in the user's data folder)")

    assign = commands.add_parser("assign", help="ask an evaluator to review calls (QA lead or admin)")
    assign.add_argument("calls", nargs="+", type=int, metavar="CALL_ID")
    assign.add_argument("--to", required=True, metavar="NAME", help="the evaluator's user name ('' for nobody)")
    assign.add_argument("--db", help="database file or postgresql:// URL (default: in the user's data folder)")


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
        print(f"{'name':20s} {'role':10s} {'agent':20s} {'state':22s} last sign-in")
        for user in users():
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
    missing = [i for i in args.calls if Call.get_or_none(Call.id == i) is None]
    if missing:
        print(f"error: no call {', '.join(map(str, missing))}", file=sys.stderr)
        return EXIT_USAGE
    for call_id in args.calls:
        assign_call(call_id, args.to or None)
    print(f"{len(args.calls)} calls assigned to {args.to or 'nobody'}", file=sys.stderr)
    return EXIT_OK
