"""Which of an agent's turns are empathic moves, read from the shape of their sentences rather than a phrase list:
a reflection (a feeling or a hard situation put back to the customer: "that sounds exhausting", "you seem
worried"), a restatement (the customer's own words given back: "so your manager never answered?") or a
reassurance (affirming the customer or what they do: "you are doing the right thing", "it is okay to feel
that way").

A turn counts only when the empathic sentence is what the turn does: a turn that also gives advice, tells the
agent's own story, asks something new or says goodbye is advice, a story, a question or a closing, whatever it
opens with.
That is how a QA lead reads a turn, so the evidence shown for empathy is the turn a reviewer would agree with.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .text import content_words, normalise, sentences

REFLECTION, RESTATEMENT, REASSURANCE = "reflection", "restatement", "reassurance"

# how people name a feeling or a hard situation (general English, not a corpus's wording)
_FEELING = (
    r"(?:hard|difficult|tough|rough|challenging|frustrating|frustrated|stressful|stressed|overwhelming|"
    r"overwhelmed|anxious|worried|worrying|scared|scary|afraid|frightening|terrifying|upset|upsetting|sad|"
    r"lonely|isolated|alone|painful|hurt|hurtful|heartbreaking|heartbroken|devastating|devastated|"
    r"disappointing|disappointed|angry|annoyed|annoying|confusing|confused|exhausting|exhausted|draining|"
    r"drained|tired|unfair|awful|terrible|horrible|depressing|depressed|hopeless|helpless|nervous|stuck|lost|"
    r"discouraging|discouraged|concerning|concerned|troubling|unsettling|uncertain|insecure|vulnerable|"
    r"betrayed|rejected|embarrassing|embarrassed|ashamed|guilty|heavy|a lot|a struggle|struggling|"
    r"a challenge|a burden|a shock|shocking|unbearable|tricky|complicated|worn out|burnt out|burned out|down|low|blue|"
    r"bad)"
)
_DEGREE = (
    r"(?:(?:so|really|very|quite|pretty|extremely|incredibly|truly|such|a bit|a little|kind of|rather|completely|"
    r"totally|absolutely|utterly|definitely|certainly|understandably|emotionally|mentally|physically) )*"
)
_THAT = r"(?:it|that|this|which|all of that|all this|all that|everything)"
_YOU = r"(?:you|your|yourself)"

_REFLECTION = re.compile(
    "|".join(
        (
            rf"\b{_THAT} (?:really |truly |certainly |definitely |must )?(?:sounds|seems|must be|"
            rf"must have been|must feel|can be|can feel|could be|would be|is|was|"
            rf"feels|looks|has been|is being) (?:like )?(?:a |an )?{_DEGREE}{_FEELING}\b",
            rf"\byou (?:sound|seem|must be|must feel|must have been|might be|may be|are|were|feel|felt|have been|"
            rf"are feeling|were feeling|have been feeling|are going through|went through|are dealing with) "
            rf"(?:like )?(?:a |an )?{_DEGREE}{_FEELING}\b",
            r"\b(?:sounds|seems|looks|feels) as (?:though|if)\b|\b(?:sounds|seems|looks|feels) like (?:you|your|"
            r"it has been|it was|it is|that was|that is|that has|"
            r"this is|this has|things)\b",
            r"^(?:and |but |so |well |okay |oh |wow )*(?:it|that|this) (?:sounds|seems) (?:like|that|as though)?\b",
            r"\bi (?:can|could) (?:only )?(?:tell|see|sense|hear|imagine|understand|feel) (?:how|why|that|what|your|"
            r"you|it)\b",
            r"\bi (?:understand|know|get|realise|realize|see) (?:how|why|what|your|that it|that this|that you)\b",
            r"\bi (?:can |do )?(?:completely |totally |fully |really |definitely |truly |"
            r"certainly )?(?:understand|relate|"
            r"get that|get it|hear you|see that|see why)\b",
            r"\byour (?:frustration|anxiety|stress|pain|feelings?|concerns?|worry|worries|fears?|sadness|"
            r"loneliness|anger|disappointment|grief|situation|struggle)\b (?:is|are|makes|make|sounds|seems)\b",
            rf"\b(?:no wonder|of course|naturally) {_YOU}\b",
            r"\banyone (?:would|could|in your)\b",
            rf"\b(?:making|made|makes|make|leaving|left|leaves) you (?:feel )?{_DEGREE}{_FEELING}\b",
            r"\bi can not (?:even |begin to )?imagine\b",
            rf"\b(?:is|are|can be|could be|can get|gets|get|has been|have been|must be|would be|"
            rf"will be) {_DEGREE}{_FEELING}\b",
            r"\b(?:sorry to hear|sorry (?:that |for what )?you|sorry for your|i feel (?:bad|so bad|sad|"
            r"for) (?:for )?you)\b",
            r"\b(?:that|it) is (?:completely |totally |very |so )?(?:understandable|natural|normal|valid)\b",
            r"\b(?:a|an|such a|such an) (?:very |completely |totally |perfectly )?(?:valid|understandable|natural|"
            r"normal|reasonable) (?:concern|worry|fear|feeling|reaction|response)\b",
            r"\b(?:it is|it can be|it is so|it is very) (?:easy|common|normal|natural|understandable) to feel\b",
            r"\bthat (?:must|would) (?:hurt|sting|weigh)\b",
        )
    )
)
_RESTATEMENT_CUE = re.compile(
    r"\b(?:so you|so your|so it is|so it was|so he|so she|so they|you are saying|you said|you mentioned|"
    r"you told me|if i understand|if i am understanding|if i am hearing|what i am hearing|i am hearing|"
    r"in other words|is that right|is that correct|is that true|am i right|do i have that right|did i get that|"
    r"correct me if|i take it|i hear you saying|to confirm|to clarify|i (?:assume|gather|guess|"
    r"suppose) (?:that )?you)\b"
    r"|\byou\b.*\b(?:right|then|correct)$"
)
_REASSURANCE = re.compile(
    "|".join(
        (
            rf"\byou (?:are|were|have been|sound|seem) (?:a |an )?{_DEGREE}(?:doing|strong|brave|capable|smart|"
            r"intelligent|kind|caring|good|great|wonderful|amazing|resilient|courageous|thoughtful|hard working|"
            r"hardworking|talented|clearly|definitely|obviously|right|not alone|not the only|handling|worth|"
            r"allowed|able|on the right|making|taking|trying|being|growing|learning|stronger|a good|a great|"
            r"a strong|a kind|a caring|loved|valued|important|enough)\b",
            r"\byou (?:have|have got|got) this\b",
            r"\byou (?:have|did|made|handled|took) (?:done |made |shown |taken |come )?(?:a |an |the |so |really |"
            r"very )*(?:great|good|right|amazing|wonderful|brave|best|excellent|fantastic|huge|big|important|"
            r"well|everything|all you can)\b",
            r"\byou (?:will|are going to|can|could) (?:definitely |surely |certainly |totally |still |really )?"
            r"(?:get through|make it|be fine|be okay|be alright|be all right|do it|do this|do great|do well|"
            r"handle|overcome|succeed|find|pull through|figure it out|bounce back|get there|beat)\b",
            r"\bi (?:am|feel) (?:so |really |very )?(?:sure|confident|certain|proud|positive) (?:that )?(?:you|of you|"
            r"it will|things will|this will)\b",
            r"\bi (?:believe|have faith|trust) (?:in )?you\b",
            r"\bi have no doubt\b",
            r"\b(?:it is|it was) (?:so |very )?(?:obvious|clear|evident) (?:that )?you\b",
            rf"\b(?:it|that) is (?:so |really |very )?(?:great|good|wonderful|awesome|amazing|fantastic|admirable|"
            rf"brave|smart|wise|commendable|impressive|excellent) (?:that |of |to see |how )?{_YOU}\b",
            r"\bi am (?:so |very |really |truly )?(?:happy|glad|pleased|proud) (?:for you|of you|(?:to hear |"
            r"to see )?(?:that )?you)\b",
            r"\byou will (?:eventually |definitely |surely |certainly |soon |still )?(?:have|find|get|be|feel|"
            r"make|see|meet)\b",
            r"\byour (?:happiness|life|health|wellbeing|well being|feelings|needs|safety|peace of mind) (?:is|are) "
            r"(?:just as |so |very |really |most |more )?(?:important|matters?|valid|what matters)\b",
            r"\byou do not (?:have to|need to) (?:feel|be|do anything|apologi[sz]e|justify|explain)\b",
            r"\b(?:good for you|well done|good job|great job|nice job|way to go|proud of you|hang in there)\b",
            r"\bdo not (?:worry|blame yourself|beat yourself up|be (?:so |too )?hard on yourself|give up|lose hope|"
            r"feel bad|feel guilty|be ashamed|be afraid)\b",
            r"\b(?:not|never|none|no)\b.*\byour fault\b",
            r"\byou (?:deserve|should be proud|have every right|have nothing to)\b",
            r"\b(?:things|it|everything|this|that) (?:will|is going to|are going to|should|can) (?:definitely |"
            r"surely |certainly |eventually |soon )?(?:get better|improve|work out|be okay|be fine|be alright|"
            r"be all right|pass|turn around|look up|get easier)\b",
            r"\bthere is (?:nothing wrong|no shame|hope|always hope|a way|light)\b",
            r"\b(?:it is|that is|it was|that was) (?:completely |totally |perfectly |very |so |quite )?(?:okay|"
            r"alright|all right|fine|normal|natural|understandable|valid|human|reasonable|common) (?:to|that you|"
            r"if you|for you)\b",
            r"\b(?:your|those|these|the) (?:feelings|emotions|reactions?|concerns?|worries|fears?) (?:are|is) "
            r"(?:completely |totally |perfectly |very |so |quite )?(?:valid|normal|natural|understandable|"
            r"justified|reasonable|okay)\b",
            r"\b(?:it|that) (?:takes|took) (?:a lot of |real |great )?(?:courage|strength|guts)\b",
            r"\byou are not alone\b",
        )
    )
)
# a sentence that gives advice: the turn is a suggestion, however warmly it opens
_ADVICE = re.compile(
    r"^(?:please )?(?:try|make|take|go|talk|get|consider|think about|look|find|remember|keep|focus|write|call|"
    r"reach out|start|stop|avoid|ask|tell|give|set|join|spend|do not forget|let yourself|allow yourself|"
    r"just (?:try|go|talk|ask|tell|take|make|do|remember|keep|focus|let)|maybe|perhaps|how about|why not|"
    r"what if|what about)\b"
    r"|\byou (?:could|should|might|may|can|need to|have to|ought to|must) (?:try|want|consider|think|look|"
    r"talk|ask|go|find|get|start|make|take|speak|reach|call|write|see|check|use|join|set|put|keep|focus|"
    r"also|always|just|maybe|definitely|perhaps|probably|still)\b"
    r"|\bhave you (?:tried|thought|considered|looked|talked|spoken|asked)\b"
    r"|\bi (?:would|will|could|can|do)? ?(?:suggest|recommend|advise|encourage)\b|\bmy advice\b"
    r"|\b(?:it|that|this) (?:might|may|could|would|will|can) (?:help|be (?:a good|helpful|worth|useful|best|"
    r"better|nice|good))\b|\bif i were you\b|\bit (?:is|would be|might be) (?:a good idea|best|better|worth|"
    r"helpful|important) to\b|\bit helps to\b|\bthe best (?:thing|way)\b"
)
# a sentence about the agent's own life rather than the customer's
_OWN_STORY = re.compile(
    r"\b(?:i|we) (?:was|were|had|have been|have had|went|used to|also|too|remember|did|lost|got|felt|experienced|"
    r"myself|once|recently|personally|struggled|tried|found|started|know what it is like|have gone|have dealt|"
    r"have also|have struggled|have experienced|have tried|have found|have a|am also|am a|am in|am going)\b"
    r"|\b(?:my|mine|myself|me too|same here|happened to me|for me|to me)\b"
    r"|\b(?:when i|personally|i have known|i (?:like|love|enjoy|prefer) to)\b|\b(?:gets|getting|got|makes|made) me\b"
    r"|\bi am\b.*\b(?:as well|too)\b"
)
_PLEASANTRY = re.compile(
    r"\b(?:you are (?:very |so |most )?welcome|my pleasure|no problem|glad i could|happy to help|glad to help|"
    r"thank you|thanks|hello|hi|hey|bye|goodbye|take care|have a (?:good|nice|great|lovely|wonderful)|"
    r"good luck|best of luck|nice (?:talking|chatting|to meet)|it was (?:nice|good|a pleasure))\b"
)
_WH = re.compile(
    r"^(?:and |but |so |well |okay |oh )?(?:what|why|how|when|where|who|which|do|does|did|have|has|"
    r"can|could|would|will|are|is|were|was|any|anything|tell)\b"
)
_ADDRESSED = re.compile(rf"\b{_YOU}\b")
ECHO_WORDS = 2  # content words of the customer's last turn a restatement gives back, at the least
ECHO_SHARE = 0.5  # ... and the share of the sentence's own content words they make up


@dataclass(frozen=True)
class Move:
    """An empathic move in one sentence of an agent's turn."""

    kind: str  # REFLECTION | RESTATEMENT | REASSURANCE
    sentence: str


def _echoes(sentence: str, heard: set[str]) -> bool:
    """True when a sentence is mostly the customer's own words given back to them."""
    own = content_words(sentence)
    shared = len(own & heard)
    return shared >= ECHO_WORDS and shared >= ECHO_SHARE * len(own)


def sentence_move(sentence: str, heard: set[str], said: str | None = None) -> str | None:
    """The empathic move a sentence makes, if any, given the content words of the customer's last turn (and
    the sentence normalised, when that is done already)."""
    said = normalise(sentence) if said is None else said
    if _ADVICE.search(said) or _PLEASANTRY.search(said):
        return None
    if _RESTATEMENT_CUE.search(said) or (_ADDRESSED.search(said) and not _WH.match(said) and _echoes(sentence, heard)):
        return RESTATEMENT
    if sentence.rstrip().endswith("?") or _OWN_STORY.search(said):
        return None
    if _REFLECTION.search(said):
        return REFLECTION
    if _REASSURANCE.search(said):
        return REASSURANCE
    return None


def does_other_business(sentence: str, said: str | None = None) -> bool:
    """True when a sentence gives advice, tells the agent's own story, asks a question or is a courtesy (thanks,
    a greeting, a goodbye)."""
    said = normalise(sentence) if said is None else said
    return bool(
        _ADVICE.search(said) or _OWN_STORY.search(said) or _PLEASANTRY.search(said)
    ) or sentence.rstrip().endswith("?")


def turn_moves(text: str, heard: set[str]) -> list[Move]:
    """The empathic moves of an agent's turn, or none when the turn's business is something else: it gives
    advice, tells the agent's own story, asks a new question (a restatement may end in a question) or opens or
    closes the conversation."""
    found: list[Move] = []
    for sentence in sentences(text):
        said = normalise(sentence)
        kind = sentence_move(sentence, heard, said)
        if kind:
            found.append(Move(kind, sentence))
        elif does_other_business(sentence, said):
            return []
    return found


def plain(text: str) -> bool:
    """True when no sentence of a turn gives advice, tells the agent's own story, asks a question or is a
    courtesy: whatever empathy it shows is what the turn does."""
    return not any(does_other_business(s) for s in sentences(text))


def conversation_moves(turns: Iterable[tuple[str, str]], agent: str, customer: str) -> list[list[Move]]:
    """Per turn (speaker, text): the empathic moves of each agent turn (none for the customer's turns), each
    read against what the customer said since the agent last spoke."""
    heard: set[str] = set()
    fresh = True
    found: list[list[Move]] = []
    for speaker, text in turns:
        if speaker == customer:
            heard = (set() if fresh else heard) | content_words(text)
            fresh = False
            found.append([])
        elif speaker == agent:
            found.append(turn_moves(text, heard))
            fresh = True
        else:
            found.append([])
    return found
