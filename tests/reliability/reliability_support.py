"""What the fault suite shares: a client per API version on the emulator, each version's resources behind one
interface, a transport that records the waits it is asked for, and counts of what reached the server.

Every case asserts an outcome, the requests that reached the server (``Wire``) and a time bound (``within``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from azure.core.pipeline.transport import AioHttpTransport, RequestsTransport
from scenario import RESOURCE_GROUP, SUBSCRIPTION_ID

import batchai
import batchai.aio

VERSIONS = list(batchai.API_VERSIONS)
WORKSPACE = "ws"
EXPERIMENT = "exp"
# faults answered without the emulator's front door recording the request: they count as sent
_UNRECORDED_ACTIONS = ("reply", "reset")


class RecordingTransport(RequestsTransport):
    """requests' transport that records every wait it is asked for instead of sleeping.

    Retry-After and backoff waits and polling intervals all go through ``transport.sleep``: a test
    asserts on the waits (``sleeps``) without spending them.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sleeps: list[float] = []

    def sleep(self, duration: float) -> None:
        self.sleeps.append(duration)


class AsyncRecordingTransport(AioHttpTransport):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sleeps: list[float] = []

    async def sleep(self, duration: float) -> None:
        self.sleeps.append(duration)
        await asyncio.sleep(0)


def client_options(arm_server, **overrides: Any) -> dict[str, Any]:
    """The emulator's endpoint and certificate, no retries and no waits unless a test asks for them."""
    return {
        "base_url": arm_server.base_url,
        "connection_verify": arm_server.ca_path,
        "polling_interval": 0,
        "retry_total": 0,
        "retry_backoff_factor": 0,
        **overrides,
    }


def make_client(arm_server, credential, version: str, **overrides: Any) -> batchai.BatchAIManagementClient:
    return batchai.BatchAIManagementClient(
        credential, SUBSCRIPTION_ID, api_version=version, **client_options(arm_server, **overrides)
    )


def make_async_client(
    arm_server, async_credential, version: str, **overrides: Any
) -> batchai.aio.BatchAIManagementClient:
    return batchai.aio.BatchAIManagementClient(
        async_credential, SUBSCRIPTION_ID, api_version=version, **client_options(arm_server, **overrides)
    )


def recording_transport(arm_server, **options: Any) -> RecordingTransport:
    """A transport is built with its connection options (``read_timeout=``): the client's do not reach it."""
    return RecordingTransport(connection_verify=arm_server.ca_path, **options)


# -- what reached the server ------------------------------------------------------------------------


class Wire:
    """The requests that reached the server since this object was made: those the emulator recorded, and
    those a fault answered before the emulator saw them."""

    def __init__(self, arm_server) -> None:
        self.server = arm_server
        self._recorded = len(arm_server.requests)
        self._served = len(arm_server.faults_served)

    def recorded(self) -> list[Any]:
        """The requests the emulator recorded (a fault that answers instead of it records none)."""
        return self.server.requests[self._recorded :]

    def sent(self) -> list[tuple[str, str | None]]:
        """(method, operationId) of every request that reached the server."""
        recorded = [(r.method, r.operation_id) for r in self.server.requests[self._recorded :]]
        faulted = [
            (f.method, f.operation_id)
            for f in self.server.faults_served[self._served :]
            if f.action in _UNRECORDED_ACTIONS
        ]
        return recorded + faulted

    def count(self, operation_id: str | None = None, method: str | None = None) -> int:
        return sum(
            1
            for sent_method, sent_operation in self.sent()
            if (operation_id is None or sent_operation == operation_id) and (method is None or sent_method == method)
        )

    def operations(self) -> Counter[str | None]:
        return Counter(operation for _, operation in self.sent())

    @property
    def faults(self) -> list[str]:
        return [fault.name for fault in self.server.faults_served[self._served :]]


@contextlib.contextmanager
def within(seconds: float) -> Iterator[None]:
    """The block must finish within ``seconds`` (wall clock)."""
    started = time.monotonic()
    yield
    elapsed = time.monotonic() - started
    assert elapsed < seconds, f"took {elapsed:.2f}s, the bound is {seconds}s"


# -- each version's resources behind one interface ---------------------------------------------------


@dataclass
class Api:
    """One API version's clusters and jobs on the emulator, whatever their parents in that version."""

    client: Any
    version: str

    @property
    def models(self) -> Any:
        return batchai.BatchAIManagementClient.models(self.version)

    @property
    def module_name(self) -> str:
        """The version's subpackage: 2018-03-01 -> v2018_03_01."""
        return "v" + self.version.replace("-", "_")

    @property
    def nested(self) -> bool:
        """2018-05-01 keeps clusters in workspaces and jobs in experiments."""
        return hasattr(self.models, "Workspace")

    @property
    def provider(self) -> str:
        return f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{RESOURCE_GROUP}/providers/Microsoft.BatchAI"

    def cluster_args(self, name: str) -> tuple[str, ...]:
        return (RESOURCE_GROUP, WORKSPACE, name) if self.nested else (RESOURCE_GROUP, name)

    def job_args(self, name: str) -> tuple[str, ...]:
        return (RESOURCE_GROUP, WORKSPACE, EXPERIMENT, name) if self.nested else (RESOURCE_GROUP, name)

    def cluster_path(self, name: str) -> str:
        """A fault's path pattern for the cluster (the resource itself, not its children)."""
        return f"/clusters/{name}$"

    def job_path(self, name: str) -> str:
        return f"/jobs/{name}$"

    def cluster_id(self, name: str) -> str:
        parent = f"/workspaces/{WORKSPACE}" if self.nested else ""
        return f"{self.provider}{parent}/clusters/{name}"

    def parents(self) -> None:
        """Create what a cluster and a job live in (2018-05-01: a workspace and an experiment)."""
        if not self.nested:
            return
        models = self.models
        self.client.workspaces.begin_create(
            RESOURCE_GROUP, WORKSPACE, models.WorkspaceCreateParameters(location="eastus")
        ).result()
        self.client.experiments.begin_create(RESOURCE_GROUP, WORKSPACE, EXPERIMENT).result()

    def cluster_parameters(self, **user_account: Any) -> Any:
        models = self.models
        values: dict[str, Any] = {
            "vm_size": "STANDARD_NC6",
            "scale_settings": models.ScaleSettings(manual=models.ManualScaleSettings(target_node_count=1)),
            "user_account_settings": models.UserAccountSettings(
                admin_user_name="admin_user", **(user_account or {"admin_user_password": "s3cret!"})
            ),
        }
        if not self.nested:
            values["location"] = "eastus"
        return models.ClusterCreateParameters(**values)

    def job_parameters(self, cluster: str = "c1", **extra: Any) -> Any:
        models = self.models
        values: dict[str, Any] = {
            "cluster": models.ResourceId(id=self.cluster_id(cluster)),
            "node_count": 1,
            "std_out_err_path_prefix": "$AZ_BATCHAI_MOUNT_ROOT/azfiles",
            "custom_toolkit_settings": models.CustomToolkitSettings(command_line="echo hi"),
            **extra,
        }
        if not self.nested:
            values["location"] = "eastus"
        return models.JobCreateParameters(**values)

    # operations, named as a user of any version thinks of them
    def create_cluster(self, name: str = "c1", parameters: Any = None, **kwargs: Any) -> Any:
        return self.client.clusters.begin_create(
            *self.cluster_args(name), parameters or self.cluster_parameters(), **kwargs
        )

    def get_cluster(self, name: str = "c1", **kwargs: Any) -> Any:
        return self.client.clusters.get(*self.cluster_args(name), **kwargs)

    def delete_cluster(self, name: str = "c1", **kwargs: Any) -> Any:
        return self.client.clusters.begin_delete(*self.cluster_args(name), **kwargs)

    def list_clusters(self, **kwargs: Any) -> Any:
        if self.nested:
            return self.client.clusters.list_by_workspace(RESOURCE_GROUP, WORKSPACE, **kwargs)
        return self.client.clusters.list_by_resource_group(RESOURCE_GROUP, **kwargs)

    def list_clusters_operation(self) -> str:
        return "Clusters_ListByWorkspace" if self.nested else "Clusters_ListByResourceGroup"

    def create_job(self, name: str = "j1", parameters: Any = None, **kwargs: Any) -> Any:
        return self.client.jobs.begin_create(*self.job_args(name), parameters or self.job_parameters(), **kwargs)

    def get_job(self, name: str = "j1", **kwargs: Any) -> Any:
        return self.client.jobs.get(*self.job_args(name), **kwargs)

    def delete_job(self, name: str = "j1", **kwargs: Any) -> Any:
        return self.client.jobs.begin_delete(*self.job_args(name), **kwargs)

    def terminate_job(self, name: str = "j1", **kwargs: Any) -> Any:
        return self.client.jobs.begin_terminate(*self.job_args(name), **kwargs)

    def list_output_files(self, name: str = "j1", **kwargs: Any) -> Any:
        options = self.models.JobsListOutputFilesOptions(outputdirectoryid="stdouterr")
        return self.client.jobs.list_output_files(*self.job_args(name), options, **kwargs)

    def list_remote_login(self, cluster: str = "c1", **kwargs: Any) -> Any:
        return self.client.clusters.list_remote_login_information(*self.cluster_args(cluster), **kwargs)


def api(arm_server, credential, version: str, **overrides: Any) -> Api:
    return Api(make_client(arm_server, credential, version, **overrides), version)


def with_resources(arm_server, credential, version: str, *, jobs: tuple[str, ...] = (), clusters=("c1",)) -> None:
    """Create the parents, clusters and jobs a case needs, at once (every LRO finishes in its request)."""
    mode = arm_server.lro_mode
    arm_server.lro_mode = "200"
    setup = api(arm_server, credential, version)
    setup.parents()
    for name in clusters:
        setup.create_cluster(name).result()
    for name in jobs:
        setup.create_job(name).result()
    setup.client.close()
    arm_server.lro_mode = mode
