"""The library's "Assign to" menu (right-click the selected calls, on a database with users): a QA lead or admin
hands calls to an active evaluator, or to nobody; for another role it is disabled, its tooltip saying why. What it
offers is read off the UI thread (`AssignOptions`): a slow or stopped server never holds the menu up."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QMenu

from qa_desktop.app.background import Latest
from qa_desktop.services.review import AssignChoices, assign_choices

Assign = Callable[[str | None], object]


class AssignOptions(QObject):
    """The assign menu's choices as last read in the background (`choices`, None before the first read), and why
    the newest read failed (`problem`, "" when it did not); `changed` when either changes. `refresh()` reads them
    again (each time the menu opens: the menu shows what it has, and fills in when the read ends)."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.choices: AssignChoices | None = None
        self.problem = ""
        self._reader = Latest(self._read, self._failed, self, what="reading the evaluators")

    def refresh(self) -> None:
        """Read the choices again, in the background."""
        self._reader.start(lambda _task: assign_choices())

    def wait(self) -> None:
        """Block until the newest read ends (for tests; its outcome shows at the next events)."""
        self._reader.wait()

    def _read(self, choices: AssignChoices) -> None:
        self.choices, self.problem = choices, ""
        self.changed.emit()

    def _failed(self, message: str) -> None:
        self.problem = message
        self.changed.emit()


class AssignMenu(QMenu):
    """ "Assign N calls to": the active evaluators (as `options` has them, refilled when they are read again) and
    Nobody, each calling `assign(name)`; disabled, its tooltip saying why, for a role that may not assign or while
    the calls chosen before are still being assigned (`busy`)."""

    def __init__(self, title: str, assign: Assign, options: AssignOptions, busy: bool) -> None:
        super().__init__(title)
        self.setToolTipsVisible(True)
        self.assign, self.options, self.busy = assign, options, busy
        options.changed.connect(self.fill)  # a slot of this menu: forgotten when the menu goes
        self.fill()

    @Slot()
    def fill(self) -> None:
        """The evaluators, a line saying why there are none, then Nobody."""
        self.clear()
        choices, problem = self.options.choices, self.options.problem
        why = "the calls chosen before are still being assigned" if self.busy else (choices.refusal if choices else "")
        self.setEnabled(not why)
        self.menuAction().setToolTip(f"Assign the selected calls to an evaluator — {why}" if why else "")
        for name in choices.evaluators if choices else []:
            self.addAction(name, lambda name=name: self.assign(name))
        if problem:
            line = f"Could not read the evaluators: {problem}"
        elif choices is None:
            line = "Reading the evaluators…"
        else:
            line = "" if choices.evaluators else "No active evaluator (an admin adds one in Users…)"
        if line:
            self.addAction(line).setEnabled(False)
        if choices is not None:
            self.addSeparator()
            self.addAction("Nobody", lambda: self.assign(None)).setToolTip(
                "Take the calls off whoever they are assigned to"
            )


def add_assign_menu(menu: QMenu, count: int, assign: Assign, busy: bool, options: AssignOptions) -> QMenu:
    """Add "Assign N calls to" to `menu`; what it offers is read again as it opens."""
    menu.setToolTipsVisible(True)
    options.refresh()
    submenu = AssignMenu(f"Assign {count:,} call{'' if count == 1 else 's'} to", assign, options, busy)
    submenu.setParent(menu, submenu.windowFlags())
    menu.addMenu(submenu)
    return submenu
