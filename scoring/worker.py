"""Run the Whisper model in a separate process, loaded once and reused.

A native crash in CTranslate2, or a cancel (which kills the process), never takes the caller down;
the next request starts a fresh process. The `spawn` start method is used because forking a
process that already runs Qt or BLAS threads can deadlock. The process is recycled after a number
of files to bound memory creep over long batches.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .acoustics import warm_up
from .analysis import CallAnalysis, analyse_recording
from .audio import AudioError
from .models import DeviceError, ModelNotFoundError
from .redacted_log import log_to_stderr

if TYPE_CHECKING:  # the transcriber's module imports faster-whisper: the worker's process loads it, not its caller
    from .transcriber import Progress, TranscriberConfig

log = logging.getLogger(__name__)

RECYCLE_AFTER = 200
_FATAL = {"model": ModelNotFoundError, "device": DeviceError}


class WorkerCrashed(Exception):
    """The transcription process died while working on a file."""


class Cancelled(Exception):
    """The caller cancelled the file being transcribed."""


class TranscriptionFailed(Exception):
    """An unexpected error inside the transcription process (not a bad file)."""


def _serve(conn: Connection, config: TranscriberConfig | None, log_level: int) -> None:
    """The worker process: load the model once (with the default settings when `config` is None), then analyse
    each (path, channel) received."""
    from .transcriber import Transcriber, TranscriberConfig

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides about Ctrl+C
    log_to_stderr(log_level)
    try:
        transcriber = Transcriber(config or TranscriberConfig())
        warm_up()
    except (ModelNotFoundError, DeviceError) as exc:
        conn.send(("fatal", "model" if isinstance(exc, ModelNotFoundError) else "device", str(exc)))
        return
    conn.send(("ready", transcriber.model_name, f"{transcriber.device}/{transcriber.compute_type}"))
    while (request := conn.recv()) is not None:
        path, agent_channel = request
        try:
            analysis = analyse_recording(
                transcriber, path, agent_channel=agent_channel, progress=lambda f: conn.send(("progress", f))
            )
            conn.send(("done", analysis.to_dict()))
        except AudioError as exc:
            conn.send(("error", "audio", str(exc)))
        except Exception as exc:  # report, keep serving: one odd file must not end the batch
            conn.send(("error", "internal", f"{type(exc).__name__}: {exc}"))


class TranscriptionWorker:
    """A model in a child process; `analyse()` sends it one file at a time."""

    def __init__(self, config: TranscriberConfig | None = None, *, recycle_after: int = RECYCLE_AFTER) -> None:
        """`config`: how to transcribe (None: the default settings)."""
        self.config = config
        self.recycle_after = recycle_after
        self.model_name = ""
        self.device = ""
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None
        self._served = 0

    def __enter__(self) -> TranscriptionWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        """The worker process's id while it runs."""
        return self._process.pid if self._process is not None and self._process.is_alive() else None

    def start(self) -> None:
        """Start the process and wait until its model is loaded (raises if it cannot load)."""
        if self._process is not None and self._process.is_alive():
            return
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        level = logging.getLogger("scoring").getEffectiveLevel()
        self._process = context.Process(target=_serve, args=(child, self.config, level), daemon=True)
        self._process.start()
        child.close()
        self._conn = parent
        self._served = 0
        message = self._receive(None)
        if message[0] == "fatal":
            self._stop(kill=False)
            raise _FATAL[message[1]](message[2])
        _, self.model_name, self.device = message

    def analyse(
        self,
        path: str | Path,
        *,
        agent_channel: int = 0,
        progress: Progress | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> CallAnalysis:
        """Transcribe (redacted) and measure one file in the worker; raises AudioError, Cancelled or WorkerCrashed."""
        if self._served >= self.recycle_after:
            self._stop(kill=False)
        self.start()
        assert self._conn is not None
        self._conn.send((str(path), agent_channel))
        self._served += 1
        while True:
            message = self._receive(should_cancel)
            kind = message[0]
            if kind == "progress":
                if progress:
                    progress(message[1])
            elif kind == "done":
                return CallAnalysis.from_dict(message[1])
            elif message[1] == "audio":
                raise AudioError(message[2])
            else:
                raise TranscriptionFailed(message[2])

    def _receive(self, should_cancel: Callable[[], bool] | None) -> tuple[Any, ...]:
        assert self._conn is not None and self._process is not None
        while True:
            if should_cancel and should_cancel():
                self._stop(kill=True)
                raise Cancelled()
            if self._conn.poll(0.1):
                try:
                    return self._conn.recv()
                except (EOFError, ConnectionError):
                    self._process.join(timeout=5)
            if not self._process.is_alive():
                code = self._process.exitcode
                self._stop(kill=True)
                raise WorkerCrashed(f"the transcription process stopped unexpectedly (exit code {code})")

    def _stop(self, *, kill: bool) -> None:
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if process is None:
            return
        if not kill and conn is not None and process.is_alive():
            try:
                conn.send(None)
                process.join(timeout=5)
            except (BrokenPipeError, OSError):
                pass
        if process.is_alive():
            process.kill()
            process.join(timeout=5)
        if conn is not None:
            conn.close()

    def close(self) -> None:
        """Stop the worker process."""
        self._stop(kill=False)
