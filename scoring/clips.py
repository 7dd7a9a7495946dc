"""Cut a moment out of a call recording for a coaching pack: agent on the left, customer on the
right (whichever channel the recorder used), never past the call's ends."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from .audio import TARGET_SAMPLE_RATE, DecodedAudio


def cut(decoded: DecodedAudio, start_s: float, end_s: float, agent_channel: int = 0) -> np.ndarray:
    """Samples (frames x channels, 16 kHz) from start_s to end_s, clamped to the recording."""
    first = max(0, int(start_s * TARGET_SAMPLE_RATE))
    last = min(len(decoded.channels[0]), int(end_s * TARGET_SAMPLE_RATE))
    channels = decoded.channels
    if len(channels) == 2 and agent_channel == 1:
        channels = [channels[1], channels[0]]
    return np.stack([c[first:max(first, last)] for c in channels], axis=1)


def write_clip(path: Path, samples: np.ndarray) -> Path:
    """Write a clip as 16-bit WAV (plays in every browser and player)."""
    sf.write(path, np.clip(samples, -1.0, 1.0), TARGET_SAMPLE_RATE, subtype="PCM_16")
    return path
