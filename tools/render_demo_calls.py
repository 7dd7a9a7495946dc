#!/usr/bin/env python3
"""Render the demo call scripts (resources/demo_scripts/dialogues.toml) to audio with espeak-ng.

Writes each call into resources/demo_calls/ in the format its file name asks for (8 kHz; stereo with the agent
on channel 0, or mono) with `metadata.csv` (agent, team, call id, call time), and `reference.json` beside the
scripts (the true speaker, start, end and text of every turn, which the tests compare transcripts against;
kept out of the calls' folder, which is imported as it is).
Needs espeak-ng. Deterministic: the same scripts give the same audio.
"""

from __future__ import annotations

import csv
import io
import json
import random
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from qa_desktop.services.metadata import DEFAULT_NAME_PATTERN, compile_name_pattern, from_file_name  # noqa: E402

DEMO = ROOT / "resources" / "demo_calls"
SCRIPTS = ROOT / "resources" / "demo_scripts"
REFERENCE = SCRIPTS / "reference.json"
RATE = 8000
SUBTYPES = {".wav": "PCM_16", ".flac": "PCM_16", ".ogg": "VORBIS", ".mp3": "MPEG_LAYER_III"}


def speak(text: str, voice: str, speed: int, pitch: int) -> np.ndarray:
    """One turn spoken by espeak-ng, as 8 kHz float32."""
    wav = subprocess.run(
        ["espeak-ng", "--stdout", "-v", voice, "-s", str(speed), "-p", str(pitch), text],
        capture_output=True,
        check=True,
    ).stdout
    audio, rate = sf.read(io.BytesIO(wav), dtype="float32")
    return resample_poly(audio, RATE, rate).astype(np.float32)


def render(call: dict, rng: random.Random) -> tuple[np.ndarray, list[dict]]:
    """The call's two channels (agent, customer) and its reference timeline."""
    voices = {
        "agent": (call["agent_voice"], call.get("agent_speed", 165), call.get("agent_pitch", 50)),
        "customer": (call["customer_voice"], call.get("customer_speed", 160), call.get("customer_pitch", 50)),
    }
    tracks = {"agent": np.zeros(0, np.float32), "customer": np.zeros(0, np.float32)}
    timeline, cursor = [], 0.0
    for turn in call["turns"]:
        if turn[0] == "pause":
            cursor += float(turn[1])
            continue
        speaker, text = turn[0], turn[1]
        overlap = float(turn[2]) if len(turn) > 2 else 0.0
        start = max(cursor - overlap, 0.0) if timeline else 0.4
        audio = speak(text, *voices[speaker])
        begin = int(start * RATE)
        track = tracks[speaker]
        if len(track) < begin + len(audio):
            track = np.concatenate([track, np.zeros(begin + len(audio) - len(track), np.float32)])
        track[begin : begin + len(audio)] += audio
        tracks[speaker] = track
        end = start + len(audio) / RATE
        timeline.append({"speaker": speaker, "start": round(start, 2), "end": round(end, 2), "text": text})
        cursor = max(cursor, end) + rng.uniform(0.35, 0.8)
    length = int((cursor + 0.5) * RATE)
    stereo = np.stack([np.pad(tracks[s], (0, length - len(tracks[s]))) for s in ("agent", "customer")], axis=1)
    noise = np.random.default_rng(rng.randrange(2**31)).standard_normal(stereo.shape).astype(np.float32)
    return np.clip(stereo * 0.8 + 0.002 * noise, -1, 1), timeline


def main() -> None:
    calls = tomllib.loads((SCRIPTS / "dialogues.toml").read_text())["call"]
    rng = random.Random(20261102)
    pattern = compile_name_pattern(DEFAULT_NAME_PATTERN)
    references, rows = [], []
    for call in calls:
        audio, timeline = render(call, rng)
        if call["channels"] == 1:
            audio = audio.mean(axis=1)
        path = DEMO / call["file"]
        sf.write(path, audio, RATE, subtype=SUBTYPES[path.suffix])
        meta = from_file_name(path, pattern)
        rows.append(
            {
                "file": call["file"],
                "agent": meta.agent,
                "team": meta.team.capitalize(),
                "call_id": meta.call_id,
                "call_time": meta.call_time.isoformat(sep=" ", timespec="minutes"),
            }
        )
        references.append(
            {
                "file": call["file"],
                "kind": call["kind"],
                "channels": call["channels"],
                "duration_s": round(len(audio) / RATE, 2),
                "reference": timeline,
            }
        )
        print(f"{call['file']}: {len(audio) / RATE:.1f} s, {len(timeline)} turns")
    for chat in sorted(DEMO.glob("*.csv")):  # the demo chats (written by hand) beside the rendered calls
        meta = from_file_name(chat, pattern)
        if meta.agent:
            rows.append(
                {
                    "file": chat.name,
                    "agent": meta.agent,
                    "team": meta.team.capitalize(),
                    "call_id": meta.call_id,
                    "call_time": meta.call_time.isoformat(sep=" ", timespec="minutes"),
                }
            )
    with open(DEMO / "metadata.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    REFERENCE.write_text(json.dumps(references, indent=1) + "\n")


if __name__ == "__main__":
    main()
