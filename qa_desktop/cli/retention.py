"""`qa-desktop retention`: show, set (admin) and apply (admin) the retention policy."""

from __future__ import annotations

import argparse
import sys

from qa_desktop.cli.options import EXIT_FAILED, EXIT_OK, open_signed_in
from qa_desktop.services.config import Config
from qa_desktop.services.retention import KINDS, apply_policy, policy, set_policy


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
