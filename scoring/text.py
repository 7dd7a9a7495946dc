"""Text normalisation for matching what was said against scorecard phrases.

ASR output differs from a scorecard's wording in case, punctuation, contractions ("I'm" / "I am")
and numbers ("4" / "four"); `normalise` removes those differences before any comparison.
"""

from __future__ import annotations

import re

_CONTRACTIONS = {
    "i'm": "i am",
    "you're": "you are",
    "we're": "we are",
    "they're": "they are",
    "it's": "it is",
    "that's": "that is",
    "there's": "there is",
    "what's": "what is",
    "here's": "here is",
    "he's": "he is",
    "she's": "she is",
    "let's": "let us",
    "who's": "who is",
    "how's": "how is",
    "i've": "i have",
    "you've": "you have",
    "we've": "we have",
    "they've": "they have",
    "i'll": "i will",
    "you'll": "you will",
    "we'll": "we will",
    "they'll": "they will",
    "it'll": "it will",
    "i'd": "i would",
    "you'd": "you would",
    "we'd": "we would",
    "they'd": "they would",
    "can't": "can not",
    "cannot": "can not",
    "won't": "will not",
    "don't": "do not",
    "doesn't": "does not",
    "didn't": "did not",
    "isn't": "is not",
    "aren't": "are not",
    "wasn't": "was not",
    "weren't": "were not",
    "haven't": "have not",
    "hasn't": "has not",
    "hadn't": "had not",
    "shouldn't": "should not",
    "wouldn't": "would not",
    "couldn't": "could not",
    "ain't": "is not",
    "y'all": "you all",
    "gonna": "going to",
    "wanna": "want to",
    "gotta": "got to",
    "ok": "okay",
}
_NUMBERS = dict(
    enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
)
_STOPWORDS = frozenset(
    "a an the and or but so if then of to in on at by for with from about as is am are was were be been being "
    "i me my you your yours we us our he him his she her it its they them their this that these those there "
    "here what which who whom do does did have has had can could would should will shall may might must not no "
    "yes okay just really very too also well oh um uh like get got go going know think yeah hi hello please "
    "thank thanks would let all any some more much how when where why".split()
)


def normalise(text: str) -> str:
    """Lower case, contractions expanded, small numbers as words, no punctuation, single spaces."""
    text = text.lower().replace("\u2019", "'").replace("`", "'")
    words = []
    for token in re.findall(r"[a-z0-9']+", text):
        token = token.strip("'")
        if not token:
            continue
        expanded = _CONTRACTIONS.get(token)
        if expanded is None and token.isdigit() and int(token) in _NUMBERS and len(token) <= 2:
            expanded = _NUMBERS[int(token)]
        words.append(expanded or token.replace("'", ""))
    return " ".join(words)


def content_words(text: str) -> set[str]:
    """The meaningful words of a text (normalised, no stopwords, crude plural/-ing folding)."""
    words = set()
    for word in normalise(re.sub(r"\[[a-z ]+\]", " ", text)).split():  # not redaction placeholders
        if word in _STOPWORDS or len(word) < 3:
            continue
        for suffix in ("ing", "ed", "es", "s"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                word = word[: -len(suffix)]
                break
        words.add(word)
    return words


def sentences(text: str) -> list[str]:
    """The sentences of a text, with their end marks."""
    return [s.strip() for s in re.findall(r"[^.?!]+[.?!]*", text) if s.strip(" .?!")]
