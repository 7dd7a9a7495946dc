"""Redaction on recognised words, as Whisper produces them."""

from __future__ import annotations

from scoring.redact import redact_utterance, redact_utterances
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


def _utterance(speaker: str, tokens: list[str]) -> Utterance:
    return Utterance.from_words(speaker, [Word(i * 0.5, i * 0.5 + 0.4, t, 0.9) for i, t in enumerate(tokens)])


def test_digits_written_as_heights_and_a_code_cued_by_the_previous_turn_are_redacted():
    card = _utterance("customer", [" It's", " 4", "'5\",", " 1", "'4\",", " 8", "'0\",", " 3", "'4\",",
                                   " 6", "'4\",", " 6", "'7\","])
    readback = _utterance("agent", [" So", " that's", " 4", "'5\",", " 1", "'4\",", " 8", "'0\",", " 3",
                                    "'4\",", " 3", "'6\",", " 4", "'6\",", " and", " the", " free", " digits",
                                    " on", " the", " back?"])
    code = _utterance("customer", [" 1", "'2\",", " 3."])
    redacted = redact_utterances([_utterance("agent", [" Give", " me", " the", " card", " number."]),
                                  card, readback, code])
    assert redacted[1].text == "It's [card number],"
    assert redacted[2].text.startswith("So that's [card number]")  # 12 digits heard, a card just named
    assert redacted[3].text == "[security code]."


def test_a_twelve_digit_account_number_without_a_card_cue_is_kept():
    utterance = _utterance("customer", [" My", " account", " is", " 1234", " 5678", " 9012."])
    assert redact_utterances([utterance])[0].text == "My account is 1234 5678 9012."
