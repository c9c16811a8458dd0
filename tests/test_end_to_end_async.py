"""The async client (aiohttp) against the local ARM server: every operation of every API version in sdk.toml,
and the async specifics (pollers, continuation, failures) on the default version."""

from __future__ import annotations

import pytest
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError
from conftest import client_options, make_async_client, run_async
from msrest.exceptions import ValidationError
from scenario import RESOURCE_GROUP, SUBSCRIPTION_ID, cluster_parameters, job_parameters
from spec_examples import TOUR_RUNS, VERSIONS, api_version, client_class, run_step_async, tour
from test_example_replay import DEVIATIONS

import batchai
from batchai import models


async def create_cluster(client, name: str = "demo_cluster") -> models.Cluster:
    return await (await client.clusters.begin_create(RESOURCE_GROUP, name, cluster_parameters())).result()


async def create_job(client, name: str = "demo_job") -> models.Job:
    return await (await client.jobs.begin_create(RESOURCE_GROUP, name, job_parameters())).result()


@pytest.mark.parametrize(("kind", "lro_mode"), TOUR_RUNS)
@pytest.mark.parametrize("version", VERSIONS)
def test_every_operation_of_every_version_through_the_async_client(
    version, kind, lro_mode, arm_server, async_credential
):
    """test_end_to_end.test_every_operation_of_every_version_is_exercised, through the version's own async client
    (batchai.vX.aio) or the root one (batchai.aio) with api_version=."""

    async def tour_async() -> None:
        make = client_class(version, kind, is_async=True)
        async with make(async_credential, SUBSCRIPTION_ID, **client_options(arm_server)) as client:
            for step in tour(version, DEVIATIONS):
                await run_step_async(client, step)

    arm_server.reset_coverage()
    arm_server.lro_mode = lro_mode
    run_async(tour_async())
    reached = {operation for served, operation in arm_server.coverage if served == version}
    assert reached == set(api_version(version).operations)
    assert {request.query["api-version"] for request in arm_server.requests} == {version}
    assert {request.headers["authorization"] for request in arm_server.requests} == {f"Bearer {arm_server.token}"}
    assert all(f"batchai-sdk/{batchai.__version__}" in request.headers["user-agent"] for request in arm_server.requests)


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
