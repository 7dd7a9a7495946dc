#!/usr/bin/env python3
"""`db copy` at scale: fill a SQLite file with N synthetic calls (with results), then copy it into a new database
on a durable throwaway PostgreSQL server, in a fresh process per copy, alternating the code under test with `--base`
(another checkout, e.g. a worktree of main) so that both see the same load.

Usage: bench/bench_copy.py [--calls N] [--rounds R] [--base PATH] [--file SQLITE]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# one copy, in the checkout on PYTHONPATH: its seconds and the results copied
ONE_COPY = (
    "import sys, time; from pathlib import Path; from qa_desktop.storage.copy import copy_database; "
    "began = time.perf_counter(); copied = copy_database(Path(sys.argv[1]), sys.argv[2]); "
    "print(f'{time.perf_counter() - began:.1f} s, {copied[\"criterionresult\"]:,} results')"
)


def fill_file(path: Path, calls: int) -> None:
    """A SQLite file with `calls` synthetic calls, each with a result for every criterion."""
    from qa_desktop.storage.database import close_database, open_database
    from tools.synthetic_library import fill

    open_database(path)
    fill(calls, with_results=True)
    close_database()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--base", type=Path, help="another checkout to time in turn with this one")
    parser.add_argument("--file", type=Path, help="the SQLite file to copy (filled first if missing)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tools.throwaway_postgres import ThrowawayServer

    source = args.file or Path(tempfile.mkdtemp(prefix="qa-bench-copy-")) / f"library-{args.calls}.sqlite3"
    if not source.exists():
        fill_file(source, args.calls)
    trees = [("this", ROOT)] + ([("base", args.base.resolve())] if args.base else [])
    with ThrowawayServer(durable=True) as server:
        for round_ in range(args.rounds):
            for name, tree in trees:
                url = server.new_database()
                done = subprocess.run(
                    [sys.executable, "-c", ONE_COPY, str(source), url],
                    env={**os.environ, "PYTHONPATH": str(tree)},
                    cwd=tree,
                    capture_output=True,
                    text=True,
                )
                said = done.stdout.strip() or done.stderr.strip()[-300:]
                load = " ".join(f"{value:.1f}" for value in os.getloadavg())
                print(f"round {round_} {name}: {said} (load {load})", flush=True)
                server.drop_database(url)


if __name__ == "__main__":
    main()
