"""Acoustic features of the agent's voice (librosa): pitch variation and loudness variation.

A flat, monotone delivery is heard as cold; these numbers feed the `tone` criterion. They are
computed once from the audio at import and stored, so rescoring never needs the recording.
On a mono call only the stretches attributed to the agent are measured.
"""

from __future__ import annotations

import numpy as np

from .librosa_import import librosa
from .transcript import AGENT, Utterance

SAMPLE_RATE = 16_000
_ANALYSIS_RATE = 8_000  # pitch tops out well below 4 kHz; half the samples, half the time
_FRAME, _HOP = 512, 128  # 64 ms frames, 16 ms hop at 8 kHz
MAX_ANALYSED_S = 300.0  # enough speech for stable statistics on long calls


def _speech(audio: np.ndarray, utterances: list[Utterance], speaker: str) -> np.ndarray:
    """The speaker's utterances cut from the channel and joined (up to MAX_ANALYSED_S)."""
    pieces, total = [], 0
    limit = int(MAX_ANALYSED_S * SAMPLE_RATE)
    for u in utterances:
        if u.speaker != speaker or total >= limit:
            continue
        piece = audio[int(u.start * SAMPLE_RATE) : int(u.end * SAMPLE_RATE)]
        pieces.append(piece[: limit - total])
        total += len(pieces[-1])
    return np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)


def voiced_pitch(speech: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(f0 in Hz, loudness in dB) of the voiced frames of 16 kHz speech (yin, loud frames only)."""
    lib = librosa()
    speech = lib.resample(speech.astype(np.float32), orig_sr=SAMPLE_RATE, target_sr=_ANALYSIS_RATE)
    rms_db = lib.amplitude_to_db(lib.feature.rms(y=speech, frame_length=_FRAME, hop_length=_HOP)[0], ref=np.max)
    f0 = lib.yin(speech, fmin=65, fmax=400, sr=_ANALYSIS_RATE, frame_length=_FRAME, hop_length=_HOP)
    frames = min(len(f0), len(rms_db))
    f0, rms_db = f0[:frames], rms_db[:frames]
    voiced = (rms_db > -30) & (f0 > 66) & (f0 < 399)
    return f0[voiced], rms_db[voiced]


def warm_up() -> None:
    """Load what `voiced_pitch` uses now (librosa loads its modules on first use: 2.7 CPU s), so that a model
    worker pays it as it starts, with its model, not on its first call (docs/decisions.md)."""
    tone = np.sin(2 * np.pi * 150 * np.arange(SAMPLE_RATE) / SAMPLE_RATE).astype(np.float32)
    voiced_pitch(0.1 * tone)


def voice_features(audio: np.ndarray, utterances: list[Utterance], speaker: str = AGENT) -> dict[str, float]:
    """Pitch and loudness statistics of one speaker's voice in a 16 kHz channel.

    Keys: `{speaker}_voiced_s`, `_pitch_median_hz`, `_pitch_std_st` (semitones), `_energy_std_db`.
    Empty (all zero) when the speaker has under a second of voiced speech.
    """
    keys = [f"{speaker}_{k}" for k in ("voiced_s", "pitch_median_hz", "pitch_std_st", "energy_std_db")]
    speech = _speech(audio, utterances, speaker)
    if len(speech) < SAMPLE_RATE:
        return dict.fromkeys(keys, 0.0)
    f0, loudness = voiced_pitch(speech)
    voiced_s = len(f0) * _HOP / _ANALYSIS_RATE
    if voiced_s < 1.0:
        return dict.fromkeys(keys, 0.0)
    median = float(np.median(f0))
    semitones = 12 * np.log2(f0 / median)
    semitones = semitones[np.abs(semitones) < 12]  # octave errors are the tracker's, not the voice's
    values = [voiced_s, median, float(np.std(semitones)), float(np.std(loudness))]
    return {k: round(float(v), 3) for k, v in zip(keys, values)}
