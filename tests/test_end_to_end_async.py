"""Every operation of every group, through the async client (aiohttp), against the local ARM server."""

from __future__ import annotations

import pytest
from azure.core.async_paging import AsyncItemPaged
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError
from azure.core.polling import AsyncLROPoller
from conftest import make_async_client, run_async
from msrest.exceptions import ValidationError
from scenario import LOCATION, RESOURCE_GROUP, cluster_parameters, file_server_parameters, job_parameters

from batchai import models


async def collect(pager) -> list:
    return [item async for item in pager]


async def create_cluster(client, name: str = "demo_cluster") -> models.Cluster:
    return await (await client.clusters.begin_create(RESOURCE_GROUP, name, cluster_parameters())).result()


async def create_job(client, name: str = "demo_job") -> models.Job:
    return await (await client.jobs.begin_create(RESOURCE_GROUP, name, job_parameters())).result()


def test_every_operation_of_the_spec_through_the_async_client(arm_server, async_credential):
    async def tour() -> None:
        async with make_async_client(arm_server, async_credential) as client:
            assert all(op.name for op in await collect(client.operations.list()))
            assert all(usage.unit == "Count" for usage in await collect(client.usage.list(LOCATION)))

            poller = await client.clusters.begin_create(RESOURCE_GROUP, "demo_cluster", cluster_parameters())
            assert isinstance(poller, AsyncLROPoller)
            cluster = await poller.result()
            assert cluster.provisioning_state == models.ProvisioningState.SUCCEEDED
            assert (await client.clusters.get(RESOURCE_GROUP, "demo_cluster")).id == cluster.id
            updated = await client.clusters.update(
                RESOURCE_GROUP, "demo_cluster", models.ClusterUpdateParameters(tags={"team": "vision"})
            )
            assert updated.tags == {"team": "vision"}
            logins = await collect(client.clusters.list_remote_login_information(RESOURCE_GROUP, "demo_cluster"))
            assert all(login.port for login in logins)
            pager = client.clusters.list()
            assert isinstance(pager, AsyncItemPaged)
            assert [c.name for c in await collect(pager)] == ["demo_cluster"]
            by_group = client.clusters.list_by_resource_group(RESOURCE_GROUP)
            assert [c.name for c in await collect(by_group)] == ["demo_cluster"]

            job = await create_job(client)
            assert job.provisioning_state == "succeeded"
            assert (await client.jobs.get(RESOURCE_GROUP, "demo_job")).name == "demo_job"
            assert [j.name for j in await collect(client.jobs.list())] == ["demo_job"]
            assert [j.name for j in await collect(client.jobs.list_by_resource_group(RESOURCE_GROUP))] == ["demo_job"]
            options = models.JobsListOutputFilesOptions(outputdirectoryid="OUTPUTS", max_results=1)
            files = await collect(client.jobs.list_output_files(RESOURCE_GROUP, "demo_job", options))
            assert files and all(isinstance(f, models.File) for f in files)
            assert all(
                login.node_id
                for login in await collect(client.jobs.list_remote_login_information(RESOURCE_GROUP, "demo_job"))
            )
            assert await (await client.jobs.begin_terminate(RESOURCE_GROUP, "demo_job")).result() is None
            assert await (await client.jobs.begin_delete(RESOURCE_GROUP, "demo_job")).result() is None

            parameters = file_server_parameters()
            server = await (await client.file_servers.begin_create(RESOURCE_GROUP, "demo_nfs", parameters)).result()
            assert server.provisioning_state == "succeeded"
            assert (await client.file_servers.get(RESOURCE_GROUP, "demo_nfs")).name == "demo_nfs"
            assert len(await collect(client.file_servers.list())) == 1
            assert len(await collect(client.file_servers.list_by_resource_group(RESOURCE_GROUP))) == 1
            await (await client.file_servers.begin_delete(RESOURCE_GROUP, "demo_nfs")).result()
            await (await client.clusters.begin_delete(RESOURCE_GROUP, "demo_cluster")).result()
            with pytest.raises(ResourceNotFoundError):
                await client.clusters.get(RESOURCE_GROUP, "demo_cluster")

    arm_server.reset_coverage()
    run_async(tour())
    assert arm_server.operations_seen == {route.operation_id for route in arm_server.spec.routes}


@pytest.mark.parametrize("lro_mode", ["202", "201", "200"])
def test_async_create_completes_in_every_arm_lro_style(arm_server, async_credential, lro_mode):
    arm_server.lro_mode = lro_mode

    async def scenario() -> str:
        async with make_async_client(arm_server, async_credential) as client:
            return (await create_cluster(client)).provisioning_state

    assert run_async(scenario()) == "succeeded"


def test_async_continuation_token_resumes_in_a_fresh_client(arm_server, async_credential):
    async def scenario() -> models.Job:
        async with make_async_client(arm_server, async_credential) as client:
            poller = await client.jobs.begin_create(RESOURCE_GROUP, "demo_job", job_parameters())
            token = poller.continuation_token()
        async with make_async_client(arm_server, async_credential) as fresh:
            resumed = await fresh.jobs.begin_create(
                RESOURCE_GROUP, "demo_job", job_parameters(), continuation_token=token
            )
            return await resumed.result()

    job = run_async(scenario())
    assert job.provisioning_state == "succeeded"
    assert [r.operation_id for r in arm_server.requests].count("Jobs_Create") == 1


def test_async_polling_false_and_failures(arm_server, async_credential):
    async def scenario() -> None:
        async with make_async_client(arm_server, async_credential) as client:
            poller = await client.clusters.begin_create(
                RESOURCE_GROUP, "demo_cluster", cluster_parameters(), polling=False
            )
            await poller.result()
            assert poller.done()
            assert [r.operation_id for r in arm_server.requests] == ["Clusters_Create"]
            arm_server.fail_next_lro = ("Jobs_Create", {"code": "ClusterNotFound", "message": "no such cluster"})
            with pytest.raises(HttpResponseError, match="ClusterNotFound"):
                await create_job(client)

    run_async(scenario())


def test_async_errors_and_client_side_validation(arm_server, async_credential):
    async def scenario() -> None:
        async with make_async_client(arm_server, async_credential) as client:
            with pytest.raises(ValidationError):
                await client.jobs.get(RESOURCE_GROUP, "bad name!")
            assert arm_server.requests == []
            with pytest.raises(ResourceNotFoundError) as missing:
                await client.jobs.get(RESOURCE_GROUP, "absent")
            assert missing.value.error.code == "ResourceNotFound"
            arm_server.token = "another-token"
            with pytest.raises(ClientAuthenticationError):
                await client.jobs.get(RESOURCE_GROUP, "absent")

    run_async(scenario())
