"""Shared by run.py and harness.py: the timing loop, the benchmark inputs, and the results files.

Standard library only, and no SDK import at module level, so the unit tests can import it anywhere.
"""

from __future__ import annotations

import copy
import datetime
import gc
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parents[2]
GET_JOB_EXAMPLE = REPO / "spec" / "2018-03-01" / "examples" / "GetJob.json"
SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"
RESOURCE_GROUP = "bench_rg"

OURS = "ours"
MSREST_101 = "azure-mgmt-batchai"
AUTOREST = "autorest"
SIDE_LABELS = {
    OURS: "batchai (ours)",
    MSREST_101: "azure-mgmt-batchai 1.0.1",
    AUTOREST: "AutoRest legacy",
}


# -- timing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One timed batch: wall seconds, and CPU seconds of the process's other threads (the in-process emulator)."""

    wall: float
    other_cpu: float


def measure(action: Callable[[], object], *, number: int, repeat: int, warmup: int) -> list[Sample]:
    """Call ``action`` ``warmup`` times untimed, then time ``repeat`` batches of ``number`` calls each."""
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(repeat):
        gc.collect()
        cpu, own_cpu, started = time.process_time(), time.thread_time(), time.perf_counter()
        for _ in range(number):
            action()
        wall = time.perf_counter() - started
        other = (time.process_time() - cpu) - (time.thread_time() - own_cpu)
        samples.append(Sample(wall, max(other, 0.0)))
    return samples


def summarize(samples: list[Sample], number: int) -> dict[str, Any]:
    """Median and min of the batch times (ms), the median per call (µs), and how much of it the server took.

    ``server_cpu_share`` is the other threads' CPU time over wall time (median over batches), and
    ``excl_server_ms`` the median of wall minus that CPU time: the client's part, kernel and waits included.
    """
    walls = [sample.wall for sample in samples]
    median = statistics.median(walls)
    return {
        "median_ms": round(median * 1e3, 3),
        "min_ms": round(min(walls) * 1e3, 3),
        "per_call_us": round(median / number * 1e6, 1),
        "repeat": len(samples),
        "server_cpu_share": round(statistics.median(s.other_cpu / s.wall for s in samples), 3),
        "excl_server_ms": round(statistics.median(s.wall - s.other_cpu for s in samples) * 1e3, 3),
    }


def ratio(ours: dict[str, Any] | None, reference: dict[str, Any] | None, key: str = "median_ms") -> float | None:
    """ours / reference of ``key`` (the medians); None when either side has no result."""
    if not ours or not reference or not ours.get(key) or not reference.get(key):
        return None
    return round(ours[key] / reference[key], 2)


# -- inputs ---------------------------------------------------------------------------------


def job_list_page(count: int = 100) -> bytes:
    """A JobListResult page: GetJob.json's 200 body ``count`` times under different names, plus a nextLink."""
    example = json.loads(GET_JOB_EXAMPLE.read_text(encoding="utf-8"))["responses"]["200"]["body"]
    prefix = example["id"].rsplit("/", 1)[0]
    jobs = []
    for index in range(count):
        job = copy.deepcopy(example)
        job["name"] = f"job-{index:03d}"
        job["id"] = f"{prefix}/{job['name']}"
        jobs.append(job)
    next_link = f"https://management.azure.com{prefix}?api-version=2018-03-01&$skiptoken={count}"
    return json.dumps({"value": jobs, "nextLink": next_link}).encode("utf-8")


def resource_id(kind: str, name: str) -> str:
    return f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{RESOURCE_GROUP}/providers/Microsoft.BatchAI/{kind}/{name}"


def job_definition(models: ModuleType, cluster: str = "bench-cluster") -> Any:
    """A rich JobCreateParameters; the three packages share these model and keyword names (2018-03-01, flattened)."""
    storage = models.AzureStorageCredentialsInfo(account_key="c2VjcmV0LWtleQ==")
    return models.JobCreateParameters(
        location="eastus",
        tags={"team": "vision", "run": "nightly"},
        experiment_name="resnet50",
        priority=1,
        cluster=models.ResourceId(id=resource_id("clusters", cluster)),
        node_count=2,
        mount_volumes=models.MountVolumes(
            azure_file_shares=[
                models.AzureFileShareReference(
                    account_name="benchstore",
                    azure_file_url="https://benchstore.file.core.windows.net/data",
                    credentials=storage,
                    relative_mount_path="afs",
                    file_mode="0777",
                    directory_mode="0777",
                )
            ],
            azure_blob_file_systems=[
                models.AzureBlobFileSystemReference(
                    account_name="benchstore",
                    container_name="datasets",
                    credentials=storage,
                    relative_mount_path="bfs",
                    mount_options="-o allow_other",
                )
            ],
            file_servers=[
                models.FileServerReference(
                    file_server=models.ResourceId(id=resource_id("fileservers", "nfs")),
                    relative_mount_path="nfs",
                    source_directory="/data",
                    mount_options="rw",
                )
            ],
            unmanaged_file_systems=[
                models.UnmanagedFileSystemReference(
                    mount_command="mount -t nfs 10.0.0.4:/exports /mnt", relative_mount_path="unmanaged"
                )
            ],
        ),
        container_settings=models.ContainerSettings(
            image_source_registry=models.ImageSourceRegistry(
                image="tensorflow/tensorflow:1.8.0-gpu",
                server_url="https://registry.example.com",
                credentials=models.PrivateRegistryCredentials(username="bench", password="p4ssw0rd"),
            )
        ),
        tensor_flow_settings=models.TensorFlowSettings(
            python_script_file_path="$AZ_BATCHAI_JOB_MOUNT_ROOT/afs/train.py",
            master_command_line_args="--epochs 10",
            worker_command_line_args="--epochs 10",
            parameter_server_command_line_args="--ps",
            worker_count=2,
            parameter_server_count=1,
        ),
        job_preparation=models.JobPreparation(command_line="pip install -r requirements.txt"),
        std_out_err_path_prefix="$AZ_BATCHAI_JOB_MOUNT_ROOT/afs",
        input_directories=[
            models.InputDirectory(id=f"INPUT{index}", path=f"$AZ_BATCHAI_JOB_MOUNT_ROOT/bfs/in{index}")
            for index in range(3)
        ],
        output_directories=[
            models.OutputDirectory(
                id="MODEL",
                path_prefix="$AZ_BATCHAI_JOB_MOUNT_ROOT/afs",
                path_suffix="models",
                type="custom",
                create_new=True,
            )
        ],
        environment_variables=[
            models.EnvironmentVariable(name=f"VAR_{index}", value=str(index)) for index in range(10)
        ],
        secrets=[models.EnvironmentVariableWithSecretValue(name="API_TOKEN", value="t0ken")],
        constraints=models.JobBasePropertiesConstraints(max_wall_clock_time=datetime.timedelta(days=7)),
    )


# -- results files -------------------------------------------------------------------------------


def _cell(result: dict[str, Any] | None) -> str:
    return f"{result['median_ms']:,.1f} ({result['min_ms']:,.1f})" if result else "–"


def _share(result: dict[str, Any] | None) -> str:
    share = (result or {}).get("server_cpu_share")
    return f"{share:.0%}" if share else "–"


def _ratio(value: float | None) -> str:
    return "skipped" if value is None else f"{value:.2f}"


def render_markdown(results: dict[str, Any]) -> str:
    """The readable results.md: one table row per benchmark, ratio = ours median / reference median."""
    machine = results["machine"]
    lines = [
        "# Benchmarks: batchai (ours) against the reference SDKs",
        "",
        f"Written by `{results['command']}` on {results['date']} at commit {results['commit']}. "
        "Times are milliseconds per batch, median (min); the ratio is ours / reference of the medians, "
        "so below 1 means ours is faster. Rows d-f also give the ratio without the in-process server's CPU time.",
        "",
        "| | benchmark | batch | ours ms | reference | reference ms | ours / ref "
        "| excl. server | server CPU ours / ref |",
        "|---|---|---|---:|---|---:|---:|---:|---:|",
    ]
    notes = []
    for row in results["rows"]:
        ours, reference = row["results"].get(OURS), row["results"].get(row["reference"])
        client_row = row["ratio_excl_server"] is not None
        lines.append(
            f"| {row['id']} | {row['title']} | {row['batch']} | {_cell(ours)} | {SIDE_LABELS[row['reference']]} "
            f"| {_cell(reference)} | **{_ratio(row['ratio'])}** | {_ratio(row['ratio_excl_server']) if client_row else ''} "
            f"| {f'{_share(ours)} / {_share(reference)}' if client_row else ''} |"
        )
        notes += [f"- {row['id']}: {SIDE_LABELS[side]} skipped: {why}" for side, why in sorted(row["skipped"].items())]
        if row["same_output"] is False:
            notes.append(f"- {row['id']}: the sides' outputs differ: {row['checks']}")
    extra = [row for row in results["rows"] if AUTOREST in row["results"] and row["reference"] != AUTOREST]
    if extra:
        lines += [
            "",
            "For information, AutoRest's legacy models on the model rows:",
            "",
            "| | benchmark | AutoRest ms | ours / AutoRest |",
            "|---|---|---:|---:|",
        ]
        for row in extra:
            other = row["results"][AUTOREST]
            lines.append(
                f"| {row['id']} | {row['title']} | {_cell(other)} | {_ratio(ratio(row['results'][OURS], other))} |"
            )
    if notes:
        lines += ["", "Skipped or differing:", "", *notes]
    lines += ["", "Method:", "", *(f"- {item}" for item in results["method"])]
    lines += [f"- Serializer of {SIDE_LABELS[side]}: `{name}`" for side, name in results["serializers"].items()]
    lines += [
        "",
        "Machine:",
        "",
        f"- Python {machine['python']} ({machine['implementation']}) on {machine['platform']}",
        f"- CPUs: {machine['cpu_count']} ({machine['cpu_model']})",
        "- Packages: " + ", ".join(f"{name} {version}" for name, version in machine["packages"].items()),
        "- AutoRest toolchain: " + ", ".join(f"{name} {version}" for name, version in machine["autorest"].items()),
        f"- run.py wall time: {results['run_seconds']:.0f} s",
        "",
    ]
    return "\n".join(lines)


def dump_json(results: dict[str, Any]) -> str:
    """results.json: sorted keys and a trailing newline, so two runs differ only in their numbers."""
    return json.dumps(results, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
