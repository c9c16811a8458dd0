"""One job's run on this machine, in a thread of its own.

Set up (folders, mounts, output directories, environment, container), run the job preparation, run the
toolkit's processes, clean up (stop whatever is left, remove the container, take the job's volumes away),
then report one Outcome. Every wait is bounded by the job's wall clock limit and answers a stop request
within moments; whatever goes wrong fails this job, never the executor.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import os
import shutil
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import errors
from ._contract import JobSubmission
from .containers import (
    ContainerSpec,
    DockerProbe,
    container_spec,
    docker_login,
    exec_argv,
    image_of,
    remove_container,
    start_argv,
)
from .durations import max_wall_clock_seconds
from .environment import JobEnvironment, SecretUnavailable, host_file_text, job_environment
from .joblog import ExecutionLog, OutputWriteError
from .layout import JobLayout
from .mounts import MountError, link_mounts, unlink_mounts
from .processes import TAG_VARIABLE, LaunchError, ProcessSet, Started
from .settings import ExecutionSettings
from .toolkits import PlanContext, Task, ToolkitError, plan_toolkit

logger = logging.getLogger(__name__)

CONTAINER_SHELL = "/bin/bash"  # the service's images were Ubuntu based; its commands ran in bash
DOCKER_STEP_SECONDS = 60.0  # docker login and docker rm may take this long


class StopReason(enum.Enum):
    TERMINATE = "terminated by the user"
    REQUEUE = "preempted: the cluster was resized down (nodeDeallocationOption requeue), the job is requeued"
    PREEMPT = "preempted: the cluster was resized down (nodeDeallocationOption terminate)"
    CLUSTER_DELETED = "stopped: the cluster was deleted"
    DELETE = "stopped: the job was deleted"
    CLOSE = "stopped: the emulator is shutting down"


@dataclass(frozen=True)
class Outcome:
    state: str  # "succeeded" | "failed" | "queued" (requeued)
    exit_code: int | None = None
    errors: list[dict] = field(default_factory=list)
    stopped_by: StopReason | None = None  # the job did not end on its own: it was stopped for this reason


class JobFailure(Exception):
    def __init__(self, outcome: Outcome, note: str) -> None:
        super().__init__(note)
        self.outcome = outcome


@dataclass(frozen=True)
class RunnerContext:
    settings: ExecutionSettings
    execution_root: Path
    tag_prefix: str  # every process of this executor carries a tag starting with it
    shell: str
    probe: DockerProbe


@dataclass(frozen=True)
class Waited:
    exit_code: int | None = None
    failed_task: Task | None = None
    stopped: StopReason | None = None
    timed_out: bool = False
    too_large: bool = False


def exit_status(returncode: int) -> int:
    """A process's exit code as a shell reports it: death by signal N is 128 + N."""
    return returncode if returncode >= 0 else 128 - returncode


class JobRun:
    def __init__(
        self,
        job: JobSubmission,
        layout: JobLayout,
        node_count: int,
        nodes: list[str],
        context: RunnerContext,
        on_finished: Callable[[JobRun, Outcome], None],
    ) -> None:
        self.job, self.layout, self.node_count, self.nodes = job, layout, node_count, nodes
        self._context = context
        self._settings = context.settings
        self._on_finished = on_finished
        self._stop = threading.Event()
        self.stop_reason: StopReason | None = None
        self.processes = ProcessSet(f"{context.tag_prefix}{uuid.uuid4().hex}")
        self._container: ContainerSpec | None = None
        self._batch: list[Started] = []  # the processes started last: the job's main process is the first
        self._log: ExecutionLog | None = None
        self._thread = threading.Thread(target=self._main, name=f"batchai-job-{layout.job_dir.name}", daemon=True)

    # -- control, from any thread ------------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def request_stop(self, reason: StopReason) -> None:
        if self.stop_reason is None:
            self.stop_reason = reason
        self._stop.set()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    # -- the run -----------------------------------------------------------------------------------------

    def _main(self) -> None:
        try:
            outcome = self._execute()
        except Exception as error:  # a bug of ours: this job fails, the executor lives on
            logger.exception("job %s: unexpected error", self.job.job_id)
            outcome = Outcome("failed", errors=[errors.setup_failed("InternalError", f"Emulator error: {error}")])
        try:
            self._clean_up()
        except Exception:  # the job's verdict stands; its report must still be made
            logger.exception("job %s: clean-up failed", self.job.job_id)
        self._on_finished(self, outcome)

    def _execute(self) -> Outcome:
        try:
            deadline = time.monotonic() + max_wall_clock_seconds(self.job.properties)
            # volumes first: the stdouterr and output directories usually live on them
            notes = self._link_volumes()
            self._log = self._open_log()
            self._note(
                f"job {self.job.job_id} (api-version {self.job.api_version}) runs on cluster "
                f"{self.job.cluster_id}, nodes {', '.join(self.nodes)}"
            )
            for note in notes:
                self._note(note)
            self._create_folders()
            environment = job_environment(self.layout, self.job.properties, self.node_count)
            self._note_environment(environment)
            self._container = self._choose_container(deadline)
            preparation = (self.job.properties.get("jobPreparation") or {}).get("commandLine")
            if preparation:
                self._run_preparation(preparation, environment, deadline)
            return self._run_toolkit(environment, deadline)
        except JobFailure as failure:
            self._note(str(failure), quiet=True)
            return failure.outcome
        except (OSError, MountError) as error:
            return self._failed("JobSetupFailed", f"Could not set up the job's folders and volumes: {_reason(error)}")
        except OutputWriteError as error:
            return self._failed("OutputWriteFailed", str(error))
        except (ToolkitError, SecretUnavailable, ValueError) as error:
            return self._failed("JobSetupFailed", str(error))
        except LaunchError as error:
            return self._failed("CommandLaunchFailed", str(error))

    def _failed(self, code: str, message: str) -> Outcome:
        if self._log is None:
            with contextlib.suppress(JobFailure):  # the reason to fail stays the original one
                self._log = self._open_log()
        self._note(f"job failed: {message}", quiet=True)
        return Outcome("failed", errors=[errors.setup_failed(code, message)])

    # -- set up ------------------------------------------------------------------------------------------

    def _open_log(self) -> ExecutionLog:
        """execution.log in the stdouterr directory; if that cannot be made, in the job's folder, and fail."""
        try:
            self.layout.stdouterr.mkdir(parents=True, exist_ok=True)
            return ExecutionLog(self.layout.stdouterr / "execution.log")
        except (OSError, OutputWriteError) as error:
            message = f"Could not create the stdouterr directory {self.layout.stdouterr}: {_reason(error)}"
            try:
                self.layout.job_dir.mkdir(parents=True, exist_ok=True)
                self._log = ExecutionLog(self.layout.job_dir / "execution.log")
            except (OSError, OutputWriteError):
                pass
            raise JobFailure(
                Outcome("failed", errors=[errors.setup_failed("OutputWriteFailed", message)]), message
            ) from error

    def _link_volumes(self) -> list[str]:
        """Mount the cluster's and the job's volumes; returns what to say about them in execution.log."""
        layout, notes = self.layout, []
        for root, mounts in ((layout.mount_root, layout.cluster_mounts), (layout.job_mount_root, layout.job_mounts)):
            link_mounts(root, list(mounts))
            for mount in mounts:
                notes.append(f"mounted {mount.description} at {root / mount.relative_path} (folder {mount.storage})")
                if mount.note:
                    notes.append(f"  note: {mount.note}")
        return notes

    def _create_folders(self) -> None:
        for folder in (self.layout.working_dir, self.layout.shared_temp):
            folder.mkdir(parents=True, exist_ok=True)
        for directory_id, directory in self.layout.outputs.items():
            if directory.create:
                try:
                    directory.path.mkdir(parents=True, exist_ok=True)
                except OSError as error:
                    message = f"Could not create output directory {directory_id} at {directory.path}: {_reason(error)}"
                    outcome = Outcome("failed", errors=[errors.setup_failed("OutputWriteFailed", message)])
                    raise JobFailure(outcome, f"job failed: {message}") from error
            self._note(f"output directory {directory_id}: {directory.path}")

    def _note_environment(self, environment: JobEnvironment) -> None:
        user = [variable["name"] for variable in self.job.properties.get("environmentVariables") or []]
        self._note(f"environment: {', '.join(sorted(n for n in environment.variables if n.startswith('AZ_')))}")
        if user:
            self._note(f"job environment variables: {', '.join(user)}")
        if environment.secrets:
            self._note(f"secrets (values never logged): {', '.join(sorted(environment.secrets))}")

    def _choose_container(self, deadline: float) -> ContainerSpec | None:
        registry = image_of(self.job.properties)
        if registry is None:
            return None
        image = registry["image"]
        reachable, reason = self._context.probe.reachable()
        if not reachable:
            if self._settings.require_docker:
                message = f"The job's image {image} cannot run: Docker is not reachable ({reason})."
                raise JobFailure(
                    Outcome("failed", errors=[errors.setup_failed("ContainerUnavailable", message)]), message
                )
            self._note(
                f"containerSettings names the image {image}, but Docker is not reachable ({reason}): "
                "the job runs on this machine, not in the image"
            )
            return None
        name = f"batchai-{self.processes.tag.split(':')[-1][:24]}"
        spec = container_spec(self.job.properties, name, str(self.layout.working_dir), self._container_volumes())
        self._container = spec  # from here on, clean-up removes the container, even a half-started one
        self._start_container(spec, deadline)
        return spec

    def _container_volumes(self) -> tuple[str, ...]:
        """The executor's folder, and any folder of the job's outside it, mounted at the same path."""
        root = self._context.execution_root
        folders = [
            root,
            self.layout.stdouterr,
            *(d.path for d in self.layout.outputs.values()),
            *self.layout.inputs.values(),
        ]
        outside = [folder for folder in folders if folder != root and root not in folder.parents]
        return tuple(dict.fromkeys(str(folder) for folder in [root, *outside]))

    def _start_container(self, spec: ContainerSpec, deadline: float) -> None:
        docker = self._settings.docker_command
        if spec.username:
            self._note(f"docker login as {spec.username} to {spec.server_url or 'Docker Hub'}")
            if failure := docker_login(docker, spec, DOCKER_STEP_SECONDS):
                self._container_failed("docker login failed", failure)
        self._note(f"starting container {spec.name} from image {spec.image}: {' '.join(start_argv(docker, spec))}")
        output = self.layout.job_dir / "docker.log"
        argv = start_argv(docker, spec)
        started = self.processes.start(argv, self.layout.working_dir, dict(os.environ), output, output)
        self._batch = [started]
        waited = self._wait([started], [], deadline)
        self._raise_if_stopped(waited)
        if waited.exit_code != 0:
            self._container_failed(f"docker run exited with code {waited.exit_code}", _tail(output))

    def _container_failed(self, what: str, detail: str) -> None:
        message = f"The job's container could not start: {what}: {detail.strip()[-500:]}"
        raise JobFailure(Outcome("failed", errors=[errors.setup_failed("ContainerStartFailed", message)]), message)

    # -- running -----------------------------------------------------------------------------------------

    def _run_preparation(self, command: str, environment: JobEnvironment, deadline: float) -> None:
        task = Task(command, log_name="job_prep")  # stdout-job_prep.txt, stderr-job_prep.txt, as the service named them
        waited = self._run_tasks([task], environment, deadline)
        self._raise_if_stopped(waited)
        self._note(f"job preparation exited with code {waited.exit_code}")
        if waited.exit_code:
            reason = self._launch_reason(waited)
            error = errors.preparation_failed(reason)
            raise JobFailure(Outcome("failed", waited.exit_code, [error]), "job failed: the job preparation failed")

    def _run_toolkit(self, environment: JobEnvironment, deadline: float) -> Outcome:
        context = PlanContext(
            node_count=self.node_count,
            variables={**environment.variables, **self.layout.variables},
            python="python" if self._container else sys.executable,
            which=(lambda name: name) if self._container else shutil.which,
        )
        plan = plan_toolkit(self.job.properties, context)
        self.layout.host_file.write_text(host_file_text(self.node_count, len(plan.tasks)))
        self._note(f"toolkit {plan.tool}: {len(plan.tasks)} process(es)")
        waited = self._run_tasks(plan.tasks, environment, deadline)
        self._raise_if_stopped(waited)
        if waited.exit_code == 0:
            self._note("job succeeded")
            return Outcome("succeeded", 0)
        self._note(f"job failed: exit code {waited.exit_code}")
        return Outcome("failed", waited.exit_code, [errors.job_failed(self._launch_reason(waited))])

    def _run_tasks(self, tasks: list[Task], environment: JobEnvironment, deadline: float) -> Waited:
        started, logs = [], []
        for index, task in enumerate(tasks):
            suffix = f"-{task.log_name}" if task.log_name else ""
            stdout, stderr = (
                self.layout.stdouterr / f"stdout{suffix}.txt",
                self.layout.stdouterr / f"stderr{suffix}.txt",
            )
            logs += [stdout, stderr]
            argv, env = self._command(task, environment)
            name = task.log_name or (f"process {index}" if len(tasks) > 1 else "process")
            self._note(f"{name}: {task.command}")
            started.append(self.processes.start(argv, self.layout.working_dir, env, stdout, stderr, task.required))
        self._batch = started
        waited = self._wait(started, logs, deadline)
        if waited.failed_task is None and waited.exit_code:
            index = next(i for i, s in enumerate(started) if s.popen.returncode not in (None, 0))
            waited = Waited(exit_code=waited.exit_code, failed_task=tasks[index])
        return waited

    def _command(self, task: Task, environment: JobEnvironment) -> tuple[list[str], dict[str, str]]:
        variables = {**environment.merged(), **task.variables}
        if self._container is None:
            return [self._context.shell, "-c", task.command], {**os.environ, **variables}
        names = [*variables, TAG_VARIABLE]
        argv = exec_argv(self._settings.docker_command, self._container, names, task.command, CONTAINER_SHELL)
        return argv, {**os.environ, **variables}

    def _wait(self, started: list[Started], logs: list[Path], deadline: float) -> Waited:
        """Until every required process ended, one failed, a stop request, the deadline or too much output."""
        delay = 0.0005
        while True:
            codes = [process.popen.poll() for process in started]
            failed = next((code for code in codes if code not in (None, 0)), None)
            if failed is not None:
                return Waited(exit_code=exit_status(failed))
            if all(code is not None for process, code in zip(started, codes, strict=True) if process.required):
                return Waited(exit_code=0)
            if self._stop.is_set():
                return Waited(stopped=self.stop_reason)
            now = time.monotonic()
            if now >= deadline:
                return Waited(timed_out=True)
            # a few stat calls per poll: a flood of output is caught within one poll interval
            if self._settings.max_log_bytes is not None and any(_size(p) > self._settings.max_log_bytes for p in logs):
                return Waited(too_large=True)
            self._stop.wait(min(delay, max(0.0, deadline - now)))
            delay = min(delay * 2, 0.05)

    def _raise_if_stopped(self, waited: Waited) -> None:
        if waited.stopped is not None:
            self.processes.stop(self._settings.kill_grace_seconds)
            raise JobFailure(self._stopped_outcome(waited.stopped), f"job {waited.stopped.value}")
        if waited.timed_out:
            self.processes.stop(self._settings.kill_grace_seconds)
            limit = (self.job.properties.get("constraints") or {}).get("maxWallClockTime") or "P7D"
            raise JobFailure(
                Outcome("failed", self._main_exit_code(), [errors.wall_clock_exceeded(limit)]),
                f"job stopped: it ran longer than its maximum wall clock time {limit}",
            )
        if waited.too_large:
            self.processes.stop(self._settings.kill_grace_seconds)
            limit = self._settings.max_log_bytes or 0
            raise JobFailure(
                Outcome("failed", self._main_exit_code(), [errors.output_too_large(limit)]),
                f"job stopped: its output grew beyond {limit} bytes",
            )

    def _stopped_outcome(self, reason: StopReason) -> Outcome:
        exit_code = self._main_exit_code()
        if reason is StopReason.REQUEUE:
            return Outcome("queued", stopped_by=reason)
        error = {
            StopReason.TERMINATE: errors.terminated,
            StopReason.PREEMPT: errors.preempted,
            StopReason.CLUSTER_DELETED: errors.cluster_deleted,
        }.get(reason, errors.interrupted)()
        return Outcome("failed", exit_code, [error], stopped_by=reason)

    def _main_exit_code(self) -> int | None:
        code = self._batch[0].popen.returncode if self._batch else None
        return exit_status(code) if code is not None else None

    def _launch_reason(self, waited: Waited) -> str:
        """For 126/127 (the shell could not run the command): the shell's own words, from stderr."""
        if waited.exit_code not in (126, 127) or waited.failed_task is None:
            return ""
        suffix = f"-{waited.failed_task.log_name}" if waited.failed_task.log_name else ""
        return _tail(self.layout.stdouterr / f"stderr{suffix}.txt")

    # -- clean up ----------------------------------------------------------------------------------------

    def _clean_up(self) -> None:
        """Nothing of the job outlives it: processes, container, job volumes; bounded in time."""
        self.processes.stop(self._settings.kill_grace_seconds)
        container = self._container
        if container and (failure := remove_container(self._settings.docker_command, container, DOCKER_STEP_SECONDS)):
            self._note(f"could not remove container {container.name}: {failure}", quiet=True)
        try:
            unlink_mounts(self.layout.job_mount_root, list(self.layout.job_mounts))
        except OSError as error:
            self._note(f"could not take the job's volumes away: {_reason(error)}", quiet=True)
        if self.stop_reason in (StopReason.DELETE, StopReason.CLOSE):
            self._note(f"job {self.stop_reason.value}", quiet=True)
        if self._log is not None:
            self._log.close()

    def _note(self, message: str, quiet: bool = False) -> None:
        """A line in execution.log; ``quiet`` when the job is failing anyway and a write error must not mask why."""
        if self._log is None:
            return
        try:
            self._log.write(message)
        except OutputWriteError:
            if not quiet:
                raise


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror} ({error.filename})" if error.filename else error.strerror
    return str(error)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _tail(path: Path) -> str:
    """The last non-empty line of a (possibly huge) file."""
    try:
        with open(path, "rb") as file:
            file.seek(max(0, _size(path) - 4096))
            lines = [line for line in file.read().decode(errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return lines[-1].strip() if lines else ""
