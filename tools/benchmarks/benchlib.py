"""Shared by run.py and harness.py: the timing loop, the benchmark inputs, and the results files.

Standard library only, and no SDK import at module level, so the unit tests can import it anywhere.
"""

from __future__ import annotations

import datetime
import gc
import json
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"
RESOURCE_GROUP = "bench_rg"

OURS = "ours"
MSREST_101 = "azure-mgmt-batchai"
AZURE_700 = "azure-mgmt-batchai-7"
AUTOREST = "autorest"
SIDE_LABELS = {
    OURS: "batchai (ours)",
    MSREST_101: "azure-mgmt-batchai 1.0.1",
    AZURE_700: "azure-mgmt-batchai 7.0.0",
    AUTOREST: "AutoRest legacy",
}
PAGE_JOBS = 1000
# the client rows against the emulator's own process (server.py): azure-mgmt-batchai 7.0.0's API version
PAGING_API_VERSION = "2018-05-01"
WORKSPACE, EXPERIMENT = "bench-ws", "bench-exp"


# -- timing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One timed batch: wall seconds, and CPU seconds of the process's other threads (the in-process emulator)."""

    wall: float
    other_cpu: float


def measure(
    action: Callable[[], object],
    *,
    number: int,
    repeat: int,
    warmup: int,
    server_cpu: Callable[[], float | None] | None = None,
) -> list[Sample]:
    """Call ``action`` ``warmup`` times untimed, then time ``repeat`` batches of ``number`` calls each.

    ``server_cpu`` reads the CPU seconds of a server in another process; without it, the server is the
    other threads of this one."""

    def other_cpu() -> float:
        if server_cpu is not None:
            return server_cpu() or 0.0
        return time.process_time() - time.thread_time()

    for _ in range(warmup):
        action()
    samples = []
    for _ in range(repeat):
        gc.collect()
        other, started = other_cpu(), time.perf_counter()
        for _ in range(number):
            action()
        wall = time.perf_counter() - started
        samples.append(Sample(wall, max(other_cpu() - other, 0.0)))
    return samples


def process_cpu_seconds(pid: int) -> float | None:
    """User and system CPU seconds of another process, from Linux's /proc; None where there is none."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


def full_job(name: str = "job-000") -> dict[str, Any]:
    """A Job as the service returns it (2018-03-01) with every property set; of the toolkits, one (as a job has)."""
    vault = {"id": resource_id("vaults", "kv").replace("Microsoft.BatchAI", "Microsoft.KeyVault")}
    started = "2018-05-01T10:00:00.123Z"
    return {
        "id": resource_id("jobs", name),
        "name": name,
        "type": "Microsoft.BatchAI/Jobs",
        "location": "eastus",
        "tags": {"team": "vision", "run": "nightly"},
        "properties": {
            "experimentName": "resnet50",
            "priority": 1,
            "cluster": {"id": resource_id("clusters", "bench-cluster")},
            "jobOutputDirectoryPathSegment": f"00000000-0000-0000-0000-000000000000/{RESOURCE_GROUP}/jobs/{name}",
            "nodeCount": 2,
            "containerSettings": {
                "imageSourceRegistry": {
                    "serverUrl": "https://registry.example.com",
                    "image": "tensorflow/tensorflow:1.8.0-gpu",
                    "credentials": {
                        "username": "bench",
                        "passwordSecretReference": {"sourceVault": vault, "secretUrl": "https://kv/secrets/registry"},
                    },
                }
            },
            "toolType": "tensorflow",
            "tensorFlowSettings": {
                "pythonScriptFilePath": "$AZ_BATCHAI_JOB_MOUNT_ROOT/afs/train.py",
                "pythonInterpreterPath": "/usr/bin/python3",
                "masterCommandLineArgs": "--epochs 10",
                "workerCommandLineArgs": "--epochs 10",
                "parameterServerCommandLineArgs": "--ps",
                "workerCount": 2,
                "parameterServerCount": 1,
            },
            "jobPreparation": {"commandLine": "pip install -r requirements.txt"},
            "stdOutErrPathPrefix": "$AZ_BATCHAI_JOB_MOUNT_ROOT/afs",
            "inputDirectories": [
                {"id": f"INPUT{index}", "path": f"$AZ_BATCHAI_JOB_MOUNT_ROOT/bfs/in{index}"} for index in range(3)
            ],
            "outputDirectories": [
                {
                    "id": "MODEL",
                    "pathPrefix": "$AZ_BATCHAI_JOB_MOUNT_ROOT/afs",
                    "pathSuffix": "models",
                    "type": "custom",
                    "createNew": True,
                }
            ],
            "environmentVariables": [{"name": f"VAR_{index}", "value": str(index)} for index in range(10)],
            "secrets": [
                {
                    "name": "API_TOKEN",
                    "valueSecretReference": {"sourceVault": vault, "secretUrl": "https://kv/secrets/t"},
                }
            ],
            "constraints": {"maxWallClockTime": "P7D"},
            "creationTime": "2018-05-01T09:59:58.512Z",
            "provisioningState": "succeeded",
            "provisioningStateTransitionTime": "2018-05-01T09:59:59.001Z",
            "executionState": "failed",
            "executionStateTransitionTime": "2018-05-01T11:30:00.250Z",
            "executionInfo": {
                "startTime": started,
                "endTime": "2018-05-01T11:30:00.250Z",
                "exitCode": 1,
                "errors": [
                    {
                        "code": "JobFailed",
                        "message": "The job exited with code 1.",
                        "details": [{"name": "node", "value": "tvm-1"}, {"name": "exitCode", "value": "1"}],
                    }
                ],
            },
        },
    }


def full_job_json() -> bytes:
    return json.dumps(full_job()).encode("utf-8")


def full_job_page(count: int = PAGE_JOBS) -> bytes:
    """A JobListResult page of `count` full jobs under different names, plus a nextLink."""
    jobs = [full_job(f"job-{index:04d}") for index in range(count)]
    next_link = f"https://management.azure.com{resource_id('jobs', '')[:-1]}?api-version=2018-03-01&$skiptoken={count}"
    return json.dumps({"value": jobs, "nextLink": next_link}).encode("utf-8")


def seeded_job_name(index: int) -> str:
    return f"job-{index:06d}"


def job_create_body() -> dict[str, Any]:
    """The full job's definition as a 2018-05-01 create request sends it (server.py seeds the jobs with it)."""
    properties = {
        name: value
        for name, value in full_job()["properties"].items()
        if name not in READ_ONLY_JOB_PROPERTIES and name not in ("experimentName", "priority")
    }
    properties["cluster"] = {"id": resource_id("workspaces", WORKSPACE) + "/clusters/bench-cluster"}
    properties["schedulingPriority"] = "high"
    return {"properties": properties}


# what the service fills in a job (full_job has them), not part of a create request
READ_ONLY_JOB_PROPERTIES = (
    "toolType",
    "jobOutputDirectoryPathSegment",
    "creationTime",
    "provisioningState",
    "provisioningStateTransitionTime",
    "executionState",
    "executionStateTransitionTime",
    "executionInfo",
)


def cluster_create_body() -> dict[str, Any]:
    return {
        "properties": {
            "vmSize": "STANDARD_NC6",
            "scaleSettings": {"manual": {"targetNodeCount": 2}},
            "userAccountSettings": {"adminUserName": "bench", "adminUserSshPublicKey": "ssh-rsa AAAA bench"},
        }
    }


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


# -- imports and profiles ------------------------------------------------------------------------


def parse_importtime(report: str) -> list[tuple[str, int, int]]:
    """(module, self µs, cumulative µs) for each module of a ``python -X importtime`` report (its stderr)."""
    modules = []
    for line in report.splitlines():
        if not line.startswith("import time:") or "[us]" in line:
            continue
        own, cumulative, name = line[len("import time:") :].split("|", 2)
        modules.append((name.strip(), int(own), int(cumulative)))
    return modules


def top_imports(reports: list[str], baseline: str, count: int = 8) -> list[dict[str, Any]]:
    """The ``count`` modules with the largest cumulative import time (median over ``reports``), leaving out
    those a bare interpreter imports too (the ``baseline`` report)."""
    bare = {name for name, _, _ in parse_importtime(baseline)}
    times: dict[str, list[tuple[int, int]]] = {}
    for report in reports:
        for name, own, cumulative in parse_importtime(report):
            if name not in bare:
                times.setdefault(name, []).append((own, cumulative))
    rows = [
        {
            "module": name,
            "cumulative_ms": round(statistics.median(c for _, c in pairs) / 1e3, 1),
            "self_ms": round(statistics.median(o for o, _ in pairs) / 1e3, 1),
        }
        for name, pairs in times.items()
    ]
    return sorted(rows, key=lambda row: (-row["cumulative_ms"], row["module"]))[:count]


# Where a call's time goes: each function's own time is charged to the part of the stack its file belongs
# to (first match); the standard library and builtins are charged to their callers, except the socket and
# TLS reads and writes, where a client waits for the server.
SOCKET_IO = "TLS and socket I/O (waiting for the server included)"
PROFILE_PARTS = [
    ("/azure/mgmt/batchai/_serialization.py", "SDK: response deserialization"),
    ("/msrest/", "SDK: response deserialization"),
    ("/isodate/", "SDK: response deserialization"),  # msrest's dates and durations
    ("/batchai/_runtime.py", "SDK: its own pipeline policies and checks"),
    ("/batchai/_wire.py", "SDK: response deserialization"),
    ("/models/", "SDK: response deserialization"),
    ("/batchai/", "SDK: operation and request building"),
    ("/batchai_overlays/", "SDK: operation and request building"),
    ("/azure/core/pipeline/transport/", "azure-core: transport adapter and response"),
    ("/azure/core/rest/", "azure-core: transport adapter and response"),
    ("/azure/core/", "azure-core: pipeline, policies, tracing"),
    ("/azure/mgmt/core/", "azure-core: pipeline, policies, tracing"),
    ("/requests/", "requests"),
    ("/urllib3/", "urllib3 and http.client"),
]
SOCKET_BUILTINS = ("_ssl._SSLSocket", "_socket.socket", "select.")


def profile_part(function: tuple[str, int, str], stdlib: str) -> str | None:
    """The part a profiled function's own time is charged to; None: its callers'."""
    filename, _, name = function
    if filename == "~":
        return SOCKET_IO if any(marker in name for marker in SOCKET_BUILTINS) else None
    path = filename.replace("\\", "/")
    for fragment, part in PROFILE_PARTS:
        if fragment in path:
            return part
    if path.startswith("<frozen") or path.startswith(stdlib):
        return "urllib3 and http.client" if path.endswith("/http/client.py") else None
    return "other"


def attribute_profile(stats: dict[Any, Any], stdlib: str) -> dict[str, float]:
    """Seconds per part of the stack, from ``pstats.Stats(...).stats``: each function's own time goes to its part
    (``profile_part``), or is shared among its callers in proportion to the time it spent for each."""
    shares: dict[Any, dict[str, float]] = {}

    def owners(function: Any, visiting: frozenset) -> dict[str, float]:
        if function in shares:
            return shares[function]
        part = profile_part(function, stdlib)
        if part is not None:
            result = {part: 1.0}
        else:
            callers = {caller: edge for caller, edge in stats[function][4].items() if caller not in visiting}
            weights = {caller: (edge[2] if isinstance(edge, tuple) else edge) for caller, edge in callers.items()}
            total = sum(weights.values())
            if not callers or total <= 0:
                weights, total = {caller: 1.0 for caller in callers}, float(len(callers))
            result = {}
            for caller, weight in weights.items():
                for owner, share in owners(caller, visiting | {function}).items():
                    result[owner] = result.get(owner, 0.0) + share * weight / total
            result = result or {"other": 1.0}
        if not visiting:
            shares[function] = result
        return result

    charged: dict[str, float] = {}
    for function, (_, _, own, _, _) in stats.items():
        for part, share in owners(function, frozenset()).items():
            charged[part] = charged.get(part, 0.0) + own * share
    return charged


# -- results files -------------------------------------------------------------------------------


def _cell(result: dict[str, Any] | None) -> str:
    return f"{result['median_ms']:,.1f} ({result['min_ms']:,.1f})" if result else "–"


def _share(result: dict[str, Any] | None) -> str:
    share = (result or {}).get("server_cpu_share")
    return f"{share:.0%}" if share else "–"


def _of_mins(value: float | None) -> str:
    """The ratio of the minimums, beside that of the medians: steadier on a busy machine."""
    return "" if value is None else f" ({value:.2f})"


def _ratio(value: float | None) -> str:
    return "skipped" if value is None else f"{value:.2f}"


def render_markdown(results: dict[str, Any]) -> str:
    """The readable results.md: one table row per benchmark, ratio = ours median / reference median."""
    machine = results["machine"]
    lines = [
        "# Benchmarks: batchai (ours) against the reference SDKs",
        "",
        f"Written by `{results['command']}` on {results['date']} at commit {results['commit']}. "
        "Times are milliseconds per batch, median (min); the ratio is ours / reference of the medians "
        "(of the minimums in parentheses), so below 1 means ours is faster. Rows d-f also give the ratio without the in-process server's CPU time; "
        "rows a, b and h the json floor (the same JSON without models) and ours over it.",
        "",
        "| | benchmark | batch | ours ms | reference | reference ms | ours / ref "
        "| excl. server | server CPU ours / ref | json floor ms | ours / floor |",
        "|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    notes = []
    for row in results["rows"]:
        ours, reference = row["results"].get(OURS), row["results"].get(row["reference"])
        client_row = row["ratio_excl_server"] is not None
        floor = row.get("floor")
        lines.append(
            f"| {row['id']} | {row['title']} | {row['batch']} | {_cell(ours)} | {SIDE_LABELS[row['reference']]} "
            f"| {_cell(reference)} | **{_ratio(row['ratio'])}**{_of_mins(row.get('ratio_min'))} "
            f"| {_ratio(row['ratio_excl_server']) if client_row else ''} "
            f"| {f'{_share(ours)} / {_share(reference)}' if client_row else ''} "
            f"| {_cell(floor) if floor else ''} "
            f"| {_ratio(row.get('ratio_floor')) + _of_mins(row.get('ratio_floor_min')) if floor else ''} |"
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
    lines += _imports_section(results.get("imports"))
    lines += _profile_section(results.get("profiles"), results["rows"])
    lines += _paging_section(results.get("paging"))
    if results.get("quick"):
        lines += ["", "**A --quick run: few runs and 3,000 jobs, to try the tool; not a comparison.**"]
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


def _sides_of(section: dict[str, Any]) -> list[str]:
    return [side for side in (OURS, AZURE_700) if side in section]


def _imports_section(imports: dict[str, Any] | None) -> list[str]:
    if not imports:
        return []
    sides = _sides_of(imports["importtime"])
    columns = [(side, what) for what in ("import", "client") for side in sides]
    lines = [
        "",
        f"Import time (rows i, j): a bare `python -c pass` takes {imports['bare_python_ms']['median']:.0f} ms "
        f"(median of {imports['runs']}). What `python -X importtime` shows of each command, the modules a bare "
        "interpreter does not import, by cumulative time (ms, median of its runs; self time in parentheses):",
        "",
        "| | "
        + " | ".join(f"{SIDE_LABELS[side]}: `{_one_line(imports['commands'][side][what])}`" for side, what in columns)
        + " |",
        "|---|" + "---|" * len(columns),
    ]
    tops = [imports["importtime"][side][what] for side, what in columns]
    for rank in range(max((len(top) for top in tops), default=0)):
        cells = [
            f"`{top[rank]['module']}` {top[rank]['cumulative_ms']:.1f} ({top[rank]['self_ms']:.1f})"
            if rank < len(top)
            else ""
            for top in tops
        ]
        lines.append(f"| {rank + 1} | " + " | ".join(cells) + " |")
    return lines


def _one_line(program: str) -> str:
    """A command as the table shows it: its import, and whether it builds a client."""
    imported = next(line for line in program.splitlines() if line.startswith("import "))
    return imported + ("; build a client" if "(" in program.split(imported, 1)[1] else "")


def _profile_section(profiles: dict[str, Any] | None, rows: list[dict[str, Any]]) -> list[str]:
    if not profiles:
        return []
    sides = _sides_of(profiles)
    row = next((row for row in rows if row["key"] == "get_rate"), None)
    parts = sorted({part for side in sides for part in profiles[side]["profile_us"]})
    lines = [
        "",
        "`jobs.get` (row k): where a call's time goes, µs per call under cProfile (the profiler slows Python code "
        "more than the C it calls; average of the runs); then the same calls without it:",
        "",
        "| part of the stack | " + " | ".join(SIDE_LABELS[side] for side in sides) + " |",
        "|---|" + "---:|" * len(sides),
    ]
    for part in parts:
        lines.append(
            f"| {part} | " + " | ".join(f"{profiles[side]['profile_us'].get(part, 0.0):,.0f}" for side in sides) + " |"
        )
    totals = [sum(profiles[side]["profile_us"].values()) for side in sides]
    lines.append("| **total under cProfile** | " + " | ".join(f"**{total:,.0f}**" for total in totals) + " |")
    results = (row or {}).get("results", {})

    def unprofiled(side: str, what: str) -> str:
        result = results.get(side)
        if not result:
            return "–"
        per_call = result["per_call_us"]
        if what == "rate":
            return f"{1e6 / per_call:,.0f}"
        if what == "wall":
            return f"{per_call:,.0f}"
        if what == "server":
            return f"{per_call * result['server_cpu_share']:,.0f}"
        return f"{profiles[side]['client_cpu_us']:,.0f}"

    for label, what in (
        ("calls per second (median batch)", "rate"),
        ("wall µs per call", "wall"),
        ("client CPU µs per call", "client"),
        ("server CPU µs per call (its process)", "server"),
    ):
        lines.append(f"| {label} | " + " | ".join(unprofiled(side, what) for side in sides) + " |")
    return lines


def _paging_section(paging: dict[str, Any] | None) -> list[str]:
    if not paging:
        return []
    sides = _sides_of(paging)
    first = paging[sides[0]]
    checkpoint = f"{first['checkpoint']:,}"

    def memory(values: dict[str, Any], unit: str) -> str:
        return (
            " / ".join("–" if values[at] is None else f"{values[at]:,.1f}" for at in ("checkpoint", "end")) + f" {unit}"
        )

    table = [
        ("items per second, whole listing", lambda p: f"{p['items_per_second']:,}"),
        ("client CPU µs per item", lambda p: f"{p['client_cpu_us_per_item']:,.0f}"),
        (
            "server CPU µs per item (its process)",
            lambda p: "–" if p["server_cpu_us_per_item"] is None else f"{p['server_cpu_us_per_item']:,.0f}",
        ),
        (f"peak RSS growth at {checkpoint} / all items", lambda p: memory(p["rss_growth_mb"], "MiB")),
        (
            f"tracemalloc peak at {checkpoint} / all items traced",
            lambda p: memory(p["tracemalloc_peak_mb"], "MiB") + f" ({p['traced_items']:,} traced)",
        ),
    ]
    lines = [
        "",
        f"Paging (row l): {first['items']:,} jobs through ItemPaged; memory flat when the peak at {checkpoint} "
        "items is the peak at the end:",
        "",
        "| | " + " | ".join(SIDE_LABELS[side] for side in sides) + " |",
        "|---|" + "---:|" * len(sides),
    ]
    lines += [f"| {label} | " + " | ".join(cell(paging[side]) for side in sides) + " |" for label, cell in table]
    return lines


def dump_json(results: dict[str, Any]) -> str:
    """results.json: sorted keys and a trailing newline, so two runs differ only in their numbers."""
    return json.dumps(results, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
