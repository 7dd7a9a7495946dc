"""Compliance detectors: identity verification before account details, prohibited language, PCI."""

from __future__ import annotations

import re
from typing import Any

from ..phrases import phrase_set
from ..redact import CARD, CVV, contains_redaction
from ..transcript import AGENT
from .base import FAIL, NA, PASS, CallContext, Param, Verdict, absent_confidence, detector, found_confidence


@detector(
    "identity_verification",
    request_phrases=Param(list, required=True),
    disclosure_phrases=Param(list, required=True),
)
def identity_verification(ctx: CallContext, params: dict[str, Any]) -> Verdict:
    """Pass when the agent asks for identifying details before giving any account detail."""
    agent = ctx.turns(AGENT)
    requests = ctx.find(phrase_set(params["request_phrases"]), agent)
    disclosures = ctx.find(phrase_set(params["disclosure_phrases"]), agent)
    first_request = ctx.utterances[requests[0][0]] if requests else None
    first_disclosure = ctx.utterances[disclosures[0][0]] if disclosures else None
    if first_request is None:
        if first_disclosure is None:
            return Verdict(
                NA,
                1.0,
                absent_confidence(ctx, agent),
                "Not needed: no identifying details were asked for and no account details were given.",
            )
        return Verdict(
            FAIL,
            0.0,
            found_confidence(ctx, disclosures),
            f"Account details were given ({ctx.quote(first_disclosure)}) without asking for any "
            "identifying detail (account number, PIN, date of birth, security answer …).",
            [first_disclosure],
        )
    if first_disclosure is not None and first_disclosure.start < first_request.start:
        return Verdict(
            FAIL,
            0.0,
            found_confidence(ctx, disclosures),
            f"Account details were given at {ctx.at(first_disclosure.start)}, before identity was "
            f"checked at {ctx.at(first_request.start)}.",
            [first_disclosure, first_request],
        )
    return Verdict(
        PASS,
        1.0,
        found_confidence(ctx, requests),
        f"Identity checked before any account detail: {ctx.quote(first_request)}.",
        [ctx.utterances[i] for i, _ in requests[:3]],
    )


@detector(
    "prohibited_language",
    phrases=Param(list, required=True),
    words=Param(list, []),
)
def prohibited_language(ctx: CallContext, params: dict[str, Any]) -> Verdict:
    """Fail when the agent swears, blames, is rude or makes a false promise."""
    agent = ctx.turns(AGENT)
    hits = ctx.find(phrase_set(params["phrases"]), agent)
    words = (
        re.compile(r"\b(" + "|".join(re.escape(w.lower()) for w in params["words"]) + r")\b")
        if params["words"]
        else None
    )
    hits_i = {i for i, _ in hits}
    hits_i |= {i for i in agent if words is not None and words.search(ctx.normalised[i])}
    if not hits_i:
        return Verdict(PASS, 1.0, absent_confidence(ctx, agent), "No profanity, blame, rudeness or false promises.")
    found = [ctx.utterances[i] for i in sorted(hits_i)]
    return Verdict(
        FAIL,
        0.0,
        0.9 if not hits else found_confidence(ctx, hits),
        f"Prohibited language: {ctx.quote(found[0])}" + (f" and {len(found) - 1} more." if len(found) > 1 else "."),
        found[:3],
    )


@detector("pci_safe", request_phrases=Param(list, required=True))
def pci_safe(ctx: CallContext, params: dict[str, Any]) -> Verdict:
    """Fail when the agent reads back a card number or security code, or asks for the full number again."""
    agent = ctx.turns(AGENT)
    read_back = [i for i in agent if contains_redaction(ctx.utterances[i].text, (CARD, CVV))]
    asked = ctx.find(phrase_set(params["request_phrases"]), agent)
    if read_back:
        u = ctx.utterances[read_back[0]]
        return Verdict(
            FAIL,
            0.0,
            0.9,
            f"The agent said a card number or security code aloud at {ctx.at(u.start)} (redacted in the transcript).",
            [ctx.utterances[i] for i in read_back[:3]],
        )
    if asked:
        u = ctx.utterances[asked[0][0]]
        return Verdict(
            FAIL,
            0.0,
            found_confidence(ctx, asked),
            f"The agent asked for the full card number to be repeated: {ctx.quote(u)}.",
            [u],
        )
    return Verdict(PASS, 1.0, absent_confidence(ctx, agent), "No card number was read back or asked for again.")
