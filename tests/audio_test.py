"""Audio intake: formats, channels, resampling, hashes, and every kind of bad file."""

from __future__ import annotations

import hashlib
import wave

import av
import numpy as np
import pytest
import soundfile as sf

from scoring.audio import AudioError, decode
from tests.support.demo import demo_file


@pytest.fixture(scope="module")
def clip():
    """Ten seconds of the good demo call, stereo at 8 kHz."""
    audio, rate = sf.read(demo_file("good"), dtype="float32", frames=80_000)
    return audio, rate


def test_stereo_wav_keeps_both_channels_at_16k():
    path = demo_file("good")
    decoded = decode(path)
    info = decoded.info
    assert (info.channels, info.sample_rate) == (2, 8000)
    assert len(decoded.channels) == 2
    assert info.duration_s == pytest.approx(sf.info(path).duration, abs=0.05)
    assert len(decoded.channels[0]) == pytest.approx(info.duration_s * 16_000, abs=160)
    assert info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    # the agent speaks first: channel 0 has sound in the first two seconds, channel 1 has none
    first = slice(8_000, 32_000)
    assert np.abs(decoded.channels[0][first]).max() > 10 * np.abs(decoded.channels[1][first]).max()


def test_mono_call_has_one_channel():
    decoded = decode(demo_file("mono"))
    assert decoded.info.channels == 1 and len(decoded.channels) == 1


def _encode(path, audio, rate, codec):
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate, layout="stereo")
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(audio.T.astype(np.float32)), format="fltp", layout="stereo"
        )
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


@pytest.mark.parametrize("suffix", [".mp3", ".m4a", ".ogg", ".flac"])
def test_compressed_formats_decode(tmp_path, clip, suffix):
    audio, rate = clip
    path = tmp_path / f"call{suffix}"
    if suffix in (".mp3", ".m4a"):
        _encode(
            path,
            np.repeat(audio, 2, axis=0) if suffix == ".m4a" else audio,
            rate * 2 if suffix == ".m4a" else rate,
            "mp3" if suffix == ".mp3" else "aac",
        )
    else:
        sf.write(path, audio, rate, subtype="VORBIS" if suffix == ".ogg" else "PCM_16")
    decoded = decode(path)
    assert decoded.info.channels == 2
    assert decoded.info.duration_s == pytest.approx(10.0, abs=0.2)


def _message(path) -> str:
    with pytest.raises(AudioError) as caught:
        decode(path)
    return str(caught.value)


def test_missing_file(tmp_path):
    assert "not found" in _message(tmp_path / "nowhere.wav")


def test_empty_file(tmp_path):
    (tmp_path / "empty.wav").touch()
    assert "empty" in _message(tmp_path / "empty.wav")


def test_non_audio_file(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("agent: hello\n" * 200)
    assert "not an audio file" in _message(path)


def test_unsupported_format(tmp_path):
    path = tmp_path / "call.aiff"
    path.write_bytes(b"FORM" + b"\0" * 100)
    assert "unsupported format '.aiff'" in _message(path)


def test_truncated_wav(tmp_path):
    data = demo_file("good").read_bytes()
    path = tmp_path / "cut.wav"
    path.write_bytes(data[: len(data) // 3])
    assert "truncated" in _message(path)


def test_corrupt_flac(tmp_path):
    data = bytearray(demo_file("non_compliant").read_bytes())
    path = tmp_path / "broken.flac"
    path.write_bytes(bytes(data[:200]) + np.random.default_rng(1).bytes(len(data) - 200))
    message = _message(path)
    assert "corrupt" in message or "truncated" in message or "no audio" in message


def test_silent_recording(tmp_path):
    path = tmp_path / "silence.wav"
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(2)
        handle.setsampwidth(2)
        handle.setframerate(8000)
        handle.writeframes(b"\0" * 8000 * 4 * 5)
    assert "silent recording" in _message(path)


def test_too_long(clip):
    with pytest.raises(AudioError, match="too long"):
        decode(demo_file("good"), max_duration_s=30)
