"""The general phrase detector: did the speaker say one of these things, where it counts?

Covers most criteria: greeting and introduction (in the opening), disclosures, apologies (only
when the customer reported a problem), empathy statements (graded by how often), and closings.
"""

from __future__ import annotations

from typing import Any

from ..empathic_moves import plain
from ..phrases import phrase_set
from ..transcript import CUSTOMER, Utterance
from .base import FAIL, NA, PASS, CallContext, Param, Verdict, absent_confidence, detector, found_confidence


def window(ctx: CallContext, params: dict[str, Any]) -> list[int]:
    """Indices of the speaker's utterances inside the criterion's window."""
    turns = ctx.turns(params["speaker"])
    if params["first_turns"]:
        turns = turns[: params["first_turns"]]
    if params["last_turns"]:
        turns = turns[-params["last_turns"] :]
    if params["within_first_s"]:
        turns = [i for i in turns if ctx.utterances[i].start <= params["within_first_s"]]
    if params["within_last_s"]:
        cut = ctx.duration_s - params["within_last_s"]
        turns = [i for i in turns if ctx.utterances[i].end >= cut]
    return turns


def triggers(ctx: CallContext, params: dict[str, Any]) -> list[int]:
    """Customer utterances that make the criterion apply (problem phrases or negative sentiment)."""
    phrases = phrase_set(params["trigger_phrases"])
    customer = ctx.turns(CUSTOMER)
    said = phrases.match_all([ctx.normalised[i] for i in customer]) if phrases else [None] * len(customer)
    return [
        i
        for i, match in zip(customer, said)
        if match is not None or ctx.polarity(i) <= params["trigger_sentiment_below"]
    ]


def absence_evidence(ctx: CallContext, searched: list[int], params: dict[str, Any]) -> tuple[list[Utterance], str]:
    """What a QA lead should listen to, to confirm that something was not said, and a line saying what it is:
    the window's first utterances for a check of the opening, its last ones for a check of the end, and for a
    whole-call check the moment the customer raised their concern (their most negative utterance, else their
    first), the agent's answer to it and the agent's last words."""
    if params["first_turns"] or params["within_first_s"]:
        return [ctx.utterances[i] for i in searched[:3]], ""
    customer = ctx.turns(CUSTOMER)
    if params["last_turns"] or params["within_last_s"] or not searched or not customer:
        return [ctx.utterances[i] for i in searched[-3:]], ""
    mood = {i: ctx.polarity(i) for i in customer}
    concern = min(customer, key=mood.__getitem__)
    if mood[concern] >= 0:
        concern = customer[0]
    answer = [i for i in searched if i > concern][:1]
    picked = sorted({concern, *answer, searched[-1]})
    return [ctx.utterances[i] for i in picked], " Evidence: the customer's concern, the agent's answer and last words."


def _turns_bound_untimed(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    """In a text conversation without times (its times only estimated from message length) a window given in
    turns as well as seconds is the turns alone: the greeting in the agent's first 2 messages is in the opening,
    however long the customer's first message was."""
    if ctx.timeline.timed:
        return params
    bound = {"within_first_s": params["first_turns"], "within_last_s": params["last_turns"]}
    return {**params, **{key: 0.0 for key, turns in bound.items() if turns}}


def _where(params: dict[str, Any]) -> str:
    parts = []
    if params["first_turns"]:
        parts.append(f"the agent's first {params['first_turns']} turn{'s' * (params['first_turns'] > 1)}")
    if params["last_turns"]:
        parts.append(f"the agent's last {params['last_turns']} turns")
    if params["within_first_s"]:
        parts.append(f"the first {params['within_first_s']:g} s")
    if params["within_last_s"]:
        parts.append(f"the last {params['within_last_s']:g} s")
    return " within " + " and ".join(parts) if parts else " in the call"


@detector(
    "phrase",
    phrases=Param(list, required=True),
    what=Param(str, "the expected phrase"),
    speaker=Param(str, "agent", choices=("agent", "customer")),
    first_turns=Param(int, 0, low=0),
    last_turns=Param(int, 0, low=0),
    within_first_s=Param(float, 0.0, low=0),
    within_last_s=Param(float, 0.0, low=0),
    trigger_phrases=Param(list, []),
    trigger_sentiment_below=Param(float, -2.0, low=-2, high=1),
    full_credit=Param(int, 1, low=1),
    statements_only=Param(bool, False),
    plain_evidence=Param(bool, False),
)
def phrase_detector(ctx: CallContext, params: dict[str, Any]) -> Verdict:
    """Pass when the speaker says one of the phrases in the window (after a trigger, if any). With
    `plain_evidence`, the evidence is the turns that say it and do nothing else (an apology, not an apology
    that opens a question or advice), or the first that says it when none is that plain."""
    params = _turns_bound_untimed(ctx, params)
    searched = window(ctx, params)
    triggered = params["trigger_phrases"] or params["trigger_sentiment_below"] > -1
    if triggered:
        causes = triggers(ctx, params)
        if not causes:
            return Verdict(NA, 1.0, 0.7, "Not needed: the customer reported no problem and was not upset.")
        first_cause = ctx.utterances[causes[0]]
        searched = [i for i in searched if ctx.utterances[i].end >= first_cause.start]
    hits = ctx.find(phrase_set(params["phrases"]), searched, statements_only=params["statements_only"])
    where = _where(params)
    if not hits:
        if triggered:
            after = [ctx.utterances[i] for i in searched if ctx.utterances[i].start > first_cause.start]
            evidence = [first_cause, *after[:2]]
            reason = f"The customer raised a problem at {ctx.at(first_cause.start)} but no {params['what']} followed."
        else:
            evidence, shown = absence_evidence(ctx, searched, params)
            reason = f"No {params['what']} found{where}.{shown}"
        return Verdict(FAIL, 0.0, absent_confidence(ctx, searched), reason, evidence)
    times = (
        ctx.sentence_count(
            phrase_set(params["phrases"]), [i for i, _ in hits], statements_only=params["statements_only"]
        )
        if params["full_credit"] > 1
        else 1
    )
    credit = min(1.0, max(1, times) / params["full_credit"])
    first = ctx.utterances[hits[0][0]]
    count = f" ({times} times)" if times > 1 else ""
    reason = f"{params['what'].capitalize()}{count}: {ctx.quote(first)}."
    earned = [i for i, _ in hits]
    if params["plain_evidence"]:
        earned = [i for i in earned if plain(ctx.utterances[i].text)] or earned[:1]
    if params["full_credit"] == 1:  # a graded criterion shows every turn that earned credit
        earned = earned[:3]
    return Verdict(PASS, credit, found_confidence(ctx, hits), reason, [ctx.utterances[i] for i in earned])
