#!/usr/bin/env python3
"""What speech recognition costs empathy: the same ESConv conversations scored from their reference text and
from their spoken renderings (stereo and mono), side by side.

Opt-in evaluation only. Reads a rendered set (the devset's 40 conversations by default, or a bigger one built
by tools/spoken_esconv.py: `--spoken DIR`), transcribes what is not cached yet (DIR/transcripts), and prints
per rendering (text = the reference turns, truncated like the recordings):
- empathy AUC, rated 5 vs 1-2, pooled and mean ± sd over the folds of tools/eval_empathy.py (each
  conversation in its text's fold);
- per signal (the agent half, the customer half, each empathy criterion's credit): its mean for rated 5 and
  rated 1-2 and its AUC alone;
- per agent turn: precision and recall of the empathy evidence against the supporters' strategy labels (a
  spoken utterance counts for the reference turn it overlaps most), in all and per criterion.
`--folds-only 1,2,3,4` measures on those folds only (fold 0 is where changes are developed).

Usage: tools/eval_spoken_empathy.py [--spoken DIR] [--scorecard FILE] [--modes text,stereo,mono] [--cached-only]
                                    [--folds-only 1,2,3,4]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scoring.redact import redact_utterances  # noqa: E402
from scoring.scorecard import Scorecard, default_scorecard_path, load_scorecard  # noqa: E402
from scoring.scorer import score_call, subscores  # noqa: E402
from scoring.transcriber import Transcriber, TranscriberConfig  # noqa: E402
from scoring.transcript import Utterance  # noqa: E402
from tools.devset import CACHE, DEVSET, cached_transcript, cached_voice, mono_path, rendered, transcript_cache  # noqa: E402
from tools.esconv import (  # noqa: E402
    Conversation,
    Scored,
    conversations,
    evidence_by_criterion,
    fold_of_spoken,
    high_low_auc,
    line_up,
    measures,
    score_conversation,
    spoken_name,
    spread,
)

MODES = ("text", "stereo", "mono")


def rendered_set(folder: Path) -> list[tuple[Path, dict]]:
    """(stereo wav, label item) of every rendered ESConv conversation in a folder made by render.py."""
    labels = folder / "esconv" / "labels.json"
    if not labels.exists():
        sys.exit(f"{folder}: not a rendered set (no esconv/labels.json; tools/spoken_esconv.py DIR makes one)")
    return [(folder / "esconv" / item["file"], item) for item in json.loads(labels.read_text())]


def turn_of(reference: list[dict], turns: list[int]) -> Callable[[Utterance], int | None]:
    """Which conversation turn a spoken utterance belongs to: the reference turn (timeline entry, each the turn
    `turns[k]`) its time overlaps most, if any."""

    def find(u: Utterance) -> int | None:
        overlap = [min(u.end, r["end"]) - max(u.start, r["start"]) for r in reference]
        best = int(np.argmax(overlap))
        return turns[best] if overlap[best] > 0 else None

    return find


def score_all(
    folder: Path, scorecard: Scorecard, modes: tuple[str, ...], cached_only: bool = False
) -> dict[str, list[Scored]]:
    """Every rendered conversation scored in each mode, in the same order (only those transcribed in every
    spoken mode already, with `cached_only`)."""
    by_name = {spoken_name(c.name): c for c in conversations()}
    if folder == CACHE:
        rendered()  # the devset's own renderings, made the first time
    items = rendered_set(folder)
    made_from = source_turns(folder)
    transcriber = Transcriber(TranscriberConfig(cpu_threads=1)) if set(modes) - {"text"} else None
    if transcriber and cached_only:
        items = [
            (path, item)
            for path, item in items
            if all(
                transcript_cache(transcriber, mono_path(path) if m == "mono" else path, folder).exists()
                for m in modes
                if m != "text"
            )
        ]
    scored: dict[str, list[Scored]] = {m: [] for m in modes}
    for path, item in items:
        whole = by_name[path.stem]
        conversation = Conversation(whole.name, whole.ratings, whole.turns[: len(made_from[path.stem])])
        spoken_turns = [i for i, (_, text, _) in enumerate(conversation.turns) if text.split()]
        for mode in modes:
            if mode == "text":
                scored[mode].append(score_conversation(conversation, scorecard))
                continue
            file = mono_path(path) if mode == "mono" else path
            transcript = cached_transcript(transcriber, file, folder)
            transcript = replace(transcript, utterances=redact_utterances(transcript.utterances))
            score = score_call(transcript, scorecard, cached_voice(file, transcript, folder))
            scored[mode].append(line_up(conversation, score, scorecard, turn_of(item["reference"], spoken_turns)))
    return scored


def source_turns(folder: Path) -> dict[str, list]:
    """The turns each rendered conversation was made from, by name: the folder's calls.json (written by
    tools/spoken_esconv.py), else the devset's."""
    calls = folder / "calls.json" if (folder / "calls.json").exists() else DEVSET / "calls.json"
    return {c["name"]: c["turns"] for c in json.loads(calls.read_text())}


def auc(scored: list[Scored], values: list[float]) -> float:
    """AUC of values, rated 5 vs 1-2."""
    return high_low_auc([s.conversation.rating("empathy") == 5 for s in scored], values)


def fold_spread(scored: list[Scored], fold_of: dict[str, int]) -> str:
    """AUC mean ± sd across the folds."""
    per = []
    for fold in sorted({fold_of[spoken_name(s.conversation.name)] for s in scored}):
        part = [s for s in scored if fold_of[spoken_name(s.conversation.name)] == fold]
        per.append(auc(part, [s.score.empathy for s in part]))
    return spread(per)


def credit(s: Scored, criterion: str) -> float:
    """A criterion's credit in a scored conversation (0 when it failed or was n/a)."""
    r = next(r for r in s.score.results if r.criterion.id == criterion)
    return r.verdict.credit if r.verdict.result == "pass" else 0.0


def agent_half(s: Scored, scorecard: Scorecard) -> float:
    """The empathy score's agent half: its criteria alone, without the customer's share."""
    credits = [(r.criterion, r.verdict.credit, r.verdict.result) for r in s.score.results]
    return subscores(replace(scorecard, empathy_sentiment_weight=0.0), credits, s.score.sentiment)[1]


def report(scored: dict[str, list[Scored]], scorecard: Scorecard) -> None:
    """Print the table: per mode AUC, per criterion credit and AUC, evidence precision and recall."""
    fold_of = fold_of_spoken()
    first = next(iter(scored.values()))
    high = sum(s.conversation.rating("empathy") == 5 for s in first)
    print(
        f"{len(first)} conversations ({high} rated 5, {len(first) - high} rated 1-2), scorecard {scorecard.hash[:12]}"
    )
    print(f"{'mode':7s} {'AUC':>6s} {'folds':>15s} {'evidence P':>10s} {'R':>6s}")
    for mode, part in scored.items():
        m = measures(part)
        print(
            f"{mode:7s} {auc(part, [s.score.empathy for s in part]):6.3f} {fold_spread(part, fold_of):>15s} "
            f"{m['precision']:10.3f} {m['recall']:6.3f}"
        )
    criteria = [c.id for c in scorecard.criteria if c.category == "empathy"]
    print(f"{'signal':20s} " + " ".join(f"{m + ' hi/lo/AUC':>22s}" for m in scored))
    signals: dict[str, Callable[[Scored], float]] = {
        "agent half": lambda s: agent_half(s, scorecard),
        "customer half": lambda s: s.customer if s.customer is not None else 0.5,
        **{c: lambda s, c=c: credit(s, c) for c in criteria},
    }
    for name, signal in signals.items():
        cells = []
        for part in scored.values():
            values = [signal(s) for s in part]
            hi = [v for s, v in zip(part, values) if s.conversation.rating("empathy") == 5]
            lo = [v for s, v in zip(part, values) if s.conversation.rating("empathy") != 5]
            cells.append(f"{np.mean(hi):.2f}/{np.mean(lo):.2f}/{auc(part, values):.3f}")
        print(f"{name:20s} " + " ".join(f"{x:>22s}" for x in cells))
    for mode, part in scored.items():
        print(
            f"evidence {mode}: "
            + "; ".join(f"{c} {n} P {p:.3f} R {r:.3f}" for c, (n, p, r) in evidence_by_criterion(part).items() if n)
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spoken", type=Path, default=CACHE, help="a folder rendered by render.py")
    parser.add_argument("--scorecard", default=str(default_scorecard_path()))
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--cached-only", action="store_true", help="only conversations transcribed already")
    parser.add_argument("--folds-only", default="", help="measure on these folds only, e.g. 1,2,3,4")
    args = parser.parse_args()
    scorecard = load_scorecard(args.scorecard)
    scored = score_all(args.spoken, scorecard, tuple(args.modes.split(",")), args.cached_only)
    if args.folds_only:
        keep = {int(f) for f in args.folds_only.split(",")}
        fold_of = fold_of_spoken()
        scored = {
            m: [s for s in part if fold_of[spoken_name(s.conversation.name)] in keep] for m, part in scored.items()
        }
    if not next(iter(scored.values())):
        sys.exit(
            f"{args.spoken}: no conversations to measure (none transcribed yet with --cached-only, or none in "
            "the folds asked for)"
        )
    report(scored, scorecard)


if __name__ == "__main__":
    main()
