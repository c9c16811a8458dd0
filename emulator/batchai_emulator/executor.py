"""The seam between the ARM layer and whatever runs jobs (see docs/emulator.md, "The executor seam").

The ARM layer (HTTP, specs, store, resource semantics) never knows how a job runs; an ``Executor``
never knows HTTP or the store. Everything crosses as plain data: wire JSON dicts with camelCase keys,
as the REST API carries them for any API version, and the small dataclasses below. Calls may come
from any thread; an executor reports back through ``ExecutorEvents`` from any thread, and the ARM
layer persists what it reports. The ARM layer never calls an executor while holding its own lock,
so an executor may call back while holding its own.

Executors in this package:

- ``ScriptedExecutor`` (here): the test double. Jobs move through a schedule of states, one per
  read of the job (the tests' ``job_schedule`` knob); output files are made up on request.
- ``batchai_emulator.execution.LocalExecutor``: runs jobs as processes on this machine.

An executor is built by a factory ``(root, events, options) -> Executor``: ``root`` is the data
directory (the executor owns ``root / "execution"``), ``options`` the command line's executor
options (``require_docker``, ...).
"""

from __future__ import annotations

import hashlib
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

EXECUTION_STATES = ("queued", "running", "succeeded", "failed")
TERMINAL_STATES = ("succeeded", "failed")
NODE_STATES = ("idleNodeCount", "runningNodeCount", "preparingNodeCount", "unusableNodeCount", "leavingNodeCount")
STDOUTERR = "stdouterr"


@dataclass(frozen=True)
class JobSubmission:
    job_id: str  # the job's ARM resource id, as stored (case preserved)
    api_version: str  # the API version the job was created with
    properties: dict  # the job's wire `properties` as stored, with the server-set fields
    cluster_id: str  # ARM id of properties.cluster.id
    cluster_properties: dict  # that cluster's wire properties ({} when the cluster does not exist)
    file_servers: dict[str, dict]  # ARM id -> wire properties, for the file servers the mounts name
    priority: int  # higher runs first; ties run in submission order
    submitted: datetime


@dataclass(frozen=True)
class JobStateChange:
    job_id: str
    execution_state: str  # "queued" | "running" | "succeeded" | "failed" (wire spelling, lower-case)
    start_time: datetime | None = None
    end_time: datetime | None = None
    exit_code: int | None = None
    errors: list[dict] = field(default_factory=list)  # BatchAIError wire dicts: {"code","message","details"}


@dataclass(frozen=True)
class ClusterStatus:
    allocation_state: str  # "steady" | "resizing"
    current_node_count: int
    node_state_counts: dict  # every key of NODE_STATES


class ExecutorEvents(Protocol):
    def job_state_changed(self, change: JobStateChange) -> None: ...

    def cluster_changed(self, cluster_id: str, status: ClusterStatus) -> None: ...


class Executor(Protocol):
    def configure_cluster(self, cluster_id: str, properties: dict) -> ClusterStatus: ...

    def delete_cluster(self, cluster_id: str) -> None: ...

    def cluster_status(self, cluster_id: str) -> ClusterStatus: ...

    def submit(self, job: JobSubmission) -> None: ...

    def terminate(self, job_id: str) -> None: ...

    def delete(self, job_id: str) -> None: ...

    def output_directory(self, job_id: str, directory_id: str) -> Path | None: ...

    def recover(self, job_ids_running: list[str]) -> None: ...

    def close(self) -> None: ...


ExecutorFactory = Callable[[Path, ExecutorEvents, dict[str, Any]], Executor]


# -- what both sides agree on -----------------------------------------------------------------


def job_failed_error(exit_code: int, message: str | None = None) -> dict:
    """The error a job that exited non-zero reports, as the service worded it."""
    return {
        "code": "JobFailed",
        "message": message or f"The job exited with code {exit_code}.",
        "details": [{"name": "exitCode", "value": str(exit_code)}],
    }


TERMINATED_ERROR = {"code": "JobTerminated", "message": "The job was terminated by the user."}
INTERRUPTED_ERROR = {
    "code": "JobInterrupted",
    "message": "The job was running when the emulator stopped; its processes did not survive the restart.",
}


def target_node_count(scale_settings: dict | None) -> int:
    """The node count a cluster's scaleSettings ask for now (autoScale: its initialNodeCount)."""
    scale = scale_settings or {}
    if scale.get("autoScale"):
        return int(scale["autoScale"].get("initialNodeCount") or 0)
    return int((scale.get("manual") or {}).get("targetNodeCount") or 0)


def node_state_counts(**counts: int) -> dict:
    """All five node state counts, zero unless given (``idleNodeCount=2``)."""
    unknown = set(counts) - set(NODE_STATES)
    if unknown:
        raise ValueError(f"unknown node states {sorted(unknown)}")
    return {state: counts.get(state, 0) for state in NODE_STATES}


def utc(moment: datetime | None = None) -> datetime:
    return moment or datetime.now(timezone.utc)


# -- the test double ------------------------------------------------------------------------------

DEFAULT_OUTPUT_FILES = {STDOUTERR: ["stdout.txt", "stderr.txt"]}
FALLBACK_OUTPUT_FILES = ["metrics.json", "model.ckpt", "checkpoints/epoch-1.ckpt", "checkpoints/epoch-2.ckpt"]


class ScriptedExecutor:
    """Jobs that follow a script instead of running: deterministic, for the tests.

    Knobs (``reset()`` restores them):
      job_schedule   executionState per read of the job, e.g. ["queued", "running", "succeeded"]
                     (the last one sticks); None: jobs stay queued
      job_exit_code  exitCode of jobs that finish (default 0 if succeeded, 1 if failed)
      output_files   {outputdirectoryid: [relative paths]}: the files an output directory holds;
                     default: stdout.txt and stderr.txt in stdouterr, a few model files elsewhere

    The ARM layer calls ``advance(job_id)`` on every read of a job (see ``Emulator.job_observer``);
    clusters resize at once, every node idle; terminated jobs stop following the schedule.
    """

    def __init__(self, root: Path, events: ExecutorEvents, options: dict[str, Any] | None = None):
        self.root = Path(root) / "scripted"
        self.events = events
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.job_schedule: list[str] | None = None
            self.job_exit_code: int | None = None
            self.output_files: dict[str, list[str]] | None = None
            self.submitted: list[JobSubmission] = []
            self.terminated: list[str] = []
            self.deleted: list[str] = []
            self._reads: dict[str, int] = {}
            self._frozen: set[str] = set()
            self._clusters: dict[str, ClusterStatus] = {}

    # -- clusters ----------------------------------------------------------------------

    def configure_cluster(self, cluster_id: str, properties: dict) -> ClusterStatus:
        count = target_node_count(properties.get("scaleSettings"))
        status = ClusterStatus("steady", count, node_state_counts(idleNodeCount=count))
        with self._lock:
            self._clusters[cluster_id.lower()] = status
        return status

    def delete_cluster(self, cluster_id: str) -> None:
        with self._lock:
            self._clusters.pop(cluster_id.lower(), None)

    def cluster_status(self, cluster_id: str) -> ClusterStatus:
        with self._lock:
            return self._clusters.get(cluster_id.lower()) or ClusterStatus("steady", 0, node_state_counts())

    # -- jobs --------------------------------------------------------------------------

    def submit(self, job: JobSubmission) -> None:
        with self._lock:
            self.submitted.append(job)

    def terminate(self, job_id: str) -> None:
        with self._lock:
            self._frozen.add(job_id.lower())
            self.terminated.append(job_id)

    def delete(self, job_id: str) -> None:
        with self._lock:
            self._frozen.add(job_id.lower())
            self.deleted.append(job_id)

    def advance(self, job_id: str) -> None:
        """One read of the job: report the next state of ``job_schedule``."""
        with self._lock:
            schedule = self.job_schedule
            if not schedule or job_id.lower() in self._frozen:
                return
            reads = self._reads.get(job_id.lower(), 0)
            self._reads[job_id.lower()] = reads + 1
            state = schedule[min(reads, len(schedule) - 1)]
            exit_code = self.job_exit_code
        self.events.job_state_changed(_scripted_change(job_id, state, exit_code))

    def recover(self, job_ids_running: list[str]) -> None:
        for job_id in job_ids_running:
            self.events.job_state_changed(
                JobStateChange(job_id, "failed", end_time=utc(), errors=[dict(INTERRUPTED_ERROR)])
            )

    def output_directory(self, job_id: str, directory_id: str) -> Path | None:
        """A folder holding the files ``output_files`` lists for this directory id, made on request."""
        with self._lock:
            listed = (self.output_files or DEFAULT_OUTPUT_FILES).get(directory_id, FALLBACK_OUTPUT_FILES)
        digest = hashlib.sha256(repr((job_id.lower(), directory_id, listed)).encode()).hexdigest()[:24]
        folder = self.root / digest
        if not folder.is_dir():
            partial = self.root / f"{digest}.partial-{threading.get_ident()}"
            for relative in listed:
                target = partial / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(f"{relative} of {directory_id}\n", encoding="utf-8")
            partial.mkdir(parents=True, exist_ok=True)
            try:
                partial.rename(folder)
            except OSError:  # another thread made it first; theirs is identical
                shutil.rmtree(partial, ignore_errors=True)
        return folder

    def close(self) -> None:
        pass


def _scripted_change(job_id: str, state: str, exit_code: int | None) -> JobStateChange:
    now = utc()
    if state not in TERMINAL_STATES:
        return JobStateChange(job_id, state, start_time=now if state != "queued" else None)
    code = exit_code if exit_code is not None else (0 if state == "succeeded" else 1)
    errors = [job_failed_error(code)] if state == "failed" else []
    return JobStateChange(job_id, state, end_time=now, exit_code=code, errors=errors)
