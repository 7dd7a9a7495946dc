"""Mono speaker separation: re-segmentation moves pieces the first clustering put with the wrong voice, voices
of one timbre are told apart, and each voice gets its own channel and its speech to transcribe."""

from __future__ import annotations

import random

import numpy as np
from scipy.signal import resample_poly
from threadpoolctl import threadpool_info

from scoring import diarize
from scoring.audio import decode
from scoring.diarize import AGREEING_STARTS, SR, refine_voices, refined_splits, separate_voices, voice_labels
from tests.support.demo import demo_file
from tools.render_demo_calls import render

BANK_CALL = [
    ("agent", "Hello, thank you for calling the bank. How can I help you today?"),
    ("customer", "Hi, I would like to check the balance of my savings account please."),
    ("agent", "Of course. Could I have your full name and your date of birth?"),
    ("customer", "It is Laura Jenkins, born on the third of March nineteen eighty five."),
    ("agent", "Thank you Laura. And the last four digits of your card, please?"),
    ("customer", "Four four two one."),
    ("agent", "Thanks, you are verified. Your savings balance is two thousand and forty pounds."),
    ("customer", "Great. Has my salary arrived yet? It should have come in yesterday."),
    ("agent", "Yes, I can see a payment from your employer yesterday afternoon."),
    ("customer", "Perfect, that is a relief. I was worried it would be late again."),
    ("agent", "I understand. Is there anything else I can help you with today?"),
    ("customer", "No, that is everything, thank you very much for your help."),
    ("agent", "You are welcome Laura. Have a lovely evening, goodbye."),
]


def test_refinement_moves_misclustered_pieces_to_the_voice_that_explains_them():
    rng = np.random.default_rng(3)
    truth = np.array([0, 1] * 15)
    frames = [rng.normal(1.5 if voice else -1.5, 1.0, size=(60, 19)) for voice in truth]
    first_guess = truth.copy()
    first_guess[[2, 7, 12]] = 1 - first_guess[[2, 7, 12]]  # three pieces with the other voice
    assert (refine_voices(frames, first_guess)[0] == truth).all()


def test_refinements_that_meet_a_split_already_fitted_reuse_its_mixtures():
    # the random starts of one call mostly end in the same few splits: each set of pieces is fitted once
    rng = np.random.default_rng(3)
    truth = np.array([0, 1] * 15)
    frames = [rng.normal(1.5 if voice else -1.5, 1.0, size=(60, 19)) for voice in truth]
    start = truth.copy()
    start[[2, 7, 12]] = 1 - start[[2, 7, 12]]
    known: dict = {}
    labels, fit = refine_voices(frames, start, known)
    fitted = len(known)
    assert fitted >= 2
    again, again_fit = refine_voices(frames, start, known)
    flipped, flipped_fit = refine_voices(frames, 1 - start, known)  # the same split, the voices' names swapped
    assert len(known) == fitted
    assert (again == labels).all() and (flipped == 1 - labels).all()
    assert again_fit == fit == flipped_fit


def test_starts_stop_once_several_in_a_row_end_in_the_same_split():
    # three well-apart kinds of frames: splitting off either outer kind is a split that refinement keeps
    rng = np.random.default_rng(3)
    kind = np.array([0, 1, 2] * 10)
    frames = [rng.normal(3.0 * k, 1.0, size=(60, 19)) for k in kind]
    first, second = (kind == 0).astype(int), (kind == 2).astype(int)
    assert (refine_voices(frames, first)[0] == first).all() and (refine_voices(frames, second)[0] == second).all()
    nudged = [first.copy() for _ in range(9)]
    for i, start in enumerate(nudged):
        start[[i, i + 12]] = 1 - start[[i, i + 12]]  # each start two pieces off the split
    nudged[1] = 1 - nudged[1]  # and one with the voices named the other way
    results = refined_splits(frames, nudged)
    assert len(results) == AGREEING_STARTS
    assert all((labels == first).all() or (labels == 1 - first).all() for labels, _ in results)
    alternating = [first, second, first, first, second, second, first, second, first]
    assert len(refined_splits(frames, alternating)) == len(alternating)  # never three alike in a row: all refined


def test_the_separation_runs_blas_and_openmp_single_threaded_in_its_pool(monkeypatch):
    # their own threads only spun on the cores the refinement's threads already use (9x the CPU of one thread)
    seen = []
    fit = diarize.piece_scores

    def recording(*args):
        seen.append({info["user_api"]: info["num_threads"] for info in threadpool_info()})
        return fit(*args)

    monkeypatch.setattr(diarize, "piece_scores", recording)
    voice_labels(decode(demo_file("mono")).channels[0][: 40 * SR])
    assert seen and all(threads == {"blas": 1, "openmp": 1} for threads in seen)


def test_refinement_keeps_labels_when_a_voice_has_too_little_speech():
    frames = [np.zeros((5, 19)) + i for i in range(3)]
    labels = np.array([0, 0, 1])
    moved, fit = refine_voices(frames, labels)
    assert (moved == labels).all() and fit == -np.inf


def test_voices_of_one_timbre_with_different_accents_are_told_apart():
    # espeak-ng's American and Scottish English share one voice; only the accent differs. The first
    # clustering splits such a call by what is said (agreement 0.61 here); re-segmenting random splits too
    # finds the voices (0.99).
    call = {
        "agent_voice": "en-us",
        "customer_voice": "en-gb-scotland",
        "agent_speed": 165,
        "customer_speed": 160,
        "turns": [list(turn) for turn in BANK_CALL],
    }
    stereo, timeline = render(call, random.Random(7))
    mono = resample_poly(stereo.mean(axis=1), SR, 8000).astype(np.float32)
    pieces, labels = voice_labels(mono)

    def speaker(middle: float) -> str:
        return min(
            timeline,
            key=lambda t: (
                0 if t["start"] <= middle <= t["end"] else min(abs(middle - t["start"]), abs(middle - t["end"]))
            ),
        )["speaker"]

    seconds = np.array([(end - start) / SR for start, end in pieces])
    agent = np.array([speaker((start + end) / 2 / SR) == "agent" for start, end in pieces])
    agreement = seconds[agent == (labels == labels[0])].sum() / seconds.sum()
    assert max(agreement, 1 - agreement) > 0.9


def test_each_voice_keeps_one_speaker_silences_the_other_and_knows_where_it_speaks(references):
    name = demo_file("mono").name
    voices = separate_voices(decode(demo_file("mono")).channels[0], 30)
    assert len(voices) == 2
    turns = references[name]["reference"]

    def loudness(channel: np.ndarray, speaker: str) -> float:
        inside = [channel[int(t["start"] * SR) : int(t["end"] * SR)] for t in turns if t["speaker"] == speaker]
        return float(np.sqrt(np.mean(np.concatenate(inside) ** 2)))

    for voice in voices:
        kept, silenced = sorted((loudness(voice.channel, "agent"), loudness(voice.channel, "customer")), reverse=True)
        assert silenced < 0.2 * kept  # the other voice's turns are (nearly) all muted
    louder = [max(("agent", "customer"), key=lambda s, v=v: loudness(v.channel, s)) for v in voices]
    assert sorted(louder) == ["agent", "customer"]  # one channel per speaker

    for voice, speaker in zip(voices, louder):  # its speech: within the turns of its own speaker, no span overlapping
        seconds = [(span["start"] / SR, span["end"] / SR) for span in voice.speech]
        assert all(end <= later for (_, end), (later, _) in zip(seconds, seconds[1:]))
        assert all(end - start <= 30 for start, end in seconds)
        own = [t for t in turns if t["speaker"] == speaker]
        inside = sum(
            max(0.0, min(end, t["end"] + 0.3) - max(start, t["start"] - 0.3)) for start, end in seconds for t in own
        )
        assert inside > 0.9 * sum(end - start for start, end in seconds)
        spoken = sum(t["end"] - t["start"] for t in own)
        assert sum(end - start for start, end in seconds) > 0.8 * spoken
