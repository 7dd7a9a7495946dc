"""`qa-desktop retention`: show, set (admin) and apply (admin) the retention policy."""

from __future__ import annotations

import argparse
import sys

from qa_desktop.cli.options import EXIT_FAILED, EXIT_OK, open_signed_in
from qa_desktop.services.config import Config
from qa_desktop.services.retention import KINDS, apply_policy, policy, set_policy

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
        parser.add_argument("--db", help="database file or postgresql:// URL (default: in the user's data folder)")


def _show(days: dict[str, int | None]) -> None:
    for kind, what in KINDS.items():
        value = days[kind]
        print(f"{kind:12s} {'for ever' if value is None else f'{value} days':>10s}  ({what})")


def cmd_retention(args: argparse.Namespace, config: Config) -> int:
    """Run a retention subcommand."""
    where = open_signed_in(args, config)
    if args.retention_command == "show":
        _show(policy())
    elif args.retention_command == "set":
        _show(set_policy({kind: getattr(args, kind) for kind in KINDS if hasattr(args, kind)}))
    else:
        report = apply_policy()
        for failure in report.failed:
            print(f"FAILED: {failure}", file=sys.stderr)
        print(f"{report.summary()} (database: {where})", file=sys.stderr)
        return EXIT_FAILED if report.failed else EXIT_OK
    return EXIT_OK
