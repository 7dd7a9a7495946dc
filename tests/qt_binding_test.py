"""The installed Qt binding keeps Python's reference counts: the app emits signals from Python many times a second."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    moved = Signal(float)


def test_a_signal_emitted_from_python_keeps_true_alive() -> None:
    # PySide 6.12.0 dropped one reference to True at each emit: the player's position signal (15 a second) made the
    # app abort after about two minutes of playback ("Fatal Python error: bool_dealloc")
    emitter = _Emitter()
    received: list[float] = []
    emitter.moved.connect(received.append)
    before = sys.getrefcount(True)
    for second in range(200):
        emitter.moved.emit(float(second))
    assert len(received) == 200
    assert sys.getrefcount(True) - before > -50
