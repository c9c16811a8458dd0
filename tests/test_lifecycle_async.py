"""The async twins of the lifecycle helpers, and their cancellation, against the local ARM server.

Each test body runs under `run_async` (a fresh loop, 30 s at most) on a fake clock; each asserts
the requests it sent.
"""

from __future__ import annotations

import asyncio
import gc
import io
import warnings

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from conftest import SUBSCRIPTION_ID, make_async_client, run_async
from scenario import RESOURCE_GROUP, cluster_parameters, file_server_parameters, job_parameters

from batchai import JobFailedError, ProvisioningFailedError, StateTransition, ValidationError, WaitTimeoutError

MAX_REQUESTS = 60
WAIT = 600.0  # every wait's timeout, in fake seconds


class AsyncFakeClock:
    """Time that moves only when a wait sleeps; records every sleep requested."""

    def __init__(self) -> None:
        self.time = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.time

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.time += seconds
        await asyncio.sleep(0)


class BlockingClock(AsyncFakeClock):
    """A clock whose sleep number `block_at` never returns: the wait is parked there."""

    def __init__(self, block_at: int) -> None:
        super().__init__()
        self.block_at = block_at
        self.parked = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        await super().sleep(seconds)
        if len(self.sleeps) == self.block_at:
            self.parked.set()
            await asyncio.Event().wait()


@pytest.fixture(autouse=True)
def bounded(arm_server):
    yield
    assert len(arm_server.requests) <= MAX_REQUESTS


def sent(arm_server, operation_id: str | None = None) -> list[str | None]:
    return [r.operation_id for r in arm_server.requests if operation_id in (None, r.operation_id)]


def client_for(arm_server, async_credential):
    return make_async_client(arm_server, async_credential)


async def make_job(client, name: str = "demo_job"):
    return await client.jobs.create_and_wait(RESOURCE_GROUP, name, job_parameters(), clock=AsyncFakeClock())


def test_run_creates_follows_and_lists_the_output(arm_server, async_credential):
    arm_server.job_schedule = ["queued", "running", "succeeded"]
    seen: list[StateTransition] = []

    async def body():
        async with client_for(arm_server, async_credential) as client:
            return await client.jobs.run(
                RESOURCE_GROUP, "demo_job", job_parameters(), clock=AsyncFakeClock(), on_transition=seen.append
            )

    result = run_async(body())
    assert result.job.execution_state == "succeeded" and not result.attached
    assert sorted(f.name for f in result.output_files) == ["stderr.txt", "stdout.txt"]
    assert [t.state for t in seen] == ["queued", "running", "succeeded"]
    assert sent(arm_server) == ["Jobs_Get", "Jobs_Create", None, None, None] + ["Jobs_Get"] * 3 + [
        "Jobs_ListOutputFiles"
    ]


def test_a_failed_run_raises_with_exit_code_errors_and_output(arm_server, async_credential):
    arm_server.job_schedule = ["running", "failed"]
    arm_server.job_exit_code = 2

    async def body():
        async with client_for(arm_server, async_credential) as client:
            await client.jobs.run(RESOURCE_GROUP, "demo_job", job_parameters(), clock=AsyncFakeClock(), timeout=WAIT)

    with pytest.raises(JobFailedError) as caught:
        run_async(body())
    assert caught.value.exit_code == 2 and [e.code for e in caught.value.errors] == ["JobFailed"]
    assert len(caught.value.output_files) == 2


def test_failed_cluster_raises_with_its_errors(arm_server, async_credential):
    arm_server.fail_next_lro = ("Clusters_Create", {"code": "InsufficientQuota", "message": "no cores left"})

    async def body():
        async with client_for(arm_server, async_credential) as client:
            await client.clusters.create_and_wait(RESOURCE_GROUP, "demo_cluster", cluster_parameters())

    with pytest.raises(ProvisioningFailedError) as caught:
        run_async(body())
    assert isinstance(caught.value, HttpResponseError)
    assert [e.code for e in caught.value.errors] == ["InsufficientQuota"]
    assert len(arm_server.requests) == 5


@pytest.mark.parametrize(
    ("group", "parameters"),
    [("jobs", job_parameters), ("clusters", cluster_parameters), ("file_servers", file_server_parameters)],
)
def test_create_then_delete_and_delete_what_is_gone(arm_server, async_credential, group, parameters):
    async def body():
        async with client_for(arm_server, async_credential) as client:
            operations = getattr(client, group)
            created = await operations.create_and_wait(RESOURCE_GROUP, "demo", parameters())
            assert created.provisioning_state == "succeeded"
            await operations.delete_and_wait(RESOURCE_GROUP, "demo")
            await operations.delete_and_wait(RESOURCE_GROUP, "demo", missing_ok=True)
            with pytest.raises(ResourceNotFoundError):
                await operations.delete_and_wait(RESOURCE_GROUP, "demo")

    run_async(body())
    assert len(arm_server.requests) == 5 + 4 + 1 + 1


def test_terminate_in_the_middle_of_a_run(arm_server, async_credential):
    async def body():
        async with client_for(arm_server, async_credential) as client:
            await make_job(client)
            arm_server.job_schedule = ["queued", "running"]  # would run forever
            states, terminated = [], None
            async for transition in client.jobs.iter_states(RESOURCE_GROUP, "demo_job", clock=AsyncFakeClock()):
                states.append(transition.state)
                if transition.state == "running":
                    terminated = await client.jobs.terminate_and_wait(RESOURCE_GROUP, "demo_job")
            return states, terminated

    states, terminated = run_async(body())
    assert states == ["queued", "running", "failed"]
    assert [e.code for e in terminated.execution_info.errors] == ["JobTerminated"]
    assert sent(arm_server, "Jobs_Terminate") == ["Jobs_Terminate"]


def test_timeout_carries_the_last_job_seen(arm_server, async_credential):
    async def body():
        async with client_for(arm_server, async_credential) as client:
            await make_job(client)
            arm_server.job_schedule = ["running"]
            clock = AsyncFakeClock()
            with pytest.raises(WaitTimeoutError) as caught:
                await client.jobs.wait_for_completion(
                    RESOURCE_GROUP, "demo_job", clock=clock, polling_interval=3, timeout=10
                )
            return caught.value, clock

    error, clock = run_async(body())
    assert error.last_seen.execution_state == "running" and clock.sleeps == [3, 3, 3, 1]
    assert len(sent(arm_server, "Jobs_Get")) == 1 + 5


def test_create_resumes_from_its_token_in_a_fresh_client(arm_server, async_credential):
    arm_server.polls_until_done = 10
    arm_server.retry_after = 7

    async def body():
        async with client_for(arm_server, async_credential) as client:
            clock = AsyncFakeClock()
            with pytest.raises(WaitTimeoutError) as caught:
                await client.jobs.create_and_wait(RESOURCE_GROUP, "demo_job", job_parameters(), clock=clock, timeout=10)
            assert clock.sleeps == [7, 3], "Retry-After honored, cut at the deadline"
        async with client_for(arm_server, async_credential) as fresh:
            token = caught.value.continuation_token
            return await fresh.jobs.create_and_wait(
                RESOURCE_GROUP, "demo_job", job_parameters(), continuation_token=token, clock=AsyncFakeClock()
            )

    assert run_async(body()).provisioning_state == "succeeded"
    assert sent(arm_server, "Jobs_Create") == ["Jobs_Create"]
    assert len(arm_server.requests) == 1 + 11 + 1


def test_following_a_job_honors_retry_after(arm_server, async_credential):
    async def body():
        async with client_for(arm_server, async_credential) as client:
            running = (await make_job(client)).serialize(keep_readonly=True)
            running["properties"]["executionState"] = "running"
            path = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{RESOURCE_GROUP}/providers/Microsoft.BatchAI/jobs/demo_job"
            arm_server.script("GET", path, response_body=running, headers={"Retry-After": "9"})
            arm_server.job_schedule = ["succeeded"]
            clock = AsyncFakeClock()
            await client.jobs.wait_for_completion(RESOURCE_GROUP, "demo_job", clock=clock, polling_interval=1)
            return clock.sleeps

    assert run_async(body()) == [9]


def test_progress_line(arm_server, async_credential):
    stream = io.StringIO()

    async def body():
        async with client_for(arm_server, async_credential) as client:
            await client.file_servers.create_and_wait(
                RESOURCE_GROUP, "demo_nfs", file_server_parameters(), progress=stream, clock=AsyncFakeClock()
            )

    run_async(body())
    assert stream.getvalue().splitlines() == [
        "file server 'demo_nfs': creating (0:00)",
        "file server 'demo_nfs': created (0:00)",
    ]


# -- cancellation -------------------------------------------------------------------------------------


async def assert_cancelled_cleanly(client, task: asyncio.Task, tasks_before: set[asyncio.Task]) -> None:
    """Cancel `task`; then no task is left but those from before (this one and run_async's own),
    the client still works, and it closes without leaking a connection or a session."""
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert asyncio.all_tasks() == tasks_before
    assert (await client.jobs.get(RESOURCE_GROUP, "demo_job")).name == "demo_job"
    session = client._client._pipeline._transport.session
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await client.close()
        gc.collect()
    assert session.closed and session.connector is None
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert asyncio.all_tasks() == tasks_before


def test_cancel_a_wait_while_it_sleeps(arm_server, async_credential):
    arm_server.job_schedule = ["queued", "running"]  # runs forever

    async def body():
        client = client_for(arm_server, async_credential)
        await make_job(client)
        clock = BlockingClock(block_at=2)
        tasks_before = asyncio.all_tasks()
        wait = asyncio.create_task(client.jobs.wait_for_completion(RESOURCE_GROUP, "demo_job", clock=clock))
        await asyncio.wait_for(clock.parked.wait(), 5)
        await assert_cancelled_cleanly(client, wait, tasks_before)

    run_async(body())
    assert len(sent(arm_server, "Jobs_Get")) == 1 + 2 + 1  # the create's, the wait's two, the check


def test_cancel_a_wait_while_a_request_is_in_flight(arm_server, async_credential):
    arm_server.job_schedule = ["queued", "running"]

    async def body():
        client = client_for(arm_server, async_credential)
        await make_job(client)
        third_request_sent = asyncio.Event()
        requests, responses = [], []

        def on_request(request) -> None:
            requests.append(request)
            if len(requests) == 3:
                third_request_sent.set()

        tasks_before = asyncio.all_tasks()
        wait = asyncio.create_task(
            client.jobs.wait_for_completion(
                RESOURCE_GROUP,
                "demo_job",
                clock=AsyncFakeClock(),
                polling_interval=1,
                raw_request_hook=on_request,
                raw_response_hook=responses.append,
            )
        )
        await asyncio.wait_for(third_request_sent.wait(), 5)
        await asyncio.sleep(0)
        assert (len(requests), len(responses)) == (3, 2), "the third GET is inside the transport"
        await assert_cancelled_cleanly(client, wait, tasks_before)

    run_async(body())
    assert len(sent(arm_server)) <= 5 + 3 + 1


def test_async_run_refuses_an_invalid_definition_before_any_request(arm_server, async_credential):
    parameters = job_parameters()
    parameters.node_count = 0

    async def scenario() -> None:
        async with make_async_client(arm_server, async_credential) as client:
            with pytest.raises(ValidationError):
                await client.jobs.run(RESOURCE_GROUP, "demo_job", parameters, clock=AsyncFakeClock(), timeout=WAIT)

    run_async(scenario())
    assert arm_server.requests == []
