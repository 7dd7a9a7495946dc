#!/usr/bin/env python3
"""A bigger spoken ESConv set than the devset's 40 conversations, built outside the project.

Opt-in evaluation only (ESConv is CC BY-NC: nothing of it is committed). Picks from the devset's text
conversations (../shared/devset/text) the way the devset picked its 40: every conversation rated 1-2 for
empathy (`low`, the rejected ones included) and conversations rated 5 whose supporter used reflection,
affirmation or paraphrase in the first 18 turns (`high`, a fixed random sample), each truncated to its first
18 turns; writes them as OUTDIR/calls.json in the devset's shape and renders them with the devset's own
render.py (espeak-ng, stereo and mono) into OUTDIR/esconv/. Transcribe and score them with
`tools/eval_spoken_empathy.py --spoken OUTDIR` (it caches the transcripts under OUTDIR; `--cached-only` scores
those transcribed so far).

Usage: tools/spoken_esconv.py OUTDIR [--high 100]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools.devset import DEVSET  # noqa: E402
from tools.esconv import EMPATHIC_STRATEGIES, Conversation, conversations, spoken_name  # noqa: E402

TURNS = 18  # as the devset: the first 18 turns


def picked(convs: list[Conversation], high: int, seed: int = 20261201) -> list[Conversation]:
    """Every conversation rated 1-2, and `high` of those rated 5 with an empathic strategy in their first turns."""
    low = [c for c in convs if c.rating("empathy") in (1, 2)]
    rated5 = [
        c
        for c in convs
        if c.rating("empathy") == 5
        and c.name.startswith("esconv_")
        and any(s in EMPATHIC_STRATEGIES for _, _, s in c.turns[:TURNS])
    ]
    return low + sorted(random.Random(seed).sample(rated5, min(high, len(rated5))), key=lambda c: c.name)


def as_call(c: Conversation) -> dict:
    """One conversation in the devset's calls.json shape, truncated to its first turns."""
    label = "high" if c.rating("empathy") == 5 else "low"
    return {
        "group": "esconv",
        "name": spoken_name(c.name),
        "source": f"ESConv {c.name}",
        "labels": {"empathy": label},
        "turns": [[role, text] for role, text, _ in c.turns[:TURNS]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--high", type=int, default=100, help="how many rated-5 conversations")
    args = parser.parse_args()
    calls = [as_call(c) for c in picked(conversations(), args.high)]
    args.outdir.mkdir(parents=True, exist_ok=True)
    (args.outdir / "calls.json").write_text(json.dumps(calls, indent=1))
    subprocess.run(
        [sys.executable, str(DEVSET / "render.py"), str(args.outdir / "calls.json"), str(args.outdir)], check=True
    )


if __name__ == "__main__":
    main()
