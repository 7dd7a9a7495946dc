"""`qa-desktop db copy`: move a workstation's SQLite database into a team's PostgreSQL database, every id,
score and audit entry kept."""

from __future__ import annotations

import argparse
from pathlib import Path

from qa_desktop.cli.options import EXIT_OK, EXIT_USAGE, warn
from qa_desktop.services.config import Config
from qa_desktop.storage.copy import CopyError, copy_database
from qa_desktop.storage.postgres_database import DatabaseUrl, is_server_url


def cmd_db(args: argparse.Namespace, config: Config) -> int:
    """Copy the database; one line per table."""
    if not is_server_url(args.target):
        print(f"error: --to must be a postgresql:// URL, not '{args.target}'")
        return EXIT_USAGE
    target = DatabaseUrl(args.target)
    try:
        copied = copy_database(
            Path(args.source).expanduser(),
            target,
            lambda table, n: print(f"{table:22s} {n:>9,} rows", flush=True),
            tell=warn,
        )
    except CopyError as exc:
        print(f"error: {exc}")
        return EXIT_USAGE
    print(f"copied {sum(copied.values()):,} rows ({copied['call']:,} calls) from {args.source} to {target}")
    return EXIT_OK
