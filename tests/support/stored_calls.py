"""Calls stored straight into the test database with exactly the numbers a test needs (no audio)."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

from qa_desktop.storage import repository
from qa_desktop.storage.call_metadata import CallMetadata
from qa_desktop.storage.drivers import default_drivers, tag_call
from qa_desktop.storage.models import Agent, Call, CriterionResultRow, Score, Team, UtteranceRow
from qa_desktop.storage.repository import scorecard_row
from scoring.scorecard import Scorecard, default_scorecard_path, load_scorecard
from scoring.scorer import score_call
from scoring.text_conversation import load_conversation

SHORT_CHAT = """speaker,text
Sam (Acme),"Hi, thanks for contacting Acme, my name is Sam."
Jordan,"My order never arrived and I'm upset."
Sam (Acme),"I'm sorry about that. I've sent a new one today. Is there anything else I can help with?"
"""  # a chat export for stored_conversation: the agent is "Sam (Acme)"


@cache  # read once: fixtures store dozens of calls a test
def shipped_scorecard() -> Scorecard:
    """The scorecard that ships."""
    return load_scorecard(default_scorecard_path())


def stored_call(
    agent: str,
    team: str,
    when: str,
    duration: float,
    scores: tuple[float, float, float],
    auto_fail: bool,
    results: dict[str, tuple[str, str | None]],
    texts: list[str],
    sentiment: tuple[float, float] = (0.0, 0.0),
) -> Call:
    """A stored, scored, tagged call with exactly these numbers (results: criterion -> (result, override))."""
    team_row = Team.get_or_create(name=team)[0]
    agent_row = Agent.get_or_create(name=agent, defaults={"team": team_row})[0]
    call = Call.create(
        path=f"/{agent}{when}.wav",
        sha256=f"{agent}{when}",
        duration_s=duration,
        channels=2,
        sample_rate=8000,
        agent=agent_row,
        team=team_row,
        call_time=dt.datetime.fromisoformat(when),
        model="tiny.en",
        device="cpu",
    )
    for i, text in enumerate(texts):
        UtteranceRow.create(call=call, position=i, speaker="customer", start=i, end=i + 1, text=text)
    tag_call(call.id, texts, default_drivers())
    overall, empathy, compliance = scores
    failed = [c for c, (result, override) in results.items() if (override or result) == "fail"]
    score = Score.create(
        call=call,
        scorecard=scorecard_row(shipped_scorecard()),
        overall=overall,
        empathy=empathy,
        compliance=compliance,
        auto_fail=auto_fail,
        metrics={"customer_sentiment_start": sentiment[0], "customer_sentiment_end": sentiment[1]},
        failed=" ".join(failed),
    )
    for criterion, (result, override) in results.items():
        CriterionResultRow.create(
            score=score,
            criterion=criterion,
            section="s",
            category="compliance",
            weight=1,
            critical=False,
            result=result,
            credit=0,
            confidence=0.9,
            reason="",
            override=override,
        )
    return call


def stored_conversation(path: Path, scorecard: Scorecard, agent: str = "Sam Reyes") -> Call:
    """A chat, email or ticket file (agent "Sam (Acme)") loaded, scored and stored as an import stores it."""
    analysis = load_conversation(path, ["Sam (Acme)"])
    return repository.store_call(
        analysis,
        CallMetadata(agent=agent, team="Chat", call_time=dt.datetime(2026, 11, 2)),
        None,
        scored=(scorecard, score_call(analysis.transcript, scorecard)),
    )
