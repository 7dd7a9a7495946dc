"""One configuration, resolved in one place: the command line over the settings over the defaults."""

# SQLite only: which database file the command line and settings pick, not what a store does

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from qa_desktop.cli.parsers import parse_args
from qa_desktop.services.config import Config
from qa_desktop.services.engine_options import EngineOptions
from qa_desktop.services.metadata import DEFAULT_NAME_PATTERN
from qa_desktop.services.settings import Settings
from scoring.drivers import default_drivers_path
from scoring.scorecard import default_scorecard_path
from tests.support.demo import ROOT


def _resolve(*argv: str) -> Config:
    return Config.resolve(Settings(), parse_args(list(argv)))


def test_with_nothing_set_the_defaults_are_used():
    config = _resolve("ingest", "calls")
    assert config == Config(
        database=None,
        model=None,
        device="auto",
        agent_channel=0,
        agent_speakers=(),
        scorecard_path=default_scorecard_path(),
        drivers_path=default_drivers_path(),
        name_pattern=DEFAULT_NAME_PATTERN,
        reviewer="",
        engine=EngineOptions(),
    )
    assert config.load_scorecard().id == "default" and config.load_drivers().drivers
    assert _resolve() == Config.resolve(Settings()) == config  # the app, with no command and no options


def _store_settings(tmp_path: Path) -> None:
    stored = {
        "database": str(tmp_path / "team.sqlite3"),
        "model": "/models/small",
        "device": "cpu",
        "agent_channel": 1,
        "agent_speakers": "Sam (Acme), Priya",
        "scorecard": str(tmp_path / "card.toml"),
        "drivers": str(tmp_path / "drivers.toml"),
        "name_pattern": "{call_id}-{agent}",
        "reviewer": "Dana",
        "scheduler": "tcp://10.0.0.5:8786",
        "workers": 3,
        "threads_per_worker": 2,
        "path_map": "/a=/b /c=/d",
    }
    for key, value in stored.items():
        Settings().set(key, value)


def test_settings_are_used_where_the_command_line_says_nothing(tmp_path):
    _store_settings(tmp_path)
    config = _resolve("ingest", "calls")
    assert config == Config(
        database=str(tmp_path / "team.sqlite3"),
        model="/models/small",
        device="cpu",
        agent_channel=1,
        agent_speakers=("Sam (Acme)", "Priya"),
        scorecard_path=tmp_path / "card.toml",
        drivers_path=tmp_path / "drivers.toml",
        name_pattern="{call_id}-{agent}",
        reviewer="Dana",
        engine=EngineOptions("tcp://10.0.0.5:8786", 3, 2, (("/a", "/b"), ("/c", "/d"))),
    )
    assert config.transcriber().model == "/models/small" and config.transcriber().device == "cpu"
    assert _resolve("report", "--out", "x") == _resolve("rescore") == _resolve() == Config.resolve(Settings())


def test_the_command_line_wins_over_the_settings_even_when_it_says_zero(tmp_path):
    _store_settings(tmp_path)
    config = _resolve(
        "ingest",
        "calls",
        "--db",
        "other.sqlite3",
        "--model",
        "/models/tiny",
        "--device",
        "cuda",
        "--agent-channel",
        "0",
        "--agent-speaker",
        "Lee",
        "--scorecard",
        "mine.toml",
        "--drivers",
        "why.toml",
        "--name-pattern",
        "{agent}",
        "--scheduler",
        "tcp://h:1",
        "--workers",
        "0",
        "--threads",
        "1",
        "--path-map",
        "/x=/y",
    )
    assert config == Config(
        database="other.sqlite3",
        model="/models/tiny",
        device="cuda",
        agent_channel=0,
        agent_speakers=("Lee",),
        scorecard_path=Path("mine.toml"),
        drivers_path=Path("why.toml"),
        name_pattern="{agent}",
        reviewer="Dana",
        engine=EngineOptions("tcp://h:1", 0, 1, (("/x", "/y"),)),
    )
    assert _resolve("--db", "app.sqlite3").database == "app.sqlite3"  # the app's own --db


def test_the_app_uses_the_defaults_for_unusable_settings_then_what_the_settings_dialog_saves(
    qtbot, db, tmp_path, monkeypatch
):
    from PySide6.QtGui import QAction

    from qa_desktop.app.main_window import MainWindow
    from qa_desktop.app.settings_dialog import SettingsDialog

    Settings().set("device", "quantum")
    Settings().set("drivers", str(tmp_path / "missing.toml"))
    window = MainWindow(db)
    qtbot.addWidget(window)
    assert (window.config.device, window.config.drivers_path) == ("auto", default_drivers_path())

    def answer(dialog: SettingsDialog) -> int:
        dialog.device.setCurrentIndex(dialog.device.findData("cpu"))
        dialog.drivers.setText(str(default_drivers_path()))
        dialog.reviewer.setText("Rita")
        dialog.save()
        return dialog.result()

    monkeypatch.setattr(SettingsDialog, "exec", answer)
    next(a for a in window.findChildren(QAction) if a.text() == "Settings…").trigger()
    plan = window.make_plan([Path("call.wav")])
    assert (plan.config.device, plan.drivers.path, window.reviewer()) == ("cpu", str(default_drivers_path()), "Rita")


FULL_DISK_SAVE = """
import resource
from PySide6.QtCore import QCoreApplication
from qa_desktop.services.settings import Settings, SettingsError
app = QCoreApplication([])
settings = Settings()
resource.setrlimit(resource.RLIMIT_FSIZE, (0, resource.RLIM_INFINITY))  # no file can grow: a full disk
try:
    settings.set("reviewer", "Bob")
except SettingsError as exc:
    print(exc)
print(settings.get("reviewer"))
"""


def test_a_setting_saved_on_a_full_disk_says_the_file_was_not_written_and_keeps_the_setting_it_had():
    Settings().set("reviewer", "Ann")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # the settings folder of this test (isolated_home)
    done = subprocess.run([sys.executable, "-c", FULL_DISK_SAVE], capture_output=True, text=True, env=env)
    where = Settings().store.fileName()
    assert done.stdout.splitlines() == [
        f"cannot write the settings file {where}: the disk may be full, or the file read-only",
        "Ann",
    ], done.stderr
    assert Settings().get("reviewer") == "Ann"
