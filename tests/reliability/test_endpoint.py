"""The token stays home: requests, and so the bearer token, go to the client's endpoint only (issue 8, item 5).

A nextLink, a Location or Azure-AsyncOperation header, a redirect or a send_request URL on another host,
port or scheme is refused with an UntrustedEndpointError before anything is sent; servers standing where
those URLs point (another HTTPS emulator, a plain-HTTP listener, the same server under another name) must
receive nothing. ``trusted_hosts=`` lets a user allow such a place; plain http:// is refused unless the
endpoint is loopback and ``allow_http=True``.
"""

from __future__ import annotations

import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.core.exceptions import ServiceRequestError
from azure.core.rest import HttpRequest
from batchai_emulator import EmulatorHarness, EmulatorProcess, FakeCredential, faults
from batchai_emulator.faults import Fault
from conftest import run_async
from reliability_support import VERSIONS, Api, Wire, api, make_async_client, make_client, with_resources, within
from scenario import SUBSCRIPTION_ID

import batchai
from batchai._runtime import UntrustedEndpointError


class Listener:
    """A plain HTTP server on 127.0.0.1 that records every request line and answers 404."""

    def __init__(self) -> None:
        self.received: list[str] = []
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_any(self) -> None:
                listener.received.append(f"{self.command} {self.path} {self.headers.get('Authorization')}")
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_PUT = do_POST = do_DELETE = do_any

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def elsewhere_session() -> Iterator[EmulatorHarness]:
    """A second HTTPS emulator on another port of 127.0.0.1: where a hostile URL would send the token."""
    with EmulatorHarness() as server:
        yield server


@pytest.fixture
def elsewhere(elsewhere_session: EmulatorHarness) -> EmulatorHarness:
    elsewhere_session.reset()
    return elsewhere_session


@pytest.fixture(scope="module")
def plain_listener() -> Iterator[Listener]:
    listener = Listener()
    yield listener
    listener.close()


@pytest.fixture
def listener(plain_listener: Listener) -> Listener:
    plain_listener.received.clear()
    return plain_listener


@pytest.fixture
def both_cas(arm_server, elsewhere, tmp_path) -> str:
    """A CA bundle trusting both emulators, so that only the SDK's own rule keeps it from the second one."""
    bundle = tmp_path / "both.pem"
    bundle.write_text(Path(arm_server.ca_path).read_text() + Path(elsewhere.ca_path).read_text())
    return str(bundle)


def other_places(arm_server, elsewhere, listener) -> dict[str, str]:
    """Base URLs of the other places, by what differs from the client's endpoint."""
    return {
        "another port": elsewhere.base_url,
        "another host name": arm_server.base_url.replace("127.0.0.1", "localhost"),
        "another scheme": listener.base_url,
    }


PLACES = ["another port", "another host name", "another scheme"]


def nothing_reached(elsewhere, listener, home_before: int, arm_server, place: str) -> None:
    assert elsewhere.requests == [] and listener.received == []
    if place == "another host name":  # the same server under another name: it saw the first requests only
        assert len(arm_server.requests) == home_before


def check_refusal(error: BaseException, url_start: str) -> None:
    assert isinstance(error, UntrustedEndpointError) and isinstance(error, ServiceRequestError)
    message = str(error)
    assert url_start in message and "trusted_hosts=" in message and "credential" in message
    assert error.url.startswith(url_start)


# -- URLs the service hands out --------------------------------------------------------------------------


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("version", VERSIONS)
def test_a_next_link_elsewhere_is_refused(arm_server, credential, elsewhere, listener, version, place):
    with_resources(arm_server, credential, version)
    client = api(arm_server, credential, version)
    target = other_places(arm_server, elsewhere, listener)[place] + client.provider + "/clusters?page=2"
    arm_server.faults.add(faults.redirect(next_link=target, method="GET", path="/clusters$"))
    wire = Wire(arm_server)
    seen = []
    with within(5), pytest.raises(UntrustedEndpointError) as raised:
        for cluster in client.list_clusters():
            seen.append(cluster.name)
    check_refusal(raised.value, target.split("/subscriptions")[0])
    assert seen == ["c1"]  # the first page, from home
    assert wire.count(client.list_clusters_operation()) == 1
    nothing_reached(elsewhere, listener, len(arm_server.requests), arm_server, place)


@pytest.mark.parametrize("header", ["location", "async_operation"])
@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("version", VERSIONS)
def test_a_polling_url_elsewhere_is_refused(arm_server, credential, elsewhere, listener, version, place, header):
    with_resources(arm_server, credential, version, clusters=())
    client = api(arm_server, credential, version)
    target = other_places(arm_server, elsewhere, listener)[place] + "/operationresults/x"
    redirect = faults.redirect(**{header: target}, method="PUT", path=client.cluster_path("c1"))
    arm_server.faults.add(
        redirect if header == "async_operation" else redirect.on(drop_headers=("Azure-AsyncOperation",))
    )
    wire = Wire(arm_server)
    with within(5):
        poller = client.create_cluster("c1")
        with pytest.raises(UntrustedEndpointError) as raised:
            poller.result()
    check_refusal(raised.value, target.split("/operationresults")[0])
    assert wire.operations() == {"Clusters_Create": 1}  # the PUT, and no poll
    nothing_reached(elsewhere, listener, len(arm_server.requests), arm_server, place)


@pytest.mark.parametrize("version", VERSIONS)
def test_a_redirect_elsewhere_is_refused(arm_server, credential, elsewhere, version):
    with_resources(arm_server, credential, version)
    client = api(arm_server, credential, version)
    target = elsewhere.base_url + client.provider + "/clusters/c1"
    arm_server.faults.add(
        Fault("reply", status=307, headers={"Location": target}, method="GET", path=client.cluster_path("c1"))
    )
    wire = Wire(arm_server)
    with within(5), pytest.raises(UntrustedEndpointError) as raised:
        client.get_cluster("c1")
    check_refusal(raised.value, elsewhere.base_url)
    assert wire.count("Clusters_Get") == 1 and elsewhere.requests == []


@pytest.mark.parametrize("version", VERSIONS)
def test_send_request_elsewhere_is_refused(arm_server, credential, elsewhere, version):
    client = make_client(arm_server, credential, version)
    with pytest.raises(UntrustedEndpointError):
        client.send_request(HttpRequest("GET", elsewhere.base_url + "/providers/Microsoft.BatchAI/operations"))
    assert elsewhere.requests == []
    home = HttpRequest("GET", f"/providers/Microsoft.BatchAI/operations?api-version={version}")
    assert client.send_request(home).status_code == 200


# -- what a user can allow ------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_trusted_hosts_lets_the_client_follow_a_next_link_there(arm_server, credential, elsewhere, both_cas, version):
    """The control case: the second server is reachable, and with trusted_hosts it is reached (with the token)."""
    with_resources(arm_server, credential, version)
    host_port = elsewhere.base_url.removeprefix("https://")
    for trusted in (elsewhere.base_url, host_port):  # a URL, or host:port (HTTPS)
        elsewhere.reset()
        with_resources(elsewhere, credential, version, clusters=("far",))
        before = len(elsewhere.requests)
        client = api(arm_server, credential, version, connection_verify=both_cas, trusted_hosts=[trusted])
        target = elsewhere.base_url + client.provider + ("/workspaces/ws" if client.nested else "") + "/clusters"
        arm_server.faults.add(faults.redirect(next_link=target, method="GET", path="/clusters$"))
        with within(5):
            assert [cluster.name for cluster in client.list_clusters()] == ["c1", "far"]
        followed = elsewhere.requests[before:]
        assert len(followed) == 1 and followed[0].headers["authorization"] == f"Bearer {arm_server.token}"


def test_trusted_hosts_must_be_https_or_loopback_http(arm_server, credential):
    with pytest.raises(ValueError, match="trusted_hosts: 'http://example.com' is plain http://"):
        make_client(arm_server, credential, "2018-03-01", trusted_hosts=["http://example.com"])
    with pytest.raises(ValueError, match="not an https:// URL"):
        make_client(arm_server, credential, "2018-03-01", trusted_hosts=["ftp://example.com"])


# -- plain http ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_a_plain_http_endpoint_is_refused_when_the_client_is_made(version):
    credential = FakeCredential("token")
    with pytest.raises(ValueError) as refused:
        batchai.BatchAIManagementClient(credential, SUBSCRIPTION_ID, api_version=version, base_url="http://example.com")
    assert "'http://example.com' is plain http://" in str(refused.value) and "use https://" in str(refused.value)
    with pytest.raises(ValueError, match="loopback endpoint only"):
        batchai.BatchAIManagementClient(
            credential, SUBSCRIPTION_ID, api_version=version, base_url="http://example.com", allow_http=True
        )
    with pytest.raises(ValueError, match="pass allow_http=True"):
        batchai.BatchAIManagementClient(credential, SUBSCRIPTION_ID, api_version=version, base_url="http://127.0.0.1:1")
    for version_client in (batchai.aio.BatchAIManagementClient,):
        with pytest.raises(ValueError, match="pass allow_http=True"):
            version_client(credential, SUBSCRIPTION_ID, api_version=version, base_url="http://localhost:1")


@pytest.fixture(scope="module")
def http_emulator(tmp_path_factory) -> Iterator[EmulatorProcess]:
    with EmulatorProcess(tmp_path_factory.mktemp("http-emulator") / "data", "--http", "--executor", "scripted") as e:
        yield e


@pytest.mark.parametrize("version", VERSIONS)
def test_the_emulators_http_mode_works_with_allow_http(http_emulator, version):
    """``batchai-emulator --http`` prints a snippet with allow_http=True, and that client does a lifecycle."""
    printed = "\n".join(http_emulator.output)
    assert "allow_http=True" in printed and "connection_verify" not in printed
    assert re.match(r"http://127\.0\.0\.1:\d+$", http_emulator.base_url)
    with batchai.BatchAIManagementClient(
        FakeCredential("any-token"),
        SUBSCRIPTION_ID,
        api_version=version,
        base_url=http_emulator.base_url,
        allow_http=True,
        polling_interval=0.01,
    ) as client:
        resources = Api(client, version)
        with within(20):
            resources.parents()
            cluster = resources.create_cluster(f"http-{version}").result()
            assert [c.name for c in resources.list_clusters()] == [cluster.name]
            resources.delete_cluster(cluster.name).result()
            assert list(resources.list_clusters()) == []


# -- the async client, and each version's own client -------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_the_async_client_refuses_a_next_link_and_a_polling_url_elsewhere(
    arm_server, credential, async_credential, elsewhere, version
):
    with_resources(arm_server, credential, version)
    probe = Api(None, version)
    next_link = elsewhere.base_url + probe.provider + "/clusters?page=2"
    arm_server.faults.add(
        faults.redirect(next_link=next_link, method="GET", path="/clusters$"),
        faults.redirect(async_operation=elsewhere.base_url + "/op", method="PUT", path=probe.cluster_path("c2")),
    )

    async def scenario() -> list[BaseException]:
        errors = []
        async with make_async_client(arm_server, async_credential, version) as client:
            async_api = Api(client, version)
            with pytest.raises(UntrustedEndpointError) as raised:
                [cluster async for cluster in async_api.list_clusters()]
            errors.append(raised.value)
            poller = await async_api.create_cluster("c2")
            with pytest.raises(UntrustedEndpointError) as raised:
                await poller.result()
            errors.append(raised.value)
        return errors

    with within(5):
        errors = run_async(scenario())
    assert errors[0].url.startswith(next_link) and errors[1].url == elsewhere.base_url + "/op"
    assert elsewhere.requests == []


@pytest.mark.parametrize("version", VERSIONS)
def test_each_versions_own_client_refuses_too(arm_server, credential, elsewhere, version):
    module = __import__(f"batchai.{Api(None, version).module_name}", fromlist=["BatchAIManagementClient"])
    with_resources(arm_server, credential, version)
    client = module.BatchAIManagementClient(
        credential, SUBSCRIPTION_ID, base_url=arm_server.base_url, connection_verify=arm_server.ca_path, retry_total=0
    )
    version_api = Api(client, version)
    target = elsewhere.base_url + version_api.provider + "/clusters?page=2"
    arm_server.faults.add(faults.redirect(next_link=target, method="GET", path="/clusters$"))
    with pytest.raises(UntrustedEndpointError):
        list(version_api.list_clusters())
    assert elsewhere.requests == []
    with pytest.raises(ValueError, match="plain http"):
        module.BatchAIManagementClient(credential, SUBSCRIPTION_ID, base_url="http://example.com")
