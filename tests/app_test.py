"""The main window over a real database (offscreen Qt)."""

from __future__ import annotations

import gc

import pytest
from PySide6.QtWidgets import QMessageBox

from qa_desktop.app.main_window import MainWindow
from qa_desktop.app.settings_dialog import SettingsDialog
from qa_desktop.services.config import Config
from qa_desktop.services.engine_options import EngineOptions
from qa_desktop.services.settings import Settings
from qa_desktop.storage import repository
from qa_desktop.storage.call_metadata import CallMetadata
from scoring.scorecard import default_scorecard_path
from tests.support.demo import demo_file

pytestmark = pytest.mark.both_stores


@pytest.mark.model
def test_library_lists_calls_and_shows_the_transcript(qtbot, db, demo_analyses):
    for kind, agent in (("good", "Maria Lopez"), ("mono", "Daniel Kim")):
        repository.store_call(demo_analyses[demo_file(kind).name], CallMetadata(agent=agent, team="Billing"), 0)
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    assert window.calls.rowCount() == 2
    agents = {window.calls.index(row, 1).data() for row in range(2)}
    assert agents == {"Maria Lopez", "Daniel Kim"}
    window.select_row(1)
    shown = window.review.transcript.toPlainText()
    call = repository.find_call_by_hash(
        demo_analyses[
            demo_file("good" if window.calls.index(1, 1).data() == "Maria Lopez" else "mono").name
        ].transcript.sha256
    )
    assert repository.call_transcript(call)[0].text in shown
    assert "2 calls" in window.count.text()


@pytest.mark.model
def test_mono_waveform_is_coloured_by_the_separated_speakers(qtbot, db, demo_analyses):
    analysis = demo_analyses[demo_file("mono").name]
    repository.store_call(analysis, CallMetadata(agent="Daniel Kim", team="Support"), 0)
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    window.select_row(0)
    waveform = window.review.waveform
    qtbot.waitUntil(lambda: waveform.ready, timeout=10_000)
    first = analysis.transcript.utterances[0]
    at = int((first.start + first.end) / 2 / analysis.transcript.duration_s * len(waveform._agent))
    speaking, silent = (
        (waveform._agent, waveform._customer) if first.speaker == "agent" else (waveform._customer, waveform._agent)
    )
    assert speaking[at] > 0 and silent[at] == 0  # one speaker's half of the waveform at a time
    assert waveform._agent.max() > 0 and waveform._customer.max() > 0


def test_settings_persist(isolated_home):
    Settings().set("agent_channel", 1)
    Settings().set("model", "/models/small")
    assert Settings().get("agent_channel") == 1 and Settings().get("model") == "/models/small"
    assert (isolated_home / "config" / "qa-desktop" / "qa-desktop.ini").is_file()


def test_settings_dialog_saves_and_refuses_what_cannot_be_used(qtbot, tmp_path, monkeypatch):
    dialog = SettingsDialog(None, Settings())
    qtbot.addWidget(dialog)
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: warnings.append(text))
    dialog.model.setText(str(tmp_path / "no-model-here"))
    broken = tmp_path / "broken.toml"
    broken.write_text("[scorecard]\nid = 'x'\n")
    dialog.scorecard.setText(str(broken))
    dialog.reviewer.setText("Dana QA")
    dialog.scheduler.setText("127.0.0.1:8786")
    dialog.path_map.setText("/mnt/calls")
    dialog.save()
    assert len(warnings) == 1 and "Model:" in warnings[0] and f"Scorecard: {broken}" in warnings[0]
    assert "Dask scheduler: '127.0.0.1:8786' is not" in warnings[0] and "Path map: path map '/mnt/calls'" in warnings[0]
    assert Settings().get("reviewer") == ""  # nothing stored
    dialog.model.setText("")
    dialog.scorecard.setText(str(default_scorecard_path()))
    dialog.device.setCurrentIndex(dialog.device.findData("cpu"))
    assert [dialog.agent_channel.itemText(i) for i in range(2)] == ["left (0)", "right (1)"]  # was a bare 0
    dialog.agent_channel.setCurrentIndex(dialog.agent_channel.findData(1))
    dialog.scheduler.setText("tcp://10.0.0.5:8786")
    dialog.path_map.setText("/mnt/calls=/data/calls")
    dialog.workers.setValue(3)
    dialog.save()
    stored = Settings()
    assert Config.resolve(stored).engine == EngineOptions("tcp://10.0.0.5:8786", 3, 0, (("/mnt/calls", "/data/calls"),))
    assert (stored.get("reviewer"), stored.get("device"), stored.get("agent_channel")) == ("Dana QA", "cpu", 1)
    assert stored.get("scorecard") == str(default_scorecard_path())
    assert SettingsDialog(None, stored).agent_channel.currentText() == "right (1)"  # as stored, named


def test_db_option_without_a_command_opens_the_app_on_that_database(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QApplication

    from qa_desktop.cli import main as cli
    from qa_desktop.storage.database import open_database

    path = tmp_path / "team.sqlite"
    open_database(path)
    shown = []

    def exec_once(_app) -> int:  # the real window is built and shown; the event loop is not entered
        shown.extend(w.windowTitle() for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
        for window in QApplication.topLevelWidgets():
            window.close()
        return 0

    monkeypatch.setattr(QApplication, "exec", exec_once)
    try:
        assert cli.main(["--db", str(path)]) == 0
    finally:
        gc.unfreeze()  # what the app left out of the collector's full passes: the other tests' objects too
    assert "qa-desktop — team.sqlite" in shown


# Before: a full pass of the garbage collector visited every object the modules and the window were made of (160,000
# and more); one set off by a dashboards' redraw in a background thread held the UI thread 0.8-1.5 s (docs/decisions.md)
def test_the_app_leaves_its_modules_and_window_out_of_the_collectors_full_passes(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QApplication

    from qa_desktop.cli import main as cli
    from qa_desktop.storage.database import open_database

    path = tmp_path / "calls.sqlite"
    open_database(path)
    visited = []

    def exec_once(_app) -> int:
        visited.append(len(gc.get_objects()))  # the objects a full pass visits (not the frozen ones)
        for window in QApplication.topLevelWidgets():
            window.close()
        return 0

    monkeypatch.setattr(QApplication, "exec", exec_once)
    everything = len(gc.get_objects())
    try:
        assert cli.main(["--db", str(path)]) == 0
    finally:
        gc.unfreeze()
    assert visited and visited[0] < everything // 10


def test_the_reviewers_name_is_asked_before_the_first_change_and_kept(qtbot, db):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QInputDialog

    window = MainWindow(db)
    qtbot.addWidget(window)

    def answer() -> None:
        dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QInputDialog) and w.isVisible())
        dialog.setTextValue("Rita QA")
        dialog.accept()

    QTimer.singleShot(100, answer)
    assert window.reviewer() == "Rita QA" and Settings().get("reviewer") == "Rita QA"
    assert window.reviewer() == "Rita QA"  # not asked again


def test_the_toolbar_keeps_the_ellipsis_of_actions_that_open_a_dialog(qtbot, db):
    """Before: the toolbar read "Import", "Settings" (Qt's button text drops a trailing "…") while the actions'
    labels and the README say "Import…": nothing told that a dialog asks for more before anything happens."""
    from PySide6.QtWidgets import QToolBar

    window = MainWindow(db)
    qtbot.addWidget(window)
    bar = window.findChild(QToolBar)
    shown = {bar.widgetForAction(action).text() for action in window.actions.values()}
    assert "Import…" in shown and "Settings…" in shown
    assert shown == set(window.actions)  # each as its action is labelled, whatever it opens
