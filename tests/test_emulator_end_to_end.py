"""Batch AI on this machine, end to end: the emulator started as a user starts it (its command, a temporary data
directory, the local executor), driven by the unmodified SDK over HTTPS; jobs really run.

Every wait is bounded (``DEADLINE``); jobs sleep at most a few seconds.
"""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import requests
from batchai_emulator import EmulatorProcess, FakeCredential
from scenario import RESOURCE_GROUP, SUBSCRIPTION_ID, cluster_parameters, job_parameters

import batchai
from batchai import models

DEADLINE = 60.0  # seconds any single wait below may take
CLIENTS = 50


@pytest.fixture(scope="module")
def emulator(tmp_path_factory) -> Iterator[EmulatorProcess]:
    with EmulatorProcess(tmp_path_factory.mktemp("emulator") / "data") as process:
        yield process


def new_client(emulator: EmulatorProcess) -> batchai.BatchAIManagementClient:
    return batchai.BatchAIManagementClient(
        FakeCredential("any-token"),
        SUBSCRIPTION_ID,
        base_url=emulator.base_url,
        connection_verify=emulator.ca_path,
        polling_interval=0.05,
    )


@pytest.fixture(scope="module")
def client(emulator) -> Iterator[batchai.BatchAIManagementClient]:
    with new_client(emulator) as sdk:
        yield sdk


def cluster(client, name: str, nodes: int) -> str:
    created = client.clusters.begin_create(RESOURCE_GROUP, name, cluster_parameters(nodes)).result()
    return created.id


def job(cluster_name: str, command: str, **changes) -> models.JobCreateParameters:
    parameters = job_parameters(cluster_name)
    parameters.custom_toolkit_settings = models.CustomToolkitSettings(command_line=command)
    for name, value in changes.items():
        setattr(parameters, name, value)
    return parameters


def wait_until(client, name: str, states: tuple[str, ...]) -> models.Job:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        current = client.jobs.get(RESOURCE_GROUP, name)
        if current.execution_state in states:
            return current
        time.sleep(0.05)
    raise AssertionError(f"job {name} did not reach {states} within {DEADLINE}s")


def read_outputs(client, emulator, name: str, directory_id: str) -> dict[str, str]:
    options = models.JobsListOutputFilesOptions(outputdirectoryid=directory_id, linkexpiryinminutes=5)
    files = {}
    for entry in client.jobs.list_output_files(RESOURCE_GROUP, name, options):
        if not entry.is_directory:
            reply = requests.get(entry.download_url, verify=emulator.ca_path, timeout=10)
            assert reply.status_code == 200
            files[entry.name] = reply.text
    return files


def test_a_job_prints_its_environment_and_writes_an_output_file(client, emulator):
    cluster(client, "env-cluster", 1)
    command = 'env | sort; echo "written by $GREETING" > $AZ_BATCHAI_OUTPUT_OUTPUTS/result.txt'
    variables = [models.EnvironmentVariable(name="GREETING", value="env-job")]
    created = client.jobs.begin_create(
        RESOURCE_GROUP, "env-job", job("env-cluster", command, environment_variables=variables)
    ).result()
    assert created.provisioning_state == "succeeded"
    finished = wait_until(client, "env-job", ("succeeded", "failed"))
    assert finished.execution_state == "succeeded", finished.execution_info.errors
    assert finished.execution_info.exit_code == 0
    assert finished.execution_info.start_time <= finished.execution_info.end_time
    logs = read_outputs(client, emulator, "env-job", "stdouterr")
    assert {"stdout.txt", "stderr.txt"} <= set(logs)
    assert "AZ_BATCHAI_OUTPUT_OUTPUTS=" in logs["stdout.txt"]
    assert "AZ_BATCHAI_MOUNT_ROOT=" in logs["stdout.txt"] and "GREETING=env-job" in logs["stdout.txt"]
    assert read_outputs(client, emulator, "env-job", "OUTPUTS") == {"result.txt": "written by env-job\n"}


def test_a_job_that_exits_3_is_reported_failed_with_exit_code_3(client):
    cluster(client, "exit-cluster", 1)
    client.jobs.begin_create(RESOURCE_GROUP, "exit-job", job("exit-cluster", "echo going; exit 3")).result()
    finished = wait_until(client, "exit-job", ("succeeded", "failed"))
    assert finished.provisioning_state == "succeeded"  # the ARM resource is fine; the run failed
    assert finished.execution_state == "failed"
    assert finished.execution_info.exit_code == 3
    assert finished.execution_info.errors[0].code == "JobFailed"


def test_terminate_stops_a_sleeping_job(client):
    cluster(client, "sleep-cluster", 1)
    client.jobs.begin_create(RESOURCE_GROUP, "sleeper", job("sleep-cluster", "sleep 30")).result()
    wait_until(client, "sleeper", ("running",))
    started = time.monotonic()
    client.jobs.begin_terminate(RESOURCE_GROUP, "sleeper").result()
    finished = wait_until(client, "sleeper", ("succeeded", "failed"))
    assert time.monotonic() - started < 15
    assert finished.execution_state == "failed"
    assert finished.execution_info.errors[0].code == "JobTerminated"


def test_a_queued_job_starts_when_a_slot_frees_up_and_priorities_order_the_queue(client):
    cluster(client, "one-node", 1)
    client.jobs.begin_create(RESOURCE_GROUP, "blocker", job("one-node", "sleep 2")).result()
    wait_until(client, "blocker", ("running",))
    for name, priority in (("low", -100), ("high", 100), ("normal", 0)):
        client.jobs.begin_create(RESOURCE_GROUP, name, job("one-node", "sleep 0.2", priority=priority)).result()
    assert client.jobs.get(RESOURCE_GROUP, "low").execution_state == "queued"  # no free slot yet
    ended = {name: wait_until(client, name, ("succeeded",)) for name in ("blocker", "low", "high", "normal")}
    start = {name: ended[name].execution_info.start_time for name in ended}
    assert ended["blocker"].execution_info.end_time <= start["high"]  # waited for the slot
    assert start["high"] < start["normal"] < start["low"]  # then by priority


def test_fifty_clients_creating_and_polling_jobs_at_once_all_finish(client, emulator):
    cluster(client, "busy", 4)

    def one_client(index: int) -> float:
        with new_client(emulator) as own:
            name = f"many-{index:02d}"
            created = time.monotonic()
            own.jobs.begin_create(RESOURCE_GROUP, name, job("busy", f"echo {index}")).result()
            finished = wait_until(own, name, ("succeeded", "failed"))
            assert finished.execution_state == "succeeded", finished.execution_info.errors
            return time.monotonic() - created

    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        durations = list(pool.map(one_client, range(CLIENTS)))
    assert len(durations) == CLIENTS
    names = {each.name for each in client.jobs.list_by_resource_group(RESOURCE_GROUP) if each.name.startswith("many-")}
    assert names == {f"many-{index:02d}" for index in range(CLIENTS)}


def test_a_restart_mid_run_keeps_everything_and_reports_the_interrupted_job_failed(emulator_process):
    emulator = emulator_process  # the pytest plugin's: the command, a free port, a temporary data directory
    with new_client(emulator) as sdk:
        cluster(sdk, "restart-cluster", 1)
        file_server = models.FileServerCreateParameters(
            location="eastus",
            vm_size="STANDARD_NC6",
            ssh_configuration=models.SshConfiguration(
                user_account_settings=models.UserAccountSettings(admin_user_name="me", admin_user_password="pw!")
            ),
            data_disks=models.DataDisks(disk_size_in_gb=10, disk_count=1, storage_account_type="Standard_LRS"),
        )
        sdk.file_servers.begin_create(RESOURCE_GROUP, "nfs", file_server).result()
        sdk.jobs.begin_create(RESOURCE_GROUP, "cut-off", job("restart-cluster", "sleep 30")).result()
        sdk.jobs.begin_create(RESOURCE_GROUP, "waiting", job("restart-cluster", "echo later")).result()
        wait_until(sdk, "cut-off", ("running",))
    emulator.restart()
    with new_client(emulator) as sdk:
        assert sdk.clusters.get(RESOURCE_GROUP, "restart-cluster").vm_size == "STANDARD_NC6"
        assert sdk.file_servers.get(RESOURCE_GROUP, "nfs").provisioning_state == "succeeded"
        interrupted = sdk.jobs.get(RESOURCE_GROUP, "cut-off")
        assert interrupted.execution_state == "failed"
        assert interrupted.execution_info.errors[0].code == "JobInterrupted"
        assert wait_until(sdk, "waiting", ("succeeded", "failed")).execution_state == "succeeded"  # resubmitted


def test_the_lifecycle_helpers_run_a_job_with_progress(client, emulator, capsys):
    cluster(client, "run-cluster", 1)
    parameters = job(
        "run-cluster",
        "echo hello from the emulator",
        constraints=models.JobPropertiesConstraints(max_wall_clock_time=timedelta(minutes=5)),
    )
    run = client.jobs.run(RESOURCE_GROUP, "helper-job", parameters, timeout=DEADLINE, progress=True)
    assert run.job.execution_state == "succeeded"
    assert {file.name for file in run.output_files} >= {"stdout.txt", "stderr.txt"}
    assert "job 'helper-job': succeeded" in capsys.readouterr().err
    stdout = next(file for file in run.output_files if file.name == "stdout.txt")
    assert requests.get(stdout.download_url, verify=emulator.ca_path, timeout=10).text == "hello from the emulator\n"


# -- every API version ------------------------------------------------------------------------------------


class VersionScope:
    """Where a version's clusters and jobs live: the resource group (2017-09-01-preview, 2018-03-01), or a
    workspace and an experiment in it (2018-05-01); the same calls, with that version's path arguments."""

    def __init__(self, client: batchai.BatchAIManagementClient, label: str):
        self.client, self.models = client, client.models()
        self.nested = hasattr(client, "workspaces")
        self.where = (RESOURCE_GROUP, f"ws-{label}") if self.nested else (RESOURCE_GROUP,)
        self.job_where = (*self.where, "ex") if self.nested else self.where
        self.location = {} if self.nested else {"location": "eastus"}
        if self.nested:
            client.workspaces.begin_create(
                *self.where, self.models.WorkspaceCreateParameters(location="eastus")
            ).result()
            client.experiments.begin_create(*self.job_where).result()

    def cluster(self, name: str, nodes: int) -> str:
        m = self.models
        parameters = m.ClusterCreateParameters(
            vm_size="STANDARD_NC6",
            scale_settings=m.ScaleSettings(manual=m.ManualScaleSettings(target_node_count=nodes)),
            user_account_settings=m.UserAccountSettings(admin_user_name="me", admin_user_password="pw!"),
            **self.location,
        )
        return self.client.clusters.begin_create(*self.where, name, parameters).result().id

    def run(self, name: str, cluster_id: str, command: str) -> models.Job:
        m = self.models
        parameters = m.JobCreateParameters(
            cluster=m.ResourceId(id=cluster_id),
            node_count=1,
            std_out_err_path_prefix="$AZ_BATCHAI_MOUNT_ROOT/logs",
            output_directories=[m.OutputDirectory(id="OUTPUTS", path_prefix="$AZ_BATCHAI_MOUNT_ROOT/outputs")],
            custom_toolkit_settings=m.CustomToolkitSettings(command_line=command),
            **self.location,
        )
        created = self.client.jobs.begin_create(*self.job_where, name, parameters).result()
        assert created.provisioning_state == "succeeded"
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            job = self.client.jobs.get(*self.job_where, name)
            if job.execution_state in ("succeeded", "failed"):
                return job
            time.sleep(0.05)
        raise AssertionError(f"job {name} did not finish within {DEADLINE}s")

    def outputs(self, name: str, directory_id: str, ca_path: str) -> dict[str, str]:
        options = self.models.JobsListOutputFilesOptions(outputdirectoryid=directory_id)
        return {
            entry.name: requests.get(entry.download_url, verify=ca_path, timeout=10).text
            for entry in self.client.jobs.list_output_files(*self.job_where, name, options)
            if not (getattr(entry, "is_directory", False) or getattr(entry, "file_type", "file") == "directory")
        }  # 2018-03-01 says is_directory, 2018-05-01 file_type; 2017-09-01-preview lists files only


@pytest.mark.parametrize("api_version", batchai.API_VERSIONS)
def test_every_api_version_runs_jobs_and_serves_their_output(emulator, api_version):
    label = api_version.replace("-", "")
    with batchai.BatchAIManagementClient(
        FakeCredential("t"), SUBSCRIPTION_ID, api_version=api_version, base_url=emulator.base_url,
        connection_verify=emulator.ca_path, polling_interval=0.05,
    ) as client:  # fmt: skip
        scope = VersionScope(client, label)
        cluster_id = scope.cluster(f"c-{label}", 1)
        done = scope.run(f"ok-{label}", cluster_id, "env | sort; echo data > $AZ_BATCHAI_OUTPUT_OUTPUTS/out.txt")
        assert done.execution_state == "succeeded" and done.execution_info.exit_code == 0
        logs = scope.outputs(f"ok-{label}", "stdouterr", emulator.ca_path)
        assert "AZ_BATCHAI_OUTPUT_OUTPUTS=" in logs["stdout.txt"]
        assert scope.outputs(f"ok-{label}", "OUTPUTS", emulator.ca_path) == {"out.txt": "data\n"}
        failed = scope.run(f"three-{label}", cluster_id, "exit 3")
        assert (failed.provisioning_state, failed.execution_state) == ("succeeded", "failed")
        assert failed.execution_info.exit_code == 3 and failed.execution_info.errors[0].code == "JobFailed"
