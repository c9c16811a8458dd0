"""pytest fixtures for the emulator (``pytest_plugins = ["batchai_emulator.pytest_plugin"]``).

- ``arm_server``: the in-process harness (harness.py), reset before each test; one per session.
- ``credential`` / ``async_credential``: credentials handing out its token.
- ``emulator_process``: the emulator as a user starts it, ``python -m batchai_emulator --port 0
  --data-dir <tmp>``, in a subprocess (process.py); stopped after the test.

The harness's default API version is the project's: ``default_api_version`` of the ``sdk.toml`` at
pytest's root directory, if there is one, else the newest version the emulator serves.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from .credentials import AsyncFakeCredential, FakeCredential
from .harness import EmulatorHarness
from .process import EmulatorProcess


def _project_api_version(root: Path) -> str | None:
    try:
        tomllib = importlib.import_module("tomllib")
    except ImportError:
        return None  # Python 3.10 has no TOML reader: the newest version then
    config = root / "sdk.toml"
    if not config.is_file():
        return None

    version = tomllib.loads(config.read_text(encoding="utf-8")).get("package", {}).get("default_api_version")
    return str(version) if version else None


@pytest.fixture(scope="session")
def arm_server_session(request: pytest.FixtureRequest) -> Iterator[EmulatorHarness]:
    """One HTTPS harness for the whole run: starting one costs a certificate."""
    with EmulatorHarness(api_version=_project_api_version(Path(request.config.rootpath))) as server:
        yield server


@pytest.fixture
def arm_server(arm_server_session: EmulatorHarness) -> Iterator[EmulatorHarness]:
    """The session harness, reset so every test starts empty with default settings."""
    arm_server_session.reset()
    yield arm_server_session
    if arm_server_session.internal_errors:
        pytest.fail("emulator bug:\n" + "\n".join(arm_server_session.internal_errors), pytrace=False)
    if arm_server_session.response_problems:
        pytest.fail("emulator answers off spec:\n" + "\n".join(arm_server_session.response_problems), pytrace=False)


@pytest.fixture
def credential(arm_server: EmulatorHarness) -> FakeCredential:
    return FakeCredential(arm_server.token or "token")


@pytest.fixture
def async_credential(arm_server: EmulatorHarness) -> AsyncFakeCredential:
    return AsyncFakeCredential(arm_server.token or "token")


@pytest.fixture
def emulator_process(tmp_path: Path) -> Iterator[EmulatorProcess]:
    """``batchai-emulator`` in a subprocess on a free port with a temporary data directory."""
    with EmulatorProcess(tmp_path / "emulator-data") as process:
        yield process


__all__ = ["arm_server", "arm_server_session", "async_credential", "credential", "emulator_process"]
