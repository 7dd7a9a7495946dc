"""A read-only, speaker-coloured view of one call's transcript."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QTextBrowser

from ..storage.models import Call
from ..storage.repository import call_transcript

SPEAKER_COLOURS = {"agent": "#1f5fa8", "customer": "#a8551f"}


class TranscriptView(QTextBrowser):
    """Shows the utterances of a call with times and speakers."""

    def __init__(self) -> None:
        super().__init__()
        self.setOpenLinks(False)
        self.setPlaceholderText("Select a call to read its transcript.")

    def show_call(self, call: Call) -> None:
        """Render the transcript of a call."""
        lines = [
            f"<h3>{html.escape(call.path.rsplit('/', 1)[-1])}</h3>"
            f"<p style='color:#555'>{html.escape(call.agent.name)} · {call.duration_s:.0f} s · "
            f"{'stereo' if call.channels == 2 else 'mono (speakers separated)'} · {html.escape(call.model)}</p>"
        ]
        for u in call_transcript(call):
            colour = SPEAKER_COLOURS.get(u.speaker, "#333")
            lines.append(
                f"<p><span style='color:#777;font-family:monospace'>{int(u.start // 60)}:{u.start % 60:04.1f}</span> "
                f"<b style='color:{colour}'>{u.speaker.capitalize()}</b> {html.escape(u.text)}</p>"
            )
        self.setHtml("".join(lines))
