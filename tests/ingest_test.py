"""Ingest end to end: the real model, a real database, bad files in the batch, no duplicates."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from qa_desktop.cli.main import main
from qa_desktop.services.dashboard import queries as q
from qa_desktop.services.ingest import Ingestor, discover
from qa_desktop.services.metadata import DEFAULT_NAME_PATTERN, compile_name_pattern, load_csv
from qa_desktop.services.rescore import rescore_all
from qa_desktop.storage import library
from qa_desktop.storage.models import Call, Job, Score, UtteranceRow
from qa_desktop.storage.recordings import missing_recordings
from scoring.scorecard import parse_scorecard
from tests.support.cli import run_cli
from tests.support.demo import DEMO, demo_clip, demo_file

pytestmark = pytest.mark.both_stores


@pytest.mark.model
def test_folder_batch_goes_on_past_bad_files(db, worker, scorecard, batch):
    files = discover([batch, batch / "missing.wav"])
    assert [f.name for f in files] == ["a_cold.flac", "b_empty.wav", "c_notes.mp3", "d_mono.wav", "missing.wav"]
    results = Ingestor(worker, scorecard).ingest(files)
    assert [r.status for r in results] == ["imported", "failed", "failed", "imported", "failed"]
    assert "empty file" in results[1].message and "not an audio file" in results[2].message
    assert results[4].message == "file not found"
    assert Call.select().count() == 2
    failed = {j.path.rsplit("/", 1)[-1]: j.error for j in Job.select().where(Job.status == "failed")}
    assert set(failed) == {"b_empty.wav", "c_notes.mp3", "missing.wav"}


@pytest.mark.model
def test_reimport_does_not_duplicate(db, worker, scorecard, batch, tmp_path):
    ingestor = Ingestor(worker, scorecard)
    first = ingestor.ingest_file(batch / "a_cold.flac")
    copy = tmp_path / "renamed.flac"
    shutil.copy(batch / "a_cold.flac", copy)
    again = ingestor.ingest_file(copy)
    assert again.status == "skipped" and again.call_id == first.call_id
    assert "already imported" in again.message
    assert Call.select().count() == 1


@pytest.mark.model
def test_crash_mid_batch_leaves_earlier_calls_intact(db, worker, scorecard, batch):
    ingestor = Ingestor(worker, scorecard)
    earlier = ingestor.ingest_file(batch / "a_cold.flac")
    utterances_before = UtteranceRow.select().count()

    class KillOnProgress:
        def file_started(self, *args): ...
        def file_finished(self, result): ...
        def file_progress(self, path, fraction):
            if worker.pid is not None:
                os.kill(worker.pid, 9)

    crashed = ingestor.ingest_file(batch / "d_mono.wav", KillOnProgress())
    assert crashed.status == "failed" and "stopped unexpectedly" in crashed.message
    assert Call.select().count() == 1 and UtteranceRow.select().count() == utterances_before
    assert Call.get_by_id(earlier.call_id).utterances.count() == utterances_before
    assert ingestor.ingest_file(batch / "d_mono.wav").status == "imported"


@pytest.mark.model
def test_metadata_from_csv_and_file_names(db, worker, scorecard):
    ingestor = Ingestor(
        worker,
        scorecard,
        metadata=load_csv(DEMO / "metadata.csv"),
        name_pattern=compile_name_pattern(DEFAULT_NAME_PATTERN),
    )
    result = ingestor.ingest_file(demo_file("non_compliant"))
    call = Call.get_by_id(result.call_id)
    assert (call.agent.name, call.team.name, call.external_id) == ("Tom Becker", "Billing", "NW-1002")
    assert call.call_time.isoformat() == "2026-11-03T11:40:00"
    assert call.channels == 2 and call.agent_channel == 0


@pytest.mark.model
def test_cli_transcribe_prints_json_lines(tmp_path, isolated_home):
    (tmp_path / "empty.wav").touch()
    mono = demo_clip("mono", 20, tmp_path / "mono.wav")
    done = run_cli("transcribe", str(mono), str(tmp_path / "empty.wav"), "--json", env_home=isolated_home)
    assert done.returncode == 1
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines[0]["channels"] == 1 and {u["speaker"] for u in lines[0]["transcript"]} == {"agent", "customer"}
    assert lines[1] == {"file": str(tmp_path / "empty.wav"), "error": "empty file (0 bytes)"}
    assert f"FAILED: {tmp_path / 'empty.wav'}: empty file (0 bytes)" in done.stderr
    assert not (isolated_home / "data" / "qa-desktop").exists()  # transcribe stores nothing


@pytest.mark.model
def test_cli_ingest_reports_each_failure_and_exit_code(tmp_path, isolated_home):
    bad = tmp_path / "broken.ogg"
    bad.write_bytes(b"OggS" + b"\x00" * 50)
    db_file = tmp_path / "cli.sqlite3"
    mono = demo_clip("mono", 20, tmp_path / "mono.wav")
    done = run_cli("ingest", str(mono), str(bad), "--db", str(db_file), env_home=isolated_home)
    assert done.returncode == 1, done.stderr
    assert f"FAILED: {bad}:" in done.stderr
    assert "1 imported, 0 already there, 1 failed" in done.stderr
    assert "distributed." not in done.stderr  # the local Dask cluster's own INFO lines only with --verbose
    again = run_cli("ingest", str(mono), "--db", str(db_file), env_home=isolated_home)
    assert again.returncode == 0 and "0 imported, 1 already there, 0 failed" in again.stderr


def test_cli_missing_model_is_a_clear_error(tmp_path, isolated_home):
    done = run_cli(
        "ingest",
        str(demo_file("mono")),
        "--model",
        str(tmp_path / "nomodel"),
        "--db",
        str(tmp_path / "x.sqlite3"),
        env_home=isolated_home,
    )
    assert done.returncode == 2
    assert "model folder not found" in done.stderr and "--model FOLDER" in done.stderr


def test_cli_output_keeps_one_line_per_file_and_skips_broken_links_in_folders(tmp_path, isolated_home):
    folder = tmp_path / "calls"
    folder.mkdir()
    (folder / "bad\nname.wav").touch()
    (folder / "dangling.wav").symlink_to(folder / "gone.wav")
    (folder / "loop.wav").symlink_to(folder / "loop.wav")
    named = tmp_path / "named.wav"
    named.symlink_to(tmp_path / "moved.wav")
    done = run_cli("ingest", str(folder), str(named), "--db", str(tmp_path / "cli.sqlite3"), env_home=isolated_home)
    assert done.returncode == 1, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith(("FAILED", "imported", "skipped"))]
    odd = repr(str(folder / "bad\nname.wav"))  # quoted, the newline escaped
    assert lines == [
        f"FAILED: {odd}: empty file (0 bytes)",
        f"FAILED: {named}: broken link: it points to {tmp_path / 'moved.wav'}, which does not exist",
    ]
    assert "dangling" not in done.stderr and "loop.wav" not in done.stderr
    assert "0 imported, 0 already there, 2 failed" in done.stderr


@pytest.mark.model
def test_a_fragment_is_stored_as_too_short_to_score_not_auto_failed(db, worker, scorecard, tmp_path):
    fragment = demo_clip("good", 1.0, tmp_path / "dropped.wav")  # a recorder leaves one second when a call drops
    result = Ingestor(worker, scorecard).ingest_file(fragment)
    assert result.status == "imported"
    assert result.message.endswith("not scored: too short to score: 1.0 s (the scorecard scores calls of 10 s or more)")
    call = Call.get_by_id(result.call_id)
    assert call.unscored.startswith("too short to score") and not Score.select().exists()
    [row] = library.rows([call.id])
    assert row.overall is None and row.auto_fail is None and row.unscored == call.unscored
    assert q.weekly_trends(q.Scope()).rows == []  # dashboards count scores only
    assert rescore_all(scorecard) == 1 and not Score.select().exists()
    everything = parse_scorecard(scorecard.text.replace("min_duration_s = 10", "min_duration_s = 0"))
    rescore_all(everything)
    assert Call.get_by_id(call.id).unscored is None and Score.get(Score.call == call.id).current
    rescore_all(scorecard)  # back to the shipped scorecard: not scored again, the old score no longer current
    assert Call.get_by_id(call.id).unscored and not Score.select().where(Score.current).exists()


@pytest.mark.model
def test_calls_keep_absolute_paths_and_moved_recordings_are_found_again(
    db, worker, scorecard, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "calls").mkdir()
    demo_clip("mono", 20, tmp_path / "calls" / "one.wav")
    result = Ingestor(worker, scorecard).ingest_file(Path("calls/one.wav"))  # typed relative to this folder
    call = Call.get_by_id(result.call_id)
    assert call.path == str(tmp_path / "calls" / "one.wav") and Job.get().path == call.path
    moved = tmp_path / "archive" / "2026" / "renamed.wav"
    moved.parent.mkdir(parents=True)
    (tmp_path / "calls" / "one.wav").rename(moved)
    (tmp_path / "archive" / "other.wav").write_bytes(b"RIFF not this one")
    assert missing_recordings() == {call.sha256: [call.id]}
    assert main(["relocate", str(tmp_path / "archive"), "--db", str(db)]) == 0
    assert Call.get_by_id(call.id).path == str(moved) and missing_recordings() == {}
    assert f"1 of 1 missing recordings found in {tmp_path / 'archive'}" in capsys.readouterr().err
    moved.unlink()
    assert main(["relocate", str(tmp_path / "archive"), "--db", str(db)]) == 1
    assert "0 of 1 missing recordings found" in capsys.readouterr().err
