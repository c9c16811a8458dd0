"""`batchai.load_job_definition`: the job files of `az batchai job create --config-file`, run through the SDK."""

from __future__ import annotations

import copy
import faulthandler
import json
from pathlib import Path

import pytest
from scenario import LOCATION, RESOURCE_GROUP, resource_id

import batchai
from batchai import JobDefinitionError, load_job_definition, models

JOB_FILES = Path(__file__).parent / "data" / "job_files"
CLUSTER = resource_id("clusters", "nc6")
KEY = "c2VjcmV0LWtleQ=="


class FakeClock:
    """Time that moves only when a wait sleeps, so the waits below end at once, or at their timeout."""

    def __init__(self) -> None:
        self.time = 0.0

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.time += seconds


@pytest.fixture(autouse=True)
def bounded():
    faulthandler.dump_traceback_later(20, exit=True)  # a hard bound on any test here
    yield
    faulthandler.cancel_dump_traceback_later()


def minimal(**properties) -> dict:
    """The smallest job file, with `properties` added or replaced."""
    base = {
        "nodeCount": 1,
        "stdOutErrPathPrefix": "$AZ_BATCHAI_JOB_MOUNT_ROOT/logs",
        "customToolkitSettings": {"commandLine": "python train.py"},
    }
    return {"properties": {**base, **properties}}


def problems(source, **kwargs) -> list[str]:
    """What a strict load refuses (a lenient one refuses the same, but unknown keys)."""
    with pytest.raises(JobDefinitionError) as caught:
        load_job_definition(source, **{"location": LOCATION, "cluster": CLUSTER, "strict": True, **kwargs})
    return caught.value.problems


# -- the files, end to end ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "credentials"),
    [
        ("cntk_convnet_mnist.json", {"storage_account_name": "mystorage", "storage_account_key": KEY}),
        ("tensorflow_mnist_distributed.json", {"storage_account_keys": {"batchaisamples": KEY}}),
        ("custom_horovod.json", {"storage_account_keys": {"HorovodLogs": KEY}}),
    ],
)
def test_each_job_file_runs_unchanged(client, arm_server, file, credentials):
    parameters = load_job_definition(JOB_FILES / file, location=LOCATION, cluster=CLUSTER, **credentials)
    assert isinstance(parameters, models.JobCreateParameters)
    arm_server.job_schedule = ["running", "succeeded"]
    result = client.jobs.run(RESOURCE_GROUP, "from_file", parameters, clock=FakeClock(), polling_interval=1, timeout=60)
    assert result.job.execution_state == "succeeded"
    assert len(arm_server.requests) <= 10
    body = next(r.body for r in arm_server.requests if r.operation_id == "Jobs_Create")
    for share in body["properties"].get("mountVolumes", {}).get("azureFileShares", []):
        assert share["credentials"] == {"accountKey": KEY} and share["accountName"] in share["azureFileUrl"]


def test_placeholders_and_missing_credentials_are_filled_as_the_cli_did():
    parameters = load_job_definition(
        JOB_FILES / "cntk_convnet_mnist.json",
        location=LOCATION,
        cluster=CLUSTER,
        storage_account_name="mystorage",
        storage_account_key=KEY,
    )
    logs, scripts = parameters.mount_volumes.azure_file_shares
    assert logs.azure_file_url == "https://mystorage.file.core.windows.net/logs"
    assert logs.account_name == scripts.account_name == "mystorage"
    assert logs.credentials.account_key == KEY
    (data,) = parameters.mount_volumes.azure_blob_file_systems
    assert (data.account_name, data.credentials.account_key) == ("mystorage", KEY)
    assert parameters.location == LOCATION and parameters.cluster.id == CLUSTER
    assert parameters.cntk_settings.python_script_file_path == "$AZ_BATCHAI_INPUT_SCRIPTS/ConvNet_MNIST.py"
    assert KEY not in repr(parameters), "keys stay out of reprs"


def test_the_files_cluster_is_used_unless_one_is_given():
    path = JOB_FILES / "custom_horovod.json"
    keys = {"storage_account_keys": {"horovodlogs": KEY}}
    from_file = load_job_definition(path, location=LOCATION, **keys)
    assert from_file.cluster.id.endswith("/clusters/nc24r")
    given = load_job_definition(path, location=LOCATION, cluster=models.ResourceId(id=CLUSTER), **keys)
    assert given.cluster.id == CLUSTER
    assert str(from_file.constraints.max_wall_clock_time) == "1 day, 0:00:00"


def test_a_dict_is_read_without_being_changed():
    document = minimal(location="westeurope")  # where the CLI's job schema put it
    document["$schema"] = "https://raw.githubusercontent.com/Azure/BatchAI/master/schemas/2018-03-01/job.json"
    before = copy.deepcopy(document)
    parameters = load_job_definition(document, cluster=CLUSTER)
    assert parameters.location == "westeurope" and document == before
    assert load_job_definition(document, location=LOCATION, cluster=CLUSTER).location == LOCATION


def test_key_vault_references_need_no_key():
    share = {
        "accountName": "vaulted",
        "azureFileUrl": "https://vaulted.file.core.windows.net/logs",
        "relativeMountPath": "logs",
        "credentials": {
            "accountKeySecretReference": {
                "sourceVault": {"id": resource_id("vaults", "kv")},
                "secretUrl": "https://kv.vault.azure.net/secrets/storage-key",
            }
        },
    }
    parameters = load_job_definition(
        minimal(mountVolumes={"azureFileShares": [share]}), location=LOCATION, cluster=CLUSTER
    )
    (loaded,) = parameters.mount_volumes.azure_file_shares
    assert loaded.credentials.account_key is None and loaded.credentials.account_key_secret_reference


# -- what is refused, and how it is said --------------------------------------------------------


def test_unknown_keys_are_named_with_a_suggestion():
    document = minimal(cntkSetings={"languageType": "Python"}, customToolkitSettings={"comandLine": "x"})
    document["name"] = "my-job"
    assert problems(document) == [
        "unknown key 'properties.customToolkitSettings.comandLine' (did you mean 'commandLine'?)",
        "unknown key 'properties.cntkSetings' (did you mean 'cntkSettings'?)",
        "unknown key 'name'",
    ]


def test_unknown_keys_inside_lists_and_nested_models():
    document = minimal(
        inputDirectories=[{"id": "DATA", "path": "/data", "readOnly": True}],
        containerSettings={"imageSourceRegistry": {"image": "x", "credentials": {"user": "me"}}},
    )
    assert problems(document) == [
        "unknown key 'properties.inputDirectories[0].readOnly'",
        "unknown key 'properties.containerSettings.imageSourceRegistry.credentials.user' (did you mean 'username'?)",
    ]


def test_missing_values_and_credentials_are_all_listed():
    document = minimal(
        mountVolumes={
            "azureFileShares": [
                {"azureFileUrl": "https://unknownacct.file.core.windows.net/logs", "relativeMountPath": "logs"},
                {"azureFileUrl": "https://<AZURE_BATCHAI_STORAGE_ACCOUNT>.file.core.windows.net/x"},
            ]
        }
    )
    del document["properties"]["nodeCount"]
    assert problems(document, location=None, cluster="nc6") == [
        "no location: pass location= (e.g. 'eastus')",
        "cluster must be a cluster's resource id "
        "(/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.BatchAI/[workspaces/<w>/]clusters/<name>), "
        "not 'nc6'",
        "'properties.mountVolumes.azureFileShares[0].credentials': no key for storage account 'unknownacct': "
        "pass storage_account_keys=",
        "'properties.mountVolumes.azureFileShares[1].azureFileUrl' uses <AZURE_BATCHAI_STORAGE_ACCOUNT>: "
        "pass storage_account_name=",
        "'properties.mountVolumes.azureFileShares[1].relativeMountPath' is required",
        "'properties.nodeCount' is required",
    ]


def test_no_cluster_anywhere():
    assert problems(minimal(), cluster=None) == ["no cluster: pass cluster= with the cluster's resource id"]


def test_wrong_types_and_shapes():
    assert "wrong type" in problems(minimal(nodeCount="two"))[0]
    assert problems({"nodeCount": 1}) == ['expected a JSON object with a "properties" object']


def test_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "job.json"
    path.write_text('{"properties": {"nodeCount": 1,}}')
    with pytest.raises(JobDefinitionError) as caught:
        load_job_definition(path, location=LOCATION, cluster=CLUSTER)
    assert caught.value.source == str(path)
    assert str(caught.value).startswith(
        f"{path}: not JSON: Expecting property name enclosed in double quotes at line 1"
    )
    assert isinstance(caught.value, ValueError)


def test_a_key_needs_its_account_name():
    with pytest.raises(ValueError, match="storage_account_key needs storage_account_name"):
        load_job_definition(minimal(), location=LOCATION, cluster=CLUSTER, storage_account_key=KEY)


def test_the_loaded_definition_serializes_to_the_files_body(client):
    path = JOB_FILES / "tensorflow_mnist_distributed.json"
    parameters = load_job_definition(
        path, location=LOCATION, cluster=CLUSTER, storage_account_keys={"batchaisamples": KEY}
    )
    body = client.jobs._serialize.body(parameters, "JobCreateParameters")
    expected = json.loads(path.read_text())["properties"]
    expected["mountVolumes"]["azureFileShares"][0]["credentials"] = {"accountKey": KEY}
    assert body == {"location": LOCATION, "properties": {**expected, "cluster": {"id": CLUSTER}}}
    assert batchai.load_job_definition is load_job_definition
