"""Client-side validation on every API version: each rule bound where its properties exist, the
version's own toolkits and names, sync and async, nothing sent on failure (test_validation.py
covers every rule in depth on the default version)."""

from __future__ import annotations

import importlib
from typing import Any

import msrest.exceptions
import pytest
from conftest import client_options, run_async
from versioned import NESTED, VERSIONS, cluster, file_server, job, models_of, names, workspace

import batchai
import batchai.aio
from batchai_overlays.rules import TOOLKITS
from batchai_overlays.validation import rules_of

EVERYWHERE = {
    ("AutoScaleSettings", "auto_scale_bounds"),
    ("AzureFileShareReference", "file_share_modes"),
    ("AzureStorageCredentialsInfo", "secret_or_reference"),
    ("CNTKsettings", "cntk_language"),
    ("CNTKsettings", "process_count"),
    ("CaffeSettings", "caffe_config_or_script"),
    ("CaffeSettings", "process_count"),
    ("ChainerSettings", "process_count"),
    ("JobCreateParameters", "directory_ids"),
    ("JobCreateParameters", "node_count"),
    ("JobCreateParameters", "one_toolkit"),
    ("JobCreateParameters", "unique_environment_variables"),
    ("PrivateRegistryCredentials", "secret_or_reference"),
    ("ScaleSettings", "one_scale_mode"),
    ("TensorFlowSettings", "tensorflow_task_counts"),
}
SINCE_2018_03 = {
    ("AppInsightsReference", "secret_or_reference"),
    ("EnvironmentVariableWithSecretValue", "secret_or_reference"),
    ("PyTorchSettings", "process_count"),
    ("PyTorchSettings", "pytorch_backend"),
}
BEFORE_2018_05 = {("JobCreateParameters", "priority_range"), ("OutputDirectory", "output_type")}
BOUND = {
    "2017-09-01-preview": EVERYWHERE | BEFORE_2018_05,
    "2018-03-01": EVERYWHERE | SINCE_2018_03 | BEFORE_2018_05,
    "2018-05-01": EVERYWHERE
    | SINCE_2018_03
    | {
        ("JobCreateParameters", "scheduling_priority"),
        ("HorovodSettings", "process_count"),
        ("CustomMpiSettings", "process_count"),
    },
}
TOOLKIT_KEYS = {
    "2017-09-01-preview": "cntkSettings, tensorFlowSettings, caffeSettings, caffe2Settings, chainerSettings, "
    "customToolkitSettings",
    "2018-03-01": "cntkSettings, pyTorchSettings, tensorFlowSettings, caffeSettings, caffe2Settings, "
    "chainerSettings, customToolkitSettings",
    "2018-05-01": "cntkSettings, pyTorchSettings, tensorFlowSettings, caffeSettings, caffe2Settings, "
    "chainerSettings, customToolkitSettings, customMpiSettings, horovodSettings",
}


def paths(definition: Any) -> list[str]:
    return [problem.path for problem in batchai.validate_definition(definition)]


@pytest.mark.parametrize("version", VERSIONS)
def test_each_rule_is_bound_where_the_version_has_its_properties(version):
    module = models_of(version).JobCreateParameters.__module__
    bound = {(model.__name__, check.__name__) for model, checks in rules_of(module).items() for check in checks}
    assert bound == BOUND[version]


@pytest.mark.parametrize("version", VERSIONS)
def test_every_settings_property_of_a_job_is_a_known_toolkit(version):
    """A new version's new toolkit must join the one-toolkit rule, not slip past it."""
    attributes = models_of(version).JobCreateParameters._attribute_map
    settings = {name for name in attributes if name.endswith("_settings")}
    assert settings - {"container_settings"} <= set(TOOLKITS)


@pytest.mark.parametrize("version", VERSIONS)
def test_the_one_toolkit_rule_names_the_versions_toolkits(version):
    models = models_of(version)
    assert paths(job(version)) == []
    [problem] = batchai.validate_definition(job(version, custom_toolkit_settings=None))
    assert problem == batchai.Problem("properties", f"sets no tool kit: set exactly one of {TOOLKIT_KEYS[version]}")
    two = job(version, chainer_settings=models.ChainerSettings(python_script_file_path="a.py"))
    [problem] = batchai.validate_definition(two)
    assert problem.message == "sets 2 tool kits (chainerSettings, customToolkitSettings): a job runs exactly one"


def test_2018_05_01_toolkits_and_scheduling_priority():
    models = models_of(NESTED)
    horovod = models.HorovodSettings(python_script_file_path="t.py", process_count=0)
    mpi = models.CustomMpiSettings(command_line="mpirun x", process_count=-2)
    assert paths(job(NESTED, custom_toolkit_settings=None, horovod_settings=horovod)) == [
        "properties.horovodSettings.processCount"
    ]
    assert paths(job(NESTED, custom_toolkit_settings=None, custom_mpi_settings=mpi)) == [
        "properties.customMpiSettings.processCount"
    ]
    [problem] = batchai.validate_definition(
        job(NESTED, horovod_settings=models.HorovodSettings(python_script_file_path="t"))
    )
    assert "(customToolkitSettings, horovodSettings)" in problem.message
    for accepted in ("low", "normal", "HIGH", None):
        assert paths(job(NESTED, scheduling_priority=accepted)) == []
    [problem] = batchai.validate_definition(job(NESTED, scheduling_priority="urgent"))
    assert problem == batchai.Problem("properties.schedulingPriority", "must be low, normal or high, not 'urgent'")


def test_2017_09_01_preview_priority_and_environment():
    version = "2017-09-01-preview"
    models = models_of(version)
    assert paths(job(version, priority=1001)) == ["properties.priority"]
    twice = [models.EnvironmentSetting(name="A", value=value) for value in ("1", "2")]
    assert paths(job(version, environment_variables=twice)) == ["properties.environmentVariables[1].name"]
    output = models.OutputDirectory(id="OUT", path_prefix="$AZ_BATCHAI_MOUNT_ROOT/x", type="model, checkpoints")
    assert paths(job(version, output_directories=[output])) == ["properties.outputDirectories[0].type"]


# -- before sending, on every version --------------------------------------------------------------

# (group, the version's kind of names, a definition maker or None, the names' REST key for a bad name)
CREATES = [
    ("jobs", "job", job, "jobName"),
    ("clusters", "cluster", cluster, "clusterName"),
    ("file_servers", "file_server", file_server, "fileServerName"),
]
NESTED_CREATES = [
    ("workspaces", "workspace", lambda version: workspace(version), "workspaceName"),
    ("experiments", "experiment", None, "experimentName"),
]
CASES = [(version, *case) for version in VERSIONS for case in CREATES] + [(NESTED, *case) for case in NESTED_CREATES]


def client(arm_server, credential, version: str) -> batchai.BatchAIManagementClient:
    return batchai.BatchAIManagementClient(credential, "sub", api_version=version, **client_options(arm_server))


@pytest.mark.parametrize(("version", "group", "kind", "make", "name_key"), CASES)
def test_begin_create_checks_names_and_definition_before_sending(
    arm_server, credential, version, group, kind, make, name_key
):
    body = () if make is None else (make(version),)
    with client(arm_server, credential, version) as sdk:
        operations = getattr(sdk, group)
        with pytest.raises(batchai.ValidationError) as caught:
            operations.begin_create(*names(version, kind, "bad name"), *body)
        assert [problem.path for problem in caught.value.problems] == [name_key]
        if kind == "job":
            with pytest.raises(batchai.ValidationError) as caught:
                operations.begin_create(*names(version, kind), job(version, node_count=0))
            assert [problem.path for problem in caught.value.problems] == ["properties.nodeCount"]
        if version == NESTED and kind != "workspace":
            with pytest.raises(batchai.ValidationError) as caught:
                operations.begin_create(RESOURCE_GROUP_BAD, "w s", *names(version, kind)[2:], *body)
            assert [problem.path for problem in caught.value.problems] == ["resourceGroupName", "workspaceName"]
        with pytest.raises(msrest.exceptions.ValidationError):  # not ours: the generated request builder's
            operations.begin_create(*names(version, kind, "bad name"), *body, validate=False, polling=False)
    assert arm_server.requests == []


RESOURCE_GROUP_BAD = "rg/x"


@pytest.mark.parametrize("version", VERSIONS)
def test_clusters_update_is_checked_on_every_version(arm_server, credential, version):
    models = models_of(version)
    settings = models.ScaleSettings(
        manual=models.ManualScaleSettings(target_node_count=1),
        auto_scale=models.AutoScaleSettings(minimum_node_count=0, maximum_node_count=1),
    )
    with client(arm_server, credential, version) as sdk, pytest.raises(batchai.ValidationError) as caught:
        sdk.clusters.update(*names(version, "cluster"), models.ClusterUpdateParameters(scale_settings=settings))
    assert [problem.path for problem in caught.value.problems] == ["properties.scaleSettings"]
    assert arm_server.requests == []


def test_run_and_create_and_wait_check_before_anything_on_2018_05_01(arm_server, credential):
    with client(arm_server, credential, NESTED) as sdk:
        for helper in (sdk.jobs.run, sdk.jobs.create_and_wait):
            with pytest.raises(batchai.ValidationError, match="schedulingPriority"):
                helper(*names(NESTED, "job"), job(NESTED, scheduling_priority="asap"), timeout=5)
        with pytest.raises(batchai.ValidationError, match="workspaceName"):
            sdk.workspaces.create_and_wait(RESOURCE_GROUP_OK, "no spaces please", workspace(), timeout=5)
    assert arm_server.requests == []


RESOURCE_GROUP_OK = "demo_resource_group"


@pytest.mark.parametrize("version", VERSIONS)
def test_async_clients_check_on_every_version(arm_server, async_credential, version):
    async def body() -> None:
        options = client_options(arm_server)
        async with batchai.aio.BatchAIManagementClient(async_credential, "sub", api_version=version, **options) as sdk:
            with pytest.raises(batchai.ValidationError) as caught:
                await sdk.jobs.begin_create(*names(version, "job", "bad name"), job(version, node_count=0))
            assert [problem.path for problem in caught.value.problems] == ["jobName", "properties.nodeCount"]
            with pytest.raises(batchai.ValidationError):
                await sdk.jobs.run(*names(version, "job"), job(version, custom_toolkit_settings=None))
            with pytest.raises(batchai.ValidationError):
                await sdk.file_servers.create_and_wait(
                    *names(version, "file_server"), file_server(version, vm_size=None)
                )
            if version == NESTED:
                with pytest.raises(batchai.ValidationError):
                    await sdk.experiments.begin_create(RESOURCE_GROUP_OK, "ws", "e x")

    run_async(body())
    assert arm_server.requests == []


def test_validate_definition_takes_any_versions_model_and_imports_nothing_else():
    printed = importlib.import_module("subprocess").run(
        [
            importlib.import_module("sys").executable,
            "-c",
            "import sys, batchai\n"
            "from batchai.v2018_05_01 import models\n"
            "job = models.JobCreateParameters(cluster=models.ResourceId(id='x'), node_count=0, "
            "std_out_err_path_prefix='p', horovod_settings=models.HorovodSettings(python_script_file_path='t'))\n"
            "print([p.path for p in batchai.validate_definition(job)])\n"
            "print(sorted(n for n in sys.modules if n.startswith('batchai.v') and n.count('.') == 1))",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert printed.stdout.splitlines() == ["['properties.nodeCount']", "['batchai.v2018_05_01']"], printed.stderr
