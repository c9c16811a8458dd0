"""Batch AI knowledge: resource bodies and the read-only fields the service fills.

The spec says which properties are server-side (readOnly) and which values
are never reported back (passwords, SSH keys, secret values); this module
decides what those fields contain.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

PROVIDER = "Microsoft.BatchAI"
TERMINAL_EXECUTION_STATES = ("succeeded", "failed")
NODE_STATES = ("idleNodeCount", "runningNodeCount", "preparingNodeCount", "unusableNodeCount", "leavingNodeCount")


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


@dataclass(eq=False)  # identity matters: a re-created resource is a different one
class Resource:
    """A stored cluster, job or file server."""

    kind: ResourceKind
    subscription: str
    resource_group: str
    name: str
    location: str
    tags: dict[str, str]
    properties: dict[str, Any]
    definition: Any  # the create body as sent, so a repeated PUT can be compared
    job_gets: int = 0  # Jobs_Get calls served; indexes server.job_schedule
    schedule_frozen: bool = False  # set once a job is terminated

    @property
    def id(self) -> str:
        return (
            f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}"
            f"/providers/{PROVIDER}/{self.kind.collection}/{self.name}"
        )

    @property
    def provisioning_state(self) -> str:
        return self.properties["provisioningState"]

    def set_provisioning_state(self, state: str) -> None:
        self.properties["provisioningState"] = state
        self.properties["provisioningStateTransitionTime"] = utc_now()

    def to_json(self) -> dict:
        """The body the service answers; write-only values are left out as the spec says."""
        properties = copy.deepcopy(self.properties)
        for path in self.kind.write_only:
            _drop(properties, path)
        return {
            "id": self.id,
            "name": self.name,
            "type": self.kind.arm_type,
            "location": self.location,
            "tags": dict(self.tags),
            "properties": properties,
        }


@dataclass(frozen=True)
class ResourceKind:
    collection: str  # the path segment as the spec spells it, e.g. "fileServers"
    arm_type: str
    initialize: Callable[[Resource], None]
    write_only: tuple[tuple[str, ...], ...] = field(default=())


def new_resource(kind: ResourceKind, subscription: str, resource_group: str, name: str, body: dict) -> Resource:
    resource = Resource(
        kind=kind,
        subscription=subscription,
        resource_group=resource_group,
        name=name,
        location=body["location"],
        tags=dict(body.get("tags") or {}),
        properties=copy.deepcopy(body.get("properties") or {}),
        definition=copy.deepcopy(body),
    )
    now = utc_now()
    resource.properties.update(creationTime=now, provisioningState="creating", provisioningStateTransitionTime=now)
    kind.initialize(resource)
    return resource


# -- clusters ------------------------------------------------------------------


def _init_cluster(cluster: Resource) -> None:
    props = cluster.properties
    now = utc_now()
    props.setdefault("vmPriority", "dedicated")
    props.update(allocationState="steady", allocationStateTransitionTime=now)
    apply_scale(cluster)
    task = (props.get("nodeSetup") or {}).get("setupTask")
    if task:
        task["stdOutErrPathSuffix"] = f"{cluster.subscription}/{cluster.resource_group}/{cluster.name}/{uuid.uuid4()}"


def apply_scale(cluster: Resource) -> None:
    """Resize instantly: the fake has no allocation delay, so the cluster stays steady."""
    props = cluster.properties
    scale = props.get("scaleSettings") or {}
    if scale.get("autoScale"):
        count = scale["autoScale"].get("initialNodeCount", 0)
    else:
        count = (scale.get("manual") or {}).get("targetNodeCount", 0)
    props["currentNodeCount"] = count
    props["nodeStateCounts"] = {state: (count if state == "idleNodeCount" else 0) for state in NODE_STATES}


# -- jobs ----------------------------------------------------------------------

_TOOL_SETTINGS = (
    ("cntkSettings", "cntk"),
    ("tensorFlowSettings", "tensorflow"),
    ("caffeSettings", "caffe"),
    ("caffe2Settings", "caffe2"),
    ("chainerSettings", "chainer"),
    ("pyTorchSettings", "pytorch"),
    ("customToolkitSettings", "custom"),
)


def _init_job(job: Resource) -> None:
    props = job.properties
    props.update(executionState="queued", executionStateTransitionTime=utc_now())
    props["toolType"] = next((tool for key, tool in _TOOL_SETTINGS if props.get(key)), "custom")
    props["jobOutputDirectoryPathSegment"] = f"{job.subscription}/{job.resource_group}/jobs/{job.name}/{uuid.uuid4()}"


def set_execution_state(job: Resource, state: str, exit_code: int | None) -> None:
    """Move a job to ``state`` and keep executionInfo consistent with it."""
    props = job.properties
    if props.get("executionState") == state:
        return
    now = utc_now()
    props.update(executionState=state, executionStateTransitionTime=now)
    if state == "queued":
        props.pop("executionInfo", None)
        return
    info = props.setdefault("executionInfo", {})
    info.setdefault("startTime", now)
    if state in TERMINAL_EXECUTION_STATES:
        code = exit_code if exit_code is not None else (0 if state == "succeeded" else 1)
        info.update(endTime=now, exitCode=code)
        if state == "failed":
            info["errors"] = [
                {
                    "code": "JobFailed",
                    "message": f"The job exited with code {code}.",
                    "details": [{"name": "exitCode", "value": str(code)}],
                }
            ]


def finish_termination(job: Resource) -> None:
    """A terminated job ends as failed: 2018-03-01 has no separate 'terminated' state."""
    props = job.properties
    now = utc_now()
    props.update(executionState="failed", executionStateTransitionTime=now)
    info = props.setdefault("executionInfo", {})
    info.setdefault("startTime", now)
    info["endTime"] = now
    info["errors"] = [{"code": "JobTerminated", "message": "The job was terminated by the user."}]


# -- file servers --------------------------------------------------------------


def _init_file_server(server: Resource) -> None:
    server.properties["mountSettings"] = {
        "mountPoint": "/data",
        "fileServerPublicIP": "203.0.113.10",
        "fileServerInternalIP": "10.0.0.4",
        "fileServerType": "nfs",
    }


KINDS = {
    kind.collection.lower(): kind
    for kind in (
        ResourceKind(
            "clusters",
            f"{PROVIDER}/clusters",
            _init_cluster,
            (
                ("userAccountSettings", "adminUserSshPublicKey"),
                ("userAccountSettings", "adminUserPassword"),
                ("nodeSetup", "setupTask", "secrets", "*", "value"),
            ),
        ),
        ResourceKind("jobs", f"{PROVIDER}/jobs", _init_job, (("secrets", "*", "value"),)),
        ResourceKind(
            "fileServers",
            f"{PROVIDER}/fileservers",
            _init_file_server,
            (
                ("sshConfiguration", "userAccountSettings", "adminUserSshPublicKey"),
                ("sshConfiguration", "userAccountSettings", "adminUserPassword"),
            ),
        ),
    )
}


def _drop(node: Any, path: tuple[str, ...]) -> None:
    """Delete the value at ``path``; ``*`` walks every element of a list."""
    head, rest = path[0], path[1:]
    if head == "*":
        children = node if isinstance(node, list) else []
    elif isinstance(node, dict) and head in node:
        if not rest:
            del node[head]
            return
        children = [node[head]]
    else:
        return
    for child in children:
        if rest:
            _drop(child, rest)
