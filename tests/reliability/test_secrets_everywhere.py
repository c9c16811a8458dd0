"""Secrets: a whole cluster, job and file server lifecycle carrying every kind of secret the version's
definitions have, with azure-core's HTTP logging at DEBUG and ``logging_enable=True``; then a service that
echoes what it was sent in its errors. No secret value and no bearer token appears in a log record, a
model's repr or str, an exception's message or its ARM error details (issue 8, item 6).
"""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from batchai_emulator import faults
from reliability_support import VERSIONS, Api, Wire, api, within

from batchai._runtime import SecretScrubbingPolicy, _scrub_text

PASSWORD = "admin-pass-4fd1"
SSH_KEY = "ssh-rsa AAAAB3NzaC1yc2E-key-9c2e me@host"
CLUSTER_KEY = "cluster-account-key-77aa"
JOB_KEY = "job-account-key-55bb"
REGISTRY_PASSWORD = "registry-pass-1a2b"
SETUP_SECRET = "setup-secret-3c4d"
JOB_SECRET = "job-secret-env-5e6f"
INSTRUMENTATION_KEY = "app-insights-key-7a8b"
FILE_SERVER_PASSWORD = "file-server-pass-9c0d"

# what each version's definitions can carry (2017-09-01-preview has no secret environment variables,
# no job mount volumes and no performance counters)
NEWER = ("2018-03-01", "2018-05-01")


def secrets_of(version: str) -> list[str]:
    found = [PASSWORD, SSH_KEY, CLUSTER_KEY, REGISTRY_PASSWORD, FILE_SERVER_PASSWORD]
    if version in NEWER:
        found += [JOB_KEY, SETUP_SECRET, JOB_SECRET, INSTRUMENTATION_KEY]
    return found


def file_share(models: Any, key: str) -> Any:
    return models.AzureFileShareReference(
        account_name="storage",
        azure_file_url="https://storage.file.core.windows.net/share",
        credentials=models.AzureStorageCredentialsInfo(account_key=key),
        relative_mount_path="afs",
    )


def secret_cluster(resources: Api) -> Any:
    models = resources.models
    parameters = resources.cluster_parameters(admin_user_password=PASSWORD, admin_user_ssh_public_key=SSH_KEY)
    setup = {"command_line": "echo setup", "std_out_err_path_prefix": "$AZ_BATCHAI_MOUNT_ROOT/afs"}
    node_setup: dict[str, Any] = {
        "mount_volumes": models.MountVolumes(azure_file_shares=[file_share(models, CLUSTER_KEY)])
    }
    if resources.version in NEWER:
        setup["secrets"] = [models.EnvironmentVariableWithSecretValue(name="SETUP", value=SETUP_SECRET)]
        node_setup["performance_counters_settings"] = models.PerformanceCountersSettings(
            app_insights_reference=models.AppInsightsReference(
                component=models.ResourceId(id="/subscriptions/x/components/ai"),
                instrumentation_key=INSTRUMENTATION_KEY,
            )
        )
    parameters.node_setup = models.NodeSetup(setup_task=models.SetupTask(**setup), **node_setup)
    return parameters


def secret_job(resources: Api) -> Any:
    models = resources.models
    registry = models.ImageSourceRegistry(
        image="private/image",
        credentials=models.PrivateRegistryCredentials(username="registry-user", password=REGISTRY_PASSWORD),
    )
    extra: dict[str, Any] = {"container_settings": models.ContainerSettings(image_source_registry=registry)}
    if resources.version in NEWER:
        extra["secrets"] = [models.EnvironmentVariableWithSecretValue(name="TOKEN", value=JOB_SECRET)]
        extra["mount_volumes"] = models.MountVolumes(azure_file_shares=[file_share(models, JOB_KEY)])
    return resources.job_parameters("c1", **extra)


def secret_file_server(resources: Api) -> Any:
    models = resources.models
    values: dict[str, Any] = {
        "vm_size": "STANDARD_NC6",
        "ssh_configuration": models.SshConfiguration(
            user_account_settings=models.UserAccountSettings(
                admin_user_name="admin_user", admin_user_password=FILE_SERVER_PASSWORD
            )
        ),
        "data_disks": models.DataDisks(disk_size_in_gb=10, disk_count=2, storage_account_type="Standard_LRS"),
    }
    if not resources.nested:
        values["location"] = "eastus"
    return models.FileServerCreateParameters(**values)


def file_server_args(resources: Api, name: str) -> tuple[str, ...]:
    return resources.cluster_args(name)  # file servers live where clusters do


def everything_logged(records: list[logging.LogRecord]) -> str:
    """Every record as a handler would write it, tracebacks included; the emulator's own records aside
    (it is the server: what it logs is tested in tests/test_emulator_server.py)."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(record) for record in records if not record.name.startswith("batchai_emulator"))


@pytest.mark.parametrize("version", VERSIONS)
def test_no_secret_in_logs_reprs_or_errors_through_a_whole_lifecycle(arm_server, credential, caplog, version):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("azure").setLevel(logging.DEBUG)
    resources = api(arm_server, credential, version, logging_enable=True)
    cluster_parameters, job_parameters = secret_cluster(resources), secret_job(resources)
    file_server_parameters = secret_file_server(resources)
    shown: list[str] = []
    wire = Wire(arm_server)

    with within(20):
        resources.parents()
        shown.append(repr(resources.create_cluster("c1", cluster_parameters).result()))
        shown.append(str(resources.get_cluster("c1")))
        shown += [repr(cluster) for cluster in resources.list_clusters()]
        shown.append(repr(resources.create_job("j1", job_parameters).result()))
        shown.append(str(resources.get_job("j1")))
        shown += [repr(item) for item in resources.list_output_files("j1")]
        shown += [repr(item) for item in resources.list_remote_login("c1")]
        resources.terminate_job("j1").result()
        resources.delete_job("j1").result()
        file_servers = resources.client.file_servers
        shown.append(
            repr(file_servers.begin_create(*file_server_args(resources, "fs1"), file_server_parameters).result())
        )
        file_servers.begin_delete(*file_server_args(resources, "fs1")).result()
        resources.delete_cluster("c1").result()
    shown += [repr(cluster_parameters), str(job_parameters), repr(file_server_parameters)]

    sent = str([request.body for request in wire.recorded()])
    secrets = secrets_of(version)
    assert all(secret in sent for secret in secrets), "every secret was sent, so every one could leak"
    logged = everything_logged(caplog.records)
    assert "Request body" in logged and "Response status" in logged and "adminUserName" in logged
    assert "***" in logged and "***" in "".join(shown)
    for secret in [*secrets, arm_server.token]:
        assert secret not in logged, f"{secret} logged"
        assert not any(secret in text for text in shown), f"{secret} in a repr"


def error_texts(error: HttpResponseError) -> str:
    """Everything an error shows: its message, str, repr, ARM error and details, and the response body."""
    parts = [str(error), repr(error), error.message, error.response.text()]
    if error.error is not None:
        parts += [str(error.error), error.error.message, repr(error.error.details)]
    return "\n".join(str(part) for part in parts)


@pytest.mark.parametrize("version", VERSIONS)
def test_a_service_echoing_secrets_in_its_errors_shows_none_of_them(arm_server, credential, caplog, version):
    """The client masks what it sent (the secret fields of its request bodies, its token) wherever an error
    answer repeats it. A value it never sent, it cannot know: the service echoes only what it was sent."""
    caplog.set_level(logging.DEBUG)
    resources = api(arm_server, credential, version, logging_enable=True)
    resources.parents()
    cluster_secrets = [PASSWORD, SSH_KEY, CLUSTER_KEY] + (
        [SETUP_SECRET, INSTRUMENTATION_KEY] if version in NEWER else []
    )
    job_secrets = [REGISTRY_PASSWORD] + ([JOB_KEY, JOB_SECRET] if version in NEWER else [])
    secrets = [*cluster_secrets, *job_secrets, arm_server.token]

    def echo(values: list[str]) -> str:
        return " ".join(f"'{value}'" for value in values)

    everything = echo(secrets)
    rejection = faults.arm_error(400, "InvalidParameter", f"The values {everything} are invalid.", method="PUT")
    rejection.body["error"]["details"] = [{"code": "Echo", "message": everything, "target": everything}]
    mount_failed = {"code": "MountFailed", "message": f"cannot mount with {echo([*cluster_secrets, arm_server.token])}"}
    arm_server.faults.add(
        faults.monitor_status("Failed", error=mount_failed),
        rejection.on(path=resources.job_path("j1")),
        faults.arm_error(404, "NotFound", f"no such token {arm_server.token}", method="GET", path="/clusters/c0$"),
    )
    errors: list[HttpResponseError] = []
    wire = Wire(arm_server)
    with within(20):
        poller = resources.create_cluster("c1", secret_cluster(resources))  # its status monitor fails
        with pytest.raises(HttpResponseError) as failed:
            poller.result()
        errors.append(failed.value)
        with pytest.raises(HttpResponseError) as rejected:
            resources.create_job("j1", secret_job(resources))
        errors.append(rejected.value)
        with pytest.raises(HttpResponseError) as missing:
            resources.get_cluster("c0")
        errors.append(missing.value)
    assert wire.faults == ["monitor Failed", "400 InvalidParameter", "404 NotFound"]
    assert [error.error.code for error in errors] == ["MountFailed", "InvalidParameter", "NotFound"]
    texts = [error_texts(error) for error in errors]
    assert "cannot mount with" in texts[0] and "The values" in texts[1] and "no such token" in texts[2]
    logged = everything_logged(caplog.records)
    for secret in secrets:
        assert not any(secret in text for text in texts), f"{secret} in an error"
        assert secret not in logged, f"{secret} logged"
    assert texts[1].count("***") >= len(secrets)


def test_an_echoed_secret_is_masked_where_it_stands_as_a_word_and_nothing_else_is():
    """Masking must not garble the rest of an error: a secret "D" would turn "inputDirectories" into
    "input***irectories". Values under four characters, or without a letter or digit, are not searched for;
    the others are masked where no letter or digit is glued to them."""
    policy = SecretScrubbingPolicy(frozenset())
    for value in ("D", "ab", " ", "!!!!", "key-3f9a", "+k3y==", "tok3n"):
        policy.remember(value)
    remembered = sorted(policy._remembered, key=len, reverse=True)
    assert remembered == ["key-3f9a", "+k3y==", "tok3n"]
    text = "'properties.inputDirectories[1].id' rejects key-3f9a, x+k3y== and tok3n but not tok3nized"
    assert _scrub_text(text, remembered) == (
        "'properties.inputDirectories[1].id' rejects ***, x*** and *** but not tok3nized"
    )


class _Answer:
    """The little of an azure.core.rest response that SecretScrubbingPolicy reads and replaces."""

    def __init__(self, status_code: int, body: bytes):
        self.status_code = status_code
        self._content = body

    def body(self) -> bytes:
        return self._content


def _scrubbed(status_code: int, body: bytes, secret: str) -> bytes:
    policy = SecretScrubbingPolicy(frozenset())
    policy.remember(secret)
    answer = _Answer(status_code, body)
    policy.on_response(None, SimpleNamespace(http_response=answer))  # type: ignore[arg-type]
    return answer.body()


def test_a_success_is_searched_for_secrets_only_when_it_can_be_an_error_document():
    """A successful answer is parsed for scrubbing only if its text can hold an "error" key (a page of jobs
    is not parsed twice); an error document that escapes its key's letters is found all the same."""
    secret = "tok3n-abcdef"
    page = json.dumps({"value": [{"name": "j1", "properties": {"errors": [{"message": secret}]}}]}).encode()
    assert _scrubbed(200, page, secret) == page  # no "error" key: left as it is
    plain = json.dumps({"error": {"code": "Failed", "message": f"with {secret}"}}).encode()
    escaped = b'{"\\u0065rror": {"code": "Failed", "message": "with ' + secret.encode() + b'"}}'
    assert json.loads(escaped) == json.loads(plain)
    for body in (plain, escaped):
        assert json.loads(_scrubbed(200, body, secret)) == {"error": {"code": "Failed", "message": "with ***"}}
    listed = json.dumps({"value": [{"name": "error", "message": secret}]}).encode()  # "error" as a value only
    assert _scrubbed(200, listed, secret) == listed
    assert secret not in _scrubbed(500, b"upstream said " + secret.encode(), secret).decode()
