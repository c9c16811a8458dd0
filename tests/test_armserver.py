"""Tests of the fake ARM / Batch AI server itself, spoken to with plain `requests`."""

from __future__ import annotations

import asyncio
import json

import pytest
import requests
from batchai_emulator import AsyncFakeCredential, EmulatorHarness, FakeCredential

SUB = "00000000-0000-0000-0000-000000000001"
RG = "demo_rg"
PROVIDER = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.BatchAI"
MAX_POLLS = 20  # every polling loop below is bounded by this
API_VERSION = "2018-03-01"  # the version whose paths this module speaks (flat jobs, clusters, file servers)

CLUSTER_BODY = {
    "location": "eastus",
    "tags": {"team": "ml"},
    "properties": {
        "vmSize": "STANDARD_NC6",
        "scaleSettings": {"manual": {"targetNodeCount": 2}},
        "userAccountSettings": {"adminUserName": "admin", "adminUserPassword": "s3cret"},
    },
}
JOB_BODY = {
    "location": "eastus",
    "properties": {
        "cluster": {"id": f"{PROVIDER}/clusters/c1"},
        "nodeCount": 2,
        "stdOutErrPathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/logs",
        "outputDirectories": [{"id": "MODEL", "pathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/models"}],
        "cntkSettings": {"languageType": "Python", "pythonScriptFilePath": "train.py"},
        "secrets": [{"name": "KEY", "value": "hidden"}],
    },
}
FILE_SERVER_BODY = {
    "location": "eastus",
    "properties": {
        "vmSize": "STANDARD_D2",
        "sshConfiguration": {"userAccountSettings": {"adminUserName": "admin", "adminUserSshPublicKey": "ssh-rsa AAA"}},
        "dataDisks": {"diskSizeInGB": 10, "diskCount": 2, "storageAccountType": "Standard_LRS"},
    },
}


@pytest.fixture(scope="module")
def running_server():
    with EmulatorHarness(api_version=API_VERSION) as server:
        yield server


@pytest.fixture
def server(running_server):
    running_server.reset()
    yield running_server
    assert not running_server.internal_errors, running_server.internal_errors


@pytest.fixture
def http(server):
    """call(method, path_or_url, **kw): HTTPS with the server's CA and a valid token by default.

    verify is passed per request because REQUESTS_CA_BUNDLE would override a session default.
    """
    session = requests.Session()

    def call(method, target, *, token=None, headers=None, data=None, json_body=None, **query):
        url = target if target.startswith("https://") else server.url(target, **query)
        sent = {"Authorization": f"Bearer {token or server.token}", **(headers or {})}
        return session.request(method, url, headers=sent, data=data, json=json_body, verify=server.ca_path, timeout=10)

    yield call
    session.close()


def send_json(http, method, path, body, **query):
    return http(method, path, json_body=body, **query)


def poll_until_done(http, url):
    """Poll an Azure-AsyncOperation URL; returns (InProgress answers seen, final body)."""
    for in_progress in range(MAX_POLLS):
        body = http("GET", url).json()
        if body["status"] != "InProgress":
            return in_progress, body
    raise AssertionError("operation never finished")


def create(http, server, path, body):
    """Create through the whole 202 + polling dance and return the final resource."""
    reply = send_json(http, "PUT", path, body)
    assert reply.status_code in (200, 201, 202), reply.text
    if "Azure-AsyncOperation" in reply.headers:
        poll_until_done(http, reply.headers["Azure-AsyncOperation"])
    return http("GET", path).json()


def collect_pages(http, path, **query):
    """Follow nextLink; returns (items, pages)."""
    reply = http("GET", path, **query).json()
    pages = [reply]
    for _ in range(MAX_POLLS):
        if "nextLink" not in reply:
            return [item for page in pages for item in page["value"]], pages
        reply = http("GET", reply["nextLink"]).json()
        pages.append(reply)
    raise AssertionError("paging never ended")


def error_code(reply):
    assert reply.headers["Content-Type"].startswith("application/json")
    return reply.json()["error"]["code"]


# -- transport and ARM front door ---------------------------------------------------------------


def test_https_answers_with_request_id_and_keeps_connection_alive(server, http):
    reply = http("GET", "/providers/Microsoft.BatchAI/operations")
    assert reply.status_code == 200
    assert reply.url.startswith(f"https://127.0.0.1:{server.port}/")
    assert reply.headers["x-ms-request-id"]
    assert reply.headers.get("Connection", "").lower() != "close"
    assert int(reply.headers["Content-Length"]) == len(reply.content)


def test_client_request_id_is_echoed(http):
    reply = http("GET", "/providers/Microsoft.BatchAI/operations", headers={"x-ms-client-request-id": "abc-123"})
    assert reply.headers["x-ms-client-request-id"] == "abc-123"


@pytest.mark.parametrize("token, expected", [(None, "header is missing"), ("wrong", "token is invalid")])
def test_authentication_is_required(server, token, expected):
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    reply = requests.get(server.url(f"{PROVIDER}/jobs/j1"), headers=headers, verify=server.ca_path, timeout=10)
    assert reply.status_code == 401
    assert error_code(reply) == "AuthenticationFailed"
    assert expected in reply.json()["error"]["message"]
    assert reply.headers["WWW-Authenticate"].startswith("Bearer ")
    assert reply.headers["x-ms-request-id"]


def test_token_is_a_server_setting(server, http):
    server.token = "another-token"
    assert http("GET", "/providers/Microsoft.BatchAI/operations", token="test-token").status_code == 401
    assert http("GET", "/providers/Microsoft.BatchAI/operations", token="another-token").status_code == 200


@pytest.mark.parametrize(
    "version, code",
    [
        (None, "MissingApiVersionParameter"),
        ("", "MissingApiVersionParameter"),
        ("2016-01-01", "InvalidApiVersionParameter"),
    ],
)
def test_api_version_is_checked(http, version, code):
    reply = http("GET", f"{PROVIDER}/clusters", **{"api-version": version})
    assert reply.status_code == 400
    assert error_code(reply) == code


@pytest.mark.parametrize("name", ["bad name!", "x" * 65, "sl%2Fash"])
def test_path_parameters_follow_the_spec_patterns(http, name):
    reply = http("GET", f"{PROVIDER}/jobs/{name}")
    assert reply.status_code == 400
    assert error_code(reply) == "InvalidResourceName"
    assert reply.json()["error"]["target"] == "jobName"


def test_resource_group_pattern_is_checked(http):
    reply = http("GET", f"/subscriptions/{SUB}/resourceGroups/bad*group/providers/Microsoft.BatchAI/clusters")
    assert reply.status_code == 400
    assert reply.json()["error"]["target"] == "resourceGroupName"


def test_longest_valid_name_reaches_the_store(http):
    reply = http("GET", f"{PROVIDER}/jobs/{'x' * 64}")
    assert reply.status_code == 404
    assert error_code(reply) == "ResourceNotFound"


def test_unknown_path_and_wrong_method(http):
    assert http("GET", f"{PROVIDER}/widgets/w1").status_code == 404
    reply = http("PATCH", f"{PROVIDER}/jobs/j1")
    assert reply.status_code == 405
    assert "PUT" in reply.headers["Allow"]


# -- request bodies ------------------------------------------------------------------------------


def test_missing_required_properties_are_listed(http):
    reply = send_json(http, "PUT", f"{PROVIDER}/jobs/j1", {"location": "eastus", "properties": {"nodeCount": 1}})
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert error["code"] == "BadRequest"
    targets = {detail["target"] for detail in error["details"]}
    assert targets == {"properties.cluster", "properties.stdOutErrPathPrefix"}


def test_nested_required_properties_through_refs(http):
    body = json.loads(json.dumps(CLUSTER_BODY))
    body["properties"]["scaleSettings"] = {"autoScale": {"minimumNodeCount": 0}}
    reply = send_json(http, "PUT", f"{PROVIDER}/clusters/c1", body)
    assert reply.status_code == 400
    assert reply.json()["error"]["target"] == "properties.scaleSettings.autoScale.maximumNodeCount"


def test_types_and_closed_enums_are_checked(http):
    body = json.loads(json.dumps(CLUSTER_BODY))
    body["properties"]["vmPriority"] = "superhigh"
    body["tags"] = {"n": 1}
    reply = send_json(http, "PUT", f"{PROVIDER}/clusters/c1", body)
    assert reply.status_code == 400
    codes = {d["target"]: d["code"] for d in reply.json()["error"]["details"]}
    assert codes == {"properties.vmPriority": "InvalidPropertyValue", "tags.n": "InvalidPropertyType"}


def test_location_is_required_by_create_parameters(http):
    reply = send_json(http, "PUT", f"{PROVIDER}/fileServers/fs1", {"properties": FILE_SERVER_BODY["properties"]})
    assert reply.status_code == 400
    assert reply.json()["error"]["target"] == "location"


@pytest.mark.parametrize("raw", [b"{not json", b""])
def test_malformed_or_missing_body(http, raw):
    reply = http("PUT", f"{PROVIDER}/jobs/j1", headers={"Content-Type": "application/json"}, data=raw)
    assert reply.status_code == 400
    assert error_code(reply) == "InvalidRequestContent"


# -- query parameters -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "1001", "abc"])
def test_maxresults_range(http, value):
    reply = http("GET", f"{PROVIDER}/clusters", maxresults=value)
    assert reply.status_code == 400
    assert reply.json()["error"]["target"] == "maxresults"


def test_list_output_files_query_parameters(server, http):
    server.lro_mode = "200"
    send_json(http, "PUT", f"{PROVIDER}/jobs/j1", JOB_BODY)
    path = f"{PROVIDER}/jobs/j1/listOutputFiles"
    missing = http("POST", path)
    assert missing.status_code == 400 and error_code(missing) == "MissingRequiredQueryParameter"
    for minutes in ("4", "601"):
        reply = http("POST", path, outputdirectoryid="stdouterr", linkexpiryinminutes=minutes)
        assert reply.status_code == 400 and reply.json()["error"]["target"] == "linkexpiryinminutes"
    unknown = http("POST", path, outputdirectoryid="nope")
    assert unknown.status_code == 404


def test_output_files_are_listed_per_directory(server, http):
    server.lro_mode = "200"
    server.page_size = 10
    send_json(http, "PUT", f"{PROVIDER}/jobs/j1", JOB_BODY)
    root = http("POST", f"{PROVIDER}/jobs/j1/listOutputFiles", outputdirectoryid="MODEL").json()["value"]
    assert {(f["name"], f["isDirectory"]) for f in root} == {
        ("metrics.json", False),
        ("model.ckpt", False),
        ("checkpoints", True),
    }
    assert all("downloadUrl" in f for f in root if not f["isDirectory"])
    sub = http("POST", f"{PROVIDER}/jobs/j1/listOutputFiles", outputdirectoryid="model", directory="checkpoints")
    assert [f["name"] for f in sub.json()["value"]] == ["epoch-1.ckpt", "epoch-2.ckpt"]
    server.output_files = {"stdouterr": ["stdout.txt"]}
    std = http("POST", f"{PROVIDER}/jobs/j1/listOutputFiles", outputdirectoryid="stdouterr").json()["value"]
    assert [f["name"] for f in std] == ["stdout.txt"]


# -- long-running operations ---------------------------------------------------------------------


def test_put_202_then_poll_until_succeeded(server, http):
    reply = send_json(http, "PUT", f"{PROVIDER}/clusters/c1", CLUSTER_BODY)
    assert reply.status_code == 202
    assert reply.content == b""
    assert reply.headers["Retry-After"] == "0"
    async_url = reply.headers["Azure-AsyncOperation"]
    monitors = f"{server.base_url}/subscriptions/{SUB}/providers/Microsoft.BatchAI/locations/eastus"
    assert async_url.startswith(f"{monitors}/operationresults/")
    assert async_url.endswith("?api-version=2018-03-01")
    assert reply.headers["Location"].startswith(server.base_url)

    creating = http("GET", f"{PROVIDER}/clusters/c1").json()
    assert creating["properties"]["provisioningState"] == "creating"

    in_progress, final = poll_until_done(http, async_url)
    assert in_progress == server.polls_until_done
    assert final["status"] == "Succeeded" and "startTime" in final and "endTime" in final

    cluster = http("GET", f"{PROVIDER}/clusters/c1")
    assert cluster.status_code == 200
    body = cluster.json()
    assert body["id"] == f"{PROVIDER}/clusters/c1"
    assert body["type"] == "Microsoft.BatchAI/Clusters"  # spelled as in the spec examples
    assert body["tags"] == {"team": "ml"}
    props = body["properties"]
    assert props["provisioningState"] == "succeeded"
    assert props["allocationState"] == "steady"
    assert props["currentNodeCount"] == 2
    assert props["nodeStateCounts"]["idleNodeCount"] == 2
    assert "adminUserPassword" not in props["userAccountSettings"]


def test_location_header_answers_202_then_the_resource(server, http):
    server.polls_until_done = 1
    reply = send_json(http, "PUT", f"{PROVIDER}/fileServers/fs1", FILE_SERVER_BODY)
    location = reply.headers["Location"]
    first = http("GET", location)
    assert first.status_code == 202 and first.headers["Retry-After"] == "0"
    final = http("GET", location)
    assert final.status_code == 200
    props = final.json()["properties"]
    assert props["provisioningState"] == "succeeded"
    assert props["mountSettings"]["fileServerType"] == "nfs"
    assert final.json()["type"] == "Microsoft.BatchAI/FileServers"


def test_retry_after_is_configurable(server, http):
    server.retry_after = 7
    reply = send_json(http, "PUT", f"{PROVIDER}/clusters/c1", CLUSTER_BODY)
    assert reply.headers["Retry-After"] == "7"


def test_delete_202_then_404(server, http):
    create(http, server, f"{PROVIDER}/clusters/c1", CLUSTER_BODY)
    reply = http("DELETE", f"{PROVIDER}/clusters/c1")
    assert reply.status_code == 202 and reply.content == b""
    assert http("GET", f"{PROVIDER}/clusters/c1").json()["properties"]["provisioningState"] == "deleting"
    _, final = poll_until_done(http, reply.headers["Azure-AsyncOperation"])
    assert final["status"] == "Succeeded"
    assert http("GET", f"{PROVIDER}/clusters/c1").status_code == 404
    assert http("GET", reply.headers["Location"]).status_code == 204


def test_delete_of_missing_resource_is_204(http):
    assert http("DELETE", f"{PROVIDER}/jobs/ghost").status_code == 204


def test_terminate_ends_the_job_as_failed(server, http):
    create(http, server, f"{PROVIDER}/jobs/j1", JOB_BODY)
    reply = http("POST", f"{PROVIDER}/jobs/j1/terminate")
    assert reply.status_code == 202
    assert http("GET", f"{PROVIDER}/jobs/j1").json()["properties"]["executionState"] == "terminating"
    poll_until_done(http, reply.headers["Azure-AsyncOperation"])
    assert http("GET", reply.headers["Location"]).status_code == 204
    props = http("GET", f"{PROVIDER}/jobs/j1").json()["properties"]
    assert props["executionState"] == "failed"
    assert props["executionInfo"]["errors"][0]["code"] == "JobTerminated"


def test_post_on_missing_job_is_404(http):
    assert http("POST", f"{PROVIDER}/jobs/ghost/terminate").status_code == 404
    assert http("POST", f"{PROVIDER}/jobs/ghost/listRemoteLoginInformation").status_code == 404


def test_injected_failure_ends_lro_failed(server, http):
    server.fail_next_lro = ("Jobs_Create", {"code": "ClusterNotFound", "message": "no such cluster"})
    reply = send_json(http, "PUT", f"{PROVIDER}/jobs/j1", JOB_BODY)
    _, final = poll_until_done(http, reply.headers["Azure-AsyncOperation"])
    assert final["status"] == "Failed"
    assert final["error"] == {"code": "ClusterNotFound", "message": "no such cluster"}
    location = http("GET", reply.headers["Location"])
    assert location.status_code == 400 and error_code(location) == "ClusterNotFound"
    assert http("GET", f"{PROVIDER}/jobs/j1").json()["properties"]["provisioningState"] == "failed"
    assert server.fail_next_lro is None  # one-shot


def test_fail_next_lro_rejects_operations_that_are_not_long_running(server):
    with pytest.raises(ValueError):
        server.fail_next_lro = ("Jobs_Get", {"code": "X", "message": "y"})


def test_lro_mode_201_returns_creating_body(server, http):
    server.lro_mode = "201"
    reply = send_json(http, "PUT", f"{PROVIDER}/jobs/j1", JOB_BODY)
    assert reply.status_code == 201
    assert reply.json()["properties"]["provisioningState"] == "creating"
    assert "Location" not in reply.headers
    _, final = poll_until_done(http, reply.headers["Azure-AsyncOperation"])
    assert final["status"] == "Succeeded"
    assert http("GET", f"{PROVIDER}/jobs/j1").json()["properties"]["provisioningState"] == "succeeded"


def test_lro_mode_200_finishes_at_once(server, http):
    server.lro_mode = "200"
    reply = send_json(http, "PUT", f"{PROVIDER}/jobs/j1", JOB_BODY)
    assert reply.status_code == 200
    assert "Azure-AsyncOperation" not in reply.headers
    props = reply.json()["properties"]
    assert props["provisioningState"] == "succeeded"
    assert props["executionState"] == "queued"
    assert props["toolType"] == "cntk"
    assert props["secrets"] == [{"name": "KEY"}]
    assert http("DELETE", f"{PROVIDER}/jobs/j1").status_code == 200
    assert http("GET", f"{PROVIDER}/jobs/j1").status_code == 404


def test_lro_mode_is_validated(server):
    with pytest.raises(ValueError):
        server.lro_mode = "204"


def test_complete_operations_finishes_unpolled_lros(server, http):
    send_json(http, "PUT", f"{PROVIDER}/clusters/c1", CLUSTER_BODY)
    server.complete_operations()
    assert http("GET", f"{PROVIDER}/clusters/c1").json()["properties"]["provisioningState"] == "succeeded"


# -- store semantics -------------------------------------------------------------------------------


def test_names_and_paths_are_case_insensitive(server, http):
    server.lro_mode = "200"
    send_json(http, "PUT", f"{PROVIDER}/jobs/MyJob", JOB_BODY)
    upper = f"/SUBSCRIPTIONS/{SUB}/RESOURCEGROUPS/{RG.upper()}/PROVIDERS/microsoft.batchai/JOBS/MYJOB"
    reply = http("GET", upper)
    assert reply.status_code == 200
    assert reply.json()["name"] == "MyJob"
    assert reply.json()["id"] == f"{PROVIDER}/jobs/MyJob"


def test_put_is_idempotent_for_the_same_body_and_conflicts_otherwise(server, http):
    create(http, server, f"{PROVIDER}/jobs/j1", JOB_BODY)
    again = send_json(http, "PUT", f"{PROVIDER}/jobs/j1", JOB_BODY)
    assert again.status_code == 202
    changed = json.loads(json.dumps(JOB_BODY))
    changed["properties"]["nodeCount"] = 3
    conflict = send_json(http, "PUT", f"{PROVIDER}/jobs/j1", changed)
    assert conflict.status_code == 409 and error_code(conflict) == "Conflict"


def test_patch_replaces_scale_settings_and_tags(server, http):
    create(http, server, f"{PROVIDER}/clusters/c1", CLUSTER_BODY)
    patch = {
        "tags": {"env": "test"},
        "properties": {
            "scaleSettings": {"autoScale": {"minimumNodeCount": 0, "maximumNodeCount": 4, "initialNodeCount": 1}}
        },
    }
    reply = send_json(http, "PATCH", f"{PROVIDER}/clusters/c1", patch)
    assert reply.status_code == 200
    body = reply.json()
    assert body["tags"] == {"env": "test"}
    assert body["properties"]["scaleSettings"] == patch["properties"]["scaleSettings"]
    assert body["properties"]["currentNodeCount"] == 1
    assert body["properties"]["vmSize"] == "STANDARD_NC6"
    assert send_json(http, "PATCH", f"{PROVIDER}/clusters/ghost", patch).status_code == 404


def test_remote_login_information_pages(server, http):
    create(http, server, f"{PROVIDER}/clusters/c1", CLUSTER_BODY)
    server.page_size = 1  # this operation has no maxresults in the spec
    first = http("POST", f"{PROVIDER}/clusters/c1/listRemoteLoginInformation").json()
    assert len(first["value"]) == 1 and first["value"][0]["port"] == 50000
    # AutoRest pagers fetch the next page with GET; POST must work too.
    for method in ("GET", "POST"):
        second = http(method, first["nextLink"]).json()
        assert second["value"][0]["port"] == 50001 and "nextLink" not in second


# -- paging --------------------------------------------------------------------------------------------


def _make_clusters(server, http, count):
    server.lro_mode = "200"
    for index in range(count):
        assert send_json(http, "PUT", f"{PROVIDER}/clusters/c{index}", CLUSTER_BODY).status_code == 200


def test_lists_page_by_page_size(server, http):
    _make_clusters(server, http, 5)
    items, pages = collect_pages(http, f"{PROVIDER}/clusters")
    assert [c["name"] for c in items] == ["c0", "c1", "c2", "c3", "c4"]
    assert [len(p["value"]) for p in pages] == [2, 2, 1]
    next_link = pages[0]["nextLink"]
    assert next_link.startswith(server.base_url) and "api-version=2018-03-01" in next_link
    assert "$skiptoken=" in next_link


def test_maxresults_caps_the_page_and_travels_in_next_link(server, http):
    _make_clusters(server, http, 3)
    server.page_size = 10
    items, pages = collect_pages(http, f"/subscriptions/{SUB}/providers/Microsoft.BatchAI/clusters", maxresults="1")
    assert len(items) == 3 and len(pages) == 3
    assert "maxresults=1" in pages[0]["nextLink"]


def test_lists_are_scoped_to_subscription_and_group(server, http):
    _make_clusters(server, http, 1)
    other = f"/subscriptions/{SUB}/resourceGroups/other/providers/Microsoft.BatchAI/clusters"
    assert http("GET", other).json() == {"value": []}
    assert len(http("GET", f"/subscriptions/{SUB}/providers/Microsoft.BatchAI/clusters").json()["value"]) == 1


def test_operations_and_usages(server, http):
    _make_clusters(server, http, 2)
    operations, _ = collect_pages(http, "/providers/Microsoft.BatchAI/operations")
    assert "Microsoft.BatchAI/jobs/terminate/action" in {o["name"] for o in operations}
    usages, _ = collect_pages(http, f"/subscriptions/{SUB}/providers/Microsoft.BatchAI/locations/eastus/usages")
    assert {u["name"]["value"]: u["currentValue"] for u in usages}["Clusters"] == 2


# -- jobs' execution schedule ------------------------------------------------------------------------


def test_job_schedule_moves_on_each_get(server, http):
    server.lro_mode = "200"
    server.job_schedule = ["queued", "running", "succeeded"]
    send_json(http, "PUT", f"{PROVIDER}/jobs/j1", JOB_BODY)
    seen = [http("GET", f"{PROVIDER}/jobs/j1").json()["properties"] for _ in range(4)]
    assert [p["executionState"] for p in seen] == ["queued", "running", "succeeded", "succeeded"]
    assert "executionInfo" not in seen[0]
    assert set(seen[1]["executionInfo"]) == {"startTime"}
    assert seen[2]["executionInfo"]["exitCode"] == 0 and "endTime" in seen[2]["executionInfo"]


def test_job_exit_code_is_configurable(server, http):
    server.lro_mode = "200"
    server.job_schedule = ["running", "failed"]
    server.job_exit_code = 3
    send_json(http, "PUT", f"{PROVIDER}/jobs/j1", JOB_BODY)
    http("GET", f"{PROVIDER}/jobs/j1")
    info = http("GET", f"{PROVIDER}/jobs/j1").json()["properties"]["executionInfo"]
    assert info["exitCode"] == 3 and info["errors"][0]["code"] == "JobFailed"


# -- scripted replay ------------------------------------------------------------------------------------


def test_scripted_response_takes_precedence_and_is_one_shot(server, http):
    server.script(
        "GET",
        f"{PROVIDER}/clusters/c1",
        status=200,
        response_body={"name": "scripted", "nextLink": "https://management.azure.com/next?x=1"},
        headers={"Azure-AsyncOperation": "https://management.azure.com/op"},
    )
    reply = http("GET", f"{PROVIDER.upper()}/clusters/C1")
    assert reply.status_code == 200
    assert reply.json()["name"] == "scripted"
    assert reply.json()["nextLink"] == f"{server.base_url}/next?x=1"
    assert reply.headers["Azure-AsyncOperation"] == f"{server.base_url}/op"
    assert http("GET", f"{PROVIDER}/clusters/c1").status_code == 404  # back to the store
    assert server.pending_scripts == []


def test_scripted_body_and_query_must_match(server, http):
    server.script("PUT", f"{PROVIDER}/jobs/j1", body=JOB_BODY, status=202, headers={"Retry-After": "0"})
    assert send_json(http, "PUT", f"{PROVIDER}/jobs/j1", JOB_BODY).status_code == 202

    server.script("PUT", f"{PROVIDER}/jobs/j1", body={"location": "westus"}, status=202)
    reply = send_json(http, "PUT", f"{PROVIDER}/jobs/j1", JOB_BODY)
    assert reply.status_code == 400 and error_code(reply) == "ReplayMismatch"
    assert "westus" in reply.json()["error"]["message"] and "eastus" in reply.json()["error"]["message"]
    assert server.mismatches[-1].expected_body == {"location": "westus"}

    server.script(
        "GET", f"{PROVIDER}/clusters", query={"maxresults": 5, "api-version": "ignored"}, response_body={"value": []}
    )
    assert http("GET", f"{PROVIDER}/clusters", maxresults="5").status_code == 200
    server.script("GET", f"{PROVIDER}/clusters", query={"maxresults": 5}, response_body={"value": []})
    assert error_code(http("GET", f"{PROVIDER}/clusters", maxresults="6")) == "ReplayMismatch"
    server.script("GET", f"{PROVIDER}/clusters", response_body={"value": []})
    assert error_code(http("GET", f"{PROVIDER}/clusters", **{"api-version": "2019-01-01"})) == "ReplayMismatch"
    assert len(server.mismatches) == 3


# -- recording, coverage, reset, credentials -----------------------------------------------------------


def test_requests_are_recorded(server, http):
    send_json(http, "PUT", f"{PROVIDER}/jobs/j1", JOB_BODY)
    recorded = server.requests[-1]
    assert recorded.method == "PUT"
    assert recorded.path == f"{PROVIDER}/jobs/j1"
    assert recorded.query == {"api-version": "2018-03-01"}
    assert recorded.headers["authorization"] == "Bearer test-token"
    assert recorded.body == JOB_BODY
    assert json.loads(recorded.raw) == JOB_BODY
    assert recorded.operation_id == "Jobs_Create"


def test_every_spec_operation_is_routed(server, http):
    server.reset_coverage()
    server.lro_mode = "200"
    for kind, body in (("clusters", CLUSTER_BODY), ("jobs", JOB_BODY), ("fileServers", FILE_SERVER_BODY)):
        item = f"{PROVIDER}/{kind}/x1"
        send_json(http, "PUT", item, body)
        http("GET", item)
        http("GET", f"{PROVIDER}/{kind}")
        http("GET", f"/subscriptions/{SUB}/providers/Microsoft.BatchAI/{kind}")
    send_json(http, "PATCH", f"{PROVIDER}/clusters/x1", {"tags": {}})
    http("POST", f"{PROVIDER}/clusters/x1/listRemoteLoginInformation")
    http("POST", f"{PROVIDER}/jobs/x1/listRemoteLoginInformation")
    http("POST", f"{PROVIDER}/jobs/x1/listOutputFiles", outputdirectoryid="stdouterr")
    http("POST", f"{PROVIDER}/jobs/x1/terminate")
    http("GET", "/providers/Microsoft.BatchAI/operations")
    http("GET", f"/subscriptions/{SUB}/providers/Microsoft.BatchAI/locations/eastus/usages")
    for kind in ("clusters", "jobs", "fileServers"):
        http("DELETE", f"{PROVIDER}/{kind}/x1")
    assert server.operations_seen == {route.operation_id for route in server.spec.routes}
    assert len(server.operations_seen) == 22


def test_reset_restores_defaults_but_keeps_coverage(server, http):
    http("GET", "/providers/Microsoft.BatchAI/operations")
    server.lro_mode, server.page_size, server.job_schedule = "200", 9, ["running"]
    server.script("GET", "/x")
    server.reset()
    assert (server.lro_mode, server.page_size, server.polls_until_done, server.retry_after) == ("202", 2, 2, 0)
    assert server.token == "test-token" and server.job_schedule is None and server.fail_next_lro is None
    assert server.requests == [] and server.pending_scripts == []
    assert "Operations_List" in server.operations_seen


def test_fake_credentials_hand_out_the_token():
    credential = FakeCredential("tok")
    assert credential.get_token("scope/.default").token == "tok"
    info = credential.get_token_info("scope/.default")
    assert info.token == "tok" and info.expires_on > 2_000_000_000
    assert credential.scopes_requested == [("scope/.default",), ("scope/.default",)]

    async def use_async():
        async with AsyncFakeCredential("tok") as async_credential:
            return (await async_credential.get_token("s")).token, (await async_credential.get_token_info("s")).token

    assert asyncio.run(use_async()) == ("tok", "tok")


def test_start_and_stop():
    with EmulatorHarness(api_version=API_VERSION) as server:
        url = server.url("/providers/Microsoft.BatchAI/operations")
        ok = requests.get(url, headers={"Authorization": "Bearer test-token"}, verify=server.ca_path, timeout=10)
        assert ok.status_code == 200
        assert ok.headers["Content-Type"].startswith("application/json")
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url, verify=False, timeout=2)
