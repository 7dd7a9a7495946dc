"""Cutting word streams into utterances, merging channels, and choosing the agent voice."""

from __future__ import annotations

from scoring.roles import pick_agent
from scoring.transcriber import looping, unheard
from scoring.transcript import Word
from scoring.utterances import merge_in_time, split_words


def _words(*spec):
    return [Word(start, end, f" {text}", 0.9) for start, end, text in spec]


def test_long_pause_and_sentence_end_cut_utterances():
    words = _words(
        (0.0, 0.3, "Hello."),
        (0.9, 1.2, "How"),
        (1.2, 1.5, "are"),
        (1.6, 1.9, "you?"),
        (2.0, 2.2, "I"),
        (4.0, 4.3, "Fine"),
    )
    utterances = split_words(words, "agent")
    assert [u.text for u in utterances] == ["Hello.", "How are you? I", "Fine"]
    assert (utterances[1].start, utterances[1].end) == (0.9, 2.2)


def test_channels_merge_in_time_order():
    agent = split_words(_words((0.0, 1.0, "Hello."), (5.0, 6.0, "Sure.")), "agent")
    customer = split_words(_words((2.0, 3.0, "Hi,"), (3.0, 4.0, "help.")), "customer")
    assert [u.speaker for u in merge_in_time(agent, customer)] == ["agent", "customer", "agent"]


def test_the_voice_that_greets_and_names_the_company_is_the_agent():
    texts = {
        0: ["Hi, I want to check my bill."],
        1: ["Thank you for calling Acme, my name is Jo.", "Can I have your account number?"],
    }
    assert pick_agent(texts, first_voice=0) == 1


def test_without_an_opening_the_words_decide():
    texts = {
        0: ["I can't log in to my account.", "I don't know my password."],
        1: ["Could you confirm your date of birth, please?", "Is there anything else I can do for you?"],
    }
    assert pick_agent(texts, first_voice=0) == 1


def test_an_agent_who_cannot_verify_and_a_customer_asking_for_help_are_told_apart():
    # the customer opens; "can you tell me?" is their plea, "I cannot authenticate you" the agent's refusal
    texts = {
        0: [
            "I lost my card and someone took 300 dollars out with it. Can you tell me?",
            "Right.",
            "I always forget it.",
        ],
        1: [
            "I'm sorry, but I cannot authenticate you with the information I have.",
            "I'm sorry, I cannot do that.",
            "Your report has been submitted and we will contact you.",
            "Thank you and goodbye.",
        ],
    }
    assert pick_agent(texts, first_voice=0) == 1


def test_when_nothing_tells_the_first_speaker_is_the_agent():
    assert pick_agent({0: ["Okay."], 1: ["Right."]}, first_voice=1) == 1


def test_a_looping_segment_is_recognised_as_hallucination():
    assert looping(" No, no, no, no, no, no, no.", 1.8)
    assert looping(" Thank you for calling, how can I help?", 2.6)  # Whisper's compression threshold
    assert not looping(" No, no, that's not what I said.", 1.3)
    assert not looping(" No no.", 1.0)


def test_speech_that_no_word_covers_is_heard_again():
    clips = [{"start": 1.0, "end": 4.0}, {"start": 8.0, "end": 12.0}, {"start": 15.0, "end": 15.3}]
    words = [
        Word(1.2, 1.6, " Hello", 0.9),
        Word(8.1, 9.0, " Good", 0.9),
        Word(9.1, 10.2, " morning", 0.9),
        Word(12.1, 12.4, " bye", 0.9),
    ]
    assert unheard(clips, words) == []  # a word just past the end still counts; gaps under 2.5 s are pauses
    words = [Word(1.2, 1.6, " Hello", 0.9)]
    assert unheard(clips, words) == [{"start": 8.0, "end": 12.0}]  # the 0.3 s blip is too short to matter
    words = [Word(8.1, 9.0, " Good", 0.9), Word(11.5, 11.9, " bye", 0.9)]  # 2.5 s unheard between them
    assert unheard(clips[1:2], words) == [{"start": 9.0, "end": 11.5}]
