"""Score stored calls again, with the current or an edited scorecard, from the stored transcripts and
voice features (nothing is transcribed again). Each call's new score is stored in its own
transaction; the old scores stay, no longer current."""

from __future__ import annotations

from collections.abc import Callable

from scoring.scorecard import Scorecard
from scoring.scorer import CallScore, score_call
from scoring.transcript import AUDIO

from .ingest import customer_name
from .storage import repository
from .storage.models import Call


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


def rescore_all(scorecard: Scorecard, progress: Callable[[int, int], None] | None = None,
                should_cancel: Callable[[], bool] | None = None) -> int:
    """Rescore every stored call; returns how many were rescored (fewer if cancelled)."""
    ids = [c.id for c in Call.select(Call.id).order_by(Call.id)]
    done = 0
    for index, call_id in enumerate(ids):
        if should_cancel and should_cancel():
            break
        rescore_call(Call.get_by_id(call_id), scorecard)
        done += 1
        if progress:
            progress(index + 1, len(ids))
    return done
