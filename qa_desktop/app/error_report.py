"""Failures reach the user and the log: a rotating log file in the data folder, set up once at start;
hooks that log every uncaught exception (UI thread, other threads) and Qt's own warnings, and show a
dialog on the UI thread that says where the log is (for the database failing, which database, what is wrong and what
to do, without a traceback); and a short message for an error shown in a view."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QMessageLogContext, QObject, QtMsgType, Signal, Slot, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QMessageBox

from qa_desktop.storage.database import DatabaseFileError, open_database_error
from qa_desktop.storage.paths import data_dir
from scoring.redacted_log import RedactingFormatter

log = logging.getLogger(__name__)

LOG_BYTES, LOG_BACKUPS = 1_000_000, 3


def log_path() -> Path:
    """The app's log file (older ones beside it as .1, .2, .3)."""
    return data_dir() / "logs" / "qa-desktop.log"


def setup_logging() -> Path:
    """Log INFO and above to the rotating log file (once per process; stderr keeps its own level)."""
    path = log_path()
    root = logging.getLogger()
    if any(isinstance(h, RotatingFileHandler) and Path(h.baseFilename) == path for h in root.handlers):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8")
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    for other in root.handlers:  # the console keeps the level it had
        if other.level == logging.NOTSET:
            other.setLevel(root.level)
    root.addHandler(handler)
    root.setLevel(min(root.level, logging.INFO) if root.level else logging.INFO)
    return path


def describe(exc: BaseException) -> str:
    """One line for the user: the error's own text (files and reasons), with its kind when unexpected
    (neither an OS or value error nor one of qa-desktop's own, whose texts are written for users); a database
    error names the database (a team database's server that stopped: its URL, without a password)."""
    if (problem := open_database_error(exc)) is not None:
        return str(problem)
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]  # PostgreSQL's errors add LINE 1: … ^
    ours = type(exc).__module__.split(".")[0] in ("scoring", "qa_desktop")
    return text if ours or isinstance(exc, (OSError, ValueError)) else f"{type(exc).__name__}: {text}"


_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


class ErrorHooks(QObject):
    """Installs the hooks; an uncaught exception is logged, then shown in a dialog on the UI thread
    (`dialog`, not modal; later errors while it is open are counted in it)."""

    _raised = Signal(str, str, str)  # title, text, details (a traceback, or none)

    def __init__(self) -> None:
        super().__init__()
        self.dialog: QMessageBox | None = None
        self._more = 0
        self._raised.connect(self._show)  # this object lives on the UI thread: queued from others
        self._previous = (sys.excepthook, threading.excepthook)
        self._previous_qt = None  # Qt's message handler before ours

    def install(self) -> ErrorHooks:
        """Take over sys.excepthook, threading.excepthook and Qt's message handler."""
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook
        self._previous_qt = qInstallMessageHandler(_qt_message)
        return self

    def uninstall(self) -> None:
        """Give the hooks back (tests)."""
        sys.excepthook, threading.excepthook = self._previous
        qInstallMessageHandler(self._previous_qt)

    def _excepthook(self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._previous[0](kind, exc, tb)
            return
        self._report(exc, tb, threading.current_thread().name)

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        self._report(args.exc_value, args.exc_traceback, args.thread.name if args.thread else "a thread")

    def _report(self, exc: BaseException, tb: TracebackType | None, thread: str) -> None:
        log.error("Uncaught exception in %s", thread, exc_info=(type(exc), exc, tb))
        if (problem := open_database_error(exc)) is not None:  # the database, not the app: what to do, no traceback
            self._raised.emit(DATABASE_TITLE, database_message(problem), "")
        else:
            details = "".join(traceback.format_exception(type(exc), exc, tb))
            self._raised.emit("qa-desktop: something went wrong", f"Something went wrong: {describe(exc)}", details)

    @Slot(str, str, str)
    def _show(self, title: str, text: str, details: str) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self._more += 1
            self.dialog.setInformativeText(self._where() + f"\n\n{self._more} more error(s) since; all are in the log.")
            return
        self._more = 0
        self.dialog = QMessageBox(
            QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Close, QApplication.activeWindow()
        )
        self.dialog.setInformativeText(self._where())
        if details:
            self.dialog.setDetailedText(details)
        self.dialog.setModal(False)
        self.dialog.show()

    @staticmethod
    def _where() -> str:
        return f"The app goes on; what you were doing may not have finished. The details are in the log:\n{log_path()}"


DATABASE_TITLE = "qa-desktop: the database cannot be used"


def database_message(problem: DatabaseFileError) -> str:
    """What the user reads when the open database fails mid-session: which database, what is wrong, what to do."""
    if isinstance(problem.path, Path):
        todo = (
            "Check that the file is still there and readable (a drive removed, a network share gone, a full disk); "
            "then do it again, or restart qa-desktop to open it or choose another."
        )
    else:
        todo = "Check that the server is running and this computer can reach it (ask who runs it); then do it again."
    return f"qa-desktop cannot use the database\n{problem.path}\n\n{problem.reason}.\n\n{todo}"


def _qt_message(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    logging.getLogger("qt").log(_QT_LEVELS.get(kind, logging.WARNING), "%s", message)


def install_error_hooks() -> ErrorHooks:
    """Set up the log file and the hooks (once, at app start, after the QApplication exists)."""
    path = setup_logging()
    log.info("qa-desktop started; log at %s", path)
    return ErrorHooks().install()
