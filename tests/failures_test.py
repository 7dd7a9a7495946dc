"""Every failure reaches the user (offscreen Qt, real widgets, a real SQLite file): a background read or
export that fails says so in the view that started it and leaves its busy state; an import that stops
on an error says why and ends; an uncaught exception is logged and shown; settings that cannot be used
fall back to the defaults with a warning instead of stopping the app."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import psycopg
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from qa_desktop.app import file_dialogs
from qa_desktop.app.main_window import MainWindow
from qa_desktop.services.settings import Settings
from qa_desktop.storage.models import database
from scoring.drivers import default_drivers_path
from tests.support.demo import demo_file
from tests.support.stored_calls import stored_call

pytestmark = pytest.mark.both_stores


def _window(qtbot, db) -> MainWindow:
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    window.marking.wait()
    window.calls.row(
        0
    ) if window.calls.rowCount() else None  # the library's rows are read before a test breaks the database
    return window


def _lose_the_scores() -> None:
    """A real database error for every read that needs the scores."""
    database.execute_sql("ALTER TABLE score RENAME TO score_gone")


def _scores_missing(text: str) -> bool:
    """Whether the text says, on one line, that the score table is missing (in SQLite's or PostgreSQL's words)."""
    return ("no such table: score" in text or 'relation "score" does not exist' in text) and "\n" not in text


def test_a_dashboard_read_that_fails_shows_the_error_and_stops_updating(qtbot, db, caplog):
    stored_call("Ana", "Billing", "2026-03-02 09:00", 300, (80, 80, 80), False, {"greeting": ("pass", None)}, ["hi"])
    window = _window(qtbot, db)
    _lose_the_scores()
    window.tabs.setCurrentIndex(1)  # the dashboards start computing
    status = window.dashboards.status
    qtbot.waitUntil(lambda: _scores_missing(status.text()), timeout=20_000)
    assert "Updating" not in status.text() and "details in the log" in status.text()
    assert "computing the dashboards failed" in caplog.text and "Traceback" in caplog.text


def test_agreement_lab_calibration_and_coaching_reads_show_their_errors(qtbot, db):
    stored_call("Ana", "Billing", "2026-03-02 09:00", 300, (80, 80, 80), False, {"greeting": ("pass", None)}, ["hi"])
    window = _window(qtbot, db)
    _lose_the_scores()
    lab = window.open_agreement()
    qtbot.waitUntil(lambda: "Could not read the human verdicts" in lab.summary.text(), timeout=20_000)
    assert _scores_missing(lab.summary.text())
    calibration = window.open_calibration()
    calibration.propose()
    qtbot.waitUntil(lambda: "Could not propose calls" in calibration.proposal_note.text(), timeout=20_000)
    coaching = window.open_coaching()
    qtbot.waitUntil(lambda: "Could not suggest a focus" in coaching.suggestion_note.text(), timeout=20_000)


def test_exports_that_fail_say_so(qtbot, db, tmp_path, monkeypatch):
    stored_call("Ana", "Billing", "2026-03-02 09:00", 300, (80, 80, 80), False, {"greeting": ("pass", None)}, ["hi"])
    window = _window(qtbot, db)
    nowhere = tmp_path / "no such folder"
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, title, text: warnings.append((title, text)))
    monkeypatch.setattr(file_dialogs, "export_file_name", lambda *_a, **_k: str(nowhere / "calls.csv"))
    window._export()  # the toolbar's Export CSV…
    qtbot.waitUntil(lambda: bool(warnings), timeout=20_000)
    assert warnings[0][0] == "Export failed" and "no such folder" in warnings[0][1]
    window.tabs.setCurrentIndex(1)
    window.dashboards.wait()
    card = window.dashboards.cards["trends"]
    qtbot.waitUntil(lambda: card.table is not None, timeout=20_000)
    monkeypatch.setattr(file_dialogs, "export_file_name", lambda *_a, **_k: str(nowhere / "trends.png"))
    card._ask("png")  # the chart's Export ▾ > Chart as PNG…
    qtbot.waitUntil(lambda: "Failed:" in window.dashboards.status.text(), timeout=20_000)
    assert "no such folder" in window.dashboards.status.text()


def test_an_import_that_stops_on_an_error_says_why_and_ends(qtbot, db, tmp_path):
    window = _window(qtbot, db)
    metadata = tmp_path / "metadata.csv"
    metadata.write_text('file,agent\ncall.wav,"Ana\n' + "x" * 200_000)  # a quote left open: the CSV cannot be read
    plan = window.make_plan([demo_file("cold")], metadata_csv=str(metadata))
    with qtbot.waitSignal(window.open_import(plan).imported, timeout=60_000):
        pass
    dialog = window.import_dialog
    assert "Import stopped" in dialog.failures.item(0).text() and "is a quote left open" in (
        dialog.failures.item(0).text()
    )
    assert dialog.current.text().startswith("Import stopped") and dialog.close_button.isEnabled()
    assert not dialog.running()


def test_an_import_plan_that_cannot_be_made_is_said_in_the_dialog(qtbot, db, tmp_path):
    drivers = tmp_path / "drivers.toml"
    drivers.write_text(default_drivers_path().read_text())
    Settings().set("drivers", str(drivers))
    window = _window(qtbot, db)
    dialog = window.open_import()
    with qtbot.waitSignal(dialog.files_ready):
        dialog.set_files([demo_file("cold")])
    drivers.unlink()  # gone since the app started
    dialog.start_button.click()
    assert "The import cannot start" in dialog.csv_error.text() and "drivers.toml" in dialog.csv_error.text()
    assert dialog.pages.currentIndex() == 0


@pytest.fixture
def hooks(qapp):
    from qa_desktop.app.error_report import ErrorHooks  # new with the hooks: the other tests run on older code

    installed = ErrorHooks().install()
    yield installed
    installed.uninstall()
    if installed.dialog is not None:
        installed.dialog.close()


def test_uncaught_errors_are_logged_and_shown(qtbot, hooks, log_file):
    from qa_desktop.app.error_report import log_path

    path = log_file

    def thread_fails() -> None:
        raise RuntimeError("a worker thread broke")

    thread = threading.Thread(target=thread_fails, name="worker-7")
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: hooks.dialog is not None and hooks.dialog.isVisible())
    assert "a worker thread broke" in hooks.dialog.text() and str(log_path()) in hooks.dialog.informativeText()
    assert "thread_fails" in hooks.dialog.detailedText()

    def slot_fails() -> None:
        raise KeyError("missing row")

    QTimer.singleShot(0, slot_fails)  # on the UI thread, as a slot
    qtbot.waitUntil(lambda: "1 more error" in hooks.dialog.informativeText())
    for handler in logging.getLogger().handlers:
        handler.flush()
    logged = path.read_text()
    assert "Uncaught exception in worker-7" in logged and "RuntimeError: a worker thread broke" in logged
    assert "KeyError: 'missing row'" in logged and "Traceback" in logged


def test_the_app_starts_with_a_broken_settings_file_and_missing_files(qtbot, db, isolated_home):
    store = Settings().store
    path = store.fileName()
    store.setValue("reviewer", "Kim")
    store.sync()
    with open(path, "a", encoding="utf-8") as handle:  # damaged: a value that cannot be read, a cut-off section
        handle.write(
            "drivers=/nowhere/drivers.toml\nscorecard=/nowhere/card.toml\nmodel=/nowhere/model\n"
            "device=quantum\nagent_channel=left\nname=@Variant(\\0\\0\n[Gene"
        )
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.settings_warning is not None and window.settings_warning.isVisible())
    said = window.settings_warning.informativeText()
    for expected in (path, "/nowhere/drivers.toml", "/nowhere/card.toml", "/nowhere/model", "quantum", "left"):
        assert expected in said
    settings = window.settings
    assert (settings.get("drivers"), settings.get("scorecard"), settings.get("model")) == ("", "", "")
    assert (settings.get("device"), settings.get("agent_channel"), settings.get("reviewer")) == ("auto", 0, "Kim")
    assert window.dashboards.drivers.path.endswith("resources/drivers.toml")  # the ones that ship
    assert Settings().store.value("drivers") == "/nowhere/drivers.toml"  # left as stored, to fix in Settings


@pytest.mark.sqlite_only  # a file that goes away; a server that stops is said alike (database_message)
def test_a_database_file_gone_mid_session_is_said_as_such_naming_it_without_a_traceback(qtbot, db, hooks, log_file):
    call = stored_call(
        "Ana", "Billing", "2026-03-02 09:00", 300, (80, 80, 80), False, {"greeting": ("pass", None)}, ["hi"]
    )
    window = _window(qtbot, db)
    for suffix in ("", "-wal", "-shm"):  # the share went away, or someone moved the file
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    database.close()  # the next read opens a connection, as each background thread does
    QTimer.singleShot(0, lambda: window.review.open_call(call.id))  # a click's slot
    qtbot.waitUntil(lambda: hooks.dialog is not None and hooks.dialog.isVisible())
    box = hooks.dialog
    assert box.windowTitle() == "qa-desktop: the database cannot be used"
    assert str(db) in box.text() and "the file cannot be opened" in box.text() and "Check that the file" in box.text()
    assert "Something went wrong" not in box.text() and box.detailedText() == ""  # the traceback is in the log only
    assert not Path(db).exists()  # not made again, empty, where every read said "no such table"
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert "Traceback" in log_file.read_text()


def test_a_server_that_cannot_be_reached_is_named_and_said_as_such(qapp):
    from qa_desktop.app.error_report import database_message
    from qa_desktop.storage.database import describe_database_error

    url = "postgresql://qa@127.0.0.1:1/calls"  # nothing listens there: psycopg's own error
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect(url, connect_timeout=5)
    text = database_message(describe_database_error(url, refused.value))
    assert "postgresql://qa@127.0.0.1:1/calls" in text and "cannot reach the server" in text
    assert "Check that the server is running" in text and "Connection refused" not in text
