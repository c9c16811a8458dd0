"""Secrets never appear in logs, reprs or error messages."""

from __future__ import annotations

import logging

import pytest
from azure.core.exceptions import HttpResponseError
from conftest import make_async_client, run_async
from scenario import RESOURCE_GROUP, cluster_parameters, job_parameters

from batchai import models

PASSWORD = "s3cret!"  # the admin password tests/scenario.py sends
SECRETS = ["account-key-123", "registry-pass-456", "env-secret-789", "instrumentation-000"]


def job_with_every_secret() -> models.JobCreateParameters:
    job = job_parameters()
    job.secrets = [models.EnvironmentVariableWithSecretValue(name="TOKEN", value="env-secret-789")]
    job.container_settings = models.ContainerSettings(
        image_source_registry=models.ImageSourceRegistry(
            image="private/image",
            credentials=models.PrivateRegistryCredentials(username="me", password="registry-pass-456"),
        )
    )
    job.mount_volumes = models.MountVolumes(
        azure_file_shares=[
            models.AzureFileShareReference(
                account_name="storage",
                azure_file_url="https://storage.file.core.windows.net/share",
                credentials=models.AzureStorageCredentialsInfo(account_key="account-key-123"),
                relative_mount_path="afs",
            )
        ]
    )
    return job


def test_model_repr_and_str_mask_every_secret():
    cluster = cluster_parameters()
    cluster.node_setup = models.NodeSetup(
        performance_counters_settings=models.PerformanceCountersSettings(
            app_insights_reference=models.AppInsightsReference(
                component=models.ResourceId(id="/x"), instrumentation_key="instrumentation-000"
            )
        )
    )
    shown = repr(job_with_every_secret()) + str(job_with_every_secret()) + repr(cluster) + str(cluster)
    for secret in [PASSWORD, *SECRETS]:
        assert secret not in shown
    assert "***" in shown and "private/image" in shown, "non-secret values stay visible"


def test_network_trace_masks_secrets_and_the_bearer_token(client, arm_server, caplog):
    caplog.set_level(logging.DEBUG, logger="azure.core.pipeline.policies.http_logging_policy")
    client.clusters.begin_create(RESOURCE_GROUP, "demo_cluster", cluster_parameters(), logging_enable=True).result()
    client.jobs.begin_create(RESOURCE_GROUP, "demo_job", job_with_every_secret(), logging_enable=True).result()
    logged = caplog.text
    assert "Request body" in logged and "adminUserName" in logged, "the trace is still written"
    assert arm_server.requests[0].body["properties"]["userAccountSettings"]["adminUserPassword"] == PASSWORD
    for secret in [PASSWORD, *SECRETS, arm_server.token]:
        assert secret not in logged


def test_async_network_trace_masks_secrets(arm_server, async_credential, caplog):
    caplog.set_level(logging.DEBUG, logger="azure.core.pipeline.policies.http_logging_policy")

    async def scenario() -> None:
        async with make_async_client(arm_server, async_credential) as client:
            poller = await client.jobs.begin_create(
                RESOURCE_GROUP, "demo_job", job_with_every_secret(), logging_enable=True
            )
            await poller.result()

    run_async(scenario())
    assert "Request body" in caplog.text
    for secret in [*SECRETS, arm_server.token]:
        assert secret not in caplog.text


def test_server_errors_about_a_secret_body_do_not_echo_it(client, arm_server):
    parameters = job_with_every_secret()
    client.jobs.begin_create(RESOURCE_GROUP, "demo_job", parameters).result()
    parameters.node_count = 2  # a different definition under the same name: 409
    with pytest.raises(HttpResponseError) as caught:
        client.jobs.begin_create(RESOURCE_GROUP, "demo_job", parameters)
    for secret in SECRETS:
        assert secret not in str(caught.value)
