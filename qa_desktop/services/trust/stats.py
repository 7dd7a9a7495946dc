"""Agreement between raters on pass / fail / n/a verdicts: percent agreement, Cohen's kappa (scikit-learn)
for two raters and Krippendorff's alpha (the `krippendorff` package) for more, missing answers allowed."""

from __future__ import annotations

import math
from itertools import combinations

import krippendorff
import numpy as np

LABELS = ("pass", "fail", "na")


def percent_agreement(a: list[str], b: list[str]) -> float | None:
    """Share (0..1) of items two raters answered the same; None with no items."""
    if not a:
        return None
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a)


def cohen_kappa(a: list[str], b: list[str]) -> float | None:
    """Cohen's kappa of two raters; None when it is undefined (no items, or one label only for both)."""
    if not a or len(set(a) | set(b)) < 2:
        return None
    from sklearn.metrics import cohen_kappa_score  # here: importing scikit-learn is 1.4 s of the app's start

    value = float(cohen_kappa_score(a, b, labels=list(LABELS)))
    return None if math.isnan(value) else value


def krippendorff_alpha(answers: list[dict[str, str]]) -> float | None:
    """Krippendorff's alpha (nominal) over items, each a {rater: label} dict (missing raters allowed);
    None when it is undefined (fewer than two answers on every item, or one label only)."""
    raters = sorted({r for item in answers for r in item})
    if len(raters) < 2 or len({label for item in answers for label in item.values()}) < 2:
        return None
    data = np.full((len(raters), len(answers)), np.nan)
    for column, item in enumerate(answers):
        for rater, label in item.items():
            data[raters.index(rater), column] = LABELS.index(label)
    try:
        value = float(
            krippendorff.alpha(
                reliability_data=data, level_of_measurement="nominal", value_domain=list(range(len(LABELS)))
            )
        )
    except ValueError:  # no item with two or more answers
        return None
    return None if math.isnan(value) else value


def pairwise_agreement(answers: list[dict[str, str]]) -> float | None:
    """Mean share of agreeing rater pairs per item (items with two or more answers)."""
    shares = []
    for item in answers:
        pairs = list(combinations(item.values(), 2))
        if pairs:
            shares.append(sum(x == y for x, y in pairs) / len(pairs))
    return sum(shares) / len(shares) if shares else None


def spread(labels: list[str]) -> float:
    """How split an item's answers are: 0 when all agree, up to 1 (share not in the majority, scaled)."""
    if len(labels) < 2:
        return 0.0
    majority = max(labels.count(label) for label in set(labels))
    worst = len(labels) - math.ceil(len(labels) / len(LABELS))  # the most who can be outside a majority
    return (len(labels) - majority) / worst if worst else 0.0
