"""The library's "Assign to" menu (right-click the selected calls, on a database with users): a QA lead or admin
hands calls to an active evaluator, or to nobody; for another role it is disabled, its tooltip saying why. The
evaluators are read off the UI thread (`Evaluators`): a slow or stopped server never holds the menu up."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QMenu

from qa_desktop.app.background import Latest
from qa_desktop.services.access.identity import current_user
from qa_desktop.services.access.permissions import refusal
from qa_desktop.services.review import evaluators

Assign = Callable[[str | None], object]


class Evaluators(QObject):
    """The active evaluators' names as last read in the background (`names`, None before the first read), and why
    the newest read failed (`problem`, "" when it did not); `changed` when either changes. `refresh()` reads them
    again (each time the menu opens: the menu shows what it has, and fills in when the read ends)."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.names: list[str] | None = None
        self.problem = ""
        self._reader = Latest(self._read, self._failed, self, what="reading the evaluators")

    def refresh(self) -> None:
        """Read the names again, in the background."""
        self._reader.start(lambda _task: evaluators())

    def wait(self) -> None:
        """Block until the newest read ends (for tests; its outcome shows at the next events)."""
        self._reader.wait()

    def _read(self, names: list[str]) -> None:
        self.names, self.problem = names, ""
        self.changed.emit()

    def _failed(self, message: str) -> None:
        self.problem = message
        self.changed.emit()


class AssignMenu(QMenu):
    """ "Assign N calls to": the active evaluators (as `listed` has them, refilled when they are read again) and
    Nobody, each calling `assign(name)`."""

    def __init__(self, title: str, assign: Assign, listed: Evaluators) -> None:
        super().__init__(title)
        self.setToolTipsVisible(True)
        self.assign, self.listed = assign, listed
        listed.changed.connect(self.fill)  # a slot of this menu: forgotten when the menu goes
        self.fill()

    @Slot()
    def fill(self) -> None:
        """The evaluators, a line saying why there are none, then Nobody."""
        self.clear()
        names, problem = self.listed.names, self.listed.problem
        for name in names or []:
            self.addAction(name, lambda name=name: self.assign(name))
        if problem:
            line = f"Could not read the evaluators: {problem}"
        elif names is None:
            line = "Reading the evaluators…"
        else:
            line = "" if names else "No active evaluator (an admin adds one in Users…)"
        if line:
            self.addAction(line).setEnabled(False)
        self.addSeparator()
        self.addAction("Nobody", lambda: self.assign(None)).setToolTip(
            "Take the calls off whoever they are assigned to"
        )


def add_assign_menu(menu: QMenu, count: int, assign: Assign, busy: bool, listed: Evaluators) -> QMenu:
    """Add "Assign N calls to" to `menu` (the evaluators read again as it opens); disabled with the reason in its
    tooltip when the role may not assign or an assignment is still being saved."""
    menu.setToolTipsVisible(True)
    title = f"Assign {count:,} call{'' if count == 1 else 's'} to"
    why = "the calls chosen before are still being assigned" if busy else refusal(current_user(), "assign")
    if why:
        submenu = menu.addMenu(title)
        submenu.setEnabled(False)
        submenu.menuAction().setToolTip(f"Assign the selected calls to an evaluator — {why}")
        return submenu
    listed.refresh()
    submenu = AssignMenu(title, assign, listed)
    submenu.setParent(menu, submenu.windowFlags())
    menu.addMenu(submenu)
    return submenu
