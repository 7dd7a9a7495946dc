"""Where the checkout and its demo calls are."""

from __future__ import annotations

import json
from pathlib import Path

import soundfile as sf

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "resources" / "demo_calls"
REFERENCE = ROOT / "resources" / "demo_scripts" / "reference.json"  # the true turns, outside the imported folder


def demo_file(kind: str) -> Path:
    """The demo call of a kind (good, non_compliant, cold, angry_calmed, mono)."""
    for item in json.loads(REFERENCE.read_text()):
        if item["kind"] == kind:
            return DEMO / item["file"]
    raise KeyError(kind)


def demo_clip(kind: str, seconds: float, target: Path) -> Path:
    """The first `seconds` of the demo call of a kind, in its format, written to target: real speech for a test
    that does not need the whole call (the model's time grows with the audio's length)."""
    source = demo_file(kind)
    info = sf.info(source)
    audio, rate = sf.read(source, frames=round(seconds * info.samplerate), dtype="int16")
    sf.write(target, audio, rate, subtype=info.subtype, format=info.format)
    return target
