"""Throttling and server errors: what is retried, how long the client waits, and what a caller gets when the
retries run out (issue 8, item 1).

The rules (batchai._runtime._ARMRetryRules): GET, PUT, DELETE are retried on 408, 429, 5xx and dropped
connections, honouring Retry-After; POST actions only after a 429, which ARM answers before it processes a
request. Waits are recorded by the transport, not spent.
"""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ServiceResponseError, ServiceResponseTimeoutError
from batchai_emulator import faults
from conftest import run_async
from reliability_support import (
    VERSIONS,
    Api,
    AsyncRecordingTransport,
    Wire,
    api,
    make_async_client,
    recording_transport,
    with_resources,
    within,
)

SERVER_ERRORS = [500, 502, 503, 504]
CODES = {500: "InternalServerError", 502: "BadGateway", 503: "ServiceUnavailable", 504: "GatewayTimeout"}


def retrying(arm_server, credential, version: str, total: int = 3, backoff: float = 0) -> tuple[Api, list[float]]:
    transport = recording_transport(arm_server)
    client_api = api(
        arm_server, credential, version, retry_total=total, retry_backoff_factor=backoff, transport=transport
    )
    return client_api, transport.sleeps


# -- throttling ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_a_429_with_retry_after_in_seconds_is_waited_out_then_the_call_succeeds(arm_server, credential, version):
    with_resources(arm_server, credential, version)
    client, sleeps = retrying(arm_server, credential, version)
    arm_server.faults.add(faults.throttle(retry_after=7, method="GET", path=client.cluster_path("c1")))
    wire = Wire(arm_server)
    with within(5):
        cluster = client.get_cluster("c1")
    assert cluster.name == "c1"
    assert wire.count("Clusters_Get") == 2 and wire.faults == ["429 TooManyRequests"]
    assert sleeps == [7.0]


@pytest.mark.parametrize("version", VERSIONS)
def test_a_429_with_retry_after_as_an_http_date_is_waited_out(arm_server, credential, version):
    with_resources(arm_server, credential, version)
    client, sleeps = retrying(arm_server, credential, version)
    when = faults.retry_after_date(30)
    arm_server.faults.add(faults.throttle(retry_after=when, method="GET", path=client.cluster_path("c1")))
    wire = Wire(arm_server)
    with within(5):
        assert client.get_cluster("c1").name == "c1"
    assert wire.count("Clusters_Get") == 2
    assert len(sleeps) == 1 and 27 <= sleeps[0] <= 30  # the date has a resolution of one second


@pytest.mark.parametrize("version", VERSIONS)
def test_a_429_with_retry_after_ms_and_rate_limit_headers_is_waited_out(arm_server, credential, version):
    with_resources(arm_server, credential, version)
    client, sleeps = retrying(arm_server, credential, version)
    throttled = faults.throttle(
        retry_after=None, retry_after_ms=1500, remaining={"subscription-reads": 0}, method="GET"
    )
    arm_server.faults.add(throttled.on(path=client.cluster_path("c1")))
    wire = Wire(arm_server)
    with within(5):
        assert client.get_cluster("c1").name == "c1"
    assert wire.count("Clusters_Get") == 2
    assert sleeps == [1.5]


@pytest.mark.parametrize("version", VERSIONS)
def test_a_429_with_rate_limit_headers_only_is_retried_with_backoff(arm_server, credential, version):
    with_resources(arm_server, credential, version)
    client, sleeps = retrying(arm_server, credential, version, backoff=0.5)
    throttled = faults.throttle(retry_after=None, remaining={"subscription-reads": 0}, method="GET", times=2)
    arm_server.faults.add(throttled.on(path=client.cluster_path("c1")))
    wire = Wire(arm_server)
    with within(5):
        assert client.get_cluster("c1").name == "c1"
    assert wire.count("Clusters_Get") == 3
    assert sleeps == [1.0]  # azure-core: no wait before the first retry, backoff_factor * 2 before the second


@pytest.mark.parametrize("version", VERSIONS)
def test_a_retry_after_longer_than_the_backoff_maximum_is_raised_at_once(arm_server, credential, version):
    with_resources(arm_server, credential, version)
    client, sleeps = retrying(arm_server, credential, version)
    arm_server.faults.add(faults.throttle(retry_after=600, method="GET", path=client.cluster_path("c1")))
    wire = Wire(arm_server)
    with within(5), pytest.raises(HttpResponseError) as raised:
        client.get_cluster("c1")
    assert raised.value.status_code == 429
    assert raised.value.error.code == "TooManyRequests"
    assert raised.value.response.headers["Retry-After"] == "600"  # for the caller to decide
    assert wire.count("Clusters_Get") == 1 and sleeps == []


# -- server errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", SERVER_ERRORS)
@pytest.mark.parametrize("version", VERSIONS)
def test_a_server_error_on_a_get_is_retried(arm_server, credential, version, status):
    with_resources(arm_server, credential, version)
    client, sleeps = retrying(arm_server, credential, version)
    arm_server.faults.add(faults.server_error(status, method="GET", path=client.cluster_path("c1")))
    wire = Wire(arm_server)
    with within(5):
        assert client.get_cluster("c1").name == "c1"
    assert wire.count("Clusters_Get") == 2 and wire.faults == [f"{status} {CODES[status]}"]
    assert sleeps == []


@pytest.mark.parametrize("version", VERSIONS)
def test_past_the_retry_budget_the_last_status_and_arm_error_are_raised(arm_server, credential, version):
    with_resources(arm_server, credential, version)
    client, sleeps = retrying(arm_server, credential, version, total=2, backoff=0.25)
    path = client.cluster_path("c1")
    arm_server.faults.add(*(faults.server_error(status, method="GET", path=path) for status in SERVER_ERRORS))
    wire = Wire(arm_server)
    with within(5), pytest.raises(HttpResponseError) as raised:
        client.get_cluster("c1")
    error = raised.value
    assert error.status_code == 503
    assert (error.error.code, error.error.message) == ("ServiceUnavailable", "The server answered 503.")
    assert "ServiceUnavailable" in str(error)
    assert wire.count("Clusters_Get") == 3  # the call and two retries
    assert [fault.status for fault in arm_server.faults.pending] == [504]  # no fourth request
    assert sleeps == [0.5]


@pytest.mark.parametrize("version", VERSIONS)
def test_a_put_is_retried_after_a_server_error(arm_server, credential, version):
    with_resources(arm_server, credential, version, clusters=())
    client, _ = retrying(arm_server, credential, version)
    arm_server.faults.add(faults.server_error(503, method="PUT", path=client.cluster_path("c1")))
    wire = Wire(arm_server)
    with within(10):
        created = client.create_cluster("c1").result()
    assert created.name == "c1"
    assert wire.count("Clusters_Create") == 2


@pytest.mark.parametrize("version", VERSIONS)
def test_a_delete_is_retried_after_a_server_error_and_a_dropped_connection(arm_server, credential, version):
    with_resources(arm_server, credential, version)
    client, _ = retrying(arm_server, credential, version)
    path = client.cluster_path("c1")
    arm_server.faults.add(
        faults.server_error(500, method="DELETE", path=path), faults.connection_reset(method="DELETE", path=path)
    )
    wire = Wire(arm_server)
    with within(10):
        assert client.delete_cluster("c1").result() is None
    assert wire.count("Clusters_Delete") == 3
    assert wire.faults == ["500 InternalServerError", "connection reset"]


@pytest.mark.parametrize("version", VERSIONS)
def test_a_get_is_retried_after_a_dropped_connection(arm_server, credential, version):
    with_resources(arm_server, credential, version)
    client, _ = retrying(arm_server, credential, version)
    path = client.cluster_path("c1")
    arm_server.faults.add(faults.connection_reset(method="GET", path=path), faults.reset_mid_body(path=path))
    wire = Wire(arm_server)
    with within(5):
        assert client.get_cluster("c1").name == "c1"
    assert wire.count("Clusters_Get") == 3


# -- POST actions: never repeated once the service may have acted ----------------------------------------

ACTIONS = {
    "terminate": (lambda client: client.terminate_job("j1").result(), "Jobs_Terminate", r"/terminate$"),
    "list_output_files": (lambda client: list(client.list_output_files("j1")), "Jobs_ListOutputFiles", "/listOutput"),
    "list_remote_login": (
        lambda client: list(client.list_remote_login("c1")),
        "Clusters_ListRemoteLoginInformation",
        "/listRemoteLogin",
    ),
}


@pytest.mark.parametrize("status", SERVER_ERRORS)
@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("version", VERSIONS)
def test_a_post_action_is_not_retried_after_a_server_error(arm_server, credential, version, action, status):
    with_resources(arm_server, credential, version, jobs=("j1",))
    client, sleeps = retrying(arm_server, credential, version)
    call, operation, path = ACTIONS[action]
    arm_server.faults.add(faults.server_error(status, method="POST", path=path))
    wire = Wire(arm_server)
    with within(5), pytest.raises(HttpResponseError) as raised:
        call(client)
    assert raised.value.status_code == status and raised.value.error.code == CODES[status]
    assert wire.count(operation) == 1 and sleeps == []


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("version", VERSIONS)
def test_a_post_action_is_not_retried_after_a_dropped_connection_or_a_read_timeout(
    arm_server, credential, version, action
):
    with_resources(arm_server, credential, version, jobs=("j1",))
    transport = recording_transport(arm_server, read_timeout=0.5)
    client = api(arm_server, credential, version, retry_total=3, transport=transport)
    call, operation, path = ACTIONS[action]
    arm_server.faults.add(faults.connection_reset(method="POST", path=path))
    wire = Wire(arm_server)
    with within(5), pytest.raises(ServiceResponseError):
        call(client)
    assert wire.count(operation) == 1
    # a body to stall in (a terminate answers 202 with none): the client has read the headers, then waits
    arm_server.faults.add(faults.stall(3, method="POST", path=path).on(body=b"{}"))
    wire = Wire(arm_server)
    with within(2), pytest.raises(ServiceResponseTimeoutError, match="read timed out"):
        call(client)
    assert wire.count(operation) == 1 and transport.sleeps == []


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("version", VERSIONS)
def test_a_post_action_is_retried_after_a_429(arm_server, credential, version, action):
    with_resources(arm_server, credential, version, jobs=("j1",))
    client, sleeps = retrying(arm_server, credential, version)
    call, operation, path = ACTIONS[action]
    arm_server.faults.add(faults.throttle(retry_after=2, method="POST", path=path))
    wire = Wire(arm_server)
    with within(5):
        call(client)
    assert wire.count(operation) == 2
    assert sleeps[0] == 2.0 and sum(sleeps) == 2.0  # then a terminate polls, without waiting (Retry-After: 0)


@pytest.mark.parametrize("version", VERSIONS)
def test_retry_on_methods_lets_a_caller_retry_a_post_it_knows_to_be_safe(arm_server, credential, version):
    with_resources(arm_server, credential, version, jobs=("j1",))
    methods = ["GET", "PUT", "DELETE", "POST"]
    client = api(arm_server, credential, version, retry_total=3, retry_on_methods=methods)
    arm_server.faults.add(faults.server_error(500, method="POST", path="/listOutput"))
    wire = Wire(arm_server)
    with within(5):
        list(client.list_output_files("j1"))
    assert wire.count("Jobs_ListOutputFiles") == 2


# -- the async client follows the same rules ------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_the_async_client_waits_out_a_429_and_does_not_repeat_a_post(arm_server, credential, async_credential, version):
    with_resources(arm_server, credential, version, jobs=("j1",))
    probe = Api(None, version)
    arm_server.faults.add(
        faults.throttle(retry_after=4, method="GET", path=probe.cluster_path("c1")),
        faults.server_error(500, method="POST", path="/listOutput"),
    )
    transport = AsyncRecordingTransport(connection_verify=arm_server.ca_path)

    async def scenario() -> tuple[str, int]:
        async with make_async_client(
            arm_server, async_credential, version, retry_total=3, transport=transport
        ) as client:
            async_api = Api(client, version)
            cluster = await async_api.get_cluster("c1")
            with pytest.raises(HttpResponseError) as raised:
                [item async for item in async_api.list_output_files("j1")]
            return cluster.name, raised.value.status_code

    wire = Wire(arm_server)
    with within(10):
        assert run_async(scenario()) == ("c1", 500)
    assert wire.count("Clusters_Get") == 2 and wire.count("Jobs_ListOutputFiles") == 1
    assert transport.sleeps == [4.0]
