"""At start-up a database file that cannot be used gets a dialog saying what is wrong, naming the file,
with a way to choose another database or quit."""

# SQLite only: unusable database files (a folder, a text file); a refusing server is in team_database_test

from __future__ import annotations

import shutil
import threading
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog

from qa_desktop.app import file_dialogs
from qa_desktop.app.database_dialog import open_or_choose
from qa_desktop.storage import database as storage_database
from qa_desktop.storage import migrations
from qa_desktop.storage.database import close_database
from qa_desktop.storage.models import Call, database


def _answer(button_text: str, seen: list[str]) -> None:
    """Click a button of the message box once it is shown, noting its text."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        seen.append(box.text())
        next(b for b in box.buttons() if b.text() == button_text).click()

    QTimer.singleShot(0, click)


def _open_answering(path: Path, button_text: str) -> tuple[Path | str | None, list[str]]:
    """`open_or_choose(path)`, clicking `button_text` in the message box it shows: what it returned, and the
    texts of the boxes seen."""
    seen: list[str] = []
    _answer(button_text, seen)
    try:
        return open_or_choose(path), seen
    finally:
        close_database()


def test_a_bad_database_offers_another_one(qtbot, tmp_path, monkeypatch):
    bad = tmp_path / "notes.sqlite3"
    bad.write_text("not a database\n" * 100)
    good = tmp_path / "new.sqlite3"
    monkeypatch.setattr(file_dialogs, "save_file_name", lambda *args, **kwargs: str(good))
    opened, seen = _open_answering(bad, "Choose another database…")
    assert opened == good
    assert str(bad) in seen[0] and "not a qa-desktop database" in seen[0]


def test_quit_when_the_database_is_a_folder(qtbot, tmp_path):
    seen: list[str] = []
    _answer("Quit", seen)
    assert open_or_choose(tmp_path) is None
    assert "is a folder" in seen[0]


def test_an_upgrade_runs_off_the_ui_thread_with_a_window_saying_so(qtbot, tmp_path, monkeypatch):
    old = tmp_path / "calls.sqlite3"
    shutil.copy(Path(__file__).parent / "data" / "old_databases" / "v9.sqlite3", old)
    gate, threads = threading.Event(), []

    def gated_migrate(*args, **kwargs):  # the real migration, once the window has been seen
        threads.append(threading.current_thread())
        assert gate.wait(20)
        return migrations.migrate(*args, **kwargs)

    monkeypatch.setattr(storage_database, "migrate", gated_migrate)
    seen: list[str] = []

    def look() -> None:
        window = QApplication.activeModalWidget()
        if not isinstance(window, QProgressDialog):
            QTimer.singleShot(20, look)
            return
        seen.append(window.labelText())
        gate.set()

    QTimer.singleShot(0, look)
    try:
        assert open_or_choose(old) == old
        assert threads and threads[0] is not threading.main_thread()
        assert "upgraded" in seen[0] and str(old) in seen[0]
        assert Call.select().count() > 0  # usable from the UI thread, at the new schema
        assert database.schema_version() == migrations.LATEST
    finally:
        close_database()


def test_a_backup_that_could_not_be_redacted_is_named_in_a_warning_after_the_upgrade(qtbot, tmp_path):
    old = tmp_path / "calls.sqlite3"
    shutil.copy(Path(__file__).parent / "data" / "old_databases" / "v9.sqlite3", old)
    damaged = tmp_path / "calls.sqlite3.v6.bak"
    damaged.write_text("not a database\n" * 100)
    opened, seen = _open_answering(old, "OK")
    assert opened == old
    assert len(seen) == 1 and f"removed the backup {damaged}: it is damaged" in seen[0]
    assert not damaged.exists()
