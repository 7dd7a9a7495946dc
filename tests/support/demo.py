"""Where the checkout and its demo calls are."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "resources" / "demo_calls"


def demo_file(kind: str) -> Path:
    """The demo call of a kind (good, non_compliant, cold, angry_calmed, mono)."""
    for item in json.loads((DEMO / "reference.json").read_text()):
        if item["kind"] == kind:
            return DEMO / item["file"]
    raise KeyError(kind)
