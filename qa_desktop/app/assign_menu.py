"""The library's "Assign to" menu (right-click the selected calls, on a database with users): a QA lead or admin
hands calls to an active evaluator, or to nobody; for another role it is disabled, its tooltip saying why."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMenu

from qa_desktop.services.access.identity import current_user
from qa_desktop.services.access.permissions import refusal
from qa_desktop.services.review import evaluators


def add_assign_menu(menu: QMenu, count: int, assign: Callable[[str | None], object], busy: bool) -> QMenu:
    """Add "Assign N calls to" to `menu`: the active evaluators and Nobody, each calling `assign(name)`; disabled
    with the reason in its tooltip when the role may not assign or an assignment is still being saved."""
    menu.setToolTipsVisible(True)
    submenu = menu.addMenu(f"Assign {count} call{'' if count == 1 else 's'} to")
    submenu.setToolTipsVisible(True)
    why = "the calls chosen before are still being assigned" if busy else refusal(current_user(), "assign")
    if why:
        submenu.setEnabled(False)
        submenu.menuAction().setToolTip(f"Assign the selected calls to an evaluator — {why}")
        return submenu
    names = evaluators()
    for name in names:
        submenu.addAction(name, lambda name=name: assign(name))
    if not names:
        none = submenu.addAction("No active evaluator (an admin adds one in Users…)")
        none.setEnabled(False)
    submenu.addSeparator()
    submenu.addAction("Nobody", lambda: assign(None)).setToolTip("Take the calls off whoever they are assigned to")
    return submenu
