"""Score stored calls again, with the current or an edited scorecard, from the stored transcripts and
voice features (nothing is transcribed again). The old scores stay, no longer current.

A big library is rescored in batches: scoring processes (one per core) each read a batch's calls with two
queries on a read-only connection, score them and convert the rows to store; this process writes each
batch's new scores in one transaction, so a cancelled or interrupted rescore leaves every call with
exactly one current score.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager

from qa_desktop.services.access.identity import current_user
from qa_desktop.services.access.permissions import require
from qa_desktop.storage import repository
from qa_desktop.storage.call_metadata import customer_name
from qa_desktop.storage.database import open_reader
from qa_desktop.storage.drivers import retag_all
from qa_desktop.storage.models import Call, Score, database
from scoring.drivers import DriverSet
from scoring.scorecard import Scorecard
from scoring.scorer import CallScore, score_call
from scoring.transcript import AUDIO

BATCH = 250  # calls read, scored and written together
IN_PROCESS_BELOW = 2_000  # smaller libraries are scored here: starting processes would cost more than it saves

Scored = list[tuple[int, repository.StoredScore | str]]  # a batch's calls: its score to insert, or why it has none
_scoring: tuple[Scorecard, int] | None = None  # a scoring process's scorecard and its stored id, set when it starts


def rescore_call(call: Call, scorecard: Scorecard) -> CallScore | None:
    """Score one stored call and store the result as its current score (None: too short to score)."""
    too_short = scorecard.too_short(call.duration_s, call.medium != AUDIO)
    if too_short:
        repository.mark_unscored(call, too_short)
        return None
    analysis = repository.stored_analysis(call)
    score = score_call(analysis.transcript, scorecard, analysis.voice, customer_name(call.metadata or {}))
    repository.store_score(call, scorecard, score)
    return score


def score_batch(call_ids: list[int], scoring: tuple[Scorecard, int] | None = None) -> Scored:
    """Read stored calls and score them with (scorecard, its stored id): (call id, the score as `store_scores`
    inserts it, or why the call is too short to score)."""
    scoring = scoring or _scoring
    assert scoring is not None, "a scoring process starts with its scorecard"
    card, card_id = scoring
    created = Score.created_at.default()  # one time for the batch
    scored: Scored = []
    for call_id, analysis, meta in repository.stored_analyses(call_ids):
        too_short = card.too_short(analysis.transcript.duration_s, analysis.transcript.is_text)
        scored.append(
            (
                call_id,
                too_short
                or repository.stored_score(
                    call_id,
                    card_id,
                    created,
                    score_call(analysis.transcript, card, analysis.voice, customer_name(meta)),
                ),
            )
        )
    return scored


def _start_scoring_process(scoring: tuple[Scorecard, int], path: str) -> None:
    """A scoring process reads the database on its own connection, which cannot write."""
    global _scoring
    _scoring = scoring
    open_reader(path)


@contextmanager
def _scorer(scoring: tuple[Scorecard, int], calls: int, processes: int) -> Iterator[Callable[[list[int]], Future]]:
    """Submits a batch of call ids for scoring: to scoring processes for a big library, else scored here at once."""
    processes = processes or os.cpu_count() or 1
    if calls < IN_PROCESS_BELOW or processes < 2:

        def here(call_ids: list[int]) -> Future:
            done: Future = Future()
            done.set_result(score_batch(call_ids, scoring))
            return done

        yield here
        return
    context = multiprocessing.get_context("spawn")  # no fork of a process that may run Qt threads
    with ProcessPoolExecutor(
        processes, mp_context=context, initializer=_start_scoring_process, initargs=(scoring, database.database)
    ) as pool:
        yield lambda call_ids: pool.submit(score_batch, call_ids)


def rescore_all(
    scorecard: Scorecard,
    progress: Callable[[int, int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    *,
    processes: int = 0,
) -> int:
    """Rescore every stored call; returns how many were rescored (fewer if cancelled). `processes`:
    scoring processes (0: one per core). Calls whose transcript the retention policy deleted keep their score.
    Admin only: it changes every call's score."""
    require(current_user(), "change scorecard")
    ids = [c.id for c in Call.select(Call.id).where(Call.transcript_deleted_at.is_null()).order_by(Call.id)]
    if not ids:
        return 0
    scoring = (scorecard, repository.scorecard_row(scorecard).id)
    batches = [ids[start : start + BATCH] for start in range(0, len(ids), BATCH)]
    ahead = max(2, (processes or os.cpu_count() or 1) + 1)  # batches being scored while one is written
    done = 0
    with _scorer(scoring, len(ids), processes) as submit:
        pending: deque[Future] = deque()
        for batch in batches:
            if should_cancel and should_cancel():
                break
            pending.append(submit(batch))
            if len(pending) >= ahead:
                done += _store(pending.popleft(), done, len(ids), progress)
        while pending and not (should_cancel and should_cancel()):
            done += _store(pending.popleft(), done, len(ids), progress)
        for future in pending:
            future.cancel()
    return done


def _store(scored: Future, done: int, total: int, progress: Callable[[int, int], None] | None) -> int:
    rows = scored.result()
    repository.store_scores(rows)
    if progress:
        progress(done + len(rows), total)
    return len(rows)


def retag(drivers: DriverSet, progress: Callable[[int, int], None] | None = None) -> int:
    """Tag every stored call again with an edited call-drivers file (admin only); returns the count."""
    require(current_user(), "change scorecard")
    return retag_all(drivers, progress)
