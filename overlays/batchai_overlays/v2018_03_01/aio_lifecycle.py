"""Async twins of the lifecycle helpers (issue 4), on the operation groups of `batchai.aio`.

Same names, arguments, errors and results as `lifecycle`, awaited: `await client.jobs.run(...)`,
`async for transition in client.jobs.iter_states(...)`. They start no task of their own: every
request and sleep is awaited in the caller's task, so cancelling it (`task.cancel()`,
`asyncio.timeout`) stops the wait at once and leaves nothing running; the connection of a request
cut short is dropped by the transport, and the client closes as usual.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import aclosing, closing
from typing import IO, Any, Protocol, TextIO

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.core.polling import AsyncLROPoller
from azure.mgmt.core.polling.async_arm_polling import AsyncARMPolling

from batchai.v2018_03_01 import models as _models
from batchai.v2018_03_01.operations._jobs_operations import build_create_request

from . import aio_validation
from .lifecycle_core import (
    STDOUTERR,
    AsyncClock,
    AsyncSystemClock,
    JobRun,
    StateTransition,
    Wait,
    check_job_succeeded,
    documented,
    is_failed,
    is_terminal,
    new_wait,
    operation_failed,
    provisioning_error,
    provisioning_failed,
    retry_after_seconds,
)
from .validation import check_request

OnStarted = Callable[[str], None]
OnTransition = Callable[[StateTransition], None]


class _BoundedPolling(AsyncARMPolling):
    """Async ARM polling that sleeps on the wait's clock, never past its deadline, and shows progress."""

    def __init__(self, wait: Wait, clock: AsyncClock, verb: str) -> None:
        super().__init__(wait.interval)
        self._wait, self._clock, self._verb = wait, clock, verb
        self.initial_status: int | None = None

    def initialize(self, client: Any, initial_response: Any, deserialization_callback: Any) -> None:
        self.initial_status = initial_response.http_response.status_code
        super().initialize(client, initial_response, deserialization_callback)
        self._show()

    async def update_status(self) -> None:
        await super().update_status()
        self._show()

    async def _sleep(self, delay: float) -> None:
        await self._clock.sleep(self._wait.bounded(delay))

    def _show(self) -> None:
        if not self.finished():
            self._wait.observe(self._verb)


class _Provisionable(Protocol):
    """What the helpers use of an async operation group (whatever keywords its overlays add)."""

    def get(self, *args: Any, **kwargs: Any) -> Awaitable[Any]: ...

    def begin_create(self, *args: Any, **kwargs: Any) -> Awaitable[AsyncLROPoller[Any]]: ...

    def begin_delete(self, *args: Any, **kwargs: Any) -> Awaitable[AsyncLROPoller[None]]: ...


def _notify_started(on_started: OnStarted | None, poller: AsyncLROPoller[Any]) -> None:
    if on_started is not None:
        on_started(poller.continuation_token())


async def _create(
    group: _Provisionable,
    wait: Wait,
    clock: AsyncClock,
    resource_group_name: str,
    name: str,
    parameters: Any,
    continuation_token: str | None,
    on_started: OnStarted | None,
    **kwargs: Any,
) -> Any:
    """PUT (or resume) and wait for provisioningState; a failed one raises ProvisioningFailedError."""
    polling = _BoundedPolling(wait, clock, "creating")
    try:
        poller = await group.begin_create(
            resource_group_name, name, parameters, polling=polling, continuation_token=continuation_token, **kwargs
        )
        _notify_started(on_started, poller)
        resource = await poller.result()
    except HttpResponseError as error:
        if not operation_failed(error):
            raise
        raise provisioning_error(wait.subject, await _find(group, resource_group_name, name), error) from error
    if provisioning_failed(resource):
        raise provisioning_error(wait.subject, resource, None)
    wait.observe("created")
    return resource


async def _delete(
    group: _Provisionable,
    wait: Wait,
    clock: AsyncClock,
    resource_group_name: str,
    name: str,
    missing_ok: bool,
    continuation_token: str | None,
    on_started: OnStarted | None,
    **kwargs: Any,
) -> None:
    """DELETE (or resume) and wait until it is gone; ARM answers 204 for what is not there."""
    polling = _BoundedPolling(wait, clock, "deleting")
    poller = await group.begin_delete(
        resource_group_name, name, polling=polling, continuation_token=continuation_token, **kwargs
    )
    if polling.initial_status == 204:
        if not missing_ok:
            raise ResourceNotFoundError(f"{wait.subject} was not found in resource group '{resource_group_name}'")
        wait.observe("already gone")
        return
    _notify_started(on_started, poller)
    await poller.result()
    wait.observe("deleted")


async def _find(group: _Provisionable, resource_group_name: str, name: str) -> Any:
    """The resource, or None if it is not there or cannot be read."""
    try:
        return await group.get(resource_group_name, name)
    except HttpResponseError:
        return None


class _Helpers:
    """What the three groups share; `_kind` names their resource in messages and progress."""

    _kind = "resource"
    _config: Any  # set by the generated class

    def _start(
        self,
        name: str,
        timeout: float | None,
        interval: float | None,
        progress: bool | TextIO,
        clock: AsyncClock | None,
    ) -> tuple[Wait, AsyncClock]:
        clock = clock or AsyncSystemClock()
        return new_wait(self._kind, name, self._config, timeout, interval, progress, clock.now), clock


class JobsOperations(_Helpers, aio_validation.JobsOperations):
    """Async jobs operations with lifecycle helpers: create, follow, terminate, delete, run."""

    _kind = "job"

    @documented(lro=True)
    async def create_and_wait(
        self,
        resource_group_name: str,
        job_name: str,
        parameters: _models.JobCreateParameters | IO[bytes],
        *,
        timeout: float | None = None,
        polling_interval: float | None = None,
        progress: bool | TextIO = False,
        continuation_token: str | None = None,
        on_started: OnStarted | None = None,
        clock: AsyncClock | None = None,
        **kwargs: Any,
    ) -> _models.Job:
        """Create a job and wait until it is provisioned (it may still be queued: see `run`).

        :raises ProvisioningFailedError: provisioningState ended `failed`.
        :raises WaitTimeoutError: not provisioned within `timeout`; carries `continuation_token`.
        """
        wait, clock = self._start(job_name, timeout, polling_interval, progress, clock)
        with closing(wait):
            return await _create(
                self, wait, clock, resource_group_name, job_name, parameters, continuation_token, on_started, **kwargs
            )

    @documented(lro=True)
    async def delete_and_wait(
        self,
        resource_group_name: str,
        job_name: str,
        *,
        missing_ok: bool = False,
        timeout: float | None = None,
        polling_interval: float | None = None,
        progress: bool | TextIO = False,
        continuation_token: str | None = None,
        on_started: OnStarted | None = None,
        clock: AsyncClock | None = None,
        **kwargs: Any,
    ) -> None:
        """Delete a job and wait until it is gone.

        :keyword missing_ok: True to succeed when the job is not there; else ResourceNotFoundError.
        """
        wait, clock = self._start(job_name, timeout, polling_interval, progress, clock)
        with closing(wait):
            await _delete(
                self, wait, clock, resource_group_name, job_name, missing_ok, continuation_token, on_started, **kwargs
            )

    @documented(lro=True)
    async def terminate_and_wait(
        self,
        resource_group_name: str,
        job_name: str,
        *,
        timeout: float | None = None,
        polling_interval: float | None = None,
        progress: bool | TextIO = False,
        continuation_token: str | None = None,
        on_started: OnStarted | None = None,
        clock: AsyncClock | None = None,
        **kwargs: Any,
    ) -> _models.Job:
        """Terminate a job and wait until it has stopped; return the final Job (no error raised).

        A terminated job ends `failed` in API 2018-03-01 (it has no separate terminated state),
        with the service's reason in `execution_info.errors`.
        """
        wait, clock = self._start(job_name, timeout, polling_interval, progress, clock)
        with closing(wait):
            polling = _BoundedPolling(wait, clock, "terminating")
            poller = await self.begin_terminate(
                resource_group_name, job_name, polling=polling, continuation_token=continuation_token, **kwargs
            )
            _notify_started(on_started, poller)
            await poller.result()
            return await self._follow(wait, clock, resource_group_name, job_name, None, None)

    @documented(lro=False)
    async def wait_for_completion(
        self,
        resource_group_name: str,
        job_name: str,
        *,
        timeout: float | None = None,
        polling_interval: float | None = None,
        on_transition: OnTransition | None = None,
        progress: bool | TextIO = False,
        clock: AsyncClock | None = None,
        **kwargs: Any,
    ) -> _models.Job:
        """Follow an existing job's executionState until it succeeds or fails; return the final Job.

        Works on any job by name, so a process that died while waiting re-attaches by calling it
        again: nothing is created. Cancelling the awaiting task stops the wait.

        :keyword on_transition: Called with a `StateTransition` each time executionState changes
            (the first state seen included).
        :raises JobFailedError: the job ended `failed`; carries `exit_code`, `errors` and `job`.
        :raises WaitTimeoutError: still running after `timeout`; `last_seen` is the last Job read.
        :raises ProvisioningFailedError: the job's provisioningState is `failed`.
        Other keywords go to each `get`.
        """
        wait, clock = self._start(job_name, timeout, polling_interval, progress, clock)
        with closing(wait):
            job = await self._follow(wait, clock, resource_group_name, job_name, None, on_transition, **kwargs)
        return check_job_succeeded(job)

    @documented(lro=False)
    async def iter_states(
        self,
        resource_group_name: str,
        job_name: str,
        *,
        timeout: float | None = None,
        polling_interval: float | None = None,
        progress: bool | TextIO = False,
        clock: AsyncClock | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[StateTransition]:
        """Yield a `StateTransition` each time the job's executionState changes, up to its final state.

        Ends after the final state (`succeeded` or `failed`, without raising for `failed`); raises
        WaitTimeoutError after `timeout`. Use it with `async for`, or close it (`aclose()`).
        """
        wait, clock = self._start(job_name, timeout, polling_interval, progress, clock)
        with closing(wait):
            transitions = self._transitions(wait, clock, resource_group_name, job_name, None, **kwargs)
            async with aclosing(transitions):
                async for transition in transitions:
                    yield transition

    @documented(lro=True)
    async def run(
        self,
        resource_group_name: str,
        job_name: str,
        parameters: _models.JobCreateParameters,
        *,
        timeout: float | None = None,
        polling_interval: float | None = None,
        on_transition: OnTransition | None = None,
        progress: bool | TextIO = False,
        continuation_token: str | None = None,
        on_started: OnStarted | None = None,
        attach: bool = True,
        output_directory_id: str = STDOUTERR,
        clock: AsyncClock | None = None,
        **kwargs: Any,
    ) -> JobRun:
        """Create a job, wait until it finishes, and list its stdout/stderr files: one call, one timeout.

        Re-running after a crash re-attaches, as the sync `jobs.run` does: with `attach` (the
        default) an existing job of that name is followed, not created again; `attach=False`
        always sends the PUT; `continuation_token` resumes the create.

        :keyword output_directory_id: The output directory to list (default `stdouterr`).
        :raises JobFailedError: the job failed; its `output_files` lists the stdout/stderr files.
        Other keywords go to `begin_create` (e.g. `validate=False`).
        """
        if kwargs.get("validate", True) and not continuation_token:
            # a definition the service would reject fails here, before even the re-attach lookup
            check_request(
                build_create_request,
                _models.JobCreateParameters,
                parameters,
                kwargs,
                resource_group_name=resource_group_name,
                job_name=job_name,
            )
        wait, clock = self._start(job_name, timeout, polling_interval, progress, clock)
        with closing(wait):
            existing = (
                await self._existing(resource_group_name, job_name) if attach and not continuation_token else None
            )
            job = existing or await _create(
                self, wait, clock, resource_group_name, job_name, parameters, continuation_token, on_started, **kwargs
            )
            job = await self._follow(wait, clock, resource_group_name, job_name, job, on_transition)
        files = await self._output_files(resource_group_name, job_name, output_directory_id, tolerate=is_failed(job))
        return JobRun(check_job_succeeded(job, files), files or [], attached=existing is not None)

    # -- internals ---------------------------------------------------------------------------

    async def _follow(
        self,
        wait: Wait,
        clock: AsyncClock,
        resource_group_name: str,
        job_name: str,
        first: _models.Job | None,
        on_transition: OnTransition | None,
        **kwargs: Any,
    ) -> _models.Job:
        """Consume the transitions up to the final state; return the final Job."""
        job = first
        transitions = self._transitions(wait, clock, resource_group_name, job_name, first, **kwargs)
        async with aclosing(transitions):
            async for transition in transitions:
                if on_transition is not None:
                    on_transition(transition)
                job = transition.job
        assert job is not None  # the transitions always include the final state
        return job

    async def _transitions(
        self,
        wait: Wait,
        clock: AsyncClock,
        resource_group_name: str,
        job_name: str,
        first: _models.Job | None,
        **kwargs: Any,
    ) -> AsyncGenerator[StateTransition, None]:
        """Poll the job (starting from `first` if given) and yield each executionState change."""
        previous: str | None = None
        job, retry_after = (
            (first, None) if first is not None else await self._read(resource_group_name, job_name, **kwargs)
        )
        while True:
            if provisioning_failed(job):
                raise provisioning_error(wait.subject, job, None)
            state = str(job.execution_state or "unknown")
            wait.observe(state)
            if state != previous:
                yield StateTransition(previous, state, job, wait.elapsed())
                previous = state
            if is_terminal(state):
                return
            await clock.sleep(wait.bounded(wait.requested(retry_after), last_seen=job))
            job, retry_after = await self._read(resource_group_name, job_name, **kwargs)

    async def _read(self, resource_group_name: str, job_name: str, **kwargs: Any) -> tuple[_models.Job, float | None]:
        """GET the job, with the delay the response asks for (Retry-After), if any."""

        def with_retry_after(response: Any, job: _models.Job, _headers: Any) -> tuple[_models.Job, float | None]:
            return job, retry_after_seconds(response.http_response.headers)

        result: Any = await self.get(resource_group_name, job_name, cls=with_retry_after, **kwargs)
        return result

    async def _existing(self, resource_group_name: str, job_name: str) -> _models.Job | None:
        try:
            return await self.get(resource_group_name, job_name)
        except ResourceNotFoundError:
            return None

    async def _output_files(
        self, resource_group_name: str, job_name: str, directory_id: str, tolerate: bool
    ) -> list[_models.File] | None:
        """The files of one output directory; None if listing fails and `tolerate` (a failed job's)."""
        options = _models.JobsListOutputFilesOptions(outputdirectoryid=directory_id)
        try:
            return [file async for file in self.list_output_files(resource_group_name, job_name, options)]
        except HttpResponseError:
            if tolerate:
                return None
            raise


class ClustersOperations(_Helpers, aio_validation.ClustersOperations):
    """Async clusters operations with lifecycle helpers: create and wait, delete and wait."""

    _kind = "cluster"

    @documented(lro=True)
    async def create_and_wait(
        self,
        resource_group_name: str,
        cluster_name: str,
        parameters: _models.ClusterCreateParameters | IO[bytes],
        *,
        timeout: float | None = None,
        polling_interval: float | None = None,
        progress: bool | TextIO = False,
        continuation_token: str | None = None,
        on_started: OnStarted | None = None,
        clock: AsyncClock | None = None,
        **kwargs: Any,
    ) -> _models.Cluster:
        """Create a cluster and wait until it is provisioned.

        :raises ProvisioningFailedError: provisioningState ended `failed`; `errors` are the cluster's.
        :raises WaitTimeoutError: not provisioned within `timeout`; carries `continuation_token`.
        """
        wait, clock = self._start(cluster_name, timeout, polling_interval, progress, clock)
        with closing(wait):
            return await _create(
                self,
                wait,
                clock,
                resource_group_name,
                cluster_name,
                parameters,
                continuation_token,
                on_started,
                **kwargs,
            )

    @documented(lro=True)
    async def delete_and_wait(
        self,
        resource_group_name: str,
        cluster_name: str,
        *,
        missing_ok: bool = False,
        timeout: float | None = None,
        polling_interval: float | None = None,
        progress: bool | TextIO = False,
        continuation_token: str | None = None,
        on_started: OnStarted | None = None,
        clock: AsyncClock | None = None,
        **kwargs: Any,
    ) -> None:
        """Delete a cluster and wait until it is gone.

        :keyword missing_ok: True to succeed when the cluster is not there; else ResourceNotFoundError.
        """
        wait, clock = self._start(cluster_name, timeout, polling_interval, progress, clock)
        with closing(wait):
            await _delete(
                self,
                wait,
                clock,
                resource_group_name,
                cluster_name,
                missing_ok,
                continuation_token,
                on_started,
                **kwargs,
            )


class FileServersOperations(_Helpers, aio_validation.FileServersOperations):
    """Async file-server operations with lifecycle helpers: create and wait, delete and wait."""

    _kind = "file server"

    @documented(lro=True)
    async def create_and_wait(
        self,
        resource_group_name: str,
        file_server_name: str,
        parameters: _models.FileServerCreateParameters | IO[bytes],
        *,
        timeout: float | None = None,
        polling_interval: float | None = None,
        progress: bool | TextIO = False,
        continuation_token: str | None = None,
        on_started: OnStarted | None = None,
        clock: AsyncClock | None = None,
        **kwargs: Any,
    ) -> _models.FileServer:
        """Create a file server and wait until it is provisioned.

        :raises ProvisioningFailedError: provisioningState ended `failed`.
        :raises WaitTimeoutError: not provisioned within `timeout`; carries `continuation_token`.
        """
        wait, clock = self._start(file_server_name, timeout, polling_interval, progress, clock)
        with closing(wait):
            return await _create(
                self,
                wait,
                clock,
                resource_group_name,
                file_server_name,
                parameters,
                continuation_token,
                on_started,
                **kwargs,
            )

    @documented(lro=True)
    async def delete_and_wait(
        self,
        resource_group_name: str,
        file_server_name: str,
        *,
        missing_ok: bool = False,
        timeout: float | None = None,
        polling_interval: float | None = None,
        progress: bool | TextIO = False,
        continuation_token: str | None = None,
        on_started: OnStarted | None = None,
        clock: AsyncClock | None = None,
        **kwargs: Any,
    ) -> None:
        """Delete a file server and wait until it is gone.

        :keyword missing_ok: True to succeed when the file server is not there; else ResourceNotFoundError.
        """
        wait, clock = self._start(file_server_name, timeout, polling_interval, progress, clock)
        with closing(wait):
            await _delete(
                self,
                wait,
                clock,
                resource_group_name,
                file_server_name,
                missing_ok,
                continuation_token,
                on_started,
                **kwargs,
            )
