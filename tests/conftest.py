"""Shared fixtures: isolated settings and data folders, a real database, the real model."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from qa_desktop.services.access.identity import sign_out
from qa_desktop.storage.database import close_database, open_database
from qa_desktop.storage.models import database
from scoring.scorecard import default_scorecard_path, load_scorecard
from scoring.worker import TranscriptionWorker

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "resources" / "demo_calls"


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
    database.init(None)
    sign_out()


@pytest.fixture
def db(tmp_path):
    """A real SQLite database file, opened and migrated."""
    path = open_database(tmp_path / "calls.sqlite3")
    yield path
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
    return {item["file"]: item for item in json.loads((DEMO / "reference.json").read_text())}


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


def demo_file(kind: str) -> Path:
    """The demo call of a kind (good, non_compliant, cold, angry_calmed, mono)."""
    for item in json.loads((DEMO / "reference.json").read_text()):
        if item["kind"] == kind:
            return DEMO / item["file"]
    raise KeyError(kind)


@pytest.fixture
def batch(tmp_path):
    """A folder with two demo calls and, between them, files that must fail."""
    folder = tmp_path / "calls"
    folder.mkdir()
    shutil.copy(demo_file("cold"), folder / "a_cold.flac")
    (folder / "b_empty.wav").touch()
    (folder / "c_notes.mp3").write_text("not audio at all\n" * 100)
    shutil.copy(demo_file("mono"), folder / "d_mono.wav")
    (folder / "readme.txt").write_text("skipped by folder discovery")
    return folder
