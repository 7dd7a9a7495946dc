"""The fast phrase matcher finds exactly what a plain one finds: every phrase tried in turn with a whole-word
search, a search with one inserted word and rapidfuzz's partial ratio, on the scorecards' phrases said right,
misheard, with words inserted or dropped, negated, and inside longer turns."""

from __future__ import annotations

import random
import re
import tomllib
from functools import cache
from pathlib import Path

from rapidfuzz import fuzz

from scoring.phrases import (
    FUZZY_MIN_CHARS,
    FUZZY_THRESHOLD,
    GAPPED_MIN_WORDS,
    GAPPED_SIMILARITY,
    PhraseMatch,
    PhraseSet,
)
from scoring.scorecard import default_scorecard_path, load_scorecard
from scoring.scorer import score_call
from scoring.text import normalise
from scoring.transcript import Transcript, Utterance, Word

ROOT = Path(__file__).resolve().parent.parent
NEGATION = re.compile(r"\b(?:not|never|no)\b")


def plain_match(phrases: list[str], text: str) -> PhraseMatch | None:
    """The reference: the first phrase said whole; else the first of the most similar, found with one word (not
    a negation) inserted, or approximately without adding a negation."""
    text = normalise(text)
    best: PhraseMatch | None = None
    for phrase in _normalised(tuple(phrases)):
        whole, one_inserted = _patterns(phrase)
        if whole.search(text):
            return PhraseMatch(phrase, 1.0)
        gapped = any(pattern.search(text) for pattern in one_inserted)
        if gapped and (best is None or best.similarity < GAPPED_SIMILARITY):
            best = PhraseMatch(phrase, GAPPED_SIMILARITY)
        if len(phrase) < FUZZY_MIN_CHARS or len(text) < len(phrase) * 0.8:
            continue
        found = fuzz.partial_ratio_alignment(phrase, text, score_cutoff=FUZZY_THRESHOLD)
        if found is None or (NEGATION.search(text[found.dest_start : found.dest_end]) and not NEGATION.search(phrase)):
            continue
        if best is None or found.score / 100 > best.similarity:
            best = PhraseMatch(phrase, found.score / 100)
    return best


@cache
def _normalised(phrases: tuple[str, ...]) -> tuple[str, ...]:
    """The phrases normalised, without repeats or empty ones (a list is matched against thousands of texts)."""
    return tuple(dict.fromkeys(p for p in map(normalise, phrases) if p))


@cache
def _patterns(phrase: str) -> tuple[re.Pattern, list[re.Pattern]]:
    """The phrase as a whole word, and with one word (not a negation) inserted at each place between its words."""
    words = phrase.split()
    gaps = range(1, len(words)) if len(words) >= GAPPED_MIN_WORDS else range(0)
    return re.compile(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])"), [
        re.compile(
            rf"(?<![a-z0-9]){' '.join(words[:i])} (?!(?:not|never|no)\b)[a-z0-9']+ {' '.join(words[i:])}(?![a-z0-9])"
        )
        for i in gaps
    ]


def _misheard(phrase: str, rng: random.Random) -> str:
    """The phrase as a recogniser might get it wrong: letters changed, words inserted, dropped or negated."""
    words = phrase.split()
    for _ in range(rng.randint(1, 3)):
        kind = rng.randrange(6)
        i = rng.randrange(len(words))
        if kind == 0 and len(words[i]) > 2:  # a letter misheard
            j = rng.randrange(len(words[i]))
            words[i] = words[i][:j] + rng.choice("aeiostnrw") + words[i][j + 1 :]
        elif kind == 1 and len(words[i]) > 3:  # a letter lost
            j = rng.randrange(len(words[i]))
            words[i] = words[i][:j] + words[i][j + 1 :]
        elif kind == 2:  # a word inserted
            words.insert(i + 1, rng.choice(["really", "not", "no", "um", "currently", "never", "just", "so"]))
        elif kind == 3 and len(words) > 2:  # a word dropped
            del words[i]
        elif kind == 4:  # a word misheard as another
            words[i] = rng.choice(["whip", "fork", "the", "four", "you're", "can't", "won't"])
        else:  # two words run together
            if i + 1 < len(words):
                words[i : i + 2] = [words[i] + words[i + 1]]
    return " ".join(words)


def _utterances(phrases: list[str], filler: list[str], rng: random.Random, count: int) -> list[str]:
    """Turns that say a phrase (right or misheard) alone or inside other speech, and turns that say none."""
    turns = []
    for _ in range(count):
        said = rng.choice(phrases)
        words = said.split()
        if rng.random() < 0.2 and len(words) >= 4:  # one word inserted, sometimes a negation
            i = rng.randrange(1, len(words))
            extra = rng.choice(["absolutely", "certainly", "definitely", "not", "never"])
            said = " ".join(words[:i] + [extra] + words[i:])
        elif rng.random() < 0.7:
            said = _misheard(said, rng)
        before, after = rng.choice(filler), rng.choice(filler)
        turns.append(
            rng.choice(
                [
                    said,
                    f"{before} {said}",
                    f"{said}. {after}",
                    f"{before}, {said} {after}?",
                    before,
                    f"{before} {after}",
                    said.upper(),
                    said[: len(said) // 2],
                ]
            )
        )
    return turns


def _demo_turns() -> list[list[tuple[str, str]]]:
    demo = tomllib.loads((ROOT / "resources" / "demo_scripts" / "dialogues.toml").read_text())
    return [[(turn[0], turn[1]) for turn in call["turns"] if turn[0] != "pause"] for call in demo["call"]]


def test_fast_matching_finds_what_plain_matching_finds():
    scorecard = load_scorecard(default_scorecard_path())
    phrase_lists = [
        v
        for c in scorecard.criteria
        for k, v in c.params.items()
        if isinstance(v, list) and v and k not in ("words", "name_cues")
    ] + [scorecard.positive_reactions, scorecard.negative_reactions]
    filler = [text for turns in _demo_turns() for _, text in turns]
    every_phrase = [p for phrases in phrase_lists for p in phrases]
    rng = random.Random(22)
    kinds = {"whole": 0, "one word inserted": 0, "approximately": 0, "none": 0}
    for phrases in phrase_lists:
        matcher = PhraseSet(phrases)
        texts = _utterances(phrases, filler, rng, 200) + _utterances(every_phrase, filler, rng, 200) + filler[:60]
        fast = matcher.match_all([normalise(t) for t in texts])
        for text, got in zip(texts, fast):
            expected = plain_match(phrases, text)
            assert got == expected, (text, phrases[:3])
            assert matcher.match(text) == expected
            kinds[_kind(expected)] += 1
    assert min(kinds.values()) > 80, kinds  # every way of matching, and missing, well represented


def _kind(match: PhraseMatch | None) -> str:
    if match is None:
        return "none"
    return {1.0: "whole", GAPPED_SIMILARITY: "one word inserted"}.get(match.similarity, "approximately")


def test_scores_are_those_of_plain_matching(monkeypatch):
    """Whole calls (the demo dialogues, as said and misheard): every verdict, credit and piece of evidence."""
    scorecard = load_scorecard(default_scorecard_path())
    rng = random.Random(7)
    calls = []
    for turns in _demo_turns():
        for misheard in (False, True):
            start, said = 0.0, []
            for speaker, text in turns:
                text = _misheard(text, rng) if misheard and rng.random() < 0.5 else text
                words = [
                    Word(start + 0.3 * i, start + 0.3 * i + 0.25, f" {w}", rng.uniform(0.3, 1.0))
                    for i, w in enumerate(text.split())
                ]
                said.append(Utterance(speaker, start, words[-1].end, text, words))
                start = words[-1].end + rng.choice([0.3, 1.0, 12.0])
            calls.append(Transcript("call.wav", start, 2, 8000, "0" * 64, "tiny.en", "cpu", said))
    voice = {"agent_voiced_s": 40.0, "agent_pitch_std_st": 2.0, "agent_energy_std_db": 4.0}
    fast = [score_call(t, scorecard, voice, "Dana").to_dict() for t in calls]
    monkeypatch.setattr(PhraseSet, "match_all", lambda self, texts: [plain_match(self.phrases, t) for t in texts])
    assert [score_call(t, scorecard, voice, "Dana").to_dict() for t in calls] == fast
    results = [c["result"] for score in fast for c in score["criteria"]]
    assert {"pass", "fail", "na"} <= set(results)
