"""At start-up a database file that cannot be used gets a dialog saying what is wrong, naming the file,
with a way to choose another database or quit."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from qa_desktop.app.database_dialog import open_or_choose
from qa_desktop.storage.database import close_database


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


def test_a_bad_database_offers_another_one(qtbot, tmp_path, monkeypatch):
    bad = tmp_path / "notes.sqlite3"
    bad.write_text("not a database\n" * 100)
    good = tmp_path / "new.sqlite3"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(good), ""))
    seen: list[str] = []
    _answer("Choose another database…", seen)
    try:
        assert open_or_choose(bad) == good
    finally:
        close_database()
    assert str(bad) in seen[0] and "not a qa-desktop database" in seen[0]


def test_quit_when_the_database_is_a_folder(qtbot, tmp_path):
    seen: list[str] = []
    _answer("Quit", seen)
    assert open_or_choose(tmp_path) is None
    assert "is a folder" in seen[0]
