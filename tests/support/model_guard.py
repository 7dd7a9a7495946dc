"""Keep the Whisper model out of tests not marked `model`, so the fast tier (`-m "not model"`) never loads it.

The model is loaded by `Transcriber()` in this process, by `TranscriptionWorker.start()` in a child and by a
`ModelPlugin` registered on Dask workers; the guard replaces all three for a test without the marker, and
`run_cli` carries it into the CLI's process (where each is replaced when its module is imported).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import os
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

MARKER = "model"
ENV = "QA_TESTS_FORBID_MODEL"  # set while a test without the marker runs; the CLI child reads it
EXIT_CODE = 97  # the CLI child's exit status when it would have loaded the model
MESSAGE = "this test loads the Whisper model: mark it @pytest.mark.model (the fast tier runs without the model)"


class ModelForbidden(RuntimeError):
    """Raised where a test not marked `model` would load the model; the app may report it as an error (an import
    ends at once rather than waiting for its model), and the guard fails the test all the same."""


# where the model is loaded: (module, class, method)
LOADS = (
    ("scoring.transcriber", "Transcriber", "__init__"),
    ("scoring.worker", "TranscriptionWorker", "start"),
    ("scoring.cluster", "ModelPlugin", "__init__"),
)


def _refusal(on_load: Callable[[], None]) -> Callable[..., None]:
    def refuse(*args: object, **kwargs: object) -> None:
        on_load()
        raise ModelForbidden(MESSAGE)

    return refuse


def forbid_model(patch: Callable[[Any, str, Any], None], on_load: Callable[[], None]) -> None:
    """Replace the ways to load the model with one that calls on_load, then raises ModelForbidden."""
    refuse = _refusal(on_load)
    for module, cls, method in LOADS:
        patch(getattr(importlib.import_module(module), cls), method, refuse)


class _ForbidOnImport(importlib.abc.MetaPathFinder):
    """Replaces a way to load the model when (and if) its module is imported: importing them all up front would
    cost a CLI child the seconds that the command line's lazy imports save (faster-whisper, Dask)."""

    def __init__(self, refuse: Callable[..., None]) -> None:
        self.refuse = refuse

    def find_spec(self, name: str, path: Sequence[str] | None, target: ModuleType | None = None) -> Any:
        loads = [(cls, method) for module, cls, method in LOADS if module == name]
        spec = importlib.machinery.PathFinder.find_spec(name, path, target) if loads else None
        if spec is None or spec.loader is None:
            return None
        run_module = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run_module(module)
            for cls, method in loads:
                setattr(getattr(module, cls), method, self.refuse)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _exit_child() -> None:
    sys.stderr.write(f"{MESSAGE}\n")
    sys.stderr.flush()
    os._exit(EXIT_CODE)  # no handler in the CLI can turn this into an ordinary failure


def guarded_cli() -> None:
    """Run `python -m qa_desktop` in this (child) process with the model forbidden."""
    import runpy

    sys.meta_path.insert(0, _ForbidOnImport(_refusal(_exit_child)))
    runpy.run_module("qa_desktop", run_name="__main__", alter_sys=True)
