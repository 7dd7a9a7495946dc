"""The waveform's envelope of each recording, kept in the data folder under the audio's sha256.

It is computed once, at import or on the first view of a call imported before, by reading the file
block by block at its own rate (`scoring.audio.peak_envelope`), so opening a long call in the review
reads a few kilobytes instead of decoding the whole call.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from qa_desktop.storage.paths import data_dir
from scoring.audio import peak_envelope

log = logging.getLogger(__name__)

BUCKETS = 1600  # peaks per channel: more than a screen has pixel columns


def envelope_path(sha256: str) -> Path:
    """Where the envelope of the audio with this sha256 is kept."""
    return data_dir() / "envelopes" / f"{sha256}.npy"


def stored_envelope(sha256: str) -> np.ndarray | None:
    """The kept envelope, shape (channels, BUCKETS), or None when there is none (or it is unreadable)."""
    try:
        peaks = np.load(envelope_path(sha256), allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    return peaks if peaks.ndim == 2 and peaks.shape[1] == BUCKETS and peaks.shape[0] in (1, 2) else None


def store_envelope(path: str | Path, sha256: str) -> np.ndarray:
    """Compute the envelope of a recording and keep it (written whole or not at all); raises AudioError."""
    peaks, _ = peak_envelope(path, BUCKETS)
    peaks = peaks.astype(np.float32)
    target, temporary = envelope_path(sha256), None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            np.save(out, peaks)
        os.replace(temporary, target)
    except OSError as exc:  # a full disk or a read-only folder: the waveform still shows, from memory
        log.warning("could not keep the waveform of %s: %s", path, exc)
        if temporary:
            Path(temporary).unlink(missing_ok=True)
    return peaks


def envelope(path: str | Path, sha256: str) -> np.ndarray:
    """The kept envelope of a recording, computed and kept first if need be; raises AudioError."""
    peaks = stored_envelope(sha256)
    return peaks if peaks is not None else store_envelope(path, sha256)
