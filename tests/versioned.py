"""Valid definitions and resource names for any API version, built from that version's models."""

from __future__ import annotations

from typing import Any

from scenario import LOCATION, RESOURCE_GROUP, resource_id

import batchai

VERSIONS = batchai.API_VERSIONS
NESTED = "2018-05-01"  # the version whose clusters, file servers and jobs live in workspaces


def models_of(api_version: str) -> Any:
    return batchai.BatchAIManagementClient.models(api_version)


def names(api_version: str, kind: str, name: str = "demo") -> tuple[str, ...]:
    """The path parameters of a `kind` resource named `name`, as the version's generated methods take them."""
    if api_version != NESTED:
        return (RESOURCE_GROUP, name)
    return {
        "job": (RESOURCE_GROUP, "ws", "ex", name),
        "workspace": (RESOURCE_GROUP, name),
        "experiment": (RESOURCE_GROUP, "ws", name),
    }.get(kind, (RESOURCE_GROUP, "ws", name))


def cluster_id(api_version: str, name: str = "demo_cluster") -> str:
    return resource_id(
        "clusters" if api_version != NESTED else "workspaces", name if api_version != NESTED else f"ws/clusters/{name}"
    )


def _located(model: Any, **values: Any) -> Any:
    """The model, with a location where the version's model has one (2018-05-01's are in their workspace's)."""
    if "location" in model._attribute_map:
        values["location"] = LOCATION
    return model(**values)


def job(api_version: str, **changes: Any) -> Any:
    models = models_of(api_version)
    values = {
        "cluster": models.ResourceId(id=cluster_id(api_version)),
        "node_count": 1,
        "std_out_err_path_prefix": "$AZ_BATCHAI_MOUNT_ROOT/azfiles",
        "custom_toolkit_settings": models.CustomToolkitSettings(command_line="echo hi"),
        **changes,
    }
    return _located(models.JobCreateParameters, **values)


def cluster(api_version: str, **changes: Any) -> Any:
    models = models_of(api_version)
    values = {
        "vm_size": "STANDARD_NC6",
        "scale_settings": models.ScaleSettings(manual=models.ManualScaleSettings(target_node_count=1)),
        "user_account_settings": models.UserAccountSettings(
            admin_user_name="admin_user", admin_user_password="s3cret!"
        ),
        **changes,
    }
    return _located(models.ClusterCreateParameters, **values)


def file_server(api_version: str, **changes: Any) -> Any:
    models = models_of(api_version)
    user = models.UserAccountSettings(admin_user_name="admin_user", admin_user_password="s3cret!")
    values = {
        "vm_size": "STANDARD_NC6",
        "ssh_configuration": models.SshConfiguration(user_account_settings=user),
        "data_disks": models.DataDisks(disk_size_in_gb=10, disk_count=2, storage_account_type="Standard_LRS"),
        **changes,
    }
    return _located(models.FileServerCreateParameters, **values)


def workspace(api_version: str = NESTED) -> Any:
    return models_of(api_version).WorkspaceCreateParameters(location=LOCATION)
