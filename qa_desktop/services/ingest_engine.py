"""The parallel batch ingest on Dask distributed: an embedded `LocalCluster` sized to this machine, or an
existing cluster (`tcp://host:8786`) whose workers have qa-desktop installed and see the recordings.

The client checks each file (content hash, metadata), sends a task that carries the file's path (mapped
to the workers' view, if asked) and receives the analysis as plain data; scoring and storage stay on
the client, one call at a time in its own transaction. A task whose worker dies is rerun elsewhere by
Dask; as calls are stored by content hash, a retried or repeated file is stored once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import dask
from distributed import Client, Future, LocalCluster, wait
from distributed.client import FuturesCancelledError
from distributed.comm import connect
from distributed.scheduler import KilledWorker
from peewee import DatabaseError

from qa_desktop.services.access.identity import current_user
from qa_desktop.services.access.permissions import require
from qa_desktop.services.engine_options import EngineError, EngineOptions, check_scheduler
from qa_desktop.services.ingest import IngestListener, Ingestor, IngestResult, PreparedFile, stored_path
from qa_desktop.storage import repository
from qa_desktop.storage.models import Job
from scoring.analysis import CallAnalysis
from scoring.audio import AudioError
from scoring.cluster import GPU, ModelPlugin, analyse_file, stop_logging
from scoring.models import choose_device, model_folder
from scoring.text_conversation import is_transcript_file
from scoring.transcriber import TranscriberConfig
from scoring.worker import TranscriptionFailed

log = logging.getLogger(__name__)

GPU_REPLICAS = 4  # model replicas per GPU: one process leaves most of a large GPU idle (docs/decisions.md)
# Calls a GPU model worker takes at once: one on its model, the next in its CPU stages (decoding, speaker
# separation, VAD, voice features; the Transcriber lets one pass at a time onto the model). A GPU slot
# (the worker's GPU resource, 1) is shared by as many calls, one task taking 1/CALLS_PER_MODEL of it.
# On the CPU a worker takes one call: its model already keeps its cores busy (docs/decisions.md).
CALLS_PER_MODEL = 2
SCHEDULER_TIMEOUT_S = 10  # for the scheduler to answer; then for its first worker, 60 s
WORKER_MEMORY = "3GiB"  # per worker; Dask pauses a worker near it and restarts one above it
# The local cluster's housekeeping, made rarer: the workers' statistical profiler samples every thread's stack
# every 10 ms, and the event loops' tick, system and memory monitors run 2 to 50 times a second. On 2 cores
# an idle cluster used a tenth of a core, 1% with these (docs/decisions.md).
QUIET_CLUSTER = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
}


@dataclass(frozen=True)
class LocalPlan:
    """How a LocalCluster fills this machine."""

    workers: int
    threads: int  # CPU threads each worker's model uses
    gpu: bool

    @property
    def calls(self) -> int:
        """Calls each worker analyses at once (its Dask threads)."""
        return CALLS_PER_MODEL if self.gpu else 1


def local_plan(options: EngineOptions, config: TranscriberConfig, cores: int | None = None) -> LocalPlan:
    """Size the local cluster: on the CPU the cores are split between model workers (one per core up to
    4 cores, then two cores each); on a GPU, GPU_REPLICAS replicas share it, each with its CPU threads."""
    cores = cores or os.cpu_count() or 1
    gpu = choose_device(config.device)[0] == "cuda"
    if options.workers:
        workers = options.workers
    elif gpu:
        workers = GPU_REPLICAS
    else:
        workers = cores if cores <= 4 else cores // 2
    threads = options.threads or max(1, cores // workers)
    return LocalPlan(workers, threads, gpu)


@contextmanager
def dask_client(options: EngineOptions, config: TranscriberConfig) -> Iterator[tuple[Client, bool]]:
    """A client with the model plugin registered on every worker; yields (client, tasks need a GPU slot)."""
    if options.scheduler:
        reach_scheduler(check_scheduler(options.scheduler))
        try:
            client = Client(options.scheduler, timeout=SCHEDULER_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            raise EngineError(f"cannot reach the Dask scheduler at {options.scheduler}: {exc}") from exc
        with client:
            try:
                client.wait_for_workers(1, timeout=60)
            except TimeoutError as exc:
                raise EngineError(
                    f"the Dask scheduler at {options.scheduler} has no workers (waited 60 s): start "
                    f"`dask worker {options.scheduler}` where qa-desktop is installed (one that cannot import it "
                    "stops as it starts: its log says so)"
                ) from exc
            yield client, prepare_workers(client, config, options)
        return
    plan = local_plan(options, config)
    log.info(
        "starting a local Dask cluster: %d workers x %d threads%s",
        plan.workers,
        plan.threads,
        " (GPU)" if plan.gpu else "",
    )
    with local_client(plan) as client:
        yield (
            client,
            prepare_workers(
                client, config if config.cpu_threads else replace(config, cpu_threads=plan.threads), options
            ),
        )


def reach_scheduler(address: str) -> None:
    """Raise EngineError unless a Dask scheduler answers at the address within SCHEDULER_TIMEOUT_S. Dask's own
    connect bounds the connection, not the handshake after it: a server that is not a scheduler (its dashboard's
    port, 8787) kept a Client waiting for ever (dask/distributed#8071), or sent bytes it took for a huge frame."""

    async def handshake() -> None:
        comm = await connect(address, timeout=SCHEDULER_TIMEOUT_S)
        await comm.close()

    try:
        asyncio.run(asyncio.wait_for(handshake(), SCHEDULER_TIMEOUT_S))
    except TimeoutError as exc:
        reason = str(exc) or f"no Dask scheduler answered in {SCHEDULER_TIMEOUT_S} s"
        hint = "its port is 8786 unless told otherwise; 8787 is its dashboard"
        raise EngineError(f"cannot reach the Dask scheduler at {address}: {reason} ({hint})") from exc
    except OSError as exc:
        raise EngineError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 (whatever a server that is not a scheduler makes Dask's reader raise)
        raise EngineError(
            f"{address} is not a Dask scheduler (what it sent is not Dask's protocol: {type(exc).__name__})"
        ) from exc


class _ClosingKill(logging.Filter):
    """Drops the nanny's "Worker process still alive after 4.0 seconds, killing": Dask gives a closing worker 4 s to
    exit, and on a loaded machine one holding a model takes longer (seen in CI at load 11). By then every call is
    stored or left for a resume, so the kill loses nothing and the line only alarms the user."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Worker process still alive")


_CLOSING_KILL = _ClosingKill()


def _quiet() -> bool:
    """Whether Dask's own lines stay out of the output (not --verbose)."""
    return logging.getLogger().getEffectiveLevel() > logging.INFO


@contextmanager
def local_client(plan: LocalPlan) -> Iterator[Client]:
    """A client of a new local cluster as planned. When the batch ends, its workers stop logging before they close
    (unless --verbose): a worker slow to exit on a loaded machine logged "Failed to communicate with scheduler
    during heartbeat" with a traceback once the scheduler had closed (seen in CI), after every call was stored."""
    with local_cluster(plan) as cluster, Client(cluster) as client:
        yield client
        if _quiet():
            client.run(stop_logging)


def local_cluster(plan: LocalPlan) -> LocalCluster:
    """A LocalCluster of model worker processes as planned, each taking `plan.calls` calls at once, with
    quiet housekeeping (`QUIET_CLUSTER`: the scheduler, nannies and workers take it as they start)."""
    if _quiet():  # Dask's own start and close lines: --verbose only
        logging.getLogger("distributed").setLevel(logging.WARNING)
        logging.getLogger("distributed.nanny").addFilter(_CLOSING_KILL)
        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")  # the worker processes read it as they start
    with dask.config.set(QUIET_CLUSTER):
        return LocalCluster(
            n_workers=plan.workers,
            threads_per_worker=plan.calls,
            processes=True,
            memory_limit=WORKER_MEMORY,
            resources={GPU: 1} if plan.gpu else None,
            dashboard_address=":0",  # its HTTP server on a free port (None still takes 8787: two ingests collided)
        )


def prepare_workers(client: Client, config: TranscriberConfig, options: EngineOptions = EngineOptions()) -> bool:
    """Load the model on every worker (and on workers that join later); a model folder is looked for under the
    path the workers see it by (`options.path_map`, as the recordings are). Whether tasks need a GPU slot
    (some worker offers the GPU resource, e.g. `dask worker ... --resources GPU=1`). EngineError when a worker
    cannot load it (the model missing there, or qa-desktop not importable in the worker's Python)."""
    if (folder := model_folder(config.model)) is not None:
        config = replace(config, model=options.worker_path(folder))
    try:
        client.register_plugin(ModelPlugin(config))
    except Exception as exc:  # noqa: BLE001 (a worker's error: its own class, or its text when it could not unpickle)
        where = f"a Dask worker of {client.scheduler.address}"
        if isinstance(exc, ModuleNotFoundError) or "No module named" in str(exc):
            raise EngineError(f"{where} cannot import qa-desktop ({exc}): install it in the worker's Python") from exc
        raise EngineError(f"{where} cannot load the model: {exc}") from exc
    workers = client.scheduler_info(n_workers=-1)["workers"].values()
    return any(w.get("resources", {}).get(GPU) for w in workers)


class ParallelIngest:
    """Runs a batch through Dask tasks and stores each result as it arrives; same listener, cancel and
    job bookkeeping as `Ingestor.ingest`."""

    def __init__(
        self,
        ingestor: Ingestor,
        config: TranscriberConfig,
        options: EngineOptions = EngineOptions(),
        client: Client | None = None,
    ) -> None:
        self.ingestor = ingestor
        self.config = config
        self.options = options
        self._given = client  # an existing client (tests, a long-lived app session); else one per batch
        self.cluster_used = False  # whether a file needed the cluster (transcript files are read here)

    @contextmanager
    def _client(self) -> Iterator[tuple[Client, bool]]:
        if self._given is not None:
            yield self._given, prepare_workers(self._given, self.config, self.options)
        else:
            with dask_client(self.options, self.config) as pair:
                yield pair

    def ingest(
        self,
        files: list[Path],
        listener: IngestListener = IngestListener(),
        should_cancel: Callable[[], bool] | None = None,
        jobs: list[Job] | None = None,
    ) -> list[IngestResult]:
        """Import files in parallel (with their queued jobs, if given); on cancel, files in flight are
        abandoned and the rest left untouched. Results come back in file order. The listener hears of each file
        in flight as a worker begins it and as it moves (several at once), and of each as it ends."""
        require(current_user(), "ingest")  # before a cluster starts
        cancelled = should_cancel or (lambda: False)
        results: dict[int, IngestResult] = {}
        with _Batch(self, listener, results) as batch:
            for index, path in enumerate(files):
                if cancelled():
                    break
                batch.add(index, path, jobs[index] if jobs else None, len(files))
                batch.drain(cancelled, keep=batch.window)
            batch.drain(cancelled, keep=0)
            if cancelled():
                batch.cancel_in_flight()
        return [results[i] for i in sorted(results)]


class _Batch:
    """The files of one parallel ingest in flight: a bounded window of Dask futures."""

    def __init__(self, engine: ParallelIngest, listener: IngestListener, results: dict[int, IngestResult]) -> None:
        self.engine = engine
        self.listener = listener
        self.results = results
        self.in_flight: dict[Future, tuple[int, PreparedFile]] = {}
        self.window = 4
        self._session = ExitStack()  # the client (and local cluster), opened for the first file to analyse
        self._client: Client | None = None
        self._resources: dict[str, float] | None = None
        self._topic = f"qa-desktop-progress-{uuid.uuid4().hex}"  # this batch's progress events
        self._fractions: dict[str, float] = {}  # task key -> fraction done, written by the client's event loop
        self._reported: dict[str, float] = {}  # task key -> the fraction last reported (begun: started was said)
        self.total = 0

    def __enter__(self) -> _Batch:
        return self

    def __exit__(self, kind: type | None, *exc: object) -> None:
        if kind is not None and self.in_flight:
            self.cancel_in_flight("interrupted" if kind is KeyboardInterrupt else "the batch stopped")
        if self._client is not None:
            self._client.unsubscribe_topic(self._topic)
        self._session.__exit__(kind, *exc)

    def client(self) -> Client:
        """The Dask client, connected (and a local cluster started) when the first file needs analysis."""
        if self._client is None:
            self.listener.engine_starting()
            self._client, gpu = self._session.enter_context(self.engine._client())
            self.engine.cluster_used = True
            self._resources = {GPU: 1 / CALLS_PER_MODEL} if gpu else None
            slots = sum(w["nthreads"] for w in self._client.scheduler_info(n_workers=-1)["workers"].values())
            self.window = max(4, 2 * slots)  # every slot busy, the next files ready, memory bounded
            self._client.subscribe_topic(self._topic, self._progress_event)
        return self._client

    def _progress_event(self, event: tuple[float, dict]) -> None:
        _, message = event
        self._fractions[message["task"]] = message["fraction"]

    def add(self, index: int, path: Path, job: Job | None, total: int) -> None:
        """Check a file and send it to a worker (or record at once why it is not analysed)."""
        ingestor = self.engine.ingestor
        self.total = total
        started = ingestor.start(path, job)
        try:
            prepared = started if isinstance(started, IngestResult) else ingestor.prepare(path, started)
        except (AudioError, OSError, DatabaseError) as exc:
            prepared = ingestor.fail(path, started, exc)
        if not isinstance(prepared, IngestResult) and is_transcript_file(path):  # text: read here, no model
            try:
                prepared = ingestor.store(prepared, ingestor.read_transcript(path))
            except (AudioError, DatabaseError) as exc:
                prepared = ingestor.fail(path, prepared.job, exc)
        if isinstance(prepared, IngestResult):
            self.listener.file_started(path, index, total)
            self._finished(index, prepared)
            return
        try:
            client = self.client()
        except EngineError as exc:  # no cluster: the batch stops, and this file's job says why (not 'interrupted')
            repository.finish_job(prepared.job, "failed", error=str(exc))
            raise
        key = f"analyse-{prepared.sha256[:16]}-{uuid.uuid4().hex[:8]}"
        future = client.submit(
            analyse_file,
            self.engine.options.worker_path(path),
            prepared.channel,
            self._topic,
            key,
            key=key,
            pure=False,
            resources=self._resources,
        )
        self.in_flight[future] = (index, prepared)
        self._show_progress()

    def _show_progress(self) -> None:
        """Report each file in flight that a worker has begun (its first event): started once, then its fraction as
        it moves. Files sent but waiting for a free worker are not said to be in progress."""
        for future, (index, prepared) in sorted(self.in_flight.items(), key=lambda item: item[1][0]):
            fraction = self._fractions.get(future.key)
            if fraction is None or self._reported.get(future.key) == fraction:
                continue
            if future.key not in self._reported:
                self.listener.file_started(prepared.path, index, self.total)
            self._reported[future.key] = fraction
            self.listener.file_progress(prepared.path, fraction)

    def drain(self, cancelled: Callable[[], bool], keep: int) -> None:
        """Store finished results until at most `keep` files are in flight (or the user cancels)."""
        while len(self.in_flight) > keep and not cancelled():
            try:
                done, _ = wait(list(self.in_flight), timeout=0.2, return_when="FIRST_COMPLETED")
            except TimeoutError:
                self._show_progress()
                continue  # look at the cancel flag again
            for future in done:
                index, prepared = self.in_flight.pop(future)
                self._fractions.pop(future.key, None)
                if self._reported.pop(future.key, None) is None:  # done before its first event came (events trail)
                    self.listener.file_started(prepared.path, index, self.total)
                result = self._outcome(future, prepared)
                if not result.failed:  # its bar fills before its result shows (a file that failed did not get far)
                    self.listener.file_progress(prepared.path, 1.0)
                self._finished(index, result)
            self._show_progress()

    def _outcome(self, future: Future, prepared: PreparedFile) -> IngestResult:
        ingestor, path = self.engine.ingestor, prepared.path
        try:
            reply = future.result()
        except KilledWorker as exc:
            return ingestor.fail(
                path,
                prepared.job,
                TranscriptionFailed(f"the workers analysing this file died repeatedly ({exc}); left out of the batch"),
            )
        except FuturesCancelledError as exc:
            return ingestor.fail(path, prepared.job, TranscriptionFailed(f"the task was cancelled ({exc})"))
        except Exception as exc:  # an unexpected error inside the task: this file fails, the batch goes on
            return ingestor.fail(path, prepared.job, TranscriptionFailed(f"{type(exc).__name__}: {exc}"))
        if "error" in reply:
            return ingestor.fail(path, prepared.job, AudioError(reply["error"]))
        analysis = CallAnalysis.from_dict(reply["analysis"])
        analysis.transcript = replace(
            analysis.transcript, file=str(stored_path(path))
        )  # the client's, not the worker's
        try:
            return ingestor.store(prepared, analysis)
        except DatabaseError as exc:  # locked past the busy timeout, or a full disk: this file fails
            return ingestor.fail(path, prepared.job, exc)

    def cancel_in_flight(self, reason: str = "cancelled by the user") -> None:
        """Abandon the files in flight: their tasks are cancelled and their jobs marked so."""
        if self._client is not None and self.in_flight:
            self._client.cancel(list(self.in_flight), force=True)
        for index, prepared in sorted(self.in_flight.values(), key=lambda item: item[0]):
            repository.finish_job(prepared.job, "cancelled", error=reason)
            self._finished(index, IngestResult(prepared.path, "cancelled", "cancelled"))
        self.in_flight.clear()

    def _finished(self, index: int, result: IngestResult) -> None:
        self.results[index] = result
        self.listener.file_finished(result)
