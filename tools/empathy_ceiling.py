#!/usr/bin/env python3
"""What the shipped empathy signals could reach on ESConv text if their weights were fitted on it: a ceiling for
docs/decisions.md, never a shipped model (ESConv is CC BY-NC, and a model fitted on it may not ship).

A ridge regression on the 1-5 empathy rating, fitted inside each of tools/eval_empathy.py's 5 folds on the other
four and measured on the fold left out (mean ± sd across folds), over each conversation's empathy criteria's
credits (n/a as half), the customer's VADER sentiment at the start and end, their good and bad reactions, and
the customer half; then once without each signal.

Usage: tools/empathy_ceiling.py [--scorecard FILE]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scoring.detectors import NA  # noqa: E402
from scoring.scorecard import default_scorecard_path, load_scorecard  # noqa: E402
from tools.esconv import Scored, conversations, folds, measures, score_conversation, spread  # noqa: E402


def signals(s: Scored, criteria: list[str]) -> list[float]:
    """One conversation's signals: the criteria's credits, then the customer's."""
    credit = {r.criterion.id: (0.5 if r.verdict.result == NA else r.verdict.credit) for r in s.score.results}
    t = s.score.sentiment
    return [
        *(credit[c] for c in criteria),
        t.start,
        t.end,
        t.positive_reactions,
        t.negative_reactions,
        s.customer if s.customer is not None else 0.5,
    ]


def applies(criterion: str, scored: list[Scored]) -> bool:
    """True when the criterion is not n/a on every conversation (those judging sound are, on text)."""
    return any(r.criterion.id == criterion and r.verdict.result != NA for s in scored for r in s.score.results)


def fitted(x: np.ndarray, scored: list[Scored], tests: list[np.ndarray]) -> list[dict[str, float]]:
    """Each fold's measures of a ridge fitted on the rated conversations of the other folds."""
    rating = np.array([s.conversation.rating("empathy") or 0 for s in scored])
    found = []
    for test in tests:
        train = np.setdiff1d(np.flatnonzero(rating), test)
        model = make_pipeline(StandardScaler(), Ridge(alpha=10.0)).fit(x[train], rating[train])
        found.append(measures([scored[i] for i in test], list(model.predict(x[test]))))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scorecard", default=str(default_scorecard_path()))
    scorecard = load_scorecard(parser.parse_args().scorecard)
    convs = conversations()
    scored = [score_conversation(c, scorecard) for c in convs]
    criteria = [c.id for c in scorecard.criteria if c.category == "empathy" and applies(c.id, scored)]
    names = [*criteria, "customer start", "customer end", "good reactions", "bad reactions", "customer half"]
    x = np.array([signals(s, criteria) for s in scored])
    tests = folds(convs)
    print(f"ridge on the empathy rating, fitted in-fold (not shippable): {'AUC':>15s} {'rho':>15s}")
    for left_out in [None, *range(len(names))]:
        keep = [j for j in range(len(names)) if j != left_out]
        found = fitted(x[:, keep], scored, tests)
        label = "all signals" if left_out is None else f"without {names[left_out]}"
        print(f"{label:60s} {spread([m['auc'] for m in found]):>15s} {spread([m['rho'] for m in found]):>15s}")


if __name__ == "__main__":
    main()
