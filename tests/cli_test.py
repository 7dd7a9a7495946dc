"""The command line imports a command's implementation only when that command runs: `users list` and --help
start without the engine's libraries (the model, Dask, scikit-learn, the charts), which take seconds to load."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from qa_desktop.cli.main import COMMANDS
from qa_desktop.cli.parsers import build_parser, parse_args
from qa_desktop.storage.database import close_database
from tests.support.cli import run_cli
from tests.support.demo import ROOT
from tests.support.stored_calls import stored_call

ENGINE_LIBRARIES = ("faster_whisper", "ctranslate2", "sklearn", "scipy", "librosa", "matplotlib", "distributed")
ENGINE_LIBRARIES += ("reportlab", "PySide6.QtWidgets")

CHILD = """
    import contextlib, io, json, sys
    from qa_desktop.cli.main import main

    with contextlib.redirect_stdout(io.StringIO()) as out:
        try:
            code = main(sys.argv[2:])
        except SystemExit as exit:  # --help
            code = exit.code
    loaded = sorted(m for m in json.loads(sys.argv[1]) if m in sys.modules)
    print(json.dumps({"code": code, "out": out.getvalue(), "loaded": loaded}))
"""


def _run(*args: str) -> dict:
    """`qa-desktop ARGS` in a fresh interpreter: its exit code, its output and the engine libraries it loaded."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(CHILD), json.dumps(ENGINE_LIBRARIES), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize(("args", "says"), [(["--help"], "agreement"), (["users", "list"], "no users yet")])
def test_commands_that_need_no_engine_do_not_import_it(args, says, tmp_path):
    database = ["--db", str(tmp_path / "calls.sqlite3")] if args != ["--help"] else []
    ran = _run(*args, *database)
    assert (ran["code"], ran["loaded"]) == (0, [])
    assert says in ran["out"]


def test_every_command_runs_a_function_of_its_module():
    parsed = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert set(COMMANDS) == set(parsed) - {"app"}
    for module, function in COMMANDS.values():
        assert callable(getattr(importlib.import_module(module), function))


def test_a_database_named_before_the_command_is_the_commands(tmp_path):
    chosen = tmp_path / "team.sqlite3"
    ran = _run("--db", str(chosen), "users", "list")
    assert ran["code"] == 0
    assert chosen.exists()  # not the default database in the user's data folder


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--db", "a.sqlite3", "transcribe", "x.wav"], "opens no database"),
        (["--db", "a.sqlite3", "users", "list", "--db", "b.sqlite3"], "two databases given"),
    ],
)
def test_a_database_the_command_cannot_use_is_an_error(args, says, capsys):
    with pytest.raises(SystemExit) as exit:
        parse_args(args)
    assert exit.value.code == 2
    assert says in capsys.readouterr().err


def _with_db(parser: argparse.ArgumentParser, name: str = "") -> dict[str, argparse.ArgumentParser]:
    """Every (sub)command under `parser` that takes --db, by name."""
    found = {name: parser} if any("--db" in a.option_strings for a in parser._actions) and name else {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub, child in action.choices.items():
                found |= _with_db(child, f"{name} {sub}".strip())
    return found


def _db_help(parser: argparse.ArgumentParser) -> str:
    return next(a.help for a in parser._actions if "--db" in a.option_strings)


def test_every_command_s_db_help_says_the_settings_database_is_its_default_and_it_is(tmp_path, monkeypatch):
    from qa_desktop.cli.main import main
    from qa_desktop.services.settings import Settings
    from qa_desktop.storage.database import close_database
    from qa_desktop.storage.models import User

    parsers = {name: p for name, p in _with_db(build_parser()).items() if name != "score"}  # score: stores nothing
    assert {"users add", "assign", "retention show"} <= set(parsers)
    lying = [name for name, parser in parsers.items() if "Settings" not in _db_help(parser)]
    assert lying == []  # was users *, assign and retention *: "(default: in the user's data folder)"
    chosen = tmp_path / "team.sqlite3"
    Settings().set("database", str(chosen))
    monkeypatch.setenv("QA_DESKTOP_NEW_PASSWORD", "a long password")
    assert main(["users", "add", "admin", "--role", "admin"]) == 0
    assert User.select().count() == 1 and chosen.exists()  # the Settings database, as the help says
    close_database()


def test_the_roles_and_dates_in_the_help_read_once_and_with_their_format():
    commands = _with_db(build_parser())
    role = next(a.help for a in commands["users add"]._actions if "--role" in a.option_strings)
    assert role == "one of: admin, lead (QA lead), coach, evaluator, agent"  # was "admin (admin), …, agent (agent)"
    for name in ("report", "agreement"):
        since = next(a.help for a in commands[name]._actions if "--from" in a.option_strings)
        assert "YYYY-MM-DD" in since  # agreement's said "first call date" only


@pytest.fixture
def calls_of_three_agents(db, isolated_home):
    """A database file with calls of 'Tom Becker', and of 'Dee Ray' and 'DEE RAY' (two agents alike but for case);
    closed, for the command line's own process."""
    for agent in ("Tom Becker", "Dee Ray", "DEE RAY"):
        stored_call(agent, "Billing", "2026-03-02 09:00", 300, (80, 80, 80), False, {"greeting": ("pass", None)}, [])
    close_database()
    return db


def test_an_agent_is_named_without_case_or_surrounding_spaces_unless_two_differ_only_by_case(
    calls_of_three_agents, isolated_home
):
    db = str(calls_of_three_agents)
    done = run_cli("coach", "suggest", "--agent", " tom becker ", "--db", db, env_home=isolated_home)
    assert done.returncode == 0 and done.stdout.startswith("Tom Becker: "), done.stderr  # was "no agent called"
    done = run_cli(
        "coach", "create", "--agent", "TOM BECKER", "--criteria", "greeting", "--db", db, env_home=isolated_home
    )
    assert done.returncode == 0 and "Tom Becker" in done.stderr, done.stderr
    done = run_cli("coach", "suggest", "--agent", "dee ray", "--db", db, env_home=isolated_home)
    assert done.returncode == 2 and "error: 'dee ray' could be 'DEE RAY' or 'Dee Ray'" in done.stderr, done.stderr
    done = run_cli("coach", "suggest", "--agent", "Dee Ray", "--db", db, env_home=isolated_home)
    assert done.returncode == 0 and done.stdout.startswith("Dee Ray: "), done.stderr  # as stored: no doubt
    done = run_cli("coach", "suggest", "--agent", "Nobody", "--db", db, env_home=isolated_home)
    assert done.returncode == 2 and "no agent called 'Nobody' (agents: DEE RAY, Dee Ray, Tom Becker)" in done.stderr


def test_coach_create_takes_criteria_by_id_or_by_the_name_the_app_shows(calls_of_three_agents, isolated_home):
    db = str(calls_of_three_agents)
    given = " identity verification,greeting , Card data safe (PCI)"  # was "unknown criteria: identity verification"
    done = run_cli("coach", "create", "--agent", "Tom Becker", "--criteria", given, "--db", db, env_home=isolated_home)
    assert done.returncode == 0, done.stderr
    with contextlib.closing(sqlite3.connect(db)) as con:
        stored = con.execute("SELECT criteria FROM coachingsession WHERE id = ?", (int(done.stdout.split()[0]),))
        assert json.loads(stored.fetchone()[0]) == ["identity_verification", "greeting", "pci_safe"]
    done = run_cli(
        "coach", "create", "--agent", "Tom Becker", "--criteria", "greeting,Nope", "--db", db, env_home=isolated_home
    )
    assert done.returncode == 2 and "error: unknown criteria: Nope (known, by id or name: " in done.stderr
    assert "identity_verification (Identity verification)" in done.stderr


def test_users_list_on_a_database_without_users_says_so_and_how_to_add_one(tmp_path, isolated_home):
    done = run_cli("users", "list", "--db", str(tmp_path / "calls.sqlite3"), env_home=isolated_home)
    assert done.returncode == 0, done.stderr  # was the header line alone
    assert (
        done.stdout
        == "no users yet (no one signs in): add the first, an admin, with qa-desktop users add NAME --role admin\n"
    )


def test_assign_counts_one_call_as_one_and_a_usage_error_exits_2_like_every_command(
    calls_of_three_agents, isolated_home
):
    db = str(calls_of_three_agents)
    with contextlib.closing(sqlite3.connect(db)) as con:
        first, second = (str(i) for (i,) in con.execute("SELECT id FROM call ORDER BY id LIMIT 2"))
    done = run_cli("assign", first, "--to", "", "--db", db, env_home=isolated_home)
    assert done.returncode == 0 and done.stderr == "1 call assigned to nobody (1 already was)\n", (
        done.stderr
    )  # was "1 calls"
    done = run_cli("assign", first, second, "--to", "", "--db", db, env_home=isolated_home)
    assert done.returncode == 0 and done.stderr == "2 calls assigned to nobody (2 already were)\n", done.stderr
    done = run_cli("assign", first, "--to", "Nobody", "--db", db, env_home=isolated_home)
    assert done.returncode == 2, done.stderr  # was 1, as for a failure, not a usage error
    with contextlib.closing(sqlite3.connect(db)) as con:
        agent, at = con.execute(
            f"SELECT a.name, c.call_time FROM call c JOIN agent a ON a.id = c.agent_id WHERE c.id = {first}"
        ).fetchone()
    named = f"the call '{agent}, {at[:16].replace('T', ' ')}'"
    assert done.stderr == f"error: no active user called 'Nobody' to assign {named} to\n"  # was "call {first}"
    done = run_cli("assign", "999", "--to", "", "--db", db, env_home=isolated_home)
    assert done.returncode == 2 and done.stderr == "error: no call with id 999 in the library\n"
    assert run_cli("assign", "one", "--to", "", "--db", db, env_home=isolated_home).returncode == 2  # argparse's


def test_assign_checks_the_ids_in_batches_and_moves_a_progress_bar(calls_of_three_agents, isolated_home, monkeypatch):
    """Before: the check for ids naming no call was a query per id (100,000 ids: 100,000 queries before the first
    call was assigned), and the assigning itself, in batches in the app with a progress dialog, showed nothing."""
    import fcntl
    import os
    import pty
    import struct
    import termios

    from peewee import Database

    from qa_desktop.cli.main import main

    db = str(calls_of_three_agents)
    with contextlib.closing(sqlite3.connect(db)) as con:
        first = str(con.execute("SELECT min(id) FROM call").fetchone()[0])
    statements: list[str] = []
    execute = Database.execute_sql
    monkeypatch.setattr(
        Database, "execute_sql", lambda self, sql, *a, **k: statements.append(sql) or execute(self, sql, *a, **k)
    )

    def checked(ids: list[str]) -> int:
        statements.clear()
        assert main(["assign", first, *ids, "--to", "", "--db", db]) == 2  # naming the missing ids
        return len([s for s in statements if "call" in s.lower()])

    assert checked([str(9000 + i) for i in range(40)]) == checked(["9000"])  # was 42 and 3 statements
    close_database()
    leader, follower = pty.openpty()  # a terminal 100 columns wide, where the bar shows
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    env = {**os.environ, "XDG_CONFIG_HOME": str(isolated_home / "config"), "XDG_DATA_HOME": str(isolated_home / "data")}
    ids = [str(i) for i in range(int(first), int(first) + 3)]
    child = subprocess.Popen(
        [sys.executable, "-m", "qa_desktop", "assign", *ids, "--to", "", "--db", db],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        cwd=ROOT,
        env=env,
    )
    os.close(follower)
    shown = b""
    with contextlib.suppress(OSError):  # the child's end closed
        while chunk := os.read(leader, 4096):
            shown += chunk
    os.close(leader)
    assert child.wait(timeout=300) == 0
    assert "3/3" in shown.decode() and "3 calls assigned to nobody" in shown.decode()  # the bar, then the summary
