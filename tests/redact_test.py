"""Redaction on recognised words, as Whisper produces them."""

from __future__ import annotations

import logging

import pytest

from scoring.redact import CARD, CVV, SSN, redact_name, redact_text, redact_utterances, redacted_spans
from scoring.redacted_log import RedactingFormatter
from scoring.transcript import Utterance, Word


def test_card_number_is_redacted_in_words_and_text_keeping_times():
    tokens = [" It's", " 4539", " 1488", " 0343", " 6467.", " Thanks."]
    words = [Word(i * 0.5, i * 0.5 + 0.4, t, 0.9) for i, t in enumerate(tokens)]
    redacted = redact_utterances([Utterance.from_words("customer", words)])[0]
    assert redacted.text == "It's [card number]. Thanks."
    assert [w.word for w in redacted.words] == [" It's", " [card number].", " Thanks."]
    assert redacted.words[1].start == 0.5 and redacted.words[1].end == 2.4
    assert (redacted.start, redacted.end) == (0.0, 2.9)


def test_nothing_to_redact_leaves_the_utterance_alone():
    words = [Word(0.0, 0.4, " Account", 0.9), Word(0.5, 0.9, " 351531510.", 0.8)]
    utterance = Utterance.from_words("customer", words)
    assert redact_utterances([utterance])[0] is utterance


def _utterance(speaker: str, tokens: list[str]) -> Utterance:
    return Utterance.from_words(speaker, [Word(i * 0.5, i * 0.5 + 0.4, t, 0.9) for i, t in enumerate(tokens)])


def test_digits_written_as_heights_and_a_code_cued_by_the_previous_turn_are_redacted():
    card = _utterance(
        "customer", [" It's", " 4", "'5\",", " 1", "'4\",", " 8", "'0\",", " 3", "'4\",", " 6", "'4\",", " 6", "'7\","]
    )
    readback = _utterance(
        "agent",
        [
            " So",
            " that's",
            " 4",
            "'5\",",
            " 1",
            "'4\",",
            " 8",
            "'0\",",
            " 3",
            "'4\",",
            " 3",
            "'6\",",
            " 4",
            "'6\",",
            " and",
            " the",
            " free",
            " digits",
            " on",
            " the",
            " back?",
        ],
    )
    code = _utterance("customer", [" 1", "'2\",", " 3."])
    redacted = redact_utterances(
        [_utterance("agent", [" Give", " me", " the", " card", " number."]), card, readback, code]
    )
    assert redacted[1].text == "It's [card number],"
    assert redacted[2].text.startswith("So that's [card number]")  # 12 digits heard, a card just named
    assert redacted[3].text == "[security code]."


def test_a_twelve_digit_account_number_without_a_card_cue_is_kept():
    utterance = _utterance("customer", [" My", " account", " is", " 1234", " 5678", " 9012."])
    assert redact_utterances([utterance])[0].text == "My account is 1234 5678 9012."


def test_the_corpus_of_spoken_phrasings_is_redacted_with_high_recall_and_precision():
    from tools.eval_redaction import evaluate, load_cases

    cases = load_cases()
    assert len(cases) >= 30 and sum(c.split == "held_out" for c in cases) >= 10
    ratios = evaluate(cases)["all"].ratios()
    assert ratios["digit_recall"] == 1.0 and ratios["phrasing_recall"] == 1.0  # no card digit may stay
    assert ratios["digit_precision"] >= 0.98 and ratios["word_precision"] >= 0.95
    assert ratios["phrasing_precision"] >= 0.9


def test_a_multi_word_cue_inside_one_utterance_redacts_the_code():
    utterance = _utterance("customer", [" The", " security", " code", " is", " 123."])
    assert redact_utterances([utterance])[0].text == "The security code is [security code]."


def test_a_card_read_in_two_turns_with_the_agent_acknowledging_between_is_redacted_in_both():
    turns = [
        _utterance("agent", [" Card", " number", " please."]),
        _utterance("customer", [" 4539", " 1488"]),
        _utterance("agent", [" Mm-hmm."]),
        _utterance("customer", [" 0343", " 6467."]),
    ]
    for i, u in enumerate(turns):  # one after another in time
        turns[i] = Utterance.from_words(u.speaker, [Word(w.start + 3 * i, w.end + 3 * i, w.word, w.p) for w in u.words])
    redacted = redact_utterances(turns)
    assert [u.text for u in redacted] == ["Card number please.", "[card number]", "Mm-hmm.", "[card number]."]


def test_redacted_words_keep_their_time_span_for_silencing_the_audio():
    words = [
        Word(0.0, 0.3, " Card", 0.9),
        Word(0.3, 0.6, " number", 0.9),
        Word(1.0, 1.4, " 4-1-1-1,", 0.9),
        Word(1.5, 2.0, " 1,111,111,111,111,111.", 0.9),
        Word(2.5, 2.9, " Thanks.", 0.9),
    ]
    redacted = redact_utterances([Utterance.from_words("customer", words)])
    assert redacted[0].text == "Card number [card number]. Thanks."
    assert redacted_spans(redacted) == [(1.0, 2.0)]


# Typed text (chats, notes, metadata columns, file names) glues numbers to letters and signs.
@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("card:4111111111111111", "card:[card number]"),
        ("ID-4012888888881881 on file", "ID-[card number] on file"),
        ("cc=4111111111111111&exp=0927", "cc=[card number]&exp=[expiry date]"),
        ("4111_1111_1111_1111", "[card number]"),
        ("4111111111111111.wav", "[card number].wav"),
        ("my ssn123-45-6789", "my ssn[ssn]"),
        ("cvv:737", "cvv:[security code]"),
        ("card number\t4111 1111 1111 1111", "card number\t[card number]"),
        # kept: no card data, as before
        ("2026-11-02T09:15:00 callback", "2026-11-02T09:15:00 callback"),
        ("call_20261102_0915.wav", "call_20261102_0915.wav"),
        ("order NW-1001 cost $45.50 by card", "order NW-1001 cost $45.50 by card"),
    ],
)
def test_numbers_glued_to_letters_or_signs_as_typed_are_redacted(typed, stored):
    assert redact_text(typed) == stored


# An SSN is told by its 3-2-4 layout, however it is said or written, with or without a cue; a phone's 3-3-4, a
# date's 2-2-4, amounts and times stay.
@pytest.mark.parametrize(
    ("said", "stored"),
    [
        ("social 123 45 6789", "social [ssn]"),
        ("my number is 123 45 6789 thanks", "my number is [ssn] thanks"),
        ("it's 123.45.6789", "it's [ssn]"),
        ("one two three, four five, six seven eight nine", "[ssn]"),
        ("It's 1-2-3, 4-5, 6-7-8-9.", "It's [ssn]."),
        ("oh seven eight, oh five, one one two oh.", "[ssn]."),
        ("one two three dash four five dash six seven eight nine", "[ssn]"),
        ("call me on 555 123 4567", "call me on 555 123 4567"),
        ("five five five, one two three, four five six seven", "five five five, one two three, four five six seven"),
        ("born 12 05 1990", "born 12 05 1990"),
        ("that's $123.45 at 10:30 on 12/05/2024", "that's $123.45 at 10:30 on 12/05/2024"),
    ],
)
def test_an_ssn_is_redacted_by_its_layout(said, stored):
    assert redact_text(said) == stored


# A card's last four digits, what agents verify a card by, stay (PCI DSS lets them be shown); more digits do not, nor
# an SSN's last four.
@pytest.mark.parametrize(
    ("said", "stored"),
    [
        ("Visa ending 1111", "Visa ending 1111"),
        ("Visa card ending 1111", "Visa card ending 1111"),
        ("the card ending in, uh, 4 2 4 2", "the card ending in, uh, 4 2 4 2"),
        ("Visa 4111 1111 1111 1111, ending 1111", "Visa [card number], ending 1111"),
        ("card ending in 4111 1111", "card ending in [card number]"),
        ("your social, ending in 6789", "your social, ending in [ssn]"),
    ],
)
def test_a_card_is_named_by_its_last_four(said, stored):
    assert redact_text(said) == stored


# A date written with its year and a clock time has a card's 14 digits, but no card has its layout: a timestamp
# typed into a chat stays; a date that cannot be one (month 13) or the digits said in a row do not.
@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ordered 2024-05-12 10:30:00, not here", "ordered 2024-05-12 10:30:00, not here"),
        ("at 12/05/2024 10:30:00", "at 12/05/2024 10:30:00"),
        ("my card is 2024-05-12 10:30:00", "my card is 2024-05-12 10:30:00"),
        ("2024-13-12 10:30:00", "[card number]"),
        ("2024 05 12 10 30 00", "[card number]"),
        ("4111-1111-1111 1111", "[card number]"),
    ],
)
def test_a_timestamp_is_no_card(typed, stored):
    assert redact_text(typed) == stored


# "social" said alone names an SSN's 9 digits, or the 4 it ends in; other numbers near it, and its other senses, stay;
# an SSN's cue names the number of an account it is said of.
@pytest.mark.parametrize(
    ("said", "stored"),
    [
        ("social ending in 6789", "social ending in [ssn]"),  # was kept: only "my/your/the social" were cues
        ("social is 123456789", "social is [ssn]"),
        ("social is one two three four five six seven eight nine", "social is [ssn]"),
        ("social is 123 45 6789", "social is [ssn]"),
        # 9 digits said with fillers, or spaced 3-3-3, after "social" (these were kept: only one unbroken group was)
        ("social is uh one two three uh four five six seven eight nine", "social is uh [ssn]"),
        ("social, um, one two, uh, three four five six seven eight nine", "social, um, [ssn]"),
        ("social is one two three, four five six, seven eight nine", "social is [ssn]"),
        ("social is 123 456 789", "social is [ssn]"),
        ("I saw it on social, 123,456,789 views", "I saw it on social, 123,456,789 views"),
        ("I saw it on social, it was 2019", "I saw it on social, it was 2019"),
        ("I saw it on social, 00:12:34.567", "I saw it on social, 00:12:34.567"),
        ("the social media post from 2019 had 1,234,567 views", "the social media post from 2019 had 1,234,567 views"),
        ("social worker, call 555 123 4567", "social worker, call 555 123 4567"),
        # its other senses, plural or possessive too (these were redacted as SSNs)
        ("the social workers said call 555123456", "the social workers said call 555123456"),
        ("my social worker's number is 555123456", "my social worker's number is 555123456"),
        ("the social care team, call 555123456", "the social care team, call 555123456"),
        ("the social housing office is on 555 123 456", "the social housing office is on 555 123 456"),
        ("Visa ending 1111, social is fine", "Visa ending 1111, social is fine"),
        # an SSN's cue said just before an "other" cue owns it (these were kept, "account" naming them) ...
        ("the social on the account is 123456789", "the social on the account is [ssn]"),
        ("social security number on the account: 123456789", "social security number on the account: [ssn]"),
        ("the social on the account ends in 6789", "the social on the account ends in [ssn]"),
        # ... but not after a pause
        ("what is your social? and the account? 123456789", "what is your social? and the account? 123456789"),
        ("I saw it on social, zip 12345-6789", "I saw it on social, zip 12345-6789"),
        ("my social worker on the account, 123456789", "my social worker on the account, 123456789"),
    ],
)
def test_social_alone_names_an_ssn(said, stored):
    assert redact_text(said) == stored


# A file name's SSN: groups of 3, 2 and 4 digits however joined, or 9 digits in a name that says ssn or social;
# a recorder's timestamps, ids and phone numbers stay.
@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("123-45-6789.wav", "[ssn].wav"),
        ("123 45 6789.wav", "[ssn].wav"),  # these were stored as they were
        ("calls/ssn_123_45_6789.wav", "calls/ssn_[ssn].wav"),
        ("123.45.6789.mp3", "[ssn].mp3"),
        ("2024-05-12 123 45 6789.wav", "2024-05-12 [ssn].wav"),
        ("social-123456789.wav", "social-[ssn].wav"),
        ("Customer SSN 123456789 4111111111111111.wav", "Customer SSN [ssn] [card ending 1111].wav"),
        ("call_123456789.wav", "call_123456789.wav"),
        ("20240512_103045.wav", "20240512_103045.wav"),
        ("2024-05-12 10.30.45.wav", "2024-05-12 10.30.45.wav"),
        ("rec 555-123-4567.wav", "rec 555-123-4567.wav"),
        ("agent 12_2024_05_12.wav", "agent 12_2024_05_12.wav"),
        # a recorder's counters that no SSN has (area 000 or 666, group 00, serial 0000 are never issued) stay ...
        ("CH000_12_0345.wav", "CH000_12_0345.wav"),  # these were [ssn]
        ("rec_001_00_0001.wav", "rec_001_00_0001.wav"),
        ("rec_123_45_0000.wav", "rec_123_45_0000.wav"),
        ("rec_666_12_3456.wav", "rec_666_12_3456.wav"),
        ("ssn 000123456.wav", "ssn 000123456.wav"),
        # ... those an SSN may have do not (001-01-0001 is valid), nor ITINs (9XX-7X-XXXX)
        ("rec_001_01_0001.wav", "rec_[ssn].wav"),
        ("912-71-2345.wav", "[ssn].wav"),
    ],
)
def test_an_ssn_in_a_file_name_is_redacted(name, stored):
    assert redact_name(name) == stored


def test_a_logged_path_keeps_no_ssn_that_a_recordings_name_holds():
    path = "/rec/social_123456789.wav"
    record = logging.LogRecord("qa", logging.WARNING, __file__, 1, "cannot read %s", (path,), None)
    assert RedactingFormatter("%(message)s").format(record) == "cannot read /rec/social_[ssn].wav"  # was as it was


@pytest.mark.parametrize(
    ("message", "args", "logged"),
    [  # the upgrade's own line: its counts read as card digits after "card" (was "[card number] utterances in ...")
        (
            "redacted card data stored in clear: %d utterances in %d calls, %d criterion results, %d comments or notes",
            (2400, 1200, 3, 0),
            "redacted card data stored in clear: 2400 utterances in 1200 calls, 3 criterion results, "
            "0 comments or notes",
        ),
        (
            "the worker's security code check exited with code %d",
            (1,),
            "the worker's security code check exited with code 1",
        ),
        ("card %s", ("4111 1111 1111 1111",), f"card {CARD}"),  # what was typed or said is read as speech
        ("security code %s", ("739",), f"security code {CVV}"),
        ("read %d digits: card %d", (16, 4111111111111111), f"read 16 digits: card {CARD}"),  # no count is that long
        ("ssn %d", (123456789,), f"ssn {SSN}"),
        ("%d%% of calls: card %s", (5, "4539 1488"), f"5% of calls: card {CARD}"),
    ],
)
def test_a_log_keeps_the_numbers_its_code_counted_and_no_card_data(message, args, logged):
    record = logging.LogRecord("qa", logging.WARNING, __file__, 1, message, args, None)
    assert RedactingFormatter("%(message)s").format(record) == logged
