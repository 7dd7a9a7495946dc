"""A waveform of both channels (agent and customer coloured) with a moving playhead and markers
for dead air, talk-over and where card data was said (redacted: a tone in exported clips); a mono
call is coloured by its separated speakers' utterances. The envelope kept at import is read (or, for a
call imported before, computed) off the UI thread."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PySide6.QtCore import QLineF, QObject, QRectF, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QBrush, QColor, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from qa_desktop.services.envelopes import BUCKETS, envelope
from scoring.audio import AudioError
from scoring.transcript import AGENT

AGENT_COLOUR, CUSTOMER_COLOUR = QColor("#1f5fa8"), QColor("#c0661f")
DEAD_AIR_COLOUR, OVERTALK_COLOUR = QColor(120, 120, 120, 60), QColor(200, 30, 30, 70)
REDACTED_COLOUR = QColor("#5a2d8c")


def channel_peaks(path: str | Path, sha256: str, agent_channel: int = 0) -> tuple[np.ndarray, np.ndarray, bool]:
    """(agent peaks, customer peaks, stereo), BUCKETS values per channel scaled to 0..1; a mono call gives
    its one channel twice (`speaker_masks` then splits it)."""
    peaks = envelope(path, sha256)
    stereo = len(peaks) == 2
    agent, customer = (peaks[agent_channel], peaks[1 - agent_channel]) if stereo else (peaks[0], peaks[0])
    top = max(float(peaks.max()), 1e-6)
    return agent / top, customer / top, stereo


def speaker_masks(spans: list[tuple[float, float, str]], duration: float) -> tuple[np.ndarray, np.ndarray]:
    """Per envelope bucket: whether the agent, and whether the customer, speaks there ((start, end, speaker) spans)."""
    agent, customer = np.zeros(BUCKETS, dtype=bool), np.zeros(BUCKETS, dtype=bool)
    for start, end, speaker in spans:
        first = int(start / duration * BUCKETS)
        (agent if speaker == AGENT else customer)[first : max(first + 1, int(np.ceil(end / duration * BUCKETS)))] = True
    return agent, customer


class _EnvelopeJob(QRunnable):
    class Signals(QObject):
        done = Signal(object, object)

    def __init__(self, path: str, sha256: str, agent_channel: int, token: int) -> None:
        super().__init__()
        self.path, self.sha256, self.agent_channel, self.token = path, sha256, agent_channel, token
        self.signals = self.Signals()

    def run(self) -> None:
        try:
            result: object = channel_peaks(self.path, self.sha256, self.agent_channel)
        except (AudioError, OSError) as exc:
            result = str(exc)
        try:
            self.signals.done.emit(self.token, result)
        except RuntimeError:
            pass  # the view was closed while the envelope was computed


class WaveformView(QWidget):
    """Click to seek; `seek_requested` carries seconds."""

    seek_requested = Signal(float)

    def __init__(self) -> None:
        super().__init__()
        self.setMinimumHeight(90)
        self.setToolTip(
            "Agent above, customer below; grey: dead air, red: talk-over, hatched purple: card data "
            "(redacted: silent when played, a tone in exported clips). Click to play from there."
        )
        self._agent = self._customer = None
        self._duration = 0.0
        self._stereo = True
        self._playhead = 0.0
        self._markers: list[tuple[float, float, QColor]] = []
        self._spans: list[tuple[float, float, str]] = []
        self._redacted: list[tuple[float, float]] = []
        self._message = ""
        self._token = 0
        self._jobs: dict[int, _EnvelopeJob] = {}

    def load(
        self,
        path: str,
        sha256: str,
        agent_channel: int,
        dead_air: list[dict],
        overtalk: list[dict],
        duration: float,
        speakers: Sequence[tuple[float, float, str]] = (),
        redacted: Sequence[tuple[float, float]] = (),
    ) -> None:
        """Start reading (or computing) the waveform of a recording whose audio has this sha256; markers are
        spans {'start', 'end'} in seconds; `speakers` ((start, end, speaker) of each utterance) colour a mono
        recording; `redacted` (start, end) spans are where card data was said."""
        self._token += 1
        self._agent = self._customer = None
        self._duration = duration
        self._spans = list(speakers)
        self._redacted = list(redacted)
        self._markers = [(s["start"], s["end"], DEAD_AIR_COLOUR) for s in dead_air] + [
            (s["start"], s["end"], OVERTALK_COLOUR) for s in overtalk
        ]
        self._message = "Loading waveform…"
        job = _EnvelopeJob(path, sha256, agent_channel or 0, self._token)
        job.signals.done.connect(self._loaded)
        self._jobs[self._token] = job  # keep its Python side alive until it reports
        QThreadPool.globalInstance().start(job)
        self.update()

    def clear(self, message: str = "") -> None:
        """Show nothing, or a message (what the waveform waits for)."""
        self._token += 1
        self._agent = self._customer = None
        self._duration, self._markers, self._redacted, self._message = 0.0, [], [], message
        self.update()

    def _loaded(self, token: int, result: object) -> None:
        self._jobs.pop(token, None)
        if token != self._token:
            return  # another call was opened meanwhile
        if isinstance(result, str):
            self._message = f"No waveform: {result}"
        else:
            self._agent, self._customer, self._stereo = result
            if not self._stereo and self._spans and self._duration:
                agent, customer = speaker_masks(self._spans, self._duration)
                self._agent, self._customer = self._agent * agent, self._customer * customer
            self._message = ""
        self.update()

    @property
    def ready(self) -> bool:
        """Whether the envelope has been computed."""
        return self._agent is not None

    def set_playhead(self, seconds: float) -> None:
        """Move the playhead."""
        self._playhead = seconds
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt API)
        if self._duration and event.button() == Qt.MouseButton.LeftButton:
            self.seek_requested.emit(max(0.0, event.position().x() / max(1, self.width()) * self._duration))

    @property
    def redacted(self) -> list[tuple[float, float]]:
        """The spans marked as card data."""
        return list(self._redacted)

    def _paint_redacted(self, painter: QPainter, width: int, height: int) -> None:
        """Hatch over the waveform where card data was said, so a reviewer sees it was there."""
        painter.setPen(REDACTED_COLOUR)
        for start, end in self._redacted:
            x0, x1 = start / self._duration * width, end / self._duration * width
            box = QRectF(x0, 0, max(3.0, x1 - x0), height - 1)
            painter.fillRect(box, QColor(REDACTED_COLOUR.red(), REDACTED_COLOUR.green(), REDACTED_COLOUR.blue(), 70))
            painter.fillRect(box, QBrush(REDACTED_COLOUR, Qt.BrushStyle.BDiagPattern))
            painter.drawRect(box)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        width, height = self.width(), self.height()
        painter.fillRect(self.rect(), QColor("#fbfbfb"))
        if self._duration:
            for start, end, colour in self._markers:
                x0, x1 = start / self._duration * width, end / self._duration * width
                painter.fillRect(QRectF(x0, 0, max(2.0, x1 - x0), height), colour)
        if self._agent is not None:
            middle = height / 2
            columns = np.linspace(0, BUCKETS - 1, max(1, width)).astype(int)
            for peaks, colour, sign in ((self._agent, AGENT_COLOUR, -1.0), (self._customer, CUSTOMER_COLOUR, 1.0)):
                heights = (peaks[columns] * (middle - 4)).tolist()
                painter.setPen(colour)
                painter.drawLines(
                    [QLineF(float(x), middle, float(x), middle + sign * h) for x, h in enumerate(heights)]
                )
            painter.setPen(QColor("#999"))
            painter.drawLine(0, int(middle), width, int(middle))
            self._paint_redacted(painter, width, height)
            separated = "" if self._stereo else " (separated from mono)"
            painter.setPen(AGENT_COLOUR)
            painter.drawText(6, 14, "Agent" + separated)
            painter.setPen(CUSTOMER_COLOUR)
            painter.drawText(6, height - 6, "Customer" + separated)
        else:
            painter.setPen(QColor("#777"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._message)
        if self._duration:
            x = int(self._playhead / self._duration * width)
            painter.setPen(QColor("#111"))
            painter.drawLine(x, 0, x, height)
