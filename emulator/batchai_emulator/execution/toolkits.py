"""What a job's toolkit runs: the processes, their command lines and their per-process variables.

Every process runs its command line through the shell (the service ran command lines in bash), so that
``$AZ_BATCHAI_...`` references in arguments expand per process, as in the service's recipes (for example
``--task_index=$AZ_BATCHAI_TASK_INDEX``). Where the service started several processes through MPI
(``processCount``), the emulator starts that many independent local processes; they are not connected by an
MPI runtime (see docs/emulator-execution.md for what is emulated and how).
"""

from __future__ import annotations

import json
import shlex
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

from .expansion import expand

# The toolkit settings a job may carry (every API version), and the toolType the service reported for each.
TOOLKIT_SETTINGS = (
    ("customToolkitSettings", "custom"),
    ("cntkSettings", "cntk"),
    ("tensorFlowSettings", "tensorflow"),
    ("pyTorchSettings", "pytorch"),
    ("caffeSettings", "caffe"),
    ("caffe2Settings", "caffe2"),
    ("chainerSettings", "chainer"),
    ("horovodSettings", "horovod"),
    ("customMpiSettings", "mpi"),
)


class ToolkitError(Exception):
    """The toolkit cannot run here (a missing binary, no toolkit at all); the job fails with this message."""


@dataclass(frozen=True)
class Task:
    command: str  # a shell command line
    variables: dict[str, str] = field(default_factory=dict)  # this process's own environment variables
    log_name: str = ""  # "" writes stdout.txt/stderr.txt; "wk-0" writes stdout-wk-0.txt/stderr-wk-0.txt
    required: bool = True  # the job ends when every required task has ended (TensorFlow ps never end)


@dataclass(frozen=True)
class ToolkitPlan:
    tool: str
    tasks: list[Task]


@dataclass(frozen=True)
class PlanContext:
    node_count: int
    variables: dict[str, str]  # for expanding script and interpreter paths
    python: str  # the interpreter when the job names none
    which: Callable[[str], str | None]  # finds a binary the toolkit needs
    ports: Callable[[int], list[int]] = field(default=lambda count: free_ports(count))


def plan_toolkit(properties: dict, context: PlanContext) -> ToolkitPlan:
    for key, tool in TOOLKIT_SETTINGS:
        settings = properties.get(key)
        if settings is not None:
            return ToolkitPlan(tool, _PLANNERS[tool](settings, context))
    raise ToolkitError("The job names no toolkit settings, so there is nothing to run.")


def free_ports(count: int) -> list[int]:
    """Ports free on the loopback interface now, for distributed tasks that listen on each other."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


# -- one planner per toolkit ---------------------------------------------------------------------------------


def _custom(settings: dict, context: PlanContext) -> list[Task]:
    return [Task(settings.get("commandLine") or ":")]


def _custom_mpi(settings: dict, context: PlanContext) -> list[Task]:
    return _ranked(settings.get("commandLine") or ":", _process_count(settings, context))


def _python_script(settings: dict, context: PlanContext) -> list[Task]:
    return _ranked(
        _python_command(settings, context, settings.get("commandLineArgs")), _process_count(settings, context)
    )


def _pytorch(settings: dict, context: PlanContext) -> list[Task]:
    tasks = _python_script(settings, context)
    if len(tasks) == 1:
        return tasks
    # torch.distributed's env:// rendezvous, so that the local processes can form one process group
    port = context.ports(1)[0]
    world = {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "WORLD_SIZE": str(len(tasks))}
    return [
        Task(task.command, {**task.variables, **world, "RANK": str(rank), "LOCAL_RANK": str(rank)})
        for rank, task in enumerate(tasks)
    ]


def _caffe2(settings: dict, context: PlanContext) -> list[Task]:
    # one process per node, told its shard by AZ_BATCHAI_TASK_INDEX (the Caffe2 recipe passes it as --shard_id)
    return _ranked(_python_command(settings, context, settings.get("commandLineArgs")), context.node_count)


def _cntk(settings: dict, context: PlanContext) -> list[Task]:
    language = str(settings.get("languageType") or "").lower()
    if language == "brainscript" or (settings.get("configFilePath") and not settings.get("pythonScriptFilePath")):
        binary = _require(context, "cntk", "CNTK BrainScript jobs run the cntk executable")
        config = shlex.quote(expand(settings.get("configFilePath") or "", context.variables))
        command = f"{shlex.quote(binary)} configFile={config} {settings.get('commandLineArgs') or ''}".rstrip()
        return _ranked(command, _process_count(settings, context))
    return _python_script(settings, context)


def _caffe(settings: dict, context: PlanContext) -> list[Task]:
    if settings.get("configFilePath"):
        binary = _require(context, "caffe", "Caffe jobs with a configFilePath run the caffe executable")
        solver = shlex.quote(expand(settings["configFilePath"], context.variables))
        command = f"{shlex.quote(binary)} train --solver={solver} {settings.get('commandLineArgs') or ''}".rstrip()
        return _ranked(command, _process_count(settings, context))
    return _python_script(settings, context)


def _tensorflow(settings: dict, context: PlanContext) -> list[Task]:
    distributed = any(
        settings.get(key)
        for key in ("workerCount", "parameterServerCount", "workerCommandLineArgs", "parameterServerCommandLineArgs")
    )
    if not distributed:
        return [Task(_python_command(settings, context, settings.get("masterCommandLineArgs")))]
    workers = int(settings.get("workerCount") or context.node_count)
    servers = int(settings.get("parameterServerCount") or 1)
    ports = context.ports(workers + servers)
    cluster = {
        "ps": [f"127.0.0.1:{port}" for port in ports[workers:]],
        "worker": [f"127.0.0.1:{port}" for port in ports[:workers]],
    }
    hosts = {"AZ_BATCHAI_PS_HOSTS": ",".join(cluster["ps"]), "AZ_BATCHAI_WORKER_HOSTS": ",".join(cluster["worker"])}
    worker_args = settings.get("workerCommandLineArgs") or settings.get("masterCommandLineArgs")
    roles = [("worker", "wk", index, worker_args, True) for index in range(workers)]
    roles += [("ps", "ps", index, settings.get("parameterServerCommandLineArgs"), False) for index in range(servers)]
    tasks = []
    for role, short, index, arguments, required in roles:
        tf_config = {"cluster": cluster, "task": {"type": role, "index": index}, "environment": "cloud"}
        variables = {**hosts, "AZ_BATCHAI_TASK_INDEX": str(index), "TF_CONFIG": json.dumps(tf_config)}
        command = _python_command(settings, context, arguments)
        tasks.append(Task(command, variables, log_name=f"{short}-{index}", required=required))
    return tasks


_PLANNERS: dict[str, Callable[[dict, PlanContext], list[Task]]] = {
    "custom": _custom,
    "mpi": _custom_mpi,
    "cntk": _cntk,
    "tensorflow": _tensorflow,
    "pytorch": _pytorch,
    "caffe": _caffe,
    "caffe2": _caffe2,
    "chainer": _python_script,
    "horovod": _python_script,
}


# -- helpers -------------------------------------------------------------------------------------------------


def _process_count(settings: dict, context: PlanContext) -> int:
    """processCount, whose documented default is the job's nodeCount."""
    return max(1, int(settings.get("processCount") or context.node_count))


def _python_command(settings: dict, context: PlanContext, arguments: str | None) -> str:
    interpreter = settings.get("pythonInterpreterPath")
    interpreter = expand(interpreter, context.variables) if interpreter else context.python
    script = expand(settings.get("pythonScriptFilePath") or "", context.variables)
    command = f"{shlex.quote(interpreter)} {shlex.quote(script)}"
    return f"{command} {arguments}" if arguments else command


def _ranked(command: str, count: int) -> list[Task]:
    """``count`` copies of a command, each told its index as the service told distributed tasks theirs."""
    if count == 1:
        return [Task(command)]
    return [Task(command, {"AZ_BATCHAI_TASK_INDEX": str(rank)}) for rank in range(count)]


def _require(context: PlanContext, binary: str, why: str) -> str:
    found = context.which(binary)
    if not found:
        raise ToolkitError(f"{why}, and '{binary}' is not installed on this machine (not found on PATH).")
    return found
