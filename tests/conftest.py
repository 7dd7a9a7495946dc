"""Shared fixtures: isolated settings and data folders, a real database, the real model (tests marked `model`)."""

from __future__ import annotations

import json
import logging
import os

import pytest
from argon2 import PasswordHasher, profiles
from PySide6.QtCore import QSettings

from qa_desktop.services.access import passwords
from qa_desktop.services.access.identity import sign_out
from qa_desktop.storage.database import close_database, open_database
from qa_desktop.storage.models import database
from scoring.scorecard import default_scorecard_path, load_scorecard
from scoring.worker import TranscriptionWorker
from tests.support import model_guard
from tests.support.demo import DEMO, REFERENCE, demo_clip
from tests.support.stores import POSTGRESQL, STORES, open_copy
from tools.throwaway_postgres import PostgresMissing, ThrowawayServer

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

MODEL_FIXTURES = {"worker", "demo_analyses", "demo_transcripts"}
MODEL_GROUP = "session_model"  # the pytest-xdist group of the tests that use MODEL_FIXTURES


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """A test that asks for the model must say so (before the session's model is started for it)."""
    if item.get_closest_marker(model_guard.MARKER) is None and MODEL_FIXTURES & set(item.fixturenames):
        pytest.fail(
            f"{item.nodeid} uses {', '.join(sorted(MODEL_FIXTURES & set(item.fixturenames)))}: {model_guard.MESSAGE}",
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def model_forbidden(request, monkeypatch):
    """A test not marked `model` fails if it loads the model, here or in a CLI child (`run_cli`); yields the
    list of tries (empty for a test marked `model`)."""
    tries: list[str] = []
    if request.node.get_closest_marker(model_guard.MARKER) is not None:
        yield tries
        return
    model_guard.forbid_model(monkeypatch.setattr, lambda: tries.append(request.node.nodeid))
    monkeypatch.setenv(model_guard.ENV, "1")
    yield tries
    if tries:
        pytest.fail(f"{request.node.nodeid}: {model_guard.MESSAGE}", pytrace=False)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch):
    """Settings and the default database live in a fresh folder for every test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # Qt reads XDG_CONFIG_HOME once per process; point QSettings at this test's folder explicitly.
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(home / "config"))
    yield home
    close_database()  # no test sees the database, or the user signed in, that another test left open
    database.initialize(None)
    sign_out()


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch):
    """Real argon2id hashes in this process, with argon2's cheapest parameters: the production ones take a tenth
    of a second a hash on purpose. A CLI child hashes with the production ones (see accounts_test)."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))


def pytest_configure(config):
    config.addinivalue_line("markers", "both_stores: the module's tests that use `db` run on SQLite and PostgreSQL")
    config.addinivalue_line("markers", "sqlite_only: this test reads the SQLite file itself")
    config.addinivalue_line(
        "markers", "postgresql: runs on a throwaway PostgreSQL server (set by this file; left out by `make test-fast`)"
    )


def pytest_generate_tests(metafunc):
    """Tests marked both_stores that use the `db` fixture run once per store."""
    if (
        "db" in metafunc.fixturenames
        and metafunc.definition.get_closest_marker("both_stores")
        and not metafunc.definition.get_closest_marker("sqlite_only")
    ):
        metafunc.parametrize("db", STORES, indirect=True)


@pytest.hookimpl(tryfirst=True)  # the group's marker is there before pytest-xdist reads it
def pytest_collection_modifyitems(config, items):
    """A test that starts or uses the session's PostgreSQL server is marked `postgresql`, as the PostgreSQL case
    of a both_stores test is: `-m "not postgresql"` leaves out every one. Under pytest-xdist's `--dist loadgroup`
    (`make test`) the tests that use the session's model (its worker, the demo calls it transcribed) are one
    `xdist_group`, run in one process, which builds those once; every other test goes to whichever process is free."""
    for item in items:
        if "postgres_server" in item.fixturenames:
            item.add_marker(POSTGRESQL)
        if MODEL_FIXTURES & set(item.fixturenames) and getattr(config.option, "loadgroup", False):
            item.add_marker(pytest.mark.xdist_group(MODEL_GROUP))


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist sends the ids to its scheduler
def pytest_collection_finish(session):
    """The group's `@session_model` at the end of its tests' ids, which is what pytest-xdist's scheduler groups by,
    where the marker did not put it: pytest-xdist 3.8 writes it to `item._nodeid`, which pytest 9.2 no longer reads
    (pytest-xdist#1386; no public way to name a test's group in these versions: docs/decisions.md, "Tests")."""
    suffix = f"@{MODEL_GROUP}"
    for item in session.items:
        grouped = any(mark.args == (MODEL_GROUP,) for mark in item.iter_markers("xdist_group"))
        if grouped and not item.nodeid.endswith(suffix):
            from _pytest.nodeid import NodeId  # pytest 9.2's structured ids

            item._id = NodeId.parse(item.nodeid + suffix)
            if not item.nodeid.endswith(suffix):
                raise pytest.UsageError(f"tests/conftest.py cannot put {item.nodeid} in its pytest-xdist group")


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL server on 127.0.0.1 for the session. Missing server binaries fail the tests
    that need it, unless QA_SKIP_POSTGRES=1 says to skip them."""
    try:
        server = ThrowawayServer()
    except PostgresMissing as exc:
        if os.environ.get("QA_SKIP_POSTGRES") == "1":
            pytest.skip(f"QA_SKIP_POSTGRES=1: {exc}")
        pytest.fail(str(exc), pytrace=False)
    with server:
        yield server


@pytest.fixture
def postgres_url(postgres_server):
    """The URL of a new, empty PostgreSQL database (dropped after the test, so that the server stays small)."""
    url = postgres_server.new_database()
    yield url
    postgres_server.drop_database(url)


@pytest.fixture(scope="session")
def migrated_postgresql(postgres_server) -> str:
    """The URL of a PostgreSQL database that open_database created and migrated, closed: the template of the
    `db` fixture's PostgreSQL databases (each test gets a copy instead of running every migration again)."""
    return _migrated(postgres_server.new_database("template"))


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> str:
    """A SQLite file that open_database created and migrated, closed: the template of the `db` fixture's files (each
    test gets a copy instead of running every migration again)."""
    return _migrated(str(tmp_path_factory.mktemp("migrated") / "calls.sqlite3"))


def _migrated(location: str) -> str:
    open_database(location)
    close_database()
    database.initialize(None)
    return location


@pytest.fixture
def db(request, tmp_path):
    """A real database, opened and migrated: a SQLite file (its path), or with the both_stores marker also a
    PostgreSQL database on the session's throwaway server (its URL); a copy of the session's migrated one."""
    store = getattr(request, "param", "sqlite")
    location = open_copy(request, request.getfixturevalue(f"migrated_{store}"), tmp_path)
    assert database.dialect.name == store  # the store asked for, not a file named like a URL
    yield location
    close_database()


@pytest.fixture(scope="session")
def worker():
    """The bundled model in its worker process, started once for the session."""
    with TranscriptionWorker() as running:
        running.start()
        yield running


@pytest.fixture(scope="session")
def references() -> dict[str, dict]:
    """The demo calls' true turns (speaker, start, end, text), by file name."""
    return {item["file"]: item for item in json.loads(REFERENCE.read_text())}


@pytest.fixture(scope="session")
def demo_analyses(worker, references):
    """Every demo call analysed (transcribed, redacted, voice measured) once by the real model."""
    return {name: worker.analyse(DEMO / name) for name in references}


@pytest.fixture(scope="session")
def demo_transcripts(demo_analyses):
    """Every demo call's transcript."""
    return {name: analysis.transcript for name, analysis in demo_analyses.items()}


@pytest.fixture(scope="session")
def scorecard():
    """The default scorecard that ships."""
    return load_scorecard(default_scorecard_path())


@pytest.fixture
def batch(tmp_path):
    """A folder with two calls (the first 20 s of two demo calls, stereo and mono) and, between them, files that
    must fail."""
    folder = tmp_path / "calls"
    folder.mkdir()
    demo_clip("cold", 20, folder / "a_cold.flac")
    (folder / "b_empty.wav").touch()
    (folder / "c_notes.mp3").write_text("not audio at all\n" * 100)
    demo_clip("mono", 20, folder / "d_mono.wav")
    (folder / "readme.txt").write_text("skipped by folder discovery")
    return folder


@pytest.fixture
def log_file():
    """The app's log file, set up as at start, and taken down after the test."""
    from qa_desktop.app.error_report import setup_logging

    root = logging.getLogger()
    level, before = root.level, list(root.handlers)
    yield setup_logging()
    for handler in set(root.handlers) - set(before):
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)
