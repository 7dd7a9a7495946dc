"""The transcript of a call: speaker-attributed utterances with word timings.

`Transcript.to_dict()` is the JSON contract printed by `qa-desktop transcribe --json`; later
versions may add keys but never change or remove these.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

AGENT = "agent"
CUSTOMER = "customer"
AGENT_CHANNELS = (0, 1)  # a stereo recording's channels: the agent speaks on one, the customer on the other
AUDIO, TEXT = "audio", "text"  # a transcript's medium: a transcribed recording, or a chat, email or ticket


@dataclass
class Word:
    """One recognised word with its time span (seconds) and probability."""

    start: float
    end: float
    word: str
    p: float


@dataclass
class Utterance:
    """What one speaker said without a long pause."""

    speaker: str
    start: float
    end: float
    text: str
    words: list[Word] = field(default_factory=list)

    @classmethod
    def from_words(cls, speaker: str, words: list[Word]) -> Utterance:
        """An utterance spanning the given (non-empty) words."""
        text = "".join(w.word for w in words).strip()
        return cls(speaker, words[0].start, words[-1].end, text, list(words))


@dataclass
class Transcript:
    """A call's transcript and the facts about the recording it came from."""

    file: str
    duration_s: float
    channels: int
    sample_rate: int
    sha256: str
    model: str
    device: str
    utterances: list[Utterance]
    medium: str = AUDIO
    timed: bool = True  # False: a text conversation without times, whose times are estimated from its length

    @property
    def is_text(self) -> bool:
        """A text conversation (chat, email, ticket): there is no audio."""
        return self.medium == TEXT

    def to_dict(self) -> dict[str, Any]:
        """The transcript contract (one JSON object per file)."""
        return {
            "file": self.file,
            "duration_s": round(self.duration_s, 3),
            "channels": self.channels,
            "sample_rate": self.sample_rate,
            "sha256": self.sha256,
            "model": self.model,
            "device": self.device,
            "medium": self.medium,
            "timed": self.timed,
            "transcript": [_utterance_dict(u) for u in self.utterances],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transcript:
        """Rebuild a transcript from `to_dict()` output."""
        utterances = [
            Utterance(u["speaker"], u["start"], u["end"], u["text"], [Word(**w) for w in u["words"]])
            for u in data["transcript"]
        ]
        return cls(
            data["file"],
            data["duration_s"],
            data["channels"],
            data["sample_rate"],
            data["sha256"],
            data["model"],
            data["device"],
            utterances,
            data.get("medium", AUDIO),
            data.get("timed", True),
        )


def _utterance_dict(u: Utterance) -> dict[str, Any]:
    return {
        "speaker": u.speaker,
        "start": round(u.start, 3),
        "end": round(u.end, 3),
        "text": u.text,
        "words": [
            {"start": round(w.start, 3), "end": round(w.end, 3), "word": w.word, "p": round(w.p, 4)} for w in u.words
        ],
    }


def words_to_dicts(words: list[Word]) -> list[dict[str, Any]]:
    """Words as plain dicts, for storage."""
    return [asdict(w) for w in words]
