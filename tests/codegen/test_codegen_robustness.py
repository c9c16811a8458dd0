"""The generator on bad specs: a SpecError naming the JSON pointer and the problem, or correct names.

One minimal fragment per fix found by the generator fuzz test (tests/fuzz/test_generator_fuzz.py):
values of the wrong JSON type, references that resolve to nothing or to themselves, recursive types,
constructs the generated code cannot carry (an infinite number, a pattern Python cannot compile, a
default of another type), and names that collide or that the generated code uses itself.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from codegen_specs import build_document, load_document, operation, ref, swagger

from codegen.loader import SpecError, load_spec

STRING = {"type": "string"}
THING = {"type": "object", "properties": {"name": STRING}}
NAME = {"name": "name", "in": "path", "required": True, "type": "string"}


@pytest.fixture
def build(tmp_path):
    return lambda document: build_document(document, tmp_path)


def models_of(**definitions: Any) -> dict[str, Any]:
    return swagger(definitions=definitions)


def get_thing(**fields: Any) -> dict[str, Any]:
    """A document with one operation, GET /things/{name}, answering a Thing."""
    get = operation("Things_Get", ref("Thing"), parameters=[NAME], **fields)
    return swagger(paths={"/things/{name}": {"get": get}}, definitions={"Thing": THING})


def with_query(*parameters: dict[str, Any], operation_id: str = "Things_List") -> dict[str, Any]:
    return swagger(paths={"/things": {"get": operation(operation_id, parameters=list(parameters))}})


def spec_error(build, document: dict[str, Any]) -> SpecError:
    with pytest.raises(SpecError) as caught:
        build(document)
    message = str(caught.value)
    assert message.startswith(caught.value.pointer + ": ") and len(message) > len(caught.value.pointer) + 2
    return caught.value


# -- values of the wrong JSON type ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("definition", "pointer", "message"),
    [
        ({"type": 5}, "#/definitions/Thing/type", "type must be a string, not an integer"),
        ({"type": "foo"}, "#/definitions/Thing/type", "not a Swagger 2.0 type"),
        ({"properties": []}, "#/definitions/Thing/properties", "must be an object, not an array"),
        ({"properties": {"a": "x"}}, "#/definitions/Thing/properties/a", "must be an object, not a string"),
        ({"required": "name", "properties": {"name": STRING}}, "#/definitions/Thing/required", "must be an array"),
        ({"required": [5], "properties": {"name": STRING}}, "#/definitions/Thing/required/0", "must be a string"),
        ({"type": "array", "items": []}, "#/definitions/Thing/items", "must be an object"),
        ({"allOf": {"x": 1}}, "#/definitions/Thing/allOf", "must be an array"),
        ({"enum": ["a"], "x-ms-enum": "x"}, "#/definitions/Thing/x-ms-enum", "must be an object"),
        ({"enum": ["a"], "x-ms-enum": {"name": 5}}, "#/definitions/Thing/x-ms-enum/name", "must be a string"),
        (
            {"enum": ["a"], "x-ms-enum": {"modelAsString": "x"}},
            "#/definitions/Thing/x-ms-enum/modelAsString",
            "boolean",
        ),
        ({"enum": []}, "#/definitions/Thing/enum", "at least one value"),
        ({"enum": [{"a": 1}]}, "#/definitions/Thing/enum/0", "must be a string or an integer"),
        ({"x-nullable": "yes"}, "#/definitions/Thing/x-nullable", "must be a boolean"),
        ({"readOnly": 1}, "#/definitions/Thing/readOnly", "must be a boolean, not an integer"),
        ({"description": ["x"]}, "#/definitions/Thing/description", "must be a string"),
        ({"properties": {"a": {"$ref": 5}}}, "#/definitions/Thing/properties/a/$ref", "must be a string"),
        ({"properties": {"a": {"x-ms-client-name": 5}}}, "#/definitions/Thing/properties/a/x-ms-client-name", "string"),
        ({"properties": {"a": {"x-ms-client-name": ""}}}, "#/definitions/Thing/properties/a/x-ms-client-name", "empty"),
        ({"properties": {"": STRING}}, "#/definitions/Thing/properties/", "non-empty name"),
        ({"additionalProperties": "x"}, "#/definitions/Thing/additionalProperties", "an object or a boolean"),
        ({"discriminator": 5}, "#/definitions/Thing/discriminator", "must be a string"),
    ],
)
def test_a_schema_value_of_the_wrong_type_is_a_spec_error_at_its_key(build, definition, pointer, message) -> None:
    error = spec_error(build, models_of(Thing=definition))
    assert error.pointer == pointer
    assert message in str(error)


@pytest.mark.parametrize(
    ("fields", "pointer", "message"),
    [
        ({"x-ms-pageable": True}, "/x-ms-pageable", "must be an object, not a boolean"),
        ({"x-ms-pageable": {"nextLinkName": 5}}, "/x-ms-pageable/nextLinkName", "must be a string or null"),
        ({"x-ms-long-running-operation": "yes"}, "/x-ms-long-running-operation", "must be a boolean"),
        ({"x-ms-long-running-operation-options": []}, "/x-ms-long-running-operation-options", "an object"),
        (
            {"x-ms-long-running-operation-options": {"final-state-via": "nowhere"}},
            "/x-ms-long-running-operation-options/final-state-via",
            "must be one of",
        ),
        ({"x-ms-examples": []}, "/x-ms-examples", "must be an object"),
        ({"x-ms-examples": {"a": {"$ref": 5}}}, "/x-ms-examples/a/$ref", "must be a string"),
        ({"parameters": {}}, "/parameters", "must be an array"),
        ({"responses": []}, "/responses", "must be an object"),
        ({"responses": {}}, "", "has no responses"),
        ({"responses": {"2XX": {"description": "OK"}}}, "/responses/2XX", "not 'default' or an HTTP status code"),
        ({"operationId": 5}, "/operationId", "must be a string"),
        ({"operationId": ""}, "/operationId", "must not be empty"),
        ({"summary": None}, "/summary", "must be a string, not null"),
    ],
)
def test_an_operation_value_of_the_wrong_type_is_a_spec_error_at_its_key(build, fields, pointer, message) -> None:
    document = with_query()
    document["paths"]["/things"]["get"].update(fields)
    error = spec_error(build, document)
    assert error.pointer == "#/paths/~1things/get" + pointer
    assert message in str(error)


@pytest.mark.parametrize(
    ("parameter", "pointer", "message"),
    [
        ({"name": 5, "in": "query", "type": "string"}, "/name", "must be a string"),
        ({"name": "", "in": "query", "type": "string"}, "", "non-empty name"),
        ({"name": "top", "in": "query"}, "", "needs a type other than object"),
        ({"name": "top", "in": "query", "type": "integer", "required": "yes"}, "/required", "must be a boolean"),
        (
            {"name": "top", "in": "query", "type": "integer", "x-ms-parameter-location": "nowhere"},
            "/x-ms-parameter-location",
            "client or method",
        ),
        (
            {"name": "top", "in": "query", "type": "integer", "x-ms-parameter-grouping": "x"},
            "/x-ms-parameter-grouping",
            "object",
        ),
        (
            {"name": "top", "in": "query", "type": "integer", "minimum": "x"},
            "/minimum",
            "must be an integer or a number",
        ),
        ({"name": "top", "in": "query", "type": "integer", "maximum": float("inf")}, "/maximum", "finite"),
        ({"name": "top", "in": "query", "type": "string", "maxLength": -1}, "/maxLength", "must not be negative"),
        ({"name": "top", "in": "query", "type": "string", "maxLength": 1.5}, "/maxLength", "must be an integer"),
        ({"name": "top", "in": "query", "type": "string", "pattern": "["}, "/pattern", "not a regular expression"),
        ({"name": "top", "in": "query", "type": "string", "default": float("inf")}, "/default", "infinite"),
    ],
)
def test_a_parameter_value_of_the_wrong_type_is_a_spec_error_at_its_key(build, parameter, pointer, message) -> None:
    error = spec_error(build, with_query(parameter))
    assert error.pointer == "#/paths/~1things/get/parameters/0" + pointer
    assert message in str(error)


@pytest.mark.parametrize(
    ("fields", "pointer", "message"),
    [
        ({"swagger": "3.0"}, "#/swagger", "Swagger 2.0"),
        ({"info": "x"}, "#/info", "must be an object"),
        ({"info": {"title": "T"}}, "#/info", "info.version"),
        ({"schemes": []}, "#/schemes", "non-empty array"),
        ({"schemes": ["ftp"]}, "#/schemes", "non-empty array"),
        ({"host": 5}, "#/host", "must be a string"),
        ({"paths": ["/things"]}, "#/paths", "must be an object"),
        ({"paths": {"/things": "x"}}, "#/paths/~1things", "must be an object"),
        ({"definitions": {"Thing": []}}, "#/definitions/Thing", "must be an object"),
        ({"x-ms-paths": {}}, "#/x-ms-paths", "not supported"),
    ],
)
def test_a_document_value_of_the_wrong_type_is_a_spec_error(build, fields, pointer, message) -> None:
    error = spec_error(build, swagger(**fields))
    assert error.pointer == pointer
    assert message in str(error)


def test_a_document_that_is_not_an_object_or_not_json_is_a_spec_error(tmp_path) -> None:
    path = tmp_path / "spec.json"
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(SpecError, match="a Swagger document must be an object, not an array") as caught:
        load_spec(path)
    assert caught.value.pointer == "#"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(SpecError, match="is not a JSON document") as caught:
        load_spec(path)
    assert caught.value.pointer == "#"


# -- references ------------------------------------------------------------------------------------------


def test_a_definition_that_is_a_reference_is_the_schema_it_refers_to(tmp_path) -> None:
    spec = load_document(models_of(Thing=THING, Alias=ref("Thing")), tmp_path)
    assert spec.definitions["Alias"] is spec.definitions["Thing"]


@pytest.mark.parametrize(
    ("definitions", "pointer", "message"),
    [
        ({"Thing": ref("Thing")}, "#/definitions/Thing", "circular reference '#/definitions/Thing'"),
        ({"Thing": ref("Other"), "Other": ref("Thing")}, "#/definitions/Thing", "circular reference"),
        ({"Thing": ref("Nope")}, "#/definitions/Thing", "unresolved reference '#/definitions/Nope'"),
        ({"Thing": {"$ref": "#/info/title"}}, "#/definitions/Thing", "the target of '#/info/title' must be an object"),
        ({"Thing": {"$ref": "#"}}, "#/definitions/Thing", "external reference '#'"),
    ],
)
def test_a_definition_referring_to_itself_or_to_nothing_is_a_spec_error(build, definitions, pointer, message) -> None:
    error = spec_error(build, models_of(**definitions))
    assert error.pointer == pointer
    assert message in str(error)


def test_a_reference_into_a_property_is_one_schema_however_often_it_is_reached(tmp_path) -> None:
    loop = {"$ref": "#/definitions/Thing/properties/inner"}
    inner = {"type": "object", "properties": {"again": loop}}
    spec = load_document(models_of(Thing={"type": "object", "properties": {"inner": inner, "more": loop}}), tmp_path)
    thing = spec.definitions["Thing"]
    shared = thing.properties["more"].schema
    assert shared.properties["again"].schema is shared
    assert shared.pointer == "#/definitions/Thing/properties/inner"


# -- recursive types -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "definition",
    [
        {"type": "array", "items": ref("Thing")},
        {"type": "object", "additionalProperties": ref("Thing")},
    ],
)
def test_an_array_or_map_of_itself_is_a_spec_error(build, definition) -> None:
    owner = {"type": "object", "properties": {"things": ref("Thing")}}
    error = spec_error(build, models_of(Thing=definition, Owner=owner))
    assert error.pointer == "#/definitions/Thing"
    assert "contains itself" in str(error)


@pytest.mark.parametrize(
    "definitions",
    [
        {"Thing": {"allOf": [ref("Thing")], "properties": {"a": STRING}}},
        {"Thing": {"allOf": [ref("Other")], "properties": {"a": STRING}}, "Other": {"allOf": [ref("Thing")]}},
    ],
)
def test_an_all_of_cycle_is_a_spec_error(build, definitions) -> None:
    error = spec_error(build, models_of(**definitions))
    assert "its own base class" in str(error)


def test_flattening_a_model_into_itself_is_a_spec_error(build) -> None:
    thing = {
        "type": "object",
        "properties": {"name": STRING, "self": {"$ref": "#/definitions/Thing", "x-ms-client-flatten": True}},
    }
    error = spec_error(build, models_of(Thing=thing))
    assert error.pointer == "#/definitions/Thing"
    assert "would include themselves" in str(error)


def test_a_subclass_used_by_its_base_gets_all_of_the_base_properties(build) -> None:
    # Base refers to Derived before Derived's base is complete: the properties are added once all models exist
    base = {"type": "object", "properties": {"child": ref("Derived"), "name": STRING}}
    derived = {"allOf": [ref("Base")], "properties": {"extra": STRING}}
    code_model = build(models_of(Base=base, Derived=derived))
    (found,) = [model for model in code_model.models if model.name == "Derived"]
    assert [prop.name for prop in found.properties] == ["child", "name", "extra"]


# -- names -------------------------------------------------------------------------------------------------------


def test_enum_values_that_would_be_one_member_are_a_spec_error(build) -> None:
    thing = {"type": "object", "properties": {"color": {"type": "string", "enum": ["a-b", "a_b"]}}}
    error = spec_error(build, models_of(Thing=thing))
    assert error.pointer == "#/definitions/Thing/properties/color"
    assert "the values 'a-b' and 'a_b' would both be member A_B" in str(error)


def test_repeated_enum_values_are_one_member(build) -> None:
    thing = {"type": "object", "properties": {"color": {"type": "string", "enum": ["red", "red", 1, "1"]}}}
    (enum,) = build(models_of(Thing=thing)).enums
    assert [(value.name, value.value) for value in enum.values] == [("RED", "red"), ("ENUM_1", "1")]


def test_an_enum_and_a_model_of_one_name_are_a_spec_error(build) -> None:
    thing = {
        "type": "object",
        "properties": {"color": {"type": "string", "enum": ["red"], "x-ms-enum": {"name": "Thing"}}},
    }
    error = spec_error(build, models_of(Thing=thing))
    assert "enum 'Thing' would have the name of a model" in str(error)
    # an inline model named after its owner and property (OwnerPaint), met after an enum of that name
    color = {"type": "string", "enum": ["red"], "x-ms-enum": {"name": "OwnerPaint"}}
    owner = {"type": "object", "properties": {"color": color, "paint": {"type": "object", "properties": {"a": STRING}}}}
    error = spec_error(build, models_of(Owner=owner))
    assert error.pointer == "#/definitions/Owner/properties/paint"
    assert "model 'OwnerPaint' would have the name of an enum" in str(error)


@pytest.mark.parametrize(
    ("definition_name", "class_name"),
    [("ValidationError", "ValidationErrorModel"), ("Any", "AnyModel"), ("café", "Cafe"), ("none", "None_")],
)
def test_a_definition_name_becomes_a_class_name_the_models_module_can_hold(build, definition_name, class_name) -> None:
    (found,) = build(models_of(**{definition_name: THING})).models
    assert found.name == class_name


@pytest.mark.parametrize("definition_name", ["名前", "1Thing", "-"])
def test_a_definition_name_without_a_class_name_is_a_spec_error(build, definition_name) -> None:
    error = spec_error(build, models_of(**{definition_name: THING}))
    assert "has no Python name" in str(error)


@pytest.mark.parametrize(
    ("property_name", "python_name"),
    [("kwargs", "kwargs_property"), ("self", "self_property"), ("str", "str_property"), ("class", "class_parameter")],
)
def test_a_property_named_like_what_the_constructor_uses_is_renamed(build, property_name, python_name) -> None:
    (found,) = build(models_of(Thing={"type": "object", "properties": {property_name: STRING}})).models
    assert [prop.name for prop in found.properties] == [python_name]


def test_properties_of_one_python_name_are_a_spec_error(build) -> None:
    error = spec_error(
        build, models_of(Thing={"type": "object", "properties": {"jobName": STRING, "job_name": STRING}})
    )
    assert "['job_name']" in str(error)


@pytest.mark.parametrize(
    ("parameter_name", "python_name"),
    [
        ("type", "type_parameter"),
        ("polling", "polling_parameter"),
        ("cls", "cls_parameter"),
        ("request", "request_parameter"),
        ("apiVersion", "api_version_parameter"),
        ("buildListRequest", "build_list_request_parameter"),
        ("filter", "filter"),
    ],
)
def test_a_parameter_named_like_what_the_operation_uses_is_renamed(build, parameter_name, python_name) -> None:
    document = with_query({"name": parameter_name, "in": "query", "type": "string"})
    (found,) = build(document).operation_groups[0].operations
    assert [param.name for param in found.parameters] == [python_name]


def test_a_client_parameter_named_like_the_constructors_own_is_renamed(build) -> None:
    shared = {"Credential": {"name": "credential", "in": "query", "type": "string", "required": True}}
    document = with_query({"$ref": "#/parameters/Credential"})
    document["parameters"] = shared
    assert [param.name for param in build(document).client.parameters] == ["credential_parameter"]


def test_parameters_of_one_python_name_are_a_spec_error(build) -> None:
    document = with_query(
        {"name": "jobName", "in": "query", "type": "string"}, {"name": "job_name", "in": "header", "type": "string"}
    )
    error = spec_error(build, document)
    assert error.pointer == "#/paths/~1things/get/parameters/1"
    assert "'query parameter jobName' and 'header parameter job_name' would both be 'job_name'" in str(error)


def test_a_parameter_declared_twice_or_two_bodies_are_a_spec_error(build) -> None:
    top = {"name": "top", "in": "query", "type": "integer"}
    error = spec_error(build, with_query(top, top))
    assert (error.pointer, "declared twice" in str(error)) == ("#/paths/~1things/get/parameters/1", True)
    bodies = [{"name": name, "in": "body", "schema": STRING} for name in ("a", "b")]
    assert "2 body parameters" in str(spec_error(build, with_query(*bodies)))


def test_operations_of_one_method_name_are_a_spec_error(build) -> None:
    paths = {
        "/things": {"get": operation("Things_List")},
        "/other": {"get": operation("Things_list")},
    }
    error = spec_error(build, swagger(paths=paths))
    assert error.pointer == "#/paths/~1other/get"
    assert "'Things_List' and 'Things_list' would both be 'list'" in str(error)


def test_operation_groups_of_one_attribute_name_are_a_spec_error(build) -> None:
    paths = {"/things": {"get": operation("Things_List")}, "/other": {"get": operation("THINGS_Get")}}
    error = spec_error(build, swagger(paths=paths))
    assert "'Things' and 'THINGS' would both be 'things'" in str(error)


def test_a_client_method_and_an_operation_group_of_one_name_are_a_spec_error(build) -> None:
    paths = {"/things": {"get": operation("Things_List")}, "/other": {"get": operation("things")}}
    error = spec_error(build, swagger(paths=paths))
    assert "client attributes" in str(error) and "'things'" in str(error)


def test_a_duplicate_operation_id_is_a_spec_error_naming_both(build) -> None:
    paths = {"/things": {"get": operation("Things_List")}, "/other": {"get": operation("Things_List")}}
    error = spec_error(build, swagger(paths=paths))
    assert error.pointer == "#/paths/~1other/get/operationId"
    assert "also the operation at #/paths/~1things/get" in str(error)


@pytest.mark.parametrize(
    ("operation_id", "attribute", "method"),
    [
        ("Things_Import", "things", "import_method"),
        ("Things_Models", "things", "models_method"),
        ("Close_List", "close_operations", "list"),
        ("Import_List", "import_operations", "list"),
        ("Models_List", "models_operations", "list"),
        ("close", "", "close_method"),
    ],
)
def test_operation_and_group_names_never_hide_what_the_client_has(build, operation_id, attribute, method) -> None:
    (found,) = build(with_query(operation_id=operation_id)).operation_groups
    assert (found.attribute_name, [op.name for op in found.operations]) == (attribute, [method])


@pytest.mark.parametrize(
    ("info", "pointer"),
    [
        ({"title": "名前", "version": "1"}, "#/info"),
        ({"title": "", "version": "1"}, "#/info"),
        (
            {"title": "T", "version": "1", "x-ms-code-generation-settings": {"name": "class"}},
            "#/info/x-ms-code-generation-settings/name",
        ),
        (
            {"title": "T", "version": "1", "x-ms-code-generation-settings": {"name": "HttpRequest"}},
            "#/info/x-ms-code-generation-settings/name",
        ),
    ],
)
def test_a_client_name_that_is_no_usable_class_name_is_a_spec_error(build, info, pointer) -> None:
    error = spec_error(build, swagger(info=info))
    assert error.pointer == pointer
    assert "client class name" in str(error)


# -- what the generated code would carry ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "default"),
    [(STRING, 5), ({"type": "integer"}, "5"), ({"type": "integer"}, True), ({"type": "boolean"}, 0), (THING, {})],
)
def test_a_client_default_of_another_type_is_a_spec_error(build, schema, default) -> None:
    thing = {"type": "object", "required": ["value"], "properties": {"value": dict(schema, default=default)}}
    error = spec_error(build, models_of(Thing=thing))
    assert error.pointer == "#/definitions/Thing/properties/value/default"
    assert f"default {default!r} is not a value of type" in str(error)


def test_a_service_default_of_another_type_is_only_documented(build) -> None:
    thing = {"type": "object", "properties": {"value": {"type": "integer", "default": "x"}}}
    (found,) = build(models_of(Thing=thing)).models
    assert found.properties[0].server_default == "x"


def test_description_text_cannot_break_the_generated_source(tmp_path) -> None:
    thing = {"type": "object", "description": 'a\x00b\x07c \ud800 """', "properties": {"name": STRING}}
    spec = load_document(json.loads(json.dumps(models_of(Thing=thing))), tmp_path)
    assert spec.definitions["Thing"].description == 'a b c \ufffd """'


def test_a_path_with_an_undeclared_parameter_or_a_query_is_a_spec_error(build) -> None:
    error = spec_error(build, swagger(paths={"/things/{name}": {"get": operation("Things_Get")}}))
    assert "path parameters ['name'] of '/things/{name}' are not declared" in str(error)
    for path in ("things", "/things?x=1", "/things/{name"):
        assert spec_error(build, swagger(paths={path: {"get": operation("Things_Get", parameters=[NAME])}}))


def test_an_optional_path_parameter_is_a_spec_error(build) -> None:
    get = operation("Things_Get", parameters=[dict(NAME, required=False)])
    error = spec_error(build, swagger(paths={"/things/{name}": {"get": get}}))
    assert "a path parameter must be required" in str(error)


def test_a_next_link_that_is_no_string_is_a_spec_error(build) -> None:
    page = {
        "type": "object",
        "properties": {"value": {"type": "array", "items": STRING}, "nextLink": {"type": "integer"}},
    }
    get = operation("Things_List", ref("Page"), **{"x-ms-pageable": {"nextLinkName": "nextLink"}})
    error = spec_error(build, swagger(paths={"/things": {"get": get}}, definitions={"Page": page}))
    assert "is no string" in str(error)


def test_an_unknown_format_is_its_type(build) -> None:
    thing = {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}}}
    (found,) = build(models_of(Thing=thing)).models
    assert found.properties[0].type.annotation == "str"
