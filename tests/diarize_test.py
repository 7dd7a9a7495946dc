"""Mono speaker separation: re-segmentation moves pieces the first clustering put with the wrong voice."""

from __future__ import annotations

import numpy as np

from scoring.diarize import refine_voices


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
