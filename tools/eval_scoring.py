#!/usr/bin/env python3
"""Opt-in scoring accuracy on the shared devset (../shared/devset), stereo and mono renderings.

Prints precision, recall and F1 of `greeting`, `identity_verification` and `closing`
(= closing or further_assistance) against the datasets' labels, and the AUC of the empathy
subscore between the high- and low-empathy conversations (pooled, and mean ± sd over the folds of
tools/eval_empathy.py, each conversation in the fold of its text). A criterion counts as detected when
its result is `pass`. Transcripts are cached, so a scorecard edit re-evaluates in seconds.

Usage: tools/eval_scoring.py [--scorecard FILE] [--limit N] [--group star|esconv] [--show-errors]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from sklearn.metrics import precision_recall_fscore_support

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scoring.redact import redact_utterances  # noqa: E402
from scoring.scorecard import Scorecard, default_scorecard_path, load_scorecard  # noqa: E402
from scoring.scorer import score_call  # noqa: E402
from scoring.transcriber import Transcriber  # noqa: E402
from tools.devset import cached_transcript, cached_voice, mono_path, rendered  # noqa: E402
from tools.esconv import fold_of_spoken, high_low_auc, spread  # noqa: E402

LABELS = {
    "greeting": ("greeting",),
    "identity_verification": ("identity_verification",),
    "closing": ("closing", "further_assistance"),
}


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scorecard", default=str(default_scorecard_path()))
    parser.add_argument("--limit", type=int, default=0, help="only the first N calls of each group")
    parser.add_argument(
        "--group", choices=("star", "esconv"), help="only this group (star: compliance, esconv: empathy)"
    )
    parser.add_argument("--show-errors", action="store_true", help="print the calls each label gets wrong")
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    scorecard = load_scorecard(args.scorecard)
    items = [x for x in rendered() if args.group in (None, x[0].parent.name)]
    if args.limit:
        groups = [[x for x in items if x[0].parent.name == g] for g in ("star", "esconv")]
        items = [x for group in groups for x in group[:: max(1, len(group) // args.limit)][: args.limit]]
    transcriber = Transcriber()
    print(f"scorecard {scorecard.id} ({scorecard.hash[:12]}), {len(items)} calls, model {transcriber.model_name}")
    print(f"{'rendering':9s} {'label':22s} {'n+':>3s} {'n-':>3s} {'prec':>5s} {'recall':>6s} {'F1':>5s}")
    for mode in ("stereo", "mono"):
        evaluate(mode, items, transcriber, scorecard, args.show_errors)


def evaluate(mode: str, items: list, transcriber: Transcriber, scorecard: Scorecard, show_errors: bool) -> None:
    """Score every call in one rendering; print each compliance label's precision, recall and F1, and the
    empathy AUC."""
    truth: dict[str, list[bool]] = {k: [] for k in LABELS}
    found: dict[str, list[bool]] = {k: [] for k in LABELS}
    names: list[str] = []
    empathy: list[tuple[bool, float, str]] = []
    for path, item in items:
        file = mono_path(path) if mode == "mono" else path
        transcript = cached_transcript(transcriber, file)
        transcript = replace(transcript, utterances=redact_utterances(transcript.utterances))
        score = score_call(transcript, scorecard, cached_voice(file, transcript))
        results = {r.criterion.id: r.verdict.result for r in score.results}
        labels = item["labels"]
        if "empathy" in labels:
            empathy.append((labels["empathy"] == "high", score.empathy, path.stem))
            continue
        names.append(item["file"])
        for label, criteria in LABELS.items():
            truth[label].append(bool(labels[label]))
            found[label].append(any(results.get(c) == "pass" for c in criteria))
    for label in LABELS if names else ():
        p, r, f, _ = precision_recall_fscore_support(truth[label], found[label], average="binary", zero_division=0)
        positives = sum(truth[label])
        print(f"{mode:9s} {label:22s} {positives:3d} {len(truth[label]) - positives:3d} {p:5.2f} {r:6.2f} {f:5.2f}")
        if show_errors:
            for name, t, g in zip(names, truth[label], found[label]):
                if t != g:
                    print(f"    {'missed' if t else 'false alarm'}: {name}")
    if empathy:
        print_empathy_auc(mode, empathy)


def print_empathy_auc(mode: str, empathy: list[tuple[bool, float, str]]) -> None:
    """The empathy AUC of high vs low conversations, pooled and per fold (mean ± sd)."""
    auc = high_low_auc([h for h, _, _ in empathy], [s for _, s, _ in empathy])
    fold_of = fold_of_spoken()
    per_fold = []
    for fold in sorted({fold_of.get(n, -1) for _, _, n in empathy}):
        part = [(h, s) for h, s, n in empathy if fold_of.get(n, -1) == fold]
        per_fold.append(high_low_auc([h for h, _ in part], [s for _, s in part]))
    high = [s for h, s, _ in empathy if h]
    low = [s for h, s, _ in empathy if not h]
    folds = f"folds {spread(per_fold)}"
    print(
        f"{mode:9s} {'empathy AUC':22s} {len(high):3d} {len(low):3d} {auc:5.3f}   {folds} "
        f"(mean empathy score high {sum(high) / len(high):.1f}, low {sum(low) / len(low):.1f})"
    )


if __name__ == "__main__":
    main()
