"""While the main window is open, Python's cycle collector runs on the UI thread only: a Qt object caught in a cycle
and collected on a worker thread is deleted off its own thread, which can crash the app."""

from __future__ import annotations

import gc
import threading
import weakref

from qa_desktop.app.main_window import MainWindow


class _Node:
    """A container that refers to itself: only the cycle collector frees it."""

    def __init__(self) -> None:
        self.me = self


def _make_garbage_then_allocate(freed_on: list[threading.Thread], kept: list[list]) -> None:
    node = _Node()
    weakref.finalize(node, lambda: freed_on.append(threading.current_thread()))
    del node
    kept.extend([] for _ in range(20 * gc.get_threshold()[0]))  # allocations enough for automatic passes, kept


def test_a_cycle_left_by_a_worker_thread_is_freed_on_the_ui_thread_while_the_window_is_open(qtbot, db):
    window = MainWindow(db)
    qtbot.addWidget(window)
    freed_on: list[threading.Thread] = []
    kept: list[list] = []  # alive after the worker ends: the count of objects made stays past the threshold
    worker = threading.Thread(target=_make_garbage_then_allocate, args=(freed_on, kept))
    worker.start()
    worker.join()
    assert freed_on == []  # not on the worker, whatever it allocated
    qtbot.waitUntil(lambda: freed_on != [], timeout=5_000)
    assert freed_on == [threading.main_thread()]


def test_automatic_collection_comes_back_when_the_window_closes(qtbot, db):
    assert gc.isenabled()
    window = MainWindow(db)
    qtbot.addWidget(window)
    again = MainWindow(db)
    qtbot.addWidget(again)
    assert not gc.isenabled()
    window.close()
    window.close()  # a second close releases nothing more
    assert not gc.isenabled()  # the other window still holds it
    again.close()
    assert gc.isenabled()
