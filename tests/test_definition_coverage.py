"""Every definition of the spec that an operation can carry travels over HTTP, sync and async.

The requests and responses of a rich scenario are walked against the spec's schemas; the set
of definitions they touched must be every definition reachable from the spec's operations.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from azure.core.exceptions import ResourceNotFoundError
from conftest import SUBSCRIPTION_ID, make_async_client, make_client, run_async
from scenario import LOCATION, RESOURCE_GROUP, file_server_parameters, resource_id

import batchai
from batchai import models

KEY_VAULT = models.ResourceId(
    id=f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"
)


def secret_reference(name: str) -> models.KeyVaultSecretReference:
    return models.KeyVaultSecretReference(
        source_vault=KEY_VAULT, secret_url=f"https://kv.vault.azure.net/secrets/{name}"
    )


def mount_volumes() -> models.MountVolumes:
    return models.MountVolumes(
        azure_file_shares=[
            models.AzureFileShareReference(
                account_name="storage",
                azure_file_url="https://storage.file.core.windows.net/share",
                credentials=models.AzureStorageCredentialsInfo(account_key_secret_reference=secret_reference("key")),
                relative_mount_path="afs",
            )
        ],
        azure_blob_file_systems=[
            models.AzureBlobFileSystemReference(
                account_name="storage",
                container_name="data",
                credentials=models.AzureStorageCredentialsInfo(account_key="key"),
                relative_mount_path="bfs",
            )
        ],
        file_servers=[
            models.FileServerReference(
                file_server=models.ResourceId(id=resource_id("fileServers", "nfs")), relative_mount_path="nfs"
            )
        ],
        unmanaged_file_systems=[
            models.UnmanagedFileSystemReference(mount_command="mount -t nfs x:/y", relative_mount_path="u")
        ],
    )


def rich_cluster() -> models.ClusterCreateParameters:
    return models.ClusterCreateParameters(
        location=LOCATION,
        vm_size="STANDARD_NC6",
        vm_priority="lowpriority",
        scale_settings=models.ScaleSettings(
            manual=models.ManualScaleSettings(target_node_count=2, node_deallocation_option="requeue")
        ),
        virtual_machine_configuration=models.VirtualMachineConfiguration(
            image_reference=models.ImageReference(publisher="Canonical", offer="UbuntuServer", sku="16.04-LTS")
        ),
        node_setup=models.NodeSetup(
            setup_task=models.SetupTask(
                command_line="setup.sh",
                environment_variables=[models.EnvironmentVariable(name="A", value="1")],
                secrets=[
                    models.EnvironmentVariableWithSecretValue(name="S", value_secret_reference=secret_reference("s"))
                ],
                std_out_err_path_prefix="$AZ_BATCHAI_MOUNT_ROOT/afs",
            ),
            mount_volumes=mount_volumes(),
            performance_counters_settings=models.PerformanceCountersSettings(
                app_insights_reference=models.AppInsightsReference(
                    component=models.ResourceId(id="/subscriptions/x/insights/c"), instrumentation_key="ik"
                )
            ),
        ),
        user_account_settings=models.UserAccountSettings(
            admin_user_name="admin", admin_user_ssh_public_key="ssh-rsa AAA"
        ),
        subnet=models.ResourceId(id="/subscriptions/x/virtualNetworks/v/subnets/s"),
    )


def toolkits() -> dict[str, dict[str, Any]]:
    """One job per toolkit: the service runs exactly one toolkit per job."""
    script = "$AZ_BATCHAI_INPUT_SCRIPTS/train.py"
    return {
        "cntk": {"cntk_settings": models.CNTKsettings(language_type="BrainScript", config_file_path="cfg.cntk")},
        "caffe": {"caffe_settings": models.CaffeSettings(config_file_path="solver.prototxt", process_count=1)},
        "caffe2": {"caffe2_settings": models.Caffe2Settings(python_script_file_path=script)},
        "chainer": {"chainer_settings": models.ChainerSettings(python_script_file_path=script)},
        "pytorch": {
            "py_torch_settings": models.PyTorchSettings(python_script_file_path=script, communication_backend="gloo")
        },
        "tensorflow": {
            "tensor_flow_settings": models.TensorFlowSettings(
                python_script_file_path=script, worker_count=1, parameter_server_count=1
            )
        },
        "custom": {"custom_toolkit_settings": models.CustomToolkitSettings(command_line="echo hi")},
    }


def rich_job(toolkit: dict[str, Any]) -> models.JobCreateParameters:
    return models.JobCreateParameters(
        location=LOCATION,
        cluster=models.ResourceId(id=resource_id("clusters", "rich")),
        node_count=1,
        std_out_err_path_prefix="$AZ_BATCHAI_MOUNT_ROOT/afs",
        mount_volumes=mount_volumes(),
        container_settings=models.ContainerSettings(
            image_source_registry=models.ImageSourceRegistry(
                image="private/image",
                server_url="registry.example",
                credentials=models.PrivateRegistryCredentials(
                    username="me", password_secret_reference=secret_reference("r")
                ),
            )
        ),
        job_preparation=models.JobPreparation(command_line="prepare.sh"),
        input_directories=[models.InputDirectory(id="SCRIPTS", path="$AZ_BATCHAI_MOUNT_ROOT/afs/scripts")],
        output_directories=[models.OutputDirectory(id="MODEL", path_prefix="$AZ_BATCHAI_MOUNT_ROOT/afs", type="model")],
        environment_variables=[models.EnvironmentVariable(name="E", value="1")],
        secrets=[models.EnvironmentVariableWithSecretValue(name="T", value="t")],
        constraints=models.JobBasePropertiesConstraints(max_wall_clock_time="PT1H"),
        **toolkit,
    )


class Traffic:
    """What crossed the wire, as (operationId, direction, status, parsed body) tuples."""

    def __init__(self, spec: Any) -> None:
        self.spec = spec
        self.exchanges: list[tuple[str, str, int | None, Any]] = []

    def hook(self, pipeline_response: Any) -> None:
        request, response = pipeline_response.http_request, pipeline_response.http_response
        route = self.route(request.method, urlsplit(request.url).path)
        if route is None:
            return  # an operation-status monitor: not a spec operation
        if request.body:
            self.exchanges.append((route.operation_id, "request", None, json.loads(request.body)))
        text = response.text()
        if text:
            self.exchanges.append((route.operation_id, "response", response.status_code, json.loads(text)))

    def route(self, method: str, path: str) -> Any:
        hits = [route for route, _ in self.spec.lookup(path)]
        same_method = [route for route in hits if route.method == method]
        # next pages of a POST pageable are GETs on its path
        return (same_method or [route for route in hits if route.pageable] or [None])[0]


def definitions_touched(traffic: Traffic) -> set[str]:
    document = traffic.spec.document
    touched: set[str] = set()

    def walk(schema: dict, value: Any) -> None:
        while "$ref" in schema:
            name = schema["$ref"].split("/")[-1]
            touched.add(name)
            schema = document["definitions"][name]
        for parent in schema.get("allOf", []):
            walk(parent, value)
        if isinstance(value, dict):
            for key, item in value.items():
                if key in schema.get("properties", {}):
                    walk(schema["properties"][key], item)
                elif isinstance(schema.get("additionalProperties"), dict):
                    walk(schema["additionalProperties"], item)
        elif isinstance(value, list) and "items" in schema:
            for item in value:
                walk(schema["items"], item)

    for operation_id, direction, status, body in traffic.exchanges:
        operation = traffic.spec.operation(operation_id)
        if direction == "request":
            walk(operation.body_param["schema"], body)
        else:
            responses = _operation_node(document, operation_id)["responses"]
            response = responses.get(str(status)) or responses.get("default")
            if response and "schema" in response:
                walk(response["schema"], body)
    return touched


def reachable_definitions(document: dict) -> set[str]:
    """Definitions some operation can carry (a definition no operation references cannot travel)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/definitions/") and ref.split("/")[-1] not in found:
                found.add(ref.split("/")[-1])
                walk(document["definitions"][ref.split("/")[-1]])
            for key, item in node.items():
                if key != "x-ms-examples":
                    walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document["paths"])
    walk(document["parameters"])
    return found


def _operation_node(document: dict, operation_id: str) -> dict:
    for item in document["paths"].values():
        for node in item.values():
            if isinstance(node, dict) and node.get("operationId") == operation_id:
                return node
    raise KeyError(operation_id)


def sync_scenario(client: batchai.BatchAIManagementClient, arm_server: Any) -> None:
    list(client.operations.list())
    list(client.usage.list(LOCATION))
    client.clusters.begin_create(RESOURCE_GROUP, "rich", rich_cluster()).result()
    auto = models.ScaleSettings(auto_scale=models.AutoScaleSettings(minimum_node_count=0, maximum_node_count=2))
    client.clusters.update(RESOURCE_GROUP, "rich", models.ClusterUpdateParameters(scale_settings=auto))
    list(client.clusters.list_remote_login_information(RESOURCE_GROUP, "rich"))
    list(client.clusters.list())
    client.file_servers.begin_create(RESOURCE_GROUP, "nfs", file_server_parameters()).result()
    list(client.file_servers.list())
    for name, toolkit in toolkits().items():
        client.jobs.begin_create(RESOURCE_GROUP, name, rich_job(toolkit)).result()
    arm_server.job_schedule = ["running", "failed"]
    client.jobs.get(RESOURCE_GROUP, "custom")
    client.jobs.get(RESOURCE_GROUP, "custom")  # a failed job reports executionInfo.errors (BatchAIError)
    list(client.jobs.list())
    list(
        client.jobs.list_output_files(
            RESOURCE_GROUP, "custom", models.JobsListOutputFilesOptions(outputdirectoryid="MODEL")
        )
    )
    list(client.jobs.list_remote_login_information(RESOURCE_GROUP, "custom"))
    with pytest.raises(ResourceNotFoundError):
        client.jobs.get(RESOURCE_GROUP, "absent")  # an ARM error body: CloudError, CloudErrorBody


def test_every_reachable_definition_travels_through_the_sync_client(arm_server, credential):
    traffic = Traffic(arm_server.spec)
    with make_client(arm_server, credential, raw_response_hook=traffic.hook) as client:
        sync_scenario(client, arm_server)
    expected = reachable_definitions(arm_server.spec.document)
    assert sorted(expected - definitions_touched(traffic)) == []


def test_every_reachable_definition_travels_through_the_async_client(arm_server, async_credential):
    traffic = Traffic(arm_server.spec)

    async def scenario() -> None:
        async with make_async_client(arm_server, async_credential) as client:
            client._config.custom_hook_policy._response_callback = traffic.hook
            [_ async for _ in client.operations.list()]
            [_ async for _ in client.usage.list(LOCATION)]
            await (await client.clusters.begin_create(RESOURCE_GROUP, "rich", rich_cluster())).result()
            auto = models.ScaleSettings(auto_scale=models.AutoScaleSettings(minimum_node_count=0, maximum_node_count=2))
            await client.clusters.update(RESOURCE_GROUP, "rich", models.ClusterUpdateParameters(scale_settings=auto))
            [_ async for _ in client.clusters.list_remote_login_information(RESOURCE_GROUP, "rich")]
            [_ async for _ in client.clusters.list()]
            await (await client.file_servers.begin_create(RESOURCE_GROUP, "nfs", file_server_parameters())).result()
            [_ async for _ in client.file_servers.list()]
            for name, toolkit in toolkits().items():
                await (await client.jobs.begin_create(RESOURCE_GROUP, name, rich_job(toolkit))).result()
            arm_server.job_schedule = ["running", "failed"]
            await client.jobs.get(RESOURCE_GROUP, "custom")
            await client.jobs.get(RESOURCE_GROUP, "custom")
            [_ async for _ in client.jobs.list()]
            options = models.JobsListOutputFilesOptions(outputdirectoryid="MODEL")
            [_ async for _ in client.jobs.list_output_files(RESOURCE_GROUP, "custom", options)]
            [_ async for _ in client.jobs.list_remote_login_information(RESOURCE_GROUP, "custom")]
            with pytest.raises(ResourceNotFoundError):
                await client.jobs.get(RESOURCE_GROUP, "absent")

    run_async(scenario())
    expected = reachable_definitions(arm_server.spec.document)
    assert sorted(expected - definitions_touched(traffic)) == []


def test_unreachable_definitions_are_known_and_still_generated(arm_server):
    """KeyVaultKeyReference and LocalDataVolume: no operation of 2018-03-01 carries them."""
    document = arm_server.spec.document
    unreachable = set(document["definitions"]) - reachable_definitions(document)
    assert unreachable == {"KeyVaultKeyReference", "LocalDataVolume"}
    key = models.KeyVaultKeyReference(source_vault=KEY_VAULT, key_url="https://kv/keys/k")
    assert models.KeyVaultKeyReference.deserialize(key.serialize()).key_url == "https://kv/keys/k"
    volume = models.LocalDataVolume(host_path="/mnt", local_path="/data")
    assert models.LocalDataVolume.deserialize(volume.serialize()).host_path == "/mnt"
