"""Starting a job's processes, and stopping all of them: nothing a job started may outlive it.

Each process starts in a session of its own (its own process group) and carries a tag in its environment,
which every descendant inherits. Stopping a job signals its process groups and, on Linux, every process whose
environment carries the job's tag: that also finds descendants that left the group (``setsid``, daemons).
SIGTERM first, SIGKILL after a grace period; every wait is bounded.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

TAG_VARIABLE = "BATCHAI_EMULATOR_PROCESS_TAG"
_PROC = Path("/proc")
_KILL_ROUNDS = 50


class LaunchError(Exception):
    """A process could not be started at all; the job fails with this reason."""


@dataclass
class Started:
    popen: subprocess.Popen
    required: bool

    @property
    def pid(self) -> int:
        return self.popen.pid


class ProcessSet:
    """The processes of one job (one tag), started and stopped as a whole."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.started: list[Started] = []
        self._since = max(0, clock_ticks_now() - 2)  # processes of this job start after this (2 ticks of margin)

    def start(
        self, argv: list[str], cwd: Path, env: dict[str, str], stdout: Path, stderr: Path, required: bool = True
    ) -> Started:
        """Start ``argv`` with its output appended to files (never pipes: a chatty job cannot block on us)."""
        env = {**env, TAG_VARIABLE: self.tag}
        try:
            with open(stdout, "ab") as out, open(stderr, "ab") as err:
                popen = subprocess.Popen(
                    argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True
                )
        except OSError as error:
            raise LaunchError(f"Could not start {argv[0]}: {error.strerror or error}") from error
        started = Started(popen, required)
        self.started.append(started)
        return started

    def running(self) -> list[Started]:
        return [process for process in self.started if process.popen.poll() is None]

    def stop(self, grace: float) -> None:
        """SIGTERM everything of this job, SIGKILL what is left after ``grace`` seconds, reap what we started."""
        if self._signal(signal.SIGTERM):
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline:
                self._reap(0.0)
                if not self._members():
                    break
                time.sleep(0.02)
            # a process may fork between a scan and the kill: kill until a scan finds nothing (bounded)
            for _ in range(_KILL_ROUNDS):
                if not self._signal(signal.SIGKILL):
                    break
                time.sleep(0.01)
        self._reap(1.0)

    def _members(self) -> list[int]:
        return live_processes(tag=self.tag, groups={process.pid for process in self.started}, since=self._since)

    def _signal(self, signum: int) -> bool:
        """Signal every process of this job; False when there was nothing left to signal."""
        members = self._members()
        if not _PROC.is_dir():  # without /proc, the groups are all we know: signal them whole
            for group in members:
                _quietly(os.killpg, group, signum)
        for pid in members:
            _quietly(os.kill, pid, signum)
        return bool(members)

    def _reap(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for process in self.started:
            remaining = max(0.0, deadline - time.monotonic())
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.popen.wait(timeout=remaining)


def _quietly(kill: Callable[[int, int], None], target: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        kill(target, signum)


def live_processes(
    tag: str | None = None, groups: set[int] | None = None, tag_prefix: str | None = None, since: int = 0
) -> list[int]:
    """Processes (not zombies) in ``groups``, or carrying ``tag`` (or a tag starting with ``tag_prefix``).

    ``since`` (clock ticks after boot) skips reading the environment of processes older than that: they
    cannot carry a tag given out later.
    """
    if not _PROC.is_dir():
        return [group for group in groups or () if _group_alive(group)]
    found = []
    for pid, state, group, started in _proc_stats():
        if state == b"Z" or pid == os.getpid():
            continue
        in_group = bool(groups) and group in (groups or ())
        if in_group or ((tag or tag_prefix) and started >= since and _carries_tag(pid, tag, tag_prefix)):
            found.append(pid)
    return found


def clock_ticks_now() -> int:
    """Now, in the unit of a process's start time in /proc (clock ticks after boot); 0 without /proc."""
    try:
        uptime = float(_read(_PROC / "uptime").split()[0])
    except (OSError, ValueError, IndexError):
        return 0
    return int(uptime * os.sysconf("SC_CLK_TCK"))


def kill_tagged(tag_prefix: str) -> int:
    """SIGKILL every process left by an earlier run of this executor (after a crash); returns how many."""
    victims = live_processes(tag_prefix=tag_prefix)
    for pid in victims:
        _quietly(os.kill, pid, signal.SIGKILL)
    return len(victims)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _proc_stats() -> Iterator[tuple[int, bytes, int, int]]:
    """(pid, state, process group, start time) of every process, from /proc/<pid>/stat."""
    for name in os.listdir(_PROC):
        if not name.isdigit():
            continue
        try:
            data = _read(_PROC / name / "stat")
        except OSError:
            continue
        # the command name (field 2) may hold spaces and parentheses: split after its closing parenthesis
        fields = data[data.rfind(b")") + 2 :].split()
        if len(fields) >= 20:
            yield int(name), fields[0], int(fields[2]), int(fields[19])


def _read(path: Path) -> bytes:
    """One read of a small /proc file (os-level: this runs for every process on every scan)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        return os.read(descriptor, 65536)
    finally:
        os.close(descriptor)


def _carries_tag(pid: int, tag: str | None, tag_prefix: str | None) -> bool:
    try:
        environment = Path(_PROC, str(pid), "environ").read_bytes()  # may exceed one read's 64 KiB
    except OSError:
        return False
    marker = f"{TAG_VARIABLE}=".encode()
    for entry in environment.split(b"\0"):
        if entry.startswith(marker):
            value = entry[len(marker) :].decode(errors="replace")
            return value == tag if tag else value.startswith(tag_prefix or "\0")
    return False
