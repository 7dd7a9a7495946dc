"""Write the old-schema databases beside this file (vN.sqlite3) with the code that last wrote schema N.

    .venv/bin/python tests/data/old_databases/build.py

Each file is written by its commit's own `open_database` and peewee models (from `git archive`), so it is
what a user of that version has on disk. Every version gets the same calls, reviews and sessions, as far
as its schema has the tables and fields. migrations_test.py opens each one with today's code.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
COMMITS = {  # the last commit on main at each schema version
    1: "f72b8c110f953bd1996087485bea092d4c9e62ea",  # foundation: calls, utterances, jobs
    2: "1544bfa8510ae8c4f91ee41414aaab211d872b2a",  # scorecards, scores, criterion results
    3: "0aa8fca685ad9264dcc000ea14b99472606acb31",  # reviews and overrides, audit, full-text search
    6: "6fbb4461a77a432793a18e2bb3e8846e823d0440",  # coaching, call drivers, calibration, references, disputes
    9: "69fe1181394c4089f09ab743f9bbc66b88cf0c6c",  # text conversations, job owners, unscored calls
}


def _sha(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


CALL_PATHS = (
    "/calls/2026-10-01T09-15_ana-silva_billing_NW-1.wav",
    "/calls/2026-10-01T11-40_ana-silva_billing_NW-2.wav",
    "calls/tom-becker-support.flac",
)  # the last as a relative path, as early versions could store
TEXTS = {
    1: [
        ("agent", "Thank you for calling Northwind, this call is recorded for quality."),
        ("customer", "Hi, I want a refund, my card was charged twice."),
        ("agent", "I'm sorry about that, I understand how frustrating that is."),
        ("agent", "Can you confirm your postcode please?"),
    ],
    2: [("customer", "I'd like to cancel my subscription today."), ("agent", "Of course, let me help you with that.")],
    3: [("customer", "My bill is higher than last month."), ("agent", "Let me check the charges on your bill.")],
}
WHEN = "2026-10-02 08:00:00"
RESULTS = [  # score id, criterion, section, category, result, override
    (2, "greeting", "opening", "compliance", "pass", None),
    (2, "identity_verification", "compliance", "compliance", "fail", None),
    (2, "empathy_statement", "empathy", "empathy", "fail", "pass"),
    (3, "recording_disclosure", "opening", "compliance", "fail", None),
    (3, "identity_verification", "compliance", "compliance", "fail", None),
]


def rows(scorecard_text: str) -> list[tuple[str, list[dict]]]:
    """(model name, rows) in insertion order; fields a version lacks are left out, models it lacks skipped."""
    utterances = [
        {
            "call": call,
            "position": i,
            "speaker": speaker,
            "start": 4.0 * i,
            "end": 4.0 * i + 3.5,
            "text": text,
            "words": [{"start": 4.0 * i, "end": 4.0 * i + 0.4, "word": text.split()[0], "p": 0.93}],
        }
        for call, turns in TEXTS.items()
        for i, (speaker, text) in enumerate(turns)
    ]
    results = [
        {
            "id": n,
            "score": score,
            "criterion": criterion,
            "section": section,
            "category": category,
            "weight": 2.0 if criterion == "identity_verification" else 1.0,
            "critical": criterion == "identity_verification",
            "result": result,
            "credit": 100.0 if result == "pass" else 0.0,
            "confidence": 0.61 if n == 2 else 0.9,
            "reason": f"{criterion}: {result}",
            "override": override,
            "override_by": override and "Lead",
            "override_comment": override and "heard it at 0:41",
            "needs_review": n == 2,
            "evidence": [{"speaker": "agent", "start": 0.0, "end": 3.5, "text": TEXTS[1][0][1]}] if n == 1 else [],
        }
        for n, (score, criterion, section, category, result, override) in enumerate(RESULTS, 1)
    ]
    return [
        ("Team", [{"id": 1, "name": "Billing"}, {"id": 2, "name": "Support"}]),
        (
            "Agent",
            [
                {"id": 1, "name": "Ana Silva", "team": 1},
                {"id": 2, "name": "Tom Becker", "team": 2},
                {"id": 3, "name": "Sam Reyes", "team": None},
            ],
        ),
        (
            "Call",
            [
                {
                    "id": 1,
                    "path": CALL_PATHS[0],
                    "sha256": _sha(CALL_PATHS[0]),
                    "duration_s": 312.5,
                    "channels": 2,
                    "sample_rate": 8000,
                    "agent": 1,
                    "team": 1,
                    "external_id": "NW-1",
                    "call_time": "2026-10-01 09:15:00",
                    "agent_channel": 0,
                    "model": "tiny.en",
                    "device": "cpu/int8",
                    "metadata": {"campaign": "autumn", "queue": "billing"},
                    "imported_at": WHEN,
                    "voice": {"pitch_hz": 182.5, "words_per_minute": 151.0},
                    "reviewed": True,
                    "reviewed_by": "Lead",
                    "reviewed_at": "2026-10-03 10:00:00",
                },
                {
                    "id": 2,
                    "path": CALL_PATHS[1],
                    "sha256": _sha(CALL_PATHS[1]),
                    "duration_s": 95.0,
                    "channels": 1,
                    "sample_rate": 16000,
                    "agent": 1,
                    "team": 1,
                    "external_id": "NW-2",
                    "call_time": "2026-10-01 11:40:00",
                    "agent_channel": None,
                    "model": "tiny.en",
                    "device": "cpu/int8",
                    "metadata": {},
                    "imported_at": WHEN,
                    "voice": {},
                    "reviewed": False,
                },
                {
                    "id": 3,
                    "path": CALL_PATHS[2],
                    "sha256": _sha(CALL_PATHS[2]),
                    "duration_s": 8.0,
                    "channels": 2,
                    "sample_rate": 8000,
                    "agent": 2,
                    "team": 2,
                    "model": "tiny.en",
                    "device": "cpu/int8",
                    "metadata": {"note": "from the old recorder"},
                    "imported_at": WHEN,
                    "voice": {},
                    "unscored": "shorter than 10 s",
                },
            ],
        ),
        ("Utterance", utterances),
        (
            "Job",
            [
                {
                    "id": 1,
                    "path": CALL_PATHS[0],
                    "status": "done",
                    "call": 1,
                    "created_at": WHEN,
                    "updated_at": WHEN,
                    "options": {"metadata_csv": "/calls/metadata.csv"},
                },
                {
                    "id": 2,
                    "path": "/calls/broken.wav",
                    "status": "failed",
                    "error": "not an audio file",
                    "created_at": WHEN,
                    "updated_at": WHEN,
                },
                {"id": 3, "path": CALL_PATHS[1], "status": "done", "call": 2, "created_at": WHEN, "updated_at": WHEN},
            ],
        ),
        (
            "Scorecard",
            [
                {
                    "id": 1,
                    "key": "default",
                    "hash": hashlib.sha256(scorecard_text.encode()).hexdigest(),
                    "name": "Default contact-centre QA",
                    "path": "/scorecards/default.toml",
                    "text": scorecard_text,
                    "created_at": WHEN,
                }
            ],
        ),
        (
            "Score",
            [
                {
                    "id": 1,
                    "call": 1,
                    "scorecard": 1,
                    "current": False,
                    "overall": 55.0,
                    "empathy": 50.0,
                    "compliance": 60.0,
                    "auto_fail": False,
                    "metrics": {},
                    "analysis": {},
                    "created_at": WHEN,
                    "failed": "",
                },
                {
                    "id": 2,
                    "call": 1,
                    "scorecard": 1,
                    "current": True,
                    "overall": 72.5,
                    "empathy": 80.0,
                    "compliance": 65.0,
                    "auto_fail": True,
                    "metrics": {"talk_ratio": 0.55, "customer_sentiment_start": -0.4, "customer_sentiment_end": 0.3},
                    "analysis": {"dead_air": [[10.0, 14.5]]},
                    "created_at": WHEN,
                    "failed": "identity_verification",
                },
                {
                    "id": 3,
                    "call": 2,
                    "scorecard": 1,
                    "current": True,
                    "overall": 40.0,
                    "empathy": 70.0,
                    "compliance": 0.0,
                    "auto_fail": True,
                    "metrics": {},
                    "analysis": {},
                    "created_at": WHEN,
                    "failed": "recording_disclosure identity_verification",
                },
            ],
        ),
        ("CriterionResult", results),
        (
            "AuditEntry",
            [
                {
                    "call": 1,
                    "at": "2026-10-03 09:58:00",
                    "actor": "Lead",
                    "action": "override",
                    "target": "empathy_statement",
                    "old": "fail",
                    "new": "pass",
                    "comment": "heard it at 0:41",
                },
                {"call": 1, "at": "2026-10-03 10:00:00", "actor": "Lead", "action": "reviewed"},
            ],
        ),
        (
            "CoachingSession",
            [
                {
                    "id": 1,
                    "title": "Ana: identity checks",
                    "agents": [1],
                    "criteria": ["identity_verification"],
                    "notes": "Ask for the postcode first.",
                    "goals": "Every call verified",
                    "due": "2026-10-20 00:00:00",
                    "status": "delivered",
                    "coach": "Lead",
                    "created_at": WHEN,
                    "delivered_at": "2026-10-05 15:00:00",
                }
            ],
        ),
        (
            "CoachingClip",
            [
                {
                    "session": 1,
                    "call": 1,
                    "criterion": "identity_verification",
                    "kind": "improve",
                    "start": 12.0,
                    "end": 15.5,
                    "note": "no check before the refund",
                    "position": 0,
                }
            ],
        ),
        (
            "CallDriver",
            [
                {"call": 1, "driver": "refund", "mentions": 1, "primary": True},
                {"call": 1, "driver": "card_fraud", "mentions": 1, "primary": False},
                {"call": 2, "driver": "cancellation", "mentions": 1, "primary": True},
                {"call": 3, "driver": "billing", "mentions": 2, "primary": True},
            ],
        ),
        (
            "CalibrationSession",
            [
                {
                    "id": 1,
                    "title": "October calibration",
                    "lead": "Lead",
                    "evaluators": ["Bo", "Cy"],
                    "criteria": ["greeting", "identity_verification"],
                    "status": "open",
                    "created_at": WHEN,
                }
            ],
        ),
        ("CalibrationCall", [{"session": 1, "call": 1, "position": 0, "reason": "low confidence"}]),
        (
            "CalibrationAnswer",
            [
                {
                    "session": 1,
                    "call": 1,
                    "evaluator": "Bo",
                    "criterion": "greeting",
                    "result": "pass",
                    "comment": "",
                    "answered_at": WHEN,
                }
            ],
        ),
        ("CalibrationSubmission", [{"session": 1, "evaluator": "Bo", "submitted_at": WHEN}]),
        (
            "ReferenceVerdict",
            [
                {
                    "call": 1,
                    "criterion": "greeting",
                    "result": "pass",
                    "settled_by": "Lead",
                    "comment": "clear greeting",
                    "session": 1,
                    "settled_at": WHEN,
                }
            ],
        ),
        (
            "Dispute",
            [
                {
                    "call": 1,
                    "result_row": 2,
                    "criterion": "identity_verification",
                    "disputed": "fail",
                    "requested": "pass",
                    "agent_name": "Ana Silva",
                    "raised_by": "Lead",
                    "reason": "postcode asked at 0:42",
                    "status": "open",
                    "raised_at": WHEN,
                }
            ],
        ),
    ]


def write(out: Path, checkout: Path) -> None:
    """Run inside the old checkout: create the database with its code and store the rows."""
    from qa_desktop.storage import models
    from qa_desktop.storage.database import close_database, open_database

    if not Path(models.__file__).is_relative_to(checkout):
        raise SystemExit(f"the storage code came from {models.__file__}, not from {checkout}")
    shipped = checkout / "resources" / "scorecards" / "default.toml"
    open_database(out)
    with models.database.atomic():
        for name, items in rows(shipped.read_text() if shipped.exists() else ""):
            model = getattr(models, name, None)
            if model is None:
                continue
            for item in items:
                model.insert(**{k: v for k, v in item.items() if k in model._meta.fields}).execute()
    close_database()
    with sqlite3.connect(out) as con:
        con.execute("PRAGMA journal_mode = DELETE")  # one file, no -wal beside it
    with sqlite3.connect(out) as con:
        con.execute("PRAGMA page_size = 1024")  # small files: most tables hold a row or none
        con.execute("VACUUM")


def build(version: int, commit: str) -> Path:
    """Archive the commit, run this script's write() with its code, return the file."""
    out = HERE / f"v{version}.sqlite3"
    out.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        subprocess.run(
            [sys.executable, __file__, "--write", str(out), folder],
            check=True,
            cwd=folder,
            env={"PYTHONPATH": folder, "XDG_DATA_HOME": folder, "XDG_CONFIG_HOME": folder, "PATH": "/usr/bin:/bin"},
        )
    with sqlite3.connect(out) as con:
        written = con.execute("PRAGMA user_version").fetchone()[0]
    if written != version:
        raise SystemExit(f"{commit} wrote schema v{written}, not v{version}")
    return out


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"]:
        write(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        for version, commit in COMMITS.items():
            print(json.dumps({"version": version, "commit": commit, "file": str(build(version, commit).name)}))
