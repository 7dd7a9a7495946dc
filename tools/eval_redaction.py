#!/usr/bin/env python3
"""Recall and precision of card-data redaction on the spoken-phrasing corpus (tests/data/redaction_corpus.toml).

Each case's turns become timed words as Whisper gives them (a leading space, punctuation attached);
after `redact_utterances`, a word counts as redacted when a placeholder word's time span covers it.
Prints, per split (dev, held_out, held_out_2) and overall: recall and precision per word, per digit and per
phrasing (a phrasing with card data is recalled when all of it is redacted; a phrasing is precise
when nothing outside its braces is redacted). `--show-errors` lists the phrasings that miss.

Usage: tools/eval_redaction.py [--show-errors]
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scoring.redact import redact_utterances, redacted_spans  # noqa: E402
from scoring.transcript import Utterance, Word  # noqa: E402

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "redaction_corpus.toml"
_WORD_S, _GAP_S, _TURN_GAP_S = 0.4, 0.1, 1.0
_DIGIT_WORDS = ("zero", "oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "free")


@dataclass
class Case:
    """One phrasing: its turns as timed words, and which words must be redacted."""

    split: str
    utterances: list[Utterance]
    sensitive: list[bool]  # per word, in the order of the utterances' words
    text: str


@dataclass
class Tally:
    """Counts for recall and precision."""

    words: list[int] = field(default_factory=lambda: [0, 0, 0])  # true positive, false positive, false negative
    digits: list[int] = field(default_factory=lambda: [0, 0, 0])
    recalled: int = 0
    with_card_data: int = 0
    precise: int = 0
    cases: int = 0
    misses: list[str] = field(default_factory=list)

    def ratios(self) -> dict[str, float]:
        """Recall and precision per word, per digit and per phrasing."""

        def recall(c: list[int]) -> float:
            return c[0] / (c[0] + c[2]) if c[0] + c[2] else 1.0

        def precision(c: list[int]) -> float:
            return c[0] / (c[0] + c[1]) if c[0] + c[1] else 1.0

        return {
            "word_recall": recall(self.words),
            "word_precision": precision(self.words),
            "digit_recall": recall(self.digits),
            "digit_precision": precision(self.digits),
            "phrasing_recall": self.recalled / self.with_card_data if self.with_card_data else 1.0,
            "phrasing_precision": self.precise / self.cases if self.cases else 1.0,
        }


def load_cases(path: Path = CORPUS) -> list[Case]:
    """The corpus's cases, their words timed one after another."""
    cases = []
    for item in tomllib.loads(path.read_text(encoding="utf-8"))["case"]:
        clock, utterances, sensitive = 0.0, [], []
        for speaker, text in item["turns"]:
            words = []
            inside = False
            for token in text.split():
                opens, closes = token.startswith("{"), token.endswith("}")
                inside = inside or opens
                bare = token.strip("{}")
                words.append(Word(clock, clock + _WORD_S, " " + bare, 0.9))
                sensitive.append(inside)
                inside = inside and not closes
                clock += _WORD_S + _GAP_S
            utterances.append(Utterance.from_words(speaker, words))
            clock += _TURN_GAP_S
        cases.append(Case(item["split"], utterances, sensitive, " / ".join(t for _, t in item["turns"])))
    return cases


def _digit_count(word: str) -> int:
    bare = word.strip().lower().strip(".,;:!?")
    return sum(c.isdigit() for c in bare) or int(bare in _DIGIT_WORDS)


def _hidden(word: Word, spans: list[tuple[float, float]]) -> bool:
    middle = (word.start + word.end) / 2
    return any(start <= middle <= end for start, end in spans)


def score_case(case: Case, tally: Tally) -> None:
    """Add one case's outcome to the tally."""
    spans = redacted_spans(redact_utterances(case.utterances))
    words = [w for u in case.utterances for w in u.words]
    outcome = [(_hidden(w, spans), sensitive) for w, sensitive in zip(words, case.sensitive)]
    for word, (hidden, sensitive) in zip(words, outcome):
        if hidden or sensitive:
            slot = 0 if hidden and sensitive else 1 if hidden else 2
            tally.words[slot] += 1
            tally.digits[slot] += _digit_count(word.word)
    tally.cases += 1
    tally.precise += not any(hidden and not sensitive for hidden, sensitive in outcome)
    if any(case.sensitive):
        tally.with_card_data += 1
        tally.recalled += all(hidden for hidden, sensitive in outcome if sensitive)
    if any(hidden != sensitive for hidden, sensitive in outcome):
        tally.misses.append(case.text)


def evaluate(cases: list[Case]) -> dict[str, Tally]:
    """A tally per split and one for all cases."""
    tallies: dict[str, Tally] = {"all": Tally()}
    for case in cases:
        score_case(case, tallies.setdefault(case.split, Tally()))
        score_case(case, tallies["all"])
    return tallies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show-errors", action="store_true", help="list the phrasings with a wrong word")
    args = parser.parse_args()
    cases = load_cases()
    for split, tally in evaluate(cases).items():
        r = tally.ratios()
        print(
            f"{split:9s} {tally.cases:3d} phrasings ({tally.with_card_data} with card data)  "
            + "  ".join(f"{k} {v:.3f}" for k, v in r.items())
        )
        if args.show_errors and split != "all":
            for text in tally.misses:
                print("   miss:", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
