"""Helpers for the long-running operations and the job lifecycle (issue 4): the sync operation groups.

`client.jobs`, `client.clusters` and `client.file_servers` gain one call per everyday lifecycle:

- `create_and_wait` / `delete_and_wait` on all three; `terminate_and_wait` on jobs;
- `jobs.wait_for_completion`, `jobs.iter_states` (follow a job's executionState to its end) and
  `jobs.run` (create, follow, list the stdout/stderr files).

Every wait is bounded by `timeout` (`WaitTimeoutError`), polls every `polling_interval` seconds
unless the service asks for a later poll with Retry-After, can show a progress line, and can be
resumed after the process died: the long-running operations with their continuation token, the
execution waits by the job's name. See docs/lifecycle.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import closing
from typing import IO, Any, Protocol, TextIO, cast

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.core.polling import LROPoller
from azure.mgmt.core.polling.arm_polling import ARMPolling

from batchai.v2018_03_01 import models as _models
from batchai.v2018_03_01.operations._jobs_operations import build_create_request

from . import validation
from .job_definition import JobDefinitionError, load_job_definition
from .lifecycle_core import (
    STDOUTERR,
    Clock,
    JobFailedError,
    JobRun,
    ProvisioningFailedError,
    StateTransition,
    SystemClock,
    Wait,
    WaitTimeoutError,
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

__all__ = [
    "JobDefinitionError",
    "JobFailedError",
    "JobRun",
    "ProvisioningFailedError",
    "StateTransition",
    "WaitTimeoutError",
    "load_job_definition",
]

OnStarted = Callable[[str], None]
OnTransition = Callable[[StateTransition], None]


class _BoundedPolling(ARMPolling):
    """ARM polling that sleeps on the wait's clock, never past its deadline, and shows progress."""

    def __init__(self, wait: Wait, clock: Clock, verb: str) -> None:
        super().__init__(wait.interval)
        self._wait, self._clock, self._verb = wait, clock, verb
        self.initial_status: int | None = None

    def initialize(self, client: Any, initial_response: Any, deserialization_callback: Any) -> None:
        self.initial_status = initial_response.http_response.status_code
        super().initialize(client, initial_response, deserialization_callback)
        self._show()

    def update_status(self) -> None:
        super().update_status()
        self._show()

    def _sleep(self, delay: float) -> None:
        self._clock.sleep(self._wait.bounded(delay))

    def _show(self) -> None:
        if not self.finished():
            self._wait.observe(self._verb)


class _Provisionable(Protocol):
    """What the helpers use of an operation group (whatever keywords its overlays add)."""

    def get(self, *args: Any, **kwargs: Any) -> Any: ...

    def begin_create(self, *args: Any, **kwargs: Any) -> LROPoller[Any]: ...

    def begin_delete(self, *args: Any, **kwargs: Any) -> LROPoller[None]: ...


def _notify_started(on_started: OnStarted | None, poller: LROPoller[Any]) -> None:
    if on_started is not None:
        on_started(poller.continuation_token())


def _create(
    group: _Provisionable,
    wait: Wait,
    clock: Clock,
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
        poller = group.begin_create(
            resource_group_name, name, parameters, polling=polling, continuation_token=continuation_token, **kwargs
        )
        _notify_started(on_started, poller)
        resource = poller.result()
    except HttpResponseError as error:
        if not operation_failed(error):
            raise
        raise provisioning_error(wait.subject, _find(group, resource_group_name, name), error) from error
    if provisioning_failed(resource):
        raise provisioning_error(wait.subject, resource, None)
    wait.observe("created")
    return resource


def _delete(
    group: _Provisionable,
    wait: Wait,
    clock: Clock,
    resource_group_name: str,
    name: str,
    missing_ok: bool,
    continuation_token: str | None,
    on_started: OnStarted | None,
    **kwargs: Any,
) -> None:
    """DELETE (or resume) and wait until it is gone; ARM answers 204 for what is not there."""
    polling = _BoundedPolling(wait, clock, "deleting")
    poller = group.begin_delete(
        resource_group_name, name, polling=polling, continuation_token=continuation_token, **kwargs
    )
    if polling.initial_status == 204:
        if not missing_ok:
            raise ResourceNotFoundError(f"{wait.subject} was not found in resource group '{resource_group_name}'")
        wait.observe("already gone")
        return
    _notify_started(on_started, poller)
    poller.result()
    wait.observe("deleted")


def _find(group: _Provisionable, resource_group_name: str, name: str) -> Any:
    """The resource, or None if it is not there or cannot be read."""
    try:
        return group.get(resource_group_name, name)
    except HttpResponseError:
        return None


class _Helpers:
    """What the three groups share; `_kind` names their resource in messages and progress."""

    _kind = "resource"
    _config: Any  # set by the generated class

    def _start(
        self, name: str, timeout: float | None, interval: float | None, progress: bool | TextIO, clock: Clock | None
    ) -> tuple[Wait, Clock]:
        clock = clock or SystemClock()
        return new_wait(self._kind, name, self._config, timeout, interval, progress, clock.now), clock


class JobsOperations(_Helpers, validation.JobsOperations):
    """Jobs operations with lifecycle helpers: create, follow, terminate, delete, run."""

    _kind = "job"

    @documented(lro=True)
    def create_and_wait(
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
        clock: Clock | None = None,
        **kwargs: Any,
    ) -> _models.Job:
        """Create a job and wait until it is provisioned (it may still be queued: see `run`).

        :raises ProvisioningFailedError: provisioningState ended `failed`.
        :raises WaitTimeoutError: not provisioned within `timeout`; carries `continuation_token`.
        """
        wait, clock = self._start(job_name, timeout, polling_interval, progress, clock)
        with closing(wait):
            return _create(
                self, wait, clock, resource_group_name, job_name, parameters, continuation_token, on_started, **kwargs
            )

    @documented(lro=True)
    def delete_and_wait(
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
        clock: Clock | None = None,
        **kwargs: Any,
    ) -> None:
        """Delete a job and wait until it is gone.

        :keyword missing_ok: True to succeed when the job is not there; else ResourceNotFoundError.
        """
        wait, clock = self._start(job_name, timeout, polling_interval, progress, clock)
        with closing(wait):
            _delete(
                self, wait, clock, resource_group_name, job_name, missing_ok, continuation_token, on_started, **kwargs
            )

    @documented(lro=True)
    def terminate_and_wait(
        self,
        resource_group_name: str,
        job_name: str,
        *,
        timeout: float | None = None,
        polling_interval: float | None = None,
        progress: bool | TextIO = False,
        continuation_token: str | None = None,
        on_started: OnStarted | None = None,
        clock: Clock | None = None,
        **kwargs: Any,
    ) -> _models.Job:
        """Terminate a job and wait until it has stopped; return the final Job (no error raised).

        A terminated job ends `failed` in API 2018-03-01 (it has no separate terminated state),
        with the service's reason in `execution_info.errors`.
        """
        wait, clock = self._start(job_name, timeout, polling_interval, progress, clock)
        with closing(wait):
            polling = _BoundedPolling(wait, clock, "terminating")
            poller = self.begin_terminate(
                resource_group_name, job_name, polling=polling, continuation_token=continuation_token, **kwargs
            )
            _notify_started(on_started, poller)
            poller.result()
            return self._follow(wait, clock, resource_group_name, job_name, None, None)

    @documented(lro=False)
    def wait_for_completion(
        self,
        resource_group_name: str,
        job_name: str,
        *,
        timeout: float | None = None,
        polling_interval: float | None = None,
        on_transition: OnTransition | None = None,
        progress: bool | TextIO = False,
        clock: Clock | None = None,
        **kwargs: Any,
    ) -> _models.Job:
        """Follow an existing job's executionState until it succeeds or fails; return the final Job.

        Works on any job by name, so a process that died while waiting re-attaches by calling it
        again: nothing is created. The ARM create can succeed while the job fails: only this wait
        tells.

        :keyword on_transition: Called with a `StateTransition` each time executionState changes
            (the first state seen included).
        :raises JobFailedError: the job ended `failed`; carries `exit_code`, `errors` and `job`.
        :raises WaitTimeoutError: still running after `timeout`; `last_seen` is the last Job read.
        :raises ProvisioningFailedError: the job's provisioningState is `failed`.
        Other keywords go to each `get`.
        """
        wait, clock = self._start(job_name, timeout, polling_interval, progress, clock)
        with closing(wait):
            job = self._follow(wait, clock, resource_group_name, job_name, None, on_transition, **kwargs)
        return check_job_succeeded(job)

    @documented(lro=False)
    def iter_states(
        self,
        resource_group_name: str,
        job_name: str,
        *,
        timeout: float | None = None,
        polling_interval: float | None = None,
        progress: bool | TextIO = False,
        clock: Clock | None = None,
        **kwargs: Any,
    ) -> Iterator[StateTransition]:
        """Yield a `StateTransition` each time the job's executionState changes, up to its final state.

        Ends after the final state (`succeeded` or `failed`, without raising for `failed`); raises
        WaitTimeoutError after `timeout`. The wait starts at the first `next()`.
        """
        wait, clock = self._start(job_name, timeout, polling_interval, progress, clock)
        with closing(wait):
            yield from self._transitions(wait, clock, resource_group_name, job_name, None, **kwargs)

    @documented(lro=True)
    def run(
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
        clock: Clock | None = None,
        **kwargs: Any,
    ) -> JobRun:
        """Create a job, wait until it finishes, and list its stdout/stderr files: one call, one timeout.

        Re-running after a crash re-attaches: with `attach` (the default) a job that already
        exists under `job_name` is followed, not created again, whatever its definition (a job's
        name identifies the run; pick a new name for a new run). `attach=False` always sends the
        PUT: ARM accepts an identical definition again and answers ResourceExistsError (409) to a
        different one. With `continuation_token` the create is resumed instead.

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
            existing = self._existing(resource_group_name, job_name) if attach and not continuation_token else None
            job = existing or _create(
                self, wait, clock, resource_group_name, job_name, parameters, continuation_token, on_started, **kwargs
            )
            job = self._follow(wait, clock, resource_group_name, job_name, job, on_transition)
        files = self._output_files(resource_group_name, job_name, output_directory_id, tolerate=is_failed(job))
        return JobRun(check_job_succeeded(job, files), files or [], attached=existing is not None)

    # -- internals ---------------------------------------------------------------------------

    def _follow(
        self,
        wait: Wait,
        clock: Clock,
        resource_group_name: str,
        job_name: str,
        first: _models.Job | None,
        on_transition: OnTransition | None,
        **kwargs: Any,
    ) -> _models.Job:
        """Consume the transitions up to the final state; return the final Job."""
        job = first
        for transition in self._transitions(wait, clock, resource_group_name, job_name, first, **kwargs):
            if on_transition is not None:
                on_transition(transition)
            job = transition.job
        assert job is not None  # the transitions always include the final state
        return job

    def _transitions(
        self,
        wait: Wait,
        clock: Clock,
        resource_group_name: str,
        job_name: str,
        first: _models.Job | None,
        **kwargs: Any,
    ) -> Iterator[StateTransition]:
        """Poll the job (starting from `first` if given) and yield each executionState change."""
        previous: str | None = None
        job, retry_after = (first, None) if first is not None else self._read(resource_group_name, job_name, **kwargs)
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
            clock.sleep(wait.bounded(wait.requested(retry_after), last_seen=job))
            job, retry_after = self._read(resource_group_name, job_name, **kwargs)

    def _read(self, resource_group_name: str, job_name: str, **kwargs: Any) -> tuple[_models.Job, float | None]:
        """GET the job, with the delay the response asks for (Retry-After), if any."""

        def with_retry_after(response: Any, job: _models.Job, _headers: Any) -> tuple[_models.Job, float | None]:
            return job, retry_after_seconds(response.http_response.headers)

        result = self.get(resource_group_name, job_name, cls=with_retry_after, **kwargs)
        return cast("tuple[_models.Job, float | None]", result)

    def _existing(self, resource_group_name: str, job_name: str) -> _models.Job | None:
        try:
            return self.get(resource_group_name, job_name)
        except ResourceNotFoundError:
            return None

    def _output_files(
        self, resource_group_name: str, job_name: str, directory_id: str, tolerate: bool
    ) -> list[_models.File] | None:
        """The files of one output directory; None if listing fails and `tolerate` (a failed job's)."""
        options = _models.JobsListOutputFilesOptions(outputdirectoryid=directory_id)
        try:
            return list(self.list_output_files(resource_group_name, job_name, options))
        except HttpResponseError:
            if tolerate:
                return None
            raise


class ClustersOperations(_Helpers, validation.ClustersOperations):
    """Clusters operations with lifecycle helpers: create and wait, delete and wait."""

    _kind = "cluster"

    @documented(lro=True)
    def create_and_wait(
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
        clock: Clock | None = None,
        **kwargs: Any,
    ) -> _models.Cluster:
        """Create a cluster and wait until it is provisioned.

        :raises ProvisioningFailedError: provisioningState ended `failed`; `errors` are the cluster's.
        :raises WaitTimeoutError: not provisioned within `timeout`; carries `continuation_token`.
        """
        wait, clock = self._start(cluster_name, timeout, polling_interval, progress, clock)
        with closing(wait):
            return _create(
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
    def delete_and_wait(
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
        clock: Clock | None = None,
        **kwargs: Any,
    ) -> None:
        """Delete a cluster and wait until it is gone.

        :keyword missing_ok: True to succeed when the cluster is not there; else ResourceNotFoundError.
        """
        wait, clock = self._start(cluster_name, timeout, polling_interval, progress, clock)
        with closing(wait):
            _delete(
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


class FileServersOperations(_Helpers, validation.FileServersOperations):
    """File-server operations with lifecycle helpers: create and wait, delete and wait."""

    _kind = "file server"

    @documented(lro=True)
    def create_and_wait(
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
        clock: Clock | None = None,
        **kwargs: Any,
    ) -> _models.FileServer:
        """Create a file server and wait until it is provisioned.

        :raises ProvisioningFailedError: provisioningState ended `failed`.
        :raises WaitTimeoutError: not provisioned within `timeout`; carries `continuation_token`.
        """
        wait, clock = self._start(file_server_name, timeout, polling_interval, progress, clock)
        with closing(wait):
            return _create(
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
    def delete_and_wait(
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
        clock: Clock | None = None,
        **kwargs: Any,
    ) -> None:
        """Delete a file server and wait until it is gone.

        :keyword missing_ok: True to succeed when the file server is not there; else ResourceNotFoundError.
        """
        wait, clock = self._start(file_server_name, timeout, polling_interval, progress, clock)
        with closing(wait):
            _delete(
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
