"""Time one SDK in a fresh interpreter and print its results as JSON on stdout (run.py starts it once per side).

    python tools/benchmarks/harness.py --side ours
    python tools/benchmarks/harness.py --side azure-mgmt-batchai          # model rows only
    python tools/benchmarks/harness.py --side azure-mgmt-batchai-7 --package-root DIR  # the page row only
    python tools/benchmarks/harness.py --side autorest --package-root OUT  # AutoRest's package `batchai` in OUT
    python tools/benchmarks/harness.py --side ours --mode calls --server JSON --server-pid PID
    python tools/benchmarks/harness.py --side ours --mode paging --server JSON --server-pid PID

Model rows (a-c, h) read and write what each side's operations read and write: ours with the generated
code (`write_body`, `read_json`), the others with their client's serializer and deserializer;
ours also times the `json` floor of each (json.dumps of the body, json.loads of the response). Client
rows (d-f) call the emulator's harness (batchai_emulator.EmulatorHarness) started in this process, over
HTTPS on 127.0.0.1.

``--mode calls`` and ``--mode paging`` call the emulator of server.py (another process, seeded with many
jobs) with each side's 2018-05-01 client: ``jobs.get`` per second and a cProfile of it split by the part of
the stack that spent the time; then ``jobs.list_by_experiment`` through ItemPaged, timed page by page, with
the growth of the peak RSS, and in a second pass under tracemalloc, its peak, both after a first stretch of
items (``--checkpoint``) and at the end: flat when nothing keeps pages alive.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import importlib
import importlib.util
import itertools
import json
import pstats
import sys
import sysconfig
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from benchlib import (
    AUTOREST,
    AZURE_700,
    EXPERIMENT,
    MSREST_101,
    OURS,
    PAGING_API_VERSION,
    REPO,
    RESOURCE_GROUP,
    SUBSCRIPTION_ID,
    WORKSPACE,
    Sample,
    attribute_profile,
    full_job_json,
    full_job_page,
    job_definition,
    measure,
    process_cpu_seconds,
    seeded_job_name,
)

# row: (calls per batch, batches per run, untimed warm-up calls)
MODEL_ROWS = {"serialize": (300, 5, 30), "deserialize": (300, 5, 30), "construct": (1000, 5, 100), "page": (1, 5, 1)}
# the model rows each side runs
SIDE_MODEL_ROWS = {
    OURS: ("serialize", "deserialize", "construct", "page"),
    MSREST_101: ("serialize", "deserialize", "construct"),
    AZURE_700: ("page",),
    AUTOREST: ("serialize", "deserialize", "construct"),
}
CLIENT_ROWS = {"get": (300, 4, 20), "list": (2, 5, 1), "create": (30, 4, 3)}
LIST_JOBS, PAGE_SIZE = 200, 50
# against server.py: (calls per batch, batches per run, untimed warm-up calls); a batch's worth is profiled
SERVER_ROWS = {"get_rate": (300, 4, 20)}
SERVER_PAGE = 1000  # the emulator's page size, as the service's
PAGE_MODELS = "batchai.v2018_05_01.models"  # azure-mgmt-batchai 7.0.0's API version


@dataclass
class Side:
    models: ModuleType | None  # None: a side that cannot build our job definition (7.0.0's models differ)
    serialize: Any  # the client's Serializer
    write_body: Callable[[Any], Any]  # a JobCreateParameters -> the request body, as the client's operations do
    read_job: Callable[[Any], Any]  # parsed Job JSON -> the Job, as the client's operations do
    read_page: Callable[[Any], list]  # parsed JobListResult JSON -> the jobs, as the client's pager reads it
    new_client: Callable[..., Any] | None  # (credential, subscription_id, **kwargs) -> client, None: no emulator rows


class Token:  # a TokenCredential: for the model rows (no request is sent there), or the server's token
    def __init__(self, token: str = "x") -> None:
        self.token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        return AccessToken(self.token, 2**31)


def load_side(name: str, package_root: Path | None) -> Side:
    if name == MSREST_101:
        from azure.mgmt.batchai import BatchAIManagementClient, models
        from msrest.authentication import BasicTokenAuthentication

        legacy = BatchAIManagementClient(BasicTokenAuthentication({"access_token": "x"}), SUBSCRIPTION_ID)
        dependencies = legacy._deserialize.dependencies

        def read_legacy_page(data: Any) -> list:  # what 1.0.1's list calls do: a msrest Paged per call
            return models.JobPaged(lambda _next_link: data, dependencies).advance_page()

        return Side(
            models,
            legacy._serialize,
            lambda definition: legacy._serialize.body(definition, "JobCreateParameters"),
            lambda data: legacy._deserialize("Job", data),
            read_legacy_page,
            None,
        )
    if package_root is not None:  # AutoRest's package is also called batchai, 7.0.0 is 1.0.1's: first on sys.path
        sys.path.insert(0, str(package_root))
    if name == AZURE_700:
        from azure.mgmt import batchai as azure_batchai

        found = Path(azure_batchai.__file__)
        if package_root is None or not found.is_relative_to(package_root) or azure_batchai.VERSION != "7.0.0":
            raise SystemExit(f"imported {found} ({azure_batchai.VERSION}), not 7.0.0 from {package_root}")
        client = azure_batchai.BatchAI(Token(), SUBSCRIPTION_ID)  # 7.0.0's name for the client
        return Side(
            None,
            client._serialize,
            lambda definition: client._serialize.body(definition, "JobCreateParameters"),
            lambda data: client._deserialize("Job", data),
            lambda data: client._deserialize("JobListResult", data).value,
            None,
        )
    import batchai
    import batchai.models

    if package_root is not None and not Path(batchai.__file__).is_relative_to(package_root):
        raise SystemExit(f"imported {batchai.__file__}, not the package in {package_root}")
    client_class = getattr(batchai, "BatchAIManagementClient", None) or batchai.BatchAI
    client = client_class(Token(), SUBSCRIPTION_ID)
    client = getattr(client, "_version_client", client)  # ours: the root client's client of the default version
    if name == OURS:  # what our operations call: the generated code (read_response = unpack + read_json)
        from batchai._wire import read_json, write_body

        models = batchai.models
        # the page row reads with the API version 7.0.0 speaks, when this package has it
        page_models = importlib.import_module(PAGE_MODELS) if importlib.util.find_spec(PAGE_MODELS) else models
        return Side(
            models,
            client._serialize,
            lambda definition: write_body(definition, models.JobCreateParameters, client._serialize),
            lambda data: read_json(models.Job, data),
            lambda data: read_json(page_models.JobListResult, data).value,
            client_class,
        )
    return Side(
        batchai.models,
        client._serialize,
        lambda definition: client._serialize.body(definition, "JobCreateParameters"),
        lambda data: client._deserialize("Job", data),
        lambda data: client._deserialize("JobListResult", data).value,
        client_class,
    )


def digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:12]


def plain(value: Any) -> Any:
    return getattr(value, "value", value)  # enum members as their string


def timed(samples: list[Sample], number: int, check: str | None = None) -> dict[str, Any]:
    return {"number": number, "samples": [[sample.wall, sample.other_cpu] for sample in samples], "check": check}


def model_rows(side: Side, name: str) -> dict[str, Any]:
    job_text, page_text = full_job_json(), full_job_page()
    definition = job_definition(side.models) if side.models is not None else None

    def serialize() -> str:
        return json.dumps(side.write_body(definition))

    def deserialize() -> Any:
        return side.read_job(json.loads(job_text))

    def page() -> list:
        jobs = side.read_page(json.loads(page_text))
        gc.collect(0)  # the young-generation collection a page's allocations owe, which ours defers
        return jobs

    def construct() -> Any:
        return job_definition(side.models)

    def jobs_digest(jobs: list) -> str:
        return digest(
            [
                (j.name, plain(j.execution_state), j.creation_time, j.node_count, j.constraints.max_wall_clock_time)
                for j in jobs
            ]
        )

    actions = {"serialize": serialize, "deserialize": deserialize, "construct": construct, "page": page}
    checks = {
        "serialize": lambda: digest(json.loads(serialize())),
        "deserialize": lambda: jobs_digest([deserialize()]),
        "construct": lambda: digest(side.write_body(construct())),
        "page": lambda: jobs_digest(page()),
    }
    rows = {}
    for row in SIDE_MODEL_ROWS[name]:
        number, repeat, warmup = MODEL_ROWS[row]
        rows[row] = timed(measure(actions[row], number=number, repeat=repeat, warmup=warmup), number, checks[row]())
    if name == OURS:  # each row's json floor: the same JSON without models
        body = side.write_body(definition)
        floors = {
            "serialize": lambda: json.dumps(body),
            "deserialize": lambda: json.loads(job_text),
            "page": lambda: json.loads(page_text),
        }
        for row, action in floors.items():
            number, repeat, warmup = MODEL_ROWS[row]
            rows[row + "_floor"] = timed(measure(action, number=number, repeat=repeat, warmup=warmup), number)
    return rows


def client_rows(side: Side) -> dict[str, Any]:
    sys.path.insert(0, str(REPO / "tests"))
    from batchai_emulator import EmulatorHarness, FakeCredential
    from scenario import cluster_parameters

    assert side.new_client is not None
    with EmulatorHarness() as server:
        client = side.new_client(
            FakeCredential(server.token),
            SUBSCRIPTION_ID,
            base_url=server.base_url,
            connection_verify=server.ca_path,
            polling_interval=0,
            retry_total=0,
        )
        with client:
            # Seed the server through the client itself, with LROs that finish at once.
            server.lro_mode = "200"
            client.clusters.begin_create(RESOURCE_GROUP, "bench-cluster", cluster_parameters()).result()
            for index in range(LIST_JOBS):
                client.jobs.begin_create(RESOURCE_GROUP, f"job-{index:03d}", job_definition(side.models)).result()
            server.lro_mode = "202"  # the default: 202, then polls_until_done=2 "InProgress" polls
            server.page_size = PAGE_SIZE
            names = (f"bench-{index:04d}" for index in itertools.count())

            def get() -> None:
                assert client.jobs.get(RESOURCE_GROUP, "job-042").name == "job-042"

            def list_jobs() -> None:
                assert sum(1 for _ in client.jobs.list_by_resource_group(RESOURCE_GROUP)) == LIST_JOBS

            def create() -> None:
                poller = client.clusters.begin_create(
                    RESOURCE_GROUP, next(names), cluster_parameters(), polling_interval=0
                )
                assert poller.result().provisioning_state == "succeeded"

            rows = {}
            for row, action in (("get", get), ("list", list_jobs), ("create", create)):
                number, repeat, warmup = CLIENT_ROWS[row]
                rows[row] = timed(measure(action, number=number, repeat=repeat, warmup=warmup), number)
        if server.internal_errors:
            raise SystemExit("emulator bug:\n" + "\n".join(server.internal_errors))
    return rows


# -- against server.py: the 2018-05-01 clients of ours and of azure-mgmt-batchai 7.0.0 ----------------------------


def version_client(name: str, server: dict[str, Any]) -> Any:
    """The side's client of 2018-05-01 (7.0.0's only version) pointed at server.py's emulator."""
    options = {"base_url": server["base_url"], "connection_verify": server["ca_path"], "retry_total": 0}
    if name == OURS:
        import batchai

        return batchai.BatchAIManagementClient(
            Token(server["token"]), SUBSCRIPTION_ID, api_version=PAGING_API_VERSION, **options
        )
    if name == AZURE_700:
        from azure.mgmt.batchai import BatchAI

        return BatchAI(Token(server["token"]), SUBSCRIPTION_ID, **options)
    raise SystemExit(f"{name} has no 2018-05-01 client")


def server_cpu_reader(pid: int | None) -> Callable[[], float | None] | None:
    return None if pid is None else lambda: process_cpu_seconds(pid)


def server_calls(name: str, server: dict[str, Any], pid: int | None, number: int, repeat: int) -> dict[str, Any]:
    """``jobs.get`` per second, the client's CPU time per call, and where a call's time goes (cProfile)."""
    client = version_client(name, server)
    target = (RESOURCE_GROUP, WORKSPACE, EXPERIMENT, seeded_job_name(0))

    def get() -> None:
        assert client.jobs.get(*target).name == target[-1]

    warmup = SERVER_ROWS["get_rate"][2]
    cpu = time.process_time()
    samples = measure(get, number=number, repeat=repeat, warmup=warmup, server_cpu=server_cpu_reader(pid))
    client_cpu = (time.process_time() - cpu) / (number * repeat + warmup)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(number):
        get()
    profiler.disable()
    parts = attribute_profile(pstats.Stats(profiler).stats, sysconfig.get_paths()["stdlib"])
    return {
        "rows": {"get_rate": timed(samples, number)},
        "client_cpu_us": round(client_cpu * 1e6, 1),
        "profile_us": {part: round(seconds / number * 1e6, 1) for part, seconds in sorted(parts.items())},
    }


def peak_rss_mb() -> float | None:
    try:
        import resource
    except ImportError:  # not POSIX
        return None
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def server_paging(
    name: str, server: dict[str, Any], pid: int | None, items: int, checkpoint: int, traced: int
) -> dict[str, Any]:
    """Iterate ``items`` jobs through ItemPaged, timed a page at a time, then ``traced`` of them under tracemalloc."""
    client = version_client(name, server)
    cpu_of_server = server_cpu_reader(pid) or (lambda: None)
    page = server.get("page_size", SERVER_PAGE)

    def jobs() -> Any:
        return client.jobs.list_by_experiment(RESOURCE_GROUP, WORKSPACE, EXPERIMENT)

    def iterate(count: int, at_checkpoint: Callable[[], Any], at_page: Callable[[], None]) -> Any:
        seen, marks = 0, None
        for job in jobs():
            if job.name != seeded_job_name(seen):
                raise SystemExit(f"{name}: item {seen} is {job.name}, not {seeded_job_name(seen)}")
            seen += 1
            if seen % page == 0:
                at_page()
            if seen == checkpoint:
                marks = at_checkpoint()
            if seen == count:
                return marks
        raise SystemExit(f"{name}: the listing ended after {seen} jobs, not {count}")

    rss_before = peak_rss_mb()
    # untimed: the connection, the imports of the first call
    iterate(min(page, items), lambda: None, lambda: None)
    gc.collect()
    samples: list[Sample] = []
    last = [time.perf_counter(), cpu_of_server() or 0.0]

    def page_done() -> None:
        now, server_now = time.perf_counter(), cpu_of_server() or 0.0
        samples.append(Sample(now - last[0], max(server_now - last[1], 0.0)))
        last[:] = [now, server_now]

    started, cpu = time.perf_counter(), time.process_time()
    rss_at_checkpoint = iterate(items, peak_rss_mb, page_done)
    wall, client_cpu = time.perf_counter() - started, time.process_time() - cpu
    rss_at_end = peak_rss_mb()

    gc.collect()
    tracemalloc.start()
    peak_at_checkpoint = iterate(traced, lambda: tracemalloc.get_traced_memory()[1], lambda: None)
    peak_at_end = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    def growth(value: float | None) -> float | None:
        return None if value is None or rss_before is None else round(value - rss_before, 1)

    return {
        "rows": {"paging": timed(samples, page)},
        "paging": {
            "items": items,
            "seconds": round(wall, 2),
            "items_per_second": round(items / wall),
            "client_cpu_us_per_item": round(client_cpu / items * 1e6, 1),
            "server_cpu_us_per_item": round(sum(sample.other_cpu for sample in samples) / items * 1e6, 1)
            if pid is not None
            else None,
            "checkpoint": checkpoint,
            "rss_growth_mb": {"checkpoint": growth(rss_at_checkpoint), "end": growth(rss_at_end)},
            "traced_items": traced,
            "tracemalloc_peak_mb": {
                "checkpoint": round(peak_at_checkpoint / 2**20, 1),
                "end": round(peak_at_end / 2**20, 1),
            },
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--side", choices=[OURS, MSREST_101, AZURE_700, AUTOREST], required=True)
    parser.add_argument("--package-root", type=Path, help="folder holding AutoRest's `batchai`, or 7.0.0")
    parser.add_argument("--mode", choices=["models", "calls", "paging"], default="models")
    parser.add_argument("--server", type=json.loads, help="server.py's JSON line (calls and paging)")
    parser.add_argument("--server-pid", type=int, help="server.py's process, for its CPU time")
    parser.add_argument("--calls", type=int, default=SERVER_ROWS["get_rate"][0], help="calls: per batch")
    parser.add_argument("--repeat", type=int, default=SERVER_ROWS["get_rate"][1], help="calls: batches")
    parser.add_argument("--items", type=int, default=100_000, help="paging: jobs to iterate")
    parser.add_argument("--checkpoint", type=int, default=10_000, help="paging: where memory is read first")
    parser.add_argument("--traced-items", type=int, help="paging: jobs to iterate under tracemalloc (--items)")
    args = parser.parse_args(argv)
    side = load_side(args.side, args.package_root.resolve() if args.package_root else None)
    if args.mode != "models":
        if args.server is None:
            parser.error(f"--mode {args.mode} needs --server")
        if args.mode == "calls":
            output = server_calls(args.side, args.server, args.server_pid, args.calls, args.repeat)
        else:
            traced = args.traced_items or args.items
            output = server_paging(args.side, args.server, args.server_pid, args.items, args.checkpoint, traced)
        json.dump(output, sys.stdout)
        return 0
    rows = model_rows(side, args.side)
    if side.new_client is not None:
        rows.update(client_rows(side))
    serializer = type(side.serialize)
    validation = getattr(side.serialize, "client_side_validation", None)
    serializer_name = f"{serializer.__module__}.{serializer.__name__} (client_side_validation={validation})"
    if args.side == OURS:
        serializer_name = f"the generated code: batchai._wire.write_body, read_json (validation={validation})"
    json.dump({"rows": rows, "serializer": serializer_name}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
