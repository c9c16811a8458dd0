"""codegen.render and codegen.generate: a tiny spec rendered into a package that imports and works."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import jinja2
import pytest
from codegen_specs import operation, param_ref, ref, swagger

from codegen import generate_files, write_files
from codegen.config import Config, load_config
from codegen.generate import build_code_models

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "tinysdk"
VERSION_PACKAGE = "tinysdk/v2020_01_01"
SDK_TOML = """\
[package]
name = "tinysdk"
distribution = "tinysdk-dist"
version = "1.2.3"
description = "A tiny SDK for the codegen tests."
output = "out"
overlays = "overlays"
overlay_package = "tinysdk_overlays"
default_api_version = "2020-01-01"

[[api_versions]]
version = "2020-01-01"
spec = "spec/spec.json"
"""
STRING = {"type": "string"}
PARAMETERS = {
    "SubscriptionIdParameter": {
        "name": "subscriptionId",
        "in": "path",
        "required": True,
        "type": "string",
        "description": "The subscription.",
    },
    "ApiVersionParameter": {"name": "api-version", "in": "query", "required": True, "type": "string"},
}
DEFINITIONS = {
    "Resource": {
        "type": "object",
        "description": "An ARM resource.",
        "properties": {"id": {"type": "string", "readOnly": True, "description": "The resource ID."}},
    },
    "Thing": {
        "type": "object",
        "description": "A thing.",
        "allOf": [ref("Resource")],
        "properties": {"properties": {"x-ms-client-flatten": True, **ref("ThingProperties")}},
    },
    "ThingProperties": {
        "type": "object",
        "required": ["cluster"],
        "properties": {
            "cluster": {"type": "string", "description": "The cluster.", "pattern": "^[a-z]+$", "maxLength": 8},
            "priority": {"type": "integer", "default": 0, "description": "The priority."},
            "createdAt": {"type": "string", "format": "date-time", "description": "Creation time."},
            "state": {
                "type": "string",
                "readOnly": True,
                "enum": ["running", "succeeded"],
                "x-ms-enum": {"name": "ThingState", "modelAsString": True},
            },
        },
    },
    "ThingList": {
        "type": "object",
        "properties": {"value": {"type": "array", "items": ref("Thing")}, "nextLink": STRING},
    },
    "CloudError": {"type": "object", "properties": {"code": STRING, "message": STRING}},
    "Fixed": {
        "type": "object",
        "required": ["kind"],
        "properties": {
            "kind": {"type": "string", "enum": ["Fixed"], "x-ms-enum": {"name": "Kind", "modelAsString": False}},
            "value": STRING,
        },
    },
}


def thing_operations():
    name = {"name": "thingName", "in": "path", "required": True, "type": "string", "description": "The name."}
    common = [param_ref("SubscriptionIdParameter"), name, param_ref("ApiVersionParameter")]
    body = {"name": "parameters", "in": "body", "required": True, "schema": ref("Thing"), "description": "The thing."}
    get = operation("Things_Get", ref("Thing"), description="Gets a thing.", parameters=common)
    create = operation(
        "Things_Create",
        ref("Thing"),
        description="Creates a thing.",
        parameters=[*common, body],
        **{"x-ms-long-running-operation": True},
    )
    listing = operation(
        "Things_List",
        ref("ThingList"),
        description="Lists things.",
        parameters=[param_ref("SubscriptionIdParameter"), param_ref("ApiVersionParameter")],
        **{"x-ms-pageable": {"nextLinkName": "nextLink"}},
    )
    for each in (get, create, listing):
        each["responses"]["default"] = {"description": "Error.", "schema": ref("CloudError")}
    return {
        "/subscriptions/{subscriptionId}/things/{thingName}": {"get": get, "put": create},
        "/subscriptions/{subscriptionId}/things": {"get": listing},
    }


def write_project(folder: Path) -> Path:
    """sdk.toml and its spec in `folder`; returns the sdk.toml path."""
    document = swagger(
        paths=thing_operations(),
        definitions=DEFINITIONS,
        parameters=PARAMETERS,
        info={
            "title": "Tiny",
            "description": "The tiny API.",
            "version": "2020-01-01",
            "x-ms-code-generation-settings": {"name": "TinyClient"},
        },
    )
    (folder / "spec").mkdir(parents=True, exist_ok=True)
    (folder / "spec" / "spec.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
    (folder / "sdk.toml").write_text(SDK_TOML, encoding="utf-8")
    return folder / "sdk.toml"


def run_python(code: str, *path: Path) -> str:
    """Run code in a fresh interpreter with `path` first on sys.path; its stdout."""
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(str(folder) for folder in path)}
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=environment, cwd=path[0]
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Config:
    return load_config(write_project(tmp_path_factory.mktemp("project")))


@pytest.fixture(scope="module")
def files(project: Config) -> dict[str, str]:
    return generate_files(project)


@pytest.fixture(scope="module")
def output(project: Config, files: dict[str, str]) -> Path:
    write_files(files, project.output, project.package)
    return project.output


def test_the_package_layout(files: dict[str, str]) -> None:
    for path in (
        "tinysdk/__init__.py",
        "tinysdk/_version.py",
        "tinysdk/py.typed",
        "tinysdk/models/__init__.py",
        f"{VERSION_PACKAGE}/__init__.py",
        f"{VERSION_PACKAGE}/_client.py",
        f"{VERSION_PACKAGE}/_configuration.py",
        f"{VERSION_PACKAGE}/models/_models.py",
        f"{VERSION_PACKAGE}/models/_enums.py",
        f"{VERSION_PACKAGE}/operations/_things_operations.py",
        f"{VERSION_PACKAGE}/aio/_client.py",
        f"{VERSION_PACKAGE}/aio/operations/_things_operations.py",
        f"{VERSION_PACKAGE}/models/_patch.py",
    ):
        assert path in files, path


def test_every_generated_file_starts_with_the_do_not_edit_header(files: dict[str, str]) -> None:
    for path, text in files.items():
        if path.endswith(".py"):
            assert text.startswith("# Code generated by batchai-sdk's codegen from "), path
    assert files[f"{VERSION_PACKAGE}/models/_models.py"].startswith(
        "# Code generated by batchai-sdk's codegen from spec/"
    )


def test_the_output_is_byte_identical_across_two_runs(project: Config, files: dict[str, str]) -> None:
    assert generate_files(project) == files


TEMPLATES = sorted(path.name for path in (ROOT / "codegen" / "templates").glob("*.jinja"))


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates jinja2 compiles (not those it loads from its bytecode cache)."""
    names: list[str] = []
    compile_template = jinja2.Environment.compile

    def counting(self: jinja2.Environment, source: str, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        names.append(name or "")
        return compile_template(self, source, name, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return names


def test_one_run_compiles_each_template_once(project: Config, compiled: list[str]) -> None:
    """One Environment per run: a template serves every API version and both clients, compiled once."""
    generate_files(project)
    assert sorted(compiled) == TEMPLATES


def test_a_cold_and_a_warm_template_cache_give_the_files_of_no_cache(
    project: Config, files: dict[str, str], tmp_path: Path, compiled: list[str]
) -> None:
    """jinja2's bytecode cache only spares compiling: the first run compiles and stores each template, the
    second loads them all and compiles none, and both make the files a run without a cache makes."""
    cache = tmp_path / "jinja2"
    cold = generate_files(project, template_cache=cache)
    assert sorted(compiled) == TEMPLATES
    stored = {path: path.read_bytes() for path in cache.iterdir()}
    assert len(stored) == len(TEMPLATES)
    compiled.clear()
    warm = generate_files(project, template_cache=cache)
    assert compiled == []
    assert {path: path.read_bytes() for path in cache.iterdir()} == stored
    assert cold == files and warm == files


def test_the_output_is_what_ruff_format_leaves_alone(output: Path) -> None:
    """The templates write formatted code: ruff (pinned) neither reformats it nor sorts or drops an import."""
    ruff = [sys.executable, "-m", "ruff"]
    options = ["--isolated", "--line-length=120"]
    formatted = subprocess.run([*ruff, "format", *options, "--check", "."], cwd=output, capture_output=True, text=True)
    assert formatted.returncode == 0, formatted.stdout
    checked = subprocess.run(
        [*ruff, "check", *options, "--select=I,F401,W", "--output-format=concise", "."],
        cwd=output,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout


def test_the_generated_package_imports(output: Path) -> None:
    printed = run_python(
        """
        import tinysdk, tinysdk.aio, tinysdk.models
        from tinysdk import TinyClient
        print(tinysdk.__version__, TinyClient.__module__, sorted(tinysdk.models.__all__))
        """,
        output,
    )
    assert printed.split(" ", 2) == [
        "1.2.3",
        "tinysdk._client",
        "['CloudError', 'Fixed', 'Resource', 'Thing', 'ThingList', 'ThingState']\n",
    ]


def test_the_client_has_its_operation_groups_and_client_parameters(output: Path) -> None:
    printed = run_python(
        """
        import inspect
        from tinysdk import TinyClient

        client = TinyClient(credential=object(), subscription_id="sub")
        print(type(client.things).__name__, client._config.subscription_id, client._config.api_version)
        print(inspect.signature(client.things.get))
        print(inspect.signature(client.things.begin_create))
        """,
        output,
    )
    assert printed.splitlines() == [
        "ThingsOperations sub 2020-01-01",
        "(thing_name: 'str', **kwargs: 'Any') -> '_models.Thing'",
        "(thing_name: 'str', parameters: '_models.Thing | IO[bytes]', **kwargs: 'Any') -> 'LROPoller[_models.Thing]'",
    ]


def test_model_attribute_map_and_validation_are_what_msrest_needs(output: Path) -> None:
    printed = run_python(
        """
        import json
        from tinysdk.models import Thing

        print(json.dumps({"map": Thing._attribute_map, "validation": Thing._validation}))
        """,
        output,
    )
    assert json.loads(printed) == {
        "map": {
            "id": {"key": "id", "type": "str"},
            "cluster": {"key": "properties.cluster", "type": "str"},
            "priority": {"key": "properties.priority", "type": "int"},
            "created_at": {"key": "properties.createdAt", "type": "iso-8601"},
            "state": {"key": "properties.state", "type": "str"},
        },
        "validation": {
            "id": {"readonly": True},
            "cluster": {"required": True, "pattern": "^[a-z]+$", "max_length": 8},
            "state": {"readonly": True},
        },
    }


def test_a_model_serializes_with_msrest_to_the_wire_json(output: Path) -> None:
    printed = run_python(
        """
        import datetime, json
        from msrest import Serializer
        from tinysdk import models

        serializer = Serializer({"Thing": models.Thing})
        thing = models.Thing(cluster="gpu", created_at=datetime.datetime(2020, 1, 2, tzinfo=datetime.timezone.utc))
        print(json.dumps(serializer.body(thing, "Thing")))
        """,
        output,
    )
    assert json.loads(printed) == {"properties": {"cluster": "gpu", "createdAt": "2020-01-02T00:00:00.000Z"}}


def test_read_only_properties_are_not_sent(output: Path) -> None:
    printed = run_python(
        """
        import json
        from msrest import Deserializer, Serializer
        from tinysdk import models

        wire = {"id": "/things/a", "properties": {"cluster": "gpu", "state": "running"}}
        thing = Deserializer({"Thing": models.Thing}).deserialize_data(wire, "Thing")
        print(json.dumps(Serializer({"Thing": models.Thing}).body(thing, "Thing")))
        """,
        output,
    )
    assert json.loads(printed) == {"properties": {"cluster": "gpu"}}


def test_a_constant_is_a_class_attribute_that_is_always_sent(output: Path) -> None:
    printed = run_python(
        """
        import inspect, json
        from msrest import Serializer
        from tinysdk import models

        print(models.Fixed.kind, list(inspect.signature(models.Fixed).parameters))
        print(json.dumps(Serializer({"Fixed": models.Fixed}).body(models.Fixed(value="v"), "Fixed")))
        """,
        output,
    )
    signature, body = printed.splitlines()
    assert signature == "Fixed ['value', 'kwargs']"
    assert json.loads(body) == {"kind": "Fixed", "value": "v"}


def test_a_request_builder_fills_the_url_and_pins_the_api_version(output: Path) -> None:
    printed = run_python(
        """
        from tinysdk.v2020_01_01.operations._things_operations import build_get_request

        request = build_get_request(subscription_id="sub", thing_name="a b")
        print(request.method, request.url, request.headers["Accept"])
        """,
        output,
    )
    assert printed == "GET /subscriptions/sub/things/a%20b?api-version=2020-01-01 application/json\n"


def test_a_model_deserializes_the_wire_json_with_msrest(output: Path) -> None:
    printed = run_python(
        """
        from msrest import Deserializer
        from tinysdk import models

        wire = {"id": "/things/a", "properties": {"cluster": "gpu", "priority": 3, "state": "running"}}
        thing = Deserializer({"Thing": models.Thing}).deserialize_data(wire, "Thing")
        print(thing.id, thing.cluster, thing.priority, thing.state, thing.created_at)
        """,
        output,
    )
    assert printed == "/things/a gpu 3 running None\n"


def test_client_side_validation_rejects_what_the_spec_forbids(output: Path) -> None:
    printed = run_python(
        """
        from msrest import Serializer
        from msrest.exceptions import ValidationError
        from tinysdk import models

        serializer = Serializer({"Thing": models.Thing})
        for thing in (models.Thing(cluster="UPPER"), models.Thing(cluster="toolongname"), models.Thing(cluster=None)):
            try:
                serializer.body(thing, "Thing")
            except ValidationError as error:
                print(error.rule)
        """,
        output,
    )
    assert printed.split() == ["pattern", "max_length", "required"]


def test_an_optional_property_with_a_spec_default_is_left_unset(output: Path) -> None:
    printed = run_python(
        """
        from tinysdk.models import Thing

        print(Thing(cluster="a").priority)
        """,
        output,
    )
    assert printed == "None\n"


def test_docstrings_describe_models_properties_and_operations(output: Path) -> None:
    printed = run_python(
        """
        import json
        from tinysdk import models
        from tinysdk.v2020_01_01 import TinyClient

        print(json.dumps([models.Thing.__doc__, models.Thing.__init__.__doc__, TinyClient.__doc__]))
        from tinysdk.operations import ThingsOperations
        print(json.dumps([ThingsOperations.get.__doc__, ThingsOperations.begin_create.__doc__]))
        """,
        output,
    )
    model_doc, init_doc, client_doc = json.loads(printed.splitlines()[0])
    get_doc, create_doc = json.loads(printed.splitlines()[1])
    assert model_doc.startswith("A thing.")
    assert ":ivar cluster: The cluster. Required." in model_doc
    assert ":vartype created_at: datetime.datetime" in model_doc
    assert ":ivar priority: The priority. The service uses 0 when this is not set." in model_doc
    assert ":keyword cluster: The cluster. Required." in init_doc
    assert ":ivar things: ThingsOperations operations" in client_doc
    assert ":param subscription_id: The subscription. Required." in client_doc
    assert get_doc.lstrip().startswith("Gets a thing.")
    assert ":param thing_name: The name. Required." in get_doc
    assert ":param parameters: The thing. Required." in create_doc


def test_patch_module_is_a_no_op_without_an_overlay(files: dict[str, str]) -> None:
    patch = files[f"{VERSION_PACKAGE}/models/_patch.py"]
    assert "__all__: list[str] = []" in patch
    assert "def patch_sdk() -> None:" in patch
    assert "import" not in patch.split('"""')[-1]


def test_patch_module_re_exports_an_overlay_module_when_one_exists(tmp_path: Path) -> None:
    config = load_config(write_project(tmp_path))
    overlay = config.overlays / "tinysdk_overlays" / "v2020_01_01"
    overlay.mkdir(parents=True)
    (config.overlays / "tinysdk_overlays" / "__init__.py").write_text("", encoding="utf-8")
    (overlay / "__init__.py").write_text("", encoding="utf-8")
    (overlay / "models.py").write_text(
        textwrap.dedent(
            """
            __all__ = ["Extra"]
            PATCHED = []


            class Extra:
                pass


            def patch_sdk():
                PATCHED.append(True)
            """
        ),
        encoding="utf-8",
    )
    files = generate_files(config, build_code_models(config))
    patch = files[f"{VERSION_PACKAGE}/models/_patch.py"]
    assert "from tinysdk_overlays.v2020_01_01.models import *" in patch
    assert "__all__: list[str] = []" in files[f"{VERSION_PACKAGE}/operations/_patch.py"]
    write_files(files, config.output, config.package)
    printed = run_python(
        """
        import tinysdk.models
        from tinysdk_overlays.v2020_01_01 import models as overlay

        print(tinysdk.models.Extra is overlay.Extra, "Extra" in tinysdk.models.__all__, overlay.PATCHED)
        """,
        config.output,
        config.overlays,
    )
    assert printed == "True True [True]\n"


OPERATIONS_OVERLAY = """
from tinysdk.v2020_01_01.operations import _things_operations

__all__ = ["ThingsOperations"]


class ThingsOperations(_things_operations.ThingsOperations):
    def extra(self) -> int:
        return 1


def patch_sdk() -> None:
    pass
"""


def test_a_class_an_overlay_replaces_is_imported_once_from_the_hook(tmp_path: Path) -> None:
    """Type checkers keep a name's first import: the generated class must not be imported under it too."""
    config = load_config(write_project(tmp_path))
    overlay = config.overlays / "tinysdk_overlays" / "v2020_01_01"
    overlay.mkdir(parents=True)
    for package in (overlay.parent, overlay):
        (package / "__init__.py").write_text("", encoding="utf-8")
    (overlay / "operations.py").write_text(OPERATIONS_OVERLAY, encoding="utf-8")
    files = generate_files(config, build_code_models(config))
    init = files[f"{VERSION_PACKAGE}/operations/__init__.py"]
    assert "from ._patch import ThingsOperations\n" in init
    assert "_things_operations" not in init and '"ThingsOperations",' in init
    assert "from ._things_operations import ThingsOperations" in files[f"{VERSION_PACKAGE}/aio/operations/__init__.py"]
    write_files(files, config.output, config.package)
    user = config.output / "user.py"
    user.write_text(
        "from tinysdk.v2020_01_01 import TinyClient\n"
        "def use(client: TinyClient) -> int:\n"
        "    return client.things.extra()\n",
        encoding="utf-8",
    )
    printed = run_python(
        """
        import tinysdk.v2020_01_01 as version
        from tinysdk_overlays.v2020_01_01 import operations as overlay

        client = version.TinyClient(object(), "sub")
        print(version.operations.ThingsOperations is overlay.ThingsOperations, client.things.extra())
        """,
        config.output,
        config.overlays,
    )
    assert printed == "True 1\n"
    environment = {**os.environ, "MYPYPATH": os.pathsep.join(map(str, (config.output, config.overlays)))}
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--cache-dir", str(tmp_path / "cache"), "user.py"],
        cwd=config.output,
        capture_output=True,
        text=True,
        env=environment,
        timeout=600,
    )
    assert checked.stdout == "" and checked.returncode == 0, checked.stdout


def test_an_overlay_whose_all_is_not_a_literal_list_is_refused(tmp_path: Path) -> None:
    config = load_config(write_project(tmp_path))
    overlay = config.overlays / "tinysdk_overlays" / "v2020_01_01"
    overlay.mkdir(parents=True)
    (overlay / "operations.py").write_text("__all__ = sorted(['ThingsOperations'])\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"operations\.py:1: __all__ must be a literal list of strings"):
        generate_files(config, build_code_models(config))


def run_codegen(sdk_toml: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """`python -m codegen` on a project, its compiled templates cached next to it (not in the user's cache)."""
    cache = sdk_toml.parent / "template-cache"
    return subprocess.run(
        [sys.executable, "-m", "codegen", "--config", str(sdk_toml), "--template-cache", str(cache), *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_codegen_check_is_0_when_current_and_1_after_an_edit(tmp_path: Path) -> None:
    sdk_toml = write_project(tmp_path)
    written = run_codegen(sdk_toml)
    assert written.returncode == 0, written.stderr
    assert "generated" in written.stdout and "TinyClient" in written.stdout
    assert run_codegen(sdk_toml, "--check").returncode == 0
    models = tmp_path / "out" / VERSION_PACKAGE / "models" / "_models.py"
    models.write_text(models.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    checked = run_codegen(sdk_toml, "--check")
    assert checked.returncode == 1
    assert "+# edited" not in checked.stdout and "-# edited" in checked.stdout


def test_codegen_check_is_1_when_a_file_is_missing_or_extra(tmp_path: Path) -> None:
    sdk_toml = write_project(tmp_path)
    assert run_codegen(sdk_toml).returncode == 0
    (tmp_path / "out" / VERSION_PACKAGE / "models" / "_enums.py").unlink()
    (tmp_path / "out" / PACKAGE / "stray.py").write_text("", encoding="utf-8")
    checked = run_codegen(sdk_toml, "--check")
    assert checked.returncode == 1
    assert f"missing from {tmp_path / 'out'}: {VERSION_PACKAGE}/models/_enums.py" in checked.stdout
    assert f"only in {tmp_path / 'out'}: {PACKAGE}/stray.py" in checked.stdout


def test_a_dict_assignment_is_laid_out_as_ruff_lays_it_out() -> None:
    from codegen.layout import dict_assignment

    assert dict_assignment("names", 4, {"a": "b"}) == 'names = {"a": "b"}'
    many = {f"Name{index}": "._module" for index in range(8)}
    exploded = dict_assignment("names", 4, many)
    assert exploded.splitlines()[0] == "names = {"
    assert exploded.splitlines()[1] == '        "Name0": "._module",'
    assert exploded.splitlines()[-1] == "    }"
    assert len(exploded.splitlines()) == len(many) + 2
