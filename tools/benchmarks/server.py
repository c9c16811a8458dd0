"""The emulator the client rows call, in a process of its own, seeded with many jobs (run.py starts it once).

    python tools/benchmarks/server.py --jobs 100000 [--page-size 1000]

Serves 2018-05-01 (azure-mgmt-batchai 7.0.0's API version, and ours) over HTTPS on 127.0.0.1 with the
emulator's in-process harness (batchai_emulator.EmulatorHarness), pages of 1,000 as the service's; the
workspace, experiment, cluster and jobs are stored with the harness's seeding hook, not through the API.
Prints one JSON line (endpoint, CA certificate, token, how many jobs), then serves until its
standard input closes. In a process of its own, its CPU time and memory are not the client's.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from benchlib import (
    EXPERIMENT,
    PAGING_API_VERSION,
    WORKSPACE,
    cluster_create_body,
    job_create_body,
    resource_id,
    seeded_job_name,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=100_000, help="jobs to store in the experiment")
    parser.add_argument("--page-size", type=int, default=1000, help="jobs per page of a listing (the service's)")
    args = parser.parse_args(argv)
    from batchai_emulator import EmulatorHarness

    with EmulatorHarness(api_version=PAGING_API_VERSION) as server:
        # what a client sees from the service; the harness's observations would cost the server time and memory
        server.page_size = args.page_size
        server.emulator.record = False
        server.emulator.check_responses = False
        started = time.perf_counter()
        workspace = resource_id("workspaces", WORKSPACE)
        experiment = f"{workspace}/experiments/{EXPERIMENT}"
        job = job_create_body()  # one body for every job: checked and filled once
        server.seed(
            [
                (workspace, {"location": "eastus"}),
                (experiment, {}),
                (f"{workspace}/clusters/bench-cluster", cluster_create_body()),
            ]
        )
        seeded = server.seed((f"{experiment}/jobs/{seeded_job_name(index)}", job) for index in range(args.jobs))
        ready = {
            "base_url": server.base_url,
            "ca_path": server.ca_path,
            "token": server.token,
            "jobs": seeded,
            "page_size": args.page_size,
            "seed_seconds": round(time.perf_counter() - started, 1),
        }
        print(json.dumps(ready), flush=True)
        sys.stdin.read()  # until run.py closes it
        if server.internal_errors:
            print("emulator bug:\n" + "\n".join(server.internal_errors), file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
