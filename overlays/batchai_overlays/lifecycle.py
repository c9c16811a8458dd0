"""The lifecycle helpers' logic (issue 4), written once for sync and async and for every API version.

Each helper is a *flow*: a generator that yields the steps needing I/O and gets each step's result
sent back (or its exception thrown in):

- `Call`: call a method of the operation group (`get`, `begin_create`, `list_output_files`, ...)
  with the resource's names, which are the generated methods' path parameters (`resource_group_name,
  job_name` in 2018-03-01, `resource_group_name, workspace_name, experiment_name, job_name` in
  2018-05-01), so one flow serves every version;
- `Sleep`: sleep on the wait's clock;
- `Poll`: run a long-running operation's polling to its end (the service's status monitor).

Flows also yield the `StateTransition`s they see. `sync_groups` performs the steps in the caller's
thread (no poller thread is ever started, so Ctrl-C leaves nothing running) and `aio_groups` awaits
them in the caller's task; both hand the transitions to `on_transition`, or to the caller of
`iter_states`. Every wait is bounded by `timeout`: its sleeps, and each request's transport timeouts.
"""

from __future__ import annotations

import asyncio
import email.utils
import inspect
import sys
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Generic, Protocol, TextIO, TypeVar, cast

from azure.core.exceptions import (
    AzureError,
    HttpResponseError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.core.polling.base_polling import OperationFailed

from .errors import JobFailedError, ProvisioningFailedError, WaitTimeoutError, reasons

__all__ = ["JobRun", "StateTransition"]

JobT = TypeVar("JobT")
FileT = TypeVar("FileT")
T = TypeVar("T")
TERMINAL_EXECUTION_STATES = frozenset({"succeeded", "failed"})
STDOUTERR = "stdouterr"  # the output directory id under which Batch AI keeps a job's stdout and stderr
REQUEST_GRACE = 1.0  # seconds a request sent at the deadline (the last poll) may take


# -- results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StateTransition(Generic[JobT]):
    """A job's executionState as a wait saw it change; the first one has `previous` None.

    `elapsed` is the seconds since the wait started, `job` the Job read with that state.
    """

    previous: str | None
    state: str
    job: JobT
    elapsed: float


@dataclass
class JobRun(Generic[JobT, FileT]):
    """What `jobs.run` returns: the finished Job and the files of its stdout/stderr directory.

    `attached` is True when `run` found the job already there (a re-run after a crash) and
    followed it instead of creating it.
    """

    job: JobT
    output_files: list[FileT] = field(default_factory=list)
    attached: bool = False


JobRun.__module__ = StateTransition.__module__ = "batchai"


# -- clocks ---------------------------------------------------------------------------------


class Clock(Protocol):
    """Where sync waits read the time and sleep; pass your own (`clock=`) to simulate time."""

    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class AsyncClock(Protocol):
    """Where async waits read the time and sleep."""

    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock: `time.monotonic` and `time.sleep`."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class AsyncSystemClock:
    """The real clock for async waits: `time.monotonic` and `asyncio.sleep`."""

    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


OnStarted = Callable[[str], None]
OnTransition = Callable[[StateTransition[Any]], None]


# -- one bounded wait -----------------------------------------------------------------------


class Wait:
    """One wait: when it started, when it must give up, how often it polls, and what it shows.

    A poll comes `retry_after` seconds after the previous one when the service sent a positive
    Retry-After (as azure-core's ARM polling does), else `interval` seconds; never after the
    deadline: the last sleep is cut short so that the last poll happens at the deadline, and the
    wait gives up after it. Each request's transport timeouts are cut to the time left (at least
    `REQUEST_GRACE`, for the poll at the deadline), so no request outlives the wait.
    """

    def __init__(
        self, subject: str, *, now: Callable[[], float], interval: float, timeout: float | None, progress: bool | TextIO
    ) -> None:
        if timeout is not None and timeout <= 0:
            raise ValueError(f"timeout must be positive seconds or None, not {timeout!r}")
        if interval < 0:
            raise ValueError(f"polling_interval must be zero or more seconds, not {interval!r}")
        self.subject = subject
        self.interval = interval
        self.timeout = timeout
        self._now = now
        self.started = now()
        self.deadline = None if timeout is None else self.started + timeout
        stream = sys.stderr if progress is True else progress or None
        self._line = ProgressLine(stream, subject, self.elapsed) if stream is not None else None

    def elapsed(self) -> float:
        return self._now() - self.started

    def remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - self._now()

    def requested(self, retry_after: float | None) -> float:
        return retry_after if retry_after else self.interval

    def bounded(self, seconds: float, last_seen: Any = None) -> float:
        """`seconds`, cut to what is left before the deadline; WaitTimeoutError once it has passed."""
        remaining = self.remaining()
        if remaining is None:
            return seconds
        if remaining <= 0:
            raise self.timed_out(last_seen)
        return min(seconds, remaining)

    def request_options(self) -> dict[str, float]:
        """Per-request keywords bounding one request (and azure-core's retries of it) by the deadline."""
        remaining = self.remaining()
        if remaining is None:
            return {}
        seconds = max(remaining, REQUEST_GRACE)
        return {"timeout": seconds, "connection_timeout": seconds, "read_timeout": seconds}

    def timed_out(self, last_seen: Any = None, continuation_token: str | None = None) -> WaitTimeoutError:
        state = getattr(last_seen, "execution_state", None)
        still = f": it is still {state}" if state else ""
        message = f"gave up waiting for {self.subject} after {self.timeout:g} s{still}"
        return WaitTimeoutError(
            message, timeout=self.timeout or 0.0, last_seen=last_seen, continuation_token=continuation_token
        )

    def observe(self, state: str | None) -> None:
        if self._line is not None and state:
            self._line.show(str(state))

    def close(self) -> None:
        if self._line is not None:
            self._line.close()


class ProgressLine:
    """A human-readable progress display: `job 'train-1': running (2:05)`.

    On a terminal the one line is rewritten in place at every poll; on anything else (a log
    file, CI output) a line is written per state change, without control characters.
    """

    def __init__(self, stream: TextIO, subject: str, elapsed: Callable[[], float]) -> None:
        self._stream, self._subject, self._elapsed = stream, subject, elapsed
        try:
            self._tty = bool(stream.isatty())
        except (AttributeError, ValueError):  # no isatty, or a closed stream
            self._tty = False
        self._last: str | None = None

    def show(self, state: str) -> None:
        text = f"{self._subject}: {state} ({format_elapsed(self._elapsed())})"
        if self._tty:
            self._stream.write("\r\x1b[2K" + text)
        elif state != self._last:
            self._stream.write(text + "\n")
        self._last = state
        self._stream.flush()

    def close(self) -> None:
        if self._tty and self._last is not None:
            self._stream.write("\n")
            self._stream.flush()
        self._last = None


def format_elapsed(seconds: float) -> str:
    """0:07, 12:05, 1:02:03."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """The delay a response asks for (retry-after-ms, x-ms-retry-after-ms, Retry-After), or None."""
    for name, unit in (("retry-after-ms", 0.001), ("x-ms-retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) * unit)
        except ValueError:
            pass
        if name == "retry-after":
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                return None
            when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
            return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
    return None


# -- the long-running operations' polling ------------------------------------------------------


class BoundedPolling:
    """What the sync and async ARM polling methods of the helpers share (mixed into azure-mgmt-core's).

    Held: the poller the generated `begin_*` method returns sees a finished operation and starts no
    thread; the shell then runs the polling itself (`Poll`), in the caller's thread or task. It sleeps
    on the wait's clock, never past its deadline, bounds each status request by it, and shows progress.
    """

    _operation_config: dict[str, Any]  # set by azure-core's polling: the keywords of each status request

    def __init__(self, wait: Wait, clock: Any, verb: str) -> None:
        cast(Any, super()).__init__(wait.interval)
        self._wait, self._clock, self._verb = wait, clock, verb
        self.held = True
        self.initial_status: int | None = None

    def initialize(self, client: Any, initial_response: Any, deserialization_callback: Any) -> None:
        self.initial_status = initial_response.http_response.status_code
        cast(Any, super()).initialize(client, initial_response, deserialization_callback)
        self._show()

    def finished(self) -> bool:
        return self.held or bool(cast(Any, super()).finished())

    def _show(self) -> None:
        if not cast(Any, super()).finished():
            self._wait.observe(self._verb)

    def _bound_request(self) -> None:
        self._operation_config.update(self._wait.request_options())

    def resource(self) -> Any:
        return cast(Any, super()).resource()


# -- steps ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """Call the operation group's method `name`; with `collect`, list the pager it returns."""

    name: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    collect: bool = False


@dataclass(frozen=True)
class Sleep:
    seconds: float


@dataclass(frozen=True)
class Poll:
    """Release the held polling method and run it to the end of the operation."""

    polling: Any


@dataclass(frozen=True)
class Finished:
    """What a shell's step loop yields last: the flow's result."""

    value: Any


Step = Call | Sleep | Poll | StateTransition[Any]
Flow = Generator[Step, Any, T]


@dataclass
class Helper:
    """One helper call: its wait, the resource's names and kind, and what the shell provides."""

    wait: Wait
    names: tuple[str, ...]
    new_polling: Callable[[str], BoundedPolling]  # the shell's polling method, for one operation
    models: Mapping[str, Any]  # the API version's models, by name

    def call(self, name: str, *args: Any, collect: bool = False, last_seen: Any = None, **kwargs: Any) -> Flow[Any]:
        """One request of the group's method `name`, bounded by what is left of the wait."""
        bounds = {
            key: min(seconds, kwargs[key]) if isinstance(kwargs.get(key), (int, float)) else seconds
            for key, seconds in self.wait.request_options().items()
        }  # a shorter timeout of the caller's own stays
        try:
            return (yield Call(name, args, {**kwargs, **bounds}, collect))
        except (ServiceRequestError, ServiceResponseError) as error:
            raise self._out_of_time(error, last_seen) from error

    def poll(self, poller: Any, polling: BoundedPolling, on_started: OnStarted | None) -> Flow[Any]:
        """Run an accepted long-running operation to its end; its errors carry its continuation token."""
        token = poller.continuation_token()
        if on_started is not None:
            on_started(token)
        try:
            yield Poll(polling)
        except AzureError as error:
            error.continuation_token = error.continuation_token or token
            if isinstance(error, (ServiceRequestError, ServiceResponseError)):
                raise self._out_of_time(error, None, token) from error
            raise
        return polling.resource()

    def _out_of_time(self, error: AzureError, last_seen: Any, token: str | None = None) -> AzureError:
        """A request that failed because the wait's deadline cut it short is the wait's timeout."""
        remaining = self.wait.remaining()
        return self.wait.timed_out(last_seen, token) if remaining is not None and remaining <= 0 else error

    def read(self, **kwargs: Any) -> Flow[tuple[Any, float | None]]:
        """GET the resource, with the delay the response asks for (Retry-After), if any."""

        def with_retry_after(response: Any, resource: Any, _headers: Any) -> tuple[Any, float | None]:
            return resource, retry_after_seconds(response.http_response.headers)

        return (yield from self.call("get", *self.names, cls=with_retry_after, **kwargs))

    def find(self, *, only_missing: bool = False) -> Flow[Any]:
        """The resource, or None if it is not there (or, unless `only_missing`, cannot be read)."""
        try:
            return (yield from self.call("get", *self.names))
        except ResourceNotFoundError:
            return None
        except HttpResponseError:
            if only_missing:
                raise
            return None

    def provisioning_error(self, resource: Any, cause: HttpResponseError | None) -> ProvisioningFailedError:
        """The typed error for a resource that failed to provision, with the best errors available."""
        errors = list(getattr(resource, "errors", None) or [])
        if not errors and cause is not None and cause.error is not None and cause.error.code:
            # deserialized, not constructed: 2018-05-01's BatchAIError has read-only code and message
            errors = [
                self.models["BatchAIError"].deserialize({"code": cause.error.code, "message": cause.error.message})
            ]
        message = f"{self.wait.subject} failed to provision" + (f": {reasons(errors)}" if errors else "")
        return ProvisioningFailedError(message, resource=resource, errors=errors, cause=cause)


class PathCall:
    """How a generated method takes its arguments: the resource's names (its `str` positional
    parameters, the API path's), then the body if it has one, then keywords (`**kwargs`).

    A helper made from a generated method takes the same arguments in the same order, so on every
    API version it takes the names exactly where the generated methods do.
    """

    def __init__(self, method: Callable[..., Any]) -> None:
        self.signature = inspect.signature(method)
        parameters = list(self.signature.parameters.values())[1:]  # without self
        positional = [each for each in parameters if each.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
        self.names = [each.name for each in positional if each.annotation in ("str", str)]
        self.body = [each.name for each in positional if each.name not in self.names]
        self.keywords = next(each.name for each in parameters if each.kind is inspect.Parameter.VAR_KEYWORD)

    def split(
        self, group: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[dict[str, Any], tuple[Any, ...], dict[str, Any]]:
        """A call's names (by parameter name), body and keywords; TypeError as for the generated method."""
        bound = self.signature.bind(group, *args, **kwargs)
        names = {name: bound.arguments[name] for name in self.names}
        return names, tuple(bound.arguments[name] for name in self.body), dict(bound.arguments.get(self.keywords, {}))


@dataclass
class Binding:
    """A helper of an operation group: the generated method whose arguments it takes, and its flow."""

    call: PathCall
    flow: Callable[..., Flow[Any]]

    def precheck(self, group: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """`run` checks the definition as `begin_create` does, before it even looks for an existing job."""
        check = getattr(type(group).begin_create, "check", None) if self.flow is run else None
        return kwargs if check is None else {**check(group, args, kwargs), "validate": False}

    def prepare(
        self, group: Any, args: tuple[Any, ...], kwargs: dict[str, Any], default_clock: Callable[[], Any], polling: type
    ) -> tuple[Helper, Any, OnTransition | None, Flow[Any]]:
        """Start one call of the helper: its Helper (the wait starts now), clock, on_transition and flow."""
        names, body, options = self.call.split(group, args, kwargs)
        on_transition = options.pop("on_transition", None)
        clock = options.pop("clock", None) or default_clock()
        interval = options.pop("polling_interval", None)
        wait = Wait(
            f"{group._kind} '{list(names.values())[-1]}'",
            now=clock.now,
            interval=group._config.polling_interval if interval is None else interval,
            timeout=options.pop("timeout", None),
            progress=options.pop("progress", False),
        )
        helper = Helper(
            wait, tuple(names.values()), lambda verb: polling(wait, clock, verb), group._deserialize.dependencies
        )
        return helper, clock, on_transition, self.flow(helper, *body, **options)


# -- the flows ------------------------------------------------------------------------------------


def provisioning_failed(resource: Any) -> bool:
    return str(getattr(resource, "provisioning_state", None) or "").lower() == "failed"


def is_failed(job: Any) -> bool:
    return str(job.execution_state or "").lower() == "failed"


def check_job_succeeded(job: T, output_files: list[Any] | None = None) -> T:
    if is_failed(job):
        raise JobFailedError(job, output_files)
    return job


def create(
    helper: Helper,
    *body: Any,
    continuation_token: str | None = None,
    on_started: OnStarted | None = None,
    **kwargs: Any,
) -> Flow[Any]:
    """Create the resource and wait until it is provisioned; return it.

    :raises ProvisioningFailedError: provisioningState ended `failed`; `errors` are the resource's
        (a cluster's) or the operation's.
    :raises WaitTimeoutError: not provisioned within `timeout`; carries `continuation_token`.
    """
    polling = helper.new_polling("creating")
    try:
        poller = yield from helper.call(
            "begin_create", *helper.names, *body, polling=polling, continuation_token=continuation_token, **kwargs
        )
        resource = yield from helper.poll(poller, polling, on_started)
    except HttpResponseError as error:
        if not (isinstance(error.inner_exception, OperationFailed) or isinstance(error.__cause__, OperationFailed)):
            raise  # a request the service refused, not an operation that failed
        raise helper.provisioning_error((yield from helper.find()), error) from error
    if provisioning_failed(resource):
        raise helper.provisioning_error(resource, None)
    helper.wait.observe("created")
    return resource


def delete(
    helper: Helper,
    *,
    missing_ok: bool = False,
    continuation_token: str | None = None,
    on_started: OnStarted | None = None,
    **kwargs: Any,
) -> Flow[None]:
    """Delete the resource and wait until it is gone.

    ARM answers the DELETE of what is not there with 204 (some providers with 404): with
    `missing_ok` that is success, else `ResourceNotFoundError`. One DELETE either way, no GET.

    :keyword missing_ok: True to succeed when the resource is not there.
    """
    polling = helper.new_polling("deleting")
    try:
        poller = yield from helper.call(
            "begin_delete", *helper.names, polling=polling, continuation_token=continuation_token, **kwargs
        )
    except ResourceNotFoundError:
        if not missing_ok:
            raise
        poller = None
    if poller is None or polling.initial_status == 204:
        if not missing_ok:
            raise ResourceNotFoundError(f"{helper.wait.subject} was not found in resource group '{helper.names[0]}'")
        helper.wait.observe("already gone")
        return
    yield from helper.poll(poller, polling, on_started)
    helper.wait.observe("deleted")


def terminate(
    helper: Helper, *, continuation_token: str | None = None, on_started: OnStarted | None = None, **kwargs: Any
) -> Flow[Any]:
    """Terminate a job and wait until it has stopped; return the final Job (no error raised).

    A terminated job ends `failed` (no API version has a separate terminated state), with the
    service's reason in `execution_info.errors`.
    """
    polling = helper.new_polling("terminating")
    poller = yield from helper.call(
        "begin_terminate", *helper.names, polling=polling, continuation_token=continuation_token, **kwargs
    )
    yield from helper.poll(poller, polling, on_started)
    return (yield from follow(helper))


def follow(helper: Helper, first: Any = None, **kwargs: Any) -> Flow[Any]:
    """Yield a `StateTransition` each time the job's executionState changes, up to its final state.

    Ends after the final state (`succeeded` or `failed`, without raising for `failed`); raises
    WaitTimeoutError after `timeout`. Other keywords go to each `get`.
    """
    previous: str | None = None
    job, retry_after = (first, None) if first is not None else (yield from helper.read(**kwargs))
    while True:
        if provisioning_failed(job):
            raise helper.provisioning_error(job, None)
        state = str(job.execution_state or "unknown")
        helper.wait.observe(state)
        if state != previous:
            yield StateTransition(previous, state, job, helper.wait.elapsed())
            previous = state
        if str(state).lower() in TERMINAL_EXECUTION_STATES:
            return job
        yield Sleep(helper.wait.bounded(helper.wait.requested(retry_after), last_seen=job))
        job, retry_after = yield from helper.read(last_seen=job, **kwargs)


def wait_for_completion(helper: Helper, **kwargs: Any) -> Flow[Any]:
    """Follow an existing job's executionState until it succeeds or fails; return the final Job.

    Works on any job by name, so a process that died while waiting re-attaches by calling it
    again: nothing is created. The ARM create can succeed while the job fails: only this wait
    tells. Other keywords go to each `get`.

    :keyword on_transition: Called with a `StateTransition` each time executionState changes
        (the first state seen included).
    :raises JobFailedError: the job ended `failed`; carries `exit_code`, `errors` and `job`.
    :raises WaitTimeoutError: still running after `timeout`; `last_seen` is the last Job read.
    :raises ProvisioningFailedError: the job's provisioningState is `failed`.
    """
    return check_job_succeeded((yield from follow(helper, **kwargs)))


def run(
    helper: Helper,
    parameters: Any,
    *,
    continuation_token: str | None = None,
    on_started: OnStarted | None = None,
    attach: bool = True,
    output_directory_id: str = STDOUTERR,
    **kwargs: Any,
) -> Flow[JobRun[Any, Any]]:
    """Create a job, wait until it finishes, and list its stdout/stderr files: one call, one timeout.

    Re-running after a crash re-attaches: with `attach` (the default) a job that already
    exists under its name is followed, not created again, whatever its definition (a job's
    name identifies the run; pick a new name for a new run). `attach=False` always sends the
    PUT: ARM accepts an identical definition again and answers ResourceExistsError (409) to a
    different one. With `continuation_token` the create is resumed instead. Other keywords go to
    `begin_create` (e.g. `validate=False`).

    :keyword on_transition: Called with a `StateTransition` each time executionState changes.
    :keyword output_directory_id: The output directory to list (default `stdouterr`).
    :raises JobFailedError: the job failed; its `output_files` lists the stdout/stderr files.
    """
    existing = (yield from helper.find(only_missing=True)) if attach and not continuation_token else None
    job = existing or (
        yield from create(helper, parameters, continuation_token=continuation_token, on_started=on_started, **kwargs)
    )
    job = yield from follow(helper, job)
    options = helper.models["JobsListOutputFilesOptions"](outputdirectoryid=output_directory_id)
    try:
        files = yield from helper.call("list_output_files", *helper.names, options, collect=True)
    except HttpResponseError:
        if not is_failed(job):
            raise
        files = None  # a failed job's listing is a courtesy: its error is JobFailedError
    return JobRun(check_job_succeeded(job, files), files or [], attached=existing is not None)


# -- documentation --------------------------------------------------------------------------------

WAIT_KEYWORDS = """
:keyword timeout: Seconds after which to give up with `WaitTimeoutError` (None: no limit); it
    bounds each request too.
:keyword polling_interval: Seconds between polls when the service sends no Retry-After
    (default: the client's `polling_interval`).
:keyword progress: True to show a progress line on stderr, or a text stream to show it on.
:keyword clock: Where the wait reads the time and sleeps: an object with `now()` and
    `sleep(seconds)` (async: `await sleep(seconds)`); for tests and simulations.
"""
LRO_KEYWORDS = """:keyword continuation_token: Resume the wait of an earlier call (the token of `on_started`
    or of a `WaitTimeoutError`) instead of sending the request again.
:keyword on_started: Called with the operation's continuation token once the service has
    accepted the request: keep it to resume after a crash.
"""
_Function = TypeVar("_Function", bound=Callable[..., Any])


def describe(function: _Function, name: str, binding: Binding, summary: str | None = None) -> _Function:
    """Name a helper, give it the generated method's parameters and its flow's docstring (or
    `summary` and the flow's details), and the keywords every waiting helper takes."""
    text = inspect.cleandoc(binding.flow.__doc__ or "")
    if summary is not None:
        text = summary + text[text.index("\n") :] if "\n" in text else summary
    lro = binding.flow in (create, delete, terminate, run)
    function.__doc__ = text.rstrip() + "\n" + WAIT_KEYWORDS + (LRO_KEYWORDS if lro else "")
    function.__name__ = function.__qualname__ = name
    setattr(function, "__signature__", _signature(binding))  # noqa: B010
    return function


def _signature(binding: Binding) -> inspect.Signature:
    """The generated method's parameters and the helper's keywords, for `help()` and editors."""
    *leading, keywords = binding.call.signature.parameters.values()
    own = [each for each in inspect.signature(binding.flow).parameters.values() if each.kind is each.KEYWORD_ONLY]
    follows = [("on_transition", None)] if binding.flow in (wait_for_completion, run) else []
    defaults = [("timeout", None), ("polling_interval", None), ("progress", False), ("clock", None), *follows]
    own = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=value) for name, value in defaults] + own
    return inspect.Signature([*leading, *own, keywords])
