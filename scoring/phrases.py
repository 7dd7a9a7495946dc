"""Find scorecard phrases in what was said, tolerating ASR errors.

Phrases and utterances are compared after `text.normalise`. A phrase of three or more words
matches approximately (rapidfuzz partial ratio), so "is there anything else I can help you with"
still matches "is there anything else i can help you whip"; a phrase of four or more words also
matches with one word inserted ("this call is recorded" in "this call is currently recorded");
shorter phrases must match whole words, so "hi" never matches inside "this".

Made fast for rescoring whole libraries without changing a result: exact and one-word-inserted
matches are looked up by the phrases' first two words, and the partial ratio is computed only for
the phrases whose longest common subsequence with the text (all phrases against all texts in one
rapidfuzz call) can reach the threshold at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import LCSseq

from .text import normalise

FUZZY_THRESHOLD = 84.0  # tolerates a misheard short word in a long phrase
FUZZY_MIN_CHARS = 15
GAPPED_MIN_WORDS = 4
GAPPED_SIMILARITY = 0.9
NEGATIONS = ("not", "never", "no")  # "does not" after normalising contractions
_NEGATION = re.compile(rf"\b(?:{'|'.join(NEGATIONS)})\b")
# The partial ratio scores the best window of the text (w characters, at most as long as the shorter string,
# a characters) by 200 L / (a + w), L their longest common subsequence (LCS), and L <= w; so it reaches the
# threshold only if L >= a * t / (200 - t), and the LCS of the whole text is at least L.
_LCS_SHARE = FUZZY_THRESHOLD / (200 - FUZZY_THRESHOLD) - 1e-6
_Start = tuple[str, ...]  # a phrase's first word, or its first two


@dataclass(frozen=True)
class PhraseMatch:
    """The phrase that matched and how closely (1.0 exact)."""

    phrase: str
    similarity: float


class PhraseSet:
    """A criterion's example phrasings, normalised and indexed once."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self.phrases = [p for p in dict.fromkeys(normalise(p) for p in phrases) if p]
        words = [p.split() for p in self.phrases]
        self._by_start: dict[_Start, list[tuple[int, list[str]]]] = {}  # exact (and gapped) candidates
        self._by_skip: dict[_Start, list[tuple[int, list[str]]]] = {}  # gapped after their first word
        for i, w in enumerate(words):
            self._by_start.setdefault(tuple(w[:2]), []).append((i, w))
            if len(w) >= GAPPED_MIN_WORDS:
                self._by_skip.setdefault(tuple(w[:2]), []).append((i, w))
        self._first_words = frozenset(w[0] for w in words)
        self._fuzzy = [i for i, p in enumerate(self.phrases) if len(p) >= FUZZY_MIN_CHARS]
        self._fuzzy_phrases = [self.phrases[i] for i in self._fuzzy]
        self._fuzzy_lengths = np.array([len(p) for p in self._fuzzy_phrases]).reshape(-1, 1)

    def __bool__(self) -> bool:
        return bool(self.phrases)

    def match(self, text: str, *, normalised: bool = False) -> PhraseMatch | None:
        """The best-matching phrase in `text`, or None."""
        return self.match_all([text if normalised else normalise(text)])[0]

    def match_all(self, texts: Sequence[str]) -> list[PhraseMatch | None]:
        """The best-matching phrase in each of these normalised texts, or None: the first phrase found whole,
        else the first of the most similar ones (found with a word inserted, or approximately)."""
        fuzzy = self._fuzzy_candidates(texts)
        found: list[PhraseMatch | None] = []
        for t, text in enumerate(texts):
            exact, similar = self._word_matches(text.split())
            if exact is not None:
                found.append(PhraseMatch(self.phrases[exact], 1.0))
                continue
            for i in fuzzy.get(t, ()):
                phrase = self.phrases[i]
                aligned = fuzz.partial_ratio_alignment(phrase, text, score_cutoff=FUZZY_THRESHOLD)
                if aligned is not None and not _negates(phrase, text[aligned.dest_start : aligned.dest_end]):
                    similar[i] = max(similar.get(i, 0.0), aligned.score / 100)
            best = max(sorted(similar), key=similar.__getitem__, default=None)
            found.append(None if best is None else PhraseMatch(self.phrases[best], similar[best]))
        return found

    def _word_matches(self, words: list[str]) -> tuple[int | None, dict[int, float]]:
        """The first phrase said whole, if any, else {phrase: GAPPED_SIMILARITY} for those said with one word
        inserted."""
        exact: int | None = None
        gapped: dict[int, float] = {}
        for j, word in enumerate(words):
            if word not in self._first_words:
                continue
            one, two, skip = (word,), tuple(words[j : j + 2]), (word, *words[j + 2 : j + 3])
            for i, phrase in self._by_start.get(one, []) + (self._by_start.get(two, []) if len(two) == 2 else []):
                if words[j : j + len(phrase)] == phrase:
                    exact = i if exact is None else min(exact, i)
                elif len(phrase) >= GAPPED_MIN_WORDS and _gapped_at(words, j, phrase, first=2):
                    gapped[i] = GAPPED_SIMILARITY
            for i, phrase in self._by_skip.get(skip, []) if len(skip) == 2 else []:
                if _gapped_at(words, j, phrase, first=1):
                    gapped[i] = GAPPED_SIMILARITY
        return exact, gapped

    def _fuzzy_candidates(self, texts: Sequence[str]) -> dict[int, list[int]]:
        """{text: phrases that may match it approximately}: long enough for the text, and with enough characters
        in common (in order) to reach the threshold."""
        if not self._fuzzy or not texts:
            return {}
        common = process.cdist(self._fuzzy_phrases, texts, scorer=LCSseq.similarity, dtype=np.int32, workers=1)
        lengths = np.array([len(t) for t in texts]).reshape(1, -1)
        shorter = np.minimum(self._fuzzy_lengths, lengths)
        possible = (lengths >= self._fuzzy_lengths * 0.8) & (common >= shorter * _LCS_SHARE)
        candidates: dict[int, list[int]] = {}
        for row, t in zip(*np.nonzero(possible)):
            candidates.setdefault(int(t), []).append(self._fuzzy[row])
        return candidates


def _gapped_at(words: list[str], j: int, phrase: list[str], *, first: int) -> bool:
    """Whether the words from j say the phrase with one extra word, not a negation, inserted after its first
    `first` or more words ("that is not your fault" is not "that is your fault")."""
    n = len(phrase)
    heard = words[j : j + n + 1]
    return len(heard) == n + 1 and any(
        heard[:i] == phrase[:i] and heard[i + 1 :] == phrase[i:] and heard[i] not in NEGATIONS for i in range(first, n)
    )


def _negates(phrase: str, heard: str) -> bool:
    """True if what was heard adds a negation the phrase lacks ("is not recorded" for "is being recorded")."""
    return bool(_NEGATION.search(heard)) and not _NEGATION.search(phrase)


@lru_cache(maxsize=256)
def _cached(phrases: tuple[str, ...]) -> PhraseSet:
    return PhraseSet(phrases)


def phrase_set(phrases: Iterable[str]) -> PhraseSet:
    """The PhraseSet of a scorecard's phrase list, built once and reused across calls."""
    return _cached(tuple(phrases))
