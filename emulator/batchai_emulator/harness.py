"""The emulator in a test's process: the same server as ``batchai-emulator``, with knobs and observations.

Usage::

    with EmulatorHarness() as server:
        client = BatchAIManagementClient(FakeCredential(server.token), SUBSCRIPTION,
                                         base_url=server.base_url, connection_verify=server.ca_path)

It listens on 127.0.0.1 (port 0: a free one) over HTTPS with its own certificate authority, in a
background thread with its own event loop; state is an in-memory SQLite database, jobs are run by
the ``ScriptedExecutor`` (deterministic), and a request must carry ``token``.

Knobs, restored by ``reset()``: ``token``, ``lro_mode``, ``polls_until_done``, ``lro_completes_at_once``, ``retry_after``,
``page_size``, ``fail_next_lro``, ``job_cluster_must_exist`` (see ``arm.Behaviour``), ``job_schedule``,
``job_exit_code``, ``output_files`` (see ``executor.ScriptedExecutor``). Observations: ``requests``,
``mismatches``, ``operations_seen`` / ``coverage`` (kept across resets; see ``reset_coverage()``),
``internal_errors``, ``faults_served``. Scripted replay: ``script(...)``, ``pending_scripts``.
Many resources at once: ``seed(...)``.
Injected faults: ``faults.add(...)`` (faults.py).
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from .arm import Behaviour, Emulator, RecordedRequest, ReplayMismatch, ScriptedResponse
from .executor import ExecutorFactory, ScriptedExecutor
from .faults import FaultQueue, ServedFault
from .server import EmulatorServer
from .spec import Spec, SpecSet
from .store import Store
from .tls import ensure_identity

DEFAULT_TOKEN = "test-token"
START_TIMEOUT = 30
_SPECS: dict[str, SpecSet] = {}


def _specs() -> SpecSet:
    """Specs load once per process: every harness reads the same files."""
    if "default" not in _SPECS:
        _SPECS["default"] = SpecSet()
    return _SPECS["default"]


def _behaviour_knob(name: str) -> property:
    def get(self: EmulatorHarness) -> Any:
        return getattr(self.emulator.behaviour, name)

    def set_(self: EmulatorHarness, value: Any) -> None:
        setattr(self.emulator.behaviour, name, value)

    return property(get, set_, doc=f"arm.Behaviour.{name}")


def _executor_knob(name: str) -> property:
    def get(self: EmulatorHarness) -> Any:
        return getattr(self.scripted, name)

    def set_(self: EmulatorHarness, value: Any) -> None:
        setattr(self.scripted, name, value)

    return property(get, set_, doc=f"executor.ScriptedExecutor.{name}")


class EmulatorHarness:
    """Start with ``start()``/``stop()`` or ``with EmulatorHarness() as server``."""

    lro_mode = _behaviour_knob("lro_mode")
    polls_until_done = _behaviour_knob("polls_until_done")
    lro_completes_at_once = _behaviour_knob("lro_completes_at_once")
    retry_after = _behaviour_knob("retry_after")
    page_size = _behaviour_knob("page_size")
    fail_next_lro = _behaviour_knob("fail_next_lro")
    job_cluster_must_exist = _behaviour_knob("job_cluster_must_exist")
    job_schedule = _executor_knob("job_schedule")
    job_exit_code = _executor_knob("job_exit_code")
    output_files = _executor_knob("output_files")

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        api_version: str | None = None,
        executor_factory: ExecutorFactory | None = None,
        specs: SpecSet | None = None,
    ):
        self.host = host
        self.specs = specs or _specs()
        self.api_version = api_version or self.specs.versions[-1]
        self._executor_factory = executor_factory or ScriptedExecutor
        self._tmpdir = tempfile.TemporaryDirectory(prefix="batchai-emulator-")
        self.data_dir = Path(self._tmpdir.name)
        self.faults = FaultQueue()
        self.emulator = Emulator(
            specs=self.specs,
            store=Store(":memory:"),
            behaviour=Behaviour(self.specs),
            token=DEFAULT_TOKEN,
            record=True,
            check_responses=True,
            executor_factory=self._executor_factory,
            data_dir=self.data_dir,
            default_api_version=self.api_version,
        )
        executor = self.emulator.executor
        self.scripted: ScriptedExecutor | None = executor if isinstance(executor, ScriptedExecutor) else None
        if self.scripted is not None:
            self.emulator.provider.job_observer = self.scripted.advance
        self.port: int | None = None
        self.ca_path: str | None = None
        self._server: EmulatorServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"https://{self.host}:{self.port}"

    @property
    def spec(self) -> Spec:
        """The spec of ``api_version``."""
        return self.specs[self.api_version]

    def start(self) -> EmulatorHarness:
        if self._server is not None:
            return self
        identity = ensure_identity(self.data_dir / "tls", self.host)
        self.ca_path = str(identity.ca_path)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="batchai-emulator-loop", daemon=True)
        self._thread.start()
        server = EmulatorServer(
            self.emulator, self.host, 0, identity.server_context(), faults=self.faults, shutdown_timeout=0.5
        )
        asyncio.run_coroutine_threadsafe(server.start(), self._loop).result(START_TIMEOUT)
        self._server, self.port = server, server.port
        return self

    def stop(self) -> None:
        if self._server is None or self._loop is None or self._thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._server.stop(), self._loop).result(START_TIMEOUT)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()
        self.emulator.close()
        self._tmpdir.cleanup()
        self._server = self._loop = self._thread = None

    def __enter__(self) -> EmulatorHarness:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- knobs and observations --------------------------------------------------------------

    @property
    def token(self) -> str | None:
        return self.emulator.token

    @token.setter
    def token(self, value: str | None) -> None:
        self.emulator.token = value

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.emulator.requests

    @property
    def mismatches(self) -> list[ReplayMismatch]:
        return self.emulator.mismatches

    @property
    def internal_errors(self) -> list[str]:
        return self.emulator.internal_errors

    @property
    def response_problems(self) -> list[str]:
        """Answers of the emulator that break the spec of their version (every answer is checked)."""
        return self.emulator.response_problems

    @property
    def operations_seen(self) -> set[str]:
        return self.emulator.operations_seen

    @property
    def coverage(self) -> set[tuple[str, str]]:
        return self.emulator.coverage

    @property
    def faults_served(self) -> list[ServedFault]:
        return self.faults.served

    def reset(self) -> None:
        """Forget resources, requests, scripts, faults and mismatches; restore default settings."""
        self.emulator.provider.clear()
        self.emulator.forget_requests()
        self.faults.clear()
        self.emulator.behaviour = Behaviour(self.specs)
        self.emulator.provider.config = self.emulator.behaviour
        self.emulator.token = DEFAULT_TOKEN
        if self.scripted is not None:
            self.scripted.reset()

    def reset_coverage(self) -> None:
        self.emulator.operations_seen.clear()
        self.emulator.coverage.clear()

    def wait_idle(self, timeout: float = 10) -> bool:
        """Wait until everything the executor reported is stored."""
        return self.emulator.provider.wait_idle(timeout)

    def url(self, path: str, **query: Any) -> str:
        """Absolute URL for ``path``; api-version is added unless given (None drops it)."""
        query = {"api-version": self.api_version, **query}
        query = {key: value for key, value in query.items() if value is not None}
        return f"{self.base_url}{path}" + (f"?{urlencode(query, safe='$')}" if query else "")

    def script(
        self,
        method: str,
        path: str,
        query: dict | None = None,
        body: Any = None,
        status: int = 200,
        response_body: Any = None,
        headers: dict[str, str] | None = None,
        api_version: str | None = None,
    ) -> None:
        """Queue a one-shot answer for the next ``method path`` request.

        ``path`` may be a full URL or carry a query string (used as ``query`` when none is given).
        ``body``/``query`` of None mean "don't compare"; the request must carry ``api_version``
        (default: the harness's). URLs under https://management.azure.com in the response are
        rewritten to this server so clients poll and page here.
        """
        parts = urlsplit(path)
        if query is None and parts.query:
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
        # Recorded examples carry numbers in headers (e.g. "Retry-After": 15).
        text_headers = {name: str(value) for name, value in (headers or {}).items()}
        self.emulator.script(
            ScriptedResponse(method.upper(), parts.path, query, body, status, response_body, text_headers, api_version)
        )

    @property
    def pending_scripts(self) -> list[ScriptedResponse]:
        return self.emulator.pending_scripts

    def seed(self, resources: Iterable[tuple[str, Any]], api_version: str | None = None) -> int:
        """Store many resources fast, as if each ``(ARM id, create body)`` had been created (``Provider.seed``);
        ``reset()`` forgets them as any other. The number stored."""
        return self.emulator.provider.seed(api_version or self.api_version, resources)

    def complete_operations(self) -> None:
        """Finish every in-progress long-running operation now (for clients that don't poll)."""
        self.emulator.provider.complete_all()
