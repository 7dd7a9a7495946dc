"""What a coaching pack holds, shared by its PDF and its index page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from qa_desktop.services.coaching.focus import Focus, FollowUp
from qa_desktop.storage.models import CoachingClip, CoachingSession


@dataclass
class PackClip:
    """A clip as the pack shows it."""

    clip: CoachingClip
    criterion_name: str
    call_label: str
    moment: str  # where in the call: m:ss-m:ss, or msg N-M in a text conversation without times
    audio: str | None  # path inside the pack, None for a text conversation or when the recording could not be read
    problem: str = ""  # why a recording's audio is missing
    note: str = ""  # the coach's note for the agent on this clip
    excerpt: list[tuple[str, str, str]] = field(default_factory=list)  # (where: m:ss or msg N, speaker, text)

    @property
    def source(self) -> str:
        """Where to hear it or why not, for the clip's heading line."""
        if self.audio:
            return f"audio: {self.audio}"
        return self.problem or "text conversation: no audio, the messages are below"


@dataclass
class Pack:
    """Everything a pack holds, for the PDF and the index page."""

    session: CoachingSession
    agents: list[str]
    team: str
    criterion_names: dict[str, str]
    comparison: list[Focus]
    clips: list[PackClip]
    chart: Path | None
    follow_up: list[FollowUp]  # this session's, once delivered
    previous: tuple[CoachingSession, list[FollowUp]] | None  # the agent's last delivered session
    created: dt.datetime
