#!/usr/bin/env python3
"""Opt-in accuracy check on the shared devset (../shared/devset): word error rate per speaker and
speaker attribution, for stereo and mono renderings. Renders the devset with its own render.py
(espeak-ng) into .cache/devset the first time. `--calls demo`: the demo calls as recorded (stereo and
mono) against their reference.json instead.

Usage: tools/eval_transcription.py [--calls devset|demo] [--limit N] [--initial-prompt TEXT] [--hotwords TEXT]
       [--model M] [--window S] [--mono-window S]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import jiwer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from scoring.audio import decode  # noqa: E402
from scoring.transcriber import (  # noqa: E402
    CALL_CENTRE_PROMPT,
    MONO_WINDOW_S,
    WINDOW_S,
    Transcriber,
    TranscriberConfig,
)
from scoring.transcript import Transcript, Utterance, Word  # noqa: E402
from tools.devset import DEVSET, rendered  # noqa: E402
from tools.render_demo_calls import DEMO, REFERENCE  # noqa: E402


def normalise(text: str) -> str:
    """Lower case, no punctuation, single spaces: what WER is computed on."""
    text = re.sub(r"[^a-z0-9' ]+", " ", text.lower().replace("-", " "))
    return " ".join(text.replace("'", "").split())


def bare(transcriber: Transcriber, decoded) -> Transcript:
    """Plain faster-whisper on each stereo channel (no prompt), one utterance per segment."""
    utterances = []
    for speaker, channel in zip(("agent", "customer"), decoded.channels):
        segments, _ = transcriber.pipeline.transcribe(channel, language="en", batch_size=8, word_timestamps=True)
        utterances += [
            Utterance(
                speaker, s.start, s.end, s.text.strip(), [Word(w.start, w.end, w.word, w.probability) for w in s.words]
            )
            for s in segments
        ]
    utterances.sort(key=lambda u: u.start)
    return Transcript("", 0, 2, 0, "", "", "", utterances)


def speaker_at(reference: list[dict], time_s: float) -> str | None:
    for turn in reference:
        if turn["start"] - 0.15 <= time_s <= turn["end"] + 0.15:
            return turn["speaker"]
    return None


@dataclass
class Tally:
    """One mode's references and hypotheses (per speaker and whole calls) and its speaker attribution."""

    refs: dict[str, list[str]] = field(default_factory=lambda: {"agent": [], "customer": [], "all": []})
    hyps: dict[str, list[str]] = field(default_factory=lambda: {"agent": [], "customer": [], "all": []})
    right: int = 0
    total: int = 0
    roles_right: int = 0

    def add(self, transcript: Transcript, reference: list[dict]) -> None:
        """One call's transcript against its reference turns."""
        for speaker in ("agent", "customer"):
            self.refs[speaker].append(normalise(" ".join(t["text"] for t in reference if t["speaker"] == speaker)))
            self.hyps[speaker].append(
                normalise(" ".join(u.text for u in transcript.utterances if u.speaker == speaker))
            )
        self.refs["all"].append(normalise(" ".join(t["text"] for t in reference)))
        self.hyps["all"].append(normalise(" ".join(u.text for u in transcript.utterances)))
        truths = [
            (speaker_at(reference, (w.start + w.end) / 2), u.speaker) for u in transcript.utterances for w in u.words
        ]
        right = sum(truth == said for truth, said in truths if truth)
        total = sum(1 for truth, _ in truths if truth)
        self.right, self.total = self.right + right, self.total + total
        self.roles_right += total > 0 and right / total > 0.5

    def report(self, mode: str, calls: int) -> str:
        """WER per speaker and of the whole call, and the share of words given to the right speaker."""
        wer = {s: jiwer.wer(self.refs[s], self.hyps[s]) for s in ("agent", "customer")}
        both = jiwer.wer(self.refs["all"], self.hyps["all"])
        return (
            f"{mode:6s} WER agent {wer['agent']:.3f}  customer {wer['customer']:.3f}  "
            f"(whole call in time order {both:.3f})  words attributed right {self.right / max(self.total, 1):.3f}  "
            f"calls with agent found {self.roles_right}/{calls}"
        )


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--calls",
        choices=("devset", "demo"),
        default="devset",
        help="the devset's renderings, or the demo calls as recorded (mode 'demo')",
    )
    parser.add_argument("--limit", type=int, default=0, help="only the first N calls of each group")
    parser.add_argument("--initial-prompt", default=CALL_CENTRE_PROMPT, help="'' for none")
    parser.add_argument("--hotwords")
    parser.add_argument("--model")
    parser.add_argument(
        "--window",
        type=int,
        default=WINDOW_S,
        help=f"stereo calls: seconds of speech per batched window (default {WINDOW_S})",
    )
    parser.add_argument(
        "--mono-window",
        type=int,
        default=MONO_WINDOW_S,
        help=f"mono calls: seconds of each voice's speech per window (default {MONO_WINDOW_S})",
    )
    parser.add_argument("--modes", default="stereo,mono", help="stereo, mono, bare (plain faster-whisper per channel)")
    return parser.parse_args()


def _calls(args: argparse.Namespace) -> tuple[list[tuple[Path, dict]], list[str]]:
    """The calls to transcribe (path, item with its reference) and the modes to transcribe them in."""
    if args.calls == "demo":
        return [(DEMO / item["file"], item) for item in json.loads(REFERENCE.read_text())], ["demo"]
    if not DEVSET.is_dir():
        sys.exit(f"no devset at {DEVSET}")
    items = rendered()
    if args.limit:
        items = [i for g in ("star", "esconv") for i in [x for x in items if x[0].parent.name == g][: args.limit]]
    return items, args.modes.split(",")


def main() -> None:
    args = _arguments()
    items, modes = _calls(args)
    transcriber = Transcriber(
        TranscriberConfig(
            model=args.model,
            initial_prompt=args.initial_prompt or None,
            hotwords=args.hotwords,
            window_s=args.window,
            mono_window_s=args.mono_window,
        )
    )
    tallies = {mode: Tally() for mode in modes}
    audio_s, spent = 0.0, 0.0
    for path, item in items:
        for mode in modes:
            decoded = decode(path.with_suffix(".mono.wav") if mode == "mono" else path)
            started = time.perf_counter()
            transcript = bare(transcriber, decoded) if mode == "bare" else transcriber.transcribe_audio(decoded)
            spent += time.perf_counter() - started
            audio_s += decoded.info.duration_s
            tallies[mode].add(transcript, item["reference"])
    print(
        f"calls: {len(items)}; prompt={args.initial_prompt!r} hotwords={args.hotwords!r}; "
        f"window {args.window} s, mono {args.mono_window} s; speed {audio_s / spent:.1f}x real time"
    )
    for mode in modes:
        print(tallies[mode].report(mode, len(items)))


if __name__ == "__main__":
    main()
