"""pytest fixtures for the fake ARM server; import them into tests/conftest.py."""

from __future__ import annotations

import pytest

from .credentials import AsyncFakeCredential, FakeCredential
from .server import ArmServer


@pytest.fixture(scope="session")
def arm_server_session():
    """One HTTPS server for the whole run: starting one costs a certificate."""
    with ArmServer() as server:
        yield server


@pytest.fixture
def arm_server(arm_server_session):
    """The session server, reset so every test starts empty with default settings."""
    arm_server_session.reset()
    yield arm_server_session
    if arm_server_session.internal_errors:
        pytest.fail("ArmServer bug:\n" + "\n".join(arm_server_session.internal_errors), pytrace=False)


@pytest.fixture
def credential(arm_server):
    return FakeCredential(arm_server.token)


@pytest.fixture
def async_credential(arm_server):
    return AsyncFakeCredential(arm_server.token)


__all__ = ["arm_server", "arm_server_session", "async_credential", "credential"]
