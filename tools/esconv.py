"""The devset's text conversations (../shared/devset/text: ESConv with the help-seekers' own ratings) as
scored transcripts, and the measures the empathy evaluation reports on them.

Opt-in evaluation only: ESConv is CC BY-NC, so nothing here is part of the app and none of its text is
copied into the project. A conversation becomes a text transcript, one utterance per turn, timed at a
reading pace so that time-based evidence ("at 1:05") stays meaningful.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

from scoring.scorecard import Scorecard
from scoring.scorer import CallScore, score_call
from scoring.transcript import AGENT, TEXT, Transcript, Utterance
from tools.devset import DEVSET

TEXT_FILES = ("esconv_train.jsonl", "failed_esconv_odd.jsonl")
# the supporters' strategies that empathy evidence should point at
EMPATHIC_STRATEGIES = frozenset(
    {"Reflection of feelings", "Restatement or Paraphrasing", "Affirmation and Reassurance"}
)
# criteria whose evidence is no empathic statement (how much the agent said; on a recording, talk-over and the
# voice): reported per criterion, left out of the evidence measured against the strategy labels
NOT_STATEMENTS = frozenset({"engagement", "overtalk", "tone"})
SECONDS_PER_WORD = 0.35
TURN_GAP_S = 0.5


@dataclass
class Conversation:
    """One rated text conversation."""

    name: str
    ratings: dict[str, str]
    turns: list[tuple[str, str, str | None]]  # (role, text, the supporter's strategy label or None)

    def rating(self, key: str) -> int | None:
        """A 1-5 rating, or None when the help-seeker did not give it."""
        value = self.ratings.get(key)
        return int(value) if value and value.isdigit() else None

    @property
    def intensity_drop(self) -> int | None:
        """How much better the help-seeker felt at the end (initial minus final emotion intensity)."""
        before, after = self.rating("initial_emotion_intensity"), self.rating("final_emotion_intensity")
        return None if before is None or after is None else before - after


def conversations(folder: Path = DEVSET / "text") -> list[Conversation]:
    """Every conversation of the devset's text files."""
    found = []
    for name in TEXT_FILES:
        for line in (folder / name).read_text().splitlines():
            item = json.loads(line)
            found.append(Conversation(item["name"], item.get("ratings") or {}, [tuple(t) for t in item["turns"]]))
    return found


def spoken_name(text_name: str) -> str:
    """The name the same conversation has in the spoken devset (calls.json)."""
    if text_name.startswith("failed_esconv_"):
        return "esconv_low_" + text_name.removeprefix("failed_esconv_")
    return "esconv_high_" + text_name.removeprefix("esconv_")


def as_transcript(conversation: Conversation) -> Transcript:
    """The conversation as a text transcript (a chat: no audio, times estimated): one utterance per turn, timed at
    a reading pace."""
    utterances, t = [], 0.0
    for role, text, _ in conversation.turns:
        duration = max(1.0, SECONDS_PER_WORD * len(text.split()))
        utterances.append(Utterance(role, t, t + duration, text))
        t += duration + TURN_GAP_S
    return Transcript(conversation.name, t, 0, 0, "", "", "", utterances, TEXT, timed=False)


@dataclass
class Scored:
    """What the evaluation needs from one scored conversation."""

    conversation: Conversation
    score: CallScore
    customer: float | None  # the customer half of the empathy score, 0..1
    flagged: list[bool] = field(default_factory=list)  # per agent turn: shown as evidence that raised empathy
    labelled: list[bool] = field(default_factory=list)  # per agent turn: an empathic strategy label
    flagged_by: dict[str, list[bool]] = field(default_factory=dict)  # `flagged`, per empathy criterion


def empathy_evidence(score: CallScore, criterion: str | None = None) -> list[Utterance]:
    """The agent's utterances that earned an empathy criterion (this one, or any that shows statements) credit."""
    return [
        u
        for r in score.results
        if r.criterion.category == "empathy"
        and r.verdict.credit > 0
        and r.verdict.result == "pass"
        and (criterion == r.criterion.id or (criterion is None and r.criterion.detector not in NOT_STATEMENTS))
        for u in r.verdict.evidence
        if u.speaker == AGENT
    ]


def score_conversation(conversation: Conversation, scorecard: Scorecard) -> Scored:
    """Score one conversation as a text transcript and line its evidence up with the strategy labels."""
    transcript = as_transcript(conversation)
    turn_at = {u.start: i for i, u in enumerate(transcript.utterances)}
    return line_up(conversation, score_call(transcript, scorecard), scorecard, lambda u: turn_at.get(u.start))


def line_up(
    conversation: Conversation, score: CallScore, scorecard: Scorecard, turn_of: Callable[[Utterance], int | None]
) -> Scored:
    """A scored conversation with its evidence lined up with the strategy labels: `turn_of` gives the
    conversation's turn (index) an evidence utterance is part of, or None."""
    with_reactions = bool(scorecard.positive_reactions or scorecard.negative_reactions)
    criteria = [c.id for c in scorecard.criteria if c.category == "empathy"]
    evidence = {None: empathy_evidence(score), **{c: empathy_evidence(score, c) for c in criteria}}
    shown = {c: {turn_of(u) for u in utterances} for c, utterances in evidence.items()}
    flagged: dict[str | None, list[bool]] = {c: [] for c in evidence}
    labelled = []
    for i, (role, _, strategy) in enumerate(conversation.turns):
        if role == AGENT and strategy:
            for c, turns in shown.items():
                flagged[c].append(i in turns)
            labelled.append(strategy in EMPATHIC_STRATEGIES)
    return Scored(
        conversation,
        score,
        score.sentiment.mood(with_reactions),
        flagged.pop(None),
        labelled,
        {c: f for c, f in flagged.items() if c is not None},
    )


def evidence_by_criterion(scored: list[Scored]) -> dict[str, tuple[int, float, float]]:
    """Per empathy criterion: (turns shown as evidence, precision, recall) against the strategy labels, pooled."""
    labelled = np.array([f for s in scored for f in s.labelled], dtype=bool)
    found = {}
    for criterion in scored[0].flagged_by if scored else ():
        flagged = np.array([f for s in scored for f in s.flagged_by[criterion]], dtype=bool)
        precision = float(labelled[flagged].mean()) if flagged.any() else float("nan")
        found[criterion] = (int(flagged.sum()), precision, float(flagged[labelled].mean()))
    return found


def measures(scored: list[Scored], empathy: list[float] | None = None) -> dict[str, float]:
    """AUC (rated 5 vs 1-2), rho with the empathy rating, rho of the customer half with the intensity drop,
    and per-turn precision and recall of the evidence; `empathy` replaces the scores' own empathy."""
    values = empathy if empathy is not None else [s.score.empathy for s in scored]
    rated = [(s.conversation.rating("empathy"), v) for s, v in zip(scored, values)]
    rated = [(r, v) for r, v in rated if r is not None]
    extremes = [(r == 5, v) for r, v in rated if r in (1, 2, 5)]
    drops = [
        (s.conversation.intensity_drop, s.customer)
        for s in scored
        if s.conversation.intensity_drop is not None and s.customer is not None
    ]
    flagged = np.array([f for s in scored for f in s.flagged], dtype=bool)
    labelled = np.array([f for s in scored for f in s.labelled], dtype=bool)
    result = {
        "auc": float("nan"),
        "rho": float("nan"),
        "rho_drop": float("nan"),
        "precision": float("nan"),
        "recall": float("nan"),
    }
    result["auc"] = high_low_auc([h for h, _ in extremes], [v for _, v in extremes])
    if len(rated) > 2:
        result["rho"] = float(spearmanr([r for r, _ in rated], [v for _, v in rated])[0])
    if len(drops) > 2:
        result["rho_drop"] = float(spearmanr([d for d, _ in drops], [v for _, v in drops])[0])
    if flagged.any():
        result["precision"] = float(labelled[flagged].mean())
    if labelled.any():
        result["recall"] = float(flagged[labelled].mean())
    return result


def folds(convs: list[Conversation], k: int = 5, seed: int = 0) -> list[np.ndarray]:
    """k test folds (indices into `convs`), stratified by the empathy rating (unrated conversations are
    spread like a rating of their own). Fixed by the seed, so every table uses the same folds."""
    from sklearn.model_selection import StratifiedKFold

    strata = [c.rating("empathy") or 0 for c in convs]
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return [test for _, test in splitter.split(np.zeros(len(convs)), strata)]


def fold_of_spoken(k: int = 5) -> dict[str, int]:
    """The fold of each spoken devset conversation: that of the same conversation in the text set."""
    convs = conversations()
    return {spoken_name(convs[i].name): fold for fold, test in enumerate(folds(convs, k)) for i in test}


def high_low_auc(high: list[bool], values: list[float]) -> float:
    """AUC of values separating the high conversations from the low ones; NaN without both kinds."""
    return float(roc_auc_score(high, values)) if len(set(high)) == 2 else float("nan")


def spread(values: list[float]) -> str:
    """mean ± sd of the folds' figures (those that are numbers)."""
    values = [v for v in values if v == v]
    return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}" if len(values) > 1 else "  -  "
