#!/usr/bin/env python3
"""Opt-in empathy accuracy on the devset's text conversations (ESConv, rated by the help-seekers).

Scores every conversation as a text transcript with the scorecard and reports, over 5 fixed folds
stratified by rating (mean ± sd across folds, and the pooled figure in brackets):
- AUC of the empathy score, conversations rated 5 vs rated 1-2 for empathy;
- Spearman rho of the empathy score with the 1-5 empathy rating;
- Spearman rho of the customer half (how the customer fared) with the drop in emotion intensity;
- per agent turn: precision and recall of the empathy evidence against the supporters' own strategy
  labels (reflection of feelings, restatement or paraphrasing, affirmation and reassurance), in all and
  per empathy criterion.
The second column tunes the scorecard's two numbers set by reasoning, the share of empathy taken from the
customer and the weight of engaged replies (0: left out), on the other four folds (by the mean of AUC and rho
there) and measures them on the fold left out, so no figure comes from the data it was tuned on.

Usage: tools/eval_empathy.py [--scorecard FILE] [--weights 0.3,0.5,0.7] [--engagement 0,5,10,20] [--folds 5]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scoring.scorecard import Scorecard, default_scorecard_path, load_scorecard  # noqa: E402
from scoring.scorer import subscores  # noqa: E402
from tools.esconv import (  # noqa: E402
    Scored,
    conversations,
    evidence_by_criterion,
    folds,
    measures,
    score_conversation,
    spread,
)

ROWS = (
    ("auc", "empathy AUC, rated 5 vs 1-2", 0.85),
    ("rho", "rho, empathy vs its rating", 0.30),
    ("rho_drop", "rho, customer half vs intensity drop", 0.30),
    ("precision", "evidence precision (agent turns)", 0.80),
    ("recall", "evidence recall (agent turns)", 0.50),
)


ENGAGEMENT = "engagement"  # the detector whose criteria's weight is tuned with the customer share


def empathy_with_weights(s: Scored, scorecard: Scorecard, share: float, engagement: float) -> float:
    """The conversation's empathy score had the scorecard taken `share` of it from the customer and weighed
    engaged replies `engagement`."""
    results = [
        (replace(r.criterion, weight=engagement) if r.criterion.detector == ENGAGEMENT else r.criterion)
        for r in s.score.results
    ]
    credits = [(c, r.verdict.credit, r.verdict.result) for c, r in zip(results, s.score.results)]
    return subscores(replace(scorecard, empathy_sentiment_weight=share), credits, s.score.sentiment)[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scorecard", default=str(default_scorecard_path()))
    parser.add_argument(
        "--weights",
        default="0.3,0.4,0.5,0.6,0.7,0.8,0.9",
        help="customer shares of empathy to choose from inside each fold",
    )
    parser.add_argument(
        "--engagement", default="0,5,10,15,20", help="weights of engaged replies to choose from inside each fold"
    )
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    scorecard = load_scorecard(args.scorecard)
    convs = conversations()
    scored = [score_conversation(c, scorecard) for c in convs]
    weights = [(float(w), float(e)) for w in args.weights.split(",") for e in args.engagement.split(",")]
    by_weight = {w: [empathy_with_weights(s, scorecard, *w) for s in scored] for w in weights}
    tests = folds(convs, args.folds)
    shipped, tuned, chosen = [], [], []
    pooled_tuned = np.zeros(len(scored))
    for test in tests:
        train = np.setdiff1d(np.arange(len(scored)), test)
        shipped.append(measures([scored[i] for i in test]))

        def fit(w: tuple[float, float], train: np.ndarray = train) -> float:
            m = measures([scored[i] for i in train], [by_weight[w][i] for i in train])
            return (m["auc"] + m["rho"]) / 2

        best = max(weights, key=fit)
        chosen.append(best)
        pooled_tuned[test] = [by_weight[best][i] for i in test]
        tuned.append(measures([scored[i] for i in test], [by_weight[best][i] for i in test]))
    pooled = measures(scored)
    pooled_t = measures(scored, list(pooled_tuned))
    rated = [s.conversation.rating("empathy") for s in scored]
    print(
        f"empathy on ESConv text: {len(scored)} conversations ({rated.count(5)} rated 5, "
        f"{rated.count(1) + rated.count(2)} rated 1-2), scorecard {scorecard.id} ({scorecard.hash[:12]}), "
        f"{args.folds} folds: mean ± sd across folds [pooled]"
    )
    print(f"{'measure':38s} {'target':>6s}  {'scorecard as is':>24s}  {'two weights tuned in-fold':>28s}")
    for key, label, target in ROWS:
        print(
            f"{label:38s} {target:6.2f}  {spread([m[key] for m in shipped]):>15s} [{pooled[key]:.3f}]  "
            f"{spread([m[key] for m in tuned]):>19s} [{pooled_t[key]:.3f}]"
        )
    engaged = [c.weight for c in scorecard.criteria if c.detector == ENGAGEMENT]
    print(
        f"customer share, engagement weight: scorecard {scorecard.empathy_sentiment_weight:g}, "
        f"{engaged[0] if engaged else 0:g}; chosen in the folds {'; '.join(f'{w:g}, {e:g}' for w, e in chosen)}"
    )
    print(
        "evidence by criterion (pooled): "
        + "; ".join(f"{c} {n} turns P {p:.3f} R {r:.3f}" for c, (n, p, r) in evidence_by_criterion(scored).items() if n)
    )


if __name__ == "__main__":
    main()
