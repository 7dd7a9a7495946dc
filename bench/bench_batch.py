#!/usr/bin/env python3
"""Batch throughput: qa-desktop's parallel ingest (Dask LocalCluster sized to the machine) against the best
bare configuration measured in the same run.

Bare = N BatchedInferencePipelines in N processes (the cores split between them), each transcribing its
share of the batch channel by channel, for every N tried; the best counts. Models are loaded before the
clock starts in both (the cluster is started, its workers' models loaded). The batch is QA_BENCH_BATCH
distinct stereo calls made from the demo calls (default 50). Prints `batch_ratio=X.XX` (qa-desktop's x real
time over the best bare one) and the peak memory (RSS) of one pipeline process in each.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import psutil
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from distributed import Client  # noqa: E402

from qa_desktop.services.engine_options import EngineOptions  # noqa: E402
from qa_desktop.services.ingest import Ingestor  # noqa: E402
from qa_desktop.services.ingest_engine import ParallelIngest, local_cluster, local_plan, prepare_workers  # noqa: E402
from qa_desktop.storage.database import open_database  # noqa: E402
from qa_desktop.storage.models import database  # noqa: E402
from scoring.scorecard import default_scorecard_path, load_scorecard  # noqa: E402
from scoring.transcriber import TranscriberConfig  # noqa: E402

BATCH = int(os.environ.get("QA_BENCH_BATCH", "50"))
_bare = None  # this pool process's plain faster-whisper pipeline


def batch_calls(folder: Path, count: int) -> list[Path]:
    """`count` distinct stereo calls: the demo calls in turn, each with its own few ms of trailing silence."""
    demos = []
    for path in sorted((ROOT / "resources" / "demo_calls").iterdir()):
        if path.suffix in (".wav", ".flac", ".ogg") and sf.info(path).channels == 2:
            demos.append(sf.read(path, dtype="float32", always_2d=True))
    files = []
    for i in range(count):
        audio, rate = demos[i % len(demos)]
        files.append(folder / f"batch_{i:03d}.wav")
        sf.write(files[-1], np.concatenate([audio, np.zeros((i * 8 + 8, 2), np.float32)]), rate, subtype="PCM_16")
    return files


def _load_bare(threads: int) -> None:
    from bare import bare_pipeline

    global _bare
    _bare = bare_pipeline(threads)


def _ready(_: int) -> int:
    """This process's id, once its model is loaded (held briefly so that every process takes one)."""
    time.sleep(0.5)
    return os.getpid()


def _bare_file(path: str) -> int:
    """Plain faster-whisper on one file (decode, each channel, words on); returns this process's peak RSS."""
    from faster_whisper import decode_audio

    assert _bare is not None
    for channel in decode_audio(path, split_stereo=True):
        segments, _ = _bare.transcribe(
            channel, language="en", batch_size=8, beam_size=5, word_timestamps=True, vad_filter=True
        )
        list(segments)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _tree_cpu() -> float:
    """CPU seconds used so far by this process and its live children (user and system, all threads)."""
    processes = [psutil.Process(), *psutil.Process().children(recursive=True)]
    return sum(sum(p.cpu_times()[:2]) for p in processes if p.is_running())


def bare(files: list[Path], processes: int, cores: int) -> tuple[float, float, int]:
    """Seconds and CPU seconds for the batch in `processes` bare pipelines, and the largest pipeline's peak
    RSS (KiB)."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes, initializer=_load_bare, initargs=(max(1, cores // processes),)) as pool:
        while len(set(pool.map(_ready, range(processes), chunksize=1))) < processes:
            pass  # every process has its model loaded before the clock starts
        started, cpu = time.perf_counter(), _tree_cpu()
        peaks = pool.map(_bare_file, [str(f) for f in files], chunksize=1)
        elapsed, cpu = time.perf_counter() - started, _tree_cpu() - cpu
        # the processes end on their own, so that their exit unregisters the lock tqdm made in each (faster-whisper's
        # progress bar): the `with` alone terminates them, racing that exit, and a lost unregister is reported at
        # shutdown as a leaked semaphore
        pool.close()
        pool.join()
    return elapsed, cpu, max(peaks)


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def ours(files: list[Path], config: TranscriberConfig) -> tuple[float, float, int, str]:
    """Seconds and CPU seconds for qa-desktop's parallel ingest of the batch into an empty database, a
    worker's peak RSS (KiB) and the cluster's shape."""
    plan = local_plan(EngineOptions(), config)
    with local_cluster(plan) as cluster, Client(cluster) as client:
        config = replace(config, cpu_threads=plan.threads)
        prepare_workers(client, config)  # the models are loaded before the clock starts
        engine = ParallelIngest(Ingestor(None, load_scorecard(default_scorecard_path())), config, client=client)
        started, cpu = time.perf_counter(), _tree_cpu()
        results = engine.ingest(files)
        elapsed, cpu = time.perf_counter() - started, _tree_cpu() - cpu
        assert all(r.status == "imported" for r in results), [r.message for r in results if r.status != "imported"]
        peak = max(client.run(_peak_rss).values())
    return elapsed, cpu, peak, f"{plan.workers} workers x {plan.threads} threads"


def main() -> None:
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as folder:
        files = batch_calls(Path(folder), BATCH)
        audio_s = sum(sf.info(f).duration for f in files)
        open_database(Path(folder) / "batch.sqlite3")
        tried = {n: bare(files, n, cores) for n in sorted({1, 2, cores, max(1, cores // 2)}) if n <= cores}
        best = min(tried, key=lambda n: tried[n][0])
        ours_s, ours_cpu, ours_peak, shape = ours(files, TranscriberConfig())
        database.close()
    for n, (seconds, cpu, peak) in tried.items():
        print(
            f"bare, {n} pipeline(s) x {max(1, cores // n)} threads: {seconds:.1f} s "
            f"({audio_s / seconds:.1f}x real time, {cpu:.1f} CPU s), "
            f"peak RSS {peak / 1024:.0f} MiB per pipeline"
        )
    print(
        f"qa-desktop batch ingest ({shape}): {ours_s:.1f} s ({audio_s / ours_s:.1f}x real time, "
        f"{ours_cpu:.1f} CPU s), peak RSS {ours_peak / 1024:.0f} MiB per worker"
    )
    print(
        f"batch: {len(files)} calls, {audio_s:.0f} s of audio; best bare: {best} pipeline(s); "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(f"batch_cpu_ratio={tried[best][1] / ours_cpu:.2f}")
    print(f"batch_ratio={tried[best][0] / ours_s:.2f}", flush=True)


if __name__ == "__main__":
    main()
