"""Start the Qt application."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from qa_desktop.app.database_dialog import open_or_choose
from qa_desktop.app.error_report import install_error_hooks
from qa_desktop.app.login_dialog import sign_in_if_needed
from qa_desktop.app.main_window import MainWindow
from qa_desktop.services.access.identity import set_owner_name
from qa_desktop.services.settings import Settings
from qa_desktop.storage.database import close_database


def run_app(database: str | Path | None = None) -> int:
    """Open the database and show the main window until it is closed."""
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("qa-desktop")
    app.setOrganizationName("qa-desktop")
    install_error_hooks()
    path = open_or_choose(database)
    if path is None:
        return 2
    set_owner_name(Settings().get("reviewer"))
    if not sign_in_if_needed():
        close_database()
        return 2
    _window = open_window(path)  # held while the app runs
    try:
        return app.exec()
    finally:
        close_database()


def open_window(path: Path, settings: Settings | None = None) -> MainWindow:
    """Show the main window over an open database, then leave the objects made so far (modules, classes, the
    window's) out of the garbage collector's full passes: such a pass holds every thread, the UI thread too, while
    it visits each object, and these are most of them (a dashboards' redraw stalled the window 0.8-1.5 s in one)."""
    window = MainWindow(path, settings)
    window.show()
    gc.freeze()
    return window
