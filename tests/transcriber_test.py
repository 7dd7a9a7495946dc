"""The transcriber's passes on the real bundled model: one VAD run a channel, its speech heard as
faster-whisper's own pipeline would hear it."""

from __future__ import annotations

import numpy as np
import pytest

import scoring.audio
from scoring.analysis import analyse, analyse_recording
from scoring.audio import decode
from scoring.transcriber import Transcriber, speech_spans
from scoring.vad import BlockwiseSileroVAD
from tests.support.demo import demo_clip, demo_file

pytestmark = pytest.mark.model  # the real model on the demo calls


@pytest.fixture(scope="module")
def transcriber():
    return Transcriber()


@pytest.fixture
def vad_runs(transcriber, monkeypatch):
    """The lengths of the audio the process's real VAD model is run on, call by call."""
    runs: list[int] = []
    real = BlockwiseSileroVAD.__call__

    def counted(self, audio, *args, **kwargs):
        runs.append(len(audio))
        return real(self, audio, *args, **kwargs)

    monkeypatch.setattr(BlockwiseSileroVAD, "__call__", counted)
    return runs


def test_each_channel_of_a_stereo_call_goes_through_vad_once(transcriber, vad_runs):
    transcript = transcriber.transcribe_audio(decode(demo_file("good")))
    assert {u.speaker for u in transcript.utterances} == {"agent", "customer"}
    assert len(vad_runs) == 2


@pytest.mark.parametrize("agent_channel", [0, 1])
def test_a_stereo_calls_analysis_decodes_each_channel_once(transcriber, monkeypatch, tmp_path, agent_channel):
    # held one at a time, the customer's channel first: the agent's is held still for its voice features (the
    # call's first 20 s: both its voices speak in them)
    path = demo_clip("good", 20, tmp_path / "good.wav")
    whole = analyse(transcriber, decode(path), agent_channel=agent_channel)  # both channels held throughout
    decoded: list[int | None] = []
    real = scoring.audio._decode_planes

    def counted(container, stream, channels, max_duration_s, declared_s, keep=None):
        decoded.append(keep)
        return real(container, stream, channels, max_duration_s, declared_s, keep)

    monkeypatch.setattr(scoring.audio, "_decode_planes", counted)
    analysis = analyse_recording(transcriber, path, agent_channel=agent_channel)
    assert decoded == [1 - agent_channel, agent_channel]
    assert analysis.to_dict() == whole.to_dict()  # the same words, times and voice features


def test_a_mono_call_goes_through_vad_once_the_voices_heard_over_the_separations_speech(transcriber, vad_runs):
    transcript = transcriber.transcribe_audio(decode(demo_file("mono")))
    assert {u.speaker for u in transcript.utterances} == {"agent", "customer"}
    assert len(vad_runs) == 1


def test_a_mono_call_is_heard_in_no_more_windows_than_faster_whispers_own_pass_over_it(transcriber, monkeypatch):
    # each voice is heard over its own speech only, in full windows: not more Whisper windows (each costs the
    # same, padded to 30 s) than the pipeline's own VAD pass over the mix needs
    model = transcriber.pipeline.model
    windows: list[int] = []
    real = model.encode

    def counted(features, *args, **kwargs):
        windows.append(1 if np.ndim(features) == 2 else len(features))  # a sequential segment or a batch
        return real(features, *args, **kwargs)

    monkeypatch.setattr(model, "encode", counted)
    mix = decode(demo_file("mono"))
    transcript = transcriber.transcribe_audio(mix)
    ours = sum(windows)
    windows.clear()
    segments, _ = transcriber.pipeline.transcribe(mix.channels[0], language="en", vad_filter=True, word_timestamps=True)
    bare_words = sum(len(segment.words) for segment in segments)
    assert sum(len(u.words) for u in transcript.utterances) >= 0.9 * bare_words
    assert ours <= sum(windows)


def test_the_first_pass_hears_what_the_pipelines_own_vad_pass_hears(transcriber):
    """Handing the pipeline the speech VAD found (packed into windows) gives its own words, same times."""
    channel = decode(demo_file("good")).channels[1]
    config = transcriber.config
    segments, _ = transcriber.pipeline.transcribe(
        channel,
        language="en",
        batch_size=config.batch_size,
        beam_size=config.beam_size,
        word_timestamps=True,
        initial_prompt=config.initial_prompt,
        vad_filter=True,
        chunk_length=config.window_s,
    )
    own = [(w.start, w.end, w.word) for s in segments for w in s.words]
    ours = [
        (w.start, w.end, w.word) for w in transcriber._recognise(channel, speech=speech_spans(channel, config.window_s))
    ]
    assert len(own) > 50 and ours == own


def test_a_channels_progress_moves_after_its_first_window_and_the_words_are_the_batched_ones(transcriber, monkeypatch):
    # Before: a channel's first report came after its first batch of up to 8 windows (37 s into a 3-minute call on
    # a loaded laptop, 8 s now); the first window alone is heard as in its batch (the same padded features)
    from faster_whisper.transcribe import BatchedInferencePipeline

    model, pipeline = transcriber.pipeline.model, transcriber.pipeline
    windows: list[int] = []  # each encoder pass's windows
    real = model.encode

    def counted(features, *args, **kwargs):
        windows.append(1 if np.ndim(features) == 2 else len(features))
        return real(features, *args, **kwargs)

    def heard() -> tuple[int, list]:
        """The windows encoded by the first progress report, and the call's utterances."""
        windows.clear()
        first: list[int] = []
        transcript = transcriber.transcribe_audio(call, progress=lambda _f: first or first.append(sum(windows)))
        return first[0], transcript.utterances

    monkeypatch.setattr(model, "encode", counted)
    call = decode(demo_file("good"))
    first_window, words = heard()
    batches = BatchedInferencePipeline._batched_segments_generator
    monkeypatch.setattr(pipeline, "_batched_segments_generator", lambda *args: batches(pipeline, *args))
    first_batch, batched_words = heard()  # faster-whisper's own batches
    assert first_window == 1 and first_batch > 1
    assert words == batched_words
