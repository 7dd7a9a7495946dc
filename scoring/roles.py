"""Decide which of two voices in a mono call is the agent.

First rule: the voice that opens like an agent (greets and names the company or itself, offers
help) is the agent. Failing that, the conversational role shows in the words: an agent asks for
details and talks about "you/your", a customer about "I/my/me" and what they need. When the words
do not tell, the first speaker is the agent.
"""

from __future__ import annotations

import re

from .transcript import AGENT, CUSTOMER, Utterance

OPENING_CUES = (
    r"thank(s| you) for calling",
    r"welcome to",
    r"calling from",
    r"you('re| are) (through|speaking) to",
    r"how (can|may) i (help|assist)",
    r"what can i do for you",
    r"this call (is|may be) (being )?recorded",
)
AGENT_CUES = OPENING_CUES + (
    r"(can|could|may) i (have|get|take) your",
    r"(can|could) you (please )?(confirm|provide|verify|spell|give me)",
    r"is there anything else",
    r"anything else i can",
    r"let me (check|see|look)",
    r"i can help",
    r"sorry to hear",
    r"i understand",
    r"(can|may) i help you",
    r"how are you( feeling| doing)?",
    r"have a (great|good|nice) day",
    r"bear with me",
    r"one moment",
    r"for security",
    r"for verification",
    r"tell me your",
    r"(what|what's|what is) your (full )?(name|account|date|address|postcode|zip|phone|number|email|pin)",
    r"your (current |account |available )?balance is",
    r"what happened",
    r"tell me (more|about|what)",
    r"how (does|did) (that|it) (make you )?feel",
    r"how do you feel",
    r"(don't|do not) worry",
    r"(it|everything|things) (will|is going to) (be|get) (okay|ok|fine|alright|better)",
    r"(i|we) (will|'ll) (contact|call|email|text|get back to) you",
    r"i (can't|cannot|can not) (verify|authenticate|find your)",
    r"your (report|request|complaint|claim|order|payment|card|refund) (has been|was|is being)",
)
CUSTOMER_CUES = (
    r"i (want|need|would like|'d like) to",
    r"i('m| am) calling (about|because|to)",
    r"i have a (problem|question|complaint)",
    r"i (was|got|have been) charged",
    r"can you help me",
    r"can you tell me\?",
    r"i don('t| not) know",
    r"i (can't|cannot|can not) (remember|recall|log|access|get into|afford|sleep|cope|stop|seem to|find my)",
    r"i feel",
    r"i('m| am) (so |really |very |just )?"
    r"(sad|stressed|worried|anxious|depressed|lonely|upset|frustrated|angry|struggling|scared|tired)",
    r"i miss",
    r"what (should|can|do) i do",
    r"what do you think i should",
    r"any (advice|suggestions?)",
    r"(can|could) you (give me|help)",
    r"\bmy (account|balance|card|bill|order|payment|money)\b",
)
FIRST_PERSON = re.compile(r"\b(i|i'm|i've|i'd|i'll|me|my|mine|myself)\b")
SECOND_PERSON = re.compile(r"\b(you|your|you're|you've|yours|yourself)\b")
DECISIVE = 0.1  # score difference (per utterance) below which the words do not tell


def _count(patterns: tuple[str, ...], text: str) -> int:
    return sum(len(re.findall(p, text)) for p in patterns)


def agent_score(texts: list[str]) -> float:
    """How agent-like a voice's utterances read: positive for agent, negative for customer."""
    if not texts:
        return 0.0
    text = " ".join(t.lower() for t in texts)
    words = max(len(text.split()), 1)
    pronoun_lean = (len(SECOND_PERSON.findall(text)) - len(FIRST_PERSON.findall(text))) / words * 10
    cues = _count(AGENT_CUES, text) - _count(CUSTOMER_CUES, text)
    return (cues + pronoun_lean) / len(texts) * 2


def opens_like_agent(texts: list[str]) -> bool:
    """True if any of a voice's first utterances greets, names itself or offers help."""
    opening = " ".join(t.lower() for t in texts[:3])
    return _count(OPENING_CUES, opening) > 0


def pick_agent(texts_by_voice: dict[int, list[str]], first_voice: int) -> int:
    """The voice label (of two) that is the agent, from each voice's utterance texts in order."""
    voices = list(texts_by_voice)
    if len(voices) < 2:
        return voices[0] if voices else first_voice
    openers = [v for v in voices if opens_like_agent(texts_by_voice[v])]
    if len(openers) == 1:
        return openers[0]
    scores = {v: agent_score(texts_by_voice[v]) for v in voices}
    best, other = sorted(voices, key=scores.__getitem__, reverse=True)[:2]
    if scores[best] - scores[other] >= DECISIVE:
        return best
    return first_voice


def assign_roles(voices: list[list[Utterance]]) -> None:
    """Name the speaker of every utterance of a mono call's voices (one or two): agent or customer."""
    texts = {v: [u.text for u in said] for v, said in enumerate(voices) if said}
    first = min(texts, key=lambda v: voices[v][0].start) if texts else 0
    agent = pick_agent(texts, first_voice=first)
    for voice, said in enumerate(voices):
        for utterance in said:
            utterance.speaker = AGENT if voice == agent else CUSTOMER
