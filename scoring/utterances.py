"""Cut recognised words into utterances and merge speakers into conversation order.

The batched Whisper pipeline returns segments of up to 30 s that can span several turns of a
conversation; the word timestamps keep the pauses, so utterances are cut where a pause is long.
"""

from __future__ import annotations

from collections.abc import Iterable

from .transcript import Utterance, Word

PAUSE_S = 0.8  # a pause this long ends an utterance
SENTENCE_PAUSE_S = 0.5  # a shorter one does too after a full stop, question or exclamation mark
SENTENCE_END = (".", "?", "!")


def split_words(words: Iterable[Word], speaker: str, *, pause_s: float = PAUSE_S) -> list[Utterance]:
    """Group consecutive words into utterances of one speaker, cutting at long pauses."""
    utterances: list[Utterance] = []
    current: list[Word] = []
    for word in words:
        if current and _ends_utterance(current[-1], word, pause_s):
            utterances.append(Utterance.from_words(speaker, current))
            current = []
        current.append(word)
    if current:
        utterances.append(Utterance.from_words(speaker, current))
    return [u for u in utterances if u.text]


def _ends_utterance(previous: Word, word: Word, pause_s: float) -> bool:
    gap = word.start - previous.end
    if gap >= pause_s:
        return True
    return gap >= min(pause_s, SENTENCE_PAUSE_S) and previous.word.strip().endswith(SENTENCE_END)


def merge_in_time(*channels: list[Utterance]) -> list[Utterance]:
    """Interleave the utterances of several speakers in order of start time."""
    merged = [u for channel in channels for u in channel]
    merged.sort(key=lambda u: (u.start, u.end))
    return merged
