"""Bare faster-whisper for the benches: what qa-desktop's speed is measured against."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scoring.models import choose_device, resolve_model  # noqa: E402


def bare_pipeline(threads: int = 0):
    """Plain faster-whisper on the bundled model: its own pipeline, feature extractor and VAD, none of ours."""
    from faster_whisper import BatchedInferencePipeline, WhisperModel

    device, compute_type = choose_device("auto")
    model = WhisperModel(
        str(resolve_model(None).path),
        device=device,
        compute_type=compute_type,
        cpu_threads=threads or os.cpu_count() or 1,
        local_files_only=True,
    )
    return BatchedInferencePipeline(model)
