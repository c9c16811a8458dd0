"""Helpers for the execution layer's tests: an event recorder, job submissions, bounded waits."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from batchai_emulator.execution import (
    ClusterStatus,
    ExecutionSettings,
    JobStateChange,
    JobSubmission,
    LocalExecutor,
)
from batchai_emulator.execution.processes import live_processes

SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
GROUP = "rg"
PROVIDER = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.BatchAI"
CLUSTER_ID = f"{PROVIDER}/clusters/cluster1"
FINAL_STATES = ("succeeded", "failed")
WAIT_SECONDS = 20.0

# fast timings: nodes appear at once, stops are quick
FAST = ExecutionSettings(
    node_prepare_seconds=0.0, node_leave_seconds=0.0, autoscale_idle_seconds=0.3, kill_grace_seconds=0.5
)


class Recorder:
    """ExecutorEvents that remembers everything and lets a test wait for what it expects (bounded)."""

    def __init__(self) -> None:
        self.jobs: list[JobStateChange] = []
        self.clusters: list[tuple[str, ClusterStatus]] = []
        self._changed = threading.Condition()

    def job_state_changed(self, change: JobStateChange) -> None:
        with self._changed:
            self.jobs.append(change)
            self._changed.notify_all()

    def cluster_changed(self, cluster_id: str, status: ClusterStatus) -> None:
        with self._changed:
            self.clusters.append((cluster_id, status))
            self._changed.notify_all()

    def wait_until(self, condition: Callable[[], bool], timeout: float = WAIT_SECONDS, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition():
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"timed out after {timeout}s waiting for {what or condition}"
                self._changed.wait(min(remaining, 0.1))

    def states(self, job_id: str) -> list[str]:
        with self._changed:
            return [change.execution_state for change in self.jobs if change.job_id == job_id]

    def last(self, job_id: str) -> JobStateChange:
        with self._changed:
            return [change for change in self.jobs if change.job_id == job_id][-1]

    def wait_state(self, job_id: str, state: str, timeout: float = WAIT_SECONDS) -> JobStateChange:
        self.wait_until(lambda: state in self.states(job_id), timeout, f"{job_id} to be {state}")
        with self._changed:
            return next(c for c in self.jobs if c.job_id == job_id and c.execution_state == state)

    def wait_final(self, job_id: str, timeout: float = WAIT_SECONDS) -> JobStateChange:
        self.wait_until(
            lambda: any(state in FINAL_STATES for state in self.states(job_id)), timeout, f"{job_id} to finish"
        )
        return self.last(job_id)


def job_id(name: str) -> str:
    return f"{PROVIDER}/jobs/{name}"


def cluster_properties(nodes: int = 1, **extra) -> dict:
    return {"vmSize": "STANDARD_D1", "scaleSettings": {"manual": {"targetNodeCount": nodes}}, **extra}


def submission(
    name: str,
    properties: dict,
    *,
    cluster: dict | None = None,
    cluster_id: str = CLUSTER_ID,
    priority: int = 0,
    api_version: str = "2018-03-01",
    file_servers: dict | None = None,
    submitted: datetime | None = None,
) -> JobSubmission:
    full = {
        "cluster": {"id": cluster_id},
        "nodeCount": 1,
        "stdOutErrPathPrefix": "$AZ_BATCHAI_JOB_TEMP_DIR/logs",
        "jobOutputDirectoryPathSegment": f"{SUBSCRIPTION}/{GROUP}/jobs/{name}/{uuid.uuid4()}",
        **properties,
    }
    return JobSubmission(
        job_id=job_id(name),
        api_version=api_version,
        properties=full,
        cluster_id=cluster_id,
        cluster_properties=cluster if cluster is not None else cluster_properties(),
        file_servers=file_servers or {},
        priority=priority,
        submitted=submitted or datetime.now(timezone.utc),
    )


def custom(command: str, **properties) -> dict:
    return {"customToolkitSettings": {"commandLine": command}, **properties}


def make_executor(data_dir: Path, settings: ExecutionSettings = FAST) -> tuple[LocalExecutor, Recorder]:
    recorder = Recorder()
    return LocalExecutor(data_dir, recorder, settings), recorder


def stdouterr(executor: LocalExecutor, name: str) -> Path:
    folder = executor.output_directory(job_id(name), "stdouterr")
    assert folder is not None
    return folder


def read_output(executor: LocalExecutor, name: str, file: str = "stdout.txt") -> str:
    return (stdouterr(executor, name) / file).read_text()


def wait_for(condition: Callable[[], bool], timeout: float = WAIT_SECONDS, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout}s waiting for {what or condition}"
        time.sleep(0.02)


def pid_alive(pid: int) -> bool:
    """True while ``pid`` is a process that is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def tagged_processes(executor: LocalExecutor) -> list[int]:
    """Every live process any job of this executor started (their environment carries the executor's tag)."""
    return live_processes(tag_prefix=executor._context.tag_prefix)


def read_pids(path: Path) -> list[int]:
    wait_for(lambda: path.exists() and path.read_text().strip(), what=f"{path} to list pids")
    return [int(pid) for pid in path.read_text().split()]


def current_user_is_root() -> bool:
    return os.geteuid() == 0
