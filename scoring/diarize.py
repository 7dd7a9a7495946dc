"""Separate the two speakers of a mono call, before it is transcribed.

Speech is cut into short pieces at the pauses Silero VAD finds (and long pieces into windows), each piece is
described by its voice (MFCC means and spreads, pitch), the pieces are clustered into two voices, and the clusters
are refined by re-segmentation (a Gaussian mixture per voice over its MFCC frames; each piece moves to the voice
that explains it best, for a few rounds). Voices that sound alike (the same timbre with another accent) defeat the
first clustering, so re-segmentation also starts from random splits (until a few starts in a row end in the same
split); of the splits it ends in, those that best keep unbroken speech with one voice are kept and the one whose
mixtures explain the call best wins (likelihood alone can prefer a split by what is said). Each voice then gets its
own copy of the call with the other voice replaced by line noise, and its pieces as the speech to hear: transcribed
like one channel of a stereo call (`transcriber`) without running VAD again. Which voice is the agent is decided
from the words (`roles`).
"""

from __future__ import annotations

import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from faster_whisper.vad import VadOptions, get_speech_timestamps
from sklearn.cluster import AgglomerativeClustering
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from .librosa_import import librosa

SR = 16_000
HOP = 160  # 10 ms MFCC frames
WINDOW_S = 1.5  # longer speech pieces are described window by window
MIN_PIECE_S = 0.25
REFINE_ROUNDS = 10
MIXTURE_COMPONENTS = 8
FIT_STRIDE = 3  # the mixtures learn from every third frame (30 ms apart): neighbours repeat each other
RANDOM_STARTS = 8  # random splits re-segmented besides the clustering's
AGREEING_STARTS = 3  # ... unless this many starts in a row end in the same split first (docs/decisions.md)
CONTINUITY_SLACK = 0.1  # splits this close to the best continuity compete on likelihood
MUTE_PAD_S = 0.05  # also muted around the other voice's pieces, past the edges VAD drew
SPEECH_PAD_S = 0.2  # a voice's speech is heard with this much of its channel either side (docs/decisions.md)

# A few EM iterations per round are enough: the next round refits. Filtered once for the process, as
# `warnings.catch_warnings` is not thread-safe and the refinements run in threads.
warnings.filterwarnings("ignore", category=ConvergenceWarning, module=r"sklearn\.mixture")


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
    frames = librosa().feature.mfcc(y=audio, sr=SR, n_mfcc=40, n_mels=40, n_fft=512, hop_length=HOP)[1:].T
    return (frames - frames.mean(axis=0)) / (frames.std(axis=0) + 1e-6)


def piece_frames(frames: np.ndarray, pieces: list[tuple[int, int]]) -> list[np.ndarray]:
    """The MFCC frames of each piece (at least one)."""
    return [frames[a // HOP : max(a // HOP + 1, b // HOP)] for a, b in pieces]


def voice_features(audio: np.ndarray, pieces: list[tuple[int, int]], frames: list[np.ndarray]) -> np.ndarray:
    """One row per piece: MFCC means and spreads plus median log pitch."""
    rows = []
    for (start, end), mfcc in zip(pieces, frames):
        f0 = librosa().yin(audio[start:end], fmin=60, fmax=400, sr=SR, frame_length=1024, hop_length=HOP)
        rows.append(np.concatenate([mfcc.mean(axis=0), mfcc.std(axis=0), [np.log(np.median(f0))] * 4]))
    return np.array(rows)


def cluster_voices(features: np.ndarray) -> np.ndarray:
    """Label each row 0 or 1 by voice (all 0 when there are too few pieces to split)."""
    if len(features) < 2:
        return np.zeros(len(features), dtype=int)
    scaled = StandardScaler().fit_transform(features)
    return AgglomerativeClustering(n_clusters=2, linkage="ward").fit_predict(scaled)


def refine_voices(
    frames: list[np.ndarray], labels: np.ndarray, known: dict[bytes, np.ndarray | None] | None = None
) -> tuple[np.ndarray, float]:
    """Re-segmentation: fit a Gaussian mixture to each voice's frames and move every piece to the
    voice that explains its frames best; repeat until nothing moves (at most REFINE_ROUNDS). Returns the
    labels and how well the two mixtures explain the call (total log-likelihood; -inf when one voice has
    too little speech to model). A mixture depends only on the pieces it learns from: `known` keeps its
    scores per set of pieces, for refinements (from other starts) that meet the same split."""
    stacked = np.vstack(frames)
    lengths = [len(f) for f in frames]
    starts = np.cumsum([0] + lengths[:-1])
    known = {} if known is None else known
    fit = -np.inf
    for _ in range(REFINE_ROUNDS):
        likelihood = np.zeros((len(frames), 2))
        for voice in (0, 1):
            own = labels == voice
            key = own.tobytes()
            if key not in known:
                known[key] = piece_scores(stacked, lengths, starts, own)
            scores = known[key]
            if scores is None:
                return labels, -np.inf
            likelihood[:, voice] = scores
        moved = likelihood.argmax(axis=1)
        fit = float(likelihood.max(axis=1).sum())
        if (moved == labels).all() or len(set(moved)) < 2:
            return labels, fit
        labels = moved
    return labels, fit


def piece_scores(stacked: np.ndarray, lengths: list[int], starts: np.ndarray, own: np.ndarray) -> np.ndarray | None:
    """How well a mixture fitted to the `own` pieces' frames explains each piece (summed log-likelihood of its
    frames); None when those pieces are too little speech to model."""
    frames = stacked[np.repeat(own, lengths)]
    if len(frames) < MIXTURE_COMPONENTS * 10 * FIT_STRIDE:
        return None
    mixture = GaussianMixture(MIXTURE_COMPONENTS, covariance_type="diag", max_iter=30, random_state=0)
    mixture.fit(frames[::FIT_STRIDE])
    return np.add.reduceat(mixture.score_samples(stacked), starts)


@threadpool_limits.wrap(limits=1)
def voice_labels(audio: np.ndarray) -> tuple[list[tuple[int, int]], np.ndarray]:
    """The call's speech pieces and the voice (0 or 1) of each; one voice when there is too little to split.

    BLAS and OpenMP (scikit-learn's k-means) run one thread each meanwhile: the matrices are small, and their own
    threads spin on the cores the refinement's thread pool already fills (docs/decisions.md)."""
    pieces = speech_pieces(audio)
    if len(pieces) < 2:
        return pieces, np.zeros(len(pieces), dtype=int)
    frames = piece_frames(mfcc_frames(audio), pieces)
    random = np.random.default_rng(0)
    starts = [cluster_voices(voice_features(audio, pieces, frames))]
    starts += [random.integers(0, 2, len(pieces)) for _ in range(RANDOM_STARTS)]
    results = refined_splits(frames, starts)
    viable = [result for result in results if result[1] > -np.inf] or results[:1]
    kept = [continuity(pieces, labels) for labels, _ in viable]
    contenders = [result for result, share in zip(viable, kept) if share >= max(kept) - CONTINUITY_SLACK]
    labels, _ = max(contenders, key=lambda result: result[1])
    return pieces, labels


def refined_splits(frames: list[np.ndarray], starts: list[np.ndarray]) -> list[tuple[np.ndarray, float]]:
    """`refine_voices` from each start in turn, until AGREEING_STARTS in a row end in the same split: later starts
    would mostly end there too. A few starts at a time run in a thread pool (numpy releases the GIL); which starts
    count depends only on their order, never on the pool, so the labels are the same on any machine."""
    known: dict[bytes, np.ndarray | None] = {}
    results: list[tuple[np.ndarray, float]] = []
    width = min(os.cpu_count() or 1, AGREEING_STARTS)
    # OpenMP's thread count is set per thread: the pool's threads are limited too, not only the caller's
    with ThreadPoolExecutor(max_workers=width, initializer=threadpool_limits, initargs=(1,)) as pool:
        for first in range(0, len(starts), width):
            for result in pool.map(lambda start: refine_voices(frames, start, known), starts[first : first + width]):
                results.append(result)
                if len(results) >= AGREEING_STARTS and all(
                    same_split(labels, results[-1][0]) for labels, _ in results[-AGREEING_STARTS:]
                ):
                    return results
    return results


def same_split(labels: np.ndarray, other: np.ndarray) -> bool:
    """Whether two labellings split the pieces alike (whichever voice is called 0)."""
    return bool((labels == other).all() or (labels != other).all())


def continuity(pieces: list[tuple[int, int]], labels: np.ndarray) -> float:
    """The share of cuts inside unbroken speech (between windows of one VAD region) where the voice stays
    the same, as it does when one person talks; 1.0 when there are no such cuts."""
    unbroken = [i for i in range(len(pieces) - 1) if pieces[i + 1][0] <= pieces[i][1]]
    if not unbroken:
        return 1.0
    return float(np.mean([labels[i] == labels[i + 1] for i in unbroken]))


@dataclass(frozen=True)
class Voice:
    """One voice of a mono call: its copy of the call and where in it the voice speaks."""

    channel: np.ndarray  # the call with the other voice replaced by line noise
    speech: list[dict[str, int]]  # {'start', 'end'} in samples, in time order, each at most the window asked for


def separate_voices(audio: np.ndarray, window_s: float) -> list[Voice]:
    """The voices of a mono call (two, or one when there is too little to split), each with its own channel and
    its speech: the separation's pieces of that voice, SPEECH_PAD_S added either side, joined where they touch
    into spans of at most window_s (the transcriber packs them into windows as it packs VAD's speech)."""
    pieces, labels = voice_labels(audio)
    if len(set(labels.tolist())) < 2:
        return [Voice(audio, voice_speech(pieces, len(audio), window_s))]
    channels = voice_channels(audio, pieces, labels)
    return [
        Voice(channel, voice_speech([p for p, label in zip(pieces, labels) if label == voice], len(audio), window_s))
        for voice, channel in enumerate(channels)
    ]


def voice_speech(pieces: list[tuple[int, int]], length: int, window_s: float) -> list[dict[str, int]]:
    """One voice's pieces as speech spans: padded by SPEECH_PAD_S within the call, joined where they touch or
    overlap unless the span would outgrow window_s."""
    pad, longest = int(SPEECH_PAD_S * SR), int(window_s * SR)
    spans: list[dict[str, int]] = []
    for start, end in pieces:
        start, end = max(0, start - pad), min(length, end + pad)
        if spans and start <= spans[-1]["end"] and end - spans[-1]["start"] <= longest:
            spans[-1]["end"] = max(end, spans[-1]["end"])
        else:
            spans.append({"start": max(start, spans[-1]["end"]) if spans else start, "end": end})
    return spans


def voice_channels(audio: np.ndarray, pieces: list[tuple[int, int]], labels: np.ndarray) -> list[np.ndarray]:
    """One copy of a mono call per voice, the other voice's speech (and MUTE_PAD_S around each of its pieces)
    replaced by line noise at the call's own level, so each reads like a channel of a stereo call (noise, not
    digital silence: docs/decisions.md)."""
    pad = int(MUTE_PAD_S * SR)
    floor = noise_floor(audio)
    noise = np.random.default_rng(0)
    channels = []
    for voice in (0, 1):
        channel = audio.copy()
        for (start, end), label in zip(pieces, labels):
            if label != voice:
                span = slice(max(0, start - pad), end + pad)
                channel[span] = noise.normal(0.0, floor, len(channel[span]))
        channels.append(channel)
    return channels


def noise_floor(audio: np.ndarray) -> float:
    """The line noise's level (RMS of the quietest tenth of 20 ms frames): what a silent channel carries."""
    frames = audio[: len(audio) // 320 * 320].reshape(-1, 320)
    if not len(frames):
        return 0.0
    return float(np.percentile(np.sqrt((frames**2).mean(axis=1)), 10))
