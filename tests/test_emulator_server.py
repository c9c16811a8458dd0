"""The emulator as a server: concurrency, misbehaving clients, restarts, the command line and its packaging."""

from __future__ import annotations

import concurrent.futures
import json
import os
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import requests
from batchai_emulator import Emulator, EmulatorProcess, FakeCredential, ScriptedExecutor
from batchai_emulator.arm import Behaviour
from batchai_emulator.cli import parser
from batchai_emulator.executor import INTERRUPTED_ERROR, JobStateChange
from batchai_emulator.spec import SpecSet
from batchai_emulator.store import Store
from conftest import make_client
from scenario import RESOURCE_GROUP, SUBSCRIPTION_ID, cluster_parameters, job_parameters

import batchai

ROOT = Path(__file__).resolve().parents[1]
PROVIDER = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{RESOURCE_GROUP}/providers/Microsoft.BatchAI"
CLIENTS = 50


# -- concurrency --------------------------------------------------------------------------------------------


def test_fifty_clients_creating_and_polling_at_once_lose_nothing(arm_server):
    arm_server.job_schedule = ["queued", "running", "succeeded"]
    with make_client(arm_server, FakeCredential(arm_server.token)) as setup:
        setup.clusters.begin_create(RESOURCE_GROUP, "demo_cluster", cluster_parameters()).result()

    def one_client(index: int) -> str:
        with make_client(arm_server, FakeCredential(arm_server.token)) as client:
            name = f"job-{index:02d}"
            created = client.jobs.begin_create(RESOURCE_GROUP, name, job_parameters()).result()
            assert created.provisioning_state == "succeeded"
            for _ in range(10):
                job = client.jobs.get(RESOURCE_GROUP, name)
                if job.execution_state == "succeeded":
                    return name
            raise AssertionError(f"{name} never finished")

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        finished = list(pool.map(one_client, range(CLIENTS)))
    elapsed = time.monotonic() - started
    assert sorted(finished) == [f"job-{index:02d}" for index in range(CLIENTS)]
    with make_client(arm_server, FakeCredential(arm_server.token)) as client:
        listed = [job.name for job in client.jobs.list_by_resource_group(RESOURCE_GROUP)]
    assert sorted(listed) == sorted(finished)
    assert len(arm_server.scripted.submitted) == CLIENTS
    assert elapsed < 60


def _tls_socket(arm_server) -> ssl.SSLSocket:
    context = ssl.create_default_context(cafile=arm_server.ca_path)
    raw = socket.create_connection(("127.0.0.1", arm_server.port), timeout=10)
    return context.wrap_socket(raw, server_hostname="127.0.0.1")


def test_a_client_sending_slowly_or_not_at_all_stalls_nobody(arm_server):
    silent = socket.create_connection(("127.0.0.1", arm_server.port), timeout=10)  # not even a TLS handshake
    slow = _tls_socket(arm_server)
    slow.sendall(b"PUT " + PROVIDER.encode() + b"/jobs/j1?api-version=2018-03-01 HTTP/1.1\r\nHost: x\r\n")
    slow.sendall(b"Content-Length: 100000\r\nAuthorization: Bearer test-token\r\n\r\n{")  # and then nothing
    try:
        started = time.monotonic()
        reply = requests.get(
            arm_server.url("/providers/Microsoft.BatchAI/operations"),
            headers={"Authorization": "Bearer test-token"},
            verify=arm_server.ca_path,
            timeout=5,
        )
        assert reply.status_code == 200
        assert time.monotonic() - started < 2
    finally:
        silent.close()
        slow.close()


def test_garbage_is_answered_not_fatal(arm_server):
    with _tls_socket(arm_server) as connection:
        connection.sendall(b"\x00\x01 NOT HTTP AT ALL\r\n\r\n")
        assert connection.recv(100).split(b" ")[1] == b"400"
    assert (
        requests.get(
            arm_server.url("/providers/Microsoft.BatchAI/operations"),
            verify=arm_server.ca_path,
            headers={"Authorization": "Bearer test-token"},
            timeout=5,
        ).status_code
        == 200
    )


def test_a_body_too_large_is_refused(arm_server):
    reply = requests.put(
        arm_server.url(f"{PROVIDER}/jobs/j1"),
        data=b"{" + b" " * (17 * 1024 * 1024) + b"}",
        headers={"Authorization": "Bearer test-token", "Content-Type": "application/json"},
        verify=arm_server.ca_path,
        timeout=30,
    )
    assert reply.status_code == 413


def test_any_bearer_token_is_accepted_when_none_is_required(arm_server):
    arm_server.token = None
    url = arm_server.url("/providers/Microsoft.BatchAI/operations")
    for header, status in (("Bearer anything", 200), ("Bearer ", 401), ("Basic abc", 401), (None, 401)):
        headers = {"Authorization": header} if header else {}
        reply = requests.get(url, headers=headers, verify=arm_server.ca_path, timeout=5)
        assert reply.status_code == status, header
        if status == 401:
            assert reply.json()["error"]["code"] == "AuthenticationFailed"
            assert reply.headers["WWW-Authenticate"].startswith("Bearer ")


# -- state: the store and restarts ----------------------------------------------------------------------


def _emulator(data_dir: Path) -> Emulator:
    specs = SpecSet()
    behaviour = Behaviour(specs)
    behaviour.lro_mode = "200"
    behaviour.page_size = 100
    return Emulator(
        specs=specs,
        store=Store(data_dir / "emulator.sqlite3"),
        behaviour=behaviour,
        executor_factory=ScriptedExecutor,
        data_dir=data_dir,
    )


def _put(emulator: Emulator, path: str, body: dict, version: str = "2018-03-01") -> dict:
    reply = emulator.dispatch(
        "PUT", f"{path}?api-version={version}", {"Authorization": "Bearer t"}, json.dumps(body).encode(), "https://x"
    )
    assert reply.status in (200, 201), reply.body
    return reply.body


def _get(emulator: Emulator, path: str, version: str = "2018-03-01") -> tuple[int, dict]:
    reply = emulator.dispatch("GET", f"{path}?api-version={version}", {"Authorization": "Bearer t"}, b"", "https://x")
    return reply.status, reply.body


def test_a_restart_keeps_every_resource_fails_running_jobs_and_resubmits_queued_ones(tmp_path):
    first = _emulator(tmp_path)
    cluster = {
        "location": "eastus",
        "properties": {
            "vmSize": "STANDARD_NC6",
            "scaleSettings": {"manual": {"targetNodeCount": 2}},
            "userAccountSettings": {"adminUserName": "me", "adminUserPassword": "pw"},
        },
    }
    _put(first, f"{PROVIDER}/clusters/c1", cluster)
    job = json.loads(json.dumps(job_parameters("c1").serialize()))
    job["properties"]["cluster"]["id"] = f"{PROVIDER}/clusters/c1"
    for name in ("running", "queued", "done"):
        _put(first, f"{PROVIDER}/jobs/{name}", job)
    first.provider.job_state_changed(JobStateChange(f"{PROVIDER}/jobs/running", "running"))
    first.provider.job_state_changed(JobStateChange(f"{PROVIDER}/jobs/done", "succeeded", exit_code=0))
    assert first.provider.wait_idle()
    signing_key = first.store.setting("download_signing_key")
    first.close()

    second = _emulator(tmp_path)
    try:
        assert _get(second, f"{PROVIDER}/clusters/c1")[1]["properties"]["currentNodeCount"] == 2
        interrupted = _get(second, f"{PROVIDER}/jobs/running")[1]["properties"]
        assert interrupted["executionState"] == "failed"
        assert interrupted["executionInfo"]["errors"] == [INTERRUPTED_ERROR]
        assert _get(second, f"{PROVIDER}/jobs/done")[1]["properties"]["executionState"] == "succeeded"
        assert _get(second, f"{PROVIDER}/jobs/queued")[1]["properties"]["executionState"] == "queued"
        executor = second.executor
        assert isinstance(executor, ScriptedExecutor)
        assert [job.job_id.rsplit("/", 1)[-1] for job in executor.submitted] == ["queued"]  # resubmitted
        assert executor.cluster_status(f"{PROVIDER}/clusters/c1").current_node_count == 2  # told again
        listed = second.dispatch(
            "GET", f"{PROVIDER}/jobs?api-version=2018-03-01", {"Authorization": "Bearer t"}, b"", "https://x"
        )
        assert [item["name"] for item in listed.body["value"]] == ["running", "queued", "done"]  # creation order kept
        assert second.store.setting("download_signing_key") == signing_key  # download URLs survive a restart
    finally:
        second.close()


def test_store_keys_are_case_insensitive_and_nesting_is_by_prefix(tmp_path):
    from batchai_emulator.resources import new_resource

    store = Store(tmp_path / "s.sqlite3")
    workspace = new_resource(f"{PROVIDER}/workspaces/WS", ("workspaces",), "2018-05-01", {"location": "eastus"}, None)
    experiment = new_resource(
        f"{workspace.id}/experiments/E_1", ("workspaces", "experiments"), "2018-05-01", {}, "eastus"
    )
    lookalike = new_resource(f"{PROVIDER}/workspaces/WSX", ("workspaces",), "2018-05-01", {"location": "eastus"}, None)
    for resource in (workspace, experiment, lookalike):
        store.put(resource)
    assert store.get(workspace.id.upper()).id == workspace.id
    assert [r.name for r in store.descendants(workspace.key)] == ["E_1"]  # not WSX's, though it shares a prefix
    assert [r.name for r in store.select("workspaces/experiments", SUBSCRIPTION_ID, parent=workspace.key)] == ["E_1"]
    store.close()
    reopened = Store(tmp_path / "s.sqlite3")
    assert reopened.get(experiment.id).location == "eastus"
    reopened.close()


# -- the command line -----------------------------------------------------------------------------------------


def test_help_documents_every_option():
    text = parser().format_help()
    for option in (
        "--host",
        "--port",
        "--data-dir",
        "--http",
        "--token",
        "--executor",
        "--require-docker",
        "--log-level",
    ):
        assert option in text
    assert all(action.help for action in parser()._actions)


def test_plain_http_is_refused_off_loopback():
    result = subprocess.run(
        [sys.executable, "-m", "batchai_emulator", "--http", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "loopback" in result.stderr


def test_the_command_serves_the_sdk_over_https_and_a_restart_loses_nothing(tmp_path):
    with EmulatorProcess(tmp_path / "data", "--executor", "scripted") as emulator:
        assert emulator.base_url.startswith("https://127.0.0.1:")
        assert Path(emulator.ca_path) == tmp_path / "data" / "tls" / "ca.pem"
        snippet = "\n".join(emulator.output)
        assert "connection_verify=" in snippet and "BatchAIManagementClient(" in snippet

        def client() -> batchai.BatchAIManagementClient:
            return batchai.BatchAIManagementClient(
                FakeCredential("any-token"),
                SUBSCRIPTION_ID,
                base_url=emulator.base_url,
                connection_verify=emulator.ca_path,
                polling_interval=0.01,
            )

        with client() as sdk:
            sdk.clusters.begin_create(RESOURCE_GROUP, "demo_cluster", cluster_parameters(2)).result()
            job = sdk.jobs.begin_create(RESOURCE_GROUP, "j1", job_parameters()).result()
            assert job.provisioning_state == "succeeded" and job.execution_state == "queued"
        first_port = emulator.base_url
        emulator.restart()
        with client() as sdk:
            assert sdk.clusters.get(RESOURCE_GROUP, "demo_cluster").current_node_count == 2
            assert [j.name for j in sdk.jobs.list()] == ["j1"]
        log = emulator.log()
        assert "job /subscriptions/" in log and "provisioning succeeded" in log
        assert "s3cret!" not in log and "any-token" not in log  # no secret in a log line
        assert first_port.startswith("https://127.0.0.1:")


def test_plain_http_on_loopback_a_required_token_and_one_emulator_per_data_directory(tmp_path):
    process = EmulatorProcess(tmp_path / "data", "--http", "--executor", "scripted")
    process.environment = {**os.environ, "BATCHAI_EMULATOR_TOKEN": "sesame"}
    with process:
        assert process.base_url.startswith("http://127.0.0.1:") and process.ca_path is None
        assert "token: the one given" in "\n".join(process.output) and "sesame" not in "\n".join(process.output)
        url = f"{process.base_url}/providers/Microsoft.BatchAI/operations?api-version=2018-03-01"
        assert requests.get(url, headers={"Authorization": "Bearer sesame"}, timeout=10).status_code == 200
        refused = requests.get(url, headers={"Authorization": "Bearer other"}, timeout=10)
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "AuthenticationFailed"
        second = subprocess.run(
            [sys.executable, "-m", "batchai_emulator", "--port", "0", "--data-dir", str(tmp_path / "data")],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert second.returncode != 0 and "another emulator is using" in second.stderr
    assert "sesame" not in process.log()


def test_a_request_that_fails_half_way_leaves_nothing_behind(tmp_path, monkeypatch):
    emulator = _emulator(tmp_path)
    try:
        job = json.loads(json.dumps(job_parameters("c1").serialize()))

        def broken_submit(resource) -> None:
            raise RuntimeError("the executor is on fire")

        monkeypatch.setattr(emulator.provider, "_submit", broken_submit)
        reply = emulator.dispatch(
            "PUT", f"{PROVIDER}/jobs/j1?api-version=2018-03-01", {"Authorization": "Bearer t"},
            json.dumps(job).encode(), "https://x",
        )  # fmt: skip
        assert reply.status == 500 and reply.body["error"]["code"] == "InternalServerError"
        assert len(emulator.internal_errors) == 1
        assert _get(emulator, f"{PROVIDER}/jobs/j1")[0] == 404  # the create was rolled back
        assert emulator.store.operations() == []
    finally:
        emulator.close()
