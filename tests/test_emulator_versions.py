"""Every API version the emulator serves: each example request of each spec, sent as is, is served.

The examples are the service's own requests (bodies, names, query values); sending them to the emulator,
parents first and deletions last, must reach every operationId of the version with a 2xx answer. Then the
nesting semantics of 2018-05-01 (workspaces, experiments) and what is derived per version.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
import requests
from batchai_emulator.spec import Spec, SpecSet

SPECS = SpecSet()
VERSIONS = SPECS.versions
SUB = "00000000-0000-0000-0000-000000000000"
HTTP_METHODS = ("get", "put", "post", "patch", "delete")
MAX_PAGES = 20
# Examples whose names do not match the resources the other examples create (typos in the specs):
# the emulator answers them as the service would, with a 404.
EXAMPLES_NAMING_ABSENT_RESOURCES = {
    "2018-05-01": {"ListJobByExperiment.json": "404 ParentResourceNotFound"},  # experimentName "demo_experimnet"
}


@dataclass(frozen=True)
class ExampleRequest:
    file: str
    operation_id: str
    method: str
    path: str
    query: dict[str, str]
    body: Any
    depth: int  # how many resources deep the path is


def example_requests(spec: Spec) -> list[ExampleRequest]:
    found = []
    for template, item in spec.document["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            route = spec.operation(operation["operationId"])
            for example in operation.get("x-ms-examples", {}).values():
                data = json.loads((spec.path.parent / example["$ref"]).read_text(encoding="utf-8"))
                params = data["parameters"]
                path = fill_template(template, params)
                query = {
                    param["name"]: str(params[param["name"]])
                    for param in route.query_params.values()
                    if param["name"] in params
                }
                body = params.get(route.body_param["name"]) if route.body_param else None
                file = example["$ref"].rsplit("/", 1)[-1]
                found.append(
                    ExampleRequest(file, route.operation_id, method.upper(), path, query, body, len(route.segments))
                )
    return found


def fill_template(template: str, params: dict[str, Any]) -> str:
    return re.sub(r"\{([^}]+)\}", lambda found: quote(str(params[found.group(1)]), safe=""), template)


def in_service_order(found: list[ExampleRequest]) -> list[ExampleRequest]:
    """Parents created first, then reads and actions, then deletions of children before parents."""
    creates = sorted((r for r in found if r.method == "PUT"), key=lambda r: r.depth)
    deletes = sorted((r for r in found if r.method == "DELETE"), key=lambda r: -r.depth)
    terminate = [r for r in found if r.operation_id == "Jobs_Terminate"]
    others = [r for r in found if r not in creates and r not in deletes and r not in terminate]
    return creates + others + terminate + deletes


@pytest.fixture
def send(arm_server):
    session = requests.Session()

    def call(method: str, path: str, query: dict[str, str] | None = None, body: Any = None) -> requests.Response:
        url = path if path.startswith("https://") else arm_server.base_url + path
        headers = {"Authorization": f"Bearer {arm_server.token}"}
        return session.request(
            method, url, params=query, json=body, headers=headers, verify=arm_server.ca_path, timeout=10
        )

    yield call
    session.close()


def all_pages(send, path: str, query: dict[str, str]) -> list[dict]:
    page = send("GET", path, query).json()
    items = list(page["value"])
    for _ in range(MAX_PAGES):
        if "nextLink" not in page:
            return items
        page = send("GET", page["nextLink"]).json()
        items += page["value"]
    raise AssertionError("paging never ended")


@pytest.mark.parametrize("version", VERSIONS)
def test_every_example_request_of_every_version_is_served(arm_server, send, version):
    arm_server.lro_mode = "200"  # every long-running operation finishes in its request
    arm_server.reset_coverage()
    spec = SPECS[version]
    requests_sent = in_service_order(example_requests(spec))
    assert requests_sent, f"{version} has no examples"
    refused = {}
    for example in requests_sent:
        reply = send(example.method, example.path, example.query, example.body)
        assert reply.headers["x-ms-request-id"]
        if reply.status_code not in (200, 201, 202, 204):
            refused[example.file] = f"{reply.status_code} {reply.json()['error']['code']}"
    assert refused == EXAMPLES_NAMING_ABSENT_RESOURCES.get(version, {})
    reached = {operation for served_version, operation in arm_server.coverage if served_version == version}
    assert reached == {route.operation_id for route in spec.routes}


@pytest.mark.parametrize("version", VERSIONS)
def test_each_version_answers_with_its_own_operations_list(send, version):
    names = {
        item["name"] for item in all_pages(send, "/providers/Microsoft.BatchAI/operations", {"api-version": version})
    }
    spec = SPECS[version]
    collections = {"/".join(c.lower() for c in route.resource_collections) for route in spec.routes if route.is_item}
    assert {f"Microsoft.BatchAI/{kind}/read" for kind in collections} <= names
    assert {f"Microsoft.BatchAI/{kind}/write" for kind in collections} <= names
    assert ("Microsoft.BatchAI/workspaces/read" in names) == any(
        r.operation_id.startswith("Workspaces_") for r in spec.routes
    )


def test_a_request_is_validated_against_the_spec_of_its_own_version(arm_server, send):
    """2018-05-01 added toolkits: a horovod job is valid there; 2018-03-01 has no such setting (ignored), so
    the same body carries no toolkit there and is refused by Batch AI's one-toolkit rule."""
    arm_server.lro_mode = "200"
    job = {
        "location": "eastus",
        "properties": {
            "cluster": {"id": f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.BatchAI/clusters/c"},
            "nodeCount": 1,
            "stdOutErrPathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/logs",
            "horovodSettings": {"pythonScriptFilePath": "train.py"},
        },
    }
    flat = send(
        "PUT",
        f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.BatchAI/jobs/j1",
        {"api-version": "2018-03-01"},
        job,
    )
    assert flat.status_code == 400 and "exactly one tool kit" in flat.json()["error"]["message"]
    nested = _workspace_and_experiment(send)
    reply = send("PUT", f"{nested}/jobs/j1", {"api-version": "2018-05-01"}, {"properties": job["properties"]})
    assert reply.status_code == 200, reply.text
    props = reply.json()["properties"]
    assert props["toolType"] == "horovod"
    assert props["schedulingPriority"] == "normal"  # the spec's default, as the service stored it
    assert props["constraints"]["maxWallClockTime"] == "P7D"  # the spec says 7.00:00:00; the service sent P7D


# -- 2018-05-01: workspaces and experiments -------------------------------------------------------------

V5 = {"api-version": "2018-05-01"}
GROUP = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.BatchAI"


def _workspace_and_experiment(send, workspace: str = "ws", experiment: str = "ex") -> str:
    assert send(
        "PUT", f"{GROUP}/workspaces/{workspace}", V5, {"location": "westus2", "tags": {"a": "b"}}
    ).status_code in (200, 202)
    assert send("PUT", f"{GROUP}/workspaces/{workspace}/experiments/{experiment}", V5).status_code in (200, 202)
    return f"{GROUP}/workspaces/{workspace}/experiments/{experiment}"


def _cluster_body(nodes: int = 1) -> dict:
    return {
        "properties": {
            "vmSize": "STANDARD_NC6",
            "scaleSettings": {"manual": {"targetNodeCount": nodes}},
            "userAccountSettings": {"adminUserName": "me", "adminUserPassword": "pw"},
        }
    }


def _job_body(cluster_id: str, priority: str = "normal") -> dict:
    return {
        "properties": {
            "cluster": {"id": cluster_id},
            "nodeCount": 1,
            "schedulingPriority": priority,
            "stdOutErrPathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/logs",
            "customToolkitSettings": {"commandLine": "echo hi"},
        }
    }


def test_nested_resources_need_their_parents(arm_server, send):
    arm_server.lro_mode = "200"
    missing_workspace = send("PUT", f"{GROUP}/workspaces/nope/experiments/ex", V5)
    assert missing_workspace.status_code == 404
    error = missing_workspace.json()["error"]
    assert error["code"] == "ParentResourceNotFound" and "'nope'" in error["message"]
    for method, path in (
        ("GET", "/workspaces/nope/clusters/c1"),
        ("GET", "/workspaces/nope/clusters"),
        ("GET", "/workspaces/nope/experiments/ex/jobs"),
        ("POST", "/workspaces/nope/experiments/ex/jobs/j/terminate"),
    ):
        reply = send(method, GROUP + path, V5)
        assert reply.status_code == 404 and reply.json()["error"]["code"] == "ParentResourceNotFound", path
    experiment = _workspace_and_experiment(send)
    absent = send("GET", f"{experiment}/jobs/j1", V5)
    assert absent.status_code == 404 and absent.json()["error"]["code"] == "ResourceNotFound"
    assert (
        send("GET", f"{GROUP}/workspaces/ws/experiments/other/jobs", V5).json()["error"]["code"]
        == "ParentResourceNotFound"
    )


def test_workspace_bodies_and_proxy_resources(arm_server, send):
    arm_server.lro_mode = "200"
    experiment = _workspace_and_experiment(send)
    workspace = send("GET", f"{GROUP}/workspaces/WS", V5).json()
    assert workspace["type"] == "Microsoft.BatchAI/Workspaces"
    assert workspace["location"] == "westus2" and workspace["tags"] == {"a": "b"}
    assert workspace["properties"]["provisioningState"] == "succeeded"
    body = send("GET", experiment, V5).json()
    assert body["id"] == experiment and body["type"] == "Microsoft.BatchAI/Experiments"
    assert "location" not in body and "tags" not in body  # a proxy resource
    patched = send("PATCH", f"{GROUP}/workspaces/ws", V5, {"tags": {"c": "d"}}).json()
    assert patched["tags"] == {"c": "d"}
    listed = send("GET", f"/subscriptions/{SUB}/providers/Microsoft.BatchAI/workspaces", V5).json()["value"]
    assert [w["name"] for w in listed] == ["ws"]


def test_long_running_operations_of_nested_resources_use_the_workspace_location(arm_server, send):
    _workspace_and_experiment(send)
    arm_server.complete_operations()
    reply = send("PUT", f"{GROUP}/workspaces/ws/clusters/c1", V5, _cluster_body())
    assert reply.status_code == 202 and reply.content == b""
    assert "/locations/westus2/operationresults/" in reply.headers["Azure-AsyncOperation"]
    assert reply.headers["Azure-AsyncOperation"].endswith("?api-version=2018-05-01")


def test_deleting_a_workspace_deletes_everything_in_it(arm_server, send):
    arm_server.lro_mode = "200"
    experiment = _workspace_and_experiment(send)
    cluster = f"{GROUP}/workspaces/ws/clusters/c1"
    assert send("PUT", cluster, V5, _cluster_body(2)).status_code == 200
    assert send("PUT", f"{experiment}/jobs/j1", V5, _job_body(cluster)).status_code == 200
    file_server = {
        "properties": {
            "vmSize": "STANDARD_D2",
            "sshConfiguration": {"userAccountSettings": {"adminUserName": "me", "adminUserPassword": "pw"}},
            "dataDisks": {"diskSizeInGB": 10, "diskCount": 1, "storageAccountType": "Standard_LRS"},
        }
    }
    assert send("PUT", f"{GROUP}/workspaces/ws/fileServers/fs", V5, file_server).status_code == 200
    other = _workspace_and_experiment(send, "other", "ex")
    assert send("DELETE", f"{GROUP}/workspaces/ws", V5).status_code == 200
    for path in (cluster, f"{experiment}/jobs/j1", experiment, f"{GROUP}/workspaces/ws/fileServers/fs"):
        assert send("GET", path, V5).status_code == 404, path
    assert send("GET", other, V5).status_code == 200  # another workspace's experiment stays
    job_id = f"{experiment}/jobs/j1"
    assert arm_server.scripted.deleted == [job_id]
    assert send("PUT", f"{GROUP}/workspaces/ws", V5, {"location": "westus2"}).status_code == 200
    assert send("GET", f"{GROUP}/workspaces/ws/experiments", V5).json() == {"value": []}  # nothing came back


def test_a_workspace_being_deleted_takes_no_new_children(arm_server, send):
    _workspace_and_experiment(send)
    arm_server.complete_operations()
    assert send("DELETE", f"{GROUP}/workspaces/ws", V5).status_code == 202
    assert send("GET", f"{GROUP}/workspaces/ws", V5).json()["properties"]["provisioningState"] == "deleting"
    reply = send("PUT", f"{GROUP}/workspaces/ws/clusters/c1", V5, _cluster_body())
    assert reply.status_code == 404 and reply.json()["error"]["code"] == "ParentResourceNotFound"


def test_jobs_reach_the_executor_with_a_normalized_priority(arm_server, send):
    arm_server.lro_mode = "200"
    experiment = _workspace_and_experiment(send)
    cluster = f"{GROUP}/workspaces/ws/clusters/c1"
    send("PUT", cluster, V5, _cluster_body())
    for name, priority in (("low", "low"), ("high", "High")):
        assert send("PUT", f"{experiment}/jobs/{name}", V5, _job_body(cluster, priority)).status_code == 200
    flat = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.BatchAI/jobs/old"
    old_job = {"location": "eastus", "properties": {**_job_body(cluster)["properties"], "priority": 7}}
    del old_job["properties"]["schedulingPriority"]
    assert send("PUT", flat, {"api-version": "2018-03-01"}, old_job).status_code == 200
    submitted = {job.job_id.rsplit("/", 1)[-1]: job for job in arm_server.scripted.submitted}
    assert {name: job.priority for name, job in submitted.items()} == {"low": -1, "high": 1, "old": 7}
    assert submitted["low"].api_version == "2018-05-01" and submitted["old"].api_version == "2018-03-01"
    assert submitted["low"].cluster_id == cluster
    assert submitted["low"].cluster_properties["scaleSettings"]["manual"]["targetNodeCount"] == 1
    assert (
        submitted["low"]
        .properties["jobOutputDirectoryPathSegment"]
        .startswith(f"{SUB}/rg/workspaces/ws/experiments/ex/jobs/low/")
    )


def test_paging_follows_next_links_on_nested_collections(arm_server, send):
    arm_server.lro_mode = "200"
    experiment = _workspace_and_experiment(send)
    cluster = f"{GROUP}/workspaces/ws/clusters/c1"
    send("PUT", cluster, V5, _cluster_body())
    for index in range(5):
        send("PUT", f"{experiment}/jobs/j{index}", V5, _job_body(cluster))
    first = send("GET", f"{experiment}/jobs", V5).json()
    assert len(first["value"]) == 2 and "api-version=2018-05-01" in first["nextLink"]
    assert [job["name"] for job in all_pages(send, f"{experiment}/jobs", V5)] == [f"j{index}" for index in range(5)]


def test_a_resource_is_answered_in_the_model_of_the_version_that_reads_it(arm_server, send):
    """A 2018-03-01 job with a PyTorch toolkit, read with 2017-09-01-preview, whose Job has no pyTorchSettings;
    and every answer of every test is checked against its version's response schema (the harness fails a test
    whose answers carry a property the version does not have)."""
    arm_server.lro_mode = "200"
    path = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.BatchAI/jobs/torch"
    body = {"location": "eastus", "properties": {
        "cluster": {"id": f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.BatchAI/clusters/c"},
        "nodeCount": 1, "stdOutErrPathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/logs",
        "pyTorchSettings": {"pythonScriptFilePath": "train.py"},
    }}  # fmt: skip
    assert send("PUT", path, {"api-version": "2018-03-01"}, body).status_code == 200
    newer = send("GET", path, {"api-version": "2018-03-01"}).json()["properties"]
    older = send("GET", path, {"api-version": "2017-09-01-preview"}).json()["properties"]
    assert newer["pyTorchSettings"] == {"pythonScriptFilePath": "train.py"}
    assert "pyTorchSettings" not in older and older["cluster"] == newer["cluster"]
    assert arm_server.response_problems == []
