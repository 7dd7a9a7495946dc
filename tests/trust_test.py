"""Trust in the scores: agreement statistics against hand-computed values, blind calibration, settling
the expert answer, disputes with score recomputation and audit rows, the agreement lab, routing to human
review, and the abstain rule on poorly heard evidence."""

from __future__ import annotations

import random

import pytest

from qa_desktop.cli.main import main
from qa_desktop.services.trust import calibration as cal
from qa_desktop.services.trust.agreement import (
    agreement_counts,
    criterion_trust,
    human_verdicts,
    marked_criteria,
    trend,
)
from qa_desktop.services.trust.disputes import DisputeError, accept, counts, raise_dispute, reject
from qa_desktop.services.trust.stats import (
    cohen_kappa,
    krippendorff_alpha,
    pairwise_agreement,
    percent_agreement,
    spread,
)
from qa_desktop.storage import library
from qa_desktop.storage.library import LibraryFilter
from qa_desktop.storage.models import (
    AuditEntry,
    CalibrationAnswer,
    CalibrationSession,
    CalibrationSubmission,
    Call,
    CriterionResultRow,
    Dispute,
    ReferenceVerdict,
    Score,
)
from qa_desktop.storage.review import mark_checked, override, set_reviewed
from scoring.scorer import NO_AUDIO, score_call
from scoring.transcript import Transcript, Utterance, Word
from tests.support.stored_calls import SHORT_CHAT, shipped_scorecard, stored_call, stored_conversation
from tools.synthetic_library import fill

pytestmark = pytest.mark.both_stores

A = ["pass", "pass", "fail", "fail"]
B = ["pass", "fail", "fail", "fail"]


def test_statistics_match_hand_computed_values():
    # po = 3/4; chance: A passes 1/2, B 1/4 -> pe = 1/2 * 1/4 + 1/2 * 3/4 = 1/2; kappa = (3/4 - 1/2) / (1/2)
    assert percent_agreement(A, B) == 0.75 and cohen_kappa(A, B) == pytest.approx(0.5)
    # coincidences: pass-pass 2, pass-fail 2 (one each way), fail-fail 4; n = 8, n_pass = 3, n_fail = 5
    # D_o = 2/8, D_e = 2 * 3 * 5 / (8 * 7); alpha = 1 - D_o / D_e = 1 - 0.25 / (30 / 56)
    items = [{"a": x, "b": y} for x, y in zip(A, B)]
    assert krippendorff_alpha(items) == pytest.approx(1 - 0.25 / (30 / 56))
    assert pairwise_agreement(items + [{"a": "na", "b": "na", "c": "pass"}]) == pytest.approx((3 + 1 / 3) / 5)
    assert cohen_kappa(["pass"] * 3, ["pass"] * 3) is None  # undefined, not 1 or 0
    assert spread(["pass", "pass", "pass"]) == 0 and spread(["pass", "fail"]) == 1.0


@pytest.fixture
def calls(db):
    """Four calls of Ana's with automatic results on greeting (pass, pass, fail, pass) and closing (pass)."""
    autos = ["pass", "pass", "fail", "pass"]
    made = [
        stored_call(
            "Ana",
            "Billing",
            f"2026-03-0{i + 2} 09:00",
            300,
            (80, 80, 80),
            False,
            {"greeting": (auto, None), "closing": ("pass", None)},
            ["hello"],
        )
        for i, auto in enumerate(autos)
    ]
    return [c.id for c in made]


def test_calibration_is_blind_until_each_evaluator_submits(calls):
    session = cal.create_session("March", "Lead", ["Ann", "Bob"], calls, ["greeting"])
    for call_id, result in zip(calls, A):
        cal.answer(session, "Ann", call_id, "greeting", result)
    with pytest.raises(cal.BlindError):
        cal.all_answers(session, "Ann")
    with pytest.raises(cal.BlindError):
        cal.automatic(session, "Ann")
    assert cal.own_answers(session, "Ann")[(calls[0], "greeting")] == "pass"  # one's own answers are readable
    for call_id, result in zip(calls[:3], B):
        cal.answer(session, "Bob", call_id, "greeting", result)
    with pytest.raises(cal.CalibrationError, match="1 answer still to give"):
        cal.submit(session, "Bob")
    cal.submit(session, "Ann")
    with pytest.raises(cal.CalibrationError, match="already submitted"):
        cal.answer(session, "Ann", calls[0], "greeting", "fail")
    assert cal.all_answers(session, "Ann")[(calls[1], "greeting")] == {"Ann": "pass", "Bob": "fail"}
    with pytest.raises(cal.BlindError):
        cal.results(session, "Bob")  # Bob has not submitted
    assert cal.automatic(session, "Lead")[(calls[2], "greeting")] == "fail"  # the lead is not blind


def test_calibration_results_and_settled_reference(calls):
    session = cal.create_session("March", "Lead", ["Ann", "Bob"], calls, ["greeting"])
    for evaluator, answers in (("Ann", A), ("Bob", B)):
        for call_id, result in zip(calls, answers):
            cal.answer(session, evaluator, call_id, "greeting", result)
        cal.submit(session, evaluator)
    (row,), spreads = cal.results(session, "Lead")
    assert row.items == 4 and row.agreement == 0.75 and row.kappa == pytest.approx(0.5)
    assert row.alpha == pytest.approx(1 - 0.25 / (30 / 56))
    # automatic: pass, pass, fail, pass. Ann agrees on 3 (the last), Bob on 2.
    assert row.versus_automatic["Ann"][0] == 0.75 and row.versus_automatic["Bob"][0] == 0.5
    assert (spreads[0].call_id, spreads[0].spread, spreads[0].answers) == (
        calls[1],
        1.0,
        {"Ann": "pass", "Bob": "fail"},
    )
    cal.settle(session, calls[1], "greeting", "fail", "Lead", "the greeting was cut off", shown=None)
    assert ReferenceVerdict.get(call=calls[1], criterion="greeting").result == "fail"
    assert AuditEntry.get(action="reference verdict").comment == "the greeting was cut off"
    assert session.status == "open"
    for call_id in (calls[0], calls[2], calls[3]):
        cal.settle(session, call_id, "greeting", "pass", "Lead", shown=None)
    assert cal.CalibrationSession.get_by_id(session.id).status == "settled"


MIXED = ["greeting", "tone", "recording_disclosure"]  # tone needs sound; the scorecard checks disclosure on calls


@pytest.fixture
def chat_and_call(db, scorecard, tmp_path) -> tuple[int, int]:
    """A chat imported and scored (tone and recording disclosure automatically n/a) and a recorded call."""
    (tmp_path / "chat-7.csv").write_text(SHORT_CHAT, encoding="utf-8")
    chat = stored_conversation(tmp_path / "chat-7.csv", scorecard)
    call = stored_call(
        "Ana", "Billing", "2026-03-02 09:00", 300, (80, 80, 80), False, dict.fromkeys(MIXED, ("pass", None)), ["hi"]
    )
    return chat.id, call.id


def test_calibration_does_not_ask_what_a_chat_rules_out(chat_and_call):
    chat, call = chat_and_call
    chats_only = cal.create_session("Chats", "Lead", ["Ann", "Bob"], [chat])  # every criterion scored on it, but 4
    assert len(chats_only.criteria) == 13 and not set(chats_only.criteria) & {"tone", "recording_disclosure"}
    session = cal.create_session("Mixed", "Lead", ["Ann", "Bob"], [chat, call], MIXED)
    assert cal.not_asked(session) == {
        (chat, "tone"): NO_AUDIO,
        (chat, "recording_disclosure"): "Not applicable: the scorecard does not check this on a text conversation.",
    }
    assert cal.missing(session, "Ann") == 4  # 2 calls x 3 criteria, less the chat's 2
    with pytest.raises(cal.CalibrationError, match="'tone' is not asked on call .*no audio"):
        cal.answer(session, "Ann", chat, "tone", "na")
    for evaluator, on_call in (("Ann", "pass"), ("Bob", "fail")):
        cal.answer(session, evaluator, chat, "greeting", "pass")
        for criterion in MIXED:
            cal.answer(session, evaluator, call, criterion, on_call)
        assert cal.missing(session, evaluator) == 0
        cal.submit(session, evaluator)  # without a word on the chat's tone or disclosure
    CalibrationAnswer.create(session=session, call=chat, evaluator="Ann", criterion="tone", result="fail")  # older
    assert (chat, "tone") not in cal.all_answers(session, "Lead")
    table, spreads = cal.results(session, "Lead")
    assert {row.criterion: (row.items, row.agreement) for row in table} == {
        "greeting": (2, 0.5),
        "tone": (1, 0.0),
        "recording_disclosure": (1, 0.0),
    }
    assert {row.criterion: row.versus_automatic["Bob"][0] for row in table} == {
        "greeting": 0.5,  # agreed on the chat (pass, as the automatic verdict), not on the call
        "tone": 0.0,
        "recording_disclosure": 0.0,
    }
    pairs = sorted((s.call_id, s.criterion) for s in spreads)
    assert pairs == [(chat, "greeting")] + [(call, c) for c in sorted(MIXED)]
    with pytest.raises(cal.CalibrationError, match="not asked"):
        cal.settle(session, chat, "tone", "na", "Lead", shown=None)
    for s in spreads:
        cal.settle(session, s.call_id, s.criterion, "pass", "Lead", shown=s.reference)
    assert cal.session(session.id).status == "settled"  # every asked pair settled
    lab = {(v.call_id, v.criterion) for v in human_verdicts()}
    assert lab == {(chat, "greeting"), *((call, c) for c in MIXED)}  # the chat's tone counts nowhere


def test_proposed_calls_come_from_disagreement_then_low_confidence(calls):
    CriterionResultRow.update(confidence=0.55).where(CriterionResultRow.criterion == "closing").execute()
    low = Score.get(Score.call == calls[3]).results.where(CriterionResultRow.criterion == "greeting").get()
    low.confidence = 0.3
    low.save()
    override(
        Score.get(Score.call == calls[1]).results.where(CriterionResultRow.criterion == "greeting").get(),
        "fail",
        "no greeting heard",
        "Lead",
    )
    proposals = cal.propose_calls(3)
    assert [p.call_id for p in proposals] == [calls[1], calls[3], calls[0]]
    assert proposals[0].reason == "a reviewer overrode a result" and "30%" in proposals[1].reason


def _result(call_id: int, criterion: str) -> CriterionResultRow:
    return (
        Score.get(Score.call == call_id, Score.current).results.where(CriterionResultRow.criterion == criterion).get()
    )


def test_dispute_accepted_changes_the_result_and_recomputes_the_score(db):
    call = stored_call(
        "Ana",
        "Billing",
        "2026-03-02 09:00",
        300,
        (50, 50, 0),
        True,
        {"identity_verification": ("fail", None), "greeting": ("pass", None)},
        ["hello"],
    )
    Score.update(failed="identity_verification").execute()
    dispute = raise_dispute(
        _result(call.id, "identity_verification"), "Ana", "I asked for the postcode at 0:42", "Rita"
    )
    assert dispute.requested == "pass" and dispute.status == "open"
    # Before: "'identity_verification' on this call already has an open dispute" (the criterion by its id)
    with pytest.raises(DisputeError) as refused:
        raise_dispute(_result(call.id, "identity_verification"), "Ana", "again", "Rita")
    assert str(refused.value) == (
        "criterion 'Identity verification' of the call 'Ana, 2026-03-02 09:00' already has an open dispute"
    )
    score = accept(dispute, "Lead", "postcode heard at 0:42")
    assert _result(call.id, "identity_verification").effective == "pass"
    assert not score.auto_fail and score.failed == "" and score.compliance == 100.0
    actions = [e.action for e in AuditEntry.select().where(AuditEntry.call == call).order_by(AuditEntry.id)]
    assert actions == ["dispute raised", "override", "dispute accepted"]
    # Before: "dispute 1 was accepted by Lead at ...": a number the lead has seen nowhere
    with pytest.raises(
        DisputeError,
        match=r"^the dispute on criterion 'Identity verification' of the call 'Ana, 2026-03-02 09:00' was accepted by "
        r"Lead at \d\d:\d\d since you opened it",
    ):
        reject(dispute, "Lead", "changed my mind")


def test_a_dispute_accepted_after_a_rescore_changes_the_current_score(db):
    call = stored_call(
        "Ana",
        "Billing",
        "2026-03-02 09:00",
        300,
        (50, 50, 0),
        True,
        {"closing": ("fail", None), "greeting": ("fail", None)},
        ["hello"],
    )
    old = _result(call.id, "closing")
    closing, greeting = (
        raise_dispute(old, "Ana", "I said goodbye", "Rita"),
        raise_dispute(_result(call.id, "greeting"), "Ana", "I said hello", "Rita"),
    )
    # the rescore: a twin call's score (closing still fails, greeting now passes) becomes this call's current one
    twin = stored_call(
        "Ana",
        "Billing",
        "2026-03-02 09:01",
        300,
        (70, 70, 70),
        False,
        {"closing": ("fail", None), "greeting": ("pass", None)},
        ["hello"],
    )
    Score.update(call=call, current=True).where(Score.call == twin).execute()
    Score.update(current=False).where(Score.id == old.score_id).execute()
    score = accept(closing, "Lead", "heard the goodbye")
    assert score.current and _result(call.id, "closing").effective == "pass"
    assert CriterionResultRow.get_by_id(old.id).effective == "fail"  # the superseded score is left as it was
    score = accept(greeting, "Lead", "")
    assert score.current and "already gives pass" in greeting.resolution
    assert AuditEntry.select().where(AuditEntry.action == "override").count() == 1


def test_dispute_rejected_needs_a_reason_and_is_counted(db):
    call = stored_call(
        "Ben", "Support", "2026-03-02 09:00", 300, (50, 50, 50), False, {"closing": ("fail", None)}, ["hello"]
    )
    dispute = raise_dispute(_result(call.id, "closing"), "Ben", "I said goodbye", "Rita")
    with pytest.raises(DisputeError, match="needs a reason"):
        reject(dispute, "Lead", " ")
    reject(dispute, "Lead", "the call dropped before any goodbye")
    assert _result(call.id, "closing").effective == "fail"
    assert AuditEntry.get(action="dispute rejected").comment == "the call dropped before any goodbye"
    assert counts("agent")["Ben"]["rejected"] == 1 and counts("criterion")["closing"]["rejected"] == 1
    verdicts = human_verdicts()
    assert [(v.source, v.automatic, v.human) for v in verdicts] == [("dispute", "fail", "fail")]


def test_agreement_lab_marks_and_routes_a_criterion_people_disagree_with(calls, scorecard, tmp_path, capsys):
    for call_id in calls:  # reviewers overrode greeting on 2 calls and left it on 2; closing always stood
        mark_checked(_result(call_id, "greeting"), "Rita", "evidence")
        mark_checked(_result(call_id, "closing"), "Rita", "confirmed")
        set_reviewed(Call.get_by_id(call_id), "Rita")
    override(_result(calls[0], "greeting"), "fail", "no greeting", "Rita")
    override(_result(calls[2], "greeting"), "pass", "greeted", "Rita")
    table = {row.criterion: row for row in criterion_trust(human_verdicts(), scorecard)}
    greeting = table["greeting"]
    assert (greeting.calls, greeting.agreement, greeting.marked) == (4, 0.5, True)
    assert greeting.auto_pass_human_fail == [calls[0]] and greeting.auto_fail_human_pass == [calls[2]]
    assert greeting.kappa == pytest.approx(
        cohen_kappa(["pass", "pass", "fail", "pass"], ["fail", "pass", "pass", "pass"])
    )
    assert table["closing"].agreement == 1.0 and not table["closing"].marked
    assert trend(human_verdicts())["greeting"] == {"2026-03": (4, 0.5)}
    assert marked_criteria(scorecard) == ["greeting"]
    fresh = stored_call(
        "Ana",
        "Billing",
        "2026-03-20 09:00",
        300,
        (80, 80, 80),
        False,
        {"greeting": ("fail", None), "closing": ("pass", None)},
        ["hello"],
    )
    unclear = stored_call(
        "Ana", "Billing", "2026-03-21 09:00", 300, (80, 80, 80), False, {"greeting": ("pass", None)}, ["hello"]
    )
    CriterionResultRow.update(needs_review=True).where(CriterionResultRow.score == Score.get(call=unclear).id).execute()
    routed = library.call_ids(LibraryFilter(needs_review=True, review_criteria=("greeting",)))
    assert sorted(routed) == [fresh.id, unclear.id]  # reviewed calls are not routed again
    assert main(["agreement", "--db", str(Call._meta.database.database), "--from", "2026-03-01"]) == 0
    out = capsys.readouterr().out
    assert "greeting" in out and "MARKED" in out and "50%" in out


def test_a_reviewed_call_confirms_only_the_criteria_the_reviewer_looked_at(calls, scorecard):
    for call_id in calls:
        set_reviewed(Call.get_by_id(call_id), "Rita")
    assert human_verdicts() == []  # marked reviewed, nothing looked at: no agreement claimed
    mark_checked(_result(calls[0], "greeting"), "Rita", "evidence")  # played its evidence
    mark_checked(_result(calls[1], "closing"), "Rita", "confirmed")  # confirmed it explicitly
    assert sorted((v.call_id, v.criterion, v.source) for v in human_verdicts()) == [
        (calls[0], "greeting", "review"),
        (calls[1], "closing", "review"),
    ]
    assert AuditEntry.get(action="confirm").target == "closing"  # only the explicit confirmation is audited
    assert _result(calls[0], "greeting").checked_by == "Rita"


def test_poorly_heard_evidence_is_marked_for_review(scorecard):
    def greeting(p: float) -> CriterionResultRow:
        words = [Word(0.1 * i, 0.1 * i + 0.1, f" {w}", p) for i, w in enumerate("thank you for calling".split())]
        transcript = Transcript(
            "x.wav",
            60,
            2,
            8000,
            "h",
            "tiny.en",
            "cpu",
            [
                Utterance("agent", 0, 2, "Thank you for calling, how can I help?", words),
                Utterance("customer", 3, 5, "I have a question about my bill.", words),
            ],
        )
        return next(r for r in score_call(transcript, scorecard, {}).results if r.criterion.id == "greeting")

    clear, unclear = greeting(0.9), greeting(0.2)
    assert clear.verdict.result == unclear.verdict.result == "pass"
    assert not clear.verdict.needs_review and clear.to_dict()["needs_review"] is False
    assert unclear.verdict.needs_review and "mean word probability 0.20" in unclear.verdict.reason
    assert unclear.verdict.confidence <= 0.2


def _every_kind_of_human_verdict(rng: random.Random) -> None:
    """On a synthetic library: chats (their audio-only criteria ruled out), results looked at on reviewed calls,
    overrides, rejected disputes (two on some results, disagreeing) and open ones, reference verdicts, calibration
    answers submitted and not, and an older score that no longer counts."""
    chats = [c.id for c in Call.select(Call.id) if c.id % 7 == 0]
    Call.update(medium="text").where(Call.id.in_(chats)).execute()
    results = list(CriterionResultRow.select(CriterionResultRow, Score).join(Score))
    session = CalibrationSession.create(title="S", lead="Lead", evaluators=["Ann", "Bob"], criteria=[])
    CalibrationSubmission.create(session=session, evaluator="Ann")
    other = {"pass": "fail", "fail": "pass"}
    for r in rng.sample(results, len(results) // 4):
        doubt = 0.6 if r.criterion in ("greeting", "apology") else 0.05  # people disagree on these two
        kind = rng.choice(["look", "override", "dispute", "reference", "calibration"])
        human = other[r.result] if rng.random() < doubt else r.result
        if kind == "look":
            r.checked = "evidence"
        elif kind == "override":
            r.override = human
        elif kind == "dispute":
            for status in rng.choice([["rejected"], ["open"], ["rejected", "rejected"]]):
                Dispute.create(
                    call=r.score.call_id,
                    result_row=r,
                    criterion=r.criterion,
                    disputed=rng.choice([r.result, human]),
                    requested="na",
                    agent_name="A",
                    raised_by="R",
                    reason="x",
                    status=status,
                )
        elif kind == "reference":
            ReferenceVerdict.create(call=r.score.call_id, criterion=r.criterion, result=human, settled_by="Lead")
        else:
            for evaluator in ("Ann", "Bob"):
                CalibrationAnswer.create(
                    session=session, call=r.score.call_id, evaluator=evaluator, criterion=r.criterion, result=human
                )
        r.save()
    old = Score.get_by_id(results[0].score_id)
    old.id, old.current = None, False
    old.save(force_insert=True)
    CriterionResultRow.create(**{**results[0].__data__, "id": None, "score": old, "override": "na"})


def test_agreement_counts_in_the_database_match_the_labs_verdicts(db):
    fill(300, agents=6, with_results=True)
    _every_kind_of_human_verdict(random.Random(3))
    card = shipped_scorecard()
    table = criterion_trust(human_verdicts(), card)
    assert {c: (calls, n, agreeing / n) for c, (calls, n, agreeing) in agreement_counts().items()} == {
        row.criterion: (row.calls, row.verdicts, row.agreement) for row in table
    }
    marked = [row.criterion for row in table if row.marked]
    assert marked_criteria(card) == marked and "greeting" in marked and len(marked) < len(table)
