"""From a recording to everything scoring needs: the redacted transcript and the voice features.

The one function the worker process, the command line and the evaluation all call, so a call is
analysed the same way wherever it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from .acoustics import voice_features
from .redact import redact_utterances
from .transcript import AGENT, Transcript

if TYPE_CHECKING:  # not imported at run time: reading stored analyses (a rescore) needs no audio or model code
    from pathlib import Path

    from .audio import DecodedAudio
    from .transcriber import Progress, Transcriber


@dataclass
class CallAnalysis:
    """A call's transcript (card numbers redacted) and the agent's voice features."""

    transcript: Transcript
    voice: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        """The transcript contract plus the voice features under `voice`."""
        return {**self.transcript.to_dict(), "voice": self.voice}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CallAnalysis:
        """Rebuild from `to_dict()` output."""
        return cls(Transcript.from_dict(data), dict(data.get("voice", {})))


def redacted(transcript: Transcript) -> Transcript:
    """The transcript with card numbers, security codes and SSNs replaced: the one redaction step that
    transcribed recordings and imported text conversations both go through."""
    return replace(transcript, utterances=redact_utterances(transcript.utterances))


def analyse(
    transcriber: Transcriber, decoded: DecodedAudio, *, agent_channel: int = 0, progress: Progress | None = None
) -> CallAnalysis:
    """Transcribe, redact and measure the agent's voice."""
    transcript = redacted(transcriber.transcribe_audio(decoded, agent_channel=agent_channel, progress=progress))
    channel = decoded.channels[agent_channel] if decoded.info.channels == 2 else decoded.channels[0]
    return CallAnalysis(transcript, voice_features(channel, transcript.utterances, AGENT))


def analyse_recording(
    transcriber: Transcriber, path: str | Path, *, agent_channel: int = 0, progress: Progress | None = None
) -> CallAnalysis:
    """Decode a recording (each channel once, `decode_call`) and analyse it: what a model worker runs per file."""
    from .transcriber import decode_call

    return analyse(transcriber, decode_call(path, agent_channel), agent_channel=agent_channel, progress=progress)
