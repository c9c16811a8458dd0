"""Client-side validation (issue 3): one table per rule, the valid side sent to the local server.

Every invalid definition must raise `batchai.ValidationError` with the expected paths and send
nothing; sent anyway with `validate=False`, the server answers 400 with the same targets.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from dataclasses import FrozenInstanceError, dataclass
from pathlib import Path
from typing import Any

import msrest.exceptions
import pytest
from azure.core.exceptions import HttpResponseError
from conftest import make_async_client, run_async
from scenario import (
    LOCATION,
    RESOURCE_GROUP,
    cluster_parameters,
    file_server_parameters,
    job_parameters,
    resource_id,
)

import batchai
from batchai import models

JOBS_DATA = Path(__file__).parent / "data" / "jobs"
REFERENCE = models.KeyVaultSecretReference(
    source_vault=models.ResourceId(id="/subscriptions/0/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v"),
    secret_url="https://v.vault.azure.net/secrets/s",
)


# -- definitions ----------------------------------------------------------------------------------


def job(**changes: Any) -> models.JobCreateParameters:
    """The scenario's valid job (custom tool kit) with some attributes replaced."""
    definition = job_parameters()
    for name, value in changes.items():
        setattr(definition, name, value)
    return definition


def tool(**settings: Any) -> models.JobCreateParameters:
    """A valid job running another tool kit."""
    return job(custom_toolkit_settings=None, **settings)


def cntk(**settings: Any) -> models.JobCreateParameters:
    return tool(cntk_settings=models.CNTKsettings(**settings))


def caffe(**settings: Any) -> models.JobCreateParameters:
    return tool(caffe_settings=models.CaffeSettings(**settings))


def tensorflow(node_count: int = 2, **settings: Any) -> models.JobCreateParameters:
    return tool(
        node_count=node_count,
        tensor_flow_settings=models.TensorFlowSettings(python_script_file_path="t.py", **settings),
    )


def pytorch(**settings: Any) -> models.JobCreateParameters:
    return tool(py_torch_settings=models.PyTorchSettings(python_script_file_path="t.py", **settings))


def registry(**credentials: Any) -> models.JobCreateParameters:
    image = models.ImageSourceRegistry(
        image="me/private", credentials=models.PrivateRegistryCredentials(username="me", **credentials)
    )
    return job(container_settings=models.ContainerSettings(image_source_registry=image))


def volumes(**credentials: Any) -> models.MountVolumes:
    """A file share and a blob container; the share's credentials, modes etc. come from `credentials`."""
    modes = {name: credentials.pop(name) for name in ("file_mode", "directory_mode") if name in credentials}
    share = models.AzureFileShareReference(
        account_name="sa",
        azure_file_url="https://sa.file.core.windows.net/share",
        credentials=models.AzureStorageCredentialsInfo(**credentials),
        relative_mount_path="afs",
        **modes,
    )
    blob = models.AzureBlobFileSystemReference(
        account_name="sa",
        container_name="data",
        credentials=models.AzureStorageCredentialsInfo(account_key_secret_reference=REFERENCE),
        relative_mount_path="bfs",
    )
    return models.MountVolumes(azure_file_shares=[share], azure_blob_file_systems=[blob])


def secret(name: str = "TOKEN", **value: Any) -> models.EnvironmentVariableWithSecretValue:
    return models.EnvironmentVariableWithSecretValue(name=name, **value)


def inputs(*ids: str) -> list[models.InputDirectory]:
    return [models.InputDirectory(id=i, path=f"$AZ_BATCHAI_MOUNT_ROOT/afs/{i}") for i in ids]


def outputs(*ids: str, type: str | None = None) -> list[models.OutputDirectory]:
    return [models.OutputDirectory(id=i, path_prefix="$AZ_BATCHAI_MOUNT_ROOT/afs", type=type) for i in ids]


def cluster(**changes: Any) -> models.ClusterCreateParameters:
    definition = cluster_parameters()
    for name, value in changes.items():
        setattr(definition, name, value)
    return definition


def scale(manual: int | None = None, auto: tuple[int, ...] | None = None) -> models.ScaleSettings:
    settings = models.ScaleSettings()
    if manual is not None:
        settings.manual = models.ManualScaleSettings(target_node_count=manual)
    if auto is not None:
        low, high, *initial = auto
        settings.auto_scale = models.AutoScaleSettings(
            minimum_node_count=low, maximum_node_count=high, initial_node_count=initial[0] if initial else None
        )
    return settings


def insights(**key: Any) -> models.NodeSetup:
    reference = models.AppInsightsReference(component=models.ResourceId(id="/subscriptions/0/components/c"), **key)
    return models.NodeSetup(
        performance_counters_settings=models.PerformanceCountersSettings(app_insights_reference=reference)
    )


def setup_task(*secrets: models.EnvironmentVariableWithSecretValue) -> models.NodeSetup:
    task = models.SetupTask(
        command_line="true", std_out_err_path_prefix="$AZ_BATCHAI_MOUNT_ROOT/afs", secrets=list(secrets)
    )
    return models.NodeSetup(setup_task=task)


def update(scale_settings: models.ScaleSettings) -> models.ClusterUpdateParameters:
    return models.ClusterUpdateParameters(scale_settings=scale_settings)


def file_server(**changes: Any) -> models.FileServerCreateParameters:
    definition = file_server_parameters()
    for name, value in changes.items():
        setattr(definition, name, value)
    return definition


# -- sending ----------------------------------------------------------------------------------------


@dataclass
class Case:
    """A definition for one operation (`job`, `cluster`, `update` of a cluster, `file_server`)."""

    kind: str
    make: Callable[[], Any]
    paths: tuple[str, ...] = ()  # expected problems, in order; () for a valid definition
    group: str = RESOURCE_GROUP
    name: str = "demo"


def send(client: Any, case: Case, **kwargs: Any) -> Any:
    """Send the case's definition, waiting for the long-running operations."""
    definition = case.make()
    if case.kind == "job":
        return client.jobs.begin_create(case.group, case.name, definition, **kwargs).result()
    if case.kind == "cluster":
        return client.clusters.begin_create(case.group, case.name, definition, **kwargs).result()
    if case.kind == "update":
        return client.clusters.update(case.group, case.name, definition, **kwargs)
    return client.file_servers.begin_create(case.group, case.name, definition, **kwargs).result()


def params(table: dict[str, Case]) -> list[Any]:
    return [pytest.param(case, id=name) for name, case in table.items()]


# -- the tables -------------------------------------------------------------------------------------

# Accepted by the service, some of them only by a lenient reading of the spec: all must pass.
VALID = {
    "job": Case("job", job),
    "cluster": Case("cluster", cluster),
    "file server": Case("file_server", file_server),
    "cluster update": Case("update", lambda: update(scale(auto=(0, 4)))),
    # 1-3: tool kits; CNTK's languageType is inferred from the paths when unset, compared case-insensitively
    "cntk brainscript, no languageType": Case("job", lambda: cntk(config_file_path="$AZ_BATCHAI_INPUT_CONFIG/a.cntk")),
    "cntk python, no languageType": Case(
        "job", lambda: cntk(python_script_file_path="a.py", python_interpreter_path="/py")
    ),
    "cntk 'brainscript' lower case": Case("job", lambda: cntk(language_type="brainscript", config_file_path="a.cntk")),
    "cntk 'PYTHON' upper case": Case("job", lambda: cntk(language_type="PYTHON", python_script_file_path="a.py")),
    "cntk nothing but args": Case("job", lambda: cntk(command_line_args="x")),
    "caffe config": Case("job", lambda: caffe(config_file_path="solver.prototxt", command_line_args="")),
    "caffe python with interpreter": Case(
        "job", lambda: caffe(python_script_file_path="a.py", python_interpreter_path="/py")
    ),
    "caffe config, empty script": Case(
        "job", lambda: caffe(config_file_path="solver.prototxt", python_script_file_path="")
    ),
    "caffe2": Case("job", lambda: tool(caffe2_settings=models.Caffe2Settings(python_script_file_path="a.py"))),
    "chainer 4 processes": Case(
        "job", lambda: tool(chainer_settings=models.ChainerSettings(python_script_file_path="a.py", process_count=4))
    ),
    # 4: workerCount above nodeCount may fit the GPUs: the service decides
    "tensorflow workers above nodes": Case("job", lambda: tensorflow(parameter_server_count=2, worker_count=8)),
    "tensorflow single machine": Case("job", lambda: tensorflow(node_count=1)),
    # 5: the recipes wrote "gloo"
    "pytorch 'gloo'": Case("job", lambda: pytorch(communication_backend="gloo", process_count=2)),
    "pytorch MPI": Case("job", lambda: pytorch(communication_backend="MPI")),
    "pytorch backend omitted": Case("job", pytorch),
    # 6
    "priority lower bound": Case("job", lambda: job(priority=-1000)),
    "priority upper bound": Case("job", lambda: job(priority=1000)),
    # 7: exactly one of a secret and its reference; an empty secret value is still a value
    "registry password": Case("job", lambda: registry(password="pw")),
    "registry reference": Case("job", lambda: registry(password_secret_reference=REFERENCE)),
    "storage key": Case("job", lambda: job(mount_volumes=volumes(account_key="key"))),
    "empty secret value": Case("job", lambda: job(secrets=[secret(value="")])),
    "secret reference": Case("job", lambda: job(secrets=[secret(value_secret_reference=REFERENCE)])),
    "app insights key": Case("cluster", lambda: cluster(node_setup=insights(instrumentation_key="k"))),
    # 8
    "auto scale min = max = initial": Case("cluster", lambda: cluster(scale_settings=scale(auto=(2, 2, 2)))),
    "update: initial is for creation only": Case("update", lambda: update(scale(auto=(1, 2, 5)))),
    # 9: one variable per id and kind; Linux names are case-sensitive
    "same id for input and output": Case(
        "job", lambda: job(input_directories=inputs("DATA"), output_directories=outputs("DATA"))
    ),
    "ids differing by case": Case("job", lambda: job(input_directories=inputs("data", "DATA", "Data_2"))),
    "output types listed": Case("job", lambda: job(output_directories=outputs("OUT", type="Model,Logs, Summary"))),
    "output type upper case, trailing comma": Case(
        "job", lambda: job(output_directories=outputs("OUT", type="LOGS ,"))
    ),
    "variables differing by case": Case(
        "job",
        lambda: job(
            environment_variables=[models.EnvironmentVariable(name="token", value="1")],
            secrets=[secret(value="x")],
        ),
    ),
    # 10
    "modes 777 and 0755": Case(
        "job", lambda: job(mount_volumes=volumes(account_key="k", file_mode="777", directory_mode="0755"))
    ),
}

# The Batch AI rules, each broken once: rejected by the SDK and, with validate=False, by the server.
RULES = {
    # 1
    "no tool kit": Case("job", lambda: job(custom_toolkit_settings=None), ("properties",)),
    "two tool kits": Case(
        "job", lambda: job(py_torch_settings=models.PyTorchSettings(python_script_file_path="a")), ("properties",)
    ),
    # 2
    "caffe config and script": Case(
        "job",
        lambda: caffe(config_file_path="s.prototxt", python_script_file_path="a.py"),
        ("properties.caffeSettings.configFilePath",),
    ),
    "caffe interpreter alone": Case(
        "job",
        lambda: caffe(config_file_path="s", python_interpreter_path="/py"),
        ("properties.caffeSettings.pythonInterpreterPath",),
    ),
    # 3
    "cntk unknown language": Case("job", lambda: cntk(language_type="Lua"), ("properties.cntkSettings.languageType",)),
    "cntk brainscript with script": Case(
        "job",
        lambda: cntk(language_type="BrainScript", python_script_file_path="a.py"),
        ("properties.cntkSettings.pythonScriptFilePath",),
    ),
    "cntk python with config": Case(
        "job",
        lambda: cntk(language_type="python", config_file_path="a.cntk"),
        ("properties.cntkSettings.configFilePath",),
    ),
    "cntk brainscript with interpreter": Case(
        "job",
        lambda: cntk(language_type="brainscript", python_interpreter_path="/py"),
        ("properties.cntkSettings.pythonInterpreterPath",),
    ),
    "cntk both languages inferred": Case(
        "job",
        lambda: cntk(config_file_path="a.cntk", python_script_file_path="a.py"),
        ("properties.cntkSettings.configFilePath",),
    ),
    # 4
    "tensorflow no parameter server": Case(
        "job", lambda: tensorflow(parameter_server_count=0), ("properties.tensorFlowSettings.parameterServerCount",)
    ),
    "tensorflow no worker": Case(
        "job", lambda: tensorflow(worker_count=0), ("properties.tensorFlowSettings.workerCount",)
    ),
    "tensorflow servers above nodes": Case(
        "job",
        lambda: tensorflow(node_count=2, parameter_server_count=3),
        ("properties.tensorFlowSettings.parameterServerCount",),
    ),
    # 5
    "pytorch nccl": Case(
        "job", lambda: pytorch(communication_backend="nccl"), ("properties.pyTorchSettings.communicationBackend",)
    ),
    # 6
    "no process": Case("job", lambda: pytorch(process_count=0), ("properties.pyTorchSettings.processCount",)),
    "chainer no process": Case(
        "job",
        lambda: tool(chainer_settings=models.ChainerSettings(python_script_file_path="a.py", process_count=-1)),
        ("properties.chainerSettings.processCount",),
    ),
    "no node": Case("job", lambda: job(node_count=0), ("properties.nodeCount",)),
    "priority too high": Case("job", lambda: job(priority=1001), ("properties.priority",)),
    "priority too low": Case("job", lambda: job(priority=-1001), ("properties.priority",)),
    # 7
    "registry without password": Case(
        "job", registry, ("properties.containerSettings.imageSourceRegistry.credentials",)
    ),
    "registry password and reference": Case(
        "job",
        lambda: registry(password="pw", password_secret_reference=REFERENCE),
        ("properties.containerSettings.imageSourceRegistry.credentials",),
    ),
    "storage without key": Case(
        "job", lambda: job(mount_volumes=volumes()), ("properties.mountVolumes.azureFileShares[0].credentials",)
    ),
    "storage key and reference": Case(
        "cluster",
        lambda: cluster(
            node_setup=models.NodeSetup(mount_volumes=volumes(account_key="k", account_key_secret_reference=REFERENCE))
        ),
        ("properties.nodeSetup.mountVolumes.azureFileShares[0].credentials",),
    ),
    "secret without value": Case("job", lambda: job(secrets=[secret()]), ("properties.secrets[0]",)),
    "secret value and reference": Case(
        "job", lambda: job(secrets=[secret(value="v", value_secret_reference=REFERENCE)]), ("properties.secrets[0]",)
    ),
    "setup task secret without value": Case(
        "cluster", lambda: cluster(node_setup=setup_task(secret())), ("properties.nodeSetup.setupTask.secrets[0]",)
    ),
    "app insights without key": Case(
        "cluster",
        lambda: cluster(node_setup=insights()),
        ("properties.nodeSetup.performanceCountersSettings.appInsightsReference",),
    ),
    "app insights key and reference": Case(
        "cluster",
        lambda: cluster(node_setup=insights(instrumentation_key="k", instrumentation_key_secret_reference=REFERENCE)),
        ("properties.nodeSetup.performanceCountersSettings.appInsightsReference",),
    ),
    # 8
    "no scale": Case("cluster", lambda: cluster(scale_settings=scale()), ("properties.scaleSettings",)),
    "manual and auto scale": Case(
        "cluster", lambda: cluster(scale_settings=scale(manual=1, auto=(0, 2))), ("properties.scaleSettings",)
    ),
    "auto scale min above max": Case(
        "cluster",
        lambda: cluster(scale_settings=scale(auto=(3, 2))),
        ("properties.scaleSettings.autoScale.minimumNodeCount",),
    ),
    "auto scale initial outside": Case(
        "cluster",
        lambda: cluster(scale_settings=scale(auto=(1, 2, 3))),
        ("properties.scaleSettings.autoScale.initialNodeCount",),
    ),
    "update with both scales": Case(
        "update", lambda: update(scale(manual=1, auto=(0, 2))), ("properties.scaleSettings",)
    ),
    "update min above max": Case(
        "update", lambda: update(scale(auto=(5, 2))), ("properties.scaleSettings.autoScale.minimumNodeCount",)
    ),
    # 9
    "duplicate input id": Case(
        "job", lambda: job(input_directories=inputs("DATA", "DATA")), ("properties.inputDirectories[1].id",)
    ),
    "input id with a dash": Case(
        "job", lambda: job(input_directories=inputs("my-data")), ("properties.inputDirectories[0].id",)
    ),
    "duplicate output id": Case(
        "job", lambda: job(output_directories=outputs("OUT", "MODEL", "OUT")), ("properties.outputDirectories[2].id",)
    ),
    "output id with a dot": Case(
        "job", lambda: job(output_directories=outputs("out.dir")), ("properties.outputDirectories[0].id",)
    ),
    "variable and secret with one name": Case(
        "job",
        lambda: job(
            environment_variables=[models.EnvironmentVariable(name="TOKEN", value="1")], secrets=[secret(value="x")]
        ),
        ("properties.secrets[0].name",),
    ),
    "variable twice": Case(
        "job",
        lambda: job(environment_variables=[models.EnvironmentVariable(name="A", value=v) for v in "12"]),
        ("properties.environmentVariables[1].name",),
    ),
    "unknown output type": Case(
        "job",
        lambda: job(output_directories=outputs("OUT", type="Model, Checkpoints")),
        ("properties.outputDirectories[0].type",),
    ),
    # 10
    "file mode not octal": Case(
        "job",
        lambda: job(mount_volumes=volumes(account_key="k", file_mode="0999")),
        ("properties.mountVolumes.azureFileShares[0].fileMode",),
    ),
    "directory mode symbolic": Case(
        "cluster",
        lambda: cluster(
            node_setup=models.NodeSetup(mount_volumes=volumes(account_key="k", directory_mode="rwxrwxrwx"))
        ),
        ("properties.nodeSetup.mountVolumes.azureFileShares[0].directoryMode",),
    ),
}

# 11: the spec's own constraints (required properties, name patterns and lengths). Without
# validation the generated serializer still refuses these, so they never reach the server.
SPEC = {
    "job without cluster": Case("job", lambda: job(cluster=None), ("properties.cluster",)),
    "job without output prefix": Case(
        "job", lambda: job(std_out_err_path_prefix=None), ("properties.stdOutErrPathPrefix",)
    ),
    "input without path": Case(
        "job",
        lambda: job(input_directories=[models.InputDirectory(id="IN", path=None)]),
        ("properties.inputDirectories[0].path",),
    ),
    "cluster without vm size": Case("cluster", lambda: cluster(vm_size=None), ("properties.vmSize",)),
    "file server without disks": Case("file_server", lambda: file_server(data_disks=None), ("properties.dataDisks",)),
    "file server without admin": Case(
        "file_server",
        lambda: file_server(
            ssh_configuration=models.SshConfiguration(
                user_account_settings=models.UserAccountSettings(admin_user_name=None)
            )
        ),
        ("properties.sshConfiguration.userAccountSettings.adminUserName",),
    ),
    "job name with a space": Case("job", job, ("jobName",), name="my job"),
    "job name too long": Case("job", job, ("jobName",), name="j" * 65),
    "empty cluster name": Case("cluster", cluster, ("clusterName",), name=""),
    "file server name with a slash": Case("file_server", file_server, ("fileServerName",), name="a/b"),
    "resource group with a slash": Case("job", job, ("resourceGroupName",), group="rg/x"),
    "update: cluster name with a colon": Case("update", lambda: update(scale(manual=1)), ("clusterName",), name="c:1"),
}


# -- tests ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", params(VALID))
def test_valid_definitions_pass_and_the_server_accepts_them(client, arm_server, case):
    assert batchai.validate_definition(case.make()) == []
    if case.kind == "update":
        client.clusters.begin_create(RESOURCE_GROUP, case.name, cluster_parameters()).result()
    result = send(client, case)
    assert result.provisioning_state == "succeeded"


@pytest.mark.parametrize("case", params(RULES) + params(SPEC))
def test_invalid_definitions_raise_before_any_request(client, arm_server, case):
    with pytest.raises(batchai.ValidationError) as caught:
        send(client, case)
    assert [problem.path for problem in caught.value.problems] == list(case.paths)
    assert arm_server.requests == []


@pytest.mark.parametrize("case", params(RULES))
def test_the_server_rejects_the_same_when_validation_is_off(client, arm_server, case):
    with pytest.raises(HttpResponseError) as caught:
        send(client, case, validate=False)
    error = caught.value.error
    assert caught.value.status_code == 400 and error.code == "BadRequest"
    assert error.target in case.paths
    assert sorted(detail.target for detail in error.details) == sorted(case.paths)


def test_without_validation_the_generated_checks_remain(client, arm_server):
    with pytest.raises(msrest.exceptions.ValidationError):
        send(client, SPEC["job without cluster"], validate=False)
    with pytest.raises(msrest.exceptions.ValidationError):
        send(client, SPEC["job name with a space"], validate=False)
    assert arm_server.requests == []


def test_every_problem_is_listed_one_per_line_path_first(client, arm_server):
    definition = job(
        cluster=None,
        node_count=0,
        py_torch_settings=models.PyTorchSettings(python_script_file_path="a.py", communication_backend="nccl"),
        output_directories=outputs("OUT", "OUT"),
    )
    with pytest.raises(batchai.ValidationError) as caught:
        client.jobs.begin_create(RESOURCE_GROUP, "bad name", definition)
    error = caught.value
    expected = [
        "jobName",
        "properties.cluster",
        "properties",
        "properties.nodeCount",
        "properties.outputDirectories[1].id",
        "properties.pyTorchSettings.communicationBackend",
    ]
    assert [problem.path for problem in error.problems] == expected
    lines = str(error).splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == expected
    assert lines[0] == "jobName: 'bad name' must match the pattern '^[-\\w\\._]+$'"
    assert "pyTorchSettings, customToolkitSettings" in lines[2]
    assert arm_server.requests == []


def test_the_error_is_a_value_error_an_msrest_error_and_pickles():
    error = batchai.ValidationError([batchai.Problem("properties.nodeCount", "must be at least 1, not 0")])
    assert isinstance(error, ValueError) and isinstance(error, msrest.exceptions.ValidationError)
    copy = pickle.loads(pickle.dumps(error))
    assert (
        copy.problems == error.problems and str(copy) == str(error) == "properties.nodeCount: must be at least 1, not 0"
    )
    with pytest.raises(FrozenInstanceError):
        error.problems[0].path = "x"  # type: ignore[misc]


def test_secret_values_never_appear_in_the_error(client):
    secrets = ["registry-pw-1", "account-key-2", "env-secret-3", "instrumentation-4", "admin-pw-5"]
    definition = registry(password=secrets[0], password_secret_reference=REFERENCE)
    definition.mount_volumes = volumes(account_key=secrets[1], account_key_secret_reference=REFERENCE, file_mode="bad")
    definition.secrets = [secret(value=secrets[2], value_secret_reference=REFERENCE), secret(value=secrets[2])]
    definition.node_count = 0
    with pytest.raises(batchai.ValidationError) as caught:
        client.jobs.begin_create(RESOURCE_GROUP, "demo", definition)
    assert len(caught.value.problems) == 6
    shown = str(caught.value) + repr(caught.value) + repr(caught.value.problems)
    with pytest.raises(HttpResponseError) as caught_by_server:  # nor in what the server says
        client.jobs.begin_create(RESOURCE_GROUP, "demo", definition, validate=False)
    shown += str(caught_by_server.value)

    bad_cluster = cluster(
        node_setup=insights(instrumentation_key=secrets[3], instrumentation_key_secret_reference=REFERENCE)
    )
    bad_cluster.user_account_settings.admin_user_password = secrets[4]
    bad_cluster.scale_settings = None
    bad_cluster.vm_size = None
    with pytest.raises(batchai.ValidationError) as caught_cluster:
        client.clusters.begin_create(RESOURCE_GROUP, "demo", bad_cluster)
    shown += str(caught_cluster.value) + repr(caught_cluster.value.problems)
    for value in secrets:
        assert value not in shown


def test_validate_definition_works_alone_and_sends_nothing(arm_server):
    assert batchai.validate_definition(job()) == []
    assert batchai.validate_definition(update(scale(manual=1, auto=(2, 1)))) == [
        batchai.Problem("properties.scaleSettings", "sets both manual and autoScale: set exactly one"),
        batchai.Problem(
            "properties.scaleSettings.autoScale.minimumNodeCount", "(2) must be at most maximumNodeCount (1)"
        ),
    ]
    # any model, e.g. a part of a definition: its paths start from it
    assert [p.path for p in batchai.validate_definition(models.CNTKsettings(language_type="R"))] == ["languageType"]
    assert arm_server.requests == []


def test_a_dict_definition_is_checked_and_raw_bytes_only_for_names(client, arm_server):
    body = job(node_count=0).serialize()
    body["location"] = LOCATION
    with pytest.raises(batchai.ValidationError) as caught:
        client.jobs.begin_create(RESOURCE_GROUP, "demo", body)
    assert [problem.path for problem in caught.value.problems] == ["properties.nodeCount"]
    with pytest.raises(batchai.ValidationError):
        client.jobs.begin_create(RESOURCE_GROUP, "bad name", json.dumps(body).encode())
    assert arm_server.requests == []
    with pytest.raises(HttpResponseError) as rejected:  # bytes cannot be looked into: the server says it
        client.jobs.begin_create(RESOURCE_GROUP, "demo", json.dumps(body).encode())
    assert rejected.value.error.target == "properties.nodeCount"


def test_resuming_a_poller_checks_nothing(client, arm_server):
    token = client.jobs.begin_create(RESOURCE_GROUP, "demo", job()).continuation_token()
    resumed = client.jobs.begin_create(RESOURCE_GROUP, "demo", job(node_count=0), continuation_token=token)
    assert resumed.result().provisioning_state == "succeeded"


@pytest.mark.parametrize("path", sorted(JOBS_DATA.glob("*.json")), ids=lambda path: path.stem)
def test_job_files_written_for_the_service_pass(client, arm_server, path):
    """Job files in the shape `az batchai job create --config-file` took; the CLI added the cluster and location."""
    definition = json.loads(path.read_text())
    definition["properties"]["cluster"] = {"id": resource_id("clusters", "demo_cluster")}
    parameters = models.JobCreateParameters.deserialize({"location": LOCATION, **definition})
    assert batchai.validate_definition(parameters) == []
    assert client.jobs.begin_create(RESOURCE_GROUP, path.stem, parameters).result().provisioning_state == "succeeded"


def test_async_clients_validate_the_same_way(arm_server, async_credential):
    async def scenario() -> None:
        async with make_async_client(arm_server, async_credential) as client:
            for case in (
                RULES["two tool kits"],
                RULES["storage key and reference"],
                SPEC["file server name with a slash"],
            ):
                with pytest.raises(batchai.ValidationError) as caught:
                    await (await _send_async(client, case)).result()
                assert [problem.path for problem in caught.value.problems] == list(case.paths)
            with pytest.raises(batchai.ValidationError):
                await client.clusters.update(RESOURCE_GROUP, "demo", update(scale(manual=1, auto=(0, 1))))
            assert arm_server.requests == []

            job_created = await (await _send_async(client, VALID["cntk python, no languageType"])).result()
            assert job_created.provisioning_state == "succeeded"
            await (await client.clusters.begin_create(RESOURCE_GROUP, "demo", cluster())).result()
            assert (await client.clusters.update(RESOURCE_GROUP, "demo", update(scale(auto=(0, 2))))).name == "demo"

            with pytest.raises(HttpResponseError) as caught_by_server:
                await _send_async(client, RULES["pytorch nccl"], validate=False)
            assert caught_by_server.value.error.target == "properties.pyTorchSettings.communicationBackend"

    run_async(scenario())


async def _send_async(client: Any, case: Case, **kwargs: Any) -> Any:
    group = {"job": client.jobs, "cluster": client.clusters, "file_server": client.file_servers}[case.kind]
    return await group.begin_create(case.group, case.name, case.make(), **kwargs)
