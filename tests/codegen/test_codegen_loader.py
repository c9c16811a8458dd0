"""codegen.loader: Swagger 2.0 JSON into typed OpenAPI objects."""

from __future__ import annotations

import pytest
from codegen_specs import load_document, operation, param_ref, ref, swagger

from codegen.loader import SpecError

STRING = {"type": "string"}
SUBSCRIPTION = {"name": "subscriptionId", "in": "path", "required": True, "type": "string"}


@pytest.fixture
def load(tmp_path):
    return lambda document: load_document(document, tmp_path)


def only_operation(spec):
    (found,) = spec.operations
    return found


def parameter(spec, name):
    return next(param for param in only_operation(spec).parameters if param.name == name)


def with_parameters(*parameters, shared=None, path_parameters=None):
    """A document with one GET operation taking these parameters."""
    path_item = {"get": operation("Things_Get", parameters=list(parameters))}
    if path_parameters is not None:
        path_item["parameters"] = path_parameters
    return swagger(paths={"/things": path_item}, parameters=shared)


# -- references and schemas ---------------------------------------------------


def test_ref_into_definitions_is_the_same_schema_object_everywhere(load) -> None:
    spec = load(
        swagger(
            definitions={
                "Id": {"type": "object", "properties": {"id": STRING}},
                "A": {"type": "object", "properties": {"x": ref("Id")}},
                "B": {"type": "object", "properties": {"y": ref("Id")}},
            }
        )
    )
    a, b, id_ = spec.definitions["A"], spec.definitions["B"], spec.definitions["Id"]
    assert a.properties["x"].schema is id_
    assert b.properties["y"].schema is id_
    assert id_.name == "Id" and id_.pointer == "#/definitions/Id"


def test_ref_into_parameters_is_inlined_with_its_pointer(load) -> None:
    spec = load(with_parameters(param_ref("Sub"), shared={"Sub": SUBSCRIPTION}))
    sub = parameter(spec, "subscriptionId")
    assert (sub.location, sub.required, sub.schema.type) == ("path", True, "string")
    assert sub.pointer == "#/parameters/Sub"


def test_self_referencing_definition_terminates(load) -> None:
    body = {
        "type": "object",
        "properties": {"code": STRING, "details": {"type": "array", "items": ref("CloudErrorBody")}},
    }
    spec = load(swagger(definitions={"CloudErrorBody": body}))
    error = spec.definitions["CloudErrorBody"]
    assert error.properties["details"].schema.items is error


def test_inline_nested_object_schemas_are_loaded_with_their_pointers(load) -> None:
    nested = {"type": "object", "properties": {"inner": {"type": "object", "properties": {"leaf": STRING}}}}
    spec = load(swagger(definitions={"Outer": {"type": "object", "properties": {"nested": nested}}}))
    inner = spec.definitions["Outer"].properties["nested"].schema.properties["inner"].schema
    assert inner.name is None
    assert inner.properties["leaf"].schema.type == "string"
    assert inner.pointer == "#/definitions/Outer/properties/nested/properties/inner"


def test_all_of_keeps_a_link_to_the_parent(load) -> None:
    spec = load(
        swagger(
            definitions={
                "Resource": {"type": "object", "properties": {"id": STRING}},
                "Job": {"type": "object", "allOf": [ref("Resource")], "properties": {"priority": STRING}},
            }
        )
    )
    job = spec.definitions["Job"]
    assert job.all_of == [spec.definitions["Resource"]]
    assert list(job.properties) == ["priority"]


def test_x_ms_client_name_x_ms_client_flatten_read_only_and_required_on_properties(load) -> None:
    outer = {
        "type": "object",
        "required": ["properties"],
        "properties": {
            "properties": {"x-ms-client-flatten": True, **ref("Inner")},
            "maxResults": {"type": "integer", "x-ms-client-name": "limit", "readOnly": True},
        },
    }
    spec = load(swagger(definitions={"Outer": outer, "Inner": {"type": "object", "properties": {"a": STRING}}}))
    properties = spec.definitions["Outer"].properties
    assert properties["properties"].client_flatten and properties["properties"].required
    assert not properties["maxResults"].client_flatten and not properties["maxResults"].required
    assert properties["maxResults"].client_name == "limit"
    assert properties["maxResults"].read_only


def test_read_only_on_a_referenced_definition_marks_the_schema(load) -> None:
    spec = load(swagger(definitions={"State": {"type": "string", "readOnly": True}}))
    assert spec.definitions["State"].read_only


@pytest.mark.parametrize(
    ("x_ms_enum", "model_as_string", "name"),
    [
        (None, True, None),
        ({"name": "Color", "modelAsString": True}, True, "Color"),
        ({"name": "Color", "modelAsString": False}, False, "Color"),
        ({"name": "Color"}, False, "Color"),
    ],
)
def test_x_ms_enum(load, x_ms_enum, model_as_string, name) -> None:
    schema = {"type": "string", "enum": ["red", "green"]}
    if x_ms_enum is not None:
        schema["x-ms-enum"] = x_ms_enum
    color = load(swagger(definitions={"Color": schema})).definitions["Color"]
    assert color.enum == ["red", "green"]
    assert color.enum_model_as_string is model_as_string
    assert color.enum_name == name


def test_default_format_constraints_and_x_nullable(load) -> None:
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "pattern": "^[a-z]+$", "minLength": 1, "maxLength": 64, "default": "x"},
            "count": {"type": "integer", "format": "int32", "minimum": 1, "maximum": 10, "x-nullable": True},
            "created": {"type": "string", "format": "date-time"},
        },
    }
    properties = load(swagger(definitions={"Thing": schema})).definitions["Thing"].properties
    name, count, created = (properties[key].schema for key in ("name", "count", "created"))
    assert name.constraints == {"pattern": "^[a-z]+$", "minLength": 1, "maxLength": 64}
    assert (name.default, name.has_default) == ("x", True)
    assert count.constraints == {"minimum": 1, "maximum": 10}
    assert (count.format, count.nullable, count.has_default) == ("int32", True, False)
    assert (created.type, created.format, created.nullable) == ("string", "date-time", None)


def test_a_falsy_default_is_still_a_default(load) -> None:
    schema = {"type": "object", "properties": {"flag": {"type": "boolean", "default": False}}}
    flag = load(swagger(definitions={"Thing": schema})).definitions["Thing"].properties["flag"].schema
    assert (flag.default, flag.has_default) == (False, True)


def test_additional_properties_schema_and_true(load) -> None:
    definitions = {
        "Tags": {"type": "object", "additionalProperties": STRING},
        "Bag": {"type": "object", "additionalProperties": True},
        "Plain": {"type": "object"},
    }
    spec = load(swagger(definitions=definitions))
    assert spec.definitions["Tags"].additional_properties.type == "string"
    assert spec.definitions["Bag"].additional_properties.type == "object"
    assert spec.definitions["Plain"].additional_properties is None


# -- operations ---------------------------------------------------------------


def test_operation_fields(load) -> None:
    spec = load(
        swagger(
            paths={
                "/things/{name}": {
                    "put": operation(
                        "Things_Create",
                        summary="Creates.",
                        deprecated=True,
                        parameters=[{"name": "name", "in": "path", "type": "string"}],
                    )
                }
            }
        )
    )
    found = only_operation(spec)
    assert (found.operation_id, found.method, found.path) == ("Things_Create", "put", "/things/{name}")
    assert found.pointer == "#/paths/~1things~1{name}/put"
    assert found.summary == "Creates." and found.deprecated


def test_path_level_parameters_are_merged_and_operation_level_ones_override(load) -> None:
    path_level = [{"name": "name", "in": "path", "type": "string"}, {"name": "filter", "in": "query", "type": "string"}]
    own = {"name": "filter", "in": "query", "type": "string", "required": True, "description": "own"}
    spec = load(with_parameters(own, path_parameters=path_level))
    params = only_operation(spec).parameters
    assert [(param.name, param.location) for param in params] == [("name", "path"), ("filter", "query")]
    assert params[1].required and params[1].description == "own"
    assert params[1].pointer == "#/paths/~1things/get/parameters/0"
    assert params[0].pointer == "#/paths/~1things/parameters/0"


def test_a_path_parameter_is_required_by_default(load) -> None:
    spec = load(with_parameters({"name": "name", "in": "path", "type": "string"}))
    assert parameter(spec, "name").required


def test_shared_parameters_are_client_level_unless_they_say_method(load) -> None:
    shared = {
        "Sub": SUBSCRIPTION,
        "Group": {"name": "group", "in": "path", "type": "string", "x-ms-parameter-location": "method"},
    }
    spec = load(
        with_parameters(
            param_ref("Sub"), param_ref("Group"), {"name": "top", "in": "query", "type": "integer"}, shared=shared
        )
    )
    assert parameter(spec, "subscriptionId").parameter_location == "client"
    assert parameter(spec, "group").parameter_location == "method"
    assert parameter(spec, "top").parameter_location == "method"


def test_inline_parameter_may_say_client(load) -> None:
    spec = load(
        with_parameters({"name": "tenant", "in": "query", "type": "string", "x-ms-parameter-location": "client"})
    )
    assert parameter(spec, "tenant").parameter_location == "client"


def test_x_ms_parameter_grouping_and_x_ms_client_name_on_parameters(load) -> None:
    grouped = {
        "name": "maxresults",
        "in": "query",
        "type": "integer",
        "x-ms-client-name": "maxResults",
        "x-ms-parameter-grouping": {"postfix": "Options"},
    }
    maxresults = parameter(load(with_parameters(grouped)), "maxresults")
    assert maxresults.grouping == {"postfix": "Options"}
    assert maxresults.client_name == "maxResults"


def test_query_parameter_keywords_become_its_schema(load) -> None:
    query = {
        "name": "maxresults",
        "in": "query",
        "type": "integer",
        "format": "int32",
        "default": 1000,
        "minimum": 1,
        "maximum": 1000,
        "enum": [1, 1000],
    }
    schema = parameter(load(with_parameters(query)), "maxresults").schema
    assert (schema.type, schema.format, schema.default, schema.has_default) == ("integer", "int32", 1000, True)
    assert schema.constraints == {"minimum": 1, "maximum": 1000}
    assert schema.enum == [1, 1000]


def test_body_parameter_schema_and_client_flatten(load) -> None:
    body = {"name": "parameters", "in": "body", "required": True, "schema": ref("Thing"), "x-ms-client-flatten": True}
    document = with_parameters(body)
    document["definitions"] = {"Thing": {"type": "object", "properties": {"a": STRING}}}
    spec = load(document)
    found = parameter(spec, "parameters")
    assert found.location == "body" and found.required and found.client_flatten
    assert found.schema is spec.definitions["Thing"]


def test_long_running_operation_and_its_options(load) -> None:
    lro = operation(
        "Things_Delete",
        **{"x-ms-long-running-operation": True, "x-ms-long-running-operation-options": {"final-state-via": "location"}},
    )
    found = only_operation(load(swagger(paths={"/things": {"delete": lro}})))
    assert found.long_running
    assert found.long_running_options == {"final-state-via": "location"}


def test_x_ms_pageable_on_post(load) -> None:
    pageable = operation("Things_ListKeys", **{"x-ms-pageable": {"nextLinkName": "nextLink", "itemName": "keys"}})
    found = only_operation(load(swagger(paths={"/things/keys": {"post": pageable}})))
    assert found.method == "post"
    assert found.pageable == {"nextLinkName": "nextLink", "itemName": "keys"}
    assert not found.long_running


def test_x_ms_examples_map_titles_to_refs(load) -> None:
    examples = {"x-ms-examples": {"Get a thing": {"$ref": "./examples/Get.json"}}}
    found = only_operation(load(swagger(paths={"/things": {"get": operation("Things_Get", **examples)}})))
    assert found.examples == {"Get a thing": "./examples/Get.json"}


def test_responses_keep_status_and_schema_including_default(load) -> None:
    get = operation("Things_Get", ref("Thing"))
    get["responses"]["202"] = {"description": "Accepted"}
    get["responses"]["default"] = {"description": "Error", "schema": ref("Error")}
    definitions = {
        "Thing": {"type": "object", "properties": {"a": STRING}},
        "Error": {"type": "object", "properties": {"code": STRING}},
    }
    spec = load(swagger(paths={"/things": {"get": get}}, definitions=definitions))
    responses = {response.status: response for response in only_operation(spec).responses}
    assert list(responses) == ["200", "202", "default"]
    assert responses["200"].schema is spec.definitions["Thing"]
    assert responses["202"].schema is None
    assert responses["default"].schema is spec.definitions["Error"]
    assert responses["default"].description == "Error"


def test_a_response_ref_into_responses_resolves_its_schema(load) -> None:
    get = operation("Things_Get")
    get["responses"]["default"] = {"$ref": "#/responses/Error"}
    error = {"description": "Error.", "schema": ref("Error")}
    document = swagger(
        paths={"/things": {"get": get}},
        definitions={"Error": {"type": "object", "properties": {"code": STRING}}},
        responses={"Error": error},
    )
    spec = load(document)
    default = only_operation(spec).responses[-1]
    assert default.status == "default"
    assert default.schema is spec.definitions["Error"]


# -- errors -------------------------------------------------------------------


def test_external_ref_is_a_spec_error_naming_the_pointer(load) -> None:
    document = swagger(
        definitions={"A": {"type": "object", "properties": {"x": {"$ref": "other.json#/definitions/X"}}}}
    )
    with pytest.raises(SpecError, match="external reference") as caught:
        load(document)
    assert caught.value.pointer == "#/definitions/A/properties/x"


def test_unresolved_definition_ref_is_a_spec_error_naming_the_pointer(load) -> None:
    document = swagger(definitions={"A": {"type": "object", "properties": {"x": ref("Missing")}}})
    with pytest.raises(SpecError, match="unresolved reference") as caught:
        load(document)
    assert caught.value.pointer == "#/definitions/A/properties/x"
    assert str(caught.value).startswith("#/definitions/A/properties/x: ")


def test_unresolved_parameter_ref_is_a_spec_error_naming_the_pointer(load) -> None:
    with pytest.raises(SpecError, match="unresolved reference") as caught:
        load(with_parameters(param_ref("Missing")))
    assert caught.value.pointer == "#/paths/~1things/get/parameters/0"


def test_missing_operation_id_is_a_spec_error_naming_the_pointer(load) -> None:
    with pytest.raises(SpecError, match="operationId") as caught:
        load(swagger(paths={"/things": {"get": {"responses": {"200": {"description": "OK"}}}}}))
    assert caught.value.pointer == "#/paths/~1things/get"


def test_a_document_that_is_not_swagger_2_is_a_spec_error(load) -> None:
    with pytest.raises(SpecError) as caught:
        load(swagger(swagger="3.0"))
    assert caught.value.pointer == "#/swagger"


def test_unsupported_parameter_location_is_a_spec_error(load) -> None:
    with pytest.raises(SpecError, match="formData") as caught:
        load(with_parameters({"name": "file", "in": "formData", "type": "file"}))
    assert caught.value.pointer == "#/paths/~1things/get/parameters/0"
