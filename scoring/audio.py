"""Audio intake: check, probe and decode call recordings into 16 kHz float channels.

Every problem with a file raises :class:`AudioError` whose message is one plain sentence a QA
lead can act on; the caller adds the file name.
"""

from __future__ import annotations

import errno
import hashlib
import os
import wave
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

SUPPORTED_EXTENSIONS = (".wav", ".mp3", ".m4a", ".flac", ".ogg")
TARGET_SAMPLE_RATE = 16_000
MAX_DURATION_S = 4 * 3600.0
SILENCE_PEAK = 10 ** (-60 / 20)  # -60 dBFS: below this nothing can be heard
TRUNCATION_TOLERANCE = 0.98


class AudioError(Exception):
    """A file that cannot be used as a call recording; the message says why."""


@dataclass(frozen=True)
class AudioInfo:
    """What a recording is, before any transcription."""

    path: Path
    duration_s: float
    channels: int
    sample_rate: int
    sha256: str


@dataclass
class DecodedAudio:
    """A recording decoded to 16 kHz float32, one array per channel."""

    info: AudioInfo
    channels: list[np.ndarray]

    def mono(self) -> np.ndarray:
        """The channels mixed down to one."""
        if len(self.channels) == 1:
            return self.channels[0]
        return np.mean(np.stack(self.channels), axis=0).astype(np.float32)


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def audio_files_in(folder: Path) -> list[Path]:
    """The audio files under a folder, recursively and sorted (links that dangle or loop are not files)."""
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in SUPPORTED_EXTENSIONS and p.is_file())


def _missing(path: Path) -> str:
    """Why a path that does not exist cannot be read: a link that loops or points nowhere, or no file at all."""
    if not path.is_symlink():
        return "file not found"
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "the link loops back on itself (it never reaches a file)"
    return f"broken link: it points to {os.readlink(path)}, which does not exist"


def check_file(path: Path, extensions: tuple[str, ...] = SUPPORTED_EXTENSIONS) -> None:
    """Reject what is not worth opening: missing, not a file, empty, or not one of `extensions`."""
    if not path.exists():
        raise AudioError(_missing(path))
    if not path.is_file():
        raise AudioError("not a file")
    if path.stat().st_size == 0:
        raise AudioError("empty file (0 bytes)")
    if path.suffix.lower() not in extensions:
        supported = ", ".join(ext.lstrip(".") for ext in extensions)
        raise AudioError(f"unsupported format '{path.suffix or '(none)'}' (supported: {supported})")


def _declared_wav_seconds(path: Path) -> float | None:
    """The duration a PCM WAV header promises, or None when it is not a plain PCM WAV."""
    try:
        with wave.open(str(path), "rb") as handle:
            return handle.getnframes() / handle.getframerate()
    except (wave.Error, EOFError, ZeroDivisionError, OSError):
        return None


def _open(path: Path) -> av.container.InputContainer:
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.error.InvalidDataError:
        raise AudioError("not an audio file, or the file is corrupt (no readable audio header)") from None
    except av.error.FFmpegError as exc:
        raise AudioError(f"cannot be read as audio ({exc.strerror or exc})") from None
    if not container.streams.audio:
        container.close()
        raise AudioError("contains no audio stream")
    return container


def decode(path: Path | str, *, max_duration_s: float = MAX_DURATION_S) -> DecodedAudio:
    """Check and decode a call recording to 16 kHz float32 channels (mono or stereo).

    Raises AudioError for an empty, corrupt, truncated, silent, too long or non-audio file.
    """
    path = Path(path)
    check_file(path)
    sha256 = file_sha256(path)
    with _open(path) as container:
        stream = container.streams.audio[0]
        channels = stream.codec_context.channels
        sample_rate = stream.codec_context.sample_rate
        if channels not in (1, 2):
            raise AudioError(f"{channels} audio channels; expected mono or stereo")
        declared = _declared_duration(container, stream)
        if declared is not None and declared > max_duration_s:
            raise AudioError(
                f"too long: {declared / 3600:.1f} h (the limit is {max_duration_s / 3600:.0f} h a call)"
            )
        planes = _decode_planes(container, stream, channels, max_duration_s)
    if planes.shape[1] == 0:
        raise AudioError("no audio could be decoded (the file is corrupt or truncated)")
    duration = planes.shape[1] / TARGET_SAMPLE_RATE
    header = _declared_wav_seconds(path) if path.suffix.lower() == ".wav" else declared
    if header and duration < header * TRUNCATION_TOLERANCE:
        raise AudioError(
            f"truncated: the header promises {header:.1f} s but only {duration:.1f} s of audio is there"
        )
    peak = float(np.max(np.abs(planes))) if planes.size else 0.0
    if peak < SILENCE_PEAK:
        level = 20 * np.log10(peak) if peak > 0 else float("-inf")
        raise AudioError(f"silent recording (peak level {level:.0f} dBFS): nothing to transcribe")
    info = AudioInfo(path, duration, channels, sample_rate, sha256)
    return DecodedAudio(info, [np.ascontiguousarray(planes[i]) for i in range(channels)])


def _declared_duration(container: av.container.InputContainer, stream: av.audio.AudioStream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return None


def _decode_planes(container, stream, channels: int, max_duration_s: float) -> np.ndarray:
    """Decode and resample every frame to planar float32 at 16 kHz: shape (channels, samples)."""
    layout = "mono" if channels == 1 else "stereo"
    resampler = av.AudioResampler(format="fltp", layout=layout, rate=TARGET_SAMPLE_RATE)
    limit = int(max_duration_s * TARGET_SAMPLE_RATE)
    chunks: list[np.ndarray] = []
    decoded = 0
    try:
        for frame in container.decode(stream):
            frame.pts = None  # the resampler must not try to fill timestamp gaps
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray())
                decoded += chunks[-1].shape[1]
            if decoded > limit:
                raise AudioError(f"too long: more than {max_duration_s / 3600:.0f} h of audio")
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray())
    except av.error.FFmpegError as exc:
        at = decoded / TARGET_SAMPLE_RATE
        raise AudioError(f"corrupt audio data near {at:.1f} s ({exc.strerror or exc})") from None
    if not chunks:
        return np.zeros((channels, 0), dtype=np.float32)
    return np.concatenate(chunks, axis=1).astype(np.float32, copy=False)
