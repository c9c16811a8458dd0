"""The emulator's seeding hook (``EmulatorHarness.seed``, ``Provider.seed``, ``Store.insert_many``) and listings
served a page at a time from the store: many resources stored at once, in the shape a create through the API
leaves, and read back through the SDK."""

from __future__ import annotations

import sqlite3

import pytest
from batchai_emulator.resources import Resource
from batchai_emulator.store import Store
from conftest import make_client
from scenario import RESOURCE_GROUP, SUBSCRIPTION_ID

import batchai

VERSION = "2018-05-01"
WORKSPACE = (
    f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{RESOURCE_GROUP}/providers/Microsoft.BatchAI/workspaces/ws"
)
EXPERIMENT = f"{WORKSPACE}/experiments/exp"
CLUSTER = f"{WORKSPACE}/clusters/c1"
JOB = {
    "properties": {
        "cluster": {"id": CLUSTER},
        "nodeCount": 1,
        "stdOutErrPathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/azfiles",
        "customToolkitSettings": {"commandLine": "echo hi"},
        "environmentVariables": [{"name": "A", "value": "1"}],
    }
}
# what differs between two jobs of the same definition: their names, times and output folders
PER_JOB = (
    "id",
    "name",
    "creationTime",
    "provisioningStateTransitionTime",
    "executionStateTransitionTime",
    "jobOutputDirectoryPathSegment",
)


def parents() -> list[tuple[str, dict]]:
    return [(WORKSPACE, {"location": "eastus"}), (EXPERIMENT, {})]


def seed(arm_server, resources) -> int:
    return arm_server.seed(resources, api_version=VERSION)


def v5_client(arm_server, credential) -> batchai.BatchAIManagementClient:
    return make_client(arm_server, credential, api_version=VERSION)


def without(job: dict, names: tuple[str, ...]) -> dict:
    properties = {key: value for key, value in job["properties"].items() if key not in names}
    return {**{key: value for key, value in job.items() if key not in names}, "properties": properties}


def test_a_seeded_job_reads_as_one_created_through_the_api(arm_server, credential):
    arm_server.lro_mode = "200"
    with v5_client(arm_server, credential) as client:
        client.workspaces.begin_create(RESOURCE_GROUP, "ws", {"location": "eastus"}).result()
        client.experiments.begin_create(RESOURCE_GROUP, "ws", "exp").result()
        client.jobs.begin_create(RESOURCE_GROUP, "ws", "exp", "made", JOB).result()
        assert seed(arm_server, ((f"{EXPERIMENT}/jobs/seeded-{index}", JOB) for index in range(3))) == 3
        made = client.jobs.get(RESOURCE_GROUP, "ws", "exp", "made").serialize(keep_readonly=True)
        seeded = client.jobs.get(RESOURCE_GROUP, "ws", "exp", "seeded-1").serialize(keep_readonly=True)
        names = [job.name for job in client.jobs.list_by_experiment(RESOURCE_GROUP, "ws", "exp")]
    assert seeded["id"] == f"{EXPERIMENT}/jobs/seeded-1"
    assert seeded["properties"]["provisioningState"] == "succeeded"
    assert seeded["properties"]["executionState"] == "queued"
    assert without(seeded, PER_JOB) == without(made, PER_JOB)
    assert names == ["made", "seeded-0", "seeded-1", "seeded-2"]  # after what was there, in the order given


def test_thousands_of_seeded_jobs_page_through_the_sdk_a_page_at_a_time(arm_server, credential):
    seed(arm_server, parents())
    count = 2500
    assert seed(arm_server, ((f"{EXPERIMENT}/jobs/job-{index:05d}", JOB) for index in range(count))) == count
    arm_server.page_size = 1000
    with v5_client(arm_server, credential) as client:
        names = [job.name for job in client.jobs.list_by_experiment(RESOURCE_GROUP, "ws", "exp")]
    assert names == [f"job-{index:05d}" for index in range(count)]
    lists = [request for request in arm_server.requests if request.operation_id == "Jobs_ListByExperiment"]
    assert [request.query.get("$skiptoken") for request in lists] == [None, "1000", "2000"]


def test_seeding_serves_every_api_version(arm_server, credential):
    """2018-03-01's jobs have no parents; the same hook stores them."""
    flat = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{RESOURCE_GROUP}/providers/Microsoft.BatchAI/jobs"
    body = {
        "location": "eastus",
        "properties": {**JOB["properties"], "cluster": {"id": flat.rsplit("/", 1)[0] + "/clusters/c"}},
    }
    arm_server.seed(((f"{flat}/j{index}", body) for index in range(5)), api_version="2018-03-01")
    with make_client(arm_server, credential, api_version="2018-03-01") as client:
        jobs = list(client.jobs.list_by_resource_group(RESOURCE_GROUP))
    assert [job.name for job in jobs] == [f"j{index}" for index in range(5)]
    assert {job.location for job in jobs} == {"eastus"}


def test_a_bad_seed_stores_nothing(arm_server, credential):
    seed(arm_server, parents())
    invalid = {"properties": {"nodeCount": 1}}  # no cluster, no stdOutErrPathPrefix
    with pytest.raises(ValueError, match="BadRequest"):
        seed(arm_server, [(f"{EXPERIMENT}/jobs/ok", JOB), (f"{EXPERIMENT}/jobs/bad", invalid)])
    with pytest.raises(ValueError, match="its parent .* does not exist"):
        seed(arm_server, [(f"{EXPERIMENT}/jobs/ok", JOB), (f"{WORKSPACE}/experiments/none/jobs/j", JOB)])
    with pytest.raises(ValueError, match="creates no resource at"):
        seed(arm_server, [(f"{EXPERIMENT}/jobz/j", JOB)])
    seed(arm_server, [(f"{EXPERIMENT}/jobs/once", JOB)])
    with pytest.raises(sqlite3.IntegrityError):
        seed(arm_server, [(f"{EXPERIMENT}/jobs/other", JOB), (f"{EXPERIMENT}/jobs/once", JOB)])
    with v5_client(arm_server, credential) as client:
        assert [job.name for job in client.jobs.list_by_experiment(RESOURCE_GROUP, "ws", "exp")] == ["once"]
    arm_server.reset()
    assert arm_server.emulator.store.all_resources() == []


def test_store_select_reads_one_window_of_a_collection_in_creation_order():
    store = Store()
    resources = [
        Resource(
            id=f"/subscriptions/s/resourceGroups/g/providers/Microsoft.BatchAI/jobs/j{index}",
            collections=("jobs",),
            api_version="2018-03-01",
            location="eastus",
            tracked=True,
            tags={},
            properties={"index": index},
            definition={},
        )
        for index in range(7)
    ]
    assert store.insert_many(iter(resources), chunk=3) == 7
    window = store.select("jobs", "S", "G", offset=2, limit=3)
    assert [resource.properties["index"] for resource in window] == [2, 3, 4]
    assert [resource.name for resource in store.select("jobs", "s", offset=5)] == ["j5", "j6"]
    assert store.select("jobs", "s", limit=0) == []
    assert len(store.select("jobs", "s")) == 7
    store.close()
