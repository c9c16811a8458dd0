"""The seam between the ARM layer and the execution layer (docs: _notes/EXECUTOR_CONTRACT.md).

A copy of the contract's ``emulator/batchai_emulator/executor.py`` for this branch, which does not have that
module yet; the two are to be reconciled into one. Everything crosses the seam as plain data: wire JSON dicts
with camelCase keys, as the REST API carries them for any API version, plus these small dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class JobSubmission:
    job_id: str  # the job's ARM resource id, as stored (case preserved)
    api_version: str  # the API version the job was created with
    properties: dict  # the job's wire `properties` as stored, with server-set fields
    cluster_id: str  # ARM id of properties.cluster.id
    cluster_properties: dict  # that cluster's wire properties (nodeSetup.mountVolumes, scaleSettings, ...)
    file_servers: dict[str, dict]  # ARM id -> wire properties, for file servers the mounts refer to
    priority: int  # normalized: higher runs first; ties run in submission order
    submitted: datetime


@dataclass(frozen=True)
class JobStateChange:
    job_id: str
    execution_state: str  # "queued" | "running" | "terminating" | "succeeded" | "failed" (wire spelling)
    start_time: datetime | None = None
    end_time: datetime | None = None
    exit_code: int | None = None
    errors: list[dict] = field(default_factory=list)  # BatchAIError wire dicts: {"code","message","details"}


@dataclass(frozen=True)
class ClusterStatus:
    allocation_state: str  # "steady" | "resizing"
    current_node_count: int
    node_state_counts: dict  # {"idleNodeCount","runningNodeCount","preparingNodeCount",...}


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
