"""Signing in to a database that has users: the login dialog at start, and the idle guard that asks the same
user's password again after IDLE_MINUTES without a key press or a click (the session times out)."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from qa_desktop.services.access.accounts import LoginError, sign_in
from qa_desktop.services.access.identity import sign_out, signed_in, team_mode

IDLE_MINUTES = 15


class LoginDialog(QDialog):
    """User name and password; a wrong one (or a locked account) is said under the fields. With `name` the
    user is fixed (the idle timeout asks the same user again)."""

    def __init__(self, parent: QWidget | None = None, name: str = "", why: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in to qa-desktop")
        self.name = QLineEdit(name, placeholderText="your user name")
        self.name.setReadOnly(bool(name))
        self.password = QLineEdit(placeholderText="password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel(why)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color:#b3261e")
        buttons = QDialogButtonBox()
        buttons.addButton("Sign in", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("Quit" if not name else "Quit qa-desktop", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.try_sign_in)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("User", self.name)
        form.addRow("Password", self.password)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("This database has users: sign in with yours."))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        (self.password if name else self.name).setFocus()

    def try_sign_in(self) -> None:
        """Sign in and close, or say why not (the password field is cleared)."""
        try:
            sign_in(self.name.text(), self.password.text())
        except LoginError as exc:
            self.message.setText(str(exc))
            self.password.clear()
            return
        self.accept()


def sign_in_if_needed(parent: QWidget | None = None) -> bool:
    """On a database with users, ask until someone signs in; False if they quit. True at once without users."""
    if not team_mode() or signed_in() is not None:
        return True
    return LoginDialog(parent).exec() == QDialog.DialogCode.Accepted


class IdleGuard(QObject):
    """Signs the user out after IDLE_MINUTES without input and asks their password again; `lapsed` is
    emitted when they quit instead."""

    lapsed = Signal()

    def __init__(self, window: QWidget, minutes: float = IDLE_MINUTES) -> None:
        super().__init__(window)
        self.window, self.limit_s = window, minutes * 60
        self.last_input = time.monotonic()
        self.asking = False
        QApplication.instance().installEventFilter(self)
        self.timer = QTimer(self, interval=30_000, timeout=self.check)
        self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel):
            self.last_input = time.monotonic()
        return False

    def check(self) -> None:
        """Time the session out if it has been idle too long (only on a database with users)."""
        if not self.asking and time.monotonic() - self.last_input >= self.limit_s:
            self.expire()

    def expire(self) -> None:
        """Sign out now and ask the same user's password again."""
        user = signed_in()
        if user is None or self.asking:
            return
        sign_out()
        self.asking = True
        dialog = LoginDialog(self.window, user.name, f"Signed out after {self.limit_s / 60:.0f} idle minutes.")
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)  # every window waits; the services refuse too
        dialog.finished.connect(self._answered)
        dialog.open()
        self.dialog = dialog

    def _answered(self, result: int) -> None:
        self.asking = False
        self.last_input = time.monotonic()
        if result != QDialog.DialogCode.Accepted:
            self.lapsed.emit()
