"""End to end on real audio: card data spoken in espeak-rendered calls never reaches the database, its
search index, `score --json`, `transcribe --json`, nor a coaching pack (PDF, index.html, clip audio)."""

# SQLite only: it reads the SQLite file itself, its FTS tables included, for digits anywhere

from __future__ import annotations

import json
import random
import re
import sqlite3
import subprocess

import numpy as np
import pytest
import soundfile as sf

from qa_desktop.services.coaching.pack import export_pack
from qa_desktop.services.coaching.sessions import add_clip, create_session
from qa_desktop.storage.database import close_database, open_database
from qa_desktop.storage.library import LibraryFilter, call_ids
from qa_desktop.storage.models import Call
from qa_desktop.storage.people import agent_called, reassign_call
from qa_desktop.storage.repository import stored_analysis
from scoring.clips import HIDE_MARGIN_S, TONE_HZ, TONE_LEVEL
from scoring.redact import redacted_spans
from tests.support.cli import run_cli
from tests.support.demo import DEMO
from tools.render_demo_calls import RATE, render

pytestmark = pytest.mark.model  # every test here loads the model

PAYMENT_CALL = {
    "agent_voice": "en-us",
    "customer_voice": "en-us+m5",
    "channels": 2,
    "turns": [
        ["agent", "Thank you for calling Northwind, this call is recorded. How can I help?"],
        ["customer", "I'd like to pay my bill of forty five pounds by card please."],
        ["agent", "Of course. Can I take the card number please?"],
        ["customer", "Yes. Five four five four, five four five four, five four five four, five four five four."],
        ["agent", "Thank you."],
        ["customer", "And the security code is seven, three, nine."],
        ["agent", "And the expiry date?"],
        ["customer", "Oh nine, twenty seven."],
        ["agent", "That's all paid. Is there anything else I can help you with today?"],
        ["customer", "No, that's all, thanks. Bye."],
    ],
}
NW_1002 = DEMO / "2026-11-03T11-40_tom-becker_billing_NW-1002.flac"
# Digit groups said in the two calls that must appear nowhere: NW-1002's card and code, the payment call's
# card, code and expiry date.
SECRETS = ("4539", "1488", "0343", "6467", "5454", "739", "0927")
_UNSPOKEN = re.compile(r"^(sha256|hash|file|path|owner)$|_at$|time$")  # owner: a job's "pid@start time@host"
_DIGIT_WORDS = {
    "zero": "0",
    "oh": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "twenty": "2",
}


def leaked(text: str) -> list[str]:
    """The secret digit groups found in text, however they were written (digit words, commas, dashes, dots)."""
    spoken = re.sub(r"[a-z]+", lambda m: _DIGIT_WORDS.get(m.group(), m.group()), text.lower())
    joined = re.sub(r"(?<=\d)[\s,.\-'\"]+(?=\d)", "", spoken)
    return [s for s in SECRETS if s in joined] + re.findall(r"\b123\b", joined)


def strings(value) -> list[str]:
    """Every string in a JSON value, parsing strings that hold JSON; numbers, hashes, file paths and
    timestamps are left out (their digits are not what was said)."""
    if isinstance(value, dict):
        return [s for k, v in value.items() if not _UNSPOKEN.search(k) for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return [value]
        return strings(parsed) if isinstance(parsed, (dict, list)) else [value]
    return []


@pytest.fixture(scope="module")
def payment_call(tmp_path_factory):
    """The payment call rendered by espeak-ng (stereo, 8 kHz, agent on the left)."""
    audio, _ = render(PAYMENT_CALL, random.Random(7))
    path = tmp_path_factory.mktemp("calls") / "2026-11-20T10-00_lee-park_billing_NW-2001.wav"
    sf.write(path, audio, RATE, subtype="PCM_16")
    return path


def test_card_data_said_in_real_calls_is_nowhere_in_output_storage_search_or_a_pack(
    payment_call, tmp_path, isolated_home
):
    db = tmp_path / "calls.sqlite3"
    scored = run_cli("score", "--json", "--db", str(db), str(payment_call), str(NW_1002), env_home=isolated_home)
    assert scored.returncode == 0, scored.stderr
    printed = run_cli("transcribe", "--json", str(payment_call), str(NW_1002), env_home=isolated_home)
    assert printed.returncode == 0, printed.stderr
    for done in (scored, printed):
        lines = [json.loads(line) for line in done.stdout.splitlines()]
        assert len(lines) == 2 and not leaked(re.sub(r"/\S+", "", done.stderr))  # file paths aside
        for line in lines:
            assert [s for s in strings(line) if leaked(s)] == []
            assert "[card number]" in json.dumps(line)
    # every string stored in every table, the search index included
    with sqlite3.connect(db) as raw:
        tables = [r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        stored = []
        for table in tables:
            rows = raw.execute(f"SELECT * FROM '{table}'")
            columns = [c[0] for c in rows.description]
            stored += [s for row in rows for s in strings(dict(zip(columns, row)))]
    assert [s for s in stored if leaked(s)] == []
    open_database(db)
    try:
        assert call_ids(LibraryFilter(search="pay")) != []  # the search works ...
        for secret in ("4539", "5454", "123", "739", "four five four", "five four five four"):
            assert call_ids(LibraryFilter(search=secret)) == [], secret  # ... and finds no card data
        calls = list(Call.select().order_by(Call.id))
        lee = agent_called("Lee Park", create=True)  # scored without metadata: the calls get an agent to coach
        calls = [reassign_call(call, lee, "Kim") for call in calls]
        session = create_session([lee], ["empathy_statement"], coach="Kim")
        for call in calls:
            add_clip(session, call, "empathy_statement", "improve", 0.0, call.duration_s)
        folder, _ = export_pack(session, tmp_path / "packs")
        pdf = subprocess.run(
            ["pdftotext", str(folder / "coaching-pack.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout
        page = (folder / "index.html").read_text()
        for shown in (pdf, page):
            assert not leaked(shown) and "[card number]" in shown and "[security code]" in shown
        wavs = sorted((folder / "clips").glob("*.wav"))[-2:]  # the two whole-call clips
        for call, wav in zip(calls, wavs):
            _assert_toned(wav, call)
    finally:
        close_database()


def _assert_toned(wav, call: Call) -> None:
    """Where card data was said, the clip holds only the quiet tone, where the recording had speech."""
    audio, rate = sf.read(wav, dtype="float32")
    recorded, _ = sf.read(call.path, dtype="float32")
    spans = redacted_spans(stored_analysis(call).transcript.utterances)
    assert len(spans) >= 2  # the card number and the code at least
    for start, end in spans:
        a, b = int((start - HIDE_MARGIN_S) * rate) + 1, int((end + HIDE_MARGIN_S) * rate) - 1
        clip = audio[a:b]
        assert np.abs(clip).max() <= TONE_LEVEL + 2e-3
        spectrum = np.abs(np.fft.rfft(clip[:, 0]))
        assert np.fft.rfftfreq(len(clip), 1 / rate)[spectrum.argmax()] == pytest.approx(TONE_HZ, abs=5)
        assert np.allclose(clip[:, 0], clip[:, 1])
        speech = recorded[int(start * RATE) : int(end * RATE)]
        assert np.abs(speech).max() > 0.1  # someone was speaking there
