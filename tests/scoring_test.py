"""Scoring the demo calls with the real model: expectations a person would share, evidence that
points at the right moment of the audio, storage of scores, rescoring without the audio."""

from __future__ import annotations

import json
import sqlite3

import pytest

from qa_desktop.services.rescore import rescore_all
from qa_desktop.storage import repository
from qa_desktop.storage.call_metadata import CallMetadata
from qa_desktop.storage.models import Call, CriterionResultRow, Score, UtteranceRow
from scoring.scorecard import default_scorecard_path, parse_scorecard
from scoring.scorer import score_call
from tests.support.cli import run_cli
from tests.support.demo import demo_clip, demo_file

pytestmark = pytest.mark.both_stores


@pytest.fixture(scope="module")
def demo_scores(demo_analyses, scorecard):
    return {name: score_call(a.transcript, scorecard, a.voice) for name, a in demo_analyses.items()}


def _score(demo_scores, kind):
    return demo_scores[demo_file(kind).name]


def _results(score):
    return {r.criterion.id: r.verdict for r in score.results}


@pytest.mark.model
def test_the_good_call_passes(demo_scores):
    good = _score(demo_scores, "good")
    results = _results(good)
    assert not good.auto_fail
    assert good.overall >= 75 and good.compliance >= 90
    for criterion in (
        "greeting",
        "recording_disclosure",
        "identity_verification",
        "apology",
        "hold_etiquette",
        "closing",
    ):
        assert results[criterion].result == "pass", (criterion, results[criterion].reason)


@pytest.mark.model
def test_the_non_compliant_call_is_auto_fail_for_the_right_reasons(demo_scores):
    bad = _score(demo_scores, "non_compliant")
    results = _results(bad)
    assert bad.auto_fail
    assert results["recording_disclosure"].result == "fail"
    assert results["identity_verification"].result == "fail"
    assert results["pci_safe"].result == "fail" and results["prohibited_language"].result == "fail"
    assert bad.compliance < 40 and bad.overall < _score(demo_scores, "good").overall - 30


@pytest.mark.model
def test_the_cold_call_scores_low_on_empathy(demo_scores):
    cold, good, calmed = (_score(demo_scores, k) for k in ("cold", "good", "angry_calmed"))
    assert cold.empathy < 50
    assert cold.empathy < good.empathy - 25 and cold.empathy < calmed.empathy - 25
    assert _results(cold)["apology"].result == "fail"
    assert not cold.auto_fail, "cold is not non-compliant: it discloses the recording and checks identity"
    assert cold.metrics()["customer_sentiment_end"] <= good.metrics()["customer_sentiment_end"]


@pytest.mark.model
def test_evidence_points_at_the_moment_in_the_audio(demo_scores, references):
    """Every piece of evidence overlaps the true turn of the same speaker in the rendered audio (on the mono
    call, whose voices are separated by the engine, all but one in ten: 14 of 14 today)."""
    for name, score in demo_scores.items():
        turns = references[name]["reference"]
        evidence = [(result.criterion.id, e) for result in score.results for e in result.verdict.evidence]
        missed = [
            (criterion, e)
            for criterion, e in evidence
            if not any(
                t["speaker"] == e.speaker and t["start"] - 0.5 < e.end and e.start < t["end"] + 0.5 for t in turns
            )
        ]
        allowed = len(evidence) // 10 if references[name]["kind"] == "mono" else 0
        assert evidence and len(missed) <= allowed, (name, missed)
    good = demo_scores[demo_file("good").name]
    disclosure = _results(good)["recording_disclosure"].evidence[0]
    truth = next(t for t in references[demo_file("good").name]["reference"] if "recorded" in t["text"])
    assert truth["start"] - 0.5 <= disclosure.start <= truth["end"] and disclosure.end <= truth["end"] + 0.5


@pytest.mark.model
def test_card_numbers_never_reach_the_transcript(demo_analyses):
    analysis = demo_analyses[demo_file("non_compliant").name]
    text = " ".join(u.text for u in analysis.transcript.utterances)
    words = " ".join(w.word for u in analysis.transcript.utterances for w in u.words)
    assert "[card number]" in text and "[card number]" in words
    for digits in ("4539", "1488", "0343", "6467"):
        assert digits not in text and digits not in words


@pytest.mark.model
def test_score_is_stored_with_its_results_and_scorecard(db, demo_analyses, scorecard, demo_scores):
    name = demo_file("good").name
    call = repository.store_call(
        demo_analyses[name], CallMetadata(agent="Maria"), 0, scored=(scorecard, demo_scores[name])
    )
    stored = repository.current_score(call)
    assert stored.overall == demo_scores[name].overall and stored.scorecard.hash == scorecard.hash
    assert stored.scorecard.text == scorecard.text
    assert CriterionResultRow.select().where(CriterionResultRow.score == stored).count() == len(scorecard.criteria)
    assert call.voice["agent_voiced_s"] > 5 and stored.analysis["sentiment"]["points"]


@pytest.mark.model
def test_rescoring_uses_stored_transcripts_not_audio(db, demo_analyses, scorecard, tmp_path):
    name = demo_file("non_compliant").name
    repository.store_call(
        demo_analyses[name],
        CallMetadata(agent="Tom"),
        0,
        scored=(scorecard, score_call(demo_analyses[name].transcript, scorecard)),
    )
    Call.update(path=str(tmp_path / "gone.flac")).execute()  # the recording is no longer there
    utterance_ids = [u.id for u in UtteranceRow.select()]
    lenient = parse_scorecard(scorecard.text.replace("critical = true", "critical = false"), "lenient.toml")
    assert rescore_all(lenient) == 1
    scores = list(Score.select().order_by(Score.id))
    assert len(scores) == 2 and scores[0].auto_fail and not scores[1].auto_fail
    assert not scores[0].current and scores[1].current and scores[1].scorecard.hash == lenient.hash
    assert [u.id for u in UtteranceRow.select()] == utterance_ids


@pytest.mark.model
def test_cli_score_json_contract_and_rescore(tmp_path, isolated_home):
    db_file = tmp_path / "scores.sqlite3"
    done = run_cli("score", str(demo_file("non_compliant")), "--json", "--db", str(db_file), env_home=isolated_home)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert {"file", "duration_s", "channels", "sample_rate", "sha256", "model", "device", "transcript"} <= set(result)
    assert result["scorecard"]["id"] == "default" and len(result["scorecard"]["hash"]) == 64
    assert result["auto_fail"] is True and set(result["scores"]) == {"overall", "empathy", "compliance"}
    shipped = parse_scorecard(default_scorecard_path().read_text())
    assert [c["id"] for c in result["criteria"]] == [c.id for c in shipped.criteria]  # every criterion, in order
    assert result["metrics"]["overtalk_count"] >= 0
    edited = tmp_path / "edited.toml"
    edited.write_text(default_scorecard_path().read_text().replace("critical = true", "critical = false"))
    again = run_cli("rescore", "--scorecard", str(edited), "--db", str(db_file), env_home=isolated_home)
    assert again.returncode == 0 and "1 calls rescored" in again.stderr
    with sqlite3.connect(db_file) as con:
        assert con.execute("SELECT auto_fail, current FROM score ORDER BY id").fetchall() == [(1, 0), (0, 1)]


@pytest.mark.model
def test_cli_score_without_db_stores_nothing_and_bad_scorecard_is_clear(tmp_path, isolated_home):
    broken = tmp_path / "broken.toml"
    text = default_scorecard_path().read_text()
    broken.write_text(text.replace("weight = 5", 'weight = "x"', 1))
    line = text.splitlines().index("weight = 5") + 1
    mono = demo_clip("mono", 20, tmp_path / "mono.wav")
    done = run_cli("score", str(mono), "--scorecard", str(broken), env_home=isolated_home)
    assert done.returncode == 2 and f"{broken}:{line}: criterion 'greeting' weight: must be a number" in done.stderr
    done = run_cli("score", str(mono), "--json", env_home=isolated_home)
    assert done.returncode == 0 and json.loads(done.stdout)["criteria"]
    assert not (isolated_home / "data" / "qa-desktop").exists()
