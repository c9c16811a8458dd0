"""The async client's transport keeps its TLS connection alive when ``connection_verify`` is a CA file.

azure-core's AioHttpTransport builds a new ssl.SSLContext for every request in that case, and aiohttp keys its
idle connections by the context: every request opened a connection (a TLS handshake) of its own. The generated
async clients use ``_runtime.aio_transport``, which builds the context once. The TLS connections opened are
counted where asyncio starts one, ``SSLContext.wrap_bio``.
"""

from __future__ import annotations

import ssl
from typing import Any

import certifi
import pytest
from azure.core.exceptions import ServiceRequestError
from azure.core.pipeline.transport import AioHttpTransport
from conftest import client_options, make_async_client, run_async
from scenario import SUBSCRIPTION_ID

import batchai.aio

REQUESTS = 6


@pytest.fixture
def handshakes(monkeypatch: pytest.MonkeyPatch) -> list[ssl.SSLContext]:
    """The SSL context of every TLS connection a client opens (the harness serves in this process)."""
    opened: list[ssl.SSLContext] = []
    wrap_bio = ssl.SSLContext.wrap_bio

    def counting(self: ssl.SSLContext, *args: Any, **kwargs: Any) -> Any:
        if not kwargs.get("server_side", args[2] if len(args) > 2 else False):  # the in-process server's side too
            opened.append(self)
        return wrap_bio(self, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "wrap_bio", counting)
    return opened


async def list_clusters(client: Any, times: int) -> int:
    answered = 0
    for _ in range(times):
        answered += 1 + len([cluster async for cluster in client.clusters.list()])
    return answered


def test_sequential_async_requests_share_one_connection(arm_server, async_credential, handshakes):
    async def scenario() -> int:
        async with make_async_client(arm_server, async_credential) as client:
            return await list_clusters(client, REQUESTS)

    assert run_async(scenario()) == REQUESTS
    assert len(handshakes) == 1, f"{len(handshakes)} TLS connections for {REQUESTS} sequential requests"


def test_a_per_call_ca_file_is_honoured(arm_server, async_credential, handshakes):
    async def scenario() -> None:
        async with make_async_client(arm_server, async_credential) as client:
            # the client's own CA file, per call: the same context, the same connection
            for _ in range(REQUESTS):
                [cluster async for cluster in client.clusters.list(connection_verify=arm_server.ca_path)]
            assert len(handshakes) == 1
            # another CA file (the public roots, which did not sign the emulator's certificate): verified with it
            with pytest.raises(ServiceRequestError, match="CERTIFICATE_VERIFY_FAILED"):
                [cluster async for cluster in client.clusters.list(connection_verify=certifi.where())]
            await list_clusters(client, 2)

    run_async(scenario())
    assert len(handshakes) == 2  # the refused one; the client's connection stayed


def test_azure_cores_own_transport_still_works_when_passed(arm_server, async_credential):
    async def scenario() -> int:
        transport = AioHttpTransport(**client_options(arm_server))
        options = client_options(arm_server, transport=transport)
        async with batchai.aio.BatchAIManagementClient(async_credential, SUBSCRIPTION_ID, **options) as client:
            assert client._client._pipeline._transport is transport
            return await list_clusters(client, 2)

    assert run_async(scenario()) == 2
