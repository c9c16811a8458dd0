"""Long-running operations: monitors that fail, lie or vanish, odd first answers, resources that fail or go
away, polls bounded per request, and a poller resumed in another process (issue 8, item 3)."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from azure.core.exceptions import DecodeError, HttpResponseError, ServiceResponseTimeoutError
from azure.core.polling import AsyncLROPoller, LROPoller
from batchai_emulator import faults
from batchai_emulator.faults import Fault
from conftest import run_async
from reliability_support import VERSIONS, Api, Wire, api, make_async_client, with_resources, within
from scenario import SUBSCRIPTION_ID

import batchai
from batchai._runtime import ARMPoller, ARMPollingMethod, AsyncARMPollingMethod, OperationTimeoutError

MONITOR_ERROR = {"code": "QuotaExceeded", "message": "No cores left in eastus."}


def polled(wire: Wire) -> int:
    """Status requests: GETs of the monitor, the Location or the resource."""
    return wire.count(method="GET")


# -- the status monitor ----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["Failed", "Canceled"])
@pytest.mark.parametrize("version", VERSIONS)
def test_a_monitor_answering_failed_or_canceled_raises_its_arm_error(arm_server, credential, version, status):
    with_resources(arm_server, credential, version, clusters=())
    client = api(arm_server, credential, version)
    arm_server.faults.add(faults.monitor_status(status, error=MONITOR_ERROR))
    wire = Wire(arm_server)
    with within(5), pytest.raises(HttpResponseError) as raised:
        client.create_cluster("c1").result()
    assert (raised.value.error.code, raised.value.error.message) == ("QuotaExceeded", "No cores left in eastus.")
    assert wire.count("Clusters_Create") == 1 and polled(wire) == 1 and wire.faults == [f"monitor {status}"]


@pytest.mark.parametrize("version", VERSIONS)
def test_invalid_json_from_the_monitor_is_a_decode_error(arm_server, credential, version):
    with_resources(arm_server, credential, version, clusters=())
    client = api(arm_server, credential, version)
    arm_server.faults.add(faults.monitor_invalid_json())
    wire = Wire(arm_server)
    with within(5):
        poller = client.create_cluster("c1")
        with pytest.raises(DecodeError, match="JSON is invalid") as raised:
            poller.result()
        # the operation's error ends the poller, as in azure-core: done, and the same error again, no new poll
        assert poller.done() and poller_threads() == []
        with pytest.raises(DecodeError) as again:
            poller.result()
    assert "{not json" in str(raised.value) and again.value is raised.value
    assert wire.count("Clusters_Create") == 1 and polled(wire) == 1


@pytest.mark.parametrize("version", VERSIONS)
def test_an_azure_async_operation_answering_404_is_an_error_and_not_retried(arm_server, credential, version):
    with_resources(arm_server, credential, version, clusters=())
    client = api(arm_server, credential, version, retry_total=3)
    arm_server.faults.add(faults.monitor_not_found())
    wire = Wire(arm_server)
    with within(5), pytest.raises(HttpResponseError) as raised:
        client.create_cluster("c1").result()
    assert raised.value.status_code == 404 and raised.value.error.code == "OperationNotFound"
    assert wire.count("Clusters_Create") == 1 and polled(wire) == 1


@pytest.mark.parametrize("answer", ["html", "empty"])
@pytest.mark.parametrize("version", VERSIONS)
def test_a_monitor_answer_that_is_not_json_says_so(arm_server, credential, version, answer):
    with_resources(arm_server, credential, version, clusters=())
    client = api(arm_server, credential, version)
    fault = faults.html_page(200) if answer == "html" else faults.empty_body(200)
    arm_server.faults.add(fault.on(path=faults.MONITOR))
    wire = Wire(arm_server)
    with within(5), pytest.raises(DecodeError) as raised:
        client.create_cluster("c1").result()
    message = str(raised.value)
    assert "/operationstatuses/" in message or "/operationresults/" in message
    assert ("'text/html'" in message) if answer == "html" else ("empty body" in message)
    assert polled(wire) == 1


@pytest.mark.parametrize("answer", ["html", "empty"])
@pytest.mark.parametrize("version", VERSIONS)
def test_the_async_default_says_so_too(arm_server, credential, async_credential, version, answer):
    with_resources(arm_server, credential, version, clusters=())
    fault = faults.html_page(200) if answer == "html" else faults.empty_body(200)
    arm_server.faults.add(fault.on(path=faults.MONITOR))
    wire = Wire(arm_server)

    async def scenario() -> str:
        async with make_async_client(arm_server, async_credential, version) as client:
            poller = await Api(client, version).create_cluster("c1")
            with pytest.raises(DecodeError) as raised:
                await poller.result()
            return str(raised.value)

    with within(5):
        message = run_async(scenario())
    assert "/operationstatuses/" in message or "/operationresults/" in message
    assert ("'text/html'" in message) if answer == "html" else ("empty body" in message)
    assert polled(wire) == 1


# -- first answers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_location_only_polling_reaches_the_result(arm_server, credential, version):
    with_resources(arm_server, credential, version, clusters=())
    client = api(arm_server, credential, version)
    arm_server.faults.add(faults.location_only(method="PUT"))
    wire = Wire(arm_server)
    with within(5):
        cluster = client.create_cluster("c1").result()
    assert cluster.name == "c1" and cluster.provisioning_state == "succeeded"
    assert wire.count("Clusters_Create") == 1
    assert polled(wire) == arm_server.polls_until_done + 1  # the Location answers 202 until done, then the resource
    assert not any("/operationresults/" in request.path for request in arm_server.requests)  # no Azure-AsyncOperation


@pytest.mark.parametrize("version", VERSIONS)
def test_a_202_without_polling_headers_polls_the_resource_itself(arm_server, credential, version):
    """With neither Azure-AsyncOperation nor Location, a PUT is followed on the resource's provisioningState."""
    with_resources(arm_server, credential, version, clusters=())
    arm_server.lro_completes_at_once = True
    client = api(arm_server, credential, version)
    arm_server.faults.add(faults.no_polling_headers(method="PUT"))
    wire = Wire(arm_server)
    with within(5):
        cluster = client.create_cluster("c1").result()
    assert cluster.provisioning_state == "succeeded"
    assert wire.count("Clusters_Create") == 1 and wire.count("Clusters_Get") == 1


@pytest.mark.parametrize("version", VERSIONS)
def test_a_delete_answering_202_without_polling_headers_cannot_be_followed_and_ends_at_once(
    arm_server, credential, version
):
    with_resources(arm_server, credential, version)
    client = api(arm_server, credential, version)
    arm_server.faults.add(faults.no_polling_headers(method="DELETE"))
    wire = Wire(arm_server)
    with within(5):
        assert client.delete_cluster("c1").result() is None
    assert wire.operations() == {"Clusters_Delete": 1}


@pytest.mark.parametrize("version", VERSIONS)
def test_a_201_with_a_body_is_polled_to_the_end(arm_server, credential, version):
    with_resources(arm_server, credential, version, clusters=())
    arm_server.lro_mode = "201"
    client = api(arm_server, credential, version)
    wire = Wire(arm_server)
    with within(5):
        poller = client.create_cluster("c1")
        assert poller.result().provisioning_state == "succeeded"
    assert wire.count("Clusters_Create") == 1 and polled(wire) == arm_server.polls_until_done + 2


# -- how it ends -------------------------------------------------------------------------------------------


ALLOCATION_ERROR = {"code": "AllocationFailed", "message": "No STANDARD_NC6 nodes in eastus."}


def provisioning_failed(client: Api) -> Fault:
    """The resource's final GET says its provisioning failed, though the monitor said Succeeded."""
    patch = {"properties": {"provisioningState": "failed", "errors": [ALLOCATION_ERROR]}}
    return Fault("modify", method="GET", path=client.cluster_path("c1"), patch_body=patch, name="provisioning failed")


@pytest.mark.parametrize("version", VERSIONS)
def test_a_failed_provisioning_state_on_the_final_get_raises(arm_server, credential, version):
    with_resources(arm_server, credential, version, clusters=())
    client = api(arm_server, credential, version)
    arm_server.faults.add(provisioning_failed(client))
    wire = Wire(arm_server)
    with within(5), pytest.raises(HttpResponseError) as raised:
        client.create_cluster("c1").result()
    message = str(raised.value)
    assert "provisioningState is 'failed'" in message and raised.value.status_code == 200
    assert f"PUT {arm_server.base_url}{client.cluster_id('c1')}?" in message  # the resource
    assert "AllocationFailed: No STANDARD_NC6 nodes in eastus." in message  # and its errors
    assert wire.count("Clusters_Create") == 1 and wire.count("Clusters_Get") == 1


@pytest.mark.parametrize("version", VERSIONS)
def test_a_resource_that_vanishes_while_its_delete_is_polled_is_deleted(arm_server, credential, version):
    with_resources(arm_server, credential, version)
    client = api(arm_server, credential, version)
    arm_server.faults.add(faults.location_only(method="DELETE"), faults.not_found(path=faults.MONITOR))
    wire = Wire(arm_server)
    with within(5):
        assert client.delete_cluster("c1").result() is None
    assert wire.count("Clusters_Delete") == 1 and polled(wire) == 1


@pytest.mark.parametrize("version", VERSIONS)
def test_a_delete_whose_azure_async_operation_vanishes_is_an_error(arm_server, credential, version):
    """The monitor's 404 is the operation's, not the resource's: whether the delete happened is unknown."""
    with_resources(arm_server, credential, version)
    client = api(arm_server, credential, version)
    arm_server.faults.add(faults.monitor_not_found())
    with within(5), pytest.raises(HttpResponseError) as raised:
        client.delete_cluster("c1").result()
    assert raised.value.status_code == 404


@pytest.mark.parametrize("version", VERSIONS)
def test_each_poll_is_bounded_by_the_callers_read_timeout(arm_server, credential, version):
    with_resources(arm_server, credential, version, clusters=())
    client = api(arm_server, credential, version)
    arm_server.faults.add(faults.stall(3, path=faults.MONITOR))
    wire = Wire(arm_server)
    with within(2), pytest.raises(ServiceResponseTimeoutError, match="read timed out"):
        client.create_cluster("c1", read_timeout=0.5).result()
    assert polled(wire) == 1


# -- the caller stops waiting -----------------------------------------------------------------------------


def poller_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith("LROPoller(")]


def test_begin_methods_return_the_stoppable_poller_typed_as_azure_cores(arm_server, credential):
    """Code written for the official SDK still type-checks: every begin_* is annotated LROPoller[T] or
    AsyncLROPoller[T]; the object is the runtime's ARMPoller (an LROPoller) on ARMPollingMethod."""
    annotated = {"sync": 0, "async": 0}
    for version in VERSIONS:
        package = batchai.BatchAIManagementClient.models(version).__name__.rsplit(".", 1)[0]
        for kind, module in (("sync", f"{package}.operations"), ("async", f"{package}.aio.operations")):
            for group in vars(importlib.import_module(module)).values():
                if not isinstance(group, type):
                    continue
                for name in dir(group):
                    if name.startswith("begin_"):
                        expected = "AsyncLROPoller[" if kind == "async" else "LROPoller["
                        annotation = inspect.signature(getattr(group, name)).return_annotation
                        assert str(annotation).startswith(expected), (module, group, name, annotation)
                        annotated[kind] += 1
    assert annotated["sync"] == annotated["async"] >= 20
    with_resources(arm_server, credential, VERSIONS[0], clusters=())
    poller = api(arm_server, credential, VERSIONS[0]).create_cluster("c1")
    assert isinstance(poller, LROPoller) and isinstance(poller, ARMPoller)
    assert isinstance(poller.polling_method(), ARMPollingMethod)
    assert poller.result(timeout=5).name == "c1"


@pytest.mark.parametrize("version", VERSIONS)
def test_a_poll_that_never_ends_is_bounded_by_result_timeout_and_leaves_no_thread(arm_server, credential, version):
    with_resources(arm_server, credential, version, clusters=())
    client = api(arm_server, credential, version)
    arm_server.faults.add(faults.poll_forever())
    wire = Wire(arm_server)
    with within(3):
        poller = client.create_cluster("c1")
        with pytest.raises(OperationTimeoutError) as timed_out:
            poller.result(timeout=0.5)
        assert poller_threads() == [] and not poller.done()
        polls = polled(wire)
        time.sleep(0.2)
        assert polled(wire) == polls  # nothing polls on behind the caller's back
    assert timed_out.value.status == "InProgress" and timed_out.value.continuation_token
    assert "result() resumes it here, continuation_token= in another process" in str(timed_out.value)
    # the token resumes it, once the service finishes
    arm_server.faults.clear()
    with within(5):
        resumed = client.client.clusters.begin_create(
            *client.cluster_args("c1"), None, continuation_token=timed_out.value.continuation_token
        )
        assert resumed.result(timeout=5).provisioning_state == "succeeded"
    assert wire.count("Clusters_Create") == 1 and poller_threads() == []


@pytest.mark.parametrize("version", VERSIONS)
def test_ctrl_c_during_result_stops_polling_and_result_resumes(arm_server, credential, version):
    with_resources(arm_server, credential, version, clusters=())
    client = api(arm_server, credential, version)
    arm_server.faults.add(faults.poll_forever())
    wire = Wire(arm_server)
    main = threading.main_thread().ident
    assert main == threading.get_ident()
    with within(5):
        poller = client.create_cluster("c1")
        interrupt = threading.Timer(0.3, signal.pthread_kill, (main, signal.SIGINT))
        interrupt.start()
        with pytest.raises(KeyboardInterrupt):
            poller.result(timeout=4)
        interrupt.join()
        assert poller_threads() == [] and not poller.done()
        polls = polled(wire)
        time.sleep(0.2)
        assert polled(wire) == polls
        arm_server.faults.clear()
        assert poller.result(timeout=4).provisioning_state == "succeeded"  # resumed where it stopped
    assert wire.count("Clusters_Create") == 1 and poller_threads() == []


@pytest.mark.parametrize("version", VERSIONS)
def test_the_async_default_raises_a_failed_provisioning_state_with_its_errors(
    arm_server, credential, async_credential, version
):
    with_resources(arm_server, credential, version, clusters=())
    arm_server.faults.add(provisioning_failed(Api(None, version)))
    wire = Wire(arm_server)

    async def scenario() -> str:
        async with make_async_client(arm_server, async_credential, version) as client:
            poller = await Api(client, version).create_cluster("c1")
            assert isinstance(poller, AsyncLROPoller) and isinstance(poller.polling_method(), AsyncARMPollingMethod)
            with pytest.raises(HttpResponseError) as raised:
                await poller.result()
            return str(raised.value)

    with within(5):
        message = run_async(scenario())
    assert "provisioningState is 'failed'" in message and "AllocationFailed" in message
    assert wire.count("Clusters_Create") == 1 and wire.count("Clusters_Get") == 1


# -- resumed in another process --------------------------------------------------------------------------

PROCESS = """
import json, os, sys
from batchai import BatchAIManagementClient
from batchai_emulator import FakeCredential

step, setup = sys.argv[1], json.loads(sys.argv[2])
client = BatchAIManagementClient(
    FakeCredential(setup["token"]), setup["subscription"], api_version=setup["version"],
    base_url=setup["base_url"], connection_verify=setup["ca"], polling_interval=0,
)
if step == "start":  # start the operation, hand its token over, and die mid-wait (no clean-up, as a crash)
    poller = client.clusters.begin_create(*setup["args"], setup["parameters"])
    print(poller.continuation_token(), flush=True)
    os._exit(0)
poller = client.clusters.begin_create(*setup["args"], None, continuation_token=setup["resume"])
cluster = poller.result(timeout=20)
print(json.dumps([cluster.name, cluster.provisioning_state, poller.status()]))
"""


def run_step(step: str, setup: dict) -> str:
    child = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(PROCESS), step, json.dumps(setup)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == 0, child.stderr
    return child.stdout.strip()


@pytest.mark.parametrize("version", VERSIONS)
def test_a_continuation_token_is_resumed_in_a_new_process_and_finishes_there(arm_server, credential, version):
    with_resources(arm_server, credential, version, clusters=())
    arm_server.polls_until_done = 40  # far more than the first process can poll before it dies
    client = api(arm_server, credential, version)
    setup = {
        "token": arm_server.token,
        "subscription": SUBSCRIPTION_ID,
        "version": version,
        "base_url": arm_server.base_url,
        "ca": arm_server.ca_path,
        "args": list(client.cluster_args("c1")),
        "parameters": client.cluster_parameters().serialize(),
    }
    wire = Wire(arm_server)
    with within(60):
        setup["resume"] = run_step("start", setup)
        started = Wire(arm_server)
        assert json.loads(run_step("resume", setup)) == ["c1", "succeeded", "Succeeded"]
    assert wire.count("Clusters_Create") == 1  # created once, by the first process
    # the monitor answers InProgress polls_until_done times, then Succeeded; then the resource is read: the first
    # process polled a few of those before it died, the second all the rest
    assert polled(wire) == arm_server.polls_until_done + 2
    assert started.count("Clusters_Create") == 0 and 2 <= polled(started) <= arm_server.polls_until_done + 2


# -- the async client ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_the_async_poller_fails_vanishes_and_stops_as_the_sync_one(arm_server, credential, async_credential, version):
    """A failed monitor raises its ARM error; a vanished DELETE succeeds (with the runtime's polling method);
    a poll that never ends is bounded by the caller's asyncio timeout and leaves no task behind."""
    with_resources(arm_server, credential, version)
    arm_server.faults.add(
        faults.monitor_status("Failed", error=MONITOR_ERROR),
        faults.location_only(method="DELETE"),
        faults.not_found(path="/operationstatuses/"),
    )

    async def scenario() -> tuple[str, object, int]:
        tasks_before = len(asyncio.all_tasks())
        async with make_async_client(arm_server, async_credential, version) as client:
            resources = Api(client, version)
            with pytest.raises(HttpResponseError) as failed:
                await (await resources.create_cluster("c2")).result()
            deleted = await (await resources.delete_cluster("c1")).result()
            arm_server.faults.add(faults.poll_forever())
            poller = await resources.create_cluster("c3")
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(poller.result(), 0.5)
            left = len(asyncio.all_tasks()) - tasks_before  # the polling went with the cancelled wait
            return failed.value.error.code, deleted, left

    with within(10):
        assert run_async(scenario()) == ("QuotaExceeded", None, 0)
