#!/usr/bin/env python3
"""Memory of a long call: peak RSS to ingest it, and what opening it in the review costs.

Builds an 8 kHz stereo call of `--minutes` (default 60, or QA_BENCH_MINUTES) from the demo calls as
bench_ingest.py does. Ingest runs in a child process (`qa_desktop.services.ingest` with its transcription worker,
a grandchild); the peak RSS of each is printed (targets for 60 minutes: at most 1.5 GB each). The review
opens the stored call in another child (real widgets, offscreen) and prints the seconds until the
waveform is drawn and the RSS that added (targets: under 1 s and at most 300 MB), once with the
envelope kept at import and once as a call imported before it was kept (computed on first view).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
MB = 1024  # ru_maxrss is in KiB on Linux


def rss_mb() -> float:
    """This process's resident memory now."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def ingest_child(call: str, db: str) -> dict:
    """Ingest one call into a new database; the peak RSS of this process and of its worker."""
    from qa_desktop.services.ingest import Ingestor
    from qa_desktop.storage.database import open_database
    from scoring.scorecard import default_scorecard_path, load_scorecard
    from scoring.worker import TranscriptionWorker

    open_database(Path(db))
    started = time.perf_counter()
    with TranscriptionWorker() as worker:
        result = Ingestor(worker, load_scorecard(default_scorecard_path())).ingest_file(Path(call))
    assert result.status == "imported", result.message
    return {
        "seconds": time.perf_counter() - started,
        "call_id": result.call_id,
        "ingest_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MB,
        "worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / MB,
    }


def review_child(db: str, call_id: int) -> dict:
    """Open the call in the review; seconds until the waveform is drawn and the RSS that added."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from qa_desktop.app.review_view import ReviewView
    from qa_desktop.storage.database import open_database

    app = QApplication([])
    open_database(Path(db))
    view = ReviewView(lambda: "bench")
    view.resize(1366, 700)
    view.show()
    app.processEvents()
    before = rss_mb()
    started = time.perf_counter()
    view.open_call(call_id)
    while not view.waveform.ready:
        app.processEvents()
        time.sleep(0.002)
    view.waveform.repaint()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "added_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MB - before}


def child(*args: str) -> dict:
    """Run this script in a child process in the given mode; its JSON answer."""
    out = subprocess.run(
        [sys.executable, __file__, *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=float(os.environ.get("QA_BENCH_MINUTES", 60)))
    parser.add_argument("--ingest-child", nargs=2, metavar=("CALL", "DB"), help=argparse.SUPPRESS)
    parser.add_argument("--review-child", nargs=2, metavar=("DB", "CALL_ID"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ingest_child:
        print(json.dumps(ingest_child(*args.ingest_child)))
        return
    if args.review_child:
        print(json.dumps(review_child(args.review_child[0], int(args.review_child[1]))))
        return
    from bench_ingest import long_call

    from qa_desktop.services.envelopes import envelope_path
    from scoring.audio import file_sha256

    with tempfile.TemporaryDirectory() as folder:
        os.environ["XDG_DATA_HOME"] = str(Path(folder) / "data")  # the children keep envelopes here
        call, _ = long_call(Path(folder), args.minutes)
        db = str(Path(folder) / "bench.sqlite3")
        ingest = child("--ingest-child", str(call), db)
        print(
            f"ingest of a {args.minutes:g}-minute stereo call: {ingest['seconds']:.0f} s, peak RSS "
            f"ingest process {ingest['ingest_mb']:.0f} MB, transcription worker {ingest['worker_mb']:.0f} MB"
        )
        stored = child("--review-child", db, str(ingest["call_id"]))
        print(f"review open, envelope kept at import: {stored['seconds']:.2f} s, +{stored['added_mb']:.0f} MB RSS")
        envelope_path(file_sha256(call)).unlink()
        first = child("--review-child", db, str(ingest["call_id"]))
        print(
            f"review open, envelope computed (call imported before): {first['seconds']:.2f} s, "
            f"+{first['added_mb']:.0f} MB RSS",
            flush=True,
        )


if __name__ == "__main__":
    main()
