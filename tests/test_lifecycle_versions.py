"""The lifecycle helpers and validation on every API version, sync and async, against the local server
in the real service's traffic shapes: 202 with an empty body and both polling headers, lower-case
states, a job whose provisioning succeeds while its execution fails with an exit code.

test_lifecycle.py and test_lifecycle_async.py cover each helper in depth on the default version;
here every version's bindings (its names, its models) are exercised end to end.
"""

from __future__ import annotations

import json
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from batchai_emulator import faults
from conftest import SUBSCRIPTION_ID, client_options, run_async
from scenario import RESOURCE_GROUP
from versioned import NESTED, VERSIONS, cluster, cluster_id, file_server, job, models_of, names, workspace

import batchai
import batchai.aio
from batchai import JobFailedError, JobRun, ProvisioningFailedError, WaitTimeoutError

WAIT = 600.0
RECIPES = Path(__file__).parent / "data" / "recipes"
NOT_FOUND = {"error": {"code": "ResourceNotFound", "message": "The resource was not found."}}
PROVIDER = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{RESOURCE_GROUP}/providers/Microsoft.BatchAI"


class FakeClock:
    def __init__(self) -> None:
        self.time = 0.0

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.time += seconds


class AsyncFakeClock(FakeClock):
    async def sleep(self, seconds: float) -> None:  # type: ignore[override]
        self.time += seconds


def client_for(arm_server, credential, version: str) -> batchai.BatchAIManagementClient:
    return batchai.BatchAIManagementClient(
        credential, SUBSCRIPTION_ID, api_version=version, **client_options(arm_server)
    )


def async_client_for(arm_server, credential, version: str) -> batchai.aio.BatchAIManagementClient:
    return batchai.aio.BatchAIManagementClient(
        credential, SUBSCRIPTION_ID, api_version=version, **client_options(arm_server)
    )


def parents(client: Any, version: str, clock: Any) -> None:
    """The workspace and experiment a 2018-05-01 cluster or job lives in (nothing before)."""
    if version == NESTED:
        client.workspaces.create_and_wait(RESOURCE_GROUP, "ws", workspace(), clock=clock, timeout=WAIT)
        client.experiments.create_and_wait(RESOURCE_GROUP, "ws", "ex", clock=clock, timeout=WAIT)


def api_versions(arm_server) -> set[str]:
    return {request.query["api-version"] for request in arm_server.requests}


# -- sync ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lro_mode", ["202", "201", "200"])
@pytest.mark.parametrize("version", VERSIONS)
def test_create_run_and_delete_on_every_version(arm_server, credential, version, lro_mode):
    arm_server.lro_mode = lro_mode
    arm_server.job_schedule = ["queued", "running", "succeeded"]
    models, clock = models_of(version), FakeClock()
    with client_for(arm_server, credential, version) as client:
        parents(client, version, clock)
        made = client.clusters.create_and_wait(*names(version, "cluster", "nc6"), cluster(version), clock=clock)
        assert isinstance(made, models.Cluster) and made.provisioning_state == "succeeded"
        server = client.file_servers.create_and_wait(*names(version, "fs", "fs"), file_server(version), clock=clock)
        assert isinstance(server, models.FileServer)
        seen: list[str] = []
        run = client.jobs.run(
            *names(version, "job", "train"),
            job(version, cluster=models.ResourceId(id=made.id)),
            clock=clock,
            timeout=WAIT,
            on_transition=lambda transition: seen.append(transition.state),
        )
        assert isinstance(run, JobRun) and isinstance(run.job, models.Job)
        assert run.job.execution_state == "succeeded" and seen == ["queued", "running", "succeeded"]
        assert sorted(file.name for file in run.output_files) == ["stderr.txt", "stdout.txt"]
        assert isinstance(run.output_files[0], models.File)
        deletions = [("job", "train"), ("fs", "fs"), ("cluster", "nc6")]
        if version == NESTED:
            deletions += [("experiment", "ex"), ("workspace", "ws")]
        for kind, name in deletions:
            group = {"job": "jobs", "fs": "file_servers", "cluster": "clusters"}.get(kind, kind + "s")
            getattr(client, group).delete_and_wait(*names(version, kind, name), clock=clock, timeout=WAIT)
            with pytest.raises(ResourceNotFoundError):
                getattr(client, group).get(*names(version, kind, name))
            getattr(client, group).delete_and_wait(*names(version, kind, name), clock=clock, missing_ok=True)
    assert api_versions(arm_server) == {version}
    assert all(
        ("/workspaces/" in r.path) == (version == NESTED) for r in arm_server.requests if "/operation" not in r.path
    )


@pytest.mark.parametrize("version", VERSIONS)
def test_a_job_that_provisions_but_fails_to_run(arm_server, credential, version):
    arm_server.job_schedule = ["queued", "running", "failed"]
    arm_server.job_exit_code = 3
    with client_for(arm_server, credential, version) as client:
        parents(client, version, FakeClock())
        created = client.jobs.create_and_wait(*names(version, "job"), job(version), clock=FakeClock(), timeout=WAIT)
        assert created.provisioning_state == "succeeded"  # ARM's create succeeded: only the execution tells
        with pytest.raises(JobFailedError) as caught:
            client.jobs.wait_for_completion(*names(version, "job"), clock=FakeClock(), timeout=WAIT)
        assert caught.value.exit_code == 3 and caught.value.job.provisioning_state == "succeeded"
        with pytest.raises(JobFailedError) as caught:
            client.jobs.run(*names(version, "job", "again"), job(version), clock=FakeClock(), timeout=WAIT)
        assert caught.value.exit_code == 3 and sorted(f.name for f in caught.value.output_files) == [
            "stderr.txt",
            "stdout.txt",
        ]


@pytest.mark.parametrize("version", VERSIONS)
def test_terminate_and_iter_states_on_every_version(arm_server, credential, version):
    with client_for(arm_server, credential, version) as client:
        parents(client, version, FakeClock())
        client.jobs.create_and_wait(*names(version, "job"), job(version), clock=FakeClock(), timeout=WAIT)
        arm_server.job_schedule = ["queued", "running"]
        states = []
        for transition in client.jobs.iter_states(*names(version, "job"), clock=FakeClock(), timeout=WAIT):
            states.append(transition.state)
            if transition.state == "running":
                stopped = client.jobs.terminate_and_wait(*names(version, "job"), clock=FakeClock(), timeout=WAIT)
                assert isinstance(stopped, models_of(version).Job) and stopped.execution_state == "failed"
        assert states == ["queued", "running", "failed"]


def test_a_2018_05_01_create_resumes_from_its_token_in_a_fresh_client(arm_server, credential):
    arm_server.polls_until_done = 10
    with client_for(arm_server, credential, NESTED) as client:
        parents(client, NESTED, FakeClock())
        with pytest.raises(WaitTimeoutError) as caught:
            client.jobs.create_and_wait(
                *names(NESTED, "job"), job(NESTED), clock=FakeClock(), polling_interval=1, timeout=2
            )
    token = caught.value.continuation_token
    with client_for(arm_server, credential, NESTED) as fresh:
        created = fresh.jobs.create_and_wait(*names(NESTED, "job"), job(NESTED), continuation_token=token)
    assert created.provisioning_state == "succeeded"
    assert [r.operation_id for r in arm_server.requests].count("Jobs_Create") == 1


@pytest.mark.parametrize("version", VERSIONS)
def test_a_delete_answered_404_is_success_with_missing_ok(arm_server, credential, version):
    """Some ARM providers answer the DELETE of what is not there with 404 instead of 204."""
    path = {NESTED: "workspaces/ws/experiments/ex/jobs/gone"}.get(version, "jobs/gone")
    for _ in range(2):
        arm_server.script("DELETE", f"{PROVIDER}/{path}", status=404, response_body=NOT_FOUND, api_version=version)
    with client_for(arm_server, credential, version) as client:
        assert client.jobs.delete_and_wait(*names(version, "job", "gone"), missing_ok=True, clock=FakeClock()) is None
        with pytest.raises(ResourceNotFoundError):
            client.jobs.delete_and_wait(*names(version, "job", "gone"), clock=FakeClock())
    assert [r.method for r in arm_server.requests] == ["DELETE", "DELETE"] and arm_server.pending_scripts == []


@pytest.mark.parametrize("version", VERSIONS)
def test_status_monitors_answering_in_lower_case(arm_server, credential, version):
    quota = {"code": "QuotaExceeded", "message": "no cores left"}
    with client_for(arm_server, credential, version) as client:
        parents(client, version, FakeClock())
        arm_server.faults.add(faults.monitor_status("inprogress"), faults.monitor_status("succeeded"))
        made = client.clusters.create_and_wait(*names(version, "cluster"), cluster(version), clock=FakeClock())
        assert isinstance(made, models_of(version).Cluster)
        failed = {"id": "operation", "name": "operation", "status": "failed", "error": quota}
        arm_server.faults.add(faults.Fault("reply", status=200, body=failed, path=faults.MONITOR))
        with pytest.raises(ProvisioningFailedError, match="failed to provision") as caught:
            client.file_servers.create_and_wait(*names(version, "fs"), file_server(version), clock=FakeClock())
    assert [(error.code, error.message) for error in caught.value.errors] == [("QuotaExceeded", "no cores left")]
    assert len(arm_server.faults_served) == 3


@pytest.mark.parametrize("version", VERSIONS)
def test_a_stalled_status_poll_ends_at_the_timeout_and_resumes(arm_server, credential, version):
    with client_for(arm_server, credential, version) as client:
        parents(client, version, FakeClock())
        arm_server.faults.add(faults.stall(10, path=faults.MONITOR))
        started = time.monotonic()
        with pytest.raises(WaitTimeoutError) as caught:
            client.jobs.create_and_wait(*names(version, "job"), job(version), timeout=1.5)
        assert 1.5 <= time.monotonic() - started < 4
    with client_for(arm_server, credential, version) as fresh:
        created = fresh.jobs.create_and_wait(
            *names(version, "job"), job(version), continuation_token=caught.value.continuation_token, timeout=30
        )
    assert created.provisioning_state == "succeeded"
    assert [r.operation_id for r in arm_server.requests].count("Jobs_Create") == 1


# -- the server says the same as the client -------------------------------------------------------------

# on each version, definitions breaking a rule where that version has the property
BROKEN = {
    "2017-09-01-preview": [
        (lambda m: {"priority": 1001}, "properties.priority"),
        (lambda m: {"chainer_settings": m.ChainerSettings(python_script_file_path="a.py")}, "properties"),
    ],
    "2018-03-01": [
        (
            lambda m: {
                "py_torch_settings": m.PyTorchSettings(python_script_file_path="a", communication_backend="nccl"),
                "custom_toolkit_settings": None,
            },
            "properties.pyTorchSettings.communicationBackend",
        ),
    ],
    NESTED: [
        (lambda m: {"horovod_settings": m.HorovodSettings(python_script_file_path="t.py")}, "properties"),
        (
            lambda m: {
                "custom_toolkit_settings": None,
                "custom_mpi_settings": m.CustomMpiSettings(command_line="x", process_count=0),
            },
            "properties.customMpiSettings.processCount",
        ),
    ],
}
BROKEN_CASES = [(version, *case) for version, cases in BROKEN.items() for case in cases]


@pytest.mark.parametrize(("version", "changes", "target"), BROKEN_CASES)
def test_the_server_rejects_what_the_client_does(arm_server, credential, version, changes, target):
    definition = job(version, **changes(models_of(version)))
    with client_for(arm_server, credential, version) as client:
        parents(client, version, FakeClock())
        before = len(arm_server.requests)
        with pytest.raises(batchai.ValidationError) as caught:
            client.jobs.begin_create(*names(version, "job"), definition)
        assert [problem.path for problem in caught.value.problems] == [target]
        assert len(arm_server.requests) == before
        with pytest.raises(HttpResponseError) as refused:
            client.jobs.begin_create(*names(version, "job"), definition, validate=False)
    assert refused.value.status_code == 400 and target in {refused.value.error.target} | {
        detail.target for detail in refused.value.error.details or []
    }


# -- job files of every version, run on their version ----------------------------------------------------


@pytest.mark.parametrize("path", sorted(RECIPES.glob("*/*.json")), ids=lambda path: path.stem)
def test_each_recipe_runs_on_its_own_version(arm_server, credential, path):
    version = batchai.infer_api_version(json.loads(path.read_text()))
    arm_server.job_schedule = ["running", "succeeded"]
    location = {} if version == NESTED else {"location": "eastus"}
    with pytest.warns(batchai.JobDefinitionWarning) if path.stem == "chainer_distributed" else nullcontext():
        definition = batchai.load_job_definition(
            path, cluster=cluster_id(version), storage_account_name="samples", storage_account_key="a2V5", **location
        )
    with client_for(arm_server, credential, version) as client:
        parents(client, version, FakeClock())
        run = client.jobs.run(*names(version, "job", path.stem), definition, clock=FakeClock(), timeout=WAIT)
    assert run.job.execution_state == "succeeded" and api_versions(arm_server) == {version}


# -- async ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_the_async_helpers_on_every_version(arm_server, async_credential, version):
    arm_server.job_schedule = ["queued", "running", "failed"]
    arm_server.job_exit_code = 2
    models = models_of(version)

    async def body() -> list[str]:
        clock = AsyncFakeClock()
        async with async_client_for(arm_server, async_credential, version) as client:
            if version == NESTED:
                made = await client.workspaces.create_and_wait(RESOURCE_GROUP, "ws", workspace(), clock=clock)
                assert isinstance(made, models.Workspace)
                await client.experiments.create_and_wait(RESOURCE_GROUP, "ws", "ex", clock=clock)
            made = await client.clusters.create_and_wait(*names(version, "cluster"), cluster(version), clock=clock)
            assert isinstance(made, models.Cluster)
            with pytest.raises(JobFailedError) as caught:
                await client.jobs.run(*names(version, "job"), job(version), clock=clock, timeout=WAIT)
            assert caught.value.exit_code == 2
            states = [t.state async for t in client.jobs.iter_states(*names(version, "job"), clock=clock)]
            await client.jobs.delete_and_wait(*names(version, "job"), clock=clock)
            await client.jobs.delete_and_wait(*names(version, "job"), clock=clock, missing_ok=True)
            await client.clusters.delete_and_wait(*names(version, "cluster"), clock=clock)
            if version == NESTED:
                await client.experiments.delete_and_wait(RESOURCE_GROUP, "ws", "ex", clock=clock)
                await client.workspaces.delete_and_wait(RESOURCE_GROUP, "ws", clock=clock)
            return states

    assert run_async(body()) == ["failed"]
    assert api_versions(arm_server) == {version}
