"""The transcript of the open call: speaker-coloured utterances with times (message numbers in a text conversation
without times); the one playing is highlighted, search words are marked, and clicking an utterance plays it."""

from __future__ import annotations

import bisect
import html
import re

from PySide6.QtCore import QUrl, Signal
from PySide6.QtWidgets import QTextBrowser

from scoring.display import Timeline
from scoring.transcript import Utterance

SPEAKER_COLOURS = {"agent": "#1f5fa8", "customer": "#c0661f"}


class TranscriptView(QTextBrowser):
    """`seek_requested` carries the start (seconds) of a clicked utterance."""

    seek_requested = Signal(float)

    def __init__(self) -> None:
        super().__init__()
        self.setOpenLinks(False)
        self.setPlaceholderText("Select a call to read it.")  # one line: a placeholder does not wrap
        self.anchorClicked.connect(self._clicked)
        self.utterances: list[Utterance] = []
        self.current = -1
        self._starts: list[float] = []
        self._terms: list[str] = []
        self._timeline = Timeline()

    def show_utterances(self, utterances: list[Utterance], search: str = "", timed: bool = True) -> None:
        """Show a call's utterances (numbered, not timed, when the file gave no times); words of `search` are
        highlighted."""
        self.utterances = utterances
        self._timeline = Timeline.of(utterances, timed)
        self._starts = [u.start for u in utterances]
        self.current = -1
        self.mark(search)

    def mark(self, search: str) -> None:
        """Highlight the words of a search and scroll to the first utterance that has one."""
        self._terms = [t.rstrip("*").lower() for t in re.findall(r"[\w']+\*?", search)]
        self._render()
        hits = [i for i, u in enumerate(self.utterances) if self._terms and self._mark(u.text) != html.escape(u.text)]
        if hits:
            self.scrollToAnchor(f"u{hits[0]}")

    def utterance_at(self, seconds: float) -> int:
        """Index of the utterance playing at a time (the last one started), -1 before the first."""
        return bisect.bisect_right(self._starts, seconds + 0.05) - 1

    def follow(self, seconds: float) -> None:
        """Highlight the utterance playing at `seconds` and keep it in view."""
        index = self.utterance_at(seconds)
        if index != self.current:
            self.current = index
            self._render()
            if index >= 0:
                self.scrollToAnchor(f"u{index}")

    def _mark(self, text: str) -> str:
        escaped = html.escape(text)
        for term in self._terms:
            escaped = re.sub(
                rf"\b({re.escape(term)}\w*)",
                r"<span style='background:#ffe066'>\1</span>",
                escaped,
                flags=re.IGNORECASE,
            )
        return escaped.replace("\n", "<br>")  # an email's paragraphs stay apart

    def _render(self) -> None:
        parts = []
        for i, u in enumerate(self.utterances):
            colour = SPEAKER_COLOURS.get(u.speaker, "#333")
            background = "background:#b9d3f7;" if i == self.current else ""  # clearly the line being played
            parts.append(
                f"<a name='u{i}'></a><p style='margin:2px 0;{background}'>"
                f"<a href='seek:{u.start}' style='color:#777;text-decoration:none;font-family:monospace'>"
                f"{self._timeline.at(u.start)}</a> <b style='color:{colour}'>{u.speaker.capitalize()}</b> "
                f"{self._mark(u.text)}</p>"
            )
        bar = self.verticalScrollBar().value()
        self.setHtml("".join(parts))
        self.verticalScrollBar().setValue(bar)

    def _clicked(self, url: QUrl) -> None:
        text = url.toString()
        if text.startswith("seek:"):
            self.seek_requested.emit(float(text[5:]))
