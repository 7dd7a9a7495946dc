"""Mono speaker separation: re-segmentation moves pieces the first clustering put with the wrong voice, and
each voice gets its own channel to transcribe."""

from __future__ import annotations

import numpy as np

from scoring.audio import decode
from scoring.diarize import SR, refine_voices, voice_channels
from tests.conftest import demo_file


def test_refinement_moves_misclustered_pieces_to_the_voice_that_explains_them():
    rng = np.random.default_rng(3)
    truth = np.array([0, 1] * 15)
    frames = [rng.normal(1.5 if voice else -1.5, 1.0, size=(60, 19)) for voice in truth]
    first_guess = truth.copy()
    first_guess[[2, 7, 12]] = 1 - first_guess[[2, 7, 12]]  # three pieces with the other voice
    assert (refine_voices(frames, first_guess) == truth).all()


def test_refinement_keeps_labels_when_a_voice_has_too_little_speech():
    frames = [np.zeros((5, 19)) + i for i in range(3)]
    labels = np.array([0, 0, 1])
    assert (refine_voices(frames, labels) == labels).all()


def test_each_voice_channel_keeps_one_speaker_and_silences_the_other(references):
    name = demo_file("mono").name
    channels = voice_channels(decode(demo_file("mono")).channels[0])
    assert len(channels) == 2
    turns = references[name]["reference"]

    def loudness(channel: np.ndarray, speaker: str) -> float:
        inside = [channel[int(t["start"] * SR):int(t["end"] * SR)] for t in turns if t["speaker"] == speaker]
        return float(np.sqrt(np.mean(np.concatenate(inside) ** 2)))

    for channel in channels:
        kept, silenced = sorted((loudness(channel, "agent"), loudness(channel, "customer")), reverse=True)
        assert silenced < 0.2 * kept  # the other voice's turns are (nearly) all muted
    louder = [max(("agent", "customer"), key=lambda s, c=c: loudness(c, s)) for c in channels]
    assert sorted(louder) == ["agent", "customer"]  # one channel per speaker
