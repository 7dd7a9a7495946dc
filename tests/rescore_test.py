"""Rescore at scale: batched reads, scoring in worker processes and bulk writes store exactly what scoring
each call and storing it on its own stores."""

from __future__ import annotations

import sqlite3

import pytest

from qa_desktop.services import rescore
from qa_desktop.services.rescore import rescore_all
from qa_desktop.storage import repository
from qa_desktop.storage.call_metadata import customer_name
from qa_desktop.storage.database import close_database, open_database
from qa_desktop.storage.models import Call, Score
from scoring.scorer import score_call
from tools.synthetic_library import fill

pytestmark = pytest.mark.both_stores

CALLS = 120  # the parallel rescore's library

_SCORES = (
    "SELECT s.call_id, s.current, s.overall, s.empathy, s.compliance, s.auto_fail, s.metrics, s.analysis, "
    "s.failed, k.hash FROM score s JOIN scorecard k ON k.id = s.scorecard_id ORDER BY s.call_id, s.id"
)
_RESULTS = (
    "SELECT s.call_id, s.current, r.criterion, r.section, r.category, r.weight, r.critical, r.result, r.credit, "
    "r.confidence, r.reason, r.evidence, r.override, r.needs_review FROM criterionresult r "
    "JOIN score s ON s.id = r.score_id ORDER BY s.call_id, s.id, r.id"
)


def _rows(path) -> tuple[list, list]:
    with sqlite3.connect(path) as con:
        return con.execute(_SCORES).fetchall(), con.execute(_RESULTS).fetchall()


def test_parallel_rescore_stores_what_one_call_at_a_time_stores(tmp_path, scorecard, monkeypatch):
    monkeypatch.setattr(rescore, "BATCH", 40)  # three batches of 120 calls
    one_by_one, batched = tmp_path / "one_by_one.sqlite3", tmp_path / "batched.sqlite3"
    open_database(one_by_one)
    fill(CALLS, with_words=True)
    Call.update(metadata={"customer_name": "Dana"}).where(Call.id % 3 == 0).execute()  # named customers too
    with sqlite3.connect(batched) as copy:
        sqlite3.connect(one_by_one).backup(copy)
    for call in Call.select().order_by(Call.id):  # the reference: each call scored and stored on its own
        analysis = repository.stored_analysis(call)
        repository.store_score(
            call,
            scorecard,
            score_call(analysis.transcript, scorecard, analysis.voice, customer_name(call.metadata or {})),
        )
    close_database()

    open_database(batched)
    monkeypatch.setattr(rescore, "IN_PROCESS_BELOW", 0)  # two scoring processes even for a small library
    seen = []
    assert rescore_all(scorecard, lambda done, total: seen.append((done, total)), processes=2) == CALLS
    assert seen == [(done, CALLS) for done in (40, 80, 120)]
    assert Score.select().where(Score.current).count() == CALLS
    close_database()
    assert _rows(batched) == _rows(one_by_one)


def test_cancelled_rescore_leaves_one_current_score_per_call(db, scorecard, monkeypatch):
    monkeypatch.setattr(rescore, "BATCH", 40)  # four batches of 160 calls
    fill(160, with_words=True)
    done = rescore_all(scorecard, should_cancel=lambda: Score.select().count() > 160 + rescore.BATCH)
    assert 0 < done < 160 and done % rescore.BATCH == 0
    assert Score.select().where(Score.current).count() == 160
    assert Score.select().count() == 160 + done
