"""The command line in a child process, as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import model_guard
from tests.support.demo import ROOT


def run_cli(*args: str, env_home: Path) -> subprocess.CompletedProcess:
    """`python -m qa_desktop ARGS` with settings and data under env_home; in a test not marked `model` the
    child cannot load the model, and a try fails the test."""
    env = {**os.environ, "XDG_CONFIG_HOME": str(env_home / "config"), "XDG_DATA_HOME": str(env_home / "data")}
    guarded = bool(os.environ.get(model_guard.ENV))
    entry = (
        ["-c", "from tests.support.model_guard import guarded_cli; guarded_cli()"] if guarded else ["-m", "qa_desktop"]
    )
    done = subprocess.run(
        [sys.executable, *entry, *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300
    )
    if guarded and done.returncode == model_guard.EXIT_CODE and model_guard.MESSAGE in done.stderr:
        pytest.fail(f"qa-desktop {' '.join(args)}: {model_guard.MESSAGE}", pytrace=False)
    return done
