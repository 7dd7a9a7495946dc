"""The app's file dialogs: Qt's own widgets, which never open a file they list (see storage/file_guard).

SQLite's locks are per process and a process loses them when it closes *any* descriptor of the file. Qt's
file dialog reads a file's first bytes to name its type and icon when its name does not tell (QMimeDatabase
content sniffing): browsing the folder that holds the database opened and closed its -wal and -shm, dropping
SQLite's WAL locks mid-transaction. These dialogs take type and icon from the name alone, and are never the
desktop's native dialog (GTK's sniffs content too). Every file dialog of the app is built here.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QFileInfo, QMimeDatabase
from PySide6.QtGui import QAbstractFileIconProvider, QIcon
from PySide6.QtWidgets import QFileDialog, QFileIconProvider, QHeaderView, QMessageBox, QTreeView, QWidget

from qa_desktop.storage.database import is_database_file

Option = QFileDialog.Option
NO_OPTIONS = Option(0)


class NameOnlyIcons(QFileIconProvider):
    """A folder or file icon and a type read from the file's name: never opens the file."""

    def __init__(self) -> None:
        super().__init__()
        self.mime_types = QMimeDatabase()

    def icon(self, what: QFileInfo | QAbstractFileIconProvider.IconType) -> QIcon:  # type: ignore[override]
        if isinstance(what, QFileInfo):
            kind = QAbstractFileIconProvider.IconType
            what = kind.Folder if what.isDir() else kind.File
        return super().icon(what)

    def type(self, info: QFileInfo) -> str:
        if info.isDir():
            return "Folder"
        mime = self.mime_types.mimeTypeForFile(info.fileName(), QMimeDatabase.MatchMode.MatchExtension)
        return mime.comment() or mime.name()


# the detail view's columns after the name, each as wide as the longest text it usually shows: Qt's own widths cut
# the size and the type ("496...KiB", "SQL...ase")
DETAIL_COLUMNS = {1: "999.99 MiB", 2: "SQLite3 database", 3: "12/31/2026 12:59 PM"}


@cache
def name_only_icons() -> NameOnlyIcons:
    """The one provider every dialog shares (a dialog does not own its provider)."""
    return NameOnlyIcons()


def file_dialog(
    parent: QWidget | None,
    caption: str,
    directory: str = "",
    name_filter: str = "",
    mode: QFileDialog.FileMode = QFileDialog.FileMode.ExistingFile,
    options: Option = NO_OPTIONS,
) -> QFileDialog:
    """A dialog that lists files by name only (`directory` may end with a file name to propose)."""
    dialog = QFileDialog(parent, caption)  # no folder yet: nothing is listed before the provider is set
    dialog.setOptions(options | Option.DontUseNativeDialog)
    dialog.setIconProvider(name_only_icons())
    dialog.setFileMode(mode)
    if name_filter:
        dialog.setNameFilter(name_filter)
    details = dialog.findChild(QTreeView, "treeView")  # Qt names its detail view so
    if details is not None:
        header = details.header()
        for column, widest in DETAIL_COLUMNS.items():
            header.resizeSection(column, details.fontMetrics().horizontalAdvance(widest) + 24)
        header.setStretchLastSection(False)  # the name takes the spare width, not the date
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    start = Path(directory)
    if directory and not start.is_dir():  # a file name to propose, maybe in a folder
        if start.parent != Path("."):
            dialog.setDirectory(str(start.parent))
        dialog.selectFile(start.name)
    elif directory:
        dialog.setDirectory(directory)
    return dialog


def _chosen(dialog: QFileDialog) -> list[str]:
    return dialog.selectedFiles() if dialog.exec() == QFileDialog.DialogCode.Accepted else []


def open_file_name(parent: QWidget | None, caption: str, directory: str = "", name_filter: str = "") -> str:
    """An existing file chosen, or "" when cancelled."""
    return next(iter(_chosen(file_dialog(parent, caption, directory, name_filter))), "")


def open_file_names(parent: QWidget | None, caption: str, directory: str = "", name_filter: str = "") -> list[str]:
    """The existing files chosen ([] when cancelled)."""
    return _chosen(file_dialog(parent, caption, directory, name_filter, QFileDialog.FileMode.ExistingFiles))


def save_file_name(
    parent: QWidget | None, caption: str, directory: str = "", name_filter: str = "", options: Option = NO_OPTIONS
) -> str:
    """A file name to write, or "" when cancelled; an existing file is confirmed unless DontConfirmOverwrite."""
    dialog = file_dialog(parent, caption, directory, name_filter, QFileDialog.FileMode.AnyFile, options)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    return next(iter(_chosen(dialog)), "")


def export_file_name(parent: QWidget | None, caption: str, directory: str = "", name_filter: str = "") -> str:
    """A file to export to, or "" when cancelled or when it is one of the open database's files (said so)."""
    path = save_file_name(parent, caption, directory, name_filter)
    if path and is_database_file(path):
        QMessageBox.warning(parent, caption, f"{path} is the database qa-desktop has open: export to another file.")
        return ""
    return path


def existing_directory(parent: QWidget | None, caption: str, directory: str = "") -> str:
    """A folder chosen, or "" when cancelled."""
    dialog = file_dialog(parent, caption, directory, mode=QFileDialog.FileMode.Directory, options=Option.ShowDirsOnly)
    return next(iter(_chosen(dialog)), "")
