"""Separate the two speakers of a mono call.

Speech is cut into short pieces at the pauses Silero VAD finds (and long pieces into windows),
each piece is described by its voice (MFCC means and spreads, pitch), the pieces are clustered
into two voices, the clusters are refined by re-segmentation (a Gaussian mixture per voice over
its MFCC frames; each piece moves to the voice that explains it best, for a few rounds), and every
recognised word takes the voice of the piece it falls in.
"""

from __future__ import annotations

import warnings

import librosa
import numpy as np
from faster_whisper.vad import VadOptions, get_speech_timestamps
from sklearn.cluster import AgglomerativeClustering
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from sklearn.preprocessing import StandardScaler

from .roles import pick_agent
from .transcript import AGENT, CUSTOMER, Utterance, Word
from .utterances import split_words

SR = 16_000
HOP = 160  # 10 ms MFCC frames
WINDOW_S = 1.5  # longer speech pieces are described window by window
MIN_PIECE_S = 0.25
REFINE_ROUNDS = 5
MIXTURE_COMPONENTS = 8


def speech_pieces(audio: np.ndarray) -> list[tuple[int, int]]:
    """Sample ranges of speech, cut at short pauses and into windows of at most WINDOW_S."""
    regions = get_speech_timestamps(audio, VadOptions(min_silence_duration_ms=120, speech_pad_ms=20))
    window = int(WINDOW_S * SR)
    pieces = []
    for region in regions:
        start, end = region["start"], region["end"]
        count = max(1, round((end - start) / window))
        bounds = np.linspace(start, end, count + 1).astype(int)
        pieces += [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:]) if b - a >= MIN_PIECE_S * SR]
    return pieces


def mfcc_frames(audio: np.ndarray) -> np.ndarray:
    """The call's high-resolution MFCC frames (40 from 40 mel bands, as speaker recognition uses; the
    first, loudness, dropped), 10 ms apart, standardised over the call."""
    frames = librosa.feature.mfcc(y=audio, sr=SR, n_mfcc=40, n_mels=40, n_fft=512, hop_length=HOP)[1:].T
    return (frames - frames.mean(axis=0)) / (frames.std(axis=0) + 1e-6)


def piece_frames(frames: np.ndarray, pieces: list[tuple[int, int]]) -> list[np.ndarray]:
    """The MFCC frames of each piece (at least one)."""
    return [frames[a // HOP:max(a // HOP + 1, b // HOP)] for a, b in pieces]


def voice_features(audio: np.ndarray, pieces: list[tuple[int, int]], frames: list[np.ndarray]) -> np.ndarray:
    """One row per piece: MFCC means and spreads plus median log pitch."""
    rows = []
    for (start, end), mfcc in zip(pieces, frames):
        f0 = librosa.yin(audio[start:end], fmin=60, fmax=400, sr=SR, frame_length=1024, hop_length=HOP)
        rows.append(np.concatenate([mfcc.mean(axis=0), mfcc.std(axis=0), [np.log(np.median(f0))] * 4]))
    return np.array(rows)


def cluster_voices(features: np.ndarray) -> np.ndarray:
    """Label each row 0 or 1 by voice (all 0 when there are too few pieces to split)."""
    if len(features) < 2:
        return np.zeros(len(features), dtype=int)
    scaled = StandardScaler().fit_transform(features)
    return AgglomerativeClustering(n_clusters=2, linkage="ward").fit_predict(scaled)


def refine_voices(frames: list[np.ndarray], labels: np.ndarray) -> np.ndarray:
    """Re-segmentation: fit a Gaussian mixture to each voice's frames and move every piece to the
    voice that explains its frames best; repeat until nothing moves (at most REFINE_ROUNDS)."""
    for _ in range(REFINE_ROUNDS):
        likelihood = np.zeros((len(frames), 2))
        for voice in (0, 1):
            own = [f for f, label in zip(frames, labels) if label == voice]
            if sum(len(f) for f in own) < MIXTURE_COMPONENTS * 10:
                return labels  # too little of this voice to model
            mixture = GaussianMixture(MIXTURE_COMPONENTS, covariance_type="diag", max_iter=50, random_state=0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                mixture.fit(np.vstack(own))
            likelihood[:, voice] = [mixture.score_samples(f).sum() for f in frames]
        moved = likelihood.argmax(axis=1)
        if (moved == labels).all() or len(set(moved)) < 2:
            return labels
        labels = moved
    return labels


def _piece_of(word: Word, pieces: list[tuple[int, int]]) -> int:
    middle = (word.start + word.end) / 2 * SR
    distances = [0 if a <= middle <= b else min(abs(middle - a), abs(middle - b)) for a, b in pieces]
    return int(np.argmin(distances))


def separate_speakers(audio: np.ndarray, words: list[Word]) -> list[Utterance]:
    """Attribute the words of a mono call to agent and customer, as utterances in time order."""
    if not words:
        return []
    pieces = speech_pieces(audio)
    if len(pieces) < 2:
        return split_words(words, AGENT)
    frames = piece_frames(mfcc_frames(audio), pieces)
    labels = refine_voices(frames, cluster_voices(voice_features(audio, pieces, frames)))
    voice_of_word = [int(labels[_piece_of(w, pieces)]) for w in words]
    runs: list[tuple[int, list[Word]]] = []
    for voice, word in zip(voice_of_word, words):
        if runs and runs[-1][0] == voice:
            runs[-1][1].append(word)
        else:
            runs.append((voice, [word]))
    pieces_by_run = [(voice, split_words(run, str(voice))) for voice, run in runs]
    texts: dict[int, list[str]] = {0: [], 1: []}
    for voice, utterances in pieces_by_run:
        texts[voice] += [u.text for u in utterances]
    agent_voice = pick_agent({v: t for v, t in texts.items() if t}, first_voice=voice_of_word[0])
    result = []
    for voice, utterances in pieces_by_run:
        speaker = AGENT if voice == agent_voice else CUSTOMER
        for u in utterances:
            u.speaker = speaker
            result.append(u)
    return result
