"""Memory: a long call is held once, at 16 kHz float32 (in the worker one channel at a time), the heap's
free memory goes back to the system between Whisper batches, and the review's waveform never decodes it."""

# SQLite only: memory of audio decoding and the waveform, not the store

from __future__ import annotations

import os
import tracemalloc
from collections.abc import Callable

import numpy as np
import pytest
from faster_whisper import vad
from faster_whisper.feature_extractor import FeatureExtractor

from qa_desktop.app.main_window import MainWindow
from qa_desktop.services.envelopes import BUCKETS, envelope_path, stored_envelope
from qa_desktop.services.ingest import Ingestor
from qa_desktop.storage import repository
from qa_desktop.storage.call_metadata import CallMetadata
from qa_desktop.storage.models import Call
from scoring.audio import decode
from scoring.heap import release_free_memory
from scoring.transcriber import Transcriber
from tests.support.demo import demo_file


def peak_bytes(work: Callable[[], object]) -> tuple[object, int]:
    """What `work` returns and the most memory numpy and Python held at once while it ran (all threads)."""
    tracemalloc.start()
    try:
        result = work()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_decoding_holds_the_call_once_as_float32():
    path = demo_file("good")
    decoded, peak = peak_bytes(lambda: decode(path))
    size = sum(channel.nbytes for channel in decoded.channels)
    assert all(channel.dtype == np.float32 for channel in decoded.channels)
    assert size == len(decoded.channels) * round(decoded.info.duration_s * 16_000) * 4
    assert peak < 1.2 * size  # not the decoded blocks and the joined call (and its absolute values) at once


def test_a_stereo_call_can_be_held_one_channel_at_a_time():
    """The worker transcribes a channel at a time: the other is not held (230 MB of a 60-minute call)."""
    path = demo_file("good")
    whole = decode(path)
    decoded, peak = peak_bytes(lambda: decode(path, one_at_a_time=True))
    assert decoded.info == whole.info and len(decoded.channels) == 2
    channel = whole.channels[0].nbytes
    assert peak < 1.2 * channel  # one channel, not two
    for index in (1, 0, 1):  # each decoded again when asked for: the same samples
        got, peak = peak_bytes(lambda index=index: decoded.channels[index])
        assert np.array_equal(got, whole.channels[index]) and got.dtype == np.float32
        assert peak < 1.2 * channel  # the last one was dropped first


def rss_mb() -> float:
    """This process's resident memory now."""
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_free_heap_memory_goes_back_to_the_system():
    """What CTranslate2's batch freed stays in glibc's heap unless trimmed: each batch started on top of it."""
    blocks = [bytearray(64 * 1024) for _ in range(3200)]  # 200 MB in heap-sized blocks
    del blocks[:-1]  # the last one keeps the heap's top: free() alone returns nothing
    before = rss_mb()
    release_free_memory()
    assert before - rss_mb() > 150


@pytest.mark.model
def test_features_of_a_whole_channel_are_the_same_computed_in_blocks():
    """The sequential pass extracts features of the whole channel: the same numbers to the last bit of float32
    rounding (on some CPUs the FFT of a block rounds 0.3% of values one ulp apart from the whole channel's, 1.2e-7
    on AMD EPYC; bit for bit on others), without a 25 ms frame matrix."""
    audio = np.tile(decode(demo_file("good")).channels[0], 4)  # 7 minutes
    extractor = Transcriber().pipeline.model.feature_extractor
    features, peak = peak_bytes(lambda: extractor(audio))
    np.testing.assert_allclose(features, FeatureExtractor()(audio), rtol=0, atol=2.5e-7)
    assert peak < 3 * audio.nbytes  # faster-whisper's own holds about 11 times the audio


@pytest.mark.model
def test_voice_activity_of_a_whole_channel_is_the_same_without_a_joined_copy():
    audio = np.tile(decode(demo_file("good")).channels[0], 14)  # 24 minutes
    model = vad.get_vad_model()
    unpatched = vad.SileroVADModel.__new__(vad.SileroVADModel)
    unpatched.session = model.session
    Transcriber()  # loading the model makes the process's VAD blockwise
    speech, peak = peak_bytes(lambda: vad.get_speech_timestamps(audio))
    assert speech and peak < 1.8 * audio.nbytes  # its padded copy and a batch, not also a joined copy (2.25x)
    part = audio[: 6 * 60 * 16_000]  # over one batch of 10,000 windows: the state carries across
    assert np.array_equal(model(part.copy()), unpatched(part.copy()))


@pytest.mark.model
def test_ingest_keeps_the_waveform_envelope(db, worker, scorecard):
    path = demo_file("good")
    result = Ingestor(worker, scorecard).ingest_file(path)
    assert result.status == "imported"
    peaks = stored_envelope(Call.get_by_id(result.call_id).sha256)
    assert peaks is not None and peaks.shape == (2, BUCKETS) and (peaks.max(axis=1) > 0.1).all()


@pytest.mark.model
def test_review_waveform_reads_the_call_in_blocks_and_keeps_its_envelope(qtbot, db, demo_analyses):
    path = demo_file("good")
    analysis = demo_analyses[path.name]
    repository.store_call(analysis, CallMetadata(agent="Maria Lopez", team="Billing"), 0)
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    waveform = window.review.waveform

    def open_call() -> None:
        window.select_row(0)
        qtbot.waitUntil(lambda: waveform.ready, timeout=10_000)

    _, peak = peak_bytes(open_call)
    decoded_size = 2 * analysis.transcript.duration_s * 16_000 * 4
    assert peak < decoded_size / 8  # the old waveform decoded the whole call at 16 kHz in the app
    assert waveform._agent.max() > 0 and waveform._customer.max() > 0
    assert envelope_path(analysis.transcript.sha256).exists()  # the next view reads a few KB
