"""faster-whisper's Silero VAD without its full-length copy of the call.

`SileroVADModel.__call__` joins every 32 ms window of the (padded) audio to its 4 ms of context in one
array, 1.125 times the audio (260 MB for a 60-minute channel), then runs the model on it 10,000 windows
at a time. This builds each batch's rows as it goes: the same inputs in the same order, so the same
speech probabilities, holding one batch.
"""

from __future__ import annotations

import numpy as np
from faster_whisper import vad

from .heap import release_free_memory

ENCODER_BATCH = 10_000  # faster-whisper's batch: its recurrent state is carried from batch to batch


class BlockwiseSileroVAD(vad.SileroVADModel):
    """faster-whisper's Silero VAD model, its input built batch by batch."""

    def __call__(self, audio: np.ndarray, num_samples: int = 512, context_size_samples: int = 64) -> np.ndarray:
        windows = audio.reshape(-1, num_samples)
        windows[-1, -context_size_samples:] = 0  # as faster-whisper's does (through its view of the context)
        h = np.zeros((1, 1, 128), dtype="float32")
        c = np.zeros((1, 1, 128), dtype="float32")
        outputs = []
        for first in range(0, len(windows), ENCODER_BATCH):
            block = windows[first : first + ENCODER_BATCH]
            rows = np.empty((len(block), context_size_samples + num_samples), dtype=audio.dtype)
            rows[:, context_size_samples:] = block
            rows[0, :context_size_samples] = windows[first - 1, -context_size_samples:] if first else 0
            rows[1:, :context_size_samples] = block[:-1, -context_size_samples:]
            output, h, c = self.session.run(None, {"input": rows, "h": h, "c": c})
            outputs.append(output)
        release_free_memory()  # the model's temporaries, some 100 MB for a 20-minute channel
        return np.concatenate(outputs, axis=0)


def use_blockwise_vad() -> None:
    """Make the process's VAD model (used by faster-whisper's pipeline and `get_speech_timestamps`) blockwise."""
    model = vad.get_vad_model()
    if type(model) is vad.SileroVADModel:
        model.__class__ = BlockwiseSileroVAD
