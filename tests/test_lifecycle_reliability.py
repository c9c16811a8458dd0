"""Issue 8's findings on the lifecycle helpers: a DELETE answered 404, an interrupt during a sync
wait, and a reply that stalls; sync and async, each bounded in time and requests.
"""

from __future__ import annotations

import faulthandler
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import trustme
from azure.core.credentials import AccessToken
from azure.core.exceptions import ResourceNotFoundError
from conftest import SUBSCRIPTION_ID, run_async
from scenario import RESOURCE_GROUP, job_parameters

import batchai
import batchai.aio
from batchai import WaitTimeoutError

NOT_FOUND = {"error": {"code": "ResourceNotFound", "message": "The resource was not found."}}
PROVIDER = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{RESOURCE_GROUP}/providers/Microsoft.BatchAI"
# each group, the path its DELETE goes to, and the names to pass
DELETES = [
    ("jobs", "jobs/gone", (RESOURCE_GROUP, "gone")),
    ("clusters", "clusters/gone", (RESOURCE_GROUP, "gone")),
    ("file_servers", "fileServers/gone", (RESOURCE_GROUP, "gone")),
]


@pytest.fixture(autouse=True)
def bounded(arm_server):
    faulthandler.dump_traceback_later(30, exit=True)  # a hard bound on any test here
    yield
    faulthandler.cancel_dump_traceback_later()
    assert len(arm_server.requests) <= 20


class FakeClock:
    def __init__(self, interrupt_at: int | None = None) -> None:
        self.time, self.sleeps, self.interrupt_at = 0.0, 0, interrupt_at

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        if self.sleeps == self.interrupt_at:
            raise KeyboardInterrupt  # Ctrl-C, while the wait sleeps between two polls
        self.time += seconds


class Token:
    """A credential for the stalling server, which checks none."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken("token", int(time.time()) + 3600)

    async def close(self) -> None:
        pass


class AsyncToken(Token):
    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:  # type: ignore[override]
        return AccessToken("token", int(time.time()) + 3600)


def client_for(
    arm_server, credential, api_version: str | None = None, **options: Any
) -> batchai.BatchAIManagementClient:
    return batchai.BatchAIManagementClient(
        credential,
        SUBSCRIPTION_ID,
        api_version=api_version,
        base_url=arm_server.base_url,
        connection_verify=arm_server.ca_path,
        polling_interval=0,
        retry_total=0,
        **options,
    )


# -- a DELETE answered 404 --------------------------------------------------------------------------


@pytest.mark.parametrize(("group", "path", "names"), DELETES)
def test_a_delete_answered_404_is_success_with_missing_ok(arm_server, credential, group, path, names):
    """Some ARM providers answer the DELETE of what is not there with 404 instead of 204."""
    for _ in range(2):
        arm_server.script("DELETE", f"{PROVIDER}/{path}", status=404, response_body=NOT_FOUND)
    with client_for(arm_server, credential) as client:
        operations = getattr(client, group)
        assert operations.delete_and_wait(*names, missing_ok=True, clock=FakeClock()) is None
        with pytest.raises(ResourceNotFoundError):
            operations.delete_and_wait(*names, clock=FakeClock())
    assert [r.method for r in arm_server.requests] == ["DELETE"] * 2
    assert arm_server.pending_scripts == []


def test_an_async_delete_answered_404_is_success_with_missing_ok(arm_server, async_credential):
    for _ in range(2):
        arm_server.script("DELETE", f"{PROVIDER}/jobs/gone", status=404, response_body=NOT_FOUND)

    async def body() -> None:
        client = batchai.aio.BatchAIManagementClient(
            async_credential,
            SUBSCRIPTION_ID,
            base_url=arm_server.base_url,
            connection_verify=arm_server.ca_path,
            retry_total=0,
        )
        async with client:
            names = (RESOURCE_GROUP, "gone")
            assert await client.jobs.delete_and_wait(*names, missing_ok=True) is None
            with pytest.raises(ResourceNotFoundError):
                await client.jobs.delete_and_wait(*names)

    run_async(body())
    assert len(arm_server.requests) == 2


# -- Ctrl-C during a sync wait -------------------------------------------------------------------------


@pytest.fixture
def started_here(monkeypatch) -> list[threading.Thread]:
    """The threads the test's own thread starts (azure-core's poller would be one); the local server's
    threads are started by the server, not by the test."""
    caller, started, start = threading.current_thread(), [], threading.Thread.start

    def recorded(thread: threading.Thread) -> None:
        if threading.current_thread() is caller:
            started.append(thread)
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", recorded)
    return started


def running(threads: list[threading.Thread]) -> list[str]:
    return [thread.name for thread in threads if thread.is_alive()]


class InterruptingStream:
    """A progress stream whose `write` number `at` is interrupted."""

    def __init__(self, at: int) -> None:
        self.writes, self.at = 0, at

    def write(self, text: str) -> int:
        self.writes += 1
        if self.writes == self.at:
            raise KeyboardInterrupt
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True  # a terminal: the line is rewritten at every poll


def interrupt(**how: Any) -> dict[str, Any]:
    return how


@pytest.mark.parametrize(
    "how",
    [
        pytest.param(interrupt(clock=FakeClock(interrupt_at=1)), id="in the clock's sleep"),
        pytest.param(interrupt(clock=FakeClock(), progress=InterruptingStream(at=2)), id="in the progress display"),
        pytest.param(interrupt(clock=FakeClock(), on_started="interrupt"), id="once the service accepted it"),
    ],
)
def test_an_interrupted_create_leaves_no_thread_behind(arm_server, credential, started_here, how):
    if how.get("on_started") == "interrupt":

        def on_started(token: str) -> None:
            raise KeyboardInterrupt

        how = {**how, "on_started": on_started}
    with client_for(arm_server, credential) as client, pytest.raises(KeyboardInterrupt):
        client.jobs.create_and_wait(RESOURCE_GROUP, "demo_job", job_parameters(), timeout=60, **how)
    assert running(started_here) == []  # azure-core's poller would have left its LROPoller thread
    assert 1 <= len(arm_server.requests) <= 3  # the PUT, and the polls before the interrupt


def test_an_interrupted_job_wait_and_delete_leave_no_thread_behind(arm_server, credential, started_here):
    with client_for(arm_server, credential) as client:
        client.jobs.create_and_wait(RESOURCE_GROUP, "demo_job", job_parameters(), clock=FakeClock())
        arm_server.job_schedule = ["queued", "running"]
        with pytest.raises(KeyboardInterrupt):
            client.jobs.wait_for_completion(RESOURCE_GROUP, "demo_job", clock=FakeClock(interrupt_at=2))
        with pytest.raises(KeyboardInterrupt):
            client.jobs.delete_and_wait(RESOURCE_GROUP, "demo_job", clock=FakeClock(interrupt_at=1))
        client.jobs.delete_and_wait(RESOURCE_GROUP, "demo_job", clock=FakeClock(), missing_ok=True)
    assert running(started_here) == []  # azure-core's poller would have left its LROPoller thread
    assert len(arm_server.requests) <= 16


# -- a reply that stalls --------------------------------------------------------------------------------


class StallingServer:
    """HTTPS on 127.0.0.1 that answers its first requests with `answers` and never answers the rest.

    An answer is a raw HTTP response; `{base}` in it is this server's URL.
    """

    def __init__(self, answers: tuple[str, ...] = ()) -> None:
        authority = trustme.CA()
        self.ca = authority.cert_pem.bytes()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        authority.issue_cert("127.0.0.1").configure_cert(context)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self._context, self._stop, self._connections = context, threading.Event(), []
        self.answers, self.requests = list(answers), 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self._listener.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            try:
                connection.settimeout(0.1)
                secured = self._context.wrap_socket(connection, server_side=True)
                self._connections.append(secured)
                self._answer(secured)
            except (OSError, ssl.SSLError):
                connection.close()

    def _answer(self, connection: ssl.SSLSocket) -> None:
        """Answer requests on one connection in turn; the first one beyond `answers` stalls it."""
        while not self._stop.is_set():
            try:
                if not connection.recv(65536):
                    return
            except TimeoutError:
                continue
            self.requests += 1
            if not self.answers:
                return  # kept open, unanswered
            connection.sendall(self.answers.pop(0).replace("{base}", self.base_url).encode())

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for connection in self._connections:
            connection.close()
        self._listener.close()


ACCEPTED = (
    "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nRetry-After: 0\r\n"
    "Azure-AsyncOperation: {base}/operationresults/1?api-version=2018-03-01\r\n\r\n"
)


@pytest.fixture
def stalling(request, tmp_path) -> Iterator[StallingServer]:
    server = StallingServer(getattr(request, "param", ()))
    (tmp_path / "ca.pem").write_bytes(server.ca)
    server.ca_path = str(tmp_path / "ca.pem")
    yield server
    server.stop()


def stalled_client(server: StallingServer, is_async: bool = False) -> Any:
    options = {"base_url": server.base_url, "connection_verify": server.ca_path, "retry_total": 0}
    if is_async:
        return batchai.aio.BatchAIManagementClient(AsyncToken(), SUBSCRIPTION_ID, **options)
    return batchai.BatchAIManagementClient(Token(), SUBSCRIPTION_ID, **options)


TIMEOUT = 1.5  # seconds, real ones: the stalled request must end with the wait


@pytest.mark.parametrize("helper", ["wait_for_completion", "create_and_wait", "delete_and_wait"])
def test_a_stalled_reply_ends_at_the_helpers_timeout(stalling, helper):
    arguments: tuple[Any, ...] = (RESOURCE_GROUP, "demo_job")
    if helper == "create_and_wait":
        arguments += (job_parameters(),)
    started = time.monotonic()
    with stalled_client(stalling) as client, pytest.raises(WaitTimeoutError) as caught:
        getattr(client.jobs, helper)(*arguments, timeout=TIMEOUT)
    elapsed = time.monotonic() - started
    assert TIMEOUT <= elapsed < TIMEOUT + 2, elapsed
    assert f"after {TIMEOUT:g} s" in str(caught.value) and stalling.requests == 1


@pytest.mark.parametrize("stalling", [(ACCEPTED,)], indirect=True)
def test_a_stalled_status_poll_ends_at_the_timeout_with_a_token_to_resume(stalling):
    started = time.monotonic()
    with stalled_client(stalling) as client, pytest.raises(WaitTimeoutError) as caught:
        client.jobs.create_and_wait(RESOURCE_GROUP, "demo_job", job_parameters(), timeout=TIMEOUT)
    assert TIMEOUT <= time.monotonic() - started < TIMEOUT + 2
    assert caught.value.continuation_token and stalling.requests == 2  # the PUT, then the poll that stalled


@pytest.mark.parametrize("stalling", [(), (ACCEPTED,)], indirect=True, ids=["the PUT", "the poll"])
def test_a_stalled_reply_ends_at_the_async_helpers_timeout(stalling):
    async def body() -> float:
        started = time.monotonic()
        async with stalled_client(stalling, is_async=True) as client:
            with pytest.raises(WaitTimeoutError):
                await client.jobs.run(RESOURCE_GROUP, "demo_job", job_parameters(), attach=False, timeout=TIMEOUT)
        return time.monotonic() - started

    elapsed = run_async(body())
    assert TIMEOUT <= elapsed < TIMEOUT + 2, elapsed


def test_each_request_of_a_bounded_wait_carries_the_time_left(arm_server, credential):
    seen: list[Any] = []

    def on_request(request: Any) -> None:
        seen.append(request.context.options.get("read_timeout"))

    with client_for(arm_server, credential) as client:
        client.jobs.create_and_wait(RESOURCE_GROUP, "demo_job", job_parameters(), raw_request_hook=on_request)
        arm_server.job_schedule = ["succeeded"]
        client.jobs.wait_for_completion(
            RESOURCE_GROUP, "demo_job", clock=FakeClock(), timeout=30, read_timeout=5, raw_request_hook=on_request
        )
        client.jobs.delete_and_wait(
            RESOURCE_GROUP, "demo_job", clock=FakeClock(), timeout=30, read_timeout=90, raw_request_hook=on_request
        )
    # no timeout: the transport's own; else what is left (the fake clock stood still), or the caller's if shorter
    assert seen == [None, 5, 30]
