"""Whisper's log-mel features of a long recording, computed block by block.

faster-whisper's sequential `transcribe` computes the features of the whole recording at once, even
when it is given a few clips to transcribe: its STFT holds every 25 ms frame of the call, windowed and
transformed, about eleven times the audio's size (2.5 GB for a 60-minute channel). This extractor
gives the same numbers, bit for bit, holding one block of frames at a time (the features themselves
are 80 values per 10 ms, a fifth of the audio's size).
"""

from __future__ import annotations

import numpy as np
from faster_whisper.feature_extractor import FeatureExtractor

BLOCK_FRAMES = 1000  # 10 s of frames per block: about 10 MB of temporaries
WHOLE_S = 30  # shorter audio (the batched pipeline's chunks) goes through faster-whisper's own code


class BlockwiseFeatureExtractor(FeatureExtractor):
    """faster-whisper's FeatureExtractor with bounded memory on recordings longer than a block."""

    def __call__(self, waveform: np.ndarray, padding: int = 160, chunk_length: int | None = None) -> np.ndarray:
        if len(waveform) <= WHOLE_S * self.sampling_rate:
            return super().__call__(waveform, padding=padding, chunk_length=chunk_length)
        if chunk_length is not None:  # as the parent does
            self.n_samples = chunk_length * self.sampling_rate
            self.nb_max_frames = self.n_samples // self.hop_length
        padded = self._centred(waveform, padding)
        window = np.hanning(self.n_fft + 1)[:-1].astype("float32")
        count = 1 + (len(padded) - self.n_fft) // self.hop_length - 1  # the parent drops the last frame
        log_spec = np.empty((len(self.mel_filters), count), dtype=np.float32)
        for first in range(0, count, BLOCK_FRAMES):
            last = min(count, first + BLOCK_FRAMES)
            frames = np.lib.stride_tricks.sliding_window_view(
                padded[first * self.hop_length : (last - 1) * self.hop_length + self.n_fft],
                self.n_fft,
            )[:: self.hop_length]
            spectrum = np.fft.rfft(frames * window, n=self.n_fft, axis=-1).astype("complex64").T
            mel_spec = self.mel_filters @ (np.abs(spectrum) ** 2)
            log_spec[:, first:last] = np.log10(np.clip(mel_spec, a_min=1e-10, a_max=None))
        np.maximum(log_spec, log_spec.max() - 8.0, out=log_spec)
        log_spec += 4.0
        log_spec /= 4.0
        return log_spec

    def _centred(self, waveform: np.ndarray, padding: int) -> np.ndarray:
        """The float32 waveform with `padding` zeros after it, reflected by n_fft/2 at both ends (one copy)."""
        half = self.n_fft // 2
        length = len(waveform) + padding
        padded = np.zeros(length + 2 * half, dtype=np.float32)
        padded[half : half + len(waveform)] = waveform
        padded[:half] = padded[2 * half : half : -1]
        padded[half + length :] = padded[half + length - 2 : length - 2 : -1]
        return padded
