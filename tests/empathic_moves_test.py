"""Empathic moves read from the shape of an agent's sentences: reflections, restatements and reassurance count;
a turn whose business is advice, the agent's own story or a new question does not."""

from __future__ import annotations

import pytest

from scoring.empathic_moves import REASSURANCE, REFLECTION, RESTATEMENT, conversation_moves, turn_moves
from scoring.text import content_words


@pytest.mark.parametrize(
    ("said", "kind"),
    [
        ("It has been a really rough few weeks for you.", REFLECTION),
        ("You sound completely worn out and exhausted.", REFLECTION),
        ("It sounds as though the move has turned everything upside down.", REFLECTION),
        ("I can only imagine how lonely the evenings are now.", REFLECTION),
        ("Of course you are angry about it.", REFLECTION),
        ("You are doing everything you can for her.", REASSURANCE),
        ("It is perfectly okay to take a few days to decide.", REASSURANCE),
        ("None of this is your fault.", REASSURANCE),
        ("I am sure you will find your feet in the new team.", REASSURANCE),
        ("So you have been waiting since March, is that right?", RESTATEMENT),
        ("Just to clarify, the landlord has not replied since Monday.", RESTATEMENT),
        ("All of this must be making you anxious.", REFLECTION),
        ("That is a valid concern.", REFLECTION),
        ("It is easy to feel lost after a move.", REFLECTION),
        ("You feel bad about how it ended.", REFLECTION),
        ("Please do not beat yourself up over this.", REASSURANCE),
    ],
)
def test_a_plain_empathic_turn_makes_its_move(said, kind):
    assert [m.kind for m in turn_moves(said, set())] == [kind]


@pytest.mark.parametrize(
    "said",
    [
        "That sounds exhausting. You could ask your manager for a week off.",  # advice
        "That sounds exhausting. When I moved house I was exhausted too.",  # the agent's own story
        "When I get anxious it is hard to sleep.",  # ... told without a past tense
        "I am anxious about it as well, it is scary.",
        "The lockdown is really getting me down, it is so hard.",
        "That sounds exhausting. What does your partner think?",  # a new question
        "Have you tried writing it all down?",
        "You are very welcome, take care!",
        "You are going to do great. Thanks for chatting and take care!",  # a goodbye
        "I see.",
    ],
)
def test_a_turn_about_something_else_is_no_empathic_move(said):
    assert turn_moves(said, set()) == []


def test_a_restatement_gives_the_customer_their_own_words_back():
    heard = content_words("My landlord keeps ignoring the broken boiler.")
    assert [m.kind for m in turn_moves("Your landlord is ignoring the boiler?", heard)] == [RESTATEMENT]
    assert turn_moves("Why would a landlord ignore a boiler?", heard) == []  # asks something new
    assert turn_moves("Your landlord is ignoring the boiler?", set()) == []  # nothing said to restate


def test_moves_are_read_against_what_the_customer_said_since_the_agent_last_spoke():
    turns = [
        ("customer", "The parcel went to the wrong depot."),
        ("customer", "And nobody at the depot answers the phone."),
        ("agent", "Nobody at the depot answers your calls?"),
        ("customer", "Right."),
        ("agent", "The parcel went to the wrong depot?"),  # said two customer turns ago, before the agent spoke
    ]
    found = conversation_moves(turns, "agent", "customer")
    assert [m.kind for m in found[2]] == [RESTATEMENT]
    assert found[4] == [] and found[0] == found[1] == found[3] == []
