"""Keep the Whisper model out of tests not marked `model`, so the fast tier (`-m "not model"`) never loads it.

The model is loaded by `Transcriber()` in this process, by `TranscriptionWorker.start()` in a child and by a
`ModelPlugin` registered on Dask workers; the guard replaces all three for a test without the marker, and
`run_cli` carries it into the CLI's process.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from scoring.cluster import ModelPlugin
from scoring.transcriber import Transcriber
from scoring.worker import TranscriptionWorker

MARKER = "model"
ENV = "QA_TESTS_FORBID_MODEL"  # set while a test without the marker runs; the CLI child reads it
EXIT_CODE = 97  # the CLI child's exit status when it would have loaded the model
MESSAGE = "this test loads the Whisper model: mark it @pytest.mark.model (the fast tier runs without the model)"


class ModelForbidden(RuntimeError):
    """Raised where a test not marked `model` would load the model; the app may report it as an error (an import
    ends at once rather than waiting for its model), and the guard fails the test all the same."""


def forbid_model(patch: Callable[[Any, str, Any], None], on_load: Callable[[], None]) -> None:
    """Replace the ways to load the model with one that calls on_load, then raises ModelForbidden."""

    def refuse(*args: object, **kwargs: object) -> None:
        on_load()
        raise ModelForbidden(MESSAGE)

    patch(Transcriber, "__init__", refuse)
    patch(TranscriptionWorker, "start", refuse)
    patch(ModelPlugin, "__init__", refuse)


def _exit_child() -> None:
    sys.stderr.write(f"{MESSAGE}\n")
    sys.stderr.flush()
    os._exit(EXIT_CODE)  # no handler in the CLI can turn this into an ordinary failure


def guarded_cli() -> None:
    """Run `python -m qa_desktop` in this (child) process with the model forbidden."""
    import runpy

    forbid_model(setattr, _exit_child)
    runpy.run_module("qa_desktop", run_name="__main__", alter_sys=True)
