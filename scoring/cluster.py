"""What a Dask worker runs for a batch ingest: a plugin that loads the model once per worker, and the
task that analyses one file with it.

The task returns plain data (the analysis as a dict, or the reason a file cannot be read), so the
client stores the results; nothing here touches a database. A worker that dies mid-file is replaced
and its task runs again elsewhere, which is why the client stores by content hash.
"""

from __future__ import annotations

import logging
from typing import Any

from distributed import WorkerPlugin, get_worker

from .acoustics import warm_up
from .analysis import analyse_recording
from .audio import AudioError
from .heap import keep_large_buffers
from .transcriber import Transcriber, TranscriberConfig

log = logging.getLogger(__name__)

PLUGIN_NAME = "qa-desktop-model"
GPU = "GPU"  # the Dask worker resource that marks one model replica's slot on a GPU


class ModelPlugin(WorkerPlugin):
    """Loads one transcription model in each worker as it starts (and in every replacement worker), with what
    its voice features use (`warm_up`); the worker's threads share it, one pass at a time on the model
    (`Transcriber`), the CPU stages side by side."""

    name = PLUGIN_NAME
    idempotent = True  # registering it again (a second batch on the same cluster) keeps the loaded model

    def __init__(self, config: TranscriberConfig) -> None:
        self.config = config
        self.transcriber: Transcriber | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"config": self.config, "transcriber": None}  # only the config travels; each worker loads

    def setup(self, worker: Any) -> None:
        keep_large_buffers()  # Dask's MALLOC_TRIM_THRESHOLD_ would map and unmap the model's buffers each time
        self.transcriber = Transcriber(self.config)
        warm_up()
        log.info("worker %s loaded %s on %s", worker.address, self.transcriber.model_name, self.transcriber.device)

    def teardown(self, worker: Any) -> None:
        self.transcriber = None


def analyse_file(path: str, agent_channel: int, progress_topic: str = "", token: str = "") -> dict[str, Any]:
    """Analyse one file with this worker's model: {"analysis": CallAnalysis.to_dict()} or {"error": why}.
    With a progress topic, {"task": token, "fraction": f} events go to it as the analysis begins (0) and as the
    transcription moves (every 5%)."""
    worker = get_worker()
    plugin = worker.plugins.get(PLUGIN_NAME)
    if not isinstance(plugin, ModelPlugin) or plugin.transcriber is None:
        raise RuntimeError("this Dask worker has no qa-desktop model loaded (ModelPlugin not registered)")
    reported = [-1.0]

    def progress(fraction: float) -> None:
        if progress_topic and fraction - reported[0] >= 0.05:
            reported[0] = fraction
            worker.log_event(progress_topic, {"task": token, "fraction": float(fraction)})  # msgpack: no numpy

    progress(0.0)  # begun: the client says this file is in progress (not those waiting for a worker)
    try:
        return {
            "analysis": analyse_recording(
                plugin.transcriber, path, agent_channel=agent_channel, progress=progress
            ).to_dict()
        }
    except AudioError as exc:
        return {"error": str(exc)}


def stop_logging() -> None:
    """Silence this worker process's logging: run on a local cluster's workers as it closes, when every result is
    stored and what a closing worker says would only alarm the user."""
    logging.disable(logging.CRITICAL)
