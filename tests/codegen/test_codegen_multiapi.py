"""codegen.multiapi and the root templates: two tiny API versions behind one generated root client."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from codegen_specs import operation, param_ref, ref, swagger

from codegen import generate_files, write_files
from codegen.config import Config, load_config
from codegen.generate import build_code_models
from codegen.loader import SpecError
from codegen.multiapi import MultiApiError, build_multiapi_model

SDK_TOML = """\
[package]
name = "multisdk"
distribution = "multisdk-dist"
version = "0.0.1"
description = "Two API versions of a tiny service."
output = "out"
overlays = "overlays"
overlay_package = "multisdk_overlays"
default_api_version = "2020-01-01"

[[api_versions]]
version = "2020-01-01"
spec = "spec/2020-01-01.json"

[[api_versions]]
version = "2021-01-01"
spec = "spec/2021-01-01.json"
{secrets}"""
PARAMETERS = {
    "SubscriptionIdParameter": {"name": "subscriptionId", "in": "path", "required": True, "type": "string"},
    "ApiVersionParameter": {"name": "api-version", "in": "query", "required": True, "type": "string"},
}
DEFINITIONS = {
    "Thing": {"type": "object", "properties": {"name": {"type": "string"}, "secret": {"type": "string"}}},
}
COMMON = [param_ref("SubscriptionIdParameter"), param_ref("ApiVersionParameter")]


def version_document(version: str, *, widgets: bool, check_name: bool, client_parameters: list | None = None) -> dict:
    """One API version: things in both, widgets and a client-level operation in one each."""
    parameters = client_parameters if client_parameters is not None else COMMON
    paths = {
        "/subscriptions/{subscriptionId}/things": {"get": operation("Things_Get", ref("Thing"), parameters=parameters)}
    }
    if widgets:
        paths["/subscriptions/{subscriptionId}/widgets"] = {
            "get": operation("Widgets_Get", ref("Thing"), parameters=parameters)
        }
    if check_name:
        paths["/subscriptions/{subscriptionId}/checkName"] = {
            "post": operation("CheckName", ref("Thing"), parameters=parameters)
        }
    return swagger(
        paths=paths,
        definitions=DEFINITIONS,
        parameters=PARAMETERS,
        info={"title": "Multi", "description": "The multi API.", "version": version},
        **{"x-ms-code-generation-settings": {}},
    )


def write_project(
    folder: Path, *, secrets: str = "", first_parameters: list | None = None, overlays: dict[str, str] | None = None
) -> Config:
    (folder / "spec").mkdir(parents=True, exist_ok=True)
    documents = {
        "2020-01-01": version_document(
            "2020-01-01", widgets=False, check_name=True, client_parameters=first_parameters
        ),
        "2021-01-01": version_document("2021-01-01", widgets=True, check_name=False),
    }
    for version, document in documents.items():
        (folder / "spec" / f"{version}.json").write_text(json.dumps(document), encoding="utf-8")
    (folder / "sdk.toml").write_text(SDK_TOML.format(secrets=secrets), encoding="utf-8")
    for relative, source in (overlays or {}).items():
        path = folder / "overlays" / "multisdk_overlays" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
    return load_config(folder / "sdk.toml")


def run_python(code: str, *path: Path) -> str:
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(str(folder) for folder in path)}
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=environment, cwd=path[0]
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


# a transport that answers every request with the request's own URL, so a test sees what was sent
RECORDING_TRANSPORT = """
from azure.core.credentials import AccessToken
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest import HttpResponse


class Echo(HttpTransport):
    def __enter__(self): return self
    def __exit__(self, *args): pass
    def open(self): pass
    def close(self): pass

    def send(self, request, **kwargs):
        import json
        from azure.core.pipeline.transport._requests_basic import RequestsTransportResponse
        import requests
        raw = requests.Response()
        raw.status_code = 200
        raw._content = json.dumps({"name": request.url}).encode()
        raw.headers["Content-Type"] = "application/json"
        return RequestsTransportResponse(request, raw)


class Token:
    def get_token(self, *scopes, **kwargs):
        return AccessToken("token", 2**31)
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Config:
    return write_project(tmp_path_factory.mktemp("multi"))


@pytest.fixture(scope="module")
def output(project: Config) -> Path:
    write_files(generate_files(project), project.output, project.package)
    (project.output / "echo_transport.py").write_text(RECORDING_TRANSPORT, encoding="utf-8")
    return project.output


def test_the_root_model_is_the_union_of_the_versions(project: Config) -> None:
    model = build_multiapi_model(project, build_code_models(project))

    assert [(entry.version, entry.module, entry.is_default) for entry in model.versions] == [
        ("2020-01-01", "v2020_01_01", True),
        ("2021-01-01", "v2021_01_01", False),
    ]
    assert [(group.name, group.versions) for group in model.operation_groups] == [
        ("things", ("2020-01-01", "2021-01-01")),
        ("widgets", ("2021-01-01",)),
    ]
    assert [(operation.name, operation.versions) for operation in model.client_operations] == [
        ("check_name", ("2020-01-01",))
    ]
    assert model.client_name == "Multi"
    assert [param.name for param in model.parameters] == ["subscription_id"]


def test_versions_with_different_client_parameters_cannot_share_a_root_client(tmp_path: Path) -> None:
    extra = {"name": "region", "in": "query", "required": True, "type": "string", "x-ms-parameter-location": "client"}
    project = write_project(tmp_path, first_parameters=[*COMMON, extra])

    with pytest.raises(MultiApiError, match=r"API version 2021-01-01 takes the client parameters .* one root client"):
        build_multiapi_model(project, build_code_models(project))


def test_an_operation_named_like_a_root_client_member_is_refused(tmp_path: Path) -> None:
    project = write_project(tmp_path)
    code_models = build_code_models(project)
    first = next(iter(code_models.values()))
    first.operation_groups[-1].operations[0].name = "models"

    with pytest.raises(MultiApiError, match=r"\['models'\] would hide the root client's own members"):
        build_multiapi_model(project, code_models)


def test_a_secret_that_no_version_defines_is_a_configuration_error(tmp_path: Path) -> None:
    project = write_project(tmp_path, secrets='\n[secrets]\nproperties = ["Thing.secret", "Thing.scret"]\n')

    with pytest.raises(SpecError, match=r"\['Thing.scret'\] name no definition property in API versions"):
        build_code_models(project)


def test_importing_the_root_packages_imports_no_api_version(output: Path) -> None:
    printed = run_python(
        """
        import sys
        import multisdk, multisdk.aio
        from multisdk import Multi
        from multisdk.aio import Multi as AsyncMulti
        print(sorted(name for name in sys.modules if name.startswith("multisdk.v") or name == "msrest"))
        Multi(credential=object(), subscription_id="sub", api_version="2021-01-01")
        print(sorted(name for name in sys.modules if name.startswith("multisdk.v")))
        """,
        output,
    )
    before, after = printed.splitlines()
    assert before == "[]"
    assert "multisdk.v2021_01_01" in after
    assert "multisdk.v2020_01_01" not in after


def test_the_root_client_serves_the_chosen_version(output: Path) -> None:
    printed = run_python(
        """
        from echo_transport import Echo, Token
        from multisdk import Multi

        default = Multi(credential=Token(), subscription_id="sub", transport=Echo())
        print(default.api_version, type(default.things).__module__, repr(default))
        newer = Multi(credential=Token(), subscription_id="sub", api_version="2021-01-01", transport=Echo())
        print(newer.api_version, type(newer.widgets).__module__, newer.widgets is newer.widgets)
        print(newer.widgets.get().name)
        print(default.things.get().name)
        print(default.check_name().name)
        """,
        output,
    )
    assert printed.splitlines() == [
        "2020-01-01 multisdk.v2020_01_01.operations._things_operations <multisdk._client.Multi api_version='2020-01-01'>",
        "2021-01-01 multisdk.v2021_01_01.operations._widgets_operations True",
        "https://management.example.com/subscriptions/sub/widgets?api-version=2021-01-01",
        "https://management.example.com/subscriptions/sub/things?api-version=2020-01-01",
        "https://management.example.com/subscriptions/sub/checkName?api-version=2020-01-01",
    ]


def test_what_the_chosen_version_lacks_raises_naming_the_versions_that_have_it(output: Path) -> None:
    printed = run_python(
        """
        from multisdk import Multi
        from multisdk.aio import Multi as AsyncMulti

        for client in (Multi(credential=object(), subscription_id="s"), AsyncMulti(credential=object(), subscription_id="s")):
            try:
                client.widgets
            except AttributeError as error:
                print(type(error).__name__, isinstance(error, ValueError), error)
            print(hasattr(client, "widgets"), hasattr(client, "things"))
        try:
            Multi(credential=object(), subscription_id="s", api_version="2021-01-01").check_name
        except AttributeError as error:
            print(error)
        """,
        output,
    )
    assert printed.splitlines() == [
        "ApiVersionAttributeError True API version 2020-01-01 of Multi has no operation group 'widgets'; "
        "API version 2021-01-01 has it (choose one with api_version=)",
        "False True",
        "ApiVersionAttributeError True API version 2020-01-01 of Multi has no operation group 'widgets'; "
        "API version 2021-01-01 has it (choose one with api_version=)",
        "False True",
        "API version 2021-01-01 of Multi has no operation 'check_name'; "
        "API version 2020-01-01 has it (choose one with api_version=)",
    ]


def test_an_unknown_api_version_is_a_value_error_listing_the_known_ones(output: Path) -> None:
    printed = run_python(
        """
        from multisdk import Multi

        for call in (lambda: Multi(credential=object(), subscription_id="s", api_version="2019-01-01"), lambda: Multi.models("x")):
            try:
                call()
            except ValueError as error:
                print(error)
        """,
        output,
    )
    assert printed.splitlines() == [
        "API version '2019-01-01' is not available in multisdk; it has 2020-01-01, 2021-01-01",
        "API version 'x' is not available in multisdk; it has 2020-01-01, 2021-01-01",
    ]


def test_models_is_the_models_module_of_a_version(output: Path) -> None:
    printed = run_python(
        """
        import multisdk
        from multisdk import Multi
        from multisdk.aio import Multi as AsyncMulti

        newer = Multi(credential=object(), subscription_id="s", api_version="2021-01-01")
        print(Multi.models().__name__, Multi.models("2021-01-01").__name__)
        print(newer.models().__name__, newer.models("2020-01-01").__name__, AsyncMulti.models().__name__)
        print(multisdk.models.Thing is Multi.models().Thing, multisdk.API_VERSIONS, multisdk.DEFAULT_API_VERSION)
        """,
        output,
    )
    assert printed.splitlines() == [
        "multisdk.v2020_01_01.models multisdk.v2021_01_01.models",
        "multisdk.v2021_01_01.models multisdk.v2020_01_01.models multisdk.v2020_01_01.models",
        "True ('2020-01-01', '2021-01-01') 2020-01-01",
    ]


def test_the_async_root_client_serves_the_chosen_version(output: Path) -> None:
    printed = run_python(
        """
        import asyncio
        from multisdk.aio import Multi

        async def main():
            async with Multi(credential=object(), subscription_id="s", api_version="2021-01-01") as client:
                print(type(client.widgets).__module__, client._config.api_version)

        asyncio.run(main())
        """,
        output,
    )
    assert printed == "multisdk.v2021_01_01.aio.operations._widgets_operations 2021-01-01\n"


OVERLAYS = {
    "__init__.py": "",
    "package.py": """
        __all__ = ["hello", "patched"]
        patched = []

        def hello():
            return "root overlay"

        def patch_sdk():
            patched.append(1)
        """,
    "v2020_01_01/__init__.py": "",
    "v2020_01_01/package.py": """
        __all__ = ["Greeting", "hello"]

        class Greeting:
            pass

        def hello():
            return "default version overlay"

        def patch_sdk():
            pass
        """,
}


def test_the_root_hook_exports_the_root_overlay_then_the_default_versions(tmp_path: Path) -> None:
    project = write_project(tmp_path, overlays=OVERLAYS)
    files = generate_files(project)
    write_files(files, project.output, project.package)
    assert "from multisdk_overlays.package import *" in files["multisdk/_patch.py"]
    assert "No version-independent overlay module `multisdk_overlays.aio` exists" in files["multisdk/aio/_patch.py"]

    printed = run_python(
        """
        import sys
        import multisdk

        print("multisdk_overlays.package" in sys.modules)
        print(multisdk.hello(), multisdk.Greeting.__module__, multisdk.patched)
        print(sorted(multisdk.__all__))
        print({"Greeting", "hello", "Multi", "models", "v2021_01_01"} <= set(dir(multisdk)))
        from multisdk import *
        print(Greeting.__name__, Multi.__name__)
        try:
            multisdk.nothing
        except AttributeError as error:
            print(error)
        """,
        project.output,
        tmp_path / "overlays",
    )
    assert printed.splitlines() == [
        "False",
        "root overlay multisdk_overlays.v2020_01_01.package [1]",
        "['Greeting', 'Multi', 'OperationTimeoutError', 'PagingLoopError', 'PathSegmentError', 'hello', 'patched']",
        "True",
        "Greeting Multi",
        "module 'multisdk' has no attribute 'nothing'",
    ]
