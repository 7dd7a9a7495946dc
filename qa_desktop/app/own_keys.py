"""Arrow keys a focused list keeps for itself: the window's playback shortcuts (Up/Down step through the
transcript) would otherwise take them from the library table and the scorecard, whose rows they move through."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QWidget

ARROWS = (Qt.Key.Key_Up, Qt.Key.Key_Down)


class OwnKeys(QObject):
    """Keeps the arrows for `widget` while it has the focus (it claims them before the window's shortcuts)."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        widget.installEventFilter(self)

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() in ARROWS
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
        ):
            event.accept()  # the key goes to the widget, not to a shortcut
            return True
        return False
