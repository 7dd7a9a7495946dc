"""Users (admin): every user with role, agent, state and last sign-in; add one, change a role, disable or
enable, set a password. The services check the admin role again and keep every change in the audit log."""

from __future__ import annotations

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
from qa_desktop.services.access.passwords import PasswordError
from qa_desktop.services.access.permissions import ADMIN, AGENT, ROLES, AccessError


class UserForm(QDialog):
    """Name, role, the agent an agent-role user is, and a password typed twice (each part only when asked)."""

    def __init__(
        self, parent: QWidget, title: str, name: str = "", role: str | None = None, password: bool = True
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
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
        form.addRow(buttons)

    def checked_password(self) -> str:
        if self.password.text() != self.again.text():
            raise PasswordError("the two passwords differ")
        return self.password.text()


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

    def add(self) -> None:
        form = UserForm(self, "Add a user", role=AGENT if self.tree.topLevelItemCount() else ADMIN)  # admin first
        if form.exec() == QDialog.DialogCode.Accepted:
            self._do(
                lambda: add_user(
                    form.name.text(),
                    form.role.currentData(),
                    form.checked_password(),
                    form.agent.text().strip() or None,
                ),
                f"Added {form.name.text().strip()}.",
            )

    def change_role(self) -> None:
        item = self._selected()
        if item is None:
            return
        current = next(key for key, label in ROLES.items() if label == item.text(1))
        form = UserForm(self, "Change role", item.text(0), current, password=False)
        if form.exec() == QDialog.DialogCode.Accepted:
            self._do(
                lambda: set_role(item.text(0), form.role.currentData(), form.agent.text().strip() or None, current),
                f"{item.text(0)} is now {form.role.currentText()}.",
            )

    def toggle(self) -> None:
        item = self._selected()
        if item is not None:
            active = item.data(0, Qt.ItemDataRole.UserRole)
            self._do(
                lambda: set_active(item.text(0), not active), f"{item.text(0)} {'disabled' if active else 'enabled'}."
            )

    def password(self) -> None:
        item = self._selected()
        if item is None:
            return
        form = UserForm(self, "Set password", item.text(0), password=True)
        if form.exec() == QDialog.DialogCode.Accepted:
            self._do(lambda: set_password(item.text(0), form.checked_password()), f"Password of {item.text(0)} set.")
