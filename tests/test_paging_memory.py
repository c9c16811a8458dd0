"""A long listing keeps memory flat: once the next page is read, nothing in the SDK keeps the previous one alive
(its jobs, its response, its JSON). Issue 10, item 4; `nox -s benchmarks` measures it at 100,000 jobs.

The emulator runs in a process of its own (``batchai-emulator``, its store seeded before it starts), so that
the memory traced here is the client's only.
"""

from __future__ import annotations

import asyncio
import gc
import tracemalloc
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
from batchai_emulator import EmulatorProcess, FakeCredential
from batchai_emulator.arm import Emulator
from batchai_emulator.store import DATABASE_NAME, Store
from scenario import RESOURCE_GROUP, SUBSCRIPTION_ID

import batchai
import batchai.aio
from batchai.v2018_05_01 import models

VERSION = "2018-05-01"
WORKSPACE = (
    f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{RESOURCE_GROUP}/providers/Microsoft.BatchAI/workspaces/ws"
)
PAGE, PAGES = 50, 12
# a job of a few kilobytes on the wire (100 environment variables), so that a page kept alive shows
JOB = {
    "properties": {
        "cluster": {"id": f"{WORKSPACE}/clusters/c1"},
        "nodeCount": 1,
        "stdOutErrPathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/azfiles",
        "customToolkitSettings": {"commandLine": "python train.py"},
        "environmentVariables": [{"name": f"VARIABLE_{index}", "value": "x" * 20} for index in range(100)],
    }
}
# a page of these jobs takes well over this much once read (its body, its JSON, its models)
LESS_THAN_A_PAGE = 150_000


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    data_dir = tmp_path_factory.mktemp("paging") / "data"
    data_dir.mkdir()
    seeding = Emulator(store=Store(data_dir / DATABASE_NAME))
    try:
        experiment = f"{WORKSPACE}/experiments/exp"
        jobs = [(f"{experiment}/jobs/job-{index:04d}", JOB) for index in range(PAGE * PAGES)]
        seeding.provider.seed(VERSION, [(WORKSPACE, {"location": "eastus"}), (experiment, {}), *jobs])
    finally:
        seeding.close()
    # the scripted executor: the seeded jobs stay queued, nothing runs
    with EmulatorProcess(data_dir, "--executor", "scripted", "--log-level", "warning") as process:
        yield process


def options(emulator: EmulatorProcess) -> dict[str, Any]:
    return {
        "api_version": VERSION,
        "base_url": emulator.base_url,
        "connection_verify": emulator.ca_path,
        "retry_total": 0,
    }


PAGED = models.JobsListByExperimentOptions(max_results=PAGE)


class PageWatch:
    """At the last item of each page: how many jobs read so far are alive, and the memory traced."""

    def __init__(self) -> None:
        self.jobs: list[weakref.ref] = []
        self.alive: list[int] = []
        self.traced: list[int] = []

    def see(self, index: int, job: object) -> None:
        assert getattr(job, "name", None) == f"job-{index:04d}"
        self.jobs.append(weakref.ref(job))
        if index % PAGE == PAGE - 1:
            del job
            gc.collect()
            self.alive.append(sum(ref() is not None for ref in self.jobs))
            self.traced.append(tracemalloc.get_traced_memory()[0])

    def check(self) -> None:
        assert len(self.alive) == PAGES
        # the page being read, and none before it
        assert self.alive == [PAGE] * PAGES
        # from the third page to the last, memory grows less than one page would take
        growth = self.traced[-1] - self.traced[2]
        assert growth < LESS_THAN_A_PAGE, str([round(value / 1e3) for value in self.traced])


def test_a_long_listing_keeps_no_page_alive(emulator):
    watch = PageWatch()
    tracemalloc.start()
    try:
        with batchai.BatchAIManagementClient(FakeCredential(), SUBSCRIPTION_ID, **options(emulator)) as client:
            for index, job in enumerate(client.jobs.list_by_experiment(RESOURCE_GROUP, "ws", "exp", PAGED)):
                watch.see(index, job)
    finally:
        tracemalloc.stop()
    watch.check()


def test_a_long_async_listing_keeps_no_page_alive(emulator):
    watch = PageWatch()

    async def scenario() -> None:
        credential = batchai_emulator_async_credential()
        # with a CA file (connection_verify), the client keeps one connection for the listing (see
        # test_async_transport.py); a connection per page would leave the last one idle (about 280 kB each)
        async with batchai.aio.BatchAIManagementClient(credential, SUBSCRIPTION_ID, **options(emulator)) as client:
            index = 0
            async for job in client.jobs.list_by_experiment(RESOURCE_GROUP, "ws", "exp", PAGED):
                watch.see(index, job)
                index += 1

    tracemalloc.start()
    try:
        asyncio.run(asyncio.wait_for(scenario(), 60))
    finally:
        tracemalloc.stop()
    watch.check()


def batchai_emulator_async_credential() -> Any:
    from batchai_emulator import AsyncFakeCredential

    return AsyncFakeCredential()
