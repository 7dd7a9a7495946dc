"""What every detector shares: its parameters, the call it looks at, and the verdict it returns."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..conversation import ConversationMetrics
from ..display import Timeline
from ..empathic_moves import Move, conversation_moves
from ..phrases import PhraseMatch, PhraseSet
from ..sentiment import SentimentTrajectory, polarity
from ..text import normalise, sentences
from ..toml_fields import Param
from ..transcript import AGENT, CUSTOMER, Utterance

PASS, FAIL, NA = "pass", "fail", "na"


@dataclass
class Verdict:
    """A detector's answer for one criterion on one call."""

    result: str  # pass | fail | na
    credit: float  # 0..1 share of the criterion's weight earned (graded criteria give partial credit)
    confidence: float  # 0..1
    reason: str
    evidence: list[Utterance] = field(default_factory=list)
    needs_review: bool = False  # heard too unclearly to trust: a person should check it


@dataclass
class CallContext:
    """Everything detectors may look at: the transcript and the measured features."""

    utterances: list[Utterance]
    duration_s: float
    stereo: bool
    conversation: ConversationMetrics
    voice: dict[str, float]
    sentiment: SentimentTrajectory
    customer_name: str | None = None
    moods: dict[int, float] = field(default_factory=dict)  # utterance index -> polarity, as worked out
    timeline: Timeline = field(default_factory=Timeline)  # how a reason says where: m:ss, or msg N when untimed
    normalised: list[str] = field(init=False)
    _moves: list[list[Move]] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.normalised = [normalise(u.text) for u in self.utterances]

    def turns(self, speaker: str) -> list[int]:
        """Indices of the speaker's utterances, in order."""
        return [i for i, u in enumerate(self.utterances) if u.speaker == speaker]

    def find(
        self, phrases: PhraseSet, indices: Iterable[int], *, statements_only: bool = False
    ) -> list[tuple[int, PhraseMatch]]:
        """(utterance index, match) for each of the utterances that says one of the phrases (in a sentence
        that is not a question, with `statements_only`)."""
        indices = list(indices)
        if not statements_only:
            matches = phrases.match_all([self.normalised[i] for i in indices])
            return [(i, match) for i, match in zip(indices, matches) if match is not None]
        said = [(i, statement) for i in indices for statement in statements(self.utterances[i].text)]
        found: dict[int, PhraseMatch] = {}
        for (i, _), match in zip(said, phrases.match_all([normalise(s) for _, s in said])):
            if match is not None:
                found.setdefault(i, match)  # the first statement that says a phrase
        return [(i, found[i]) for i in indices if i in found]

    def sentence_count(self, phrases: PhraseSet, indices: Iterable[int], *, statements_only: bool = False) -> int:
        """How many sentences of these utterances say one of the phrases (a long turn can hold several)."""
        split = statements if statements_only else sentences
        said = [normalise(sentence) for i in indices for sentence in split(self.utterances[i].text)]
        return sum(match is not None for match in phrases.match_all(said))

    def moves(self, i: int) -> list[Move]:
        """The empathic moves of utterance i (none for the customer's), worked out once per call."""
        if self._moves is None:
            self._moves = conversation_moves(((u.speaker, u.text) for u in self.utterances), AGENT, CUSTOMER)
        return self._moves[i]

    def at(self, seconds: float) -> str:
        """Where the moment at `seconds` is, for a reason: m:ss, or 'msg N' in a conversation without times."""
        return self.timeline.at(seconds)

    def quote(self, u: Utterance, limit: int = 90) -> str:
        """A short quote of an utterance, with where it was said."""
        text = u.text if len(u.text) <= limit else u.text[: limit - 1].rstrip() + "…"
        return f"“{text}” at {self.at(u.start)}"

    def polarity(self, i: int) -> float:
        """VADER's compound score of utterance i, worked out once per call."""
        if i not in self.moods:
            self.moods[i] = polarity(self.utterances[i].text)
        return self.moods[i]


def statements(text: str) -> list[str]:
    """The sentences of a text that are not questions ("Why are you upset?" names a feeling but asks)."""
    return [s for s in sentences(text) if not s.endswith("?")]


@dataclass(frozen=True)
class DetectorSpec:
    """A registered detector."""

    name: str
    params: dict[str, Param]
    run: Callable[[CallContext, dict[str, Any]], Verdict]
    needs_audio: bool = False  # judges sound or timing: not applicable to a text conversation


DETECTORS: dict[str, DetectorSpec] = {}


def detector(
    name: str, *, needs_audio: bool = False, **params: Param
) -> Callable[[Callable[..., Verdict]], Callable[..., Verdict]]:
    """Register a detector function under `name` with its parameters (`needs_audio` when it judges the sound
    or the timing of a call)."""

    def register(function: Callable[..., Verdict]) -> Callable[..., Verdict]:
        DETECTORS[name] = DetectorSpec(name, params, function, needs_audio)
        return function

    return register


def asr_confidence(utterances: Iterable[Utterance]) -> float:
    """Mean recognition probability of the utterances' words (0.8 when there are no word timings)."""
    probabilities = [w.p for u in utterances for w in u.words]
    return sum(probabilities) / len(probabilities) if probabilities else 0.8


def found_confidence(ctx: CallContext, hits: list[tuple[int, PhraseMatch]]) -> float:
    """How sure a 'found it' verdict is: phrase similarity times recognition confidence."""
    best = max(hits, key=lambda h: h[1].similarity)
    return round(best[1].similarity * (0.5 + 0.5 * asr_confidence([ctx.utterances[best[0]]])), 3)


def absent_confidence(ctx: CallContext, searched: list[int]) -> float:
    """How sure a 'not said' verdict is: lower when the searched speech was poorly recognised."""
    return round(0.5 + 0.45 * asr_confidence([ctx.utterances[i] for i in searched]), 3)
