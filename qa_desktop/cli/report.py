"""`qa-desktop report` (the dashboards written headless as PNG charts and CSV tables) and
`qa-desktop retag` (tag every stored call again with an edited call-drivers file)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from qa_desktop.cli.console import progress_bar
from qa_desktop.cli.options import (
    EXIT_OK,
    EXIT_USAGE,
    open_signed_in,
)
from qa_desktop.services.config import Config
from qa_desktop.services.dashboard.queries import Scope
from qa_desktop.services.dashboard.report import write_report
from qa_desktop.services.library import visible_scope
from qa_desktop.services.rescore import retag
from qa_desktop.storage.people import agent_called, team_named


def cmd_report(args: argparse.Namespace, config: Config) -> int:
    """Write every dashboard chart and table for the range (and team or agent) to --out."""
    drivers = config.load_drivers()
    db_path = open_signed_in(args, config)
    team = team_named(args.team, create=False)
    agent = agent_called(args.agent) if args.agent else None
    if args.date_from and args.date_to and args.date_from > args.date_to:
        print("error: --from is after --to", file=sys.stderr)
        return EXIT_USAGE
    scope = visible_scope(Scope(args.date_from, args.date_to, team.id if team else None, agent.id if agent else None))
    with tqdm(total=None, unit="chart", file=sys.stderr, disable=None) as bar:
        files = write_report(scope, drivers, Path(args.out), lambda title: (bar.set_description(title), bar.update()))
    for path in files:
        print(path)
    print(f"{len(files)} files written to {args.out} (database: {db_path})", file=sys.stderr)
    return EXIT_OK


def cmd_retag(args: argparse.Namespace, config: Config) -> int:
    """Tag every stored call again from its stored transcript."""
    drivers = config.load_drivers()
    db_path = open_signed_in(args, config)
    with progress_bar("call") as progress:
        count = retag(drivers, progress)
    print(f"{count} calls tagged with the call drivers of {drivers.path} (database: {db_path})", file=sys.stderr)
    return EXIT_OK
