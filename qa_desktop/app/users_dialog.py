"""Users (admin): every user with role, agent, state and last sign-in; add one, change a role, disable or
enable, set a password. The services check the admin role again and keep every change in the audit log."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qa_desktop.services.access.accounts import (
    AccountError,
    add_user,
    set_active,
    set_password,
    set_role,
    state,
    users,
)
from qa_desktop.services.access.passwords import MIN_LENGTH, PasswordError
from qa_desktop.services.access.permissions import ADMIN, AGENT, ROLES, AccessError, sentence


class UserForm(QDialog):
    """Name, role, the agent an agent-role user is, and a password typed twice (each part only when asked). OK makes
    the change (`change(form)`); when it cannot be made (the passwords differ or are too short, the name is taken),
    the form says why under its fields and stays open with what was typed."""

    def __init__(
        self,
        parent: QWidget,
        title: str,
        change: Callable[[UserForm], object],
        name: str = "",
        role: str | None = None,
        password: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.change = change
        self.setMinimumWidth(480)  # the agent field's hint in full
        self.name = QLineEdit(name)
        self.name.setReadOnly(bool(name))
        self.role = QComboBox()
        for key, label in ROLES.items():
            self.role.addItem(label, key)
        self.role.setCurrentIndex(max(0, self.role.findData(role)))
        self.agent = QLineEdit(placeholderText="for an agent: their name in the calls (default: the user name)")
        self.password, self.again = QLineEdit(), QLineEdit()
        for field in (self.password, self.again):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(f"at least {MIN_LENGTH} characters")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color:#b3261e")
        form = QFormLayout(self)
        form.addRow("Name", self.name)
        if role is not None or not name:
            form.addRow("Role", self.role)
            form.addRow("Agent", self.agent)
        if password:
            form.addRow("Password", self.password)
            form.addRow("Again", self.again)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(self.message)
        form.addRow(buttons)

    def checked_password(self) -> str:
        if self.password.text() != self.again.text():
            raise PasswordError("the two passwords differ")
        return self.password.text()

    def accept(self) -> None:
        """Make the change and close, or say why not and stay open (the passwords to type again)."""
        try:
            self.change(self)
        except (AccessError, PasswordError) as exc:
            self.message.setText(sentence(str(exc)))
            for field in (self.password, self.again):
                field.clear()
            return
        super().accept()


def _toggle_name(item: QTreeWidgetItem) -> str:
    """What the toggle does to a user's row: Unlock a locked account, else Disable or Enable."""
    if item.text(3).startswith("locked"):
        return "Unlock"
    return "Disable" if item.data(0, Qt.ItemDataRole.UserRole) else "Enable"


class UsersDialog(QDialog):
    """The users of the open database."""

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Users")
        self.resize(640, 400)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["User", "Role", "Agent", "State", "Last sign-in"])
        self.tree.setRootIsDecorated(False)
        self.message = QLabel()
        self.message.setWordWrap(True)
        row = QHBoxLayout()
        for text, slot in (
            ("Add…", self.add),
            ("Role…", self.change_role),
            ("Disable / enable", self.toggle),
            ("Password…", self.password),
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            row.addWidget(button)
            if slot == self.toggle:
                self.toggle_button = button  # says what it does to the selected user: Disable, Enable or Unlock
        self.tree.currentItemChanged.connect(lambda item, _previous: self._name_toggle(item))
        row.addStretch()
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(close)
        self.reload()

    def reload(self) -> None:
        self.tree.clear()
        for user in users():
            item = QTreeWidgetItem(
                [
                    user.name,
                    ROLES[user.role],
                    user.agent.name if user.agent else "",
                    state(user),
                    f"{user.last_login:%Y-%m-%d %H:%M}" if user.last_login else "never",
                ]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, user.active)
            self.tree.addTopLevelItem(item)
        for column in range(5):
            self.tree.resizeColumnToContents(column)
        if not self.tree.topLevelItemCount():
            self.message.setText(
                "No users yet: whoever opens this database acts as its owner. Add an admin first; from then on "
                "everyone signs in, each with a role."
            )

    def _selected(self) -> QTreeWidgetItem | None:
        item = self.tree.currentItem()
        if item is None:
            self.message.setText("Select a user first.")
        return item

    def _do(self, change, done: str) -> None:
        try:
            change()
        except (AccessError, PasswordError) as exc:
            QMessageBox.warning(self, "Users", str(exc))
            if isinstance(exc, AccountError):
                self.reload()  # as it is now: another admin may have changed it meanwhile
            return
        self.message.setText(done)
        self.reload()

    def _ask(self, form: UserForm) -> bool:
        """Show a form that makes its change on OK; then the list as it is now (another admin's changes too)."""
        done = form.exec() == QDialog.DialogCode.Accepted
        self.reload()
        return done

    def add(self) -> None:
        def change(form: UserForm) -> None:
            agent = form.agent.text().strip() or None
            add_user(form.name.text(), form.role.currentData(), form.checked_password(), agent)

        first = not self.tree.topLevelItemCount()  # the first user is an admin
        form = UserForm(self, "Add a user", change, role=ADMIN if first else AGENT)
        if self._ask(form):
            self.message.setText(f"Added {form.name.text().strip()}.")

    def change_role(self) -> None:
        item = self._selected()
        if item is None:
            return
        name, current = item.text(0), next(key for key, label in ROLES.items() if label == item.text(1))

        def change(form: UserForm) -> None:
            set_role(name, form.role.currentData(), form.agent.text().strip() or None, current)

        form = UserForm(self, "Change role", change, name, current, password=False)
        if self._ask(form):
            self.message.setText(f"{name} is now {form.role.currentText()}.")

    def _name_toggle(self, item: QTreeWidgetItem | None) -> None:
        """The toggle's name for the selected user: a locked account is unlocked (enabled again), not disabled."""
        self.toggle_button.setText(_toggle_name(item) if item is not None else "Disable / enable")

    def toggle(self) -> None:
        """Disable an active user, enable a disabled one, unlock a locked one (5 wrong passwords)."""
        item = self._selected()
        if item is not None:
            name, verb = item.text(0), _toggle_name(item)
            done = {"Disable": "disabled", "Enable": "enabled", "Unlock": "unlocked: they can sign in again"}[verb]
            self._do(lambda: set_active(name, verb != "Disable"), f"{name} {done}.")

    def password(self) -> None:
        item = self._selected()
        if item is None:
            return
        name = item.text(0)
        form = UserForm(self, "Set password", lambda form: set_password(name, form.checked_password()), name)
        if self._ask(form):
            self.message.setText(f"Password of {name} set.")
