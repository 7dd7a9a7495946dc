"""Customer sentiment over a call with VADER (vaderSentiment: a lexicon model that runs offline).

The trajectory is one compound score (-1 very negative .. +1 very positive) per customer utterance;
"start" and "end" average the first and last few of them, so one "thanks" does not decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

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

    def to_dict(self) -> dict:
        """Plain data, for storage."""
        return {"points": [[round(t, 2), round(s, 3)] for t, s in self.points],
                "start": round(self.start, 3), "end": round(self.end, 3)}


def customer_sentiment(utterances: list[Utterance], speaker: str = CUSTOMER) -> SentimentTrajectory:
    """The customer's sentiment per utterance and at the call's start and end (0 when silent)."""
    points = [(u.start, polarity(u.text)) for u in utterances if u.speaker == speaker and u.text.strip()]
    if not points:
        return SentimentTrajectory([], 0.0, 0.0)
    edge = min(EDGE_UTTERANCES, -(-len(points) // 3))  # a third of them, rounded up, at most 3
    start = sum(s for _, s in points[:edge]) / edge
    end = sum(s for _, s in points[-edge:]) / edge
    return SentimentTrajectory(points, start, end)
