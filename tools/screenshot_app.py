#!/usr/bin/env python3
"""Open the app on a database and save a screenshot of the main window (run under Xvfb)."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from qa_desktop.app.main_window import MainWindow  # noqa: E402
from qa_desktop.storage.database import open_database  # noqa: E402


def main(database: str, out: str) -> None:
    app = QApplication(sys.argv)
    window = MainWindow(open_database(database))
    window.show()
    QTimer.singleShot(1500, lambda: (window.grab().save(out), app.quit()))
    app.exec()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
