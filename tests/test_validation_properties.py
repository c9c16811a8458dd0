"""Property-based tests of client-side validation (issue 3).

Random valid job definitions pass validation and the local server accepts them; one random mutation
that breaks one Batch AI rule is rejected by the client with exactly that rule's path, sends nothing,
and the server (validation off) rejects it with the same target.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario import LOCATION, RESOURCE_GROUP, resource_id

import batchai
from batchai import models

# The fixtures hold the server and a client, which every example may share.
SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
REFERENCE = models.KeyVaultSecretReference(
    source_vault=models.ResourceId(id="/subscriptions/0/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v"),
    secret_url="https://v.vault.azure.net/secrets/s",
)
TOOLKITS = (
    "cntk_settings",
    "py_torch_settings",
    "tensor_flow_settings",
    "caffe_settings",
    "caffe2_settings",
    "chainer_settings",
    "custom_toolkit_settings",
)
job_names = (f"job{n}" for n in itertools.count())

# Upper-case names: the mutations below use lower-case ones, which can then never collide.
names = st.from_regex(r"[A-Z][A-Z0-9_]{0,8}", fullmatch=True)
paths = st.sampled_from(["$AZ_BATCHAI_INPUT_SCRIPT/train.py", "train.py", "/mnt/a b/c.py", "ñ/ü.py"])
optional_processes = st.none() | st.integers(1, 64)


def any_case(word: str) -> st.SearchStrategy[str]:
    """The service compared these values case-insensitively: so does the client."""
    return st.sampled_from([word, word.lower(), word.upper()])


@st.composite
def cntk(draw: st.DrawFn) -> models.CNTKsettings:
    language = draw(st.sampled_from([None, "BrainScript", "Python"]))
    spelled = None if language is None else draw(any_case(language))
    # unset: the language is whatever the paths say
    if language == "BrainScript" or (language is None and draw(st.booleans())):
        settings_ = models.CNTKsettings(language_type=spelled, config_file_path=draw(paths))
    else:
        interpreter = draw(st.none() | st.just("/usr/bin/python3"))
        settings_ = models.CNTKsettings(
            language_type=spelled, python_script_file_path=draw(paths), python_interpreter_path=interpreter
        )
    settings_.process_count = draw(optional_processes)
    return settings_


@st.composite
def caffe(draw: st.DrawFn) -> models.CaffeSettings:
    if draw(st.booleans()):
        return models.CaffeSettings(config_file_path=draw(paths), process_count=draw(optional_processes))
    interpreter = draw(st.none() | st.just("/usr/bin/python3"))
    return models.CaffeSettings(python_script_file_path=draw(paths), python_interpreter_path=interpreter)


def tensorflow(node_count: int) -> st.SearchStrategy[models.TensorFlowSettings]:
    return st.builds(
        models.TensorFlowSettings,
        python_script_file_path=paths,
        parameter_server_count=st.none() | st.integers(1, node_count),
        worker_count=st.none() | st.integers(1, 64),  # bounded by GPUs the client cannot see
    )


def toolkit(node_count: int) -> st.SearchStrategy[tuple[str, Any]]:
    backend = st.none() | st.sampled_from(["TCP", "Gloo", "MPI"]).flatmap(any_case)
    return st.one_of(
        st.tuples(st.just("cntk_settings"), cntk()),
        st.tuples(st.just("caffe_settings"), caffe()),
        st.tuples(st.just("tensor_flow_settings"), tensorflow(node_count)),
        st.tuples(
            st.just("py_torch_settings"),
            st.builds(
                models.PyTorchSettings,
                python_script_file_path=paths,
                communication_backend=backend,
                process_count=optional_processes,
            ),
        ),
        st.tuples(st.just("caffe2_settings"), st.builds(models.Caffe2Settings, python_script_file_path=paths)),
        st.tuples(
            st.just("chainer_settings"),
            st.builds(models.ChainerSettings, python_script_file_path=paths, process_count=optional_processes),
        ),
        st.tuples(
            st.just("custom_toolkit_settings"),
            st.builds(models.CustomToolkitSettings, command_line=st.text(max_size=20)),
        ),
    )


@st.composite
def output_type(draw: st.DrawFn) -> str | None:
    kinds = draw(st.lists(st.sampled_from(["Model", "Logs", "Summary", "Custom"]).flatmap(any_case), max_size=3))
    separators = draw(st.lists(st.sampled_from([",", ", ", " ,", " , "]), min_size=len(kinds), max_size=len(kinds)))
    return "".join(kind + separator for kind, separator in zip(kinds, separators, strict=True))[:-1] or None


def secret_value() -> st.SearchStrategy[dict[str, Any]]:
    """Exactly one of a value (possibly empty) and a Key Vault reference."""
    return st.one_of(
        st.builds(dict, value=st.text(max_size=10)), st.builds(dict, value_secret_reference=st.just(REFERENCE))
    )


@st.composite
def volumes(draw: st.DrawFn) -> models.MountVolumes:
    credentials = draw(
        st.one_of(
            st.builds(dict, account_key=st.just("key")),
            st.builds(dict, account_key_secret_reference=st.just(REFERENCE)),
        )
    )
    mode = st.none() | st.sampled_from(["0777", "777", "0755", "0644", "1777"])
    share = models.AzureFileShareReference(
        account_name="sa",
        azure_file_url="https://sa.file.core.windows.net/share",
        credentials=models.AzureStorageCredentialsInfo(**credentials),
        relative_mount_path="afs",
        file_mode=draw(mode),
        directory_mode=draw(mode),
    )
    return models.MountVolumes(azure_file_shares=[share])


@st.composite
def container(draw: st.DrawFn) -> models.ContainerSettings:
    credentials = None
    if draw(st.booleans()):
        secret = draw(
            st.one_of(
                st.builds(dict, password=st.just("pw")), st.builds(dict, password_secret_reference=st.just(REFERENCE))
            )
        )
        credentials = models.PrivateRegistryCredentials(username="me", **secret)
    return models.ContainerSettings(
        image_source_registry=models.ImageSourceRegistry(image="me/img", credentials=credentials)
    )


@st.composite
def valid_jobs(draw: st.DrawFn) -> models.JobCreateParameters:
    node_count = draw(st.integers(1, 8))
    attribute, settings_ = draw(toolkit(node_count))
    variable_names = draw(st.lists(names, unique=True, max_size=4))
    split = draw(st.integers(0, len(variable_names)))
    job = models.JobCreateParameters(
        location=LOCATION,
        cluster=models.ResourceId(id=resource_id("clusters", "demo_cluster")),
        node_count=node_count,
        std_out_err_path_prefix="$AZ_BATCHAI_MOUNT_ROOT/afs",
        priority=draw(st.none() | st.integers(-1000, 1000)),
        input_directories=[
            models.InputDirectory(id=i, path=f"$AZ_BATCHAI_MOUNT_ROOT/afs/{i}")
            for i in draw(st.lists(names, unique=True, max_size=3))
        ],
        output_directories=[
            models.OutputDirectory(id=i, path_prefix="$AZ_BATCHAI_MOUNT_ROOT/afs", type=draw(output_type()))
            for i in draw(st.lists(names, unique=True, max_size=3))
        ],
        environment_variables=[models.EnvironmentVariable(name=n, value="v") for n in variable_names[:split]],
        secrets=[
            models.EnvironmentVariableWithSecretValue(name=n, **draw(secret_value())) for n in variable_names[split:]
        ],
        container_settings=draw(st.none() | container()),
        mount_volumes=draw(st.none() | volumes()),
    )
    setattr(job, attribute, settings_)
    return job


# -- mutations: each breaks one rule and returns the path the problem is reported at -------------


def replace_toolkit(job: models.JobCreateParameters, attribute: str, settings_: Any) -> None:
    for name in TOOLKITS:
        setattr(job, name, None)
    setattr(job, attribute, settings_)


def no_toolkit(job: models.JobCreateParameters) -> str:
    replace_toolkit(job, "custom_toolkit_settings", None)
    return "properties"


def second_toolkit(job: models.JobCreateParameters) -> str:
    if job.caffe2_settings is None:
        job.caffe2_settings = models.Caffe2Settings(python_script_file_path="a.py")
    else:
        job.custom_toolkit_settings = models.CustomToolkitSettings()
    return "properties"


def no_node(job: models.JobCreateParameters) -> str:
    job.node_count = 0
    return "properties.nodeCount"


def priority_out_of_range(job: models.JobCreateParameters) -> str:
    job.priority = 1001 if job.node_count % 2 else -5000
    return "properties.priority"


def duplicate_input_id(job: models.JobCreateParameters) -> str:
    job.input_directories = [*job.input_directories, *(models.InputDirectory(id="dup", path="p") for _ in "12")]
    return f"properties.inputDirectories[{len(job.input_directories) - 1}].id"


def output_id_with_a_dash(job: models.JobCreateParameters) -> str:
    job.output_directories = [*job.output_directories, models.OutputDirectory(id="my-out", path_prefix="p")]
    return f"properties.outputDirectories[{len(job.output_directories) - 1}].id"


def unknown_output_type(job: models.JobCreateParameters) -> str:
    job.output_directories = [
        *job.output_directories,
        models.OutputDirectory(id="out", path_prefix="p", type="Model,Weights"),
    ]
    return f"properties.outputDirectories[{len(job.output_directories) - 1}].type"


def variable_also_secret(job: models.JobCreateParameters) -> str:
    job.environment_variables = [*job.environment_variables, models.EnvironmentVariable(name="dup", value="1")]
    job.secrets = [*job.secrets, models.EnvironmentVariableWithSecretValue(name="dup", value="2")]
    return f"properties.secrets[{len(job.secrets) - 1}].name"


def secret_without_value(job: models.JobCreateParameters) -> str:
    job.secrets = [*job.secrets, models.EnvironmentVariableWithSecretValue(name="empty")]
    return f"properties.secrets[{len(job.secrets) - 1}]"


def registry_password_and_reference(job: models.JobCreateParameters) -> str:
    credentials = models.PrivateRegistryCredentials(username="me", password="pw", password_secret_reference=REFERENCE)
    job.container_settings = models.ContainerSettings(
        image_source_registry=models.ImageSourceRegistry(image="me/img", credentials=credentials)
    )
    return "properties.containerSettings.imageSourceRegistry.credentials"


def file_mode_not_octal(job: models.JobCreateParameters) -> str:
    job.mount_volumes = models.MountVolumes(
        azure_file_shares=[
            models.AzureFileShareReference(
                account_name="sa",
                azure_file_url="https://sa.file.core.windows.net/share",
                credentials=models.AzureStorageCredentialsInfo(account_key_secret_reference=REFERENCE),
                relative_mount_path="afs",
                file_mode="0o777",
            )
        ]
    )
    return "properties.mountVolumes.azureFileShares[0].fileMode"


def more_parameter_servers_than_nodes(job: models.JobCreateParameters) -> str:
    tensorflow_ = models.TensorFlowSettings(python_script_file_path="a.py", parameter_server_count=job.node_count + 1)
    replace_toolkit(job, "tensor_flow_settings", tensorflow_)
    return "properties.tensorFlowSettings.parameterServerCount"


def unknown_pytorch_backend(job: models.JobCreateParameters) -> str:
    pytorch = models.PyTorchSettings(python_script_file_path="a.py", communication_backend="nccl")
    replace_toolkit(job, "py_torch_settings", pytorch)
    return "properties.pyTorchSettings.communicationBackend"


def cntk_config_with_python(job: models.JobCreateParameters) -> str:
    cntk_ = models.CNTKsettings(language_type="Python", config_file_path="a.cntk", python_script_file_path="a.py")
    replace_toolkit(job, "cntk_settings", cntk_)
    return "properties.cntkSettings.configFilePath"


def caffe_config_and_script(job: models.JobCreateParameters) -> str:
    replace_toolkit(job, "caffe_settings", models.CaffeSettings(config_file_path="s", python_script_file_path="a.py"))
    return "properties.caffeSettings.configFilePath"


def no_process(job: models.JobCreateParameters) -> str:
    replace_toolkit(job, "chainer_settings", models.ChainerSettings(python_script_file_path="a.py", process_count=0))
    return "properties.chainerSettings.processCount"


MUTATIONS: list[Callable[[models.JobCreateParameters], str]] = [
    no_toolkit,
    second_toolkit,
    no_node,
    priority_out_of_range,
    duplicate_input_id,
    output_id_with_a_dash,
    unknown_output_type,
    variable_also_secret,
    secret_without_value,
    registry_password_and_reference,
    file_mode_not_octal,
    more_parameter_servers_than_nodes,
    unknown_pytorch_backend,
    cntk_config_with_python,
    caffe_config_and_script,
    no_process,
]


# -- properties -------------------------------------------------------------------------------------


@pytest.fixture
def fast_server(arm_server):
    arm_server.lro_mode = "200"  # a create is one request
    return arm_server


@SETTINGS
@given(job=valid_jobs())
def test_random_valid_jobs_pass_and_the_server_accepts_them(client, fast_server, job):
    assert batchai.validate_definition(job) == []
    created = client.jobs.begin_create(RESOURCE_GROUP, next(job_names), job).result()
    assert created.provisioning_state == "succeeded"


@SETTINGS
@given(job=valid_jobs(), mutate=st.sampled_from(MUTATIONS))
def test_one_broken_rule_is_rejected_before_sending(client, fast_server, job, mutate):
    path = mutate(job)
    sent = len(fast_server.requests)
    name = next(job_names)
    with pytest.raises(batchai.ValidationError) as caught:
        client.jobs.begin_create(RESOURCE_GROUP, name, job)
    assert [problem.path for problem in caught.value.problems] == [path]
    assert len(fast_server.requests) == sent
    with pytest.raises(HttpResponseError) as rejected:
        client.jobs.begin_create(RESOURCE_GROUP, name, job, validate=False)
    assert rejected.value.status_code == 400 and rejected.value.error.target == path
