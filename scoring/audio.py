"""Audio intake: check, probe and decode call recordings into 16 kHz float channels.

Every problem with a file raises :class:`AudioError` whose message is one plain sentence a QA
lead can act on; the caller adds the file name.
"""

from __future__ import annotations

import errno
import hashlib
import os
import wave
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

SUPPORTED_EXTENSIONS = (".wav", ".mp3", ".m4a", ".flac", ".ogg")
TARGET_SAMPLE_RATE = 16_000
MAX_DURATION_S = 4 * 3600.0
SILENCE_PEAK = 10 ** (-60 / 20)  # -60 dBFS: below this nothing can be heard
TRUNCATION_TOLERANCE = 0.98
ENVELOPE_RATE = 100  # peaks a second that `peak_envelope` keeps before reducing them to its buckets
# Decoded frames are resampled this many input samples at a time: a WAV's frames are 512 samples, and PyAV's
# per-frame work cost 3 to 5 times the decoding itself; larger blocks save no more (docs/decisions.md)
DECODE_BLOCK = 1 << 14


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
    """A recording decoded to 16 kHz float32, one array per channel (all held, or decoded on demand:
    see `decode`'s one_at_a_time)."""

    info: AudioInfo
    channels: Sequence[np.ndarray]

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


EMPTY_FILE = "empty file (0 bytes)"  # said of any file with nothing in it, recording or transcript


def check_file(path: Path, extensions: tuple[str, ...] = SUPPORTED_EXTENSIONS) -> None:
    """Reject what is not worth opening: missing, not a file, empty, or not one of `extensions`."""
    if not path.exists():
        raise AudioError(_missing(path))
    if not path.is_file():
        raise AudioError("not a file")
    if path.stat().st_size == 0:
        raise AudioError(EMPTY_FILE)
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


def decode(
    path: Path | str, *, max_duration_s: float = MAX_DURATION_S, one_at_a_time: bool = False, first_channel: int = 0
) -> DecodedAudio:
    """Check and decode a call recording to 16 kHz float32 channels (mono or stereo).

    With `one_at_a_time` a stereo call's channels are held one at a time (`OneChannelAtATime`), channel
    `first_channel` to begin with: half the memory of a long call (230 MB an hour), for a decoding pass each
    time another channel is asked for.
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
            raise AudioError(f"too long: {declared / 3600:.1f} h (the limit is {max_duration_s / 3600:.0f} h a call)")
        keep = first_channel if one_at_a_time and channels == 2 else None
        if keep not in (None, 0, 1):
            raise ValueError(f"a stereo call has channels 0 and 1, not {first_channel}")
        planes = _decode_planes(container, stream, channels, max_duration_s, declared, keep)
    if planes.length == 0:
        raise AudioError("no audio could be decoded (the file is corrupt or truncated)")
    duration = planes.length / TARGET_SAMPLE_RATE
    header = _declared_wav_seconds(path) if path.suffix.lower() == ".wav" else declared
    if header and duration < header * TRUNCATION_TOLERANCE:
        raise AudioError(f"truncated: the header promises {header:.1f} s but only {duration:.1f} s of audio is there")
    if planes.peak < SILENCE_PEAK:
        level = 20 * np.log10(planes.peak) if planes.peak > 0 else float("-inf")
        raise AudioError(f"silent recording (peak level {level:.0f} dBFS): nothing to transcribe")
    info = AudioInfo(path, duration, channels, sample_rate, sha256)
    if keep is None:
        return DecodedAudio(info, planes.channels())
    return DecodedAudio(info, OneChannelAtATime(path, channels, keep, planes.channels()[0]))


class OneChannelAtATime(Sequence[np.ndarray]):
    """The channels of a checked recording, holding only the last one asked for: another index drops it
    and decodes that channel again (the same resampling as `decode`, so the same samples)."""

    def __init__(self, path: Path, count: int, index: int, held: np.ndarray) -> None:
        self.path, self.channel_count = path, count
        self.held: tuple[int, np.ndarray] | None = (index, held)

    def __len__(self) -> int:
        return self.channel_count

    def __getitem__(self, index: int) -> np.ndarray:  # type: ignore[override]
        if not -self.channel_count <= index < self.channel_count:
            raise IndexError(index)
        index %= self.channel_count
        if self.held is None or self.held[0] != index:
            self.held = None  # before decoding the next, so two are never held
            with _open(self.path) as container:
                stream = container.streams.audio[0]
                planes = _decode_planes(
                    container, stream, self.channel_count, MAX_DURATION_S, _declared_duration(container, stream), index
                )
            self.held = (index, planes.channels()[0])
        return self.held[1]


def _declared_duration(container: av.container.InputContainer, stream: av.audio.AudioStream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return None


class _Planes:
    """Planar float32 samples appended block by block into one array sized from the declared duration
    (grown when the header is short), so decoding holds the call once, not once in blocks and again joined.
    With `keep`, only that channel is held (the peak is still over all of them)."""

    def __init__(self, channels: int, expected: int, keep: int | None = None) -> None:
        self.keep = slice(None) if keep is None else slice(keep, keep + 1)
        held = channels if keep is None else 1
        self.data = np.empty((held, max(expected, TARGET_SAMPLE_RATE)), dtype=np.float32)
        self.length = 0
        self.peak = 0.0

    def append(self, block: np.ndarray) -> None:
        end = self.length + block.shape[1]
        if end > self.data.shape[1]:
            grown = np.empty((self.data.shape[0], max(end, self.data.shape[1] * 3 // 2)), dtype=np.float32)
            grown[:, : self.length] = self.data[:, : self.length]
            self.data = grown
        self.data[:, self.length : end] = block[self.keep]
        self.length = end
        if block.size:
            self.peak = max(self.peak, float(np.max(np.abs(block))))

    def channels(self) -> list[np.ndarray]:
        """One contiguous array per channel (views when the estimate was close, else trimmed copies)."""
        spare = self.data.shape[1] - self.length > self.length // 50 + TARGET_SAMPLE_RATE
        return [
            self.data[i, : self.length].copy() if spare else self.data[i, : self.length]
            for i in range(self.data.shape[0])
        ]


def _decode_planes(
    container, stream, channels: int, max_duration_s: float, declared_s: float | None, keep: int | None = None
) -> _Planes:
    """Decode and resample every frame to planar float32 at 16 kHz (holding only channel `keep` if given)."""
    layout = "mono" if channels == 1 else "stereo"
    resampler = av.AudioResampler(format="fltp", layout=layout, rate=TARGET_SAMPLE_RATE)
    limit = int(max_duration_s * TARGET_SAMPLE_RATE)
    planes = _Planes(channels, int((declared_s or 600.0) * TARGET_SAMPLE_RATE) + TARGET_SAMPLE_RATE, keep)
    try:
        for frame in _blocks(container, stream):
            for out in resampler.resample(frame):
                planes.append(out.to_ndarray())
            if planes.length > limit:
                raise AudioError(f"too long: more than {max_duration_s / 3600:.0f} h of audio")
        for out in resampler.resample(None):
            planes.append(out.to_ndarray())
    except av.error.FFmpegError as exc:
        at = planes.length / TARGET_SAMPLE_RATE
        raise AudioError(f"corrupt audio data near {at:.1f} s ({exc.strerror or exc})") from None
    return planes


def _blocks(container: av.container.InputContainer, stream: av.audio.AudioStream) -> Iterator[av.AudioFrame]:
    """The stream's decoded frames joined into frames of DECODE_BLOCK samples (the last one shorter), without
    timestamps: the resampler must not try to fill gaps between them. The same samples, far fewer frames."""
    fifo = av.AudioFifo()
    for frame in container.decode(stream):
        frame.pts = None
        fifo.write(frame)
        if fifo.samples >= DECODE_BLOCK:
            yield from fifo.read_many(DECODE_BLOCK)
    yield from fifo.read_many(DECODE_BLOCK, partial=True)


def peak_envelope(path: Path | str, buckets: int) -> tuple[np.ndarray, float]:
    """(the loudest absolute sample of each channel in each of `buckets` equal stretches, shape
    (channels, buckets); the duration in seconds), read block by block at the file's own rate, so a long
    call costs a few MB, not its decoded size."""
    path = Path(path)
    check_file(path)
    with _open(path) as container:
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate
        layout = "mono" if stream.codec_context.channels == 1 else "stereo"
        hop = max(1, rate // ENVELOPE_RATE)
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate, frame_size=hop * ENVELOPE_RATE)
        columns: list[np.ndarray] = []  # the peak of every hop (10 ms)
        samples = 0
        try:
            for frame in _blocks(container, stream):
                for out in resampler.resample(frame):
                    columns.append(_hop_peaks(out.to_ndarray(), hop))
                    samples += out.samples
            for out in resampler.resample(None):
                columns.append(_hop_peaks(out.to_ndarray(), hop))
                samples += out.samples
        except av.error.FFmpegError as exc:
            raise AudioError(f"corrupt audio data near {samples / rate:.1f} s ({exc.strerror or exc})") from None
    if not samples:
        raise AudioError("no audio could be decoded (the file is corrupt or truncated)")
    fine = np.concatenate(columns, axis=1)
    edges = np.linspace(0, fine.shape[1], buckets + 1).astype(int)[:-1]
    return np.maximum.reduceat(fine, np.minimum(edges, fine.shape[1] - 1), axis=1), samples / rate


def _hop_peaks(planes: np.ndarray, hop: int) -> np.ndarray:
    """The absolute peak of each channel in every `hop` samples (the last hop zero-padded)."""
    short = -planes.shape[1] % hop
    if short:
        planes = np.pad(planes, ((0, 0), (0, short)))
    return np.abs(planes).reshape(planes.shape[0], -1, hop).max(axis=2)
