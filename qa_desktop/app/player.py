"""Audio playback of a call (QtMultimedia): play/pause, seek, speed, and the position in seconds; silent where card
data was said.

Every call that changes the player or its output goes through `_unlocked`: Python's interpreter lock released while
Qt runs it. PySide keeps the lock through QMediaPlayer's stop, play, pause and setPosition (not setSource), and
those wait on Qt's signal locks, which a playback thread holds while it takes down its audio renderer: that thread
then asks for the interpreter lock, to tell our Python-made QAudioOutput of the disconnection. With the lock held
here, both waited for ever (docs/decisions.md, "Tests")."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Q_ARG, QLoggingCategory, QMetaObject, QObject, Qt, QUrl, Signal
from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSlider, QStyle, QWidget

from scoring.clips import HIDE_MARGIN_S
from scoring.display import clock

SPEEDS = (0.75, 1.0, 1.25, 1.5, 2.0)
# Qt's FFmpeg backend prints each loaded recording's format to stderr ("Input #0, wav, from '/calls/4111....wav'")
# while this category's info messages are on: a card number in a file name would reach the session's log
NO_FORMAT_DUMP = "qt.multimedia.ffmpeg.mediadataholder.info=false"


def _unlocked(target: QObject, slot: str, *args: object) -> None:
    """Call a slot of the player or its output here, with the interpreter lock released (QMetaObject.invokeMethod
    releases it; calling the method from Python does not)."""
    if not QMetaObject.invokeMethod(target, slot, Qt.ConnectionType.DirectConnection, *args):
        raise RuntimeError(f"{type(target).__name__} has no slot {slot}")


class CallPlayer(QWidget):
    """Transport controls over a QMediaPlayer; `position_changed` reports seconds."""

    position_changed = Signal(float)

    def __init__(self) -> None:
        super().__init__()
        QLoggingCategory.setFilterRules(NO_FORMAT_DUMP)
        self.player = QMediaPlayer(self)
        self.output = QAudioOutput(self)
        self.player.setAudioOutput(self.output)
        self.play_button = QPushButton()
        self.play_button.setToolTip("Play / pause (Space)")
        self.play_button.clicked.connect(self.toggle)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.sliderMoved.connect(lambda ms: self.seek(ms / 1000))
        self.time = QLabel("0:00 / 0:00")
        self.speed = QComboBox()
        for speed in SPEEDS:
            self.speed.addItem(f"{speed:g}×", speed)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.speed.setToolTip("Playback speed")
        self.speed.currentIndexChanged.connect(
            lambda _: _unlocked(self.player, "setPlaybackRate", Q_ARG(float, self.speed.currentData()))
        )
        self.note = QLabel()  # what the player waits for
        self.note.setStyleSheet("color: #555")
        self.error = QLabel()
        self.error.setStyleSheet("color: #b3261e")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.play_button, self.slider, self.time, self.speed, self.note, self.error):
            layout.addWidget(widget)
        layout.setStretch(1, 1)
        self.player.positionChanged.connect(self._moved)
        self.player.durationChanged.connect(lambda ms: ms and self.slider.setRange(0, ms))
        self.player.playbackStateChanged.connect(lambda _: self._update_icon())
        self.player.errorOccurred.connect(lambda _e, text: self.error.setText(text))
        self.player.mediaStatusChanged.connect(self._status_changed)
        self._pending: float | None = None  # a seek asked for before the recording finished loading
        self._silent: list[tuple[float, float]] = []  # (start, end) where card data was said: not heard
        self._update_icon()

    def load(self, path: str | Path, duration_s: float = 0.0, silent: Sequence[tuple[float, float]] = ()) -> None:
        """Load a recording (stopped at the start), to be played silent over the `silent` (start, end) spans (where
        card data was said); a missing file is said on screen."""
        self.stop()
        self._waiting(False)
        self._pending = None
        self._silent = [(start - HIDE_MARGIN_S, end + HIDE_MARGIN_S) for start, end in silent]  # as clips hide it
        self._mute(self._in_silence(0.0))
        found = Path(path).exists()  # a missing file is not given to Qt, whose "Could not open file" said less
        self.error.setText("" if found else f"Recording not found: {Path(path).name}")
        self.error.setToolTip("" if found else str(path))  # the name only on the row: a long path widened it
        if found and QMediaDevices.defaultAudioOutput().isNull():
            self.error.setText("No audio output device: nothing will be heard")
        self.player.setSource(QUrl.fromLocalFile(str(path)) if found else QUrl())
        self.slider.setRange(0, int(duration_s * 1000))
        self.slider.setValue(0)
        self.time.setText(f"0:00 / {clock(duration_s)}")

    def wait_for(self, note: str, duration_s: float = 0.0) -> None:
        """Nothing to play yet: the controls are off and `note` says why (the recording is being looked for)."""
        self.unload()
        self._waiting(True)
        self.note.setText(note)
        self.time.setText(f"0:00 / {clock(duration_s)}")

    def _waiting(self, waiting: bool) -> None:
        self.note.setText("")
        for control in (self.play_button, self.slider, self.speed):
            control.setEnabled(not waiting)

    def unload(self) -> None:
        """Stop and forget the recording."""
        self._waiting(False)
        self.stop()
        self._pending = None
        self.player.setSource(QUrl())
        self._silent = []
        self._mute(False)
        self.slider.setRange(0, 0)
        self.time.setText("0:00 / 0:00")
        self.error.setText("")

    def seek(self, seconds: float) -> None:
        """Jump to a moment of the call (once it has loaded, if it is still loading)."""
        if self.player.mediaStatus() == QMediaPlayer.MediaStatus.LoadingMedia:
            self._pending = seconds
            self._moved(int(max(0.0, seconds) * 1000))
            return
        _unlocked(self.player, "setPosition", Q_ARG("qint64", int(max(0.0, seconds) * 1000)))
        self._moved(self.player.position())

    def seconds(self) -> float:
        """The playback position in seconds (a pending seek counts)."""
        return self._pending if self._pending is not None else self.player.position() / 1000

    def _status_changed(self, status: QMediaPlayer.MediaStatus) -> None:
        if self._pending is not None and status in (
            QMediaPlayer.MediaStatus.LoadedMedia,
            QMediaPlayer.MediaStatus.BufferedMedia,
        ):
            seconds, self._pending = self._pending, None
            self.seek(seconds)

    def skip(self, seconds: float) -> None:
        """Seek relative to the current position."""
        self.seek(self.seconds() + seconds)

    def play(self) -> None:
        """Play from the current position."""
        _unlocked(self.player, "play")

    def pause(self) -> None:
        """Pause where it is."""
        _unlocked(self.player, "pause")

    def stop(self) -> None:
        """Stop, back at the start."""
        _unlocked(self.player, "stop")

    def toggle(self) -> None:
        """Play or pause."""
        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.pause()
        else:
            self.play()

    def _in_silence(self, seconds: float) -> bool:
        return any(start <= seconds < end for start, end in self._silent)

    def _mute(self, muted: bool) -> None:
        _unlocked(self.output, "setMuted", Q_ARG(bool, muted))

    def _moved(self, ms: int) -> None:
        self._mute(self._in_silence(ms / 1000))
        if not self.slider.isSliderDown():
            self.slider.setValue(ms)
        self.time.setText(f"{clock(ms / 1000)} / {clock(self.slider.maximum() / 1000)}")
        self.position_changed.emit(ms / 1000)

    def _update_icon(self) -> None:
        playing = self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState
        icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))
