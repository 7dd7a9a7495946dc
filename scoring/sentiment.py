"""Customer sentiment over a call with VADER (vaderSentiment: a lexicon model that runs offline),
and the customer's reactions to the agent.

The trajectory is one compound score (-1 very negative .. +1 very positive) per customer utterance;
"start" and "end" average the first and last few of them, so one "thanks" does not decide.
Reactions count the customer utterances after their opening that answer the agent well ("that
helps", "thank you") or badly ("what do you mean?", "you are not listening"), with the scorecard's
phrases.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from .phrases import PhraseSet
from .text import normalise
from .transcript import CUSTOMER, Utterance

EDGE_UTTERANCES = 3


@lru_cache(maxsize=1)
def _analyser() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def polarity(text: str) -> float:
    """VADER's compound score of a text, -1..1."""
    return float(_analyser().polarity_scores(text)["compound"])


@dataclass
class SentimentTrajectory:
    """The customer's sentiment through the call."""

    points: list[tuple[float, float]]  # (utterance start in s, compound score)
    start: float
    end: float
    positive_reactions: int = 0  # customer utterances answering the agent well
    negative_reactions: int = 0  # ... and badly

    def mood(self, with_reactions: bool) -> float | None:
        """How the customer fared, 0..1 (None when they said nothing): where their sentiment ended and
        how it moved, averaged with how they reacted to the agent when the scorecard lists reactions.
        A bad reaction weighs twice a good one (thanks are routine)."""
        if not self.points:
            return None
        mood = 0.5 * (self.end + 1) / 2 + 0.5 * min(1.0, max(0.0, 0.5 + (self.end - self.start) / 2))
        if not with_reactions:
            return mood
        reaction = 0.5 + 0.5 * math.tanh((self.positive_reactions - 2 * self.negative_reactions) / 3)
        return (mood + reaction) / 2

    def to_dict(self) -> dict:
        """Plain data, for storage."""
        return {
            "points": [[round(t, 2), round(s, 3)] for t, s in self.points],
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "positive_reactions": self.positive_reactions,
            "negative_reactions": self.negative_reactions,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SentimentTrajectory:
        """The trajectory stored by `to_dict` (scores stored before reactions count none)."""
        return cls(
            [(float(t), float(s)) for t, s in data.get("points", [])],
            data.get("start", 0.0),
            data.get("end", 0.0),
            data.get("positive_reactions", 0),
            data.get("negative_reactions", 0),
        )


def customer_sentiment(
    utterances: list[Utterance],
    positive: PhraseSet | None = None,
    negative: PhraseSet | None = None,
    speaker: str = CUSTOMER,
    moods: dict[int, float] | None = None,
) -> SentimentTrajectory:
    """The customer's sentiment per utterance and at the call's start and end (0 when silent), and how
    many of their utterances after the opening react well (`positive`) or badly (`negative`) to the agent.
    `moods` keeps each scored utterance's polarity by index, for the detectors to reuse."""
    moods = {} if moods is None else moods
    said = [i for i, u in enumerate(utterances) if u.speaker == speaker and u.text.strip()]
    if not said:
        return SentimentTrajectory([], 0.0, 0.0)
    for i in said:
        if i not in moods:
            moods[i] = polarity(utterances[i].text)
    points = [(utterances[i].start, moods[i]) for i in said]
    edge = min(EDGE_UTTERANCES, -(-len(points) // 3))  # a third of them, rounded up, at most 3
    start = sum(s for _, s in points[:edge]) / edge
    end = sum(s for _, s in points[-edge:]) / edge
    answers = said[edge:]  # the opening ("thanks for taking my call") is not a reaction to the agent
    heard = [normalise(utterances[i].text) for i in answers]
    bad = _saying(negative, answers, heard)
    good = _saying(positive, answers, heard) - bad
    return SentimentTrajectory(points, start, end, len(good), len(bad))


def _saying(phrases: PhraseSet | None, indices: list[int], heard: list[str]) -> set[int]:
    """The utterances (indices, with their normalised texts) that say one of the phrases."""
    if not phrases:
        return set()
    return {i for i, match in zip(indices, phrases.match_all(heard)) if match is not None}
