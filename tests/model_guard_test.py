"""The fast tier's guard: a test not marked `model` cannot load the Whisper model, in this process, in the
transcription worker's or in a CLI child."""

from __future__ import annotations

import re

import pytest

from scoring.cluster import ModelPlugin
from scoring.transcriber import Transcriber, TranscriberConfig
from scoring.worker import TranscriptionWorker
from tests.support.cli import run_cli
from tests.support.demo import demo_file
from tests.support.model_guard import MESSAGE, ModelForbidden


def test_the_transcriber_the_worker_and_dask_workers_cannot_load_the_model_without_the_marker(model_forbidden):
    with pytest.raises(ModelForbidden, match="mark it @pytest.mark.model"):
        Transcriber()
    worker = TranscriptionWorker()
    with pytest.raises(ModelForbidden):
        worker.analyse(demo_file("mono"))  # starts the worker process first
    assert worker.pid is None  # no process was started
    with pytest.raises(ModelForbidden):
        ModelPlugin(TranscriberConfig())  # what the Dask ingest registers on its workers
    assert len(model_forbidden) == 3  # the test would fail at teardown; this one expected it
    model_forbidden.clear()


def test_a_cli_child_that_would_load_the_model_fails_the_test(isolated_home, model_forbidden):
    with pytest.raises(pytest.fail.Exception, match=re.escape(MESSAGE)):
        run_cli("transcribe", str(demo_file("mono")), env_home=isolated_home)
    assert model_forbidden == []  # the child's try is reported by run_cli, not here
