"""Ingest when the database itself gets in the way: another process stores the same call meanwhile, the
disk fills up, a process dies mid-import. The batch goes on and every job row ends properly."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

import pytest

from qa_desktop.services.ingest import IngestListener, Ingestor
from qa_desktop.storage import repository
from qa_desktop.storage.call_metadata import CallMetadata
from qa_desktop.storage.database import close_database, open_database
from qa_desktop.storage.models import Call, Job, database
from scoring.analysis import CallAnalysis
from scoring.audio import file_sha256
from scoring.transcript import Transcript
from tests.support.cli import run_cli
from tests.support.demo import ROOT, demo_clip, demo_file
from tests.support.stored_calls import SHORT_CHAT

pytestmark = pytest.mark.both_stores


def _store_elsewhere(path) -> None:
    """Store a call with this file's content hash from another connection, as another ingest would."""

    def store() -> None:
        with database.connection_context():
            transcript = Transcript(str(path), 1.0, 1, 8000, file_sha256(path), "tiny.en", "cpu", [])
            repository.store_call(CallAnalysis(transcript, {}), CallMetadata(agent="Other process"), None)

    thread = threading.Thread(target=store)
    thread.start()
    thread.join()


@pytest.mark.model
def test_a_call_stored_meanwhile_by_another_process_is_already_there(db, worker, scorecard, batch):
    class StoreElsewhereOnce(IngestListener):
        done = False

        def file_progress(self, path, fraction):
            if not self.done:
                self.done = True
                _store_elsewhere(path)

    files = [batch / "a_cold.flac", batch / "d_mono.wav"]
    results = Ingestor(worker, scorecard).ingest(files, StoreElsewhereOnce())
    assert [r.status for r in results] == ["skipped", "imported"]
    other = Call.get(Call.sha256 == file_sha256(files[0]))
    assert results[0].call_id == other.id and "already imported as the call 'Other process, " in results[0].message
    assert other.agent.name == "Other process" and Call.select().count() == 2
    assert [j.status for j in Job.select().order_by(Job.id)] == ["skipped", "done"]


@pytest.mark.model
@pytest.mark.sqlite_only  # fills the file with SQLite's max_page_count; a server's full disk is not simulated
def test_a_full_database_fails_that_file_and_the_batch_goes_on(db, worker, scorecard, tmp_path):
    # 20 s clips: with a clip's few rows the file fills inside a nested savepoint, and SQLite rolls the whole
    # transaction back (the savepoint's own rollback once hid that behind "no such savepoint")
    files = [demo_clip(kind, 20, tmp_path / f"{kind}{demo_file(kind).suffix}") for kind in ("cold", "mono")]
    pages = database.execute_sql("PRAGMA page_count").fetchone()[0]
    database.execute_sql(f"PRAGMA max_page_count = {pages}")  # no room for one more page

    class FreeSpaceAfterFirst(IngestListener):
        def file_finished(self, result):
            database.execute_sql("PRAGMA max_page_count = 1073741823")

    results = Ingestor(worker, scorecard).ingest(files, FreeSpaceAfterFirst())
    assert [r.status for r in results] == ["failed", "imported"]
    assert results[0].message == "database or disk is full (free some space)"
    assert Call.select().count() == 1
    assert not Job.select().where(Job.status == "running").exists()


PROCESS = """
import os, sys
from qa_desktop.storage import repository
from qa_desktop.storage.database import open_database
open_database(sys.argv[1])
repository.start_job(sys.argv[2])
print("started", flush=True)
if sys.argv[2] != "live.wav":
    os.kill(os.getpid(), 9)
sys.stdin.readline()
"""


def test_jobs_of_a_dead_process_are_interrupted_and_offered_again_but_not_a_live_ones(tmp_path):
    path = tmp_path / "calls.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = [sys.executable, "-c", textwrap.dedent(PROCESS), str(path)]
    open_database(path)
    close_database()
    killed = subprocess.run([*run, "killed.wav"], env=env, capture_output=True, text=True, timeout=120)
    assert killed.returncode == -9 and "started" in killed.stdout
    live = subprocess.Popen([*run, "live.wav"], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert live.stdout.readline().strip() == "started"
        open_database(path)
        jobs = {j.path: j for j in Job.select()}
        assert jobs["killed.wav"].status == "interrupted" and "interrupted" in jobs["killed.wav"].error
        assert jobs["live.wav"].status == "running"
        assert [j.path for j in repository.unfinished_jobs()] == ["killed.wav"]
    finally:
        live.communicate("\n", timeout=60)
        close_database()


def test_a_file_imported_again_after_its_import_was_killed_is_not_offered_again(tmp_path, isolated_home):
    path, chat = tmp_path / "calls.sqlite3", tmp_path / "chat.csv"
    chat.write_text(SHORT_CHAT)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    open_database(path)
    close_database()
    killed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(PROCESS), str(path), str(chat)], env=env, capture_output=True, text=True
    )
    assert killed.returncode == -9 and "started" in killed.stdout  # killed while importing the chat
    again = run_cli("ingest", str(chat), "--db", str(path), "--agent-speaker", "Sam (Acme)", env_home=isolated_home)
    assert again.returncode == 0, again.stderr
    open_database(path)
    assert [(j.path, j.status) for j in Job.select()] == [(str(chat), "done")]
    assert repository.unfinished_jobs() == []  # no Resume offered for it
