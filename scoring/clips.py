"""Cut a moment out of a call recording for a coaching pack: agent on the left, customer on the
right (whichever channel the recorder used), never past the call's ends, with the spans where card
data was said replaced by a tone so that a clip never carries it."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import soundfile as sf

from .audio import TARGET_SAMPLE_RATE, DecodedAudio

TONE_HZ, TONE_LEVEL = 1000.0, 0.05
# Word timestamps can be a little off: the tone starts this much before a redacted word and ends after it.
HIDE_MARGIN_S = 0.25


def cut(
    decoded: DecodedAudio,
    start_s: float,
    end_s: float,
    agent_channel: int = 0,
    hidden: Sequence[tuple[float, float]] = (),
) -> np.ndarray:
    """Samples (frames x channels, 16 kHz) from start_s to end_s, clamped to the recording; the
    `hidden` spans (seconds in the call) are a tone in every channel."""
    first = max(0, int(start_s * TARGET_SAMPLE_RATE))
    last = min(len(decoded.channels[0]), int(end_s * TARGET_SAMPLE_RATE))
    channels = decoded.channels
    if len(channels) == 2 and agent_channel == 1:
        channels = [channels[1], channels[0]]
    samples = np.stack([c[first : max(first, last)] for c in channels], axis=1)
    for span_start, span_end in hidden:
        a = max(0, int((span_start - HIDE_MARGIN_S) * TARGET_SAMPLE_RATE) - first)
        b = min(len(samples), int((span_end + HIDE_MARGIN_S) * TARGET_SAMPLE_RATE) - first)
        if b > a:
            samples[a:b] = tone(b - a)[:, None]
    return samples


def tone(frames: int) -> np.ndarray:
    """A quiet beep of this many frames (16 kHz), what a listener hears where card data was said."""
    return (TONE_LEVEL * np.sin(2 * np.pi * TONE_HZ * np.arange(frames) / TARGET_SAMPLE_RATE)).astype(np.float32)


def write_clip(path: Path, samples: np.ndarray) -> Path:
    """Write a clip as 16-bit WAV (plays in every browser and player). A file that cannot be written (a full disk)
    raises OSError, with its reason (libsndfile would say only "System error")."""
    wav = io.BytesIO()
    sf.write(wav, np.clip(samples, -1.0, 1.0), TARGET_SAMPLE_RATE, format="WAV", subtype="PCM_16")
    path.write_bytes(wav.getvalue())
    return path
