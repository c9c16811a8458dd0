"""Broken responses: dropped connections, stalls, truncated or foreign bodies (issue 8, item 2).

Each ends in one typed azure.core error whose message says what was wrong (the request, the status, the
Content-Type or a snippet of the body), never in a bare exception from msrest or json, and never in a
silent ``None``. No retries here (``retry_total=0``): the retries are test_retries.py's business.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from azure.core.exceptions import (
    AzureError,
    DecodeError,
    DeserializationError,
    HttpResponseError,
    IncompleteReadError,
    ServiceRequestError,
    ServiceResponseError,
    ServiceResponseTimeoutError,
)
from batchai_emulator import faults
from batchai_emulator.faults import Fault
from conftest import run_async
from reliability_support import VERSIONS, Api, Wire, api, make_async_client, recording_transport, with_resources, within


@dataclass(frozen=True)
class Broken:
    fault: Fault
    raises: type[AzureError]
    says: tuple[str, ...]  # what the message must name
    # some faults are served after the emulator saw the request (it is recorded), others instead of it
    recorded: bool = False


CASES = {
    "connection reset before any byte": Broken(
        faults.connection_reset(), ServiceResponseError, ("Connection aborted", "closed connection")
    ),
    "connection reset after the headers": Broken(
        faults.reset_after_headers(), IncompleteReadError, ("IncompleteRead(0 bytes read",), recorded=True
    ),
    "connection reset mid-body": Broken(
        faults.reset_mid_body(cut_at=10), IncompleteReadError, ("IncompleteRead(10 bytes read",), recorded=True
    ),
    "a body that stalls past the read timeout": Broken(
        faults.stall(3), ServiceResponseTimeoutError, ("/clusters/c1", "read timed out"), recorded=True
    ),
    "truncated JSON": Broken(faults.truncated_json(), DecodeError, ("JSON is invalid", '"name": "trunc')),
    "an HTML page with 200": Broken(
        faults.html_page(200), DecodeError, ("answered 200", "'text/html'", "/clusters/c1", "<h1>Something went wrong")
    ),
    "an HTML page with 502": Broken(faults.html_page(502), HttpResponseError, ("Bad Gateway", "<h1>Something went")),
    "an empty 200": Broken(faults.empty_body(), DecodeError, ("answered 200 with an empty body", "a Cluster")),
    "a wrong Content-Type": Broken(
        faults.wrong_content_type("text/plain"), DecodeError, ("answered 200", "'text/plain'", "application/json"), True
    ),
    "JSON of another shape": Broken(
        Fault("reply", status=200, body=["not", "a", "cluster"], name="a JSON array"),
        DecodeError,
        ("answered 200 with a body that is not a Cluster", "/clusters/c1"),
    ),
    "a property of another type": Broken(
        Fault("reply", status=200, body={"name": "c1", "properties": {"currentNodeCount": "many"}}, name="a string"),
        DecodeError,
        ("not a Cluster", "many"),
    ),
}


def check(error: BaseException, case: Broken) -> None:
    assert type(error).__module__ == "azure.core.exceptions", type(error)
    assert isinstance(error, case.raises), f"{type(error).__name__}: {error}"
    message = str(error)
    for fragment in case.says:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    assert "Traceback" not in message
    if isinstance(error, DecodeError) and "not a Cluster" in message:  # msrest's own error is kept as the cause
        assert isinstance(error.inner_exception, DeserializationError)


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("version", VERSIONS)
def test_a_broken_answer_to_a_get_is_a_typed_error_that_says_what_was_wrong(arm_server, credential, version, case):
    broken = CASES[case]
    with_resources(arm_server, credential, version)
    client = api(arm_server, credential, version, transport=recording_transport(arm_server, read_timeout=0.5))
    arm_server.faults.add(broken.fault.on(method="GET", path=client.cluster_path("c1")))
    wire = Wire(arm_server)
    with within(3), pytest.raises(AzureError) as raised:
        client.get_cluster("c1")
    check(raised.value, broken)
    assert wire.count("Clusters_Get") == 1 and len(wire.faults) == 1
    assert len(wire.recorded()) == int(broken.recorded)


@pytest.mark.parametrize("case", ["an HTML page with 200", "a wrong Content-Type", "truncated JSON"])
@pytest.mark.parametrize("version", VERSIONS)
def test_a_broken_page_of_a_listing_is_a_typed_error(arm_server, credential, version, case):
    with_resources(arm_server, credential, version)
    client = api(arm_server, credential, version)
    arm_server.faults.add(CASES[case].fault.on(method="GET", path="/clusters$"))
    wire = Wire(arm_server)
    with within(3), pytest.raises(AzureError) as raised:
        list(client.list_clusters())
    assert isinstance(raised.value, DecodeError), raised.value
    assert wire.count(client.list_clusters_operation()) == 1


@pytest.mark.parametrize("version", VERSIONS)
def test_an_empty_answer_where_the_operation_returns_nothing_is_fine(arm_server, credential, version):
    """202 and 204 carry no body by design: only a missing model is an error."""
    with_resources(arm_server, credential, version)
    client = api(arm_server, credential, version)
    wire = Wire(arm_server)
    with within(3):
        assert client.delete_cluster("c1", polling=False).result() is None
    assert wire.count("Clusters_Delete") == 1


ASYNC_CASES = {
    # aiohttp reads differently: a reset after the headers is a ContentLengthError, a stall its own timeout
    "connection reset after the headers": ("received 0 of",),
    "connection reset mid-body": ("received 10 of",),
    "a body that stalls past the read timeout": ("Timeout on reading data",),
    "truncated JSON": CASES["truncated JSON"].says,
    "an HTML page with 200": CASES["an HTML page with 200"].says,
    "an empty 200": CASES["an empty 200"].says,
    "a wrong Content-Type": CASES["a wrong Content-Type"].says,
    "JSON of another shape": CASES["JSON of another shape"].says,
}


@pytest.mark.parametrize("case", sorted(ASYNC_CASES))
@pytest.mark.parametrize("version", VERSIONS)
def test_the_async_client_gives_the_same_typed_errors(arm_server, credential, async_credential, version, case):
    broken = CASES[case]
    expected = Broken(broken.fault, broken.raises, ASYNC_CASES[case], broken.recorded)
    with_resources(arm_server, credential, version)
    arm_server.faults.add(broken.fault.on(method="GET", path=Api(None, version).cluster_path("c1")))

    async def scenario() -> BaseException:
        async with make_async_client(arm_server, async_credential, version, read_timeout=0.5) as client:
            with pytest.raises(AzureError) as raised:
                await Api(client, version).get_cluster("c1")
            return raised.value

    wire = Wire(arm_server)
    with within(3):
        check(run_async(scenario()), expected)
    assert wire.count("Clusters_Get") == 1


@pytest.mark.parametrize("version", VERSIONS)
def test_aiohttp_repeats_a_get_whose_reused_connection_was_reset_and_nothing_else(
    arm_server, credential, async_credential, version
):
    """Below azure-core, aiohttp sends an idempotent request again, once, when the server drops a reused
    keep-alive connection before answering; a POST it never repeats. With ``retry_total=0`` the SDK itself
    repeats nothing."""
    with_resources(arm_server, credential, version, jobs=("j1",))
    path = Api(None, version).cluster_path("c1")
    arm_server.faults.add(faults.connection_reset(method="GET", path=path))
    arm_server.faults.add(faults.connection_reset(method="POST", path="/listOutput"))

    async def scenario() -> tuple[str, type]:
        async with make_async_client(arm_server, async_credential, version) as client:
            async_api = Api(client, version)
            await async_api.get_job("j1")  # a connection to reuse
            cluster = await async_api.get_cluster("c1")
            with pytest.raises(AzureError) as raised:
                [item async for item in async_api.list_output_files("j1")]
            return cluster.name, type(raised.value)

    wire = Wire(arm_server)
    with within(5):
        name, error = run_async(scenario())
    assert name == "c1" and issubclass(error, (ServiceRequestError, ServiceResponseError))
    assert wire.count("Clusters_Get") == 2 and wire.count("Jobs_ListOutputFiles") == 1
