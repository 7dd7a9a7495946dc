"""Empathy detectors that need more than a phrase list: acknowledgement and active listening, graded by how much
of the call shows them, how fully the agent answers, and using the customer's name."""

from __future__ import annotations

import re
from typing import Any

from rapidfuzz import fuzz

from .. import empathic_moves as moves
from ..phrases import PhraseSet, phrase_set
from ..text import content_words, normalise
from ..transcript import AGENT, CUSTOMER, Utterance
from .base import (
    FAIL,
    NA,
    PASS,
    CallContext,
    Param,
    Verdict,
    absent_confidence,
    detector,
    found_confidence,
)
from .phrase import absence_evidence

SIMILAR_WORD = 80  # rapidfuzz ratio from which two content words count as the same word misheard


def diminishing(amount: float, half: float) -> float:
    """Credit 0..1 that keeps growing with `amount` at a falling rate: 0.5 at `half`, 0.8 at four times it.
    (A hard cap stops telling agents apart once they reach it: on rated support conversations, counting on
    ranked warm and cold supporters better than full credit from four.)"""
    return amount / (amount + half) if amount > 0 else 0.0


def plain(ctx: CallContext, i: int, advice: PhraseSet) -> bool:
    """True when an agent turn neither asks, advises nor tells the agent's own story: then an acknowledgement
    in it is what the turn does, not a preamble to something else, and a reviewer hears empathy when they
    play it."""
    return moves.plain(ctx.utterances[i].text) and not (advice and advice.match(ctx.normalised[i], normalised=True))


def shown(ctx: CallContext, hits: list[int], advice: PhraseSet) -> list[Utterance]:
    """The evidence of a graded empathy criterion: the turns that earned credit and do nothing else, or the
    first one that earned it when none is that plain."""
    clear = [i for i in hits if ctx.moves(i) or plain(ctx, i, advice)]
    return [ctx.utterances[i] for i in clear or hits[:1]]


def moved(ctx: CallContext, turns: list[int], kinds: set[str]) -> list[int]:
    """The turns that make one of these kinds of empathic move."""
    return [i for i in turns if any(m.kind in kinds for m in ctx.moves(i))]


_WHOLE_CALL = {"first_turns": 0, "last_turns": 0, "within_first_s": 0.0, "within_last_s": 0.0}
# what a graded empathy criterion looks for, and the advice that makes a turn that says it not plain
_GRADED: dict[str, Any] = {"phrases": Param(list, required=True), "advice_phrases": Param(list, [])}


@detector(
    "acknowledgement",
    **_GRADED,
    half_credit=Param(float, 4.0, low=0.1, high=100),
    half_credit_share=Param(float, 1.0, low=0.01, high=1),
)
def acknowledgement(ctx: CallContext, params: dict[str, Any]) -> Verdict:
    """Pass when the agent acknowledges the customer's feelings or situation in a statement ("that sounds
    hard"; "why are you upset?" asks instead). Graded with diminishing returns by how many of the agent's
    turns do: half credit at `half_credit` turns, or at `half_credit_share` of the agent's turns in a short call."""
    agent = ctx.turns(AGENT)
    said = [i for i, _ in ctx.find(phrase_set(params["phrases"]), agent, statements_only=True)]
    hits = sorted({*said, *moved(ctx, agent, {moves.REFLECTION, moves.REASSURANCE})})
    if not hits:
        evidence, note = absence_evidence(ctx, agent, _WHOLE_CALL)
        return Verdict(
            FAIL,
            0.0,
            absent_confidence(ctx, agent),
            f"The agent never acknowledged the customer's feelings or situation.{note}",
            evidence,
        )
    evidence = shown(ctx, hits, phrase_set(params["advice_phrases"]))
    turns = f"{len(hits)} turn{'s' * (len(hits) > 1)}"
    half = max(1.0, min(params["half_credit"], params["half_credit_share"] * len(agent)))
    return Verdict(
        PASS,
        round(diminishing(len(hits), half), 3),
        found_confidence(ctx, ctx.find(phrase_set(params["phrases"]), said[:1], statements_only=True)) if said else 0.8,
        f"Acknowledged the customer's feelings or situation in {turns}, first {ctx.quote(ctx.utterances[hits[0]])}.",
        evidence,
    )


def _similar(word: str, said: set[str]) -> bool:
    """True when a content word was said, or a word close to it (a misheard "broadbound" for "broadband")."""
    return word in said or (
        len(word) >= 5 and any(w[:2] == word[:2] and fuzz.ratio(w, word) >= SIMILAR_WORD for w in said if len(w) >= 5)
    )


def _reflections(ctx: CallContext, overlap_words: int, recent_turns: int) -> list[int]:
    """Agent turns that pick up what the customer said (at least `overlap_words` content words of the
    customer's last `recent_turns` turns, or of all they said so far when 0): a restatement or paraphrase."""
    found = []
    said: list[set[str]] = []
    for i, u in enumerate(ctx.utterances):
        if u.speaker == CUSTOMER:
            said = [*said, content_words(u.text)][-recent_turns if recent_turns else 0 :]
        elif u.speaker == AGENT and said:
            just_said = set().union(*said)
            if sum(_similar(w, just_said) for w in content_words(u.text)) >= overlap_words:
                found.append(i)
    return found


@detector(
    "active_listening",
    **_GRADED,
    overlap_words=Param(int, 2, low=0, high=20),
    recent_turns=Param(int, 2, low=0, high=100),
    half_credit_share=Param(float, 0.3, low=0.01, high=1),
)
def active_listening(ctx: CallContext, params: dict[str, Any]) -> Verdict:
    """Pass when the agent restates, confirms or picks up what the customer just said.

    Graded with diminishing returns by the share of the agent's turns that do: half credit at
    `half_credit_share`. Evidence: the turns that say so in a listening phrase ("so you ...", "it sounds like")."""
    agent = ctx.turns(AGENT)
    said = [i for i, _ in ctx.find(phrase_set(params["phrases"]), agent)]
    picked_up = _reflections(ctx, params["overlap_words"], params["recent_turns"]) if params["overlap_words"] else []
    restated = moved(ctx, agent, {moves.RESTATEMENT})
    hits = sorted({*said, *picked_up, *restated})
    if not hits:
        return Verdict(
            FAIL,
            0.0,
            absent_confidence(ctx, agent),
            "The agent never restated or confirmed what the customer said.",
            [],
        )
    share = len(hits) / len(agent)
    return Verdict(
        PASS,
        round(diminishing(share, params["half_credit_share"]), 3),
        round(0.6 + 0.3 * min(1.0, share / 0.5), 3),
        f"Restated or confirmed the customer's words in {len(hits)} of {len(agent)} turns, "
        f"first {ctx.quote(ctx.utterances[hits[0]])}.",
        shown(ctx, sorted({*said, *restated}) or hits, phrase_set(params["advice_phrases"])),
    )


def replies(ctx: CallContext) -> tuple[list[list[int]], int]:
    """The agent's replies (runs of agent utterances after the customer's first turn, each a list of indices) and
    how many turns the customer took. An utterance said inside one of the other speaker's (a "mhm" while the other
    speaks) is a backchannel, neither a turn nor a reply, so a turn it cuts in two stays one."""
    found: list[list[int]] = []
    turns, in_reply = 0, False
    until = {AGENT: float("-inf"), CUSTOMER: float("-inf")}  # where each speaker's speech so far ends
    for i, u in enumerate(ctx.utterances):
        if u.speaker not in until or not u.text.strip():
            continue
        backchannel = u.end <= until[AGENT if u.speaker == CUSTOMER else CUSTOMER]
        until[u.speaker] = max(until[u.speaker], u.end)
        if backchannel:
            continue
        if u.speaker == AGENT and turns:
            if not in_reply:
                found.append([])
            found[-1].append(i)
            in_reply = True
        elif u.speaker == CUSTOMER:
            if in_reply or not turns:  # a new turn, not more of the same one
                turns += 1
            in_reply = False
    return found, turns


@detector(
    "engagement",
    half_words=Param(float, 12.0, low=1, high=200),
    min_words=Param(float, 5.0, low=0, high=200),
)
def engagement(ctx: CallContext, params: dict[str, Any]) -> Verdict:
    """How fully the agent answers: the words the agent says per turn of the customer's, graded with diminishing
    returns (half credit at `half_words`); fail below `min_words` (one-word answers, a customer left unanswered).
    Counted in words, so misheard words barely move it. Evidence: the agent's fullest replies, which raised it,
    and the curtest, which lowered it."""
    found, turns = replies(ctx)
    if not turns:
        return Verdict(NA, 1.0, 0.7, "Not applicable: the customer never spoke.")
    size = {tuple(r): len(" ".join(ctx.utterances[i].text for i in r).split()) for r in found}
    per_turn = sum(size.values()) / turns
    ranked = sorted(size, key=lambda r: (-size[r], r))
    fullest, curtest = ranked[:2], ranked[2:][-2:]
    evidence = [ctx.utterances[i] for r in sorted({*fullest, *curtest}) for i in r]
    sample = []
    if fullest:
        sample.append(f"fullest reply {ctx.quote(ctx.utterances[fullest[0][0]])}")
    if curtest:
        sample.append(f"curtest {ctx.quote(ctx.utterances[curtest[-1][0]])}")
    reason = f"The agent said {per_turn:.0f} words per customer turn ({len(found)} replies to {turns} turns)" + (
        f": {'; '.join(sample)}." if sample else "."
    )
    enough = per_turn >= params["min_words"]
    return Verdict(
        PASS if enough else FAIL,
        round(diminishing(per_turn, params["half_words"]), 3),
        round(0.6 + 0.3 * min(1.0, turns / 10), 3),
        reason if enough else f"{reason} That is below {params['min_words']:g}: curt or missing answers.",
        evidence,
    )


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
            return Verdict(
                PASS,
                1.0,
                0.85,
                f"Used the customer's name ({name.title()}): {ctx.quote(ctx.utterances[i])}.",
                [ctx.utterances[i]],
            )
    evidence = [ctx.utterances[given_at]] if given_at >= 0 else []
    return Verdict(
        FAIL,
        0.0,
        absent_confidence(ctx, later),
        f"The customer's name ({name.title()}) was known but the agent never used it.",
        evidence,
    )
