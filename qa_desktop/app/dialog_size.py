"""Open a window at the size it wants, never larger than the screen it opens on."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Resize to width x height, or to most of the available screen when that is smaller (1366x768)."""
    screen = window.screen() or (window.parentWidget().screen() if window.parentWidget() else None)
    if screen is None:
        window.resize(width, height)
        return
    area = screen.availableGeometry()
    window.resize(min(width, int(area.width() * 0.96)), min(height, int(area.height() * 0.92)))
