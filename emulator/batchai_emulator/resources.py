"""Batch AI knowledge: stored resources, the read-only fields the service fills, and what it never echoes.

A resource is addressed by the (collection, name) pairs of its path after ``/providers/Microsoft.BatchAI/``
(``jobs/j1`` in 2018-03-01, ``workspaces/w/experiments/e/jobs/j1`` in 2018-05-01); everything here is
keyed by the last collection (``jobs``), so it applies to every API version alike.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .spec import PROVIDER

TOOLKITS = {
    # job property -> the toolType the service reported for it
    "cntkSettings": "cntk",
    "tensorFlowSettings": "tensorflow",
    "caffeSettings": "caffe",
    "caffe2Settings": "caffe2",
    "chainerSettings": "chainer",
    "pyTorchSettings": "pytorch",
    "horovodSettings": "horovod",
    "customMpiSettings": "custommpi",
    "customToolkitSettings": "custom",
}
# job properties named like a toolkit that are not one
NOT_TOOLKITS = ("containerSettings",)


def copy_json(value: Any) -> Any:
    """A deep copy of parsed JSON (dicts, lists, scalars): what ``copy.deepcopy`` gives, three times faster."""
    if isinstance(value, dict):
        return {key: copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_json(item) for item in value]
    return value


def utc_now() -> str:
    return wire_time(datetime.now(timezone.utc))


def wire_time(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a Z, as the service wrote times."""
    moment = moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class Resource:
    """A stored workspace, experiment, cluster, file server or job (any API version)."""

    id: str  # the ARM id, case as created
    collections: tuple[str, ...]  # the collections of its path as the spec spells them
    api_version: str  # the version it was created with
    location: str | None  # its own, or inherited from its parent (for monitor URLs and usages)
    tracked: bool  # an ARM tracked resource: location and tags are part of its body
    tags: dict[str, str]
    properties: dict[str, Any]
    definition: Any  # the create body as sent, so a repeated PUT can be compared
    uid: str = field(default_factory=lambda: uuid.uuid4().hex)  # tells a re-created resource apart
    internal: dict[str, Any] = field(default_factory=dict)  # emulator bookkeeping, never answered

    @property
    def key(self) -> str:
        return self.id.lower()

    @property
    def name(self) -> str:
        return self.id.rsplit("/", 1)[-1]

    @property
    def kind(self) -> str:
        """``jobs``, ``workspaces/experiments/jobs``: the lower-case collection chain."""
        return "/".join(collection.lower() for collection in self.collections)

    @property
    def leaf(self) -> str:
        return self.collections[-1].lower()

    @property
    def subscription(self) -> str:
        return self.id.split("/")[2]

    @property
    def resource_group(self) -> str:
        return self.id.split("/")[4]

    @property
    def parent_key(self) -> str:
        """The lower-case id of the resource this one is nested in, "" at the top."""
        if len(self.collections) < 2:
            return ""
        return self.key.rsplit("/", 2)[0]

    @property
    def arm_type(self) -> str:
        """``Microsoft.BatchAI/Jobs``: the type the service answered (also for nested resources)."""
        leaf = self.collections[-1]
        return f"{PROVIDER}/{leaf[:1].upper()}{leaf[1:]}"

    @property
    def provisioning_state(self) -> str | None:
        return self.properties.get("provisioningState")

    def set_provisioning_state(self, state: str) -> None:
        self.properties["provisioningState"] = state
        self.properties["provisioningStateTransitionTime"] = utc_now()

    def to_json(self) -> dict:
        """The body the service answers; write-only values are left out."""
        properties = copy_json(self.properties)
        for path in WRITE_ONLY.get(self.leaf, ()):
            _drop(properties, path)
        body: dict[str, Any] = {"id": self.id, "name": self.name, "type": self.arm_type}
        if self.tracked:
            body["location"] = self.location
            body["tags"] = dict(self.tags)
        body["properties"] = properties
        return body

    # -- persistence -------------------------------------------------------------------

    def to_document(self) -> dict:
        return {
            "id": self.id,
            "collections": list(self.collections),
            "api_version": self.api_version,
            "location": self.location,
            "tracked": self.tracked,
            "tags": self.tags,
            "properties": self.properties,
            "definition": self.definition,
            "uid": self.uid,
            "internal": self.internal,
        }

    @classmethod
    def from_document(cls, document: dict) -> Resource:
        return cls(**{**document, "collections": tuple(document["collections"])})


def new_resource(
    resource_id: str, collections: tuple[str, ...], api_version: str, body: Any, inherited_location: str | None
) -> Resource:
    body = body if isinstance(body, dict) else {}
    resource = Resource(
        id=resource_id,
        collections=collections,
        api_version=api_version,
        location=body.get("location") or inherited_location,
        tracked="location" in body,
        tags=dict(body.get("tags") or {}),
        properties=copy_json(body.get("properties") or {}),
        definition=copy_json(body),
    )
    now = utc_now()
    resource.properties.update(creationTime=now, provisioningState="creating", provisioningStateTransitionTime=now)
    initialize = INITIALIZERS.get(resource.leaf)
    if initialize:
        initialize(resource)
    return resource


def output_path_segment(resource: Resource) -> str:
    """``<subscription>/<group>/<collection>/<name>/.../<uuid>``, as the service built jobOutputDirectoryPathSegment."""
    pairs = resource.id.split(f"/providers/{PROVIDER}/", 1)[1] if f"/providers/{PROVIDER}/" in resource.id else ""
    return f"{resource.subscription}/{resource.resource_group}/{pairs}/{uuid.uuid4()}"


# -- per kind -------------------------------------------------------------------------


def _init_cluster(cluster: Resource) -> None:
    props = cluster.properties
    now = utc_now()
    props.update(
        allocationState="resizing",
        allocationStateTransitionTime=now,
        currentNodeCount=0,
        nodeStateCounts={
            name: 0
            for name in (
                "idleNodeCount",
                "runningNodeCount",
                "preparingNodeCount",
                "unusableNodeCount",
                "leavingNodeCount",
            )
        },
    )
    task = (props.get("nodeSetup") or {}).get("setupTask")
    if task:
        task["stdOutErrPathSuffix"] = f"{cluster.subscription}/{cluster.resource_group}/{cluster.name}/{uuid.uuid4()}"


def _init_job(job: Resource) -> None:
    props = job.properties
    props.update(executionState="queued", executionStateTransitionTime=utc_now())
    props["toolType"] = next((tool for key, tool in TOOLKITS.items() if props.get(key)), "custom")
    props["jobOutputDirectoryPathSegment"] = output_path_segment(job)


def _init_file_server(server: Resource) -> None:
    server.properties["mountSettings"] = {
        "mountPoint": "/data",
        "fileServerPublicIP": "127.0.0.1",
        "fileServerInternalIP": "127.0.0.1",
        "fileServerType": "nfs",
    }


INITIALIZERS: dict[str, Callable[[Resource], None]] = {
    "clusters": _init_cluster,
    "jobs": _init_job,
    "fileservers": _init_file_server,
}

# Values the service accepted but never reported back (passwords, keys, secret values).
WRITE_ONLY: dict[str, tuple[tuple[str, ...], ...]] = {
    "clusters": (
        ("userAccountSettings", "adminUserSshPublicKey"),
        ("userAccountSettings", "adminUserPassword"),
        ("nodeSetup", "setupTask", "secrets", "*", "value"),
    ),
    "jobs": (("secrets", "*", "value"),),
    "fileservers": (
        ("sshConfiguration", "userAccountSettings", "adminUserSshPublicKey"),
        ("sshConfiguration", "userAccountSettings", "adminUserPassword"),
    ),
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
