"""Open the database at start-up, off the UI thread (upgrading a large library from an older version takes a
while: a window says so); when the file cannot be used (not a database, damaged, newer than this program, a
folder, a full disk) say what is wrong and let the user choose another one or quit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from qa_desktop.app import file_dialogs
from qa_desktop.app.background import run_task
from qa_desktop.storage.database import DatabaseFileError, close_database, open_database

SAY_AFTER_MS = 400  # an open that takes longer (a migration) shows the progress window


def problem_box(error: DatabaseFileError, parent: QWidget | None = None) -> QMessageBox:
    """The message naming the file and what is wrong, with Choose another database… and Quit."""
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        "Cannot open the database",
        f"qa-desktop cannot use the database\n{error.path}\n\n{error.reason}.",
        parent=parent,
    )
    box.setInformativeText("Choose another database file (or a new one), or quit.")
    box.addButton("Choose another database…", QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(box.addButton("Quit", QMessageBox.ButtonRole.RejectRole))
    return box


def open_or_choose(path: str | Path | None, parent: QWidget | None = None) -> Path | str | None:
    """Open the database at `path`; while it cannot be used, ask for another. None when the user quits."""
    while True:
        told: list[str] = []
        error = open_in_background(path, told.append, parent)
        if not isinstance(error, DatabaseFileError):
            if told:
                warning_box(told, parent).exec()
            return error  # where it opened
        box = problem_box(error, parent)
        box.exec()
        if box.buttonRole(box.clickedButton()) != QMessageBox.ButtonRole.AcceptRole:
            return None
        folder = str(error.path.parent) if isinstance(error.path, Path) else ""  # or a server's URL
        chosen = file_dialogs.save_file_name(
            parent,
            "Database",
            folder,
            "SQLite (*.sqlite3 *.db);;All files (*)",
            options=file_dialogs.Option.DontConfirmOverwrite,
        )
        if not chosen:
            return None
        path = chosen


def warning_box(told: list[str], parent: QWidget | None = None) -> QMessageBox:
    """What an open that worked wants the user to know (a backup that could not be redacted), with OK."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Opened the database", "\n\n".join(told), parent=parent)
    box.addButton(QMessageBox.StandardButton.Ok)
    return box


def open_in_background(
    path: str | Path | None, tell: Callable[[str], None], parent: QWidget | None = None
) -> Path | str | DatabaseFileError:
    """`open_database` in a background thread, the UI waiting in its event loop; a window with a busy bar appears
    when it takes a while (an older database being upgraded). Where it opened, or why it could not; `tell`
    gets what the user should know of an open that worked (from the background thread)."""
    close_database()  # this thread's connection to a database open before, if any
    outcome: list[Path | str | DatabaseFileError] = []
    loop = QEventLoop()
    waiting = QProgressDialog("Opening the database…", "", 0, 0, parent)
    waiting.setWindowTitle("qa-desktop")
    waiting.setLabelText(
        f"Opening {path or 'the database'}…\n\nA database written by an older version is upgraded first; "
        "for a large library this can take a minute or two."
    )
    waiting.setCancelButton(None)  # a migration runs in one transaction: stopping it halfway is not offered
    waiting.setWindowModality(Qt.WindowModality.ApplicationModal)
    waiting.setMinimumDuration(0)
    waiting.reset()  # no window until the timer says it takes a while

    def ended(result: Path | str | DatabaseFileError) -> None:
        outcome.append(result)
        loop.quit()

    def failed(message: str) -> None:
        outcome.append(DatabaseFileError(path or "the database", message))
        loop.quit()

    task = run_task(lambda _task: _open(path, tell), ended, failed, what="opening the database")
    QTimer.singleShot(SAY_AFTER_MS, lambda: outcome or waiting.show())
    if not outcome:
        loop.exec()
    task.wait()  # it has delivered its outcome: only its thread's ending is left
    waiting.close()
    return outcome[0]


def _open(path: str | Path | None, tell: Callable[[str], None]) -> Path | str | DatabaseFileError:
    try:
        return open_database(path, tell)
    except DatabaseFileError as error:
        return error
