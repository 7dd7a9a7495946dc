"""Fill the open database with synthetic scored calls, fast (raw inserts in one transaction), to
measure and test the library at scale: agents in teams, dates over a year, scores with failed
criteria, reviewed flags, and short transcripts (indexed for full-text search by the database's triggers).

Only for benchmarks and tests: the calls have no audio.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from functools import cache

from qa_desktop.storage.drivers import default_drivers
from qa_desktop.storage.models import database
from qa_desktop.storage.repository import scorecard_row
from scoring.analysis import CallAnalysis
from scoring.scorecard import default_scorecard_path, load_scorecard
from scoring.transcript import Transcript, Utterance, Word

TEAMS = ("Billing", "Support", "Sales", "Retention", "Fraud")
CRITERIA = (
    "greeting",
    "agent_introduction",
    "recording_disclosure",
    "identity_verification",
    "empathy_statement",
    "apology",
    "active_listening",
    "customer_name_used",
    "hold_etiquette",
    "resolution_confirmation",
    "further_assistance",
    "closing",
)
_LINES = (
    "thank you for calling how can I help you today",
    "I was charged twice for my bill this month",
    "I'm so sorry to hear that let me look into it",
    "could you confirm your account number please",
    "my internet has been down for three days",
    "I can see a duplicate payment on the account",
    "the refund will reach your bank within five working days",
    "is there anything else I can help with",
    "I would like to cancel my contract",
    "let me put you on a short hold while I check",
    "thank you for holding I have good news",
    "your new card will arrive next week",
)
RARE_WORD = "chargeback"  # in about 1 call in 100, to time a selective search


@cache
def line_mentions(line: str) -> dict[str, int]:
    """The call drivers one line mentions (lines repeat, so this is worked out once per line)."""
    return default_drivers().mentions([line])


def _words(text: str, start: float, rng: random.Random) -> list[dict]:
    """Words spread over an utterance's 4 seconds, with a recogniser's probability each."""
    tokens = text.split()
    step = 4.0 / len(tokens)
    return [
        {
            "word": f" {token}",
            "start": round(start + i * step, 2),
            "end": round(start + (i + 1) * step, 2),
            "p": round(rng.uniform(0.4, 1.0), 3),
        }
        for i, token in enumerate(tokens)
    ]


def fill(
    count: int,
    utterances_per_call: int = 6,
    agents: int = 60,
    seed: int = 7,
    recordings: list[tuple[str, float]] | None = None,
    with_results: bool = False,
    with_words: bool = False,
) -> None:
    """Insert `count` synthetic scored calls (their utterances, in the search index, and driver tags).

    With `recordings` ((path, duration s) of real audio), each call points at one of them. With them or
    with `with_results`, each call gets a result for every criterion with evidence inside it: each agent is
    weak on two criteria, so the dashboards, coaching suggestions and clips have something real to show.
    With `with_words`, each utterance has its words (times, probability) as an import stores them.
    """
    rng = random.Random(seed)
    first_call = (database.execute_sql("SELECT COALESCE(MAX(id), 0) FROM call").fetchone()[0]) + 1
    first_score = (database.execute_sql("SELECT COALESCE(MAX(id), 0) FROM score").fetchone()[0]) + 1
    first_utterance = (database.execute_sql("SELECT COALESCE(MAX(id), 0) FROM utterance").fetchone()[0]) + 1
    start = dt.datetime(2026, 1, 1)
    with database.atomic():
        for name in TEAMS:
            database.execute_sql("INSERT INTO team (name) VALUES (?) ON CONFLICT DO NOTHING", [name])
        teams = dict(database.execute_sql("SELECT name, id FROM team").fetchall())
        for n in range(agents):
            database.execute_sql(
                "INSERT INTO agent (name, team_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                [f"Agent {n:03d}", teams[TEAMS[n % len(TEAMS)]]],
            )
        agent_rows = database.execute_sql("SELECT id, team_id FROM agent WHERE name LIKE 'Agent %'").fetchall()
        scorecard = scorecard_row(load_scorecard(default_scorecard_path())).id
        weak = {agent: rng.sample(CRITERIA, 2) for agent, _team in agent_rows}
        calls, scores, utterances, results, tags = [], [], [], [], []
        for i in range(count):
            call_id = first_call + i
            agent, team = rng.choice(agent_rows)
            when = start + dt.timedelta(minutes=rng.randrange(365 * 24 * 60))
            reviewed = rng.random() < 0.2
            path, duration = (
                rng.choice(recordings) if recordings else (f"/synthetic/{call_id}.wav", rng.uniform(60, 900))
            )
            calls.append(
                (
                    call_id,
                    path,
                    f"synthetic-{call_id}",
                    duration,
                    2,
                    8000,
                    agent,
                    team,
                    when,
                    0,
                    "tiny.en",
                    "cpu",
                    "{}",
                    when,
                    "{}",
                    reviewed,
                    "QA lead" if reviewed else None,
                )
            )
            failed = [c for c in CRITERIA if rng.random() < (0.5 if c in weak[agent] else 0.12)]
            if recordings or with_results:
                for criterion in CRITERIA:
                    moment = rng.uniform(0, max(0.0, duration - 6))
                    evidence = json.dumps([{"speaker": "agent", "start": moment, "end": moment + 4, "text": ""}])
                    result = "fail" if criterion in failed else "pass"
                    results.append(
                        (
                            first_score + i,
                            criterion,
                            "s",
                            "empathy",
                            1.0,
                            False,
                            result,
                            0.0 if result == "fail" else 100.0,
                            0.8,
                            "synthetic",
                            evidence,
                            False,
                        )
                    )
            empathy, compliance = rng.uniform(20, 100), rng.uniform(20, 100)
            mood = rng.uniform(-0.6, 0.4)
            metrics = json.dumps(
                {
                    "customer_sentiment_start": mood,
                    "customer_sentiment_end": mood + rng.uniform(-0.3, 0.3) + empathy / 200,
                }
            )
            scores.append(
                (
                    first_score + i,
                    call_id,
                    scorecard,
                    True,
                    round((empathy + compliance) / 2, 1),
                    empathy,
                    compliance,
                    "identity_verification" in failed or "recording_disclosure" in failed,
                    metrics,
                    "{}",
                    when,
                    " ".join(failed),
                )
            )
            lines = rng.sample(_LINES, utterances_per_call)
            if rng.random() < 0.01:
                lines[-1] += f" I will raise a {RARE_WORD} with my bank"
            mentions: dict[str, int] = {}
            for line in lines:
                for driver, n in line_mentions(line).items():
                    mentions[driver] = mentions.get(driver, 0) + n
            tags += [(call_id, t.driver, t.mentions, t.primary) for t in default_drivers().choose(mentions)]
            for position, text in enumerate(lines):
                words = json.dumps(_words(text, position * 5.0, rng)) if with_words else "[]"
                utterances.append(
                    (
                        first_utterance + len(utterances),
                        call_id,
                        position,
                        "agent" if position % 2 == 0 else "customer",
                        position * 5.0,
                        position * 5.0 + 4,
                        text,
                        words,
                    )
                )
        database.execute_many(
            "INSERT INTO call (id, path, sha256, duration_s, channels, sample_rate, agent_id, team_id, "
            "call_time, agent_channel, model, device, metadata, imported_at, voice, reviewed, reviewed_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            calls,
        )
        database.execute_many(
            "INSERT INTO score (id, call_id, scorecard_id, current, overall, empathy, compliance, "
            "auto_fail, metrics, analysis, created_at, failed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            scores,
        )
        database.execute_many(
            "INSERT INTO criterionresult (score_id, criterion, section, category, weight, critical, "
            "result, credit, confidence, reason, evidence, needs_review) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            results,
        )
        database.execute_many('INSERT INTO calldriver (call_id, driver, mentions, "primary") VALUES (?, ?, ?, ?)', tags)
        database.execute_many(
            'INSERT INTO utterance (id, call_id, position, speaker, start, "end", text, words) '
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            utterances,
        )
    database.after_bulk_load()  # the ids given here were not drawn from PostgreSQL's sequences


def spoken_analysis(sha: str, texts: tuple[str, ...], folder: str = "/calls") -> CallAnalysis:
    """An analysed two-channel call of these turns (agent first, then taking turns, 2 s apart), no audio: for
    storing calls without the model."""
    utterances = [
        Utterance(
            "agent" if i % 2 == 0 else "customer",
            i * 2.0,
            i * 2.0 + 1.5,
            text,
            [Word(i * 2.0, i * 2.0 + 1.5, text, 0.9)],
        )
        for i, text in enumerate(texts)
    ]
    return CallAnalysis(
        Transcript(f"{folder}/{sha[:12]}.wav", 10.0, 2, 8000, sha, "tiny.en", "cpu/int8", utterances), {}
    )
