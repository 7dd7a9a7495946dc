"""Empathy detectors that need more than a phrase list: active listening and using the customer's name."""

from __future__ import annotations

import re
from typing import Any

from rapidfuzz import fuzz

from ..phrases import phrase_set
from ..text import content_words, normalise
from ..transcript import AGENT, CUSTOMER
from .base import FAIL, NA, PASS, CallContext, Param, Verdict, absent_confidence, detector, quote


def _reflections(ctx: CallContext, overlap_words: int) -> list[int]:
    """Agent turns that pick up what the customer has said so far (shared content words)."""
    found = []
    customer_said: set[str] = set()
    for i, u in enumerate(ctx.utterances):
        if u.speaker == CUSTOMER:
            customer_said |= content_words(u.text)
        elif len(content_words(u.text) & customer_said) >= overlap_words:
            found.append(i)
    return found


@detector(
    "active_listening",
    phrases=Param(list, required=True),
    overlap_words=Param(int, 2, low=0, high=20),
    full_credit_share=Param(float, 0.5, low=0, high=1),
)
def active_listening(ctx: CallContext, params: dict[str, Any]) -> Verdict:
    """Pass when the agent restates, confirms or picks up what the customer said.

    Graded by the share of the agent's turns that do: full credit from `full_credit_share` of them.
    """
    agent = ctx.turns(AGENT)
    said = {i for i, _ in ctx.find(phrase_set(params["phrases"]), agent)}
    picked_up = set(_reflections(ctx, params["overlap_words"])) if params["overlap_words"] else set()
    hits = sorted(said | picked_up)
    if not hits:
        return Verdict(FAIL, 0.0, absent_confidence(ctx, agent),
                       "The agent never restated or confirmed what the customer said.", [])
    first = ctx.utterances[hits[0]]
    credit = min(1.0, len(hits) / max(1.0, params["full_credit_share"] * len(agent)))
    return Verdict(PASS, credit, round(0.6 + 0.3 * credit, 3),
                   f"Restated or confirmed the customer's words {len(hits)} time{'s' * (len(hits) > 1)}, "
                   f"first {quote(first)}.", [ctx.utterances[i] for i in hits[:3]])


_NOT_NAMES = frozenset(
    "yes yeah yep no sure okay ok hi hello hey um uh well so and the my it its this that just i im "
    "calling here speaking sorry thanks thank please mr mrs ms miss dr good fine great not really very".split()
)


def _name_after(cue: str, text: str) -> str | None:
    """The word after a naming cue, if it looks like a name (capitalised in the transcript)."""
    match = re.search(rf"\b{cue}\s+([A-Z][a-z]+)", text)
    if match and match.group(1).lower() not in _NOT_NAMES:
        return match.group(1).lower()
    return None


def customer_name(ctx: CallContext, params: dict[str, Any]) -> tuple[str, int] | None:
    """The customer's first name and the utterance that gave it, from what was said."""
    agent = ctx.turns(AGENT)
    asks = dict(zip(agent, phrase_set(params["ask_phrases"]).match_all([ctx.normalised[i] for i in agent])))
    asked = False
    for i, u in enumerate(ctx.utterances):
        if u.speaker == AGENT:
            asked = asks[i] is not None
            continue
        for cue in params["name_cues"]:
            name = _name_after(re.escape(cue), u.text)
            if name:
                return name, i
        if asked:
            first = re.match(r"\W*([A-Z][a-z]+)", u.text)
            if first and first.group(1).lower() not in _NOT_NAMES:
                return first.group(1).lower(), i
            asked = False
    return None


@detector(
    "customer_name",
    ask_phrases=Param(list, required=True),
    name_cues=Param(list, required=True),
)
def customer_name_used(ctx: CallContext, params: dict[str, Any]) -> Verdict:
    """Pass when the agent uses the customer's name once it is known; n/a when it never is."""
    known = (ctx.customer_name.split()[0].lower(), -1) if ctx.customer_name else customer_name(ctx, params)
    if known is None:
        return Verdict(NA, 1.0, 0.6, "Not applicable: the customer's name never came up.")
    name, given_at = known
    later = [i for i in ctx.turns(AGENT) if i > given_at]
    for i in later:
        words = normalise(ctx.utterances[i].text).split()
        if any(w == name or (len(name) >= 4 and fuzz.ratio(w, name) >= 80) for w in words):
            return Verdict(PASS, 1.0, 0.85, f"Used the customer's name ({name.title()}): {quote(ctx.utterances[i])}.",
                           [ctx.utterances[i]])
    evidence = [ctx.utterances[given_at]] if given_at >= 0 else []
    return Verdict(FAIL, 0.0, absent_confidence(ctx, later),
                   f"The customer's name ({name.title()}) was known but the agent never used it.", evidence)
