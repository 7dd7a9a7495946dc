"""Find scorecard phrases in what was said, tolerating ASR errors.

Phrases and utterances are compared after `text.normalise`. A phrase of three or more words
matches approximately (rapidfuzz partial ratio), so "is there anything else I can help you with"
still matches "is there anything else i can help you whip"; shorter phrases must match whole words,
so "hi" never matches inside "this".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from .text import normalise

FUZZY_THRESHOLD = 84.0  # tolerates a misheard short word in a long phrase
FUZZY_MIN_CHARS = 15


@dataclass(frozen=True)
class PhraseMatch:
    """The phrase that matched and how closely (1.0 exact)."""

    phrase: str
    similarity: float


class PhraseSet:
    """A criterion's example phrasings, normalised once."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self.phrases = [p for p in dict.fromkeys(normalise(p) for p in phrases) if p]
        self._exact = [re.compile(rf"(?<![a-z0-9]){re.escape(p)}(?![a-z0-9])") for p in self.phrases]

    def __bool__(self) -> bool:
        return bool(self.phrases)

    def match(self, text: str, *, normalised: bool = False) -> PhraseMatch | None:
        """The best-matching phrase in `text`, or None."""
        text = text if normalised else normalise(text)
        if not text:
            return None
        best: PhraseMatch | None = None
        for phrase, exact in zip(self.phrases, self._exact):
            if exact.search(text):
                return PhraseMatch(phrase, 1.0)
            if len(phrase) < FUZZY_MIN_CHARS or len(text) < len(phrase) * 0.8:
                continue
            similarity = fuzz.partial_ratio(phrase, text, score_cutoff=FUZZY_THRESHOLD)
            if similarity and (best is None or similarity / 100 > best.similarity):
                best = PhraseMatch(phrase, similarity / 100)
        return best


@lru_cache(maxsize=256)
def _cached(phrases: tuple[str, ...]) -> PhraseSet:
    return PhraseSet(phrases)


def phrase_set(phrases: Iterable[str]) -> PhraseSet:
    """The PhraseSet of a scorecard's phrase list, built once and reused across calls."""
    return _cached(tuple(phrases))
