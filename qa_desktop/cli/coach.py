"""`qa-desktop coach`: suggest focus criteria for an agent, create a session with proposed clips,
export a session's coaching pack."""

from __future__ import annotations

import argparse
import getpass
import sys

from tqdm import tqdm

from qa_desktop.cli.options import EXIT_OK, EXIT_USAGE, open_signed_in
from qa_desktop.services.coaching.focus import suggest_focus
from qa_desktop.services.coaching.pack import export_pack
from qa_desktop.services.coaching.sessions import CoachingError, clips, create_session, criteria_given, criterion_names
from qa_desktop.services.config import Config
from qa_desktop.storage.models import CoachingSession
from qa_desktop.storage.no_agent import shown_agent
from qa_desktop.storage.people import agent_called


def cmd_coach(args: argparse.Namespace, config: Config) -> int:
    """Run a coach subcommand; a bad agent, criterion or session id is one clear line and exit code 2."""
    open_signed_in(args, config)
    try:
        if args.coach_command == "suggest":
            return _suggest(args)
        if args.coach_command == "create":
            return _create(args, args.coach or config.reviewer or getpass.getuser())
        return _export(args)
    except CoachingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _suggest(args: argparse.Namespace) -> int:
    agent = agent_called(args.agent)
    names = criterion_names()
    found = suggest_focus(agent, args.min_calls)
    if not found:
        fewer = " (--min-calls N compares on fewer)" if args.min_calls > 1 else ""
        below = f"no criterion below the team with at least {args.min_calls} calls each side{fewer}"
        print(f"{shown_agent(agent.name)}: {below}")
        return EXIT_OK
    print(f"{'rank':>4}  {'criterion':26s} {'agent':>22s} {'team':>22s}  gap")
    for rank, f in enumerate(found, 1):
        print(
            f"{rank:>4}  {names.get(f.criterion, f.criterion)[:26]:26s} {f.agent.text():>22s} "
            f"{f.team.text():>22s}  {f.gap:.0f} points  ({f.criterion})"
        )
    return EXIT_OK


def _create(args: argparse.Namespace, coach: str) -> int:
    agents = [agent_called(name) for name in args.agent]
    criteria = criteria_given([c for c in args.criteria.split(",") if c.strip()])
    session = create_session(agents, criteria, coach)
    chosen = clips(session)
    print(session.id)
    print(
        f"session {session.id}: {session.title}; {sum(c.kind == 'improve' for c in chosen)} clips to improve, "
        f"{sum(c.kind == 'example' for c in chosen)} examples from peers",
        file=sys.stderr,
    )
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    session = CoachingSession.get_or_none(CoachingSession.id == args.session)
    if session is None:
        raise CoachingError(f"no coaching session {args.session}")
    bar = tqdm(total=max(1, len(clips(session))), unit="clip", file=sys.stderr, disable=None)

    def progress(done: int, total: int) -> None:
        bar.n = done
        bar.refresh()

    folder, archive = export_pack(session, args.out, progress, anonymise_peers=args.anonymise_peers)
    bar.close()
    print(folder)
    print(f"coaching pack: {folder} (and {archive})", file=sys.stderr)
    return EXIT_OK
