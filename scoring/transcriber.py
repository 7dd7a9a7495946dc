"""Transcribe call recordings with faster-whisper's batched pipeline.

A stereo call is transcribed channel by channel, so every utterance knows its speaker exactly;
a mono call is first separated into its two voices (`diarize`), each transcribed the same way over the
speech the separation found, and which voice is the agent is read from what they said (`roles`).
This runs in-process: callers that must survive a native crash or cancel use `worker`.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from faster_whisper import BatchedInferencePipeline

from .audio import AudioError, DecodedAudio, decode
from .features import BlockwiseFeatureExtractor
from .heap import release_free_memory
from .models import choose_device, resolve_model
from .roles import assign_roles
from .transcript import AGENT, AGENT_CHANNELS, CUSTOMER, Transcript, Utterance, Word
from .utterances import merge_in_time, split_words
from .vad import use_blockwise_vad

log = logging.getLogger(__name__)

Progress = Callable[[float], None]
SAMPLE_RATE = 16_000
MAX_CLIP_S = 30.0  # Whisper's window
# How much speech the batched pipeline packs into one window (faster-whisper's chunk_length, 30 by
# default): tiny.en loses far less speech to windows that end early or loop (docs/decisions.md).
WINDOW_S = 20
# A mono call's voices are heard over the separation's speech pieces, cut tighter than VAD's spans: full
# windows keep the call to about as many windows as faster-whisper hears over the mix (docs/decisions.md).
MONO_WINDOW_S = 30
CLIP_JOIN_GAP_S = 1.5
REPETITIVE_RATIO = 2.4  # Whisper's own threshold for a segment that repeats itself

# Primes the decoder with the words of such calls; the same terms as `hotwords` did worse (docs/decisions.md).
CALL_CENTRE_PROMPT = (
    "A customer service phone call about an account number, PIN, date of birth, card, payment, refund or bill."
)


@dataclass(frozen=True)
class TranscriberConfig:
    """How to transcribe: which model, where, and how."""

    model: str | None = None  # None: bundled tiny.en; else a folder or a cached size name
    device: str = "auto"
    batch_size: int = 8
    cpu_threads: int = 0  # 0: one per core
    beam_size: int = 5
    window_s: int = WINDOW_S
    mono_window_s: int = MONO_WINDOW_S  # each mono voice's speech per window
    initial_prompt: str | None = CALL_CENTRE_PROMPT
    hotwords: str | None = None


def speech_spans(audio: np.ndarray, window_s: float) -> list[dict[str, int]]:
    """Silero VAD's speech in a channel ({'start', 'end'} in samples) exactly as faster-whisper's batched
    pipeline finds it for windows of window_s: the one VAD run a channel gets."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    return get_speech_timestamps(audio, VadOptions(max_speech_duration_s=window_s, min_silence_duration_ms=160))


def speech_clips(spans: list[dict[str, int]], join_gap_s: float = CLIP_JOIN_GAP_S) -> list[dict[str, float]]:
    """The stretches of speech ({'start', 'end'} in seconds) from VAD's spans, joined across pauses up to
    join_gap_s (the real audio between is kept), each at most 30 s."""
    clips: list[dict[str, float]] = []
    for span in spans:
        start, end = span["start"] / SAMPLE_RATE, span["end"] / SAMPLE_RATE
        if clips and start - clips[-1]["end"] <= join_gap_s and end - clips[-1]["start"] <= MAX_CLIP_S:
            clips[-1]["end"] = end
        else:
            clips.append({"start": start, "end": end})
    return clips


def packed_speech(
    audio: np.ndarray, spans: list[dict[str, int]], window_s: float
) -> tuple[np.ndarray, list[dict[str, float]]]:
    """The channel's speech joined end to end as faster-whisper's pipeline packs it (`collect_chunks`: spans
    fill windows of up to window_s), and each window as a clip ({'start', 'end'} in seconds of the joined
    audio). Transcribed with these clips, the pipeline hears the very windows its own VAD pass would give it."""
    from faster_whisper.vad import collect_chunks

    chunks, _ = collect_chunks(audio, spans, max_duration=window_s)
    bounds = np.cumsum([0] + [len(chunk) for chunk in chunks])
    # half a sample past each bound: the pipeline's int(seconds * rate) gives the bound back exactly
    clips = [
        {"start": (a + 0.5) / SAMPLE_RATE, "end": (b + 0.5) / SAMPLE_RATE}
        for a, b in zip(bounds[:-1], bounds[1:])
        if b > a
    ]
    return np.concatenate(chunks), clips


def decode_call(path: str | Path, agent_channel: int = 0) -> DecodedAudio:
    """Decode a recording for `transcribe_audio`: a stereo call one channel at a time, the customer's held first,
    as it is transcribed first; the agent's comes last and stays held for its voice features, so each channel
    is decoded once."""
    _check_agent_channel(agent_channel)
    return decode(path, one_at_a_time=True, first_channel=1 - agent_channel)


def _check_agent_channel(agent_channel: int) -> None:
    if agent_channel not in AGENT_CHANNELS:
        raise ValueError(f"agent channel must be 0 or 1, not {agent_channel}")


def looping(text: str, compression_ratio: float) -> bool:
    """Whether a segment repeats itself the way Whisper does when it hallucinates ("No, no, no, ...")."""
    tokens = re.findall(r"[a-z']+", text.lower())
    if compression_ratio > REPETITIVE_RATIO:
        return True
    return len(tokens) >= 4 and max(tokens.count(t) for t in set(tokens)) / len(tokens) >= 0.6


def unheard(
    clips: list[dict[str, float]], words: list[Word], shortest_s: float = 0.6, gap_s: float = 2.5
) -> list[dict[str, float]]:
    """The speech no recognised word covers: clips without a word (from shortest_s long), and stretches
    of at least gap_s inside a clip between its words or its edges (a lost window is often a part of a clip)."""
    missed = []
    for clip in clips:
        inside = sorted(
            (w.start, w.end) for w in words if clip["start"] - 0.3 <= (w.start + w.end) / 2 <= clip["end"] + 0.3
        )
        if not inside:
            if clip["end"] - clip["start"] >= shortest_s:
                missed.append(clip)
            continue
        edges = [(clip["start"], clip["start"]), *inside, (clip["end"], clip["end"])]
        for (_, before), (after, _) in zip(edges, edges[1:]):
            if after - before >= gap_s:
                missed.append({"start": round(before, 3), "end": round(after, 3)})
    return missed


class TrimmingPipeline(BatchedInferencePipeline):
    """faster-whisper's batched pipeline, the heap's free memory given back after each batch, so the
    next batch does not start on the last one's leftovers (`heap`); a pass's first window is a batch of its own, so
    its progress moves after one window's work, not eight's (docs/decisions.md)."""

    def forward(self, *args, **kwargs):
        try:
            return super().forward(*args, **kwargs)
        finally:
            self.carried = self.last_speech_timestamp  # what the next batch's word times start from
            release_free_memory()

    def _batched_segments_generator(self, features, tokenizer, chunks_metadata, batch_size, options, log_progress):
        batches = super()._batched_segments_generator
        yield from batches(features[:1], tokenizer, chunks_metadata[:1], batch_size, options, log_progress)
        if len(features) > 1:
            self.last_speech_timestamp = self.carried  # the first window's end, as within one batch (not reset to 0)
            yield from batches(features[1:], tokenizer, chunks_metadata[1:], batch_size, options, log_progress)


class Transcriber:
    """A loaded Whisper model that turns recordings into speaker-attributed transcripts.

    Threads may share one: the model hears one pass at a time, while the CPU stages of other calls (decoding,
    speaker separation, VAD, voice features) run beside it."""

    def __init__(self, config: TranscriberConfig = TranscriberConfig()) -> None:
        from faster_whisper import WhisperModel

        self.config = config
        location = resolve_model(config.model)
        self.model_name = location.name
        self.device, self.compute_type = choose_device(config.device)
        threads = config.cpu_threads or os.cpu_count() or 1
        model = WhisperModel(
            str(location.path),
            device=self.device,
            compute_type=self.compute_type,
            cpu_threads=threads,
            local_files_only=True,
        )
        # the sequential pass re-hears a few clips of a channel but extracts the whole channel's features
        model.feature_extractor = BlockwiseFeatureExtractor(**model.feat_kwargs)
        use_blockwise_vad()  # VAD runs over whole channels too
        self.pipeline = TrimmingPipeline(model)
        self._model_lock = threading.Lock()
        log.info("loaded model %s from %s on %s %s", self.model_name, location.path, self.device, self.compute_type)

    def words(
        self,
        audio: np.ndarray,
        progress: Progress | None = None,
        speech: list[dict[str, int]] | None = None,
        window_s: float | None = None,
    ) -> list[Word]:
        """All recognised words of one channel (16 kHz float32), with timestamps. `speech`: where it speaks
        (samples), when already known; else the channel's one VAD run finds it. `window_s`: the seconds of
        speech packed into a window (the configured ones by default)."""
        window_s = window_s or self.config.window_s
        spans = speech_spans(audio, window_s) if speech is None else speech
        if not spans:
            return []
        words = self._recognise(audio, progress=progress, speech=spans, window_s=window_s)
        # The pipeline packs speech from many turns into each window; now and then tiny.en loses a whole
        # window ("No, no, no, ..."). Speech that VAD found but no word covers is heard again, each stretch
        # on its own: it costs only where speech was lost (docs/decisions.md).
        missed = unheard(speech_clips(spans), words)
        if missed:
            words += self._recognise(audio, clip_timestamps=missed)
            # A clip that loops again gets Whisper's temperature fallback (the sequential decoder has it,
            # the batched one does not), without conditioning on its own looping text.
            stubborn = unheard(missed, words)
            if stubborn:
                words += self._recognise(
                    audio,
                    sequential=True,
                    condition_on_previous_text=False,
                    clip_timestamps=[t for clip in stubborn for t in (clip["start"], clip["end"])],
                )
            words.sort(key=lambda w: w.start)
        return words

    def _recognise(
        self,
        audio: np.ndarray,
        progress: Progress | None = None,
        sequential: bool = False,
        speech: list[dict[str, int]] | None = None,
        window_s: float | None = None,
        **how,
    ) -> list[Word]:
        """Words from one pass, looping segments dropped: batched over VAD's `speech` spans (packed into
        windows of window_s as the pipeline packs them) or over given clips, or sequential with temperature
        fallback."""
        from faster_whisper.transcribe import restore_speech_timestamps

        duration = len(audio) / SAMPLE_RATE
        heard = audio
        if speech is not None:
            heard, how["clip_timestamps"] = packed_speech(audio, speech, window_s or self.config.window_s)
        if not sequential:
            how["batch_size"] = self.config.batch_size
        transcribe = self.pipeline.model.transcribe if sequential else self.pipeline.transcribe
        words: list[Word] = []
        with self._model_lock:
            segments, _ = transcribe(
                heard,
                language="en",
                beam_size=self.config.beam_size,
                word_timestamps=True,
                initial_prompt=self.config.initial_prompt,
                hotwords=self.config.hotwords,
                **how,
            )
            if speech is not None:  # times in the packed speech back to times in the channel
                segments = restore_speech_timestamps(segments, speech, SAMPLE_RATE)
            for segment in segments:
                if not looping(segment.text, segment.compression_ratio):
                    words += [
                        Word(float(w.start), float(w.end), w.word, float(w.probability)) for w in segment.words or []
                    ]
                if progress and duration:
                    progress(min(segment.end / duration, 1.0))
        return words

    def transcribe_audio(
        self, decoded: DecodedAudio, *, agent_channel: int = 0, progress: Progress | None = None
    ) -> Transcript:
        """Transcribe decoded audio: per channel for stereo, with speaker separation for mono."""
        info = decoded.info
        if info.channels == 2:
            _check_agent_channel(agent_channel)
            speakers = [AGENT, CUSTOMER] if agent_channel == 0 else [CUSTOMER, AGENT]
            # the customer's channel first: the agent's stays held after (`decode_call`)
            per_channel = self._per_channel(
                decoded.channels, speakers, progress, order=[1 - agent_channel, agent_channel]
            )
        else:
            from .diarize import separate_voices  # scikit-learn and librosa take seconds to import: mono calls only

            voices = separate_voices(decoded.channels[0], self.config.mono_window_s)
            per_channel = self._per_channel(
                [voice.channel for voice in voices],
                [f"voice {v}" for v in range(len(voices))],
                progress,
                speech=[voice.speech for voice in voices],
            )
            assign_roles(per_channel)
        utterances = merge_in_time(*per_channel)
        if not utterances:
            raise AudioError("no speech found in the recording")
        return Transcript(
            str(info.path),
            info.duration_s,
            info.channels,
            info.sample_rate,
            info.sha256,
            self.model_name,
            f"{self.device}/{self.compute_type}",
            utterances,
        )

    def transcribe_file(
        self, path: str | Path, *, agent_channel: int = 0, progress: Progress | None = None
    ) -> Transcript:
        """Decode and transcribe one recording."""
        return self.transcribe_audio(decode_call(path, agent_channel), agent_channel=agent_channel, progress=progress)

    def _per_channel(
        self,
        channels: Sequence[np.ndarray],
        speakers: list[str],
        progress: Progress | None,
        speech: list[list[dict[str, int]]] | None = None,
        order: Sequence[int] | None = None,
    ) -> list[list[Utterance]]:
        """The utterances of each channel, which holds one speaker, transcribed in `order` (channel indices;
        by default as they come). Each channel is taken from `channels` only while it is transcribed (a
        channel decoded on demand is then the only one held). `speech`: each mono voice's speech from the
        separation, heard in windows of the config's mono_window_s."""
        per_channel: list[list[Utterance]] = [[] for _ in speakers]
        order = range(len(speakers)) if order is None else order
        for step, index in enumerate(order):

            def channel_progress(fraction: float, step: int = step) -> None:
                if progress:
                    progress((step + fraction) / len(order))

            if speech is None:
                words = self.words(channels[index], channel_progress)
            else:
                words = self.words(channels[index], channel_progress, speech[index], self.config.mono_window_s)
            per_channel[index] = split_words(words, speakers[index])
            release_free_memory()  # the sequential pass's leftovers, else the next channel starts on them
        return per_channel
