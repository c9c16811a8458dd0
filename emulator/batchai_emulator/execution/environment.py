"""A job's environment: the AZ_BATCHAI_* variables Batch AI documented, the job's variables and its secrets.

Secret values are kept apart from everything that is logged: callers log names, never values.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass, field

from .expansion import expand
from .layout import JobLayout

LOOPBACK = "127.0.0.1"  # every emulated node is this machine


class SecretUnavailable(Exception):
    """A secret cannot be resolved (a Key Vault reference); the job fails with this message."""


@dataclass(frozen=True)
class JobEnvironment:
    variables: dict[str, str]  # AZ_BATCHAI_* and the job's environmentVariables: may be logged
    secrets: dict[str, str] = field(repr=False)  # the job's secrets: values never logged

    def merged(self) -> dict[str, str]:
        return {**self.variables, **self.secrets}

    def names(self) -> list[str]:
        return sorted({*self.variables, *self.secrets})


def job_environment(layout: JobLayout, properties: dict, node_count: int) -> JobEnvironment:
    variables = dict(layout.variables)
    gpus = str(gpu_count())
    variables["AZ_BATCHAI_NUM_GPUS"] = gpus  # documented in the service's environment variable list
    variables["AZ_BATCHAI_NUM_GPUS_PER_NODE"] = gpus  # the name 2017-09-01-preview's spec gives
    # Azure Batch's list of a multi-node task's hosts, used by the service's MPI recipes
    variables["AZ_BATCH_HOST_LIST"] = ",".join([LOOPBACK] * node_count)
    for variable in properties.get("environmentVariables") or []:
        # references to the service's variables expand in user defined values too
        variables[variable["name"]] = expand(str(variable.get("value") or ""), layout.variables)
    secrets = {}
    for secret in properties.get("secrets") or []:
        if secret.get("value") is None and secret.get("valueSecretReference"):
            raise SecretUnavailable(
                f"The secret '{secret['name']}' refers to Azure Key Vault, which the emulator cannot reach; "
                "give the value itself."
            )
        secrets[secret["name"]] = str(secret.get("value") or "")
    return JobEnvironment(variables, secrets)


def host_file_text(node_count: int, process_count: int) -> str:
    """$AZ_BATCHAI_MPI_HOST_FILE: every node is this machine, with a slot for each process."""
    return f"localhost slots={max(node_count, process_count)}\n"


@functools.lru_cache(maxsize=1)
def gpu_count() -> int:
    """GPUs on this machine, as ``nvidia-smi -L`` lists them; 0 without NVIDIA's tools."""
    tool = shutil.which("nvidia-smi")
    if tool is None:
        return 0
    try:
        listing = subprocess.run([tool, "-L"], capture_output=True, timeout=10, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return 0
    return sum(1 for line in listing.stdout.decode(errors="replace").splitlines() if line.startswith("GPU "))
