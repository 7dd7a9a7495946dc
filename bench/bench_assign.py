#!/usr/bin/env python3
"""A lead assigning a whole library: fill a SQLite file and a throwaway PostgreSQL database with N synthetic calls
and three users, then time `services.review.assign_calls` over every call (to eve, to fay, to nobody: each
changes every call), in a fresh process per round, alternating the code under test with `--base` (another
checkout, e.g. a worktree of main) so that both see the same load.

Usage: bench/bench_assign.py [--calls N] [--rounds R] [--base PATH] [--store sqlite|postgresql|both]
       bench/bench_assign.py --time LOCATION   (one round on a filled database; prints seconds per assign)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
USERS = (("root", "admin"), ("lena", "lead"), ("eve", "evaluator"), ("fay", "evaluator"))


def fill_database(location: str, calls: int) -> None:
    """Open, migrate and fill `location` with `calls` calls and the users."""
    from qa_desktop.services.access import identity
    from qa_desktop.services.access.accounts import add_user, sign_in
    from qa_desktop.storage.database import close_database, open_database
    from tools.synthetic_library import fill

    open_database(location)
    fill(calls, utterances_per_call=1)
    for name, role in USERS:
        add_user(name, role, f"{name} password")
        if role == "admin":
            sign_in(name, f"{name} password")
    identity.sign_out()
    close_database()


def time_assign(location: str) -> None:
    """Sign in as the lead and assign every call three times; print the seconds each took."""
    from qa_desktop.services.access.accounts import sign_in
    from qa_desktop.services.review import assign_calls
    from qa_desktop.storage.database import close_database, open_database
    from qa_desktop.storage.models import Call

    open_database(location)
    sign_in("lena", "lena password")
    ids = [call.id for call in Call.select(Call.id).order_by(Call.id)]
    seconds = []
    for evaluator in ("eve", "fay", None):
        began = time.perf_counter()
        done = assign_calls(ids, evaluator)
        seconds.append(time.perf_counter() - began)
        assert len(done.assigned) == len(ids), done.summary()
    close_database()
    print(" ".join(f"{s:.2f}" for s in seconds))


def _load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--base", type=Path, help="another checkout to time in turn with this one")
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--time", metavar="LOCATION", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.time:
        sys.path.insert(0, os.environ.get("BENCH_CODE", str(ROOT)))
        time_assign(args.time)
        return
    sys.path.insert(0, str(ROOT))
    from tools.throwaway_postgres import ThrowawayServer

    codes = [("new", ROOT)] + ([("base", args.base.resolve())] if args.base else [])
    with tempfile.TemporaryDirectory() as folder, ThrowawayServer() as server:
        stores = {"sqlite": str(Path(folder) / "calls.sqlite3"), "postgresql": server.new_database()}
        stores = {k: v for k, v in stores.items() if args.store in (k, "both")}
        for store, location in stores.items():
            began = time.perf_counter()
            fill_database(location, args.calls)
            print(f"{store}: filled {args.calls} calls in {time.perf_counter() - began:.0f} s", flush=True)
        for round_ in range(args.rounds):
            for store, location in stores.items():
                for name, code in codes if round_ % 2 == 0 else codes[::-1]:
                    env = {**os.environ, "BENCH_CODE": str(code), "PYTHONPATH": str(code)}
                    out = subprocess.run(
                        [sys.executable, __file__, "--time", location], env=env, capture_output=True, text=True
                    )
                    result = out.stdout.strip() or out.stderr.strip().splitlines()[-1]
                    line = f"round {round_} {store:10s} {name:4s} eve/fay/nobody s: {result}  (load {_load()})"
                    print(line, flush=True)


if __name__ == "__main__":
    main()
