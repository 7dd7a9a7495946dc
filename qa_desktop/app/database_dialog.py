"""Open the database at start-up; when the file cannot be used (not a database, damaged, newer than this
program, a folder, a full disk) say what is wrong and let the user choose another one or quit."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from qa_desktop.storage.database import DatabaseFileError, open_database


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
        try:
            return open_database(path)
        except DatabaseFileError as error:
            box = problem_box(error, parent)
            box.exec()
            if box.buttonRole(box.clickedButton()) != QMessageBox.ButtonRole.AcceptRole:
                return None
            folder = str(error.path.parent) if isinstance(error.path, Path) else ""  # or a server's URL
            chosen, _ = QFileDialog.getSaveFileName(
                parent,
                "Database",
                folder,
                "SQLite (*.sqlite3 *.db);;All files (*)",
                options=QFileDialog.Option.DontConfirmOverwrite,
            )
            if not chosen:
                return None
            path = chosen
