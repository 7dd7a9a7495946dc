"""Find scorecard phrases in what was said, tolerating ASR errors.

Phrases and utterances are compared after `text.normalise`. A phrase of three or more words
matches approximately (rapidfuzz partial ratio), so "is there anything else I can help you with"
still matches "is there anything else i can help you whip"; a phrase of four or more words also
matches with one word inserted ("this call is recorded" in "this call is currently recorded");
shorter phrases must match whole words, so "hi" never matches inside "this".
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
GAPPED_MIN_WORDS = 4
GAPPED_SIMILARITY = 0.9
NEGATIONS = r"(?:not|never|no)\b"  # "does not" after normalising contractions
_NEGATION = re.compile(rf"\b{NEGATIONS}")


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
        self._gapped = [_gapped(p) for p in self.phrases]
        # one search that tells whether any phrase can match exactly, or gapped, before trying each in turn
        self._any_exact = _any(self._exact)
        self._any_gapped = _any([g for g in self._gapped if g is not None])

    def __bool__(self) -> bool:
        return bool(self.phrases)

    def match(self, text: str, *, normalised: bool = False) -> PhraseMatch | None:
        """The best-matching phrase in `text`, or None."""
        text = text if normalised else normalise(text)
        if not text:
            return None
        best: PhraseMatch | None = None
        some_exact = self._any_exact is not None and self._any_exact.search(text)
        some_gapped = self._any_gapped is not None and self._any_gapped.search(text)
        for phrase, exact, gapped in zip(self.phrases, self._exact, self._gapped):
            if some_exact and exact.search(text):
                return PhraseMatch(phrase, 1.0)
            if (some_gapped and gapped is not None and gapped.search(text)
                    and (best is None or best.similarity < GAPPED_SIMILARITY)):
                best = PhraseMatch(phrase, GAPPED_SIMILARITY)
            if len(phrase) < FUZZY_MIN_CHARS or len(text) < len(phrase) * 0.8:
                continue
            found = fuzz.partial_ratio_alignment(phrase, text, score_cutoff=FUZZY_THRESHOLD)
            if found is None or _negates(phrase, text[found.dest_start:found.dest_end]):
                continue
            if best is None or found.score / 100 > best.similarity:
                best = PhraseMatch(phrase, found.score / 100)
        return best


def _any(patterns: list[re.Pattern[str]]) -> re.Pattern[str] | None:
    """A pattern that matches wherever one of these does (None for none)."""
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns)) if patterns else None


def _negates(phrase: str, heard: str) -> bool:
    """True if what was heard adds a negation the phrase lacks ("is not recorded" for "is being recorded")."""
    return bool(_NEGATION.search(heard)) and not _NEGATION.search(phrase)


def _gapped(phrase: str) -> re.Pattern[str] | None:
    """The phrase with one extra word allowed between any two of its words (long phrases only); the
    extra word may not be a negation ("that is not your fault" is not "that is your fault")."""
    words = [re.escape(w) for w in phrase.split()]
    if len(words) < GAPPED_MIN_WORDS:
        return None
    variants = [" ".join(words[:i] + [rf"(?!{NEGATIONS})[a-z0-9']+"] + words[i:]) for i in range(1, len(words))]
    return re.compile(rf"(?<![a-z0-9])(?:{'|'.join(variants)})(?![a-z0-9])")


@lru_cache(maxsize=256)
def _cached(phrases: tuple[str, ...]) -> PhraseSet:
    return PhraseSet(phrases)


def phrase_set(phrases: Iterable[str]) -> PhraseSet:
    """The PhraseSet of a scorecard's phrase list, built once and reused across calls."""
    return _cached(tuple(phrases))
