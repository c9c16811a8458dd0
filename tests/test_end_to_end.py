"""The sync client over HTTPS against the local ARM server: every operation of every API version in sdk.toml
(test_every_operation_of_every_version_is_exercised), and each group's behaviour in depth on the default version."""

from __future__ import annotations

import json

import pytest
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
)
from azure.core.paging import ItemPaged
from azure.core.polling import LROPoller
from azure.core.rest import HttpRequest
from conftest import client_options, make_client
from msrest.exceptions import ValidationError
from scenario import (
    LOCATION,
    RESOURCE_GROUP,
    SUBSCRIPTION_ID,
    cluster_parameters,
    file_server_parameters,
    job_parameters,
)
from spec_examples import TOUR_RUNS, VERSIONS, api_version, client_class, run_step, tour
from test_example_replay import DEVIATIONS

import batchai
from batchai import models


def create_cluster(client, name: str = "demo_cluster") -> models.Cluster:
    return client.clusters.begin_create(RESOURCE_GROUP, name, cluster_parameters()).result()


def create_job(client, name: str = "demo_job") -> models.Job:
    return client.jobs.begin_create(RESOURCE_GROUP, name, job_parameters()).result()


def test_operations_list_pages_through_every_provider_operation(client, arm_server):
    operations = list(client.operations.list())
    assert operations and all(isinstance(op, models.Operation) for op in operations)
    assert all(op.name.startswith("Microsoft.BatchAI/") for op in operations)
    assert operations[0].display.provider
    pages = [r for r in arm_server.requests if r.operation_id == "Operations_List"]
    assert len(pages) == -(-len(operations) // arm_server.page_size)


def test_usage_list_returns_typed_usages(client):
    usages = list(client.usage.list(LOCATION))
    assert usages
    assert all(usage.unit == "Count" and isinstance(usage.limit, int) for usage in usages)
    assert all(usage.name.value for usage in usages)


def test_cluster_lifecycle(client, arm_server):
    poller = client.clusters.begin_create(RESOURCE_GROUP, "demo_cluster", cluster_parameters())
    assert isinstance(poller, LROPoller)
    cluster = poller.result()
    assert isinstance(cluster, models.Cluster)
    assert cluster.provisioning_state == models.ProvisioningState.SUCCEEDED
    assert cluster.name == "demo_cluster" and cluster.vm_size == "STANDARD_NC6"
    assert cluster.scale_settings.manual.target_node_count == 1
    sent = next(r for r in arm_server.requests if r.operation_id == "Clusters_Create")
    assert sent.body["properties"]["userAccountSettings"] == {
        "adminUserName": "admin_user",
        "adminUserPassword": "s3cret!",
    }

    fetched = client.clusters.get(RESOURCE_GROUP, "demo_cluster")
    assert fetched.id == cluster.id

    updated = client.clusters.update(
        RESOURCE_GROUP,
        "demo_cluster",
        models.ClusterUpdateParameters(
            scale_settings=models.ScaleSettings(
                auto_scale=models.AutoScaleSettings(minimum_node_count=0, maximum_node_count=4)
            )
        ),
    )
    assert updated.scale_settings.auto_scale.maximum_node_count == 4

    logins = list(client.clusters.list_remote_login_information(RESOURCE_GROUP, "demo_cluster"))
    assert all(isinstance(login, models.RemoteLoginInformation) and login.port for login in logins)

    assert client.clusters.begin_delete(RESOURCE_GROUP, "demo_cluster").result() is None
    with pytest.raises(ResourceNotFoundError) as caught:
        client.clusters.get(RESOURCE_GROUP, "demo_cluster")
    assert caught.value.error.code == "ResourceNotFound"


def test_cluster_lists_page_and_honor_max_results(client, arm_server):
    for index in range(5):
        create_cluster(client, f"cluster{index}")
    assert sorted(c.name for c in client.clusters.list()) == [f"cluster{i}" for i in range(5)]
    by_group = client.clusters.list_by_resource_group(
        RESOURCE_GROUP, models.ClustersListByResourceGroupOptions(max_results=1)
    )
    assert isinstance(by_group, ItemPaged)
    assert len(list(by_group)) == 5
    sent = [r for r in arm_server.requests if r.operation_id == "Clusters_ListByResourceGroup"]
    assert len(sent) == 5 and sent[0].query["maxresults"] == "1"
    assert len(list(client.clusters.list(models.ClustersListOptions(max_results=3)))) == 5


def test_job_lifecycle(client, arm_server):
    create_cluster(client)
    job = create_job(client)
    assert job.provisioning_state == "succeeded"
    assert job.custom_toolkit_settings.command_line == "echo hi"
    assert job.execution_state in {state.value for state in models.ExecutionState}

    assert client.jobs.get(RESOURCE_GROUP, "demo_job").cluster.id == job.cluster.id
    assert [j.name for j in client.jobs.list()] == ["demo_job"]
    assert [j.name for j in client.jobs.list_by_resource_group(RESOURCE_GROUP)] == ["demo_job"]

    files = list(
        client.jobs.list_output_files(
            RESOURCE_GROUP, "demo_job", models.JobsListOutputFilesOptions(outputdirectoryid="OUTPUTS", max_results=1)
        )
    )
    assert files and all(isinstance(f, models.File) and f.name for f in files)
    listing = [r for r in arm_server.requests if r.operation_id == "Jobs_ListOutputFiles"]
    assert listing[0].method == "POST" and listing[0].query["outputdirectoryid"] == "OUTPUTS"
    assert "directory" not in listing[0].query, "service defaults are left to the service"

    logins = list(client.jobs.list_remote_login_information(RESOURCE_GROUP, "demo_job"))
    assert all(login.node_id for login in logins)

    assert client.jobs.begin_terminate(RESOURCE_GROUP, "demo_job").result() is None
    assert client.jobs.get(RESOURCE_GROUP, "demo_job").execution_state == models.ExecutionState.FAILED

    assert client.jobs.begin_delete(RESOURCE_GROUP, "demo_job").result() is None
    with pytest.raises(ResourceNotFoundError):
        client.jobs.get(RESOURCE_GROUP, "demo_job")


def test_file_server_lifecycle(client):
    server = client.file_servers.begin_create(RESOURCE_GROUP, "demo_nfs", file_server_parameters()).result()
    assert server.provisioning_state == models.FileServerProvisioningState.SUCCEEDED
    assert server.data_disks.disk_count == 2
    assert client.file_servers.get(RESOURCE_GROUP, "demo_nfs").name == "demo_nfs"
    assert [s.name for s in client.file_servers.list()] == ["demo_nfs"]
    assert [s.name for s in client.file_servers.list_by_resource_group(RESOURCE_GROUP)] == ["demo_nfs"]
    client.file_servers.begin_delete(RESOURCE_GROUP, "demo_nfs").result()
    with pytest.raises(ResourceNotFoundError):
        client.file_servers.get(RESOURCE_GROUP, "demo_nfs")


@pytest.mark.parametrize("lro_mode", ["202", "201", "200"])
def test_create_completes_in_every_arm_lro_style(client, arm_server, lro_mode):
    arm_server.lro_mode = lro_mode
    assert create_cluster(client).provisioning_state == "succeeded"
    assert client.clusters.begin_delete(RESOURCE_GROUP, "demo_cluster").result() is None


def test_polling_false_returns_after_the_first_response(client, arm_server):
    poller = client.clusters.begin_create(RESOURCE_GROUP, "demo_cluster", cluster_parameters(), polling=False)
    assert poller.done()
    assert [r.operation_id for r in arm_server.requests] == ["Clusters_Create"]


def test_continuation_token_resumes_in_a_fresh_client(client, arm_server, credential):
    token = client.jobs.begin_create(RESOURCE_GROUP, "demo_job", job_parameters()).continuation_token()
    requests_before = len(arm_server.requests)
    with make_client(arm_server, credential) as fresh:
        job = fresh.jobs.begin_create(RESOURCE_GROUP, "demo_job", job_parameters(), continuation_token=token).result()
    assert job.provisioning_state == "succeeded"
    resumed = arm_server.requests[requests_before:]
    assert "Jobs_Create" not in [r.operation_id for r in resumed], "resuming must not create twice"


def test_failed_operation_raises_with_the_arm_error(client, arm_server):
    arm_server.fail_next_lro = ("Jobs_Create", {"code": "ClusterNotFound", "message": "no such cluster"})
    with pytest.raises(HttpResponseError) as caught:
        create_job(client)
    assert "ClusterNotFound" in str(caught.value)


def test_errors_map_to_azure_core_exceptions(client, arm_server, credential):
    with pytest.raises(ResourceNotFoundError) as missing:
        client.jobs.get(RESOURCE_GROUP, "absent")
    assert missing.value.status_code == 404 and missing.value.error.code == "ResourceNotFound"

    create_cluster(client)
    other = cluster_parameters(target_node_count=3)
    with pytest.raises(ResourceExistsError) as conflict:
        client.clusters.begin_create(RESOURCE_GROUP, "demo_cluster", other)
    assert conflict.value.status_code == 409

    arm_server.token = "another-token"
    with pytest.raises(ClientAuthenticationError) as unauthorized:
        client.clusters.get(RESOURCE_GROUP, "demo_cluster")
    assert unauthorized.value.status_code == 401


def test_error_map_overrides_the_default_mapping(client):
    class NoJob(Exception):
        def __init__(self, **kwargs):
            super().__init__("no job")

    with pytest.raises(NoJob):
        client.jobs.get(RESOURCE_GROUP, "absent", error_map={404: NoJob})


def test_bad_request_carries_code_message_and_details(client, arm_server):
    body = {"location": LOCATION, "properties": {"nodeCount": 1}}  # cluster and stdOutErrPathPrefix missing
    with pytest.raises(HttpResponseError) as caught:
        client.jobs.begin_create(RESOURCE_GROUP, "demo_job", json.dumps(body).encode())
    error = caught.value.error
    assert caught.value.status_code == 400 and error.code and error.message


def test_invalid_names_are_rejected_before_any_request(client, arm_server):
    with pytest.raises(ValidationError):
        client.jobs.get(RESOURCE_GROUP, "bad name!")
    with pytest.raises(ValidationError):
        client.jobs.get(RESOURCE_GROUP, "x" * 65)
    with pytest.raises(ValidationError):
        list(client.jobs.list(models.JobsListOptions(max_results=5000)))
    assert arm_server.requests == []


def test_missing_required_model_fields_are_rejected_before_any_request(client, arm_server):
    incomplete = models.JobCreateParameters(location=LOCATION, cluster=None, node_count=1, std_out_err_path_prefix="p")
    with pytest.raises(ValidationError):
        client.jobs.begin_create(RESOURCE_GROUP, "demo_job", incomplete)
    assert arm_server.requests == []


def test_requests_carry_user_agent_and_bearer_token(client, arm_server, credential):
    client.jobs.list_by_resource_group(RESOURCE_GROUP)
    assert arm_server.requests == [], "building a pager sends nothing"
    list(client.jobs.list_by_resource_group(RESOURCE_GROUP))
    sent = arm_server.requests[0]
    assert sent.headers["authorization"] == f"Bearer {arm_server.token}"
    assert f"batchai-sdk/{batchai.__version__}" in sent.headers["user-agent"]
    assert sent.query["api-version"] == "2018-03-01"
    assert credential.scopes_requested == [(f"{arm_server.base_url}/.default",)]


def test_send_request_runs_through_the_pipeline(client, arm_server):
    response = client.send_request(
        HttpRequest("GET", f"/subscriptions/{SUBSCRIPTION_ID}/providers/Microsoft.BatchAI/jobs?api-version=2018-03-01")
    )
    assert response.status_code == 200 and response.json()["value"] == []


# -- every operation of every API version ---------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "lro_mode"), TOUR_RUNS)
@pytest.mark.parametrize("version", VERSIONS)
def test_every_operation_of_every_version_is_exercised(version, kind, lro_mode, arm_server, credential):
    """Each example's call of the version (spec_examples.tour), made with the example's arguments through the
    version's own client or the root client with api_version=, against the live server, in an order the service
    accepts: every operationId of the version is reached (the server's record), each result is the version's
    model for the resource addressed, a listing lists what was created, a deleted resource reads as missing."""
    arm_server.reset_coverage()
    arm_server.lro_mode = lro_mode
    make = client_class(version, kind, is_async=False)
    with make(credential, SUBSCRIPTION_ID, **client_options(arm_server)) as client:
        for step in tour(version, DEVIATIONS):
            run_step(client, step)
    reached = {operation for served, operation in arm_server.coverage if served == version}
    assert reached == set(api_version(version).operations)
    assert {request.query["api-version"] for request in arm_server.requests} == {version}
    assert {request.headers["authorization"] for request in arm_server.requests} == {f"Bearer {arm_server.token}"}
    assert all(f"batchai-sdk/{batchai.__version__}" in request.headers["user-agent"] for request in arm_server.requests)
