"""Time one SDK in a fresh interpreter and print its results as JSON on stdout (run.py starts it once per side).

    python tools/benchmarks/harness.py --side ours
    python tools/benchmarks/harness.py --side azure-mgmt-batchai          # model rows only
    python tools/benchmarks/harness.py --side autorest --package-root OUT  # AutoRest's package `batchai` in OUT

Model rows (a-c) use the serializer and deserializer of the side's own client. Client rows (d-f) call an
the emulator's harness (batchai_emulator.EmulatorHarness) started in this process, over HTTPS on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from benchlib import (
    AUTOREST,
    MSREST_101,
    OURS,
    REPO,
    RESOURCE_GROUP,
    SUBSCRIPTION_ID,
    Sample,
    job_definition,
    job_list_page,
    measure,
)

# row: (calls per batch, batches per run, untimed warm-up calls)
MODEL_ROWS = {"serialize": (500, 5, 50), "deserialize": (20, 5, 3), "construct": (1000, 5, 100)}
CLIENT_ROWS = {"get": (300, 4, 20), "list": (2, 5, 1), "create": (30, 4, 3)}
LIST_JOBS, PAGE_SIZE = 200, 50


@dataclass
class Side:
    models: ModuleType
    serialize: Any  # the client's Serializer
    deserialize: Any  # the client's Deserializer
    read_page: Callable[[Any], list]  # parsed JobListResult JSON -> the jobs, as the client's pager reads it
    new_client: Callable[..., Any] | None  # (credential, subscription_id, **kwargs) -> client, None: no emulator rows


def load_side(name: str, package_root: Path | None) -> Side:
    if name == MSREST_101:
        from azure.mgmt.batchai import BatchAIManagementClient, models
        from msrest.authentication import BasicTokenAuthentication

        legacy = BatchAIManagementClient(BasicTokenAuthentication({"access_token": "x"}), SUBSCRIPTION_ID)
        dependencies = legacy._deserialize.dependencies

        def read_legacy_page(data: Any) -> list:  # what 1.0.1's list calls do: a msrest Paged per call
            return models.JobPaged(lambda _next_link: data, dependencies).advance_page()

        return Side(models, legacy._serialize, legacy._deserialize, read_legacy_page, None)
    if package_root is not None:  # AutoRest's package is also called batchai: it goes first on sys.path
        sys.path.insert(0, str(package_root))
    from azure.core.credentials import AccessToken

    import batchai
    import batchai.models

    if package_root is not None and not Path(batchai.__file__).is_relative_to(package_root):
        raise SystemExit(f"imported {batchai.__file__}, not the package in {package_root}")
    client_class = getattr(batchai, "BatchAIManagementClient", None) or batchai.BatchAI

    class Token:  # a TokenCredential for the model rows; no request is sent there
        def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
            return AccessToken("x", 2**31)

    client = client_class(Token(), SUBSCRIPTION_ID)
    deserializer = client._deserialize
    return Side(
        batchai.models,
        client._serialize,
        deserializer,
        lambda data: deserializer("JobListResult", data).value,
        client_class,
    )


def digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:12]


def plain(value: Any) -> Any:
    return getattr(value, "value", value)  # enum members as their string


def timed(samples: list[Sample], number: int, check: str | None = None) -> dict[str, Any]:
    return {"number": number, "samples": [[sample.wall, sample.other_cpu] for sample in samples], "check": check}


def model_rows(side: Side) -> dict[str, Any]:
    definition = job_definition(side.models)
    page = job_list_page()

    def serialize() -> Any:
        return side.serialize.body(definition, "JobCreateParameters")

    def deserialize() -> list:
        return side.read_page(json.loads(page))

    def construct() -> Any:
        return job_definition(side.models)

    jobs = deserialize()
    checks = {
        "serialize": digest(serialize()),
        "deserialize": digest([(j.name, plain(j.execution_state), j.creation_time, j.node_count) for j in jobs]),
        "construct": digest(side.serialize.body(construct(), "JobCreateParameters")),
    }
    rows = {}
    for row, action in (("serialize", serialize), ("deserialize", deserialize), ("construct", construct)):
        number, repeat, warmup = MODEL_ROWS[row]
        rows[row] = timed(measure(action, number=number, repeat=repeat, warmup=warmup), number, checks[row])
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--side", choices=[OURS, MSREST_101, AUTOREST], required=True)
    parser.add_argument("--package-root", type=Path, help="folder holding AutoRest's package `batchai`")
    args = parser.parse_args(argv)
    side = load_side(args.side, args.package_root.resolve() if args.package_root else None)
    rows = model_rows(side)
    if side.new_client is not None:
        rows.update(client_rows(side))
    serializer = type(side.serialize)
    validation = getattr(side.serialize, "client_side_validation", None)
    serializer_name = f"{serializer.__module__}.{serializer.__name__} (client_side_validation={validation})"
    json.dump({"rows": rows, "serializer": serializer_name}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
