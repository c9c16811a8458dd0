"""The errors and warnings of the overlays, the same for every API version; exported from `batchai`.

Nothing here imports an API version: the models an error carries (a `Job`, `BatchAIError`s) are
those of the version the failing call used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from azure.core.exceptions import AzureError, HttpResponseError
from msrest.exceptions import ValidationError as MsrestValidationError

__all__ = [
    "JobDefinitionError",
    "JobDefinitionWarning",
    "JobFailedError",
    "Problem",
    "ProvisioningFailedError",
    "ValidationError",
    "WaitTimeoutError",
]


@dataclass(frozen=True)
class Problem:
    """One reason the service would reject a definition: where (`path` in the request body) and why."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ValidationError(ValueError, MsrestValidationError):
    """A definition the service would reject; `problems` lists every reason, `str()` one per line.

    It is also an `msrest.exceptions.ValidationError`, the error the generated client raised for a
    missing required property, so code written against the generated client still catches it.
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        self.rule = "batchai"  # what msrest's ValidationError carries: the rule and the first target
        self.target = self.problems[0].path if self.problems else ""
        self.inner_exception = None
        Exception.__init__(self, "\n".join(map(str, self.problems)))

    def __reduce__(self) -> tuple[type[ValidationError], tuple[list[Problem]]]:
        return type(self), (self.problems,)


class ProvisioningFailedError(HttpResponseError):
    """A job, cluster, file server, workspace or experiment ended with provisioningState `failed`.

    An `HttpResponseError`, as the plain `poller.result()` raised for a failed operation, so code
    catching that still works. `resource` is the resource as last read (None if it could not be
    read), `errors` the resource's own errors (a cluster's `errors`) or else the operation's error,
    as `BatchAIError` models; `error`, `status_code` and `response` are the failed operation's.
    """

    def __init__(
        self, message: str, *, resource: Any = None, errors: Sequence[Any] = (), cause: HttpResponseError | None = None
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

    def __init__(self, job: Any, output_files: list[Any] | None = None) -> None:
        info = job.execution_info
        self.job = job
        self.exit_code: int | None = info.exit_code if info else None
        self.errors: list[Any] = list(info.errors or []) if info else []
        self.output_files = output_files
        message = f"job '{job.name}' failed" + (
            f" with exit code {self.exit_code}" if self.exit_code is not None else ""
        )
        super().__init__(f"{message}: {reasons(self.errors)}" if self.errors else message)

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


class JobDefinitionError(ValueError):
    """A job file that cannot become a job definition; `problems` lists every reason, with its path."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = list(problems)
        super().__init__(f"{source}: " + "; ".join(self.problems))


class JobDefinitionWarning(UserWarning):
    """A job file has a key its API version does not know (ignored, as the service and the CLI did),
    or an argument that does not apply to its API version; `strict=True` makes it an error."""


# Shown, and pickled, under the names users import them by.
for _exported in (
    JobDefinitionError,
    JobDefinitionWarning,
    JobFailedError,
    Problem,
    ProvisioningFailedError,
    ValidationError,
    WaitTimeoutError,
):
    _exported.__module__ = "batchai"


def reasons(errors: Sequence[Any]) -> str:
    """The service's errors in one line: `code: message; code: message`."""
    return "; ".join(f"{error.code}: {error.message}" for error in errors)
