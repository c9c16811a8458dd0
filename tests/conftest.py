"""Shared fixtures: the emulator's in-process harness (batchai_emulator) and SDK clients pointed at it."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import pytest
from scenario import SUBSCRIPTION_ID

import batchai
import batchai.aio

pytest_plugins = ["batchai_emulator.pytest_plugin"]

ASYNC_TEST_TIMEOUT = 30


def client_options(arm_server, **overrides: Any) -> dict[str, Any]:
    """Client keywords for the local server: its certificate, no waits between polls, no retries."""
    return {
        "base_url": arm_server.base_url,
        "connection_verify": arm_server.ca_path,
        "polling_interval": 0,
        "retry_total": 0,
        **overrides,
    }


def make_client(arm_server, credential, **overrides: Any) -> batchai.BatchAIManagementClient:
    return batchai.BatchAIManagementClient(credential, SUBSCRIPTION_ID, **client_options(arm_server, **overrides))


@pytest.fixture
def client(arm_server, credential):
    """A sync client on the local server; polls without waiting (the server answers Retry-After: 0)."""
    with make_client(arm_server, credential) as sdk_client:
        yield sdk_client


def make_async_client(arm_server, async_credential) -> batchai.aio.BatchAIManagementClient:
    """An async client; create it inside the event loop that uses it (aiohttp binds to the loop)."""
    return batchai.aio.BatchAIManagementClient(async_credential, SUBSCRIPTION_ID, **client_options(arm_server))


def run_async(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run one async test body in a fresh loop, bounded in time."""
    return asyncio.run(asyncio.wait_for(coroutine, ASYNC_TEST_TIMEOUT))
