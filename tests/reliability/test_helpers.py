"""The lifecycle helpers (overlays) on top of the generated client meet the same faults: retries as ARM
permits, typed errors, the token kept home. Their own waits, timeouts and interrupts are tested in
tests/test_lifecycle_reliability.py."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError
from batchai_emulator import faults
from reliability_support import VERSIONS, Wire, api, recording_transport, with_resources, within

from batchai._runtime import UntrustedEndpointError


@pytest.mark.parametrize("version", VERSIONS)
def test_create_and_wait_waits_out_a_throttled_put_and_a_5xx_poll(arm_server, credential, version):
    with_resources(arm_server, credential, version, clusters=())
    transport = recording_transport(arm_server)
    client = api(arm_server, credential, version, retry_total=3, transport=transport)
    arm_server.faults.add(
        faults.throttle(retry_after=3, method="PUT", path=client.cluster_path("c1")),
        faults.server_error(503, path=faults.MONITOR),
    )
    wire = Wire(arm_server)
    with within(10):
        cluster = client.client.clusters.create_and_wait(*client.cluster_args("c1"), client.cluster_parameters())
    assert cluster.name == "c1" and cluster.provisioning_state == "succeeded"
    assert wire.count("Clusters_Create") == 2 and wire.faults == ["429 TooManyRequests", "503 ServiceUnavailable"]
    assert 3.0 in transport.sleeps


@pytest.mark.parametrize("version", VERSIONS)
def test_terminate_and_wait_does_not_repeat_a_terminate_the_service_may_have_acted_on(arm_server, credential, version):
    with_resources(arm_server, credential, version, jobs=("j1",))
    client = api(arm_server, credential, version, retry_total=3)
    arm_server.faults.add(faults.server_error(502, method="POST", path="/terminate$"))
    wire = Wire(arm_server)
    with within(10), pytest.raises(HttpResponseError) as raised:
        client.client.jobs.terminate_and_wait(*client.job_args("j1"))
    assert raised.value.status_code == 502 and raised.value.error.code == "BadGateway"
    assert wire.count("Jobs_Terminate") == 1


@pytest.mark.parametrize("version", VERSIONS)
def test_delete_and_wait_with_missing_ok_accepts_a_delete_answering_404(arm_server, credential, version):
    with_resources(arm_server, credential, version)
    client = api(arm_server, credential, version)
    arm_server.faults.add(faults.not_found(method="DELETE", path=client.cluster_path("c1")))
    wire = Wire(arm_server)
    with within(10):
        assert client.client.clusters.delete_and_wait(*client.cluster_args("c1"), missing_ok=True) is None
    assert wire.count("Clusters_Delete") == 1


@pytest.mark.parametrize("version", VERSIONS)
def test_a_helper_never_follows_a_polling_url_elsewhere(arm_server, credential, version):
    with_resources(arm_server, credential, version, clusters=())
    client = api(arm_server, credential, version)
    elsewhere = "https://127.0.0.1:9/operationresults/x"  # another port (test_endpoint.py proves nothing reaches it)
    arm_server.faults.add(faults.redirect(async_operation=elsewhere, method="PUT", path=client.cluster_path("c1")))
    wire = Wire(arm_server)
    with within(10), pytest.raises(UntrustedEndpointError) as raised:
        client.client.clusters.create_and_wait(*client.cluster_args("c1"), client.cluster_parameters())
    assert raised.value.url == elsewhere
    assert wire.count("Clusters_Create") == 1
