"""The app's file dialogs never open the files they list: a user browsing the folder that holds the open
database leaves its files, and so SQLite's locks, alone (see qa_desktop/app/file_dialogs.py)."""

from __future__ import annotations

import ctypes
import os
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QFileSystemModel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTreeView,
    QWidget,
)

from qa_desktop.app import file_dialogs
from qa_desktop.app.import_dialog import ImportDialog
from qa_desktop.app.main_window import MainWindow
from qa_desktop.app.settings_dialog import SettingsDialog
from qa_desktop.services.settings import Settings
from qa_desktop.storage.database import close_database, open_database
from qa_desktop.storage.models import Team
from tests.support.demo import ROOT
from tests.support.stored_calls import stored_call

IN_OPEN, IN_CLOSE_WRITE, IN_CLOSE_NOWRITE = 0x20, 0x08, 0x10
EVENT = struct.Struct("iIII")  # struct inotify_event: wd, mask, cookie, len (then the name)


class OpenWatch:
    """Every open of the watched files from now on, by anyone (Linux inotify: watching opens none of them)."""

    def __init__(self, paths: list[Path]) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        self.fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        assert self.fd >= 0, os.strerror(ctypes.get_errno())
        self.names = {}
        for path in paths:
            mask = IN_OPEN | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE
            self.names[libc.inotify_add_watch(self.fd, os.fsencode(path), mask)] = path.name

    def opened(self) -> list[str]:
        """The files opened since the watch began (one entry an open)."""
        seen: list[str] = []
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return seen
            at = 0
            while at < len(data):
                wd, mask, _cookie, length = EVENT.unpack_from(data, at)
                at += EVENT.size + length
                if mask & IN_OPEN:
                    seen.append(self.names[wd])

    def close(self) -> None:
        os.close(self.fd)


def _browse(qtbot, dialog: QFileDialog, folder: Path) -> None:
    """What a user does: go to `folder`, show every file (typing * as the name), in the detailed view (name,
    size, type), and look at every entry."""
    dialog.setViewMode(QFileDialog.ViewMode.Detail)
    dialog.setNameFilter("*")
    dialog.setDirectory(str(folder))
    model = dialog.findChild(QFileSystemModel)
    qtbot.waitUntil(lambda: model.rowCount(model.index(str(folder))) >= 3, timeout=20_000)  # the file, -wal, -shm
    root = model.index(str(folder))
    for row in range(model.rowCount(root)):
        for column in range(model.columnCount(root)):
            index = model.index(row, column, root)
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.DecorationRole):
                model.data(index, role)
    dialog.grab()  # painted as shown
    QApplication.processEvents()
    dialog.reject()


def _browse_next_dialog(qtbot, folder: Path, seen: list[str]) -> None:
    def look() -> None:
        shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, QFileDialog) and w.isVisible()]
        if not shown:
            QTimer.singleShot(20, look)
            return
        dialog = shown[0]
        seen.append(dialog.windowTitle())
        _browse(qtbot, dialog, folder)

    QTimer.singleShot(0, look)


def _import_files(qtbot) -> Callable[[], object]:
    dialog = ImportDialog(None, lambda *_a, **_k: None)
    qtbot.addWidget(dialog)
    return dialog._pick_files  # Add files…


def _settings_database(qtbot) -> Callable[[], object]:
    dialog = SettingsDialog(None, Settings())
    qtbot.addWidget(dialog)
    browse = [button for button in dialog.findChildren(QPushButton) if button.text() == "Browse…"]
    return browse[-1].click  # the Database row's Browse…, the last one


@pytest.mark.parametrize("show", [_import_files, _settings_database], ids=["import", "settings database"])
def test_browsing_the_database_folder_opens_none_of_its_files(qtbot, tmp_path, show):
    path = tmp_path / "calls.sqlite3"
    open_database(path)
    try:
        Team.create(name="written")  # the -wal holds it: -wal and -shm are in use
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
        assert all(f.exists() for f in files)
        pick = show(qtbot)
        watch = OpenWatch(files)
        try:
            shown: list[str] = []
            _browse_next_dialog(qtbot, tmp_path, shown)
            pick()
            assert shown, "no file dialog was shown"
            assert watch.opened() == []
        finally:
            watch.close()
    finally:
        close_database()


def test_every_file_dialog_of_the_app_is_built_in_one_place():
    app = ROOT / "qa_desktop"
    users = sorted(str(p.relative_to(app)) for p in app.rglob("*.py") if "QFileDialog" in p.read_text())
    assert users == ["app/file_dialogs.py"]


def _answer_every_window(choose: Path, said: list[str]) -> QTimer:
    """Answer each window once as it shows: the first file dialog with `choose`, a message with OK (its text kept in
    `said`); a later file dialog is cancelled."""
    answered: list[QWidget] = []

    def answer() -> None:
        for window in [w for w in QApplication.topLevelWidgets() if w.isVisible() and w not in answered]:
            answered.append(window)
            if isinstance(window, QMessageBox):
                said.append(window.text())
                window.button(QMessageBox.StandardButton.Ok).click()
            elif isinstance(window, QFileDialog) and len([w for w in answered if isinstance(w, QFileDialog)]) > 1:
                window.reject()
            elif isinstance(window, QFileDialog):
                window.findChild(QLineEdit, "fileNameEdit").setText(str(choose))  # typed as the file's name
                window.accept()

    timer = QTimer()
    timer.timeout.connect(answer)
    timer.start(50)
    return timer


def test_an_export_never_writes_over_the_open_database(qtbot, db):
    stored_call("Ana", "Billing", "2026-03-02 09:00", 300, (80, 80, 80), False, {"greeting": ("pass", None)}, ["hi"])
    window = MainWindow(db)
    qtbot.addWidget(window)
    said: list[str] = []
    target = f"{db}-journal"  # one not there now: the file dialog does not ask whether to replace it
    answering = _answer_every_window(Path(target), said)
    window._export()  # the toolbar's Export CSV…, one of the database's files chosen
    answering.stop()
    if window.exporting is not None:
        window.exporting.wait()
    assert said[-1] == f"{target} is the database qa-desktop has open: export to another file."
    assert not Path(target).exists() or not Path(target).read_bytes().startswith(b"Name,")


def test_the_detail_view_shows_a_file_size_and_type_in_full(qtbot, tmp_path):
    (tmp_path / "calls.sqlite3").write_bytes(b"\0" * 507_904)  # 496.00 KiB
    dialog = file_dialogs.file_dialog(None, "Choose a database", str(tmp_path))
    qtbot.addWidget(dialog)
    details = dialog.findChild(QTreeView, "treeView")
    metrics = details.fontMetrics()
    for column, text in ((1, "496.00 KiB"), (2, "SQLite3 database")):  # Qt's widths showed "496...KiB", "SQL...ase"
        assert details.header().sectionSize(column) > metrics.horizontalAdvance(text)


def test_the_detail_view_gives_a_wide_dialogs_spare_width_to_the_file_names(qtbot, tmp_path):
    (tmp_path / "calls of the billing team, march 2026, second half.sqlite3").write_bytes(b"\0" * 4096)
    dialog = file_dialogs.file_dialog(None, "Choose a database", str(tmp_path))
    qtbot.addWidget(dialog)
    dialog.setViewMode(QFileDialog.ViewMode.Detail)
    dialog.resize(1600, 700)
    dialog.show()
    details = dialog.findChild(QTreeView, "treeView")
    qtbot.waitUntil(details.isVisible)
    header = details.header()
    others = sum(header.sectionSize(column) for column in file_dialogs.DETAIL_COLUMNS)
    assert header.sectionSize(0) >= details.viewport().width() - others - 2  # was 250 px, the date took the rest
    for column, text in file_dialogs.DETAIL_COLUMNS.items():  # the others still show their texts in full
        assert header.sectionSize(column) > details.fontMetrics().horizontalAdvance(text)
