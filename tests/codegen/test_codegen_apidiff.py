"""codegen.apidiff on pairs of tiny inline specs: each kind of change a user must know about.

Plus the committed reports under docs/: regenerating them from spec/ gives the committed text.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from codegen_specs import ROOT, build_document, operation, param_ref, ref, swagger

from codegen import apidiff
from codegen.config import load_config

STRING = {"type": "string"}
INT = {"type": "integer", "format": "int32"}
SUB = {"name": "subscriptionId", "in": "path", "required": True, "type": "string"}
API = {"name": "api-version", "in": "query", "required": True, "type": "string"}
PARAMETERS = {"SubscriptionIdParameter": SUB, "ApiVersionParameter": API}
RG = {"name": "resourceGroupName", "in": "path", "required": True, "type": "string"}
THING_NAME = {"name": "thingName", "in": "path", "required": True, "type": "string"}
BOX = {"name": "boxName", "in": "path", "required": True, "type": "string"}
COMMON = [param_ref("SubscriptionIdParameter"), param_ref("ApiVersionParameter")]
THING_PATH = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/things/{thingName}"
BOXED_PATH = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/boxes/{boxName}/things/{thingName}"


def thing_definitions(**extra_properties) -> dict:
    properties = {"name": STRING, "size": INT, **extra_properties}
    return {"Thing": {"type": "object", "properties": properties}}


def get_thing(operation_id: str = "Things_Get", parameters: list | None = None) -> dict:
    return operation(operation_id, ref("Thing"), parameters=[RG, THING_NAME, *COMMON, *(parameters or [])])


def document(paths: dict | None = None, definitions: dict | None = None) -> dict:
    paths = {THING_PATH: {"get": get_thing()}} if paths is None else paths
    return swagger(paths=paths, definitions=definitions or thing_definitions(), parameters=PARAMETERS)


@pytest.fixture
def diff(tmp_path: Path):
    def run(old: dict, new: dict, format: str = "text") -> str:
        (tmp_path / "old").mkdir(exist_ok=True)
        (tmp_path / "new").mkdir(exist_ok=True)
        report = apidiff.diff_code_models(
            build_document(old, tmp_path / "old"), build_document(new, tmp_path / "new"), "v1", "v2"
        )
        return apidiff.RENDERERS[format](report)

    return run


def block(text: str, title: str) -> list[str]:
    """The change lines under the entry `* title` of a text report."""
    lines = text.splitlines()
    start = lines.index(f"* {title}") + 1
    found = []
    for line in lines[start:]:
        if not line.startswith("    "):
            break
        found.append(line.strip())
    return found


def test_the_same_spec_has_no_differences(diff) -> None:
    text = diff(document(), document())

    assert text.endswith("No public differences.\n")
    assert "operations: 0 removed, 0 added, 0 changed (0 moved to another URL)" in text


def test_removed_and_added_operations_with_their_route_and_call(diff) -> None:
    new_paths = {THING_PATH: {"put": operation("Things_Create", ref("Thing"), parameters=[RG, THING_NAME, *COMMON])}}

    text = diff(document(), document(new_paths))

    assert block(text, "things.get removed") == [
        f"Things_Get: GET {THING_PATH}",
        "call: get(resource_group_name, thing_name)",
    ]
    assert block(text, "things.create added") == [
        f"Things_Create: PUT {THING_PATH}",
        "call: create(resource_group_name, thing_name)",
    ]
    assert "operations: 1 removed, 1 added, 0 changed (0 moved to another URL)" in text


def test_an_operation_moved_to_another_url_lists_its_new_path_parameters_and_call(diff) -> None:
    moved = operation("Things_Get", ref("Thing"), parameters=[RG, BOX, THING_NAME, *COMMON])

    text = diff(document(), document({BOXED_PATH: {"get": moved}}))

    assert block(text, "things.get changed") == [
        f"moved: GET {THING_PATH} -> GET {BOXED_PATH}",
        "new path parameters: box_name",
        "call: get(resource_group_name, thing_name) -> get(resource_group_name, box_name, thing_name)",
    ]
    assert "(1 moved to another URL)" in text


def test_a_renamed_operation_id_at_the_same_endpoint_is_a_rename_into_another_group(diff) -> None:
    renamed = {THING_PATH: {"get": get_thing("Items_Get")}}

    text = diff(document(), document(renamed))

    assert block(text, "items.get changed") == ["operationId Things_Get -> Items_Get", "now items.get (was things.get)"]
    assert block(text, "things removed") == ["things.get is now items.get"]
    assert "* items added" in text
    assert "operations: 0 removed, 0 added, 1 changed" in text


def test_parameter_changes(diff) -> None:
    top = {"name": "top", "in": "query", "required": False, "type": "integer", "format": "int32"}
    old_filter = {"name": "$filter", "in": "query", "required": False, "type": "string"}
    old_expand = {"name": "expand", "in": "query", "required": False, "type": "string"}
    new_filter = {**old_filter, "x-ms-client-name": "where"}
    new_expand = {**old_expand, "type": "integer", "format": "int32", "required": True}
    old = document({THING_PATH: {"get": get_thing(parameters=[top, old_filter, old_expand])}})
    new = document({THING_PATH: {"get": get_thing(parameters=[new_filter, new_expand])}})

    text = diff(old, new)

    assert block(text, "things.get changed") == [
        "call: get(resource_group_name, thing_name, *, top=None, filter=None, expand=None) -> "
        "get(resource_group_name, thing_name, expand, *, where=None)",
        "parameter removed: top (query 'top', int, optional)",
        "parameter renamed: filter -> where (query '$filter')",
        "parameter expand: type str -> int",
        "parameter expand: now required",
    ]


def test_a_parameter_moved_into_a_parameter_group(diff) -> None:
    top = {"name": "top", "in": "query", "required": False, "type": "integer", "format": "int32"}
    grouped = {**top, "x-ms-parameter-grouping": {"postfix": "Options"}}

    text = diff(
        document({THING_PATH: {"get": get_thing(parameters=[top])}}),
        document({THING_PATH: {"get": get_thing(parameters=[grouped])}}),
    )

    changes = block(text, "things.get changed")
    assert "parameter top: group (none) -> things_get_options" in changes
    assert (
        "call: get(resource_group_name, thing_name, *, top=None) -> "
        "get(resource_group_name, thing_name, things_get_options=None)"
    ) in changes


def test_models_and_properties_removed_added_renamed_retyped_and_rekeyed(diff) -> None:
    old_definitions = thing_definitions(color=STRING, weight=INT, label=STRING)
    old_definitions["Crate"] = {"type": "object", "properties": {"id": STRING}}
    new_definitions = {
        "Thing": {
            "type": "object",
            "properties": {
                "name": {**STRING, "readOnly": True},
                "size": STRING,
                "colour": {**STRING, "x-ms-client-name": "color"},
                "mass": {**INT, "x-ms-client-name": "weight_kg"},
                "tag": STRING,
            },
            "required": ["tag"],
        },
        "Pallet": {"type": "object", "properties": {"id": STRING}},
    }

    text = diff(document(definitions=old_definitions), document(definitions=new_definitions))

    assert block(text, "Crate removed") == []
    assert block(text, "Pallet added") == ["property id ('id', str)"]
    assert block(text, "Thing changed") == [
        "property removed: label ('label', str)",
        "property removed: weight ('weight', int)",
        "property added: tag ('tag', str, required)",
        "property added: weight_kg ('mass', int)",
        "property color: wire key 'color' -> 'colour'",
        "property name: optional -> read-only",
        "property size: type int -> str",
    ]
    assert "models: 1 removed, 1 added, 1 changed" in text


def test_a_property_under_a_new_python_name_with_the_same_wire_key_is_a_rename(diff) -> None:
    renamed = thing_definitions()
    renamed["Thing"]["properties"]["size"] = {**INT, "x-ms-client-name": "dimension"}

    text = diff(document(), document(definitions=renamed))

    assert block(text, "Thing changed") == ["property renamed: size -> dimension ('size')"]


def test_enum_values_added_and_removed_and_extensibility(diff) -> None:
    def color(values: list[str], as_string: bool) -> dict:
        return {"type": "string", "enum": values, "x-ms-enum": {"name": "Color", "modelAsString": as_string}}

    old = document(definitions=thing_definitions(color=color(["red", "green"], False)))
    new = document(definitions=thing_definitions(color=color(["red", "blue"], True)))

    text = diff(old, new)

    assert block(text, "Color changed") == [
        "value removed: green",
        "value added: blue",
        "now accepts any string (modelAsString)",
    ]
    assert "enums: 0 removed, 0 added, 1 changed" in text


def test_properties_that_became_enums_or_plain_strings(diff) -> None:
    shape = {"type": "string", "enum": ["round", "square"], "x-ms-enum": {"name": "Shape", "modelAsString": True}}
    priority = {"type": "string", "enum": ["low", "high"], "x-ms-enum": {"name": "Priority", "modelAsString": False}}
    old = document(definitions=thing_definitions(shape=STRING, priority=priority))
    new = document(definitions=thing_definitions(shape=shape, priority=STRING))

    text = diff(old, new)

    assert block(text, "Thing.priority") == ["type enum Priority -> str"]
    assert block(text, "Thing.shape") == ["type str -> enum Shape"]
    assert block(text, "Priority removed") == ["values: low, high"]
    assert block(text, "Shape added") == ["values: round, square"]


def test_a_changed_result_type_is_reported(diff) -> None:
    definitions = thing_definitions()
    definitions["Box"] = {"type": "object", "properties": {"id": STRING}}
    new = operation("Things_Get", ref("Box"), parameters=[RG, THING_NAME, *COMMON])

    text = diff(document(definitions=definitions), document({THING_PATH: {"get": new}}, definitions))

    assert block(text, "things.get changed") == ["returns Box (was Thing)"]


def test_markdown_report_is_deterministic_and_code_quotes_each_change(diff) -> None:
    new_paths = {BOXED_PATH: {"get": operation("Things_Get", ref("Thing"), parameters=[RG, BOX, THING_NAME, *COMMON])}}
    old, new = document(), document(new_paths, thing_definitions(tag=STRING))

    first = diff(old, new, "markdown")

    assert first == diff(copy.deepcopy(old), copy.deepcopy(new), "markdown")
    assert first.startswith("# API changes from v1 to v2\n")
    assert "## Operations of things\n\n- `things.get` changed:\n" in first
    assert "  - `new path parameters: box_name`\n" in first
    assert "- `Thing` changed:\n  - `property added: tag ('tag', str)`\n" in first


# ----------------------------------------------------------------------- committed reports


def consecutive_versions() -> list[tuple[str, str]]:
    versions = [api.version for api in load_config(ROOT / "sdk.toml").api_versions]
    return list(zip(versions, versions[1:], strict=False))


@pytest.mark.parametrize(("old", "new"), consecutive_versions())
def test_committed_reports_are_what_the_specs_give(old: str, new: str) -> None:
    committed = ROOT / "docs" / apidiff.report_file_name(old, new)

    regenerated = apidiff.render_markdown(
        apidiff.diff_code_models(
            apidiff.load_code_model(old, ROOT / "sdk.toml")[0], apidiff.load_code_model(new, ROOT / "sdk.toml")[0]
        )
    )

    assert committed.read_text(encoding="utf-8") == regenerated, f"run `nox -s api_diff -- --write-docs` ({committed})"


def test_the_2018_05_01_report_says_that_jobs_moved_under_workspaces_and_experiments() -> None:
    text = (ROOT / "docs" / apidiff.report_file_name("2018-03-01", "2018-05-01")).read_text(encoding="utf-8")

    assert "`new path parameters: workspace_name, experiment_name`" in text
    assert (
        "`call: begin_create(resource_group_name, job_name, parameters) -> "
        "begin_create(resource_group_name, workspace_name, experiment_name, job_name, parameters)`"
    ) in text
    assert "`property added: scheduling_priority ('properties.schedulingPriority', enum JobPriority)`" in text
