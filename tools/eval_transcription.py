#!/usr/bin/env python3
"""Opt-in accuracy check on the shared devset (../shared/devset): word error rate per speaker and
speaker attribution, for stereo and mono renderings. Renders the devset with its own render.py
(espeak-ng) into .cache/devset the first time. `--calls demo`: the demo calls as recorded (stereo and
mono) against their reference.json instead.

Usage: tools/eval_transcription.py [--calls devset|demo] [--limit N] [--initial-prompt TEXT] [--hotwords TEXT]
       [--model M] [--window S]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import jiwer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from scoring.audio import decode  # noqa: E402
from scoring.transcriber import CALL_CENTRE_PROMPT, WINDOW_S, Transcriber, TranscriberConfig  # noqa: E402
from scoring.transcript import Transcript, Utterance, Word  # noqa: E402
from tools.devset import DEVSET, rendered  # noqa: E402

DEMO = ROOT / "resources" / "demo_calls"


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


def main() -> None:  # noqa: C901 (one branch per option and report; to split next)
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
    parser.add_argument("--window", type=int, default=WINDOW_S, help="seconds of speech per batched window")
    parser.add_argument("--modes", default="stereo,mono", help="stereo, mono, bare (plain faster-whisper per channel)")
    args = parser.parse_args()
    modes = args.modes.split(",")
    if args.calls == "demo":
        items = [(DEMO / item["file"], item) for item in json.loads((DEMO / "reference.json").read_text())]
        modes = ["demo"]
    elif not DEVSET.is_dir():
        sys.exit(f"no devset at {DEVSET}")
    else:
        items = rendered()
    if args.limit and args.calls == "devset":
        items = [i for g in ("star", "esconv") for i in [x for x in items if x[0].parent.name == g][: args.limit]]
    transcriber = Transcriber(
        TranscriberConfig(
            model=args.model, initial_prompt=args.initial_prompt or None, hotwords=args.hotwords, window_s=args.window
        )
    )
    refs = {m: {"agent": [], "customer": [], "all": []} for m in modes}
    hyps = {m: {"agent": [], "customer": [], "all": []} for m in modes}
    attributed = {m: [0, 0] for m in modes}
    roles_right = dict.fromkeys(modes, 0)
    audio_s, spent = 0.0, 0.0
    for path, item in items:
        for mode in modes:
            file = path.with_suffix(".mono.wav") if mode == "mono" else path
            decoded = decode(file)
            started = time.perf_counter()
            transcript = bare(transcriber, decoded) if mode == "bare" else transcriber.transcribe_audio(decoded)
            spent += time.perf_counter() - started
            audio_s += decoded.info.duration_s
            reference = item["reference"]
            for speaker in ("agent", "customer"):
                refs[mode][speaker].append(normalise(" ".join(t["text"] for t in reference if t["speaker"] == speaker)))
                hyps[mode][speaker].append(
                    normalise(" ".join(u.text for u in transcript.utterances if u.speaker == speaker))
                )
            refs[mode]["all"].append(normalise(" ".join(t["text"] for t in reference)))
            hyps[mode]["all"].append(normalise(" ".join(u.text for u in transcript.utterances)))
            right = total = 0
            for u in transcript.utterances:
                for w in u.words:
                    truth = speaker_at(reference, (w.start + w.end) / 2)
                    if truth:
                        total += 1
                        right += truth == u.speaker
            attributed[mode][0] += right
            attributed[mode][1] += total
            roles_right[mode] += total > 0 and right / total > 0.5
    print(
        f"calls: {len(items)}; prompt={args.initial_prompt!r} hotwords={args.hotwords!r}; "
        f"window {args.window} s; speed {audio_s / spent:.1f}x real time"
    )
    for mode in modes:
        wer = {s: jiwer.wer(refs[mode][s], hyps[mode][s]) for s in ("agent", "customer")}
        both = jiwer.wer(refs[mode]["all"], hyps[mode]["all"])
        right, total = attributed[mode]
        print(
            f"{mode:6s} WER agent {wer['agent']:.3f}  customer {wer['customer']:.3f}  "
            f"(whole call in time order {both:.3f})  words attributed right {right / max(total, 1):.3f}  "
            f"calls with agent found {roles_right[mode]}/{len(items)}"
        )


if __name__ == "__main__":
    main()
