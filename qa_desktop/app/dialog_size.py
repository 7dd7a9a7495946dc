"""Open a window at the size it wants, never larger than the screen it opens on."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def fit_to_screen(window: QWidget, width: int | None = None, height: int | None = None) -> None:
    """Resize to width x height, or to most of the available screen when that is smaller (1366x768) or
    no size is given."""
    screen = window.screen() or (window.parentWidget().screen() if window.parentWidget() else None)
    if screen is None:
        window.resize(width or 1280, height or 800)
        return
    area = screen.availableGeometry()
    most = int(area.width() * 0.96), int(area.height() * 0.92)
    window.resize(min(width or most[0], most[0]), min(height or most[1], most[1]))
