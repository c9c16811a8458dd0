"""Request bodies the end-to-end tests send: small, valid Batch AI definitions."""

from __future__ import annotations

from batchai import models

SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"
RESOURCE_GROUP = "demo_resource_group"
LOCATION = "eastus"


def resource_id(kind: str, name: str) -> str:
    return f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{RESOURCE_GROUP}/providers/Microsoft.BatchAI/{kind}/{name}"


def cluster_parameters(target_node_count: int = 1) -> models.ClusterCreateParameters:
    return models.ClusterCreateParameters(
        location=LOCATION,
        vm_size="STANDARD_NC6",
        scale_settings=models.ScaleSettings(manual=models.ManualScaleSettings(target_node_count=target_node_count)),
        user_account_settings=models.UserAccountSettings(admin_user_name="admin_user", admin_user_password="s3cret!"),
    )


def job_parameters(cluster_name: str = "demo_cluster") -> models.JobCreateParameters:
    return models.JobCreateParameters(
        location=LOCATION,
        cluster=models.ResourceId(id=resource_id("clusters", cluster_name)),
        node_count=1,
        std_out_err_path_prefix="$AZ_BATCHAI_MOUNT_ROOT/azfiles",
        custom_toolkit_settings=models.CustomToolkitSettings(command_line="echo hi"),
        output_directories=[models.OutputDirectory(id="OUTPUTS", path_prefix="$AZ_BATCHAI_MOUNT_ROOT/azfiles")],
    )


def file_server_parameters() -> models.FileServerCreateParameters:
    return models.FileServerCreateParameters(
        location=LOCATION,
        vm_size="STANDARD_NC6",
        ssh_configuration=models.SshConfiguration(
            user_account_settings=models.UserAccountSettings(
                admin_user_name="admin_user", admin_user_password="s3cret!"
            )
        ),
        data_disks=models.DataDisks(disk_size_in_gb=10, disk_count=2, storage_account_type="Standard_LRS"),
    )
