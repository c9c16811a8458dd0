"""LocalExecutor: the contract's Executor, running Batch AI jobs as processes (or containers) on this machine.

Threads: callers (any thread) change the tables under one lock and wake the scheduler; the scheduler thread
moves cluster time forward (resizing, auto-scale) and starts queued jobs that fit; each running job has a
runner thread (runner.py); events reach the ARM layer through the notifier's thread, in order. No call blocks
on a job: terminate and delete ask the job's runner to stop, which it does within the kill grace.
"""

from __future__ import annotations

import collections
import concurrent.futures
import hashlib
import itertools
import logging
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import errors
from ._contract import ClusterStatus, ExecutorEvents, JobStateChange, JobSubmission
from .capacity import ClusterCapacity, ScaleSettings, Timings
from .containers import DockerProbe
from .joblog import ExecutionLog, OutputWriteError
from .layout import STDOUTERR, JobLayout, LayoutIndex, plan_layout
from .mounts import StorageRoot
from .naming import lookup_key
from .notifier import Notifier
from .processes import kill_tagged
from .queueing import JobQueue, queue_entry
from .runner import JobRun, Outcome, RunnerContext, StopReason
from .settings import ExecutionSettings

logger = logging.getLogger(__name__)

SCHEDULER_WAKE_SECONDS = 1.0  # the scheduler looks at the clusters at least this often
FINISHED_JOBS_IN_MEMORY = 1000  # finished jobs kept in memory (for terminate, delete, output_directory)


@dataclass(eq=False)
class _Job:
    submission: JobSubmission
    key: str
    sequence: int
    layout: JobLayout
    node_count: int
    cluster_key: str
    state: str = "queued"
    start_time: datetime | None = None
    run: JobRun | None = None
    deleted: bool = False


@dataclass(eq=False)
class _Cluster:
    cluster_id: str
    capacity: ClusterCapacity
    queue: JobQueue = field(default_factory=JobQueue)
    reported: ClusterStatus | None = None


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class LocalExecutor:
    """Implements the contract's Executor protocol; owns ``<data_dir>/execution``."""

    def __init__(self, data_dir: Path, events: ExecutorEvents, settings: ExecutionSettings | None = None) -> None:
        self.settings = settings or ExecutionSettings()
        self.root = Path(data_dir).resolve() / "execution"
        self.root.mkdir(parents=True, exist_ok=True)
        self._storage = StorageRoot(self.root / "storage")
        self._index = LayoutIndex(self.root / "index")
        # processes left running by an earlier emulator on this data dir (a crash) carry this tag prefix
        tag_prefix = hashlib.sha256(str(self.root).encode()).hexdigest()[:16] + ":"
        if killed := kill_tagged(tag_prefix):
            logger.warning("stopped %d process(es) left running by an earlier emulator on %s", killed, self.root)
        self._context = RunnerContext(
            settings=self.settings,
            execution_root=self.root,
            tag_prefix=tag_prefix,
            shell=self.settings.shell if os.path.exists(self.settings.shell) else "/bin/sh",
            probe=DockerProbe(
                self.settings.docker_command,
                self.settings.docker_probe_timeout_seconds,
                self.settings.docker_probe_ttl_seconds,
            ),
        )
        self._timings = Timings(
            self.settings.node_prepare_seconds, self.settings.node_leave_seconds, self.settings.autoscale_idle_seconds
        )
        self._lock = threading.Condition(threading.Lock())
        self._clusters: dict[str, _Cluster] = {}
        self._jobs: dict[str, _Job] = {}
        self._runs: dict[JobRun, _Job] = {}  # running jobs, deleted ones included until their runner ends
        self._finished: collections.deque[_Job] = collections.deque()
        self._sequence = itertools.count()
        self._closing = False
        self._notifier = Notifier(events)
        self._housekeeping = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="batchai-exec-cleanup")
        self._scheduler = threading.Thread(target=self._schedule_loop, name="batchai-exec-scheduler", daemon=True)
        self._scheduler.start()

    # -- clusters ------------------------------------------------------------------------------------------

    def configure_cluster(self, cluster_id: str, properties: dict) -> ClusterStatus:
        scale = ScaleSettings.from_properties(properties)
        with self._lock:
            self._check_open()
            cluster = self._clusters.get(lookup_key(cluster_id))
            if cluster is None:
                cluster = _Cluster(cluster_id, ClusterCapacity(scale, self._timings, time.monotonic()))
                self._clusters[lookup_key(cluster_id)] = cluster
            else:
                preemption = cluster.capacity.reconfigure(scale, time.monotonic())
                reason = StopReason.REQUEUE if preemption.requeue else StopReason.PREEMPT
                for job_key in preemption.job_keys:
                    job = self._jobs.get(job_key)
                    if job is not None and job.run is not None:
                        job.run.request_stop(reason)
            status = cluster.capacity.status()
            self._lock.notify_all()
        return status

    def delete_cluster(self, cluster_id: str) -> None:
        with self._lock:
            cluster = self._clusters.pop(lookup_key(cluster_id), None)
            if cluster is None:
                return
            for job in [job for job in self._jobs.values() if job.cluster_key == lookup_key(cluster_id)]:
                if job.run is not None:
                    job.run.request_stop(StopReason.CLUSTER_DELETED)
                elif job.state == "queued":
                    self._finish(job, "failed", errors=[errors.cluster_deleted()])

    def cluster_status(self, cluster_id: str) -> ClusterStatus:
        with self._lock:
            cluster = self._clusters.get(lookup_key(cluster_id))
            if cluster is None:
                return ClusterCapacity(ScaleSettings(target=0), self._timings, 0.0).status()
            cluster.capacity.advance(time.monotonic())
            return cluster.capacity.status()

    def file_server_directory(self, file_server_id: str) -> Path:
        """The local folder standing for a file server's disk (not part of the contract's protocol)."""
        return self._storage.file_server_folder(file_server_id)

    # -- jobs ----------------------------------------------------------------------------------------------

    def submit(self, job: JobSubmission) -> None:
        layout = plan_layout(self.root, self._storage, job)
        key = lookup_key(job.job_id)
        with self._lock:
            self._check_open()
            known = self._jobs.get(key)
            if known is not None and known.state in ("queued", "running", "terminating"):
                raise ValueError(f"The job {job.job_id} was already submitted and has not finished.")
            try:
                self._index.save(job.job_id, layout)
            except OSError as error:  # the job still runs; only a restarted emulator would not find its files
                logger.warning("could not record the folders of job %s: %s", job.job_id, error)
            cluster = self._clusters.get(lookup_key(job.cluster_id))
            if cluster is None:  # the job brings its cluster's properties: a cluster we were not told about
                capacity = ClusterCapacity(
                    ScaleSettings.from_properties(job.cluster_properties), self._timings, time.monotonic()
                )
                cluster = self._clusters.setdefault(lookup_key(job.cluster_id), _Cluster(job.cluster_id, capacity))
            node_count = max(1, int(job.properties.get("nodeCount") or 1))
            record = _Job(job, key, next(self._sequence), layout, node_count, lookup_key(job.cluster_id))
            self._jobs[key] = record
            cluster.queue.push(queue_entry(key, job.priority, job.submitted.timestamp(), record.sequence, node_count))
            self._emit(record, "queued")
            self._lock.notify_all()

    def terminate(self, job_id: str) -> None:
        with self._lock:
            job = self._jobs.get(lookup_key(job_id))
            if job is None or job.state in ("succeeded", "failed"):
                return  # terminating a finished job changes nothing, as on the service
            if job.run is None:
                self._queue_of(job).remove(job.key)
                self._finish(job, "failed", errors=[errors.terminated()])
                return
            if job.state != "terminating":
                job.state = "terminating"
                self._emit(job, "terminating", start_time=job.start_time)
            job.run.request_stop(StopReason.TERMINATE)

    def delete(self, job_id: str) -> None:
        """Forget the job at once (no event about it follows); a running job is stopped within the kill grace."""
        with self._lock:
            job = self._jobs.pop(lookup_key(job_id), None)
            if job is not None:
                job.deleted = True
                self._queue_of(job).remove(job.key)
                if job.run is not None:
                    job.run.request_stop(StopReason.DELETE)
                else:
                    self._housekeeping.submit(self._remove_folder, job.layout.job_dir)
                self._lock.notify_all()
        if job is None and (folder := self._indexed_job_folder(job_id)) is not None:
            self._housekeeping.submit(self._remove_folder, folder)  # a job finished long ago, or before a restart
        self._index.forget(job_id)

    def output_directory(self, job_id: str, directory_id: str) -> Path | None:
        with self._lock:
            job = self._jobs.get(lookup_key(job_id))
            if job is not None:
                return job.layout.storage_directory(directory_id)
        return self._index.directory(job_id, directory_id)

    def recover(self, job_ids_running: list[str]) -> None:
        """Those jobs were running when the emulator stopped: their processes are gone (see __init__); fail them."""
        for job_id in job_ids_running:
            stdouterr = self._index.directory(job_id, STDOUTERR)
            if stdouterr is not None and stdouterr.is_dir():
                _append_note(stdouterr / "execution.log", "the emulator stopped while the job was running: job failed")
            self._notifier.job(JobStateChange(job_id, "failed", end_time=_utc_now(), errors=[errors.interrupted()]))

    def close(self) -> None:
        """Stop every job's processes, then the threads; returns within kill grace + close_join_seconds."""
        with self._lock:
            if self._closing:
                return
            self._closing = True
            runs = list(self._runs)
            for run in runs:
                run.request_stop(StopReason.CLOSE)
            self._lock.notify_all()
        deadline = time.monotonic() + self.settings.kill_grace_seconds + self.settings.close_join_seconds
        for run in runs:
            run.join(max(0.0, deadline - time.monotonic()))
        self._scheduler.join(max(0.0, deadline - time.monotonic()))
        self._notifier.close(max(0.0, deadline - time.monotonic()))
        self._housekeeping.shutdown(wait=False, cancel_futures=True)

    # -- scheduling ------------------------------------------------------------------------------------------

    def _schedule_loop(self) -> None:
        with self._lock:
            while not self._closing:
                deadline = self._tick(time.monotonic())
                wait = SCHEDULER_WAKE_SECONDS if deadline is None else deadline - time.monotonic()
                self._lock.wait(min(SCHEDULER_WAKE_SECONDS, max(0.001, wait)))

    def _tick(self, now: float) -> float | None:
        """Move every cluster forward and start what fits; returns when to look again."""
        deadlines = []
        for cluster in self._clusters.values():
            capacity = cluster.capacity
            capacity.advance(now)
            capacity.autoscale(cluster.queue.demand(capacity.scale.most_nodes), now)
            capacity.advance(now)
            for entry in cluster.queue.startable(capacity.free_nodes(), capacity.scale.most_nodes):
                cluster.queue.remove(entry.job_key)
                self._start(cluster, self._jobs[entry.job_key], now)
            self._report(cluster)
            if (deadline := capacity.next_deadline()) is not None:
                deadlines.append(deadline)
        return min(deadlines, default=None)

    def _start(self, cluster: _Cluster, job: _Job, now: float) -> None:
        nodes = cluster.capacity.allocate(job.key, job.node_count, now)
        job.state, job.start_time = "running", _utc_now()
        self._emit(job, "running", start_time=job.start_time)
        job.run = JobRun(job.submission, job.layout, job.node_count, nodes, self._context, self._run_finished)
        self._runs[job.run] = job
        job.run.start()

    def _run_finished(self, run: JobRun, outcome: Outcome) -> None:
        """The runner's last word, from its thread."""
        with self._lock:
            job = self._runs.pop(run, None)
            if job is None:
                return
            job.run = None
            cluster = self._clusters.get(job.cluster_key)
            if cluster is not None:
                cluster.capacity.release(job.key, time.monotonic())
            if job.deleted:
                self._housekeeping.submit(self._remove_folder, job.layout.job_dir)
            elif outcome.stopped_by is StopReason.CLOSE:
                pass  # cut off by the shutdown: recover() reports the job after the next start
            elif outcome.state == "queued" and cluster is not None:
                self._requeue(cluster, job)
            elif outcome.state == "queued":  # requeued, but its cluster is gone meanwhile
                self._finish(job, "failed", errors=[errors.cluster_deleted()])
            else:
                self._finish(job, outcome.state, exit_code=outcome.exit_code, errors=outcome.errors)
            self._lock.notify_all()

    # -- helpers -------------------------------------------------------------------------------------------

    def _requeue(self, cluster: _Cluster, job: _Job) -> None:
        """Back in the queue where it was: its priority and submission order are unchanged."""
        job.state, job.start_time = "queued", None
        submitted = job.submission.submitted.timestamp()
        cluster.queue.push(queue_entry(job.key, job.submission.priority, submitted, job.sequence, job.node_count))
        self._emit(job, "queued")

    def _finish(self, job: _Job, state: str, exit_code: int | None = None, errors: list[dict] | None = None) -> None:
        job.state = state
        self._emit(job, state, start_time=job.start_time, end_time=_utc_now(), exit_code=exit_code, errors=errors or [])
        # memory stays bounded however many jobs ran: the oldest finished ones live on in the index only
        self._finished.append(job)
        while len(self._finished) > FINISHED_JOBS_IN_MEMORY:
            old = self._finished.popleft()
            if self._jobs.get(old.key) is old:
                del self._jobs[old.key]

    def _emit(self, job: _Job, state: str, **details: Any) -> None:
        change = JobStateChange(job.submission.job_id, state, **details)
        self._notifier.job(change, still_wanted=lambda: not job.deleted)

    def _report(self, cluster: _Cluster) -> None:
        status = cluster.capacity.status()
        if status != cluster.reported:
            cluster.reported = status
            self._notifier.cluster(cluster.cluster_id, status)

    def _queue_of(self, job: _Job) -> JobQueue:
        cluster = self._clusters.get(job.cluster_key)
        return cluster.queue if cluster is not None else JobQueue()

    def _check_open(self) -> None:
        if self._closing:
            raise RuntimeError("The executor is closed.")

    def _indexed_job_folder(self, job_id: str) -> Path | None:
        record = self._index.load(job_id) or {}
        folder = Path(record["jobDir"]) if record.get("jobDir") else None
        return folder if folder is not None and self.root / "jobs" in folder.parents else None

    @staticmethod
    def _remove_folder(job_dir: Path) -> None:
        """A deleted job's private folders (working directory, temporary directories, job mount root).

        rmtree removes the job's mount links without following them: the volumes' data stays.
        """
        shutil.rmtree(job_dir, ignore_errors=True)


def _append_note(path: Path, message: str) -> None:
    try:
        log = ExecutionLog(path)
        log.write(message)
        log.close()
    except OutputWriteError as error:
        logger.warning("%s", error)
