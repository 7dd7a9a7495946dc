"""Redaction on recognised words, as Whisper produces them."""

from __future__ import annotations

from scoring.redact import redact_utterance
from scoring.transcript import Utterance, Word


def test_card_number_is_redacted_in_words_and_text_keeping_times():
    tokens = [" It's", " 4539", " 1488", " 0343", " 6467.", " Thanks."]
    words = [Word(i * 0.5, i * 0.5 + 0.4, t, 0.9) for i, t in enumerate(tokens)]
    redacted = redact_utterance(Utterance.from_words("customer", words))
    assert redacted.text == "It's [card number]. Thanks."
    assert [w.word for w in redacted.words] == [" It's", " [card number].", " Thanks."]
    assert redacted.words[1].start == 0.5 and redacted.words[1].end == 2.4
    assert (redacted.start, redacted.end) == (0.0, 2.9)


def test_nothing_to_redact_leaves_the_utterance_alone():
    words = [Word(0.0, 0.4, " Account", 0.9), Word(0.5, 0.9, " 351531510.", 0.8)]
    utterance = Utterance.from_words("customer", words)
    assert redact_utterance(utterance) is utterance
