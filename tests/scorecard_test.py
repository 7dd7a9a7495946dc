"""Scorecard files: the default loads, and each kind of mistake names the file, line and field."""

from __future__ import annotations

import pytest

from scoring.scorecard import ScorecardError, default_scorecard_path, load_scorecard, parse_scorecard

STABLE_IDS = [
    "greeting",
    "agent_introduction",
    "recording_disclosure",
    "identity_verification",
    "prohibited_language",
    "pci_safe",
    "empathy_statement",
    "apology",
    "active_listening",
    "engagement",
    "customer_name_used",
    "no_interruptions",
    "tone",
    "hold_etiquette",
    "resolution_confirmation",
    "further_assistance",
    "closing",
]

GOOD = """\
[scorecard]
id = "mini"
name = "Mini"

[[sections]]
id = "opening"
name = "Opening"

[[sections.criteria]]
id = "greeting"
category = "process"
weight = 5
detector = "phrase"
[sections.criteria.params]
phrases = ["hello"]

[[sections.criteria]]
id = "recording_disclosure"
category = "compliance"
weight = 5
critical = true
detector = "phrase"
[sections.criteria.params]
phrases = ["this call is recorded"]
"""


def test_default_scorecard_has_the_stable_criteria(scorecard):
    assert [c.id for c in scorecard.criteria] == STABLE_IDS
    assert {c.id for c in scorecard.criteria if c.critical} == {"recording_disclosure", "identity_verification"}
    assert len(scorecard.hash) == 64 and scorecard.path == str(default_scorecard_path())


def test_hash_follows_the_content():
    a, b = (
        parse_scorecard(GOOD, "a.toml"),
        parse_scorecard(GOOD.replace("weight = 5\ndetector", "weight = 6\ndetector", 1)),
    )
    assert a.hash != b.hash and a.criterion("greeting").weight == 5 and b.criterion("greeting").weight == 6


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            ("weight = 5\ndetector", 'weight = "high"\ndetector'),
            r"card\.toml:12: criterion 'greeting' weight: must be a number",
        ),
        (
            ('category = "process"', 'category = "style"'),
            r"card\.toml:11: criterion 'greeting' category: must be one of",
        ),
        (
            ('detector = "phrase"\n[sections.criteria.params]\nphrases = ["hello"]', 'detector = "magic"'),
            r"card\.toml:13: criterion 'greeting' detector: unknown 'magic'",
        ),
        (
            ('phrases = ["hello"]', 'phrases = ["hello"]\nwindow = 3'),
            r"card\.toml:16: criterion 'greeting' params\.window: unknown",
        ),
        (
            ('phrases = ["hello"]', 'phrases = "hello"'),
            r"card\.toml:15: criterion 'greeting' params\.phrases: must be a list",
        ),
        (('phrases = ["hello"]', "first_turns = 2"), r"criterion 'greeting' params\.phrases: required"),
        (('id = "recording_disclosure"', 'id = "greeting"'), r"card\.toml:18: criterion 'greeting' id: used twice"),
        (
            ("critical = true", 'critical = "yes"'),
            r"card\.toml:21: criterion 'recording_disclosure' critical: must be true or false",
        ),
        (("weight = 5\ndetector", "weight = 5\nweight = 6\ndetector"), r"card\.toml: not valid TOML: .*line 13"),
        (
            ('name = "Mini"', 'name = "Mini"\nnegative_reactions = "useless"'),
            r"card\.toml:4: negative_reactions: must be a list",
        ),
        # a misspelt key must not silently drop what it meant (here the auto-fail)
        (
            ("critical = true", "critcal = true"),
            r"card\.toml:21: criterion 'recording_disclosure' critcal: unknown key \(did you mean 'critical'\?\)",
        ),
        (('name = "Opening"', 'name = "Opening"\ncriterias = []'), r"card\.toml:8: section 1 criterias: unknown key"),
        (('name = "Mini"', 'name = "Mini"\nmin_agreemnt = 0.7'), r"card\.toml:4: scorecard\.min_agreemnt: unknown key"),
        (("[scorecard]", "[scorcard]"), r"card\.toml:1: scorcard: unknown key \(did you mean 'scorecard'\?\)"),
        (
            ("weight = 5\ndetector", "weight = -1\ndetector"),
            r"card\.toml:12: criterion 'greeting' weight: must not be negative",
        ),
        (
            ("weight = 5\ndetector", "weight = nan\ndetector"),
            r"card\.toml:12: criterion 'greeting' weight: must be a finite",
        ),
        (
            ("weight = 5\ndetector", "weight = inf\ndetector"),
            r"card\.toml:12: criterion 'greeting' weight: must be a finite",
        ),
        (
            ('phrases = ["hello"]', "phrases = []"),
            r"card\.toml:15: criterion 'greeting' params\.phrases: must list at least one",
        ),
        (
            ('phrases = ["hello"]', 'phrases = ["hello", ""]'),
            r"card\.toml:15: criterion 'greeting' params\.phrases: .*non-empty",
        ),
        (
            ('phrases = ["hello"]', 'phrases = ["hello"]\nfirst_turns = -2'),
            r"card\.toml:16: criterion 'greeting' params\.first_turns: must be at least 0",
        ),
        (
            ('phrases = ["hello"]', 'phrases = ["hello"]\nspeaker = "supervisor"'),
            r"card\.toml:16: criterion 'greeting' params\.speaker: must be one of agent, customer",
        ),
        (
            ('phrases = ["hello"]', 'phrases = ["hello"]\ntrigger_sentiment_below = 5'),
            r"card\.toml:16: criterion 'greeting' params\.trigger_sentiment_below: must be at most 1",
        ),
        (
            ('name = "Mini"', 'name = "Mini"\nmin_duration_s = -3'),
            r"card\.toml:4: min_duration_s: must not be negative",
        ),
        (
            ("weight = 5\ndetector", 'weight = 5\nmedia = ["video"]\ndetector'),
            r"card\.toml:13: criterion 'greeting' media: list \"audio\", \"text\" or both",
        ),
    ],
)
def test_mistakes_name_file_line_and_field(edit, message):
    with pytest.raises(ScorecardError, match=message):
        parse_scorecard(GOOD.replace(*edit, 1), "card.toml")


def test_unreadable_file_is_named(tmp_path):
    with pytest.raises(ScorecardError, match="missing.toml: cannot read"):
        load_scorecard(tmp_path / "missing.toml")


def test_all_zero_weights_are_refused():
    """With every weight 0 nothing counts and every call would score 100."""
    with pytest.raises(ScorecardError, match=r"card\.toml:12: criterion 'greeting' weight: every criterion weighs 0"):
        parse_scorecard(GOOD.replace("weight = 5", "weight = 0"), "card.toml")


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert [c.id for c in load_scorecard(path).criteria] == ["greeting", "recording_disclosure"]


def test_min_duration_defaults_to_ten_seconds():
    card = parse_scorecard(GOOD)
    assert card.min_duration_s == 10 and card.too_short(9.9) and card.too_short(10) is None
    assert parse_scorecard(GOOD.replace('name = "Mini"', 'name = "Mini"\nmin_duration_s = 0')).too_short(0.5) is None
