"""Tunables of the local executor: timings of the emulated nodes, process handling, Docker."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExecutionSettings:
    """How the local executor behaves; the defaults suit a user's machine, tests shorten the timings."""

    # A node being added stays `preparing` this long (the cluster is `resizing` meanwhile), so that the
    # transition the service reported can be observed; 0 makes new nodes idle at once.
    node_prepare_seconds: float = 0.5
    # A node being removed stays `leaving` this long before it disappears.
    node_leave_seconds: float = 0.2
    # An auto-scale cluster gives back a node after it has been idle this long (never below minimumNodeCount).
    autoscale_idle_seconds: float = 2.0
    # On terminate: SIGTERM to the job's processes, then SIGKILL to whatever is left after this grace.
    kill_grace_seconds: float = 2.0
    # close() waits at most this long for threads to finish after the processes were stopped.
    close_join_seconds: float = 5.0
    # A job whose stdout/stderr files grow beyond this many bytes is stopped and failed (None: no limit).
    max_log_bytes: int | None = None
    # Docker: the client command, whether a job whose image cannot be run must fail instead of running on
    # the host, and how long a "docker info" probe may take and how long its answer is trusted.
    docker_command: str = "docker"
    require_docker: bool = False
    docker_probe_timeout_seconds: float = 10.0
    docker_probe_ttl_seconds: float = 30.0
    # The shell that runs command lines (the service ran them in bash).
    shell: str = "/bin/bash"
