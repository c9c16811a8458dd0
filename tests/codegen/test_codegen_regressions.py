"""Regression tests for generator bugs found by the stage tests."""

import json

import pytest
from codegen_specs import build_document, load_document, operation, swagger

from codegen.loader import SpecError
from codegen.names import enum_member_name


def test_enum_member_name_of_a_value_starting_with_a_digit_gets_the_enum_prefix():
    assert enum_member_name("1") == "ENUM_1"
    assert enum_member_name("2018-03-01") == "ENUM_2018_03_01"


def test_an_inline_api_version_parameter_is_never_a_method_parameter(tmp_path):
    api_version = {"name": "api-version", "in": "query", "required": True, "type": "string"}
    cm = build_document(swagger(paths={"/t": {"get": operation("Things_Get", parameters=[api_version])}}), tmp_path)
    found = cm.operation_groups[0].operations[0]
    assert found.method_parameters == [] and found.positional == []


def test_ungrouped_operations_and_an_operations_group_get_distinct_classes_and_modules(tmp_path):
    paths = {"/ops": {"get": operation("Operations_List")}, "/check": {"post": operation("CheckNameAvailability")}}
    groups = build_document(swagger(paths=paths), tmp_path).operation_groups
    assert len({g.class_name for g in groups}) == len(groups)
    assert len({g.module_name for g in groups}) == len(groups)


def test_a_parameter_group_named_like_a_definition_is_a_spec_error(tmp_path):
    top = {"name": "top", "in": "query", "type": "integer", "x-ms-parameter-grouping": {"postfix": "Options"}}
    doc = swagger(
        paths={"/jobs": {"get": operation("Jobs_List", parameters=[top])}},
        definitions={"JobsListOptions": {"type": "object", "properties": {"a": {"type": "string"}}}},
    )
    with pytest.raises(SpecError, match="JobsListOptions"):
        build_document(doc, tmp_path)


def test_two_properties_with_one_python_name_is_a_spec_error(tmp_path):
    thing = {"type": "object", "properties": {"maxResults": {"type": "string"}, "max_results": {"type": "string"}}}
    with pytest.raises(SpecError, match="max_results"):
        build_document(swagger(definitions={"Thing": thing}), tmp_path)


def test_a_response_ref_into_responses_keeps_its_description(tmp_path):
    get = operation("Things_Get")
    get["responses"]["default"] = {"$ref": "#/responses/Error"}
    doc = swagger(paths={"/t": {"get": get}}, responses={"Error": {"description": "Error."}})
    assert load_document(doc, tmp_path).operations[0].responses[-1].description == "Error."


def test_a_spec_without_enums_generates(tmp_path):
    import test_codegen_render as r

    from codegen import generate_files
    from codegen.config import load_config

    sdk_toml = r.write_project(tmp_path)
    doc = json.loads((tmp_path / "spec/spec.json").read_text())
    del doc["definitions"]["ThingProperties"]["properties"]["state"]
    del doc["definitions"]["Fixed"]
    (tmp_path / "spec/spec.json").write_text(json.dumps(doc))
    files = generate_files(load_config(sdk_toml))
    assert "from ._enums import" not in files["tinysdk/v2020_01_01/models/__init__.py"]
