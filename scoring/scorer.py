"""Score a transcribed call against a scorecard: every criterion's verdict with evidence, the
empathy, compliance and overall scores (0-100) and auto-fail.

Scoring needs only the transcript and the stored voice features, so an edited scorecard can be
applied to every stored call without transcribing again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from .conversation import ConversationMetrics, conversation_metrics
from .detectors import DETECTORS, FAIL, NA, CallContext, Verdict
from .display import Timeline
from .phrases import phrase_set
from .scorecard import Criterion, Scorecard
from .sentiment import SentimentTrajectory, customer_sentiment
from .transcript import AGENT, AUDIO, TEXT, Transcript, Utterance

NO_AUDIO = "Not applicable: text conversation: no audio."


@dataclass
class CriterionResult:
    """A criterion's verdict on one call."""

    criterion: Criterion
    verdict: Verdict

    def to_dict(self) -> dict[str, Any]:
        """The `criteria[]` item of the score contract."""
        v = self.verdict
        return {
            "id": self.criterion.id,
            "section": self.criterion.section,
            "category": self.criterion.category,
            "result": v.result,
            "credit": round(v.credit * 100, 1),
            "confidence": round(v.confidence, 3),
            "reason": v.reason,
            "evidence": [evidence_dict(u) for u in v.evidence],
            "needs_review": v.needs_review,
        }


def evidence_dict(u: Utterance) -> dict[str, Any]:
    """One piece of evidence: who said what, when."""
    return {"speaker": u.speaker, "start": round(u.start, 2), "end": round(u.end, 2), "text": u.text}


@dataclass
class CallScore:
    """A call's scores against one scorecard."""

    scorecard_id: str
    scorecard_hash: str
    overall: float
    empathy: float
    compliance: float
    auto_fail: bool
    results: list[CriterionResult]
    conversation: ConversationMetrics
    sentiment: SentimentTrajectory
    medium: str = AUDIO

    def metrics(self) -> dict[str, Any]:
        """The `metrics` object of the score contract; the timing metrics are null for a text conversation."""
        c = self.conversation
        audio = self.medium == AUDIO
        return {
            "talk_ratio_agent": round(c.talk_ratio_agent, 3) if audio else None,
            "agent_wpm": round(c.agent_wpm, 1) if audio else None,
            "dead_air_s": round(c.dead_air_s, 1) if audio else None,
            "overtalk_count": c.overtalk_count if audio else None,
            "customer_sentiment_start": round(self.sentiment.start, 3),
            "customer_sentiment_end": round(self.sentiment.end, 3),
        }

    def to_dict(self) -> dict[str, Any]:
        """The score contract: scorecard, scores, auto_fail, criteria and metrics."""
        return {
            "scorecard": {"id": self.scorecard_id, "hash": self.scorecard_hash},
            "scores": {"overall": self.overall, "empathy": self.empathy, "compliance": self.compliance},
            "auto_fail": self.auto_fail,
            "criteria": [r.to_dict() for r in self.results],
            "metrics": self.metrics(),
        }


def weighted(results: list[tuple[Criterion, float, str]]) -> float | None:
    """Weighted mean credit (0..1) of the applicable results, or None if none applies."""
    applicable = [(c.weight, credit) for c, credit, result in results if result != NA and c.weight > 0]
    total = sum(w for w, _ in applicable)
    return sum(w * credit for w, credit in applicable) / total if total else None


def subscores(
    scorecard: Scorecard, results: list[tuple[Criterion, float, str]], sentiment: SentimentTrajectory
) -> tuple[float, float, float, bool]:
    """(overall, empathy, compliance, auto_fail) from criterion results; also used after overrides."""

    def category(name: str) -> float | None:
        return weighted([r for r in results if r[0].category == name])

    empathy = category("empathy")
    w = scorecard.empathy_sentiment_weight
    mood = sentiment.mood(with_reactions=bool(scorecard.positive_reactions or scorecard.negative_reactions))
    if w and mood is not None:
        empathy = mood if empathy is None else (1 - w) * empathy + w * mood
    compliance = category("compliance")
    overall = weighted(results)
    auto_fail = any(c.critical and result == FAIL for c, _, result in results)
    as_percent = [round(100 * v, 1) if v is not None else 100.0 for v in (overall, empathy, compliance)]
    return as_percent[0], as_percent[1], as_percent[2], auto_fail


def heard_confidence(verdict: Verdict, ctx: CallContext) -> float | None:
    """Mean word probability of the evidence (of all the agent's words when a verdict has none)."""
    words = [w for u in verdict.evidence for w in u.words]
    words = words or [w for u in ctx.utterances if u.speaker == AGENT for w in u.words]
    return sum(w.p for w in words) / len(words) if words else None


def abstain(verdict: Verdict, ctx: CallContext, below: float) -> Verdict:
    """Mark a pass or fail for review when what decided it was heard with low confidence."""
    heard = heard_confidence(verdict, ctx)
    if verdict.result == NA or heard is None or heard >= below:
        return verdict
    verdict.needs_review = True
    verdict.confidence = min(verdict.confidence, round(heard, 3))
    verdict.reason += (
        f" Marked for review: the words behind this were heard with low confidence "
        f"(mean word probability {heard:.2f}); check the audio."
    )
    return verdict


def build_context(
    transcript: Transcript, scorecard: Scorecard, voice: dict[str, float], customer_name: str | None = None
) -> CallContext:
    """What detectors look at, from a transcript and its stored voice features."""
    utterances = transcript.utterances
    moods: dict[int, float] = {}
    sentiment = customer_sentiment(
        utterances, phrase_set(scorecard.positive_reactions), phrase_set(scorecard.negative_reactions), moods=moods
    )
    conversation = conversation_metrics(utterances, stereo=transcript.channels == 2)
    if transcript.is_text:  # gaps between messages are typing and reading, not dead air
        conversation = replace(conversation, dead_air=[], dead_air_s=0.0)
    return CallContext(
        utterances=utterances,
        duration_s=transcript.duration_s,
        stereo=transcript.channels == 2,
        conversation=conversation,
        voice=voice,
        sentiment=sentiment,
        customer_name=customer_name,
        moods=moods,
        timeline=Timeline.of(utterances, transcript.timed),
    )


def not_applicable(criterion: Criterion, medium: str) -> str | None:
    """Why a criterion cannot be judged on any conversation of this medium, whatever was said (so the same
    for every person): one on sound or timing in a text conversation, or one the scorecard checks on another
    medium only (a recording disclosure in a chat); None when it is judged."""
    spec = DETECTORS.get(criterion.detector)
    if spec is not None and spec.needs_audio and medium == TEXT:
        return NO_AUDIO
    if medium not in criterion.media:
        kind = "text conversation" if medium == TEXT else "recorded call"
        return f"Not applicable: the scorecard does not check this on a {kind}."
    return None


def judge(criterion: Criterion, ctx: CallContext, transcript: Transcript, abstain_below: float) -> Verdict:
    """One criterion's verdict: not applicable (sure) where the call's medium rules it out, else its
    detector's, abstaining on poorly heard evidence."""
    reason = not_applicable(criterion, transcript.medium)
    if reason is not None:
        return Verdict(NA, 1.0, 1.0, reason)
    return abstain(DETECTORS[criterion.detector].run(ctx, criterion.params), ctx, abstain_below)


def score_call(
    transcript: Transcript,
    scorecard: Scorecard,
    voice: dict[str, float] | None = None,
    customer_name: str | None = None,
) -> CallScore:
    """Every criterion of the scorecard on this call, and the call's scores."""
    ctx = build_context(transcript, scorecard, voice or {}, customer_name)
    results = [CriterionResult(c, judge(c, ctx, transcript, scorecard.abstain_below)) for c in scorecard.criteria]
    overall, empathy, compliance, auto_fail = subscores(
        scorecard, [(r.criterion, r.verdict.credit, r.verdict.result) for r in results], ctx.sentiment
    )
    return CallScore(
        scorecard.id,
        scorecard.hash,
        overall,
        empathy,
        compliance,
        auto_fail,
        results,
        ctx.conversation,
        ctx.sentiment,
        transcript.medium,
    )
