"""Redact payment card numbers, security codes, expiry dates and social security numbers from transcripts.

Works on recognised words however Whisper wrote the number ("4111 1111 ...", "4,111,111,...",
"1-4-8-8", ".5", "four one one", "oh nine twenty seven", "7 and 3 9"), across utterances and turns
(a customer reads, the agent reads back), so redacted text never reaches the database, its search
index, the JSON output or an export. Redacted words keep their time span, so the audio can be
silenced there (`redacted_spans`).

How it decides, over the words of the whole call in conversation order:
1. Words are normalised (lower case, no punctuation, digits pulled out of "4,111"/"1-4-8-8"/"4'5\"").
2. Cue phrases are found ("card number", "security code", "expiry", "social security", "order
   number", "ending in", ...); the longest phrase wins.
3. Digit words and digit groups form runs; a few fillers ("and", "uh", "sorry", "no", "okay") may sit
   between them, so corrections and the other speaker's "mm-hmm" do not split a number. Words that
   Whisper writes for misheard digits ("free", "time for") count beside a digit or in a row of four.
4. A run is a card number when it has 13 or more digits (unless an order/account/phone cue names it
   and no card was mentioned). A shorter run is redacted only when a cue names it (within 12 words
   before it, or 6 after): 4 or more digits after a card cue or just after a card number was read
   (its rest, or part of a read-back); a security code (3-8 digits: a code and its correction, or any
   digits right after the cue); an expiry date (3-6 digits); an SSN (9 digits, 4 for the last four; "social"
   alone names 9 digits, or the 4 after "ending in").
   Amounts (a currency word or sign) and other numbers stay; a card's last four after "ending (in)" or "last
   four" stay too (PCI DSS lets them be shown).
5. Any run whose digits were said or written in groups of 3, 2 and 4 is an SSN, cue or not ("123 45 6789",
   "one two three, four five, ..."); a phone's 3-3-4 and a date's 2-2-4 stay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .transcript import Utterance, Word

CARD, CVV, EXPIRY, SSN = "[card number]", "[security code]", "[expiry date]", "[ssn]"
PLACEHOLDERS = (CARD, CVV, EXPIRY, SSN)
SOCIAL = "social"  # the cue "social" said alone

_DIGIT_WORDS = {
    "zero": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "thirteen": "13",
    "fourteen": "14",
    "fifteen": "15",
    "sixteen": "16",
    "seventeen": "17",
    "eighteen": "18",
    "nineteen": "19",
}
_TENS = {
    "twenty": "2",
    "thirty": "3",
    "forty": "4",
    "fifty": "5",
    "sixty": "6",
    "seventy": "7",
    "eighty": "8",
    "ninety": "9",
}
# Zero said as a letter: a digit next to other digits ("five oh oh one"), so "oh, I see" stays a word.
_ZEROS = {"oh", "o"}
# Words Whisper writes for digits it mishears ("free" for three, "time for" for "five four"): digits
# only in a row of them or beside a digit, so "free delivery" and "time for lunch" stay words.
_SOUND_ALIKES = {
    "free": "3",
    "tree": "3",
    "won": "1",
    "ate": "8",
    "for": "4",
    "fore": "4",
    "to": "2",
    "too": "2",
    "sex": "6",
    "nein": "9",
    "time": "9",
    "fine": "5",
    "fife": "5",
}
_SOUND_ALIKE_ROW = 4
_ONLY_IN_ROWS = {"to", "too", "for", "fore"}  # common words: digits only in a row of sound-alikes
_REPEATS = {"double": 2, "triple": 3}
# Words that may sit inside a spoken number without ending it: fillers, corrections, the other speaker's
# acknowledgements (at most _MAX_BRIDGE in a row).
_BRIDGE = {
    "and",
    "then",
    "uh",
    "um",
    "er",
    "erm",
    "ah",
    "dash",
    "hyphen",
    "space",
    "comma",
    "dot",
    "sorry",
    "no",
    "wait",
    "actually",
    "i",
    "mean",
    "correction",
    "rather",
    "oops",
    "its",
    "it's",
    "that's",
    "thats",
    "not",
    "yes",
    "yeah",
    "okay",
    "ok",
    "mhm",
    "mm",
    "hmm",
    "uh-huh",
    "mm-hmm",
    "right",
    "go",
    "on",
    "got",
    "it",
    "sure",
    "so",
    "let",
    "me",
    "again",
    "the",
    "is",
    "was",
    "sir",
    "ma'am",
}
_MAX_BRIDGE = 3
_AMOUNT_AFTER = {
    "pounds",
    "pound",
    "dollars",
    "dollar",
    "euros",
    "euro",
    "pence",
    "p",
    "cents",
    "cent",
    "percent",
    "quid",
    "bucks",
    "minutes",
    "minute",
    "hours",
    "hour",
    "days",
    "day",
    "weeks",
    "months",
    "years",
    "items",
    "times",
    "gb",
    "kg",
    "miles",
    "am",
    "pm",
    "o'clock",
}
_CURRENCY_SIGNS = "$£€%"

# "social" that is no SSN: its other senses, the word after it (singular, plural or possessive: "social workers")
_SOCIAL_SENSES = {"media", "worker", "work", "service", "club", "network", "event", "care", "housing", "fund", "life"}
_CUES: dict[str, tuple[str, ...]] = {
    CARD: (
        "card",
        "card number",
        "credit card",
        "debit card",
        "long number",
        "number on the front",
        "visa",
        "mastercard",
        "master card",
        "amex",
        "american express",
        "discover card",
        "card details",
        "card's number",
    ),
    CVV: (
        "cvv",
        "cvc",
        "cv2",
        "cvv2",
        "csc",
        "security code",
        "security number",
        "verification code",
        "verification number",
        "card verification",
        "code",
        "the code",
        "three digits",
        "three digit code",
        "3 digit code",
        "three digit",
        "3 digit",
        "four digit code",
        "3 digits",
        "free digits",
        "four digits",
        "4 digits",
        "digits",
        "digits on the back",
        "on the back",
        "back of the card",
        "back of your card",
        "code on the back",
    ),
    EXPIRY: (
        "expiry",
        "expiry date",
        "expiration",
        "expiration date",
        "expires",
        "expire",
        "expiring",
        "exp",
        "valid until",
        "valid thru",
        "valid through",
        "good thru",
        "good through",
        "end date",
    ),
    SSN: (
        "social security",
        "social security number",
        "ssn",
        "social insurance",
        "my social",
        "your social",
        "the social",
        "my social security",
        "your social security",
        "the social security",
    ),
    # "social" alone names an SSN's 9 digits, or the 4 it ends in ("social ending in 6789"), not any number after it
    # ("posted on social, it was 2019"); its other senses ("social worker") are "other" cues (`_mark_cues`).
    SOCIAL: ("social",),
    # Numbers that are not card data, named as such: they stay unless long enough to be a card.
    "other": (
        "order",
        "order number",
        "account",
        "account number",
        "reference",
        "ref",
        "tracking",
        "invoice",
        "ticket",
        "case",
        "case number",
        "booking",
        "confirmation",
        "policy",
        "member",
        "membership",
        "phone",
        "phone number",
        "mobile",
        "telephone",
        "number to call",
        "call me on",
        "extension",
        "postcode",
        "post code",
        "promo code",
        "discount code",
        "voucher code",
        "area code",
        "sort code",
        "access code",
        "gift card number",
        "gift card",
        "zip",
        "zip code",
        "date of birth",
        "birth",
        "born",
        "pin",
        "customer number",
        "balance",
        "total",
        "amount",
        "payment of",
        "charge of",
        "refund of",
        "price",
        "cost",
        "costs",
        "since",
        "year",
        "back in",
    ),
    # The last four digits of a card may be said and kept (PCI DSS allows them shown): "Visa ending 1111".
    "ending": (
        "ending",
        "ending in",
        "ending with",
        "ending on",
        "ends",
        "ends in",
        "ends with",
        "last four",
        "last 4",
        "last four digits",
        "last 4 digits",
        "last digits",
        "final four",
        "final four digits",
    ),
}
_PHRASES = sorted(
    ((tuple(p.split()), kind) for kind, phrases in _CUES.items() for p in phrases), key=lambda item: -len(item[0])
)
_PHRASES_BY_FIRST: dict[str, list[tuple[tuple[str, ...], str]]] = {}  # each word's phrases, longest first
for _phrase, _kind in _PHRASES:
    _PHRASES_BY_FIRST.setdefault(_phrase[0], []).append((_phrase, _kind))
_LONGEST_CUE = max(len(p) for p, _ in _PHRASES)
_CUE_WINDOW = 30  # words before a run in which its cue is looked for
_CUE_AFTER = 6  # words after a run ("... is my card number")
_CUE_NEAR = 4  # words between a cue and the number it names ("the security code is 7 3 9")
_PAUSE = re.compile(r"[,;:.?!]\s*$")  # a word said before a pause
_OWNED_WITHIN = 4  # words between an SSN's cue and an "other" cue it owns ("social on the account")
_NAMED_WITHIN = 12  # words between a cue and a shorter number it names ("the long number on the front? 4539")
_CARD_DIGITS = 13  # the shortest card number (PANs have 13-19 digits; read-backs and corrections more)
_SEPARATORS = re.compile(r"[-,.'\"\u2019\u201d/#:_]")
_DIGIT, _LETTER = re.compile(r"\d"), re.compile(r"[^\W\d_]")
# A typed word's pieces: a number (with its separators, a currency sign or %), or a run of other characters.
_PIECE = re.compile(r"\s*(?:[$£€]?\d(?:[-,./'_:#\d]*\d)?%?|[^\d\s]+)")
_DATE_LAYOUT = re.compile(r"^\d{1,2}[/.-]\d{1,2}([/.-]\d{2,4})?$")
# a written date with its year (2024-05-12, 12/05/2024) and a clock time (10:30, 10:30:00): a timestamp, no card
_DATE_WITH_YEAR = re.compile(r"^(?:\d{4}([-/.])(0?[1-9]|1[0-2])\1(0?[1-9]|[12]\d|3[01])|\d{1,2}([-/.])\d{1,2}\4\d{4})$")
_QUANTITY = re.compile(r"\d[,.:]\d")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")
_SSN_GROUPS = [3, 2, 4]  # an SSN's digits as people say and write them: area, group, serial
_GROUP_END = set(",.;:-")  # after a digit word, ends its group ("one two three, four five, ...")


@dataclass
class _Token:
    """One word of the call: where it is, its normalised text and the digits it stands for."""

    utterance: int
    index: int
    raw: str
    norm: str
    digits: str | None  # the digits it stands for, if it is (part of) a number
    cue: str | None = None  # the cue kind of the phrase this word belongs to


def _normalise(word: str) -> str:
    return word.strip().lower().replace("\u2019", "'").strip('.,;:!?"()[]{}')


def _token(utterance: int, index: int, word: str) -> _Token:
    norm = _normalise(word)
    bare = norm.lstrip("$£€").rstrip("%")
    digits = None
    if any(c.isdigit() for c in bare) and _SEPARATORS.sub("", bare).isdigit():
        digits = _SEPARATORS.sub("", bare)
    elif norm in _DIGIT_WORDS:
        digits = _DIGIT_WORDS[norm]
    elif norm in _TENS:
        digits = _TENS[norm] + "0"
    return _Token(utterance, index, word, norm, digits)


def _tokens(utterances: list[Utterance]) -> list[_Token]:
    """Every word of the call in conversation order (utterance by utterance), normalised and marked."""
    tokens = []
    for u, utterance in enumerate(utterances):
        tokens += [_token(u, i, w.word) for i, w in enumerate(_words(utterance))]
    _mark_cues(tokens)
    _join_compound_numbers(tokens)
    _resolve_zeros_and_sound_alikes(tokens)
    return tokens


def _words(utterance: Utterance) -> list[Word]:
    """The utterance's words (for a transcript without word timings, its text's words at its times), a number
    glued to other characters split off as a word of its own."""
    words = list(utterance.words) or [
        Word(utterance.start, utterance.end, w, 1.0) for w in re.findall(r"\s*\S+", utterance.text)
    ]
    if not _DIGIT.search(utterance.text):
        return words
    return [piece for word in words for piece in _pieces(word)]


def _pieces(word: Word) -> list[Word]:
    """A word that holds a number glued to letters (and signs), as typed ("card:4111...", "ID-4012...", "cvv=123",
    "ssn123-45-6789", "4111....wav"), as its pieces at its time; any other word as it is."""
    if not (_DIGIT.search(word.word) and _LETTER.search(word.word)):
        return [word]
    pieces = _PIECE.findall(word.word)
    if "".join(pieces) != word.word:
        return [word]
    return [Word(word.start, word.end, piece, word.p) for piece in pieces]


def _join_compound_numbers(tokens: list[_Token]) -> None:
    """'twenty seven' stands for 27 (the first word takes the tens, the second the unit); 'double five' for 55."""
    for first, second in zip(tokens, tokens[1:]):
        if first.norm in _TENS and second.digits is not None and len(second.digits) == 1 and second.norm.isalpha():
            first.digits = _TENS[first.norm]
        elif first.norm in _REPEATS and second.digits is not None:
            first.digits = second.digits * (_REPEATS[first.norm] - 1)


def _resolve_zeros_and_sound_alikes(tokens: list[_Token]) -> None:
    """'oh' is 0 in a row of zeros next to a digit; 'free' is 3 next to a digit, or in a row of at
    least _SOUND_ALIKE_ROW words that sound like digits ("time for, time for" heard for "five four")."""
    i = 0
    while i < len(tokens):
        j = i
        while (
            j < len(tokens)
            and tokens[j].cue is None
            and (tokens[j].digits is not None or tokens[j].norm in _SOUND_ALIKES)
        ):
            j += 1
        row = tokens[i:j]
        if len(row) >= _SOUND_ALIKE_ROW:
            for t in row:
                t.digits = t.digits if t.digits is not None else _SOUND_ALIKES[t.norm]
        elif any(t.digits is not None for t in row):  # "4 .5 free time 1": not "from 10 to 5", "for 2"
            for t in row:
                t.digits = t.digits if t.digits is not None or t.norm in _ONLY_IN_ROWS else _SOUND_ALIKES[t.norm]
        i = max(j, i + 1)
    for order in (range(len(tokens)), range(len(tokens) - 1, -1, -1)):
        previous: _Token | None = None
        for i in order:
            token = tokens[i]
            if token.norm in _ZEROS and token.cue is None and previous is not None and previous.digits is not None:
                token.digits = "0"
            previous = token


def _mark_cues(tokens: list[_Token]) -> None:
    """Mark the words of every cue phrase (longest phrase first, left to right); "social" followed by one of its
    other senses ("my social worker's number") is an "other" cue with that word."""
    norms = [re.sub(r"[^a-z0-9' ]", "", t.norm) for t in tokens]
    i = 0
    while i < len(tokens):
        for phrase, kind in _PHRASES_BY_FIRST.get(norms[i], ()):
            end = i + len(phrase)
            if tuple(norms[i:end]) == phrase:
                if phrase[-1] == SOCIAL and end < len(norms) and _is_social_sense(norms[end]):
                    kind, end = "other", end + 1
                for t in tokens[i:end]:
                    t.cue, t.digits = kind, None
                i = end
                break
        else:
            i += 1


def _is_social_sense(word: str) -> bool:
    return any(word.removesuffix(ending) in _SOCIAL_SENSES for ending in ("", "s", "'s", "s'"))


def _runs(tokens: list[_Token]) -> list[tuple[int, int]]:
    """(first, last inclusive) of every spoken number, fillers inside it included."""
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        if tokens[i].digits is None:
            i += 1
            continue
        first = last = i
        j = i + 1
        while j < len(tokens):
            if tokens[j].digits is not None:
                last = j
                j += 1
            elif tokens[j].norm in _BRIDGE and tokens[j].cue is None and j - last <= _MAX_BRIDGE:
                j += 1
            else:
                break
        runs.append((first, last))
        i = last + 1
    return runs


def _run_digits(tokens: list[_Token], first: int, last: int) -> str:
    return "".join(tokens[i].digits or "" for i in range(first, last + 1))


def _nearest_cue(tokens: list[_Token], first: int, last: int) -> tuple[str | None, int]:
    """The kind of the cue nearest the run (before it, else just after it) and how many words away."""
    for i in range(first - 1, max(-1, first - 1 - _CUE_WINDOW), -1):
        if tokens[i].cue:
            return _whose(tokens, i), first - i
    for i in range(last + 1, min(len(tokens), last + 1 + _CUE_AFTER)):
        if tokens[i].cue and tokens[i].cue != "other":
            return tokens[i].cue, i - last
    return None, _CUE_WINDOW


def _what_ends(tokens: list[_Token], first: int) -> str | None:
    """The kind of the nearest cue before the run other than an ending: what "ending in 1111" is the end of."""
    for i in range(first - 1, max(-1, first - 1 - _CUE_WINDOW), -1):
        if tokens[i].cue not in (None, "ending"):
            return _whose(tokens, i)
    return None


def _whose(tokens: list[_Token], i: int) -> str | None:
    """The kind of the cue whose word `i` is, or for an "other" cue that an SSN's cue owns, said just before it with
    no pause ("the social on the account is ...", "your social for the policy"), the SSN's."""
    if tokens[i].cue != "other":
        return tokens[i].cue
    j = i
    while j >= 0 and tokens[j].cue == "other":
        j -= 1  # past the other cue's words to the word before them
    for k in range(j, max(-1, j - _OWNED_WITHIN), -1):
        if _PAUSE.search(tokens[k].raw):
            break
        if tokens[k].cue in (SSN, SOCIAL):
            return tokens[k].cue
        if tokens[k].cue or tokens[k].digits is not None:
            break
    return "other"


def _groups(tokens: list[_Token], first: int, last: int) -> list[int]:
    """How many digits each group of the run has, as it was said or written: a number written in digits is a
    group of its own (each part of "123-45-6789" or "123.45.6789" too); digits said or written one by one ("one
    two three", "1 2 3", "1-2-3") make one group until a comma or stop after a word, or a filler, ends it."""
    groups: list[int] = []
    open_group = False
    for token in tokens[first : last + 1]:
        if token.digits is None:
            open_group = False
            continue
        parts = [p for p in _SEPARATORS.split(token.norm.lstrip("$£€").rstrip("%")) if p.isdigit()] or [token.digits]
        if len(parts) > 1 and all(len(p) == 1 for p in parts):
            parts = ["".join(parts)]  # "1-2-3": digits spelled out, one group
        elif len(parts) == 1 and len(parts[0]) == 1 and len(token.digits) == 1:
            if open_group:
                groups[-1] += 1
            else:
                groups.append(1)
            open_group = token.raw.rstrip()[-1:] not in _GROUP_END
            continue
        groups += [len(p) for p in parts]
        open_group = False
    return groups


def _is_ssn_shaped(groups: list[int]) -> bool:
    """Whether the groups hold an SSN's 3-2-4 layout (a phone's is 3-3-4, a date's 2-2-4)."""
    return any(groups[i : i + 3] == _SSN_GROUPS for i in range(len(groups) - 2))


def _card_mentioned(tokens: list[_Token], first: int) -> bool:
    return any(t.cue == CARD for t in tokens[max(0, first - _CUE_WINDOW) : first])


def _is_timestamp(tokens: list[_Token], first: int, last: int) -> bool:
    """Whether the run is a date written with its year and a clock time ("2024-05-12 10:30:00"), nothing else."""
    numbers = [t.norm for t in tokens[first : last + 1] if t.digits is not None]
    return len(numbers) == 2 and bool(_DATE_WITH_YEAR.match(numbers[0])) and bool(_CLOCK.match(numbers[1]))


def _is_quantity(tokens: list[_Token], first: int, last: int) -> bool:
    """Whether the run has a number written as a time, a count or a decimal (00:12:34.567, 123,456,789, 12.5)."""
    return any(_QUANTITY.search(t.norm) for t in tokens[first : last + 1] if t.digits is not None)


def _is_amount(tokens: list[_Token], first: int, last: int) -> bool:
    after = tokens[last + 1].norm if last + 1 < len(tokens) else ""
    return after in _AMOUNT_AFTER or any(c in t.norm for t in tokens[first : last + 1] for c in _CURRENCY_SIGNS)


def _classify(tokens: list[_Token], first: int, last: int, card_read: bool) -> str | None:
    """The placeholder for the run, or None when it is a number to keep.

    card_read: a card number was read just before (a read-back or the rest of it may follow).
    """
    digits = _run_digits(tokens, first, last)
    raw = "".join(t.norm for t in tokens[first : last + 1])
    n = len(digits)
    cue, distance = _nearest_cue(tokens, first, last)
    if cue is None and card_read:
        cue = CARD
    if n >= _CARD_DIGITS:
        named_other = cue == "other" and distance <= 4 and not _card_mentioned(tokens, first)
        return None if named_other or _is_timestamp(tokens, first, last) else CARD
    if _is_amount(tokens, first, last):
        return None
    groups = _groups(tokens, first, last)
    if _is_ssn_shaped(groups):
        return SSN
    if distance > _NAMED_WITHIN and not card_read:
        return None  # a cue said long before does not name this number
    if cue == "ending":  # what ends so: a card's last four stay, an SSN's do not, more digits are no ending
        cue = _what_ends(tokens, first)
        cue = SSN if cue == SOCIAL else cue
        if cue != SSN and n <= 4:
            return None
    if cue == SOCIAL and (n != sum(_SSN_GROUPS) or _is_quantity(tokens, first, last)):
        return None  # 9 digits however said or spaced ("uh one two three uh four..."), not a time or 123,456,789
    return _named(cue, n, distance, raw)


def _named(cue: str | None, n: int, distance: int, raw: str) -> str | None:
    """The placeholder for a shorter run of `n` digits that the cue `distance` words away names, if any."""
    if cue == CVV and (3 <= n <= 8 or distance <= _CUE_NEAR):  # a code, its correction, or what was heard of it
        return CVV
    if cue == EXPIRY and 3 <= n <= 6:
        return EXPIRY
    if cue in (SSN, SOCIAL) and n in (4, 9):
        return SSN
    if cue == CARD and n >= 4 and not _DATE_LAYOUT.match(raw):
        return CARD
    return None


def _spans(tokens: list[_Token]) -> list[tuple[int, int, str]]:
    """(first, last inclusive, placeholder) in the token stream for every number to redact."""
    spans: list[tuple[int, int, str]] = []
    for first, last in _runs(tokens):
        card_read = bool(spans) and spans[-1][2] == CARD and first - spans[-1][1] <= _CUE_WINDOW
        placeholder = _classify(tokens, first, last, card_read)
        if placeholder:
            spans.append((first, last, placeholder))
    return spans


def redact_utterances(utterances: list[Utterance]) -> list[Utterance]:
    """The call's utterances with sensitive numbers replaced in their words and text.

    The redacted words of one utterance become one word with the placeholder, spanning their time.
    Utterances with nothing to redact are returned as they are.
    """
    tokens = _tokens(utterances)
    by_utterance: dict[int, list[tuple[int, int, str]]] = {}
    for first, last, placeholder in _spans(tokens):
        # Only the words of each utterance from its first to its last digit: the other speaker's
        # "mm-hmm" in between is theirs and stays.
        spoken = [tokens[i] for i in range(first, last + 1) if tokens[i].digits is not None]
        for u in sorted({t.utterance for t in spoken}):
            indexes = [t.index for t in spoken if t.utterance == u]
            by_utterance.setdefault(u, []).append((min(indexes), max(indexes), placeholder))
    result = list(utterances)
    for u, spans in by_utterance.items():
        result[u] = _redact_words(utterances[u], spans)
    return result


def _redact_words(utterance: Utterance, spans: list[tuple[int, int, str]]) -> Utterance:
    """The utterance with each (first, last inclusive) word range replaced by one placeholder word."""
    words = _words(utterance)
    for first, last, placeholder in sorted(spans, reverse=True):
        run = words[first : last + 1]
        text = _leading_space(run[0].word) + placeholder + _trailing_punctuation(run[-1].word)
        words[first : last + 1] = [Word(run[0].start, run[-1].end, text, min(w.p for w in run))]
    if not utterance.words:
        return replace(utterance, text="".join(w.word for w in words).strip())
    return Utterance.from_words(utterance.speaker, words)


def _leading_space(word: str) -> str:
    """The space before a word: none for a number that was glued to what precedes it ("ID-4012...")."""
    return word[: len(word) - len(word.lstrip())]


def _trailing_punctuation(word: str) -> str:
    return word[len(word.rstrip(".,;:!?")) :]


def redact_text(text: str) -> str:
    """The text with card numbers, security codes, expiry dates and SSNs replaced by placeholders."""
    return redact_utterances([Utterance("", 0.0, 0.0, text)])[0].text


def is_placeholder(word: str) -> bool:
    """Whether a word is a placeholder that stands for redacted words."""
    return word.strip().rstrip(".,;:!?") in PLACEHOLDERS


def redacted_spans(utterances: list[Utterance]) -> list[tuple[float, float]]:
    """The (start, end) seconds of every redacted word, in time order; the whole utterance when it
    has redacted text but no word timings."""
    spans = [(w.start, w.end) for u in utterances for w in u.words if is_placeholder(w.word)]
    spans += [(u.start, u.end) for u in utterances if not u.words and contains_redaction(u.text)]
    return sorted(spans)


def contains_redaction(text: str, placeholders: tuple[str, ...] = PLACEHOLDERS) -> bool:
    """Whether the text holds one of the placeholders (what was redacted was said there)."""
    return any(p in text for p in placeholders)


_NAME_NUMBER = re.compile(r"\d+(?:[ ._-]\d+)*")  # digit groups joined by one space, dot, underscore or dash
_CARD_GROUP = re.compile(r"(?<!\d)\d{13,19}(?!\d)")
_CARD_LENGTHS = range(_CARD_DIGITS, 20)  # a card number (PAN) has 13 to 19 digits ...
# ... and a payment card starts with 3 to 6 (ISO/IEC 7812's payment industries; epoch ms start with 1) or 2221-2720
# (Mastercard's 2-series; a timestamp 20261102... stays)
_CARD_FIRST, _CARD_2_SERIES = "3456", range(2221, 2721)
# a card number in a name keeps its last four digits (what may be shown of a card), so that the file is found again
_NAME_CARD = "[card ending {}]"
_NAME_PLACEHOLDER = re.compile(r"\[card ending \d{4}\]|" + re.escape(SSN))
_NAME_SSN_CUE = re.compile(r"ssn|social", re.IGNORECASE)  # a name that says so: its 9 digits are an SSN


def redact_name(name: str, issued_only: bool = True) -> str:
    """A file name or path with card numbers and SSNs in it replaced by placeholders. A name is no speech: a card
    number there is held to its own check (13-19 digits, in groups or not, that start as payment cards do and pass
    the Luhn check) and an SSN to its layout (groups of 3, 2 and 4 digits: 123-45-6789, 123 45 6789, 123_45_6789,
    123.45.6789) or, in a name that says ssn or social, to its 9 digits, so that a recorder's long call ids and
    timestamps stay; with `issued_only`, only digits the SSA may issue (so that its counters from zero stay too: False
    redacts as names were stored before v21, to find those again)."""
    cued = _NAME_SSN_CUE.search(name) is not None
    return _NAME_NUMBER.sub(lambda match: _name_number(match.group(), cued, issued_only), name)


def name_is_redacted(name: str) -> bool:
    """Whether a name (or path) holds a placeholder `redact_name` put there."""
    return _NAME_PLACEHOLDER.search(name) is not None


def _name_number(text: str, cued: bool, issued_only: bool) -> str:
    without_ssns = _name_ssns(text, cued, issued_only)
    digits = re.sub(r"\D", "", text)
    if without_ssns == text and len(digits) in _CARD_LENGTHS and _is_card_number(digits):
        return _NAME_CARD.format(digits[-4:])
    return _CARD_GROUP.sub(
        lambda group: _NAME_CARD.format(group.group()[-4:]) if _is_card_number(group.group()) else group.group(),
        without_ssns,
    )


def _name_ssns(text: str, cued: bool, issued_only: bool) -> str:
    """A name's number (digit groups joined by single spaces, dots, underscores or dashes) with each run of groups of
    3, 2 and 4 digits, and, when `cued` (the name says ssn or social), each group of 9 digits, replaced by SSN, unless
    `issued_only` and the SSA never issues those digits."""
    groups = [(m.start(), m.end()) for m in re.finditer(r"\d+", text)]
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(groups):
        three = groups[i : i + 3]
        digits = "".join(text[start:end] for start, end in three)
        if [end - start for start, end in three] == _SSN_GROUPS and (_may_be_issued(digits) or not issued_only):
            spans.append((groups[i][0], groups[i + 2][1]))
            i += 3
            continue
        start, end = groups[i]
        if cued and end - start == sum(_SSN_GROUPS) and (_may_be_issued(text[start:end]) or not issued_only):
            spans.append(groups[i])
        i += 1
    for start, end in reversed(spans):
        text = text[:start] + SSN + text[end:]
    return text


def _may_be_issued(ssn: str) -> bool:
    """Whether 9 digits may be an SSN: the SSA never issues area 000 or 666, group 00 or serial 0000, so a recorder's
    counters from zero ("rec_001_00_0000") stay (areas 900-999 are ITINs, as private, and are redacted)."""
    return ssn[:3] not in ("000", "666") and ssn[3:5] != "00" and ssn[5:] != "0000"


def _is_card_number(digits: str) -> bool:
    """A payment card's first digit and the check digit every card number carries (Luhn, ISO/IEC 7812)."""
    if digits[0] not in _CARD_FIRST and int(digits[:4]) not in _CARD_2_SERIES:
        return False
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0
