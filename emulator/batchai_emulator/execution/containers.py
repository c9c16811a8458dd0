"""Running a job in its Docker image: is Docker reachable, and the docker commands that do it.

As on the service, the job preparation and the toolkit's processes run in the same container: the emulator
starts one container per job (``docker run --detach ... sleep infinity``), runs each command in it with
``docker exec`` and removes it at the end (``docker rm --force``), which also stops everything inside it.
The executor's folder (mount roots, storage, job folders) is mounted at the same path inside the container,
so every ``AZ_BATCHAI_*`` path means the same thing inside and outside. Variables reach the container by name
only (``-e NAME``, the value taken from the docker client's environment): secrets never appear in an argv.
"""

from __future__ import annotations

import subprocess
import threading
import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ContainerSpec:
    name: str
    image: str
    working_dir: str
    volumes: tuple[str, ...]  # host folders mounted at the same path in the container
    shm_size: str | None = None
    server_url: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)  # a secret: never in argv, reprs or logs


def image_of(properties: dict) -> dict | None:
    """The job's imageSourceRegistry when its containerSettings names an image, else None."""
    registry = (properties.get("containerSettings") or {}).get("imageSourceRegistry") or {}
    return registry if registry.get("image") else None


def container_spec(properties: dict, name: str, working_dir: str, volumes: tuple[str, ...]) -> ContainerSpec:
    registry = image_of(properties) or {}
    credentials = registry.get("credentials") or {}
    return ContainerSpec(
        name=name,
        image=registry["image"],
        working_dir=working_dir,
        volumes=volumes,
        shm_size=(properties.get("containerSettings") or {}).get("shmSize"),
        server_url=registry.get("serverUrl"),
        username=credentials.get("username"),
        password=credentials.get("password"),
    )


def login_argv(docker: str, spec: ContainerSpec) -> list[str] | None:
    """``docker login`` for a private registry (the password goes to its stdin), or None."""
    if not spec.username:
        return None
    argv = [docker, "login", "--username", spec.username, "--password-stdin"]
    return [*argv, spec.server_url] if spec.server_url else argv


def start_argv(docker: str, spec: ContainerSpec) -> list[str]:
    argv = [docker, "run", "--detach", "--name", spec.name, "--network", "host", "--workdir", spec.working_dir]
    for volume in spec.volumes:
        argv += ["--volume", f"{volume}:{volume}"]
    if spec.shm_size:
        argv += ["--shm-size", spec.shm_size]
    # the container only has to stay up: the job's commands come through docker exec
    return [*argv, "--entrypoint", "sleep", spec.image, "infinity"]


def exec_argv(docker: str, spec: ContainerSpec, variable_names: list[str], command: str, shell: str) -> list[str]:
    argv = [docker, "exec", "--workdir", spec.working_dir]
    for name in variable_names:
        argv += ["--env", name]
    return [*argv, spec.name, shell, "-c", command]


def remove_argv(docker: str, spec: ContainerSpec) -> list[str]:
    return [docker, "rm", "--force", spec.name]


def docker_login(docker: str, spec: ContainerSpec, timeout: float) -> str | None:
    """Log in to the image's private registry if it has credentials; returns why it failed, or None."""
    argv = login_argv(docker, spec)
    if argv is None:
        return None
    try:
        done = subprocess.run(argv, input=(spec.password or "").encode(), capture_output=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as error:
        return str(error)
    return None if done.returncode == 0 else done.stderr.decode(errors="replace").strip() or f"exit {done.returncode}"


def remove_container(docker: str, spec: ContainerSpec, timeout: float) -> str | None:
    """``docker rm --force``: stops whatever still runs in the container; returns why it failed, or None."""
    try:
        done = subprocess.run(remove_argv(docker, spec), capture_output=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as error:
        return str(error)
    return None if done.returncode == 0 else done.stderr.decode(errors="replace").strip()


class DockerProbe:
    """Whether ``docker info`` succeeds, asked at most once per ``ttl`` seconds."""

    def __init__(self, docker: str, timeout: float, ttl: float) -> None:
        self._docker, self._timeout, self._ttl = docker, timeout, ttl
        self._lock = threading.Lock()
        self._answer: tuple[float, bool, str] | None = None

    def reachable(self) -> tuple[bool, str]:
        """(reachable, reason when not)."""
        with self._lock:
            if self._answer is None or time.monotonic() - self._answer[0] > self._ttl:
                self._answer = (time.monotonic(), *self._ask())
            return self._answer[1], self._answer[2]

    def _ask(self) -> tuple[bool, str]:
        try:
            done = subprocess.run(
                [self._docker, "info"], capture_output=True, timeout=self._timeout, stdin=subprocess.DEVNULL
            )
        except FileNotFoundError:
            return False, f"the Docker client '{self._docker}' is not installed"
        except (OSError, subprocess.TimeoutExpired) as error:
            return False, f"'{self._docker} info' did not answer ({error})"
        if done.returncode == 0:
            return True, ""
        lines = [line for line in done.stderr.decode(errors="replace").splitlines() if line.strip()]
        return False, f"'{self._docker} info' failed: {lines[-1] if lines else f'exit code {done.returncode}'}"
