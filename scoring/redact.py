"""Redact payment card numbers, card security codes and social security numbers from transcripts.

Works on recognised words, whether Whisper wrote digits ("4111 1111 ...") or words ("four one one
one ..."), so redacted text never reaches the database, the JSON output or an export. A run of
13-19 digits is a card number (12 when a card was just mentioned, as recognisers drop a digit); 9 digits after "social security"/"SSN" (or written 3-2-4) is an SSN;
3-4 digits shortly after "CVV"/"security code" is a security code.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .transcript import Utterance, Word

CARD, CVV, SSN = "[card number]", "[security code]", "[ssn]"
PLACEHOLDERS = (CARD, CVV, SSN)

_SPOKEN_DIGITS = {"zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4",
                  "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9"}
_CVV_CUES = re.compile(r"\b(cvv|cvc|cv2|security code|(three|3|four|4|free) digits?|back of (the|your) card|on the back)\b")
_CARD_CUES = re.compile(r"\b(card|visa|mastercard|amex)\b")
_SEPARATORS = "-'\"\u2019\u201d./"
_NUMBER_TOKEN = re.compile(r"[\d" + re.escape(_SEPARATORS) + r"]+")
_SSN_CUES = re.compile(r"\b(social security|ssn|social)\b")
_SSN_LAYOUT = re.compile(r"^\d{3}-\d{2}-\d{4}$")


def _digits(token: str) -> str | None:
    """The digits a token stands for ('4111-11' -> '411111', 'four' -> '4'), or None."""
    bare = token.strip().strip(".,;:!?").lower()
    if bare in _SPOKEN_DIGITS:
        return _SPOKEN_DIGITS[bare]
    # Whisper sometimes writes spoken digit pairs as heights (4'5") or with dots and slashes.
    if _NUMBER_TOKEN.fullmatch(bare) and any(c.isdigit() for c in bare):
        return "".join(c for c in bare if c.isdigit())
    return None


def _spans(tokens: list[str], context: str = "") -> list[tuple[int, int, str]]:
    """(first, last exclusive, placeholder) for every run of tokens to redact.

    context is what was said just before the tokens (the previous utterances), where the cue for a
    security code or a card ("the three digits on the back?") often is.
    """
    spans = []
    i = 0
    while i < len(tokens):
        if _digits(tokens[i]) is None:
            i += 1
            continue
        j = i
        digits = ""
        while j < len(tokens) and (d := _digits(tokens[j])) is not None:
            digits += d
            j += 1
        before = (context + " " + " ".join(tokens[max(0, i - 8):i])).lower()
        run = "".join(tokens[i:j]).strip()
        card_minimum = 12 if _CARD_CUES.search(before) else 13
        if card_minimum <= len(digits) <= 19:
            spans.append((i, j, CARD))
        elif len(digits) == 9 and (_SSN_CUES.search(before) or _SSN_LAYOUT.match(run)):
            spans.append((i, j, SSN))
        elif 3 <= len(digits) <= 4 and _CVV_CUES.search(before):
            spans.append((i, j, CVV))
        i = j
    return spans


def redact_text(text: str, context: str = "") -> str:
    """The text with card numbers, security codes and SSNs replaced by placeholders."""
    tokens = re.findall(r"\s*\S+", text)
    for first, last, placeholder in reversed(_spans(tokens, context)):
        lead = " " if first > 0 else ""
        tokens[first:last] = [lead + placeholder + _trailing_punctuation(tokens[last - 1])]
    return "".join(tokens).strip()


def _trailing_punctuation(token: str) -> str:
    return token[len(token.rstrip(".,;:!?")):]


def redact_utterance(utterance: Utterance, context: str = "") -> Utterance:
    """The utterance with sensitive numbers replaced in its words and its text.

    context is the text said just before it, which may hold the cue for a code or a card.
    """
    if not utterance.words:
        return replace(utterance, text=redact_text(utterance.text, context))
    words = list(utterance.words)
    spans = _spans([w.word for w in words], context)
    if not spans:
        return utterance
    for first, last, placeholder in reversed(spans):
        run = words[first:last]
        text = " " + placeholder + _trailing_punctuation(run[-1].word)
        words[first:last] = [Word(run[0].start, run[-1].end, text, min(w.p for w in run))]
    return Utterance.from_words(utterance.speaker, words)


def redact_utterances(utterances: list[Utterance]) -> list[Utterance]:
    """Every utterance redacted, each with the two before it as context for cues."""
    return [redact_utterance(u, " ".join(p.text for p in utterances[max(0, i - 2):i]))
            for i, u in enumerate(utterances)]


def contains_redaction(text: str, placeholders: tuple[str, ...] = PLACEHOLDERS) -> bool:
    """Whether the text holds one of the placeholders (what was redacted was said there)."""
    return any(p in text for p in placeholders)
