"""Each detector on crafted conversations: pass, fail and n/a, with evidence, scored with the tests' own small
scorecard (tests/data/scorecards/detectors.toml), not the one that ships."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring.redact import redact_utterances
from scoring.scorecard import load_scorecard
from scoring.scorer import score_call
from scoring.sentiment import SentimentTrajectory
from scoring.transcript import TEXT, Transcript, Utterance

CARD = Path(__file__).parent / "data" / "scorecards" / "detectors.toml"
GOOD_VOICE = {
    "agent_voiced_s": 30.0,
    "agent_pitch_median_hz": 180.0,
    "agent_pitch_std_st": 2.5,
    "agent_energy_std_db": 6.0,
}


def call(*turns: tuple, channels: int = 2, duration: float | None = None) -> Transcript:
    """A transcript from (speaker, start, end, text) turns; speaker 'a' or 'c'."""
    utterances = [Utterance({"a": "agent", "c": "customer"}[s], start, end, text) for s, start, end, text in turns]
    utterances = redact_utterances(utterances)
    return Transcript(
        "crafted.wav",
        duration or max(u.end for u in utterances) + 1,
        channels,
        8000,
        "0" * 64,
        "tiny.en",
        "cpu/int8",
        utterances,
    )


@pytest.fixture(scope="module")
def scorecard():
    """The detector tests' scorecard (in place of conftest's shipped one)."""
    return load_scorecard(CARD)


def verdicts(scorecard, transcript, voice=GOOD_VOICE, customer_name=None):
    score = score_call(transcript, scorecard, voice, customer_name)
    return {r.criterion.id: r.verdict for r in score.results}, score


GOOD_CALL = call(
    ("a", 0.0, 6.0, "Good morning, thank you for calling Acme, my name is Sam. This call is recorded for quality."),
    ("c", 6.5, 10.0, "Hi, my name is Alice Brown, I was charged twice and I'm really annoyed."),
    (
        "a",
        10.5,
        16.0,
        "I'm so sorry to hear that, Alice, that must be frustrating. Can you confirm your date of birth?",
    ),
    ("c", 16.5, 18.0, "Fifth of May, 1980."),
    ("a", 18.5, 24.0, "Thank you. So you were charged twice for the same bill, is that right?"),
    ("c", 24.5, 26.0, "Yes, charged twice for the same bill."),
    ("a", 26.5, 30.0, "Can I put you on hold for a moment while I check?"),
    (
        "a",
        45.0,
        52.0,
        "Thank you for holding. I can see your balance is 40 pounds; I have refunded the duplicate payment.",
    ),
    ("c", 52.5, 54.0, "That's great, thank you so much."),
    ("a", 54.5, 57.0, "Is there anything else I can help you with today?"),
    ("c", 57.5, 58.5, "No, that's all."),
    ("a", 59.0, 62.0, "Thank you for calling, Alice. Have a lovely day, goodbye."),
)


def test_a_good_call_passes_everything_with_evidence(scorecard):
    found, score = verdicts(scorecard, GOOD_CALL)
    failed = {k: v.reason for k, v in found.items() if v.result == "fail"}
    assert failed == {}
    assert found["greeting"].evidence[0].start == 0.0
    assert found["identity_verification"].evidence[0].start == 10.5  # date of birth asked before the balance
    assert found["apology"].result == "pass" and "sorry" in found["apology"].evidence[0].text
    assert found["customer_name_used"].result == "pass"
    assert found["hold_etiquette"].result == "pass"
    assert found["no_interruptions"].result == "pass"
    assert not score.auto_fail and score.overall >= 85 and score.compliance == 100
    assert all(0 < v.confidence <= 1 and v.reason for v in found.values())


def test_missing_opening_and_closing_fail_with_the_searched_turns_as_evidence(scorecard):
    found, score = verdicts(
        scorecard,
        call(
            ("c", 0.0, 3.0, "I want to check my balance."),
            ("a", 3.5, 6.0, "Account number?"),
            ("c", 6.5, 8.0, "12345678."),
            ("a", 8.5, 11.0, "Your balance is 300 dollars."),
        ),
    )
    assert found["greeting"].result == "fail" and found["greeting"].evidence[0].text == "Account number?"
    assert found["recording_disclosure"].result == "fail" and score.auto_fail
    assert found["closing"].result == "fail" and found["further_assistance"].result == "fail"
    assert found["identity_verification"].result == "pass"


def test_account_details_before_verification_fail_the_critical_criterion(scorecard):
    found, score = verdicts(
        scorecard,
        call(
            ("a", 0.0, 4.0, "Hello, this call is recorded. How can I help?"),
            ("c", 4.5, 7.0, "Hi, my name is Bob Stone."),
            ("a", 7.5, 11.0, "Okay Bob, your balance is 120 pounds."),
            ("a", 11.5, 14.0, "Can you confirm your date of birth?"),
        ),
    )
    verdict = found["identity_verification"]
    assert verdict.result == "fail" and [u.start for u in verdict.evidence] == [7.5, 11.5]
    assert score.auto_fail


def test_a_name_alone_is_not_identity_verification(scorecard):
    found, _ = verdicts(
        scorecard,
        call(
            ("a", 0.0, 3.0, "Hello, could I get your full name please?"),
            ("c", 3.5, 5.0, "Jane Doe."),
            ("a", 5.5, 9.0, "Your current balance is 3676 in credit."),
        ),
    )
    assert found["identity_verification"].result == "fail"
    assert found["customer_name_used"].result == "fail"  # the name was given and never used


def test_identity_is_not_applicable_when_no_account_is_discussed(scorecard):
    found, _ = verdicts(
        scorecard, call(("a", 0.0, 3.0, "Hello, how can I help?"), ("c", 3.5, 5.0, "What time do you open?"))
    )
    assert found["identity_verification"].result == "na"


def test_asr_errors_in_long_phrases_are_tolerated(scorecard):
    found, _ = verdicts(
        scorecard,
        call(
            ("c", 0.0, 2.0, "Thanks."),
            ("a", 2.5, 6.0, "If there is anything else that I can help you whip, just ask."),
        ),
    )
    assert found["further_assistance"].result == "pass"
    assert found["further_assistance"].confidence < 1


def test_short_phrases_must_match_whole_words(scorecard):
    found, _ = verdicts(scorecard, call(("a", 0.0, 3.0, "This is about the bill."), ("c", 3.5, 5.0, "Ok.")))
    assert found["greeting"].result == "fail"  # "hi" inside "this" is no greeting


def test_prohibited_language_and_card_read_back_fail(scorecard):
    found, score = verdicts(
        scorecard,
        call(
            ("a", 0.0, 3.0, "Yeah, what do you want?"),
            ("c", 3.5, 9.0, "My card is 4539 1488 0343 6467."),
            (
                "a",
                9.5,
                15.0,
                "So that's 4539 1488 0343 6467. That's your fault for missing the payment, I guarantee it.",
            ),
        ),
    )
    assert found["pci_safe"].result == "fail" and found["pci_safe"].evidence[0].start == 9.5
    assert "[card number]" in found["pci_safe"].evidence[0].text and "4539" not in found["pci_safe"].evidence[0].text
    assert found["prohibited_language"].result == "fail"
    assert score.compliance < 60


def test_apology_is_not_applicable_without_a_problem(scorecard):
    found, _ = verdicts(
        scorecard,
        call(("a", 0.0, 3.0, "Hello, how can I help?"), ("c", 3.5, 6.0, "I would like to upgrade my plan please.")),
    )
    assert found["apology"].result == "na"


def test_apology_evidence_is_the_apology_that_is_the_turns_business(scorecard):
    turns = [
        ("c", 0.0, 3.0, "My parcel never arrived and I am upset."),
        ("a", 3.5, 6.0, "Sorry, can you give me the order number?"),
        ("c", 6.5, 8.0, "It is 4471."),
        ("a", 8.5, 11.0, "I am so sorry this happened to you."),
    ]
    found, _ = verdicts(scorecard, call(*turns))
    assert found["apology"].result == "pass" and [u.start for u in found["apology"].evidence] == [8.5]
    found, _ = verdicts(scorecard, call(*turns[:2]))
    assert [u.start for u in found["apology"].evidence] == [3.5]  # none plain: the first apology


def test_problem_without_apology_fails_and_shows_the_problem_and_what_followed(scorecard):
    found, _ = verdicts(
        scorecard,
        call(
            ("a", 0.0, 4.0, "Hello, how can I help?"),  # still talking as the problem starts
            ("c", 3.5, 6.0, "My internet has been broken for three days, this is ridiculous."),
            ("a", 6.5, 8.0, "Engineers are working on it."),
        ),
    )
    assert found["apology"].result == "fail"
    assert [(u.speaker, u.start) for u in found["apology"].evidence] == [("customer", 3.5), ("agent", 6.5)]


def _acknowledging(turns: int, agent_turns: int = 30) -> Transcript:
    """A conversation of `agent_turns` agent turns, the first `turns` of which acknowledge the customer."""
    said = []
    for n in range(agent_turns):
        said += [
            ("c", 5.0 * n, 5.0 * n + 2, "It has been a hard week."),
            ("a", 5.0 * n + 2.5, 5.0 * n + 4.5, "That must be hard." if n < turns else "Okay."),
        ]
    return call(*said)


def test_empathy_statements_are_graded_with_diminishing_returns(scorecard):
    credit = [verdicts(scorecard, _acknowledging(n))[0]["empathy_statement"] for n in (1, 4, 8)]
    assert all(v.result == "pass" for v in credit)
    assert [v.credit for v in credit] == [0.2, 0.5, 0.667]  # half credit at four turns; eight still earn more
    short, _ = verdicts(scorecard, _acknowledging(1, agent_turns=6))
    assert short["empathy_statement"].credit == 0.5  # in a short call, one acknowledgement is half credit


def test_active_listening_from_paraphrase(scorecard):
    found, _ = verdicts(
        scorecard,
        call(
            ("c", 0.0, 4.0, "My broadband keeps dropping every evening."),
            ("a", 4.5, 8.0, "Your broadband connection drops in the evening, every day?"),
        ),
    )
    assert found["active_listening"].result == "pass" and found["active_listening"].evidence[0].start == 4.5


def test_active_listening_hears_a_paraphrase_through_misheard_words(scorecard):
    found, _ = verdicts(
        scorecard,
        call(("c", 0.0, 4.0, "The router keeps disconnecting."), ("a", 4.5, 8.0, "Your rooter is disconecting again?")),
    )
    assert found["active_listening"].result == "pass" and found["active_listening"].evidence[0].start == 4.5


def _answered(*replies: str) -> Transcript:
    """A conversation in which the agent answers each of the customer's turns with one of `replies`."""
    said = []
    for n, reply in enumerate(replies):
        said += [
            ("c", 10.0 * n, 10.0 * n + 3, "My bill went up again this month."),
            ("a", 10.0 * n + 4, 10.0 * n + 9, reply),
        ]
    return call(*said)


def test_engagement_grades_how_fully_the_agent_answers_and_shows_the_fullest_and_curtest_replies(scorecard):
    full = "I can see why that worries you, let me look at what changed on your bill and explain each charge."
    engaged, _ = verdicts(scorecard, _answered(full, full, "Okay.", full))
    curt, _ = verdicts(scorecard, _answered("Okay.", "Right.", "Okay.", "Fine, anything else?"))
    assert engaged["engagement"].result == "pass" and curt["engagement"].result == "fail"
    assert engaged["engagement"].credit == round(15.25 / (15.25 + 12), 3)  # 61 words for 4 customer turns
    assert curt["engagement"].credit == round(1.5 / (1.5 + 12), 3)
    assert [u.start for u in engaged["engagement"].evidence] == [4.0, 14.0, 24.0, 34.0]
    assert "fullest reply" in engaged["engagement"].reason and "curtest “Okay.” at 0:24" in engaged["engagement"].reason


def test_engagement_counts_a_reply_cut_by_a_backchannel_once_and_applies_to_text(scorecard):
    turns = [
        ("c", 0.0, 3.0, "My bill went up again this month"),
        ("a", 1.0, 1.5, "Mhm."),  # said while the customer speaks: not a reply
        ("c", 3.1, 3.4, "again."),
        ("a", 3.5, 12.0, "I am sorry about that, I will go through your bill with you now"),
        ("c", 6.0, 6.5, "Mhm."),  # said while the agent speaks: not a turn
        ("a", 12.2, 16.0, "and we will find out together what changed."),
    ]
    found, _ = verdicts(scorecard, call(*turns))
    assert found["engagement"].credit == round(22 / (22 + 12), 3)  # one reply of 22 words to one customer turn
    text = Transcript(
        "chat.json", 20.0, 0, 0, "", "", "", [u for u in call(*turns).utterances if u.text != "Mhm."], TEXT
    )
    assert verdicts(scorecard, text)[0]["engagement"].credit == found["engagement"].credit
    silent, _ = verdicts(scorecard, call(("a", 0.0, 3.0, "Hello, how can I help?")))
    assert silent["engagement"].result == "na"


def test_empathy_evidence_is_the_turns_that_only_acknowledge(scorecard):
    found, _ = verdicts(
        scorecard,
        call(
            ("c", 0.0, 3.0, "I lost my job."),
            ("a", 3.5, 6.0, "That must be hard. Have you tried the job centre?"),
            ("c", 6.5, 8.0, "Not yet."),
            ("a", 8.5, 11.0, "That sounds stressful, you could call them tomorrow."),
            ("c", 11.5, 13.0, "Maybe."),
            ("a", 13.5, 16.0, "It is completely normal to feel scared right now."),
        ),
    )
    verdict = found["empathy_statement"]
    assert verdict.result == "pass" and "in 3 turns" in verdict.reason  # all three earn credit
    assert [u.start for u in verdict.evidence] == [
        13.5
    ]  # the one a reviewer hears as empathy, not advice or a question


def test_a_feeling_named_in_a_question_is_not_an_empathy_statement(scorecard):
    asked, _ = verdicts(scorecard, call(("c", 0.0, 3.0, "I lost my job."), ("a", 3.5, 6.0, "Why are you so upset?")))
    said, _ = verdicts(
        scorecard, call(("c", 0.0, 3.0, "I lost my job."), ("a", 3.5, 6.0, "That sounds so upsetting. What happened?"))
    )
    assert asked["empathy_statement"].result == "fail"
    assert said["empathy_statement"].result == "pass" and said["empathy_statement"].evidence[0].start == 3.5


def test_every_empathy_statement_that_earned_credit_is_evidence(scorecard):
    found, _ = verdicts(
        scorecard,
        call(
            ("c", 0.0, 3.0, "I lost my job."),
            ("a", 3.5, 6.0, "That must be hard."),
            ("c", 6.5, 8.0, "I am scared."),
            ("a", 8.5, 11.0, "I understand how stressful that is."),
            ("c", 11.5, 13.0, "Yes."),
            ("a", 13.5, 16.0, "It's completely normal to feel that way."),
            ("c", 16.5, 18.0, "Maybe."),
            ("a", 18.5, 21.0, "You are doing your best."),
        ),
    )
    assert [u.start for u in found["empathy_statement"].evidence] == [3.5, 8.5, 13.5, 18.5]


def test_talk_over_counts_only_on_stereo(scorecard):
    turns = [
        ("c", 0.0, 5.0, "Let me explain what happened to my order."),
        ("a", 1.0, 4.0, "Yes yes I know."),
        ("c", 6.0, 10.0, "And then it arrived broken again."),
        ("a", 7.0, 9.5, "Okay okay."),
        ("c", 11.0, 15.0, "I would like a refund now please."),
        ("a", 12.0, 14.0, "Fine, fine."),
    ]
    stereo, score = verdicts(scorecard, call(*turns))
    assert stereo["no_interruptions"].result == "fail" and score.metrics()["overtalk_count"] == 3
    mono, _ = verdicts(scorecard, call(*turns, channels=1))
    assert mono["no_interruptions"].result == "na"


def test_unannounced_dead_air_fails_hold_etiquette(scorecard):
    found, score = verdicts(
        scorecard,
        call(("a", 0.0, 3.0, "Hello."), ("c", 3.5, 5.0, "Hi, my order is late."), ("a", 20.0, 23.0, "Okay, found it.")),
    )
    assert found["hold_etiquette"].result == "fail" and "15 s of dead air at 0:05" in found["hold_etiquette"].reason
    assert score.metrics()["dead_air_s"] == 15.0


def test_flat_voice_fails_tone_and_missing_voice_is_not_applicable(scorecard):
    flat = dict(GOOD_VOICE, agent_pitch_std_st=0.4, agent_energy_std_db=1.0)
    found, _ = verdicts(scorecard, GOOD_CALL, flat)
    assert found["tone"].result == "fail" and "flat pitch" in found["tone"].reason
    found, _ = verdicts(scorecard, GOOD_CALL, {})
    assert found["tone"].result == "na"


def test_customer_name_from_metadata(scorecard):
    transcript = call(("a", 0.0, 3.0, "Hello Maria, how can I help?"), ("c", 3.5, 5.0, "Hi."))
    found, _ = verdicts(scorecard, transcript, customer_name="Maria Jones")
    assert found["customer_name_used"].result == "pass"


def test_sentiment_trajectory_and_contract(scorecard):
    _, score = verdicts(scorecard, GOOD_CALL)
    data = score.to_dict()
    assert set(data) == {"scorecard", "scores", "auto_fail", "criteria", "metrics"}
    assert data["metrics"]["customer_sentiment_start"] < 0 < data["metrics"]["customer_sentiment_end"]
    assert set(data["metrics"]) == {
        "talk_ratio_agent",
        "agent_wpm",
        "dead_air_s",
        "overtalk_count",
        "customer_sentiment_start",
        "customer_sentiment_end",
    }
    item = data["criteria"][0]
    assert set(item) == {
        "id",
        "section",
        "category",
        "result",
        "credit",
        "confidence",
        "reason",
        "evidence",
        "needs_review",
    }  # the contract's keys, and the abstain mark added since
    assert item["needs_review"] is False
    assert set(item["evidence"][0]) == {"speaker", "start", "end", "text"}


def test_long_phrases_tolerate_one_inserted_word_but_not_a_negation(scorecard):
    found, _ = verdicts(
        scorecard,
        call(
            ("a", 0.0, 5.0, "Hello, this call is currently recorded. How can I help?"),
            ("c", 5.5, 8.0, "I missed a payment, it's my fault."),
            ("a", 8.5, 12.0, "That is not your fault at all, these things happen."),
        ),
    )
    assert found["recording_disclosure"].result == "pass"
    assert found["prohibited_language"].result == "pass"
    found, _ = verdicts(scorecard, call(("a", 0.0, 3.0, "Hello, this call is not recorded."), ("c", 3.5, 5.0, "Okay.")))
    assert found["recording_disclosure"].result == "fail"


def test_customer_reactions_move_the_empathy_score(scorecard):
    def ending(reply: str) -> Transcript:
        return call(
            ("a", 0.0, 4.0, "Hello, how can I help?"),
            ("c", 4.5, 8.0, "My parcel never arrived."),
            ("a", 8.5, 12.0, "You can track it on the website."),
            ("c", 12.5, 15.0, reply),
        )

    _, well = verdicts(scorecard, ending("Okay, that helps."))
    _, badly = verdicts(scorecard, ending("What do you mean? You are not listening."))
    assert (well.sentiment.positive_reactions, well.sentiment.negative_reactions) == (1, 0)
    assert (badly.sentiment.positive_reactions, badly.sentiment.negative_reactions) == (0, 1)
    assert badly.empathy < well.empathy
    stored = SentimentTrajectory.from_dict(badly.sentiment.to_dict())
    assert stored.negative_reactions == 1 and stored.mood(with_reactions=True) == badly.sentiment.mood(True)


def test_thanks_in_the_customers_opening_is_not_a_reaction_to_the_agent(scorecard):
    _, polite = verdicts(
        scorecard,
        call(
            ("c", 0.0, 3.0, "Hi, thanks for taking my call."),
            ("a", 3.5, 6.0, "Hello, how can I help?"),
            ("c", 6.5, 9.0, "My parcel never arrived."),
            ("a", 9.5, 12.0, "I will send a new one today."),
            ("c", 12.5, 14.0, "Thank you, that helps."),
        ),
    )
    assert (polite.sentiment.positive_reactions, polite.sentiment.negative_reactions) == (1, 0)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("my card is 4111 1111 1111 1111 thanks", "my card is [card number] thanks"),
        ("four one one one one one one one one one one one one one one one.", "[card number]."),
        ("the CVV is 123", "the CVV is [security code]"),
        ("my social security number is 123 45 6789", "my social security number is [ssn]"),
        ("ssn 123-45-6789.", "ssn [ssn]."),
        ("account number 93418043810 and pin 3100", "account number 93418043810 and pin 3100"),
    ],
)
def test_redaction(text, expected):
    assert call(("c", 0.0, 1.0, text)).utterances[0].text == expected


def test_a_missing_whole_call_phrase_shows_the_customers_concern_and_how_the_agent_ended(scorecard):
    found, _ = verdicts(
        scorecard,
        call(
            ("a", 0.0, 3.0, "Hello, this call is recorded. How can I help?"),
            ("c", 3.5, 7.0, "My card was declined twice today and I'm really upset about it."),
            ("a", 7.5, 10.0, "What is your account number?"),
            ("c", 10.5, 12.0, "12345678."),
            ("a", 12.5, 15.0, "Okay. Bye."),
        ),
    )
    verdict = found["resolution_confirmation"]
    assert verdict.result == "fail" and "the customer's concern" in verdict.reason
    assert [u.start for u in verdict.evidence] == [3.5, 7.5, 12.5]
    assert [u.start for u in found["empathy_statement"].evidence] == [3.5, 7.5, 12.5]


@pytest.mark.parametrize(
    ("criterion", "said", "counted", "shown"),
    [
        (  # empathic moves outside the phrase list earn credit and are shown
            "empathy_statement",
            (
                "My mother went into a care home last month.",
                "It has been a really rough few weeks for you.",
                "It has.",
                "You are doing everything you can for her.",
            ),
            "in 2 turns",
            [3.5, 8.5],
        ),
        (  # both acknowledge, but the agent's own story is not shown as empathy
            "empathy_statement",
            (
                "I lost my job.",
                "That sounds frustrating. When I was laid off I felt the same.",
                "It is hard.",
                "That must be hard for you.",
            ),
            "in 2 turns",
            [8.5],
        ),
        (  # both pick up the customer's words, but the first turn's business is a new question
            "active_listening",
            (
                "The engineer cancelled the visit twice this week.",
                "The engineer cancelled twice? When was the visit booked for?",
                "Monday and then Thursday.",
                "So you have taken two days off for nothing.",
            ),
            "in 2 of 2 turns",
            [8.5],
        ),
    ],
)
def test_empathy_evidence_is_the_turns_whose_business_is_empathy(scorecard, criterion, said, counted, shown):
    times = [(0.0, 3.0), (3.5, 6.0), (6.5, 8.0), (8.5, 11.0)]
    found, _ = verdicts(scorecard, call(*((s, *t, text) for s, t, text in zip("caca", times, said))))
    verdict = found[criterion]
    assert verdict.result == "pass" and counted in verdict.reason
    assert [u.start for u in verdict.evidence] == shown
