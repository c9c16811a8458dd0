"""What the sync and async lifecycle helpers share: their errors and results, clocks, deadlines, progress.

Nothing here sends a request: `lifecycle` (sync) and `aio_lifecycle` (async) do, and both build
their waits, errors and progress lines from this module so that they behave alike.
"""

from __future__ import annotations

import asyncio
import email.utils
import inspect
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol, TextIO, TypeVar

from azure.core.exceptions import AzureError, HttpResponseError
from azure.core.polling.base_polling import OperationFailed

from batchai.v2018_03_01 import models as _models

TERMINAL_EXECUTION_STATES = frozenset({"succeeded", "failed"})
STDOUTERR = "stdouterr"  # the output directory id under which Batch AI keeps a job's stdout and stderr


# -- errors ---------------------------------------------------------------------------------


class ProvisioningFailedError(HttpResponseError):
    """A job, cluster or file server ended with provisioningState `failed`.

    An `HttpResponseError`, as the plain `poller.result()` raised for a failed operation, so code
    catching that still works. `resource` is the resource as last read (None if it could not be
    read), `errors` the resource's own errors (a cluster's `errors`) or else the operation's error,
    as `BatchAIError` models; `error`, `status_code` and `response` are the failed operation's.
    """

    def __init__(
        self,
        message: str,
        *,
        resource: Any = None,
        errors: Sequence[_models.BatchAIError] = (),
        cause: HttpResponseError | None = None,
    ) -> None:
        super().__init__(message=message)
        self.resource = resource
        self.errors = list(errors)
        if cause is not None:
            self.response, self.status_code, self.reason = cause.response, cause.status_code, cause.reason
            self.error = cause.error


class JobFailedError(AzureError):
    """A job finished with executionState `failed` (it ran, or was terminated, and did not succeed).

    `job` is the final Job, `exit_code` its exit code (None when it never ran to an exit, e.g.
    terminated), `errors` its `executionInfo.errors`, and `output_files` the files of its
    stdout/stderr directory when `jobs.run` raised it (None otherwise).
    """

    def __init__(self, job: _models.Job, output_files: list[_models.File] | None = None) -> None:
        info = job.execution_info
        self.job = job
        self.exit_code: int | None = info.exit_code if info else None
        self.errors: list[_models.BatchAIError] = list(info.errors or []) if info else []
        self.output_files = output_files
        super().__init__(_job_failure_message(job, self.exit_code, self.errors))

    def __reduce__(self) -> tuple[Any, ...]:  # picklable, e.g. across multiprocessing
        return type(self), (self.job, self.output_files)


class WaitTimeoutError(AzureError, TimeoutError):
    """A wait gave up at its `timeout` before the resource got where it was waited for.

    `last_seen` is the last Job a job execution wait read (None for the waits on a long-running
    operation, which read its status monitor, not the resource). `continuation_token` is set for
    those long-running operations: pass it back to the same helper to resume the wait without
    sending the request again. Nothing is cancelled on the service side.
    """

    def __init__(
        self, message: str, *, timeout: float, last_seen: Any = None, continuation_token: str | None = None
    ) -> None:
        super().__init__(message, continuation_token=continuation_token)
        self.timeout = timeout
        self.last_seen = last_seen

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild_timeout, (self.message, self.timeout, self.last_seen, self.continuation_token)


def _rebuild_timeout(message: str, timeout: float, last_seen: Any, token: str | None) -> WaitTimeoutError:
    return WaitTimeoutError(message, timeout=timeout, last_seen=last_seen, continuation_token=token)


def _job_failure_message(job: _models.Job, exit_code: int | None, errors: list[_models.BatchAIError]) -> str:
    message = f"job '{job.name}' failed"
    if exit_code is not None:
        message += f" with exit code {exit_code}"
    reasons = "; ".join(f"{error.code}: {error.message}" for error in errors)
    return f"{message}: {reasons}" if reasons else message


def operation_failed(error: HttpResponseError) -> bool:
    """True when the long-running operation itself ended Failed/Canceled (not a failed request)."""
    return isinstance(error.inner_exception, OperationFailed) or isinstance(error.__cause__, OperationFailed)


def provisioning_failed(resource: Any) -> bool:
    return str(getattr(resource, "provisioning_state", None) or "").lower() == "failed"


def provisioning_error(subject: str, resource: Any, cause: HttpResponseError | None) -> ProvisioningFailedError:
    """The typed error for a resource that failed to provision, with the best errors available."""
    errors = list(getattr(resource, "errors", None) or []) or _errors_of(cause)
    reasons = "; ".join(f"{error.code}: {error.message}" for error in errors)
    message = f"{subject} failed to provision" + (f": {reasons}" if reasons else "")
    return ProvisioningFailedError(message, resource=resource, errors=errors, cause=cause)


def _errors_of(cause: HttpResponseError | None) -> list[_models.BatchAIError]:
    error = cause.error if cause is not None else None
    if error is None or not error.code:
        return []
    return [_models.BatchAIError(code=error.code, message=error.message)]


def is_failed(job: _models.Job) -> bool:
    return str(job.execution_state or "").lower() == "failed"


def check_job_succeeded(job: _models.Job, output_files: list[_models.File] | None = None) -> _models.Job:
    if is_failed(job):
        raise JobFailedError(job, output_files)
    return job


def is_terminal(state: str | None) -> bool:
    return str(state or "").lower() in TERMINAL_EXECUTION_STATES


# -- results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StateTransition:
    """A job's executionState as a wait saw it change; the first one has `previous` None.

    `elapsed` is the seconds since the wait started, `job` the Job read with that state.
    """

    previous: str | None
    state: str
    job: _models.Job
    elapsed: float


@dataclass
class JobRun:
    """What `jobs.run` returns: the finished Job and the files of its stdout/stderr directory.

    `attached` is True when `run` found the job already there (a re-run after a crash) and
    followed it instead of creating it.
    """

    job: _models.Job
    output_files: list[_models.File] = field(default_factory=list)
    attached: bool = False


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


# -- one bounded wait -----------------------------------------------------------------------


class Wait:
    """One wait: when it started, when it must give up, how often it polls, and what it shows.

    A poll comes `retry_after` seconds after the previous one when the service sent a positive
    Retry-After (as azure-core's ARM polling does), else `interval` seconds; never after the
    deadline: the last sleep is cut short so that the last poll happens at the deadline, and the
    wait gives up after it.
    """

    def __init__(
        self,
        subject: str,
        *,
        now: Callable[[], float],
        interval: float,
        timeout: float | None,
        progress: bool | TextIO,
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
        stream = _progress_stream(progress)
        self._line = ProgressLine(stream, subject, self.elapsed) if stream is not None else None

    def elapsed(self) -> float:
        return self._now() - self.started

    def requested(self, retry_after: float | None) -> float:
        return retry_after if retry_after else self.interval

    def bounded(self, seconds: float, last_seen: Any = None) -> float:
        """`seconds`, cut to what is left before the deadline; WaitTimeoutError once it has passed."""
        if self.deadline is None:
            return seconds
        remaining = self.deadline - self._now()
        if remaining <= 0:
            raise self.timed_out(last_seen)
        return min(seconds, remaining)

    def timed_out(self, last_seen: Any = None) -> WaitTimeoutError:
        state = getattr(last_seen, "execution_state", None)
        still = f": it is still {state}" if state else ""
        message = f"gave up waiting for {self.subject} after {self.timeout:g} s{still}"
        return WaitTimeoutError(message, timeout=self.timeout or 0.0, last_seen=last_seen)

    def observe(self, state: str | None) -> None:
        if self._line is not None and state:
            self._line.show(str(state))

    def close(self) -> None:
        if self._line is not None:
            self._line.close()


def new_wait(
    kind: str,
    name: str,
    config: Any,
    timeout: float | None,
    polling_interval: float | None,
    progress: bool | TextIO,
    now: Callable[[], float],
) -> Wait:
    """The wait of one helper call on `kind` `name`; the interval defaults to the client's."""
    interval = config.polling_interval if polling_interval is None else polling_interval
    return Wait(subject(kind, name), now=now, interval=interval, timeout=timeout, progress=progress)


class ProgressLine:
    """A human-readable progress display: `job 'train-1': running (2:05)`.

    On a terminal the one line is rewritten in place at every poll; on anything else (a log
    file, CI output) a line is written per state change, without control characters.
    """

    def __init__(self, stream: TextIO, subject: str, elapsed: Callable[[], float]) -> None:
        self._stream = stream
        self._subject = subject
        self._elapsed = elapsed
        self._tty = _isatty(stream)
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


def _progress_stream(progress: bool | TextIO | None) -> TextIO | None:
    """`progress=True` shows on stderr, a stream shows there, False or None shows nothing."""
    if isinstance(progress, bool) or progress is None:
        return sys.stderr if progress else None
    return progress


def _isatty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


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
            return _seconds_until(value)
    return None


def _seconds_until(http_date: str) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(http_date)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def subject(kind: str, name: str) -> str:
    return f"{kind} '{name}'"


# -- the keywords every helper documents alike ------------------------------------------------

WAIT_KEYWORDS = """
:keyword timeout: Seconds after which to give up with `WaitTimeoutError` (None: no limit).
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

_Method = TypeVar("_Method", bound=Callable[..., Any])


def documented(*, lro: bool) -> Callable[[_Method], _Method]:
    """Append the keywords shared by the waiting helpers (and those of LRO waits) to a docstring."""

    def document(method: _Method) -> _Method:
        text = inspect.cleandoc(method.__doc__ or "").rstrip() + "\n" + WAIT_KEYWORDS + (LRO_KEYWORDS if lro else "")
        method.__doc__ = text
        return method

    return document
