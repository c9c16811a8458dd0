"""The fault-injection hooks of the emulator (batchai_emulator.faults), one test per kind of fault.

These tests check what goes over the wire (status, headers, bytes, resets, timing) with plain `requests`;
what the SDK makes of each fault is the fault suite's business (issue 8).
"""

from __future__ import annotations

import concurrent.futures
import email.utils
import time

import pytest
import requests
from batchai_emulator import faults
from batchai_emulator.faults import Fault
from conftest import make_client
from scenario import RESOURCE_GROUP, SUBSCRIPTION_ID, cluster_parameters

PROVIDER = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{RESOURCE_GROUP}/providers/Microsoft.BatchAI"
OPERATIONS = "/providers/Microsoft.BatchAI/operations"
CLUSTER_BODY = {
    "location": "eastus",
    "properties": {
        "vmSize": "STANDARD_NC6",
        "scaleSettings": {"manual": {"targetNodeCount": 1}},
        "userAccountSettings": {"adminUserName": "me", "adminUserPassword": "pw"},
    },
}
TIMEOUT = 10


@pytest.fixture
def http(arm_server):
    session = requests.Session()

    def call(method, target, *, json_body=None, timeout=TIMEOUT, **query):
        url = target if target.startswith("https://") else arm_server.url(target, **query)
        headers = {"Authorization": f"Bearer {arm_server.token}"}
        return session.request(method, url, headers=headers, json=json_body, verify=arm_server.ca_path, timeout=timeout)

    yield call
    session.close()


def served(arm_server) -> list[str]:
    return [fault.name for fault in arm_server.faults_served]


# -- matching ------------------------------------------------------------------------------------------


def test_a_fault_is_served_once_then_the_normal_answer(arm_server, http):
    arm_server.faults.add(faults.server_error(503, path="/operations$"))
    first, second = http("GET", OPERATIONS), http("GET", OPERATIONS)
    assert first.status_code == 503 and first.json()["error"]["code"] == "ServiceUnavailable"
    assert first.headers["x-ms-request-id"]
    assert second.status_code == 200
    assert served(arm_server) == ["503 ServiceUnavailable"]
    assert arm_server.faults.pending == []
    assert len(arm_server.requests) == 1  # a fault answers before the ARM front door records


def test_faults_match_method_path_operation_query_and_the_nth_occurrence(arm_server, http):
    arm_server.lro_mode = "200"
    arm_server.faults.add(
        faults.server_error(500, method="PUT", operation_id="Clusters_Create", nth=2),
        faults.server_error(502, method="GET", path=r"/clusters$", query={"maxresults": "1"}),
    )
    assert http("PUT", f"{PROVIDER}/clusters/c1", json_body=CLUSTER_BODY).status_code == 200
    assert http("PUT", f"{PROVIDER}/clusters/c2", json_body=CLUSTER_BODY).status_code == 500  # the second PUT
    assert http("PUT", f"{PROVIDER}/clusters/c2", json_body=CLUSTER_BODY).status_code == 200
    assert http("GET", f"{PROVIDER}/clusters").status_code == 200  # no maxresults: not this fault
    assert http("GET", f"{PROVIDER}/clusters", maxresults="1").status_code == 502
    assert [(f.method, f.operation_id) for f in arm_server.faults_served] == [
        ("PUT", "Clusters_Create"),
        ("GET", "Clusters_ListByResourceGroup"),
    ]


def test_times_repeats_a_fault_and_none_serves_it_for_ever(arm_server, http):
    arm_server.faults.add(faults.server_error(500, path="/operations$", times=2))
    assert [http("GET", OPERATIONS).status_code for _ in range(3)] == [500, 500, 200]
    arm_server.faults.add(faults.server_error(504, path="/operations$", times=None))
    assert [http("GET", OPERATIONS).status_code for _ in range(4)] == [504] * 4
    assert len(arm_server.faults_served) == 6


def test_unknown_actions_are_refused():
    with pytest.raises(ValueError):
        Fault("explode")
    with pytest.raises(ValueError):
        Fault("reply", nth=0)


# -- throttling and server errors ------------------------------------------------------------------------


def test_throttling_with_retry_after_seconds_and_rate_limit_headers(arm_server, http):
    arm_server.faults.add(
        faults.throttle(retry_after=7, retry_after_ms=6500, remaining={"subscription-reads": 0}, path="/operations$")
    )
    reply = http("GET", OPERATIONS)
    assert reply.status_code == 429
    assert reply.json()["error"]["code"] == "TooManyRequests"
    assert reply.headers["Retry-After"] == "7"
    assert reply.headers["retry-after-ms"] == "6500"
    assert reply.headers["x-ms-ratelimit-remaining-subscription-reads"] == "0"


def test_throttling_with_retry_after_as_an_http_date(arm_server, http):
    arm_server.faults.add(faults.throttle(retry_after=faults.retry_after_date(120), path="/operations$"))
    reply = http("GET", OPERATIONS)
    when = email.utils.parsedate_to_datetime(reply.headers["Retry-After"])
    assert 100 < when.timestamp() - time.time() <= 121


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_carry_arm_error_bodies(arm_server, http, status):
    arm_server.faults.add(faults.server_error(status, path="/operations$"))
    reply = http("GET", OPERATIONS)
    assert reply.status_code == status
    assert reply.headers["Content-Type"].startswith("application/json")
    assert set(reply.json()["error"]) == {"code", "message"}


def test_the_sdk_recovers_from_a_503_within_its_retry_budget(arm_server, credential):
    arm_server.faults.add(faults.server_error(503, method="GET", operation_id="Operations_List"))
    with make_client(arm_server, credential, retry_total=2, retry_backoff_factor=0) as client:
        assert len(list(client.operations.list())) > 0
    assert len(arm_server.faults_served) == 1
    assert [r.operation_id for r in arm_server.requests].count("Operations_List") >= 1


# -- broken responses ----------------------------------------------------------------------------------------


def test_connection_reset_before_any_response_byte(arm_server, http):
    arm_server.faults.add(faults.connection_reset(path="/operations$"))
    with pytest.raises(requests.exceptions.ConnectionError):
        http("GET", OPERATIONS)
    assert http("GET", OPERATIONS).status_code == 200  # the server is fine, and the next connection too


@pytest.mark.parametrize("fault, received", [(faults.reset_after_headers(), 0), (faults.reset_mid_body(cut_at=5), 5)])
def test_reset_after_headers_and_mid_body(arm_server, http, fault, received):
    arm_server.faults.add(fault.on(path="/operations$"))
    with pytest.raises(requests.exceptions.ChunkedEncodingError) as error:
        http("GET", OPERATIONS)
    assert f"IncompleteRead({received} bytes read" in str(error.value)


def test_a_stalled_body_times_out_the_client_and_stalls_nobody_else(arm_server, http):
    arm_server.faults.add(faults.stall(3, path="/operations$"))
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        stalled = pool.submit(http, "GET", OPERATIONS, timeout=1)
        time.sleep(0.2)
        other = pool.submit(http, "GET", f"{PROVIDER}/clusters")
        assert other.result().status_code == 200
        assert time.monotonic() - started < 1.5  # answered while the other response stalls
        with pytest.raises(requests.exceptions.ConnectionError):  # requests reports read timeouts so
            stalled.result()


def test_a_stalled_body_arrives_whole_after_the_stall(arm_server, http):
    arm_server.faults.add(faults.stall(0.5, path="/operations$"))
    started = time.monotonic()
    reply = http("GET", OPERATIONS)
    assert time.monotonic() - started >= 0.5
    assert reply.status_code == 200 and reply.json()["value"]


def test_truncated_json(arm_server, http):
    arm_server.faults.add(faults.truncated_json(path="/clusters/c1$"))
    reply = http("GET", f"{PROVIDER}/clusters/c1")
    assert reply.status_code == 200 and reply.headers["Content-Type"] == "application/json"
    with pytest.raises(ValueError):
        reply.json()


@pytest.mark.parametrize("status", [200, 502])
def test_an_html_page_from_a_proxy(arm_server, http, status):
    arm_server.faults.add(faults.html_page(status, path="/clusters/c1$"))
    reply = http("GET", f"{PROVIDER}/clusters/c1")
    assert reply.status_code == status
    assert reply.headers["Content-Type"].startswith("text/html")
    assert reply.text.startswith("<html>")


def test_an_empty_200(arm_server, http):
    arm_server.faults.add(faults.empty_body(path="/clusters/c1$"))
    reply = http("GET", f"{PROVIDER}/clusters/c1")
    assert reply.status_code == 200 and reply.content == b""


def test_a_wrong_content_type_on_the_normal_answer(arm_server, http):
    arm_server.faults.add(faults.wrong_content_type("text/plain", path="/operations$"))
    reply = http("GET", OPERATIONS)
    assert reply.headers["Content-Type"] == "text/plain"
    assert reply.json()["value"]  # the body is the real one


# -- long-running operations ------------------------------------------------------------------------------


def test_polling_urls_pointing_to_another_host(arm_server, http):
    arm_server.faults.add(
        faults.redirect(
            location="https://evil.example/poll", async_operation="http://127.0.0.2/op", method="PUT", path="/clusters/"
        )
    )
    reply = http("PUT", f"{PROVIDER}/clusters/c1", json_body=CLUSTER_BODY)
    assert reply.status_code == 202 and reply.content == b""
    assert reply.headers["Location"] == "https://evil.example/poll"
    assert reply.headers["Azure-AsyncOperation"] == "http://127.0.0.2/op"
    assert http("GET", f"{PROVIDER}/clusters/c1").status_code == 200  # the PUT itself happened


def test_202_without_polling_headers(arm_server, http):
    arm_server.faults.add(faults.no_polling_headers(method="PUT"))
    reply = http("PUT", f"{PROVIDER}/clusters/c1", json_body=CLUSTER_BODY)
    assert reply.status_code == 202
    assert "Location" not in reply.headers and "Azure-AsyncOperation" not in reply.headers
    assert reply.headers["Retry-After"] == "0"


def test_location_only_polling(arm_server, http):
    arm_server.faults.add(faults.location_only(method="PUT"))
    reply = http("PUT", f"{PROVIDER}/clusters/c1", json_body=CLUSTER_BODY)
    assert reply.status_code == 202 and "Azure-AsyncOperation" not in reply.headers
    statuses = [http("GET", reply.headers["Location"]).status_code for _ in range(arm_server.polls_until_done + 1)]
    assert statuses == [202] * arm_server.polls_until_done + [200]


@pytest.mark.parametrize("status", ["Failed", "Canceled"])
def test_the_monitor_answering_failed_or_canceled(arm_server, http, status):
    error = {"code": "QuotaExceeded", "message": "No cores left."}
    arm_server.faults.add(faults.monitor_status(status, error=error))
    monitor = http("PUT", f"{PROVIDER}/clusters/c1", json_body=CLUSTER_BODY).headers["Azure-AsyncOperation"]
    body = http("GET", monitor).json()
    assert body["status"] == status and body["error"] == error


def test_the_monitor_answering_invalid_json_or_404(arm_server, http):
    arm_server.faults.add(faults.monitor_invalid_json(), faults.monitor_not_found())
    monitor = http("PUT", f"{PROVIDER}/clusters/c1", json_body=CLUSTER_BODY).headers["Azure-AsyncOperation"]
    first = http("GET", monitor)
    assert first.status_code == 200 and first.content == b"{not json"
    second = http("GET", monitor)
    assert second.status_code == 404 and second.json()["error"]["code"] == "OperationNotFound"
    assert http("GET", monitor).json()["status"] in ("InProgress", "Succeeded")  # then the real monitor


def test_a_poll_that_never_ends(arm_server, http):
    arm_server.faults.add(faults.poll_forever())
    monitor = http("PUT", f"{PROVIDER}/clusters/c1", json_body=CLUSTER_BODY).headers["Azure-AsyncOperation"]
    assert {http("GET", monitor).json()["status"] for _ in range(10)} == {"InProgress"}
    assert len(arm_server.faults_served) == 10


def test_delete_answering_404(arm_server, http):
    arm_server.lro_mode = "200"
    http("PUT", f"{PROVIDER}/clusters/c1", json_body=CLUSTER_BODY)
    arm_server.faults.add(faults.not_found(method="DELETE"))
    reply = http("DELETE", f"{PROVIDER}/clusters/c1")
    assert reply.status_code == 404 and reply.json()["error"]["code"] == "ResourceNotFound"
    assert http("GET", f"{PROVIDER}/clusters/c1").status_code == 200  # nothing was deleted


# -- paging ------------------------------------------------------------------------------------------------


def _five_clusters(arm_server, http) -> str:
    arm_server.lro_mode = "200"
    for index in range(5):
        http("PUT", f"{PROVIDER}/clusters/c{index}", json_body=CLUSTER_BODY)
    return f"{PROVIDER}/clusters"


def test_a_next_link_that_loops_back(arm_server, http):
    path = _five_clusters(arm_server, http)
    first_page = arm_server.url(path)
    arm_server.faults.add(
        faults.redirect(next_link=first_page, method="GET", path="/clusters$", query={"$skiptoken": "2"})
    )
    page1 = http("GET", path).json()
    page2 = http("GET", page1["nextLink"]).json()
    assert [c["name"] for c in page2["value"]] == ["c2", "c3"]
    assert page2["nextLink"] == first_page


def test_empty_pages_followed_by_more(arm_server, http):
    path = _five_clusters(arm_server, http)
    real_first = arm_server.url(path, **{"$skiptoken": "0"})
    arm_server.faults.add(
        faults.page([], next_link=real_first, path="/clusters$"),
        faults.page([], next_link=real_first, path="/clusters$", query={"$skiptoken": "0"}),
    )
    pages = [http("GET", path).json()]
    while "nextLink" in pages[-1] and len(pages) < 10:
        pages.append(http("GET", pages[-1]["nextLink"]).json())
    assert [len(page["value"]) for page in pages] == [0, 0, 2, 2, 1]
    assert [c["name"] for page in pages for c in page["value"]] == [f"c{index}" for index in range(5)]


def test_a_page_that_fails_mid_iteration(arm_server, credential):
    arm_server.page_size = 2
    with make_client(arm_server, credential) as client:
        for index in range(5):
            client.clusters.begin_create(RESOURCE_GROUP, f"c{index}", cluster_parameters()).result()
        arm_server.faults.add(faults.server_error(500, method="GET", query={"$skiptoken": "2"}))
        seen = []
        with pytest.raises(Exception) as error:
            for cluster in client.clusters.list_by_resource_group(RESOURCE_GROUP):
                seen.append(cluster.name)
    assert seen == ["c0", "c1"]
    assert error.value.status_code == 500
    assert len(arm_server.faults_served) == 1
