"""Measure the emulator as a user meets it: create-to-running latency and jobs completed per second.

    python tools/emulator_timing.py [--jobs 100] [--nodes 4] [--latency-samples 20]

Starts ``batchai-emulator`` (local executor, a temporary data directory) and drives it with the SDK over
HTTPS. Latency: a job's ``executionInfo.startTime`` minus its ``creationTime`` (both stamped by the
emulator), on an idle one-node cluster, and the same seen by a client that polls every 10 ms. Throughput:
``--jobs`` jobs running ``true`` on ``--nodes`` nodes, created by 8 clients at once; jobs per second from
the first create to the last job seen finished.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from batchai_emulator import EmulatorProcess, FakeCredential  # noqa: E402
from scenario import RESOURCE_GROUP, SUBSCRIPTION_ID, cluster_parameters, job_parameters  # noqa: E402

import batchai  # noqa: E402
from batchai import models  # noqa: E402

DEADLINE = 300.0


def client_for(emulator: EmulatorProcess) -> batchai.BatchAIManagementClient:
    return batchai.BatchAIManagementClient(
        FakeCredential("t"), SUBSCRIPTION_ID, base_url=emulator.base_url, connection_verify=emulator.ca_path,
        polling_interval=0.01,
    )  # fmt: skip


def trivial_job(cluster: str, command: str = "true") -> models.JobCreateParameters:
    parameters = job_parameters(cluster)
    parameters.custom_toolkit_settings = models.CustomToolkitSettings(command_line=command)
    return parameters


def wait(client: batchai.BatchAIManagementClient, name: str, states: tuple[str, ...]) -> models.Job:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        job = client.jobs.get(RESOURCE_GROUP, name)
        if job.execution_state in states:
            return job
        time.sleep(0.01)
    raise TimeoutError(name)


def idle_cluster(client: batchai.BatchAIManagementClient, name: str, nodes: int) -> None:
    client.clusters.begin_create(RESOURCE_GROUP, name, cluster_parameters(nodes)).result()
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        cluster = client.clusters.get(RESOURCE_GROUP, name)
        if cluster.allocation_state == "steady" and cluster.node_state_counts.idle_node_count == nodes:
            return
        time.sleep(0.05)
    raise TimeoutError(name)


def latency(emulator: EmulatorProcess, samples: int) -> dict[str, float]:
    with client_for(emulator) as client:
        idle_cluster(client, "latency", 1)
        server_side, client_side = [], []
        for index in range(samples):
            name = f"latency-{index}"
            started = time.monotonic()
            client.jobs.begin_create(RESOURCE_GROUP, name, trivial_job("latency", "sleep 0.2")).result()
            running = wait(client, name, ("running", "succeeded"))
            client_side.append(time.monotonic() - started)
            server_side.append((running.execution_info.start_time - running.creation_time).total_seconds())
            wait(client, name, ("succeeded", "failed"))
            time.sleep(0.3)  # the node is idle again: the emulator is idle
    return {
        "server_median_ms": statistics.median(server_side) * 1000,
        "server_max_ms": max(server_side) * 1000,
        "client_median_ms": statistics.median(client_side) * 1000,
    }


def throughput(emulator: EmulatorProcess, jobs: int, nodes: int) -> dict[str, float]:
    with client_for(emulator) as client:
        idle_cluster(client, "throughput", nodes)

        def create(index: int) -> None:
            with client_for(emulator) as own:
                own.jobs.begin_create(RESOURCE_GROUP, f"true-{index:04d}", trivial_job("throughput")).result()

        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(create, range(jobs)))
        created = time.monotonic() - started
        states = {}
        for index in range(jobs):
            states[index] = wait(client, f"true-{index:04d}", ("succeeded", "failed")).execution_state
        elapsed = time.monotonic() - started
    assert set(states.values()) == {"succeeded"}, states
    return {
        "jobs": jobs,
        "nodes": nodes,
        "seconds": elapsed,
        "jobs_per_second": jobs / elapsed,
        "create_seconds": created,
    }


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--jobs", type=int, default=100)
    arguments.add_argument("--nodes", type=int, default=4)
    arguments.add_argument("--latency-samples", type=int, default=20)
    args = arguments.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="emulator-timing-") as folder,
        EmulatorProcess(Path(folder) / "data", "--log-level", "warning") as emulator,
    ):
        measured = latency(emulator, args.latency_samples)
        print(
            f"create -> running on an idle emulator ({args.latency_samples} jobs): "
            f"median {measured['server_median_ms']:.0f} ms (max {measured['server_max_ms']:.0f} ms) between the "
            f"job's creationTime and startTime; {measured['client_median_ms']:.0f} ms median for a client "
            "from its PUT to a GET showing it running"
        )
        rate = throughput(emulator, args.jobs, args.nodes)
        print(
            f"{rate['jobs']} jobs `true` on {rate['nodes']} nodes, created by 8 clients at once: "
            f"{rate['seconds']:.1f} s, {rate['jobs_per_second']:.1f} jobs/s completed "
            f"(the creates alone: {rate['create_seconds']:.1f} s)"
        )


if __name__ == "__main__":
    main()
