"""The command line in a child process, as a user runs it."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import model_guard
from tests.support.demo import ROOT


def run_cli(*args: str, env_home: Path, max_file_bytes: int | None = None) -> subprocess.CompletedProcess:
    """`python -m qa_desktop ARGS` with settings and data under env_home; in a test not marked `model` the
    child cannot load the model, and a try fails the test. With max_file_bytes, no file the command writes can
    grow past that size (as on a full disk: writes fail with "File too large")."""
    env = {**os.environ, "XDG_CONFIG_HOME": str(env_home / "config"), "XDG_DATA_HOME": str(env_home / "data")}
    guarded = bool(os.environ.get(model_guard.ENV))
    entry = (
        ["-c", "from tests.support.model_guard import guarded_cli; guarded_cli()"] if guarded else ["-m", "qa_desktop"]
    )
    limit = None if max_file_bytes is None else (resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))
    done = subprocess.run(
        [sys.executable, *entry, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
        preexec_fn=None if limit is None else lambda: resource.setrlimit(*limit),
    )
    if guarded and done.returncode == model_guard.EXIT_CODE and model_guard.MESSAGE in done.stderr:
        pytest.fail(f"qa-desktop {' '.join(args)}: {model_guard.MESSAGE}", pytrace=False)
    return done
