"""Processes that start at once on a fresh install import librosa one at a time: numba's cache of its compiled
functions is left whole, and the pitch tracker of every later process works (numba issue #10128)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.demo import ROOT

IMPORT = "from scoring.librosa_import import librosa; librosa().yin"
PITCH = """
import numpy as np
from scoring.librosa_import import librosa
noise = np.random.default_rng(0).normal(0, 0.1, 16000)
for samples in (noise.astype(np.float32), noise):
    librosa().yin(samples, fmin=60, fmax=400, sr=16000)
print("pitch", flush=True)
"""


def test_processes_importing_librosa_at_once_leave_its_compiled_cache_whole(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NUMBA_CACHE_DIR": str(tmp_path / "numba")}  # a fresh install's
    starting = [subprocess.Popen([sys.executable, "-c", IMPORT], env=env) for _ in range(4)]
    assert [p.wait(timeout=600) for p in starting] == [0, 0, 0, 0]
    later = subprocess.run([sys.executable, "-c", PITCH], env=env, capture_output=True, text=True, timeout=300)
    assert (later.returncode, later.stdout) == (0, "pitch\n")  # was -11 (a segmentation fault) 3 times in 5
