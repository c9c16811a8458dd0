"""Every API version from one client: version selection over HTTPS, missing groups, models, lazy imports, typing.

The emulator serves every API version and records each request, which shows what the client sent.
"""

from __future__ import annotations

import importlib
import json
import os
import site
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from azure.core.exceptions import HttpResponseError
from azure.core.rest import HttpRequest
from conftest import client_options, run_async
from scenario import RESOURCE_GROUP, SUBSCRIPTION_ID

import batchai
import batchai.aio
import batchai_overlays
from batchai import BatchAIManagementClient

VERSIONS = {
    "2017-09-01-preview": "v2017_09_01_preview",
    "2018-03-01": "v2018_03_01",
    "2018-05-01": "v2018_05_01",
}
PROVIDER = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{RESOURCE_GROUP}/providers/Microsoft.BatchAI"
# a call that exists in one version only, and the request path it must send
ONLY_IN = {
    "2017-09-01-preview": None,
    "2018-03-01": (lambda client: list(client.usage.list("eastus")), "usage"),
    "2018-05-01": (lambda client: client.workspaces.get(RESOURCE_GROUP, "ws"), "workspaces"),
}
# the names `batchai` exported before it served several versions: they must all still be there
EXPORTED_BEFORE = {
    "BatchAIManagementClient",
    "JobDefinitionError",
    "JobFailedError",
    "JobRun",
    "Problem",
    "ProvisioningFailedError",
    "StateTransition",
    "ValidationError",
    "WaitTimeoutError",
    "load_job_definition",
    "validate_definition",
}


def run_python(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def sent(arm_server, call) -> tuple[str, str]:
    """Run `call`, and return the path and api-version of the first request it sent.

    The emulator serves every version: a resource that does not exist is a 404 in each (a job,
    or the workspace it would be in). Every request of the call (a listing's further pages too)
    carries the same api-version.
    """
    before = len(arm_server.requests)
    try:
        call()
    except HttpResponseError as error:
        assert error.status_code == 404, error
    requests = arm_server.requests[before:]
    assert len({request.query["api-version"] for request in requests}) == 1
    return requests[0].path, requests[0].query["api-version"]


# -- selecting a version -------------------------------------------------------------------------


def test_without_api_version_the_client_is_the_default_versions() -> None:
    client = BatchAIManagementClient(object(), SUBSCRIPTION_ID)  # type: ignore[call-overload]

    assert client.api_version == batchai.DEFAULT_API_VERSION == "2018-03-01"
    assert batchai.API_VERSIONS == BatchAIManagementClient.API_VERSIONS == tuple(VERSIONS)
    assert type(client.jobs) is batchai.v2018_03_01.operations.JobsOperations
    assert client.jobs is client.jobs
    assert callable(client.jobs.run)  # the overlays' lifecycle helpers come with the version's groups


@pytest.mark.parametrize("api_version", VERSIONS)
def test_the_client_sends_the_chosen_api_version(api_version: str, arm_server, credential) -> None:
    options = client_options(arm_server)
    with BatchAIManagementClient(credential, SUBSCRIPTION_ID, api_version=api_version, **options) as client:
        assert client.api_version == api_version
        assert sent(arm_server, lambda: list(client.operations.list())) == (
            "/providers/Microsoft.BatchAI/operations",
            api_version,
        )
        if api_version == "2018-05-01":
            path = f"{PROVIDER}/workspaces/ws/experiments/ex/jobs/job"
            call = lambda: client.jobs.get(RESOURCE_GROUP, "ws", "ex", "job")  # noqa: E731
        else:
            path, call = f"{PROVIDER}/jobs/job", lambda: client.jobs.get(RESOURCE_GROUP, "job")
        assert sent(arm_server, call) == (path, api_version)
        if ONLY_IN[api_version] is not None:
            only, group = ONLY_IN[api_version]
            assert sent(arm_server, lambda: only(client))[1] == api_version
            assert group in arm_server.requests[-1].path.lower()


@pytest.mark.parametrize("api_version", VERSIONS)
def test_the_async_client_sends_the_chosen_api_version(api_version: str, arm_server, async_credential) -> None:
    job = ("ws", "ex", "job") if api_version == "2018-05-01" else ("job",)

    async def body() -> list[tuple[str, str]]:
        options = client_options(arm_server)
        client = batchai.aio.BatchAIManagementClient(
            async_credential, SUBSCRIPTION_ID, api_version=api_version, **options
        )
        found = []
        async with client:
            version_package = importlib.import_module(f"batchai.{VERSIONS[api_version]}.aio.operations")
            assert type(client.jobs) is version_package.JobsOperations

            async def operations() -> None:
                [item async for item in client.operations.list()]

            for call in (operations, lambda: client.jobs.get(RESOURCE_GROUP, *job)):
                try:
                    await call()
                except HttpResponseError as error:
                    assert error.status_code == 404, error  # the job (or its workspace) does not exist
                request = arm_server.requests[-1]
                found.append((request.path, request.query["api-version"]))
        return found

    job_path = f"{PROVIDER}/workspaces/ws/experiments/ex/jobs/job" if len(job) == 3 else f"{PROVIDER}/jobs/job"
    assert run_async(body()) == [
        ("/providers/Microsoft.BatchAI/operations", api_version),
        (job_path, api_version),
    ]


def test_send_request_goes_through_the_chosen_versions_pipeline(arm_server, credential) -> None:
    options = client_options(arm_server)
    with BatchAIManagementClient(credential, SUBSCRIPTION_ID, api_version="2018-03-01", **options) as client:
        response = client.send_request(
            HttpRequest("GET", "/providers/Microsoft.BatchAI/operations", params={"api-version": client.api_version})
        )
        assert response.status_code == 200
        assert arm_server.requests[-1].headers["authorization"] == f"Bearer {arm_server.token}"


def test_close_closes_the_versions_transport(arm_server, credential) -> None:
    client = BatchAIManagementClient(
        credential, SUBSCRIPTION_ID, api_version="2018-05-01", **client_options(arm_server)
    )
    assert sent(arm_server, lambda: list(client.usages.list("eastus")))[1] == "2018-05-01"
    client.close()
    assert client._client._pipeline._transport.session is None


def test_an_unknown_api_version_names_the_known_ones() -> None:
    for make in (BatchAIManagementClient, batchai.aio.BatchAIManagementClient):
        with pytest.raises(ValueError) as raised:
            make(object(), SUBSCRIPTION_ID, api_version="2019-01-01")
        assert str(raised.value) == (
            "API version '2019-01-01' is not available in batchai; it has 2017-09-01-preview, 2018-03-01, 2018-05-01"
        )


# -- operation groups a version lacks ------------------------------------------------------------


@pytest.mark.parametrize(
    ("api_version", "group", "message"),
    [
        (
            "2018-03-01",
            "workspaces",
            "API version 2018-03-01 of BatchAIManagementClient has no operation group 'workspaces'; "
            "API version 2018-05-01 has it (choose one with api_version=)",
        ),
        (
            "2018-05-01",
            "usage",
            "API version 2018-05-01 of BatchAIManagementClient has no operation group 'usage'; "
            "API version 2018-03-01 has it (choose one with api_version=)",
        ),
        (
            "2017-09-01-preview",
            "usages",
            "API version 2017-09-01-preview of BatchAIManagementClient has no operation group 'usages'; "
            "API version 2018-05-01 has it (choose one with api_version=)",
        ),
    ],
)
def test_a_group_the_version_lacks_raises_naming_the_versions_that_have_it(
    api_version: str, group: str, message: str
) -> None:
    for make in (BatchAIManagementClient, batchai.aio.BatchAIManagementClient):
        client = make(object(), SUBSCRIPTION_ID, api_version=api_version)
        with pytest.raises(AttributeError) as raised:
            getattr(client, group)
        assert str(raised.value) == message
        assert isinstance(raised.value, ValueError)  # as Azure's multi-API clients raise
        assert not hasattr(client, group)


def test_the_root_client_has_every_versions_groups() -> None:
    groups = {"clusters", "experiments", "file_servers", "jobs", "operations", "usage", "usages", "workspaces"}
    for api_version, module in VERSIONS.items():
        client = BatchAIManagementClient(object(), SUBSCRIPTION_ID, api_version=api_version)
        version_client = getattr(batchai, module).BatchAIManagementClient(object(), SUBSCRIPTION_ID)
        own = {name for name in groups if hasattr(client, name)}
        assert own == {name for name in vars(version_client) if not name.startswith("_")}
        for name in own:
            assert type(getattr(client, name)) is type(getattr(version_client, name))


# -- models ------------------------------------------------------------------------------------------


def test_models_is_a_versions_models_module() -> None:
    newer = BatchAIManagementClient(object(), SUBSCRIPTION_ID, api_version="2018-05-01")

    assert BatchAIManagementClient.models() is batchai.v2018_03_01.models
    assert BatchAIManagementClient.models("2017-09-01-preview") is batchai.v2017_09_01_preview.models
    assert newer.models() is batchai.v2018_05_01.models
    assert newer.models("2018-03-01") is batchai.v2018_03_01.models
    assert batchai.aio.BatchAIManagementClient.models("2018-05-01") is batchai.v2018_05_01.models
    assert batchai.models.JobCreateParameters is batchai.v2018_03_01.models.JobCreateParameters
    assert "Workspace" in dir(newer.models()) and "Workspace" not in dir(BatchAIManagementClient.models())
    with pytest.raises(ValueError, match="'2016-01-01' is not available"):
        newer.models("2016-01-01")


# -- what batchai exports ----------------------------------------------------------------------------


def test_every_name_batchai_exported_before_is_still_there() -> None:
    runtime_errors = {"OperationTimeoutError", "PagingLoopError", "PathSegmentError"}
    assert set(batchai.__all__) == EXPORTED_BEFORE | {"JobDefinitionWarning", "infer_api_version"} | runtime_errors
    assert set(dir(batchai)) >= EXPORTED_BEFORE
    assert {"aio", "models", "operations", *VERSIONS.values()} <= set(dir(batchai))
    for module in VERSIONS.values():  # the overlays' names are version-independent: every version has them
        assert getattr(batchai, module).ValidationError is batchai.ValidationError
        assert getattr(batchai, module).load_job_definition is batchai.load_job_definition
    assert batchai.operations.JobsOperations is batchai.v2018_03_01.operations.JobsOperations
    namespace: dict = {}
    exec("from batchai import *", namespace)
    assert set(namespace) >= EXPORTED_BEFORE | runtime_errors


def test_the_errors_the_runtime_raises_are_exported_and_catchable_as_azure_cores() -> None:
    from azure.core.exceptions import HttpResponseError

    from batchai import _runtime

    assert batchai.OperationTimeoutError is _runtime.OperationTimeoutError
    assert batchai.PagingLoopError is _runtime.PagingLoopError
    assert batchai.PathSegmentError is _runtime.PathSegmentError
    assert issubclass(batchai.OperationTimeoutError, TimeoutError)
    assert issubclass(batchai.PagingLoopError, HttpResponseError)
    assert issubclass(batchai.PathSegmentError, ValueError)


# -- lazy imports ------------------------------------------------------------------------------------


def test_importing_batchai_imports_no_api_version() -> None:
    printed = run_python(
        """
        import json, sys

        def loaded():
            return sorted(
                name for name in sys.modules
                if name.startswith(("batchai.v", "batchai_overlays", "msrest", "azure")) and "." not in name[9:]
            )

        import batchai, batchai.aio
        from batchai import BatchAIManagementClient
        from batchai.aio import BatchAIManagementClient as AsyncClient
        first = loaded()
        BatchAIManagementClient(object(), "sub", api_version="2018-05-01")
        second = loaded()
        batchai.ValidationError
        print(json.dumps([first, second, loaded()]))
        """
    )
    first, second, third = json.loads(printed)
    assert first == []
    assert "batchai.v2018_05_01" in second and "msrest" in second
    assert not any(name.startswith(("batchai.v2018_03_01", "batchai.v2017")) for name in second)
    assert third == sorted({*second, "batchai_overlays"}), "the overlays' names import no API version"


@pytest.mark.parametrize("module", VERSIONS.values())
def test_each_version_imports_on_its_own(module: str) -> None:
    printed = run_python(
        f"""
        import sys
        import batchai.{module}.aio
        from batchai.{module} import BatchAIManagementClient, models
        client = BatchAIManagementClient(object(), "sub")
        print(client._config.api_version, len(models.__all__))
        print(sorted({{name.split(".")[1] for name in sys.modules if name.startswith("batchai.v")}}))
        """
    )
    api_version, versions = printed.splitlines()
    assert api_version.split()[0] == next(version for version, each in VERSIONS.items() if each == module)
    assert versions == f"['{module}']"


# -- typing --------------------------------------------------------------------------------------------

USER_CODE = """
from typing import Literal

import batchai
import batchai.aio
from azure.core.credentials import TokenCredential
from azure.core.credentials_async import AsyncTokenCredential

def check(
    credential: TokenCredential,
    async_credential: AsyncTokenCredential,
    version: str,
    older: batchai.models.JobCreateParameters,
) -> None:
    client = batchai.BatchAIManagementClient(credential, "sub")
    pinned = batchai.v2018_03_01.BatchAIManagementClient(credential, "sub")
    reveal_type(client)
    reveal_type(client.jobs.begin_create)
    reveal_type(pinned.jobs.begin_create)
    newer = batchai.BatchAIManagementClient(credential, "sub", api_version="2018-05-01")
    reveal_type(newer.jobs.begin_create)
    reveal_type(newer.workspaces)
    reveal_type(newer.api_version)
    preview = batchai.BatchAIManagementClient(credential, "sub", api_version="2017-09-01-preview")
    reveal_type(preview.jobs.get)
    unknown = batchai.BatchAIManagementClient(credential, "sub", api_version=version)
    reveal_type(unknown.jobs)
    client.workspaces
    newer.usage
    newer.jobs.begin_create("rg", "ws", "ex", "job", older)
    aio_client = batchai.aio.BatchAIManagementClient(async_credential, "sub", api_version="2018-05-01")
    reveal_type(aio_client.experiments)
    reveal_type(batchai.ValidationError)
    reveal_type(batchai.load_job_definition("job.json"))
    reveal_type(batchai.load_job_definition("job.json", api_version="2018-05-01"))
    reveal_type(newer.jobs.run)
    reveal_type(newer.experiments.delete_and_wait)
    reveal_type(client.jobs.iter_states)
    reveal_type(batchai.models.Job)

def annotated(client: batchai.BatchAIManagementClient) -> None:
    reveal_type(client.jobs)

def explicit(client: batchai.BatchAIManagementClient[Literal["2018-05-01"]]) -> None:
    reveal_type(client.experiments)
"""


def test_mypy_sees_the_chosen_versions_types(tmp_path: Path) -> None:
    """mypy on a user's snippet, against the installed package, outside this project's mypy settings."""
    snippet = tmp_path / "user.py"
    snippet.write_text(USER_CODE, encoding="utf-8")
    # an editable install is an import hook mypy cannot follow: then mypy is pointed at the folders
    folders = {Path(module.__file__).resolve().parents[1] for module in (batchai, batchai_overlays)}
    installed = {Path(folder).resolve() for folder in site.getsitepackages()}
    environment = {**os.environ, "MYPYPATH": os.pathsep.join(sorted(str(f) for f in folders - installed))}
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--cache-dir", str(tmp_path / "cache"), "user.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=environment,
        timeout=600,
    )
    lines = [line.split(":", 2)[1:] for line in result.stdout.splitlines() if line.startswith("user.py:")]
    found = [(int(number), text.strip()) for number, text in lines]
    ops = "batchai_overlays.{}.operations.{}"  # the generated groups, as the overlays extend them
    begin_create_2018_03 = (
        'note: Revealed type is "def (resource_group_name: str, job_name: str, '
        "parameters: batchai.v2018_03_01.models._models.JobCreateParameters | typing.IO[bytes], "
        '**kwargs: Any) -> azure.core.polling._poller.LROPoller[batchai.v2018_03_01.models._models.Job]"'
    )
    notes = {number: text for number, text in found if text.startswith("note: Revealed type")}
    errors = [(number, text) for number, text in found if text.startswith("error")]
    line = {text.strip(): number for number, text in enumerate(USER_CODE.splitlines(), 1)}

    def revealed(expression: str) -> str:
        return notes[line[f"reveal_type({expression})"]].removeprefix("note: Revealed type is ").strip('"')

    assert revealed("client") == "batchai._client.BatchAIManagementClient[Literal['2018-03-01']]"
    assert notes[line["reveal_type(client.jobs.begin_create)"]] == begin_create_2018_03
    assert revealed("client.jobs.begin_create") == revealed("pinned.jobs.begin_create")
    assert "workspace_name: str, experiment_name: str, job_name: str" in revealed("newer.jobs.begin_create")
    assert "batchai.v2018_05_01.models._models.Job]" in revealed("newer.jobs.begin_create")
    assert revealed("newer.workspaces") == ops.format("v2018_05_01", "WorkspacesOperations")
    assert revealed("newer.api_version") == "Literal['2018-05-01']"
    assert "batchai.v2017_09_01_preview.models._models.Job" in revealed("preview.jobs.get")
    assert revealed("unknown.jobs") == "Any"
    assert revealed("aio_client.experiments") == "batchai_overlays.v2018_05_01.aio_operations.ExperimentsOperations"
    assert revealed("batchai.ValidationError") == (
        "def (problems: list[batchai_overlays.errors.Problem]) -> batchai_overlays.errors.ValidationError"
    )
    assert revealed('batchai.load_job_definition("job.json")') == "Any", "the version is the file's, known at run time"
    assert revealed('batchai.load_job_definition("job.json", api_version="2018-05-01")') == (
        "batchai.v2018_05_01.models._models.JobCreateParameters"
    )
    # the overlays' helpers, typed from the version's generated methods: names in the same places
    assert revealed("newer.jobs.run") == (
        "def (resource_group_name: str, workspace_name: str, experiment_name: str, job_name: str, parameters: "
        "batchai.v2018_05_01.models._models.JobCreateParameters | typing.IO[bytes], **kwargs: Any) -> "
        "batchai_overlays.lifecycle.JobRun[batchai.v2018_05_01.models._models.Job, "
        "batchai.v2018_05_01.models._models.File]"
    )
    assert revealed("newer.experiments.delete_and_wait") == (
        "def (resource_group_name: str, workspace_name: str, experiment_name: str, **kwargs: Any)"
    )
    assert revealed("client.jobs.iter_states") == (
        "def (resource_group_name: str, job_name: str, **kwargs: Any) -> "
        "typing.Iterator[batchai_overlays.lifecycle.StateTransition[batchai.v2018_03_01.models._models.Job]]"
    )
    assert "batchai.v2018_03_01.models._models.Job" in revealed("batchai.models.Job")
    assert revealed("client.jobs") == ops.format("v2018_03_01", "JobsOperations")
    assert revealed("client.experiments") == ops.format("v2018_05_01", "ExperimentsOperations")
    # the groups a version lacks, and a 2018-03-01 model given to a 2018-05-01 method, are errors
    assert [number for number, _ in errors] == [
        line["client.workspaces"],
        line["newer.usage"],
        line['newer.jobs.begin_create("rg", "ws", "ex", "job", older)'],
    ], result.stdout
    assert "incompatible type \"BatchAIManagementClient[Literal['2018-03-01']]\"" in errors[0][1]
