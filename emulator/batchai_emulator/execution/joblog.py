"""execution.log: the emulator's own account of what it did for a job, next to stdout.txt and stderr.txt."""

from __future__ import annotations

import contextlib
from datetime import datetime, timezone
from pathlib import Path


class OutputWriteError(Exception):
    """The job's output could not be written (disk full, permissions); the job fails with this message."""


class ExecutionLog:
    """Appends timestamped lines; a failed write raises OutputWriteError. Never given a secret value."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._file = open(path, "a", encoding="utf-8")  # noqa: SIM115 (closed by close())
        except OSError as error:
            raise OutputWriteError(f"Could not write {path}: {error.strerror or error}") from error

    def write(self, message: str) -> None:
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        try:
            self._file.write(f"{stamp} {message}\n")
            self._file.flush()
        except OSError as error:
            raise OutputWriteError(f"Could not write {self.path}: {error.strerror or error}") from error

    def close(self) -> None:
        with contextlib.suppress(OSError):  # a failure was already reported by write()
            self._file.close()
