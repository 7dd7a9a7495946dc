"""Conversation metrics from utterance timings: talk ratio, speaking rate, dead air, talk-over.

Pure timing arithmetic on the transcript, so rescoring recomputes them without the audio.
Talk-over needs both speakers on separate channels: on a mono call, separated speakers never
overlap, so it is reported as not measurable.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .transcript import AGENT, CUSTOMER, Utterance

DEAD_AIR_MIN_S = 3.0  # silence counted as dead air from 3 s (NICE's default)
OVERTALK_MIN_S = 0.5  # shorter overlaps are back-channel ("mhm") or timing noise


@dataclass
class Span:
    """A stretch of the call, in seconds."""

    start: float
    end: float

    @property
    def length(self) -> float:
        return self.end - self.start


@dataclass
class ConversationMetrics:
    """Timing facts about a call."""

    talk_ratio_agent: float
    agent_wpm: float
    agent_speech_s: float
    customer_speech_s: float
    dead_air_s: float
    overtalk_measurable: bool
    overtalk_count: int = 0
    overtalk_s: float = 0.0
    dead_air: list[Span] = field(default_factory=list)
    overtalk: list[Span] = field(default_factory=list)  # the agent starting over the customer

    def to_dict(self) -> dict:
        """Plain data, for storage."""
        return asdict(self)


def _speech_s(utterances: list[Utterance], speaker: str) -> float:
    return sum(u.end - u.start for u in utterances if u.speaker == speaker)


def _word_count(u: Utterance) -> int:
    return len(u.words) if u.words else len(u.text.split())


def dead_air(utterances: list[Utterance], min_s: float = DEAD_AIR_MIN_S) -> list[Span]:
    """Silences of at least `min_s` between speech (from anyone) within the call."""
    spans: list[Span] = []
    speech_end = None
    for u in sorted(utterances, key=lambda u: u.start):
        if speech_end is not None and u.start - speech_end >= min_s:
            spans.append(Span(speech_end, u.start))
        speech_end = u.end if speech_end is None else max(speech_end, u.end)
    return spans


def agent_overtalk(utterances: list[Utterance], min_s: float = OVERTALK_MIN_S) -> list[Span]:
    """Times the agent started speaking while the customer was still talking, overlapping `min_s` or more."""
    customer = [u for u in utterances if u.speaker == CUSTOMER]
    spans = []
    for a in (u for u in utterances if u.speaker == AGENT):
        for c in customer:
            if c.start < a.start < c.end and min(a.end, c.end) - a.start >= min_s:
                spans.append(Span(a.start, min(a.end, c.end)))
                break
    return spans


def conversation_metrics(utterances: list[Utterance], *, stereo: bool) -> ConversationMetrics:
    """All timing metrics of a call."""
    agent_s, customer_s = _speech_s(utterances, AGENT), _speech_s(utterances, CUSTOMER)
    agent_words = sum(_word_count(u) for u in utterances if u.speaker == AGENT)
    silences = dead_air(utterances)
    overtalk = agent_overtalk(utterances) if stereo else []
    return ConversationMetrics(
        talk_ratio_agent=agent_s / (agent_s + customer_s) if agent_s + customer_s else 0.0,
        agent_wpm=agent_words / (agent_s / 60) if agent_s > 0 else 0.0,
        agent_speech_s=agent_s,
        customer_speech_s=customer_s,
        dead_air_s=sum(s.length for s in silences),
        overtalk_measurable=stereo,
        overtalk_count=len(overtalk),
        overtalk_s=sum(s.length for s in overtalk),
        dead_air=silences,
        overtalk=overtalk,
    )
