"""The real bundled model on the demo calls: words, speakers and timing against the scripts."""

from __future__ import annotations

import os
import re
import signal
import threading

import pytest
from rapidfuzz import fuzz

from scoring.audio import AudioError
from scoring.worker import Cancelled, WorkerCrashed
from tests.support.demo import demo_clip, demo_file

pytestmark = pytest.mark.model  # every test here loads the model


def _normal(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", text.lower())


def _speaker_at(transcript, time: float) -> str | None:
    for u in transcript.utterances:
        if u.start - 0.3 <= time <= u.end + 0.3:
            return u.speaker
    return None


def test_contract_fields(demo_transcripts, references):
    name = demo_file("good").name
    data = demo_transcripts[name].to_dict()
    assert set(data) == {
        "file",
        "duration_s",
        "channels",
        "sample_rate",
        "sha256",
        "model",
        "device",
        "medium",
        "timed",
        "transcript",
    }
    assert (data["channels"], data["sample_rate"], data["model"], data["medium"], data["timed"]) == (
        2,
        8000,
        "tiny.en",
        "audio",
        True,
    )
    assert data["duration_s"] == pytest.approx(references[name]["duration_s"], abs=0.1)
    utterance = data["transcript"][0]
    assert set(utterance) == {"speaker", "start", "end", "text", "words"}
    assert set(utterance["words"][0]) == {"start", "end", "word", "p"}
    starts = [u["start"] for u in data["transcript"]]
    assert starts == sorted(starts)


@pytest.mark.parametrize(
    "phrase, speaker",
    [
        ("thank you for calling", "agent"),
        ("my name is maria", "agent"),
        ("anything else i can help you with", "agent"),
        ("twice for my internet", "customer"),
        ("thats everything", "customer"),
    ],
)
def test_words_and_speakers_of_the_good_call(demo_transcripts, phrase, speaker):
    transcript = demo_transcripts[demo_file("good").name]
    # tiny.en mishears a word or two ("anything else I can tell you"); the phrase must still be close
    spoken = [u for u in transcript.utterances if fuzz.partial_ratio(phrase, _normal(u.text)) >= 80]
    assert spoken, f"'{phrase}' not recognised"
    assert {u.speaker for u in spoken} == {speaker}


@pytest.mark.parametrize("kind", ["good", "non_compliant", "cold", "angry_calmed", "mono"])
def test_every_turn_is_found_at_its_time_with_its_speaker(demo_transcripts, references, kind):
    name = demo_file(kind).name
    transcript = demo_transcripts[name]
    turns = references[name]["reference"]
    right = sum(_speaker_at(transcript, (t["start"] + t["end"]) / 2) == t["speaker"] for t in turns)
    # stereo: the channel decides, so every turn; mono: separated speakers, nearly every turn
    assert right >= len(turns) - (0 if kind != "mono" else 1)
    # a turn is found at its time when an utterance starts within 0.8 s of it; tiny.en drops the odd one
    found = sum(min(abs(u.start - t["start"]) for u in transcript.utterances) < 0.8 for t in turns)
    assert found >= 0.85 * len(turns)


def test_word_timestamps_lie_inside_the_call(demo_transcripts):
    for transcript in demo_transcripts.values():
        for u in transcript.utterances:
            assert 0 <= u.start <= u.end <= transcript.duration_s + 0.1
            assert all(u.start <= w.start <= w.end <= u.end for w in u.words)
            assert all(0 <= w.p <= 1 for w in u.words)


def test_swapped_agent_channel_swaps_speakers(worker, demo_transcripts):
    path = demo_file("cold")
    swapped = worker.analyse(path, agent_channel=1).transcript
    original = demo_transcripts[path.name]
    assert [u.speaker for u in swapped.utterances][:3] == [
        {"agent": "customer", "customer": "agent"}[u.speaker] for u in original.utterances[:3]
    ]


@pytest.fixture
def next_call(tmp_path):
    """The file a worker is given after a failure: the first 20 s of the mono call, both voices speaking."""
    return demo_clip("mono", 20, tmp_path / "next.wav")


def test_bad_file_is_reported_and_the_worker_goes_on(worker, tmp_path, next_call):
    (tmp_path / "empty.wav").touch()
    with pytest.raises(AudioError, match="empty file"):
        worker.analyse(tmp_path / "empty.wav")
    assert worker.analyse(next_call).transcript.utterances


def test_cancel_kills_the_worker_and_the_next_file_still_works(worker, next_call):
    progressed = threading.Event()
    with pytest.raises(Cancelled):
        worker.analyse(demo_file("good"), progress=lambda f: progressed.set(), should_cancel=progressed.is_set)
    assert worker.pid is None
    assert worker.analyse(next_call).transcript.utterances


def test_native_crash_is_contained(worker, next_call):
    def crash(_fraction: float) -> None:
        if worker.pid is not None:
            os.kill(worker.pid, signal.SIGKILL)

    with pytest.raises(WorkerCrashed, match="stopped unexpectedly"):
        worker.analyse(demo_file("good"), progress=crash)
    assert worker.analyse(next_call).transcript.utterances
