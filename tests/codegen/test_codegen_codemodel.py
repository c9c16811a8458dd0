"""codegen.codemodel: the OpenAPI objects into the Python code model."""

from __future__ import annotations

import pytest
from codegen_specs import build_document, operation, param_ref, ref, swagger

from codegen.loader import SpecError

STRING = {"type": "string"}
SHARED = {
    "SubscriptionIdParameter": {"name": "subscriptionId", "in": "path", "required": True, "type": "string"},
    "ApiVersionParameter": {"name": "api-version", "in": "query", "required": True, "type": "string"},
    "ResourceGroupNameParameter": {
        "name": "resourceGroupName",
        "in": "path",
        "required": True,
        "type": "string",
        "pattern": "^[-\\w\\._]+$",
        "minLength": 1,
        "maxLength": 90,
        "x-ms-parameter-location": "method",
    },
}
THING = {"type": "object", "properties": {"name": STRING}}
THING_LIST = {
    "type": "object",
    "properties": {"value": {"type": "array", "items": ref("Thing")}, "nextLink": STRING},
}
ERROR = {"type": "object", "properties": {"code": STRING, "message": STRING}}


@pytest.fixture
def build(tmp_path):
    return lambda document: build_document(document, tmp_path)


def model(code_model, name):
    return next(found for found in code_model.models if found.name == name)


def model_names(code_model):
    return sorted(found.name for found in code_model.models)


def prop(found_model, name):
    return next(found for found in found_model.properties if found.name == name)


def group(code_model, attribute):
    return next(found for found in code_model.operation_groups if found.attribute_name == attribute)


def only_operation(code_model):
    (found_group,) = code_model.operation_groups
    (found,) = found_group.operations
    return found


def models_of(**definitions):
    return swagger(definitions=definitions)


def one_operation(path, method, body, definitions=None):
    return swagger(paths={path: {method: body}}, definitions=definitions, parameters=SHARED)


# -- names --------------------------------------------------------------------


def test_property_names_are_snake_case(build) -> None:
    thing = {
        "type": "object",
        "properties": {
            "publicIPsToAllow": {"type": "array", "items": STRING},
            "caffe2Settings": STRING,
            "maxResults": {"type": "integer", "x-ms-client-name": "limit"},
        },
    }
    found = model(build(models_of(Thing=thing)), "Thing")
    assert [(p.name, p.wire_key) for p in found.properties] == [
        ("public_ips_to_allow", "publicIPsToAllow"),
        ("caffe2_settings", "caffe2Settings"),
        ("limit", "maxResults"),
    ]


def test_parameter_names_are_snake_case_and_follow_x_ms_client_name(build) -> None:
    parameters = [
        {"name": "$select", "in": "query", "type": "string"},
        {"name": "maxresults", "in": "query", "type": "integer", "x-ms-client-name": "maxResults"},
    ]
    found = only_operation(build(one_operation("/things", "get", operation("Things_List", parameters=parameters))))
    assert [(p.name, p.wire_name) for p in found.parameters] == [
        ("select", "$select"),
        ("max_results", "maxresults"),
    ]


def test_operation_groups_come_from_the_operation_id_prefix(build) -> None:
    paths = {
        "/jobs/{name}/files": {
            "get": operation("Jobs_ListOutputFiles", parameters=[{"name": "name", "in": "path", "type": "string"}])
        },
        "/operations": {"get": operation("Operations_List")},
        "/fileServers": {"get": operation("FileServers_List")},
    }
    code_model = build(swagger(paths=paths))
    jobs = group(code_model, "jobs")
    assert (jobs.class_name, jobs.module_name, jobs.name) == ("JobsOperations", "_jobs_operations", "Jobs")
    assert [found.name for found in jobs.operations] == ["list_output_files"]
    operations = group(code_model, "operations")
    assert operations.class_name == "Operations"
    assert operations.operations[0].name == "list"
    assert group(code_model, "file_servers").class_name == "FileServersOperations"
    assert code_model.client.operation_groups == code_model.operation_groups


def test_operations_of_one_group_stay_together_in_spec_order(build) -> None:
    paths = {
        "/a": {"get": operation("Jobs_Get"), "delete": operation("Jobs_Delete")},
        "/b": {"get": operation("Clusters_Get")},
        "/c": {"get": operation("Jobs_List")},
    }
    code_model = build(swagger(paths=paths))
    assert [g.attribute_name for g in code_model.operation_groups] == ["jobs", "clusters"]
    assert [op.name for op in group(code_model, "jobs").operations] == ["get", "delete", "list"]


def test_long_running_operation_gets_the_begin_prefix(build) -> None:
    lro = operation("Jobs_Create", ref("Thing"), **{"x-ms-long-running-operation": True})
    found = only_operation(build(one_operation("/jobs", "put", lro, {"Thing": THING})))
    assert found.name == "begin_create" and found.long_running
    assert found.initial_name == "_create_initial"
    assert found.request_builder_name == "build_create_request"


def test_client_name_comes_from_code_generation_settings_or_the_title(build) -> None:
    named = swagger(info={"title": "batch ai", "version": "1", "x-ms-code-generation-settings": {"name": "MyClient"}})
    assert build(named).client.name == "MyClient"
    assert build(swagger(info={"title": "batch ai", "version": "1"})).client.name == "BatchAi"


def test_client_basics(build) -> None:
    code_model = build(swagger(info={"title": "T", "description": "The T API.", "version": "2020-01-01"}))
    assert code_model.package == "pkg.v1" and code_model.sdk_moniker == "pkg"
    assert code_model.api_version == code_model.client.api_version == "2020-01-01"
    assert code_model.client.default_host == "https://management.example.com"
    assert code_model.client.description == "The T API."


# -- models -------------------------------------------------------------------


def test_types_of_primitives(build) -> None:
    formats = {
        "s": STRING,
        "i": {"type": "integer", "format": "int64"},
        "n": {"type": "number", "format": "double"},
        "b": {"type": "boolean"},
        "dt": {"type": "string", "format": "date-time"},
        "d": {"type": "string", "format": "date"},
        "du": {"type": "string", "format": "duration"},
        "by": {"type": "string", "format": "byte"},
        "u": {"type": "string", "format": "uuid"},
        "o": {"type": "object"},
    }
    found = model(build(models_of(Thing={"type": "object", "properties": formats})), "Thing")
    assert {p.name: (p.type.serialization, p.type.annotation) for p in found.properties} == {
        "s": ("str", "str"),
        "i": ("int", "int"),
        "n": ("float", "float"),
        "b": ("bool", "bool"),
        "dt": ("iso-8601", "datetime.datetime"),
        "d": ("date", "datetime.date"),
        "du": ("duration", "datetime.timedelta"),
        "by": ("bytearray", "bytes"),
        "u": ("str", "str"),
        "o": ("object", "Any"),
    }


def test_arrays_and_maps_of_models(build) -> None:
    holder = {
        "type": "object",
        "properties": {
            "things": {"type": "array", "items": ref("Thing")},
            "tags": {"type": "object", "additionalProperties": STRING},
            "byName": {"type": "object", "additionalProperties": ref("Thing")},
        },
    }
    code_model = build(models_of(Holder=holder, Thing=THING))
    found = model(code_model, "Holder")
    assert [(p.type.serialization, p.type.annotation) for p in found.properties] == [
        ("[Thing]", "list[_models.Thing]"),
        ("{str}", "dict[str, str]"),
        ("{Thing}", "dict[str, _models.Thing]"),
    ]
    assert found.properties[0].type.model is model(code_model, "Thing")
    assert found.properties[2].type.model is model(code_model, "Thing")


def test_self_referencing_model_refers_to_itself(build) -> None:
    body = {"type": "object", "properties": {"details": {"type": "array", "items": ref("CloudErrorBody")}}}
    found = model(build(models_of(CloudErrorBody=body)), "CloudErrorBody")
    assert found.properties[0].type.serialization == "[CloudErrorBody]"
    assert found.properties[0].type.model is found


def test_inline_object_schema_is_named_after_its_parent_and_property(build) -> None:
    execution_info = {"type": "object", "properties": {"exitCode": {"type": "integer"}}}
    job_properties = {"type": "object", "properties": {"executionInfo": execution_info}}
    code_model = build(models_of(JobProperties=job_properties))
    assert model_names(code_model) == ["JobProperties", "JobPropertiesExecutionInfo"]
    assert prop(model(code_model, "JobProperties"), "execution_info").type.serialization == "JobPropertiesExecutionInfo"


def test_inheritance_from_all_of(build) -> None:
    resource = {"type": "object", "properties": {"id": {"type": "string", "readOnly": True}}}
    job = {"type": "object", "allOf": [ref("Resource")], "properties": {"priority": {"type": "integer"}}}
    code_model = build(models_of(Job=job, Resource=resource))
    found, base = model(code_model, "Job"), model(code_model, "Resource")
    assert found.base is base
    assert [(p.name, p.inherited) for p in found.properties] == [("id", True), ("priority", False)]
    assert [p.name for p in found.own_properties] == ["priority"]
    assert [m.name for m in code_model.models] == ["Resource", "Job"]


def test_base_models_come_before_subclasses_whatever_their_names(build) -> None:
    base = {"type": "object", "properties": {"id": STRING}}
    derived = {"type": "object", "allOf": [ref("ZBase")], "properties": {"x": STRING}}
    code_model = build(models_of(ADerived=derived, ZBase=base, M=THING))
    assert [m.name for m in code_model.models] == ["ZBase", "ADerived", "M"]


def test_client_flatten_lifts_the_inner_properties_with_dotted_keys(build) -> None:
    job = {
        "type": "object",
        "properties": {"id": STRING, "properties": {"x-ms-client-flatten": True, **ref("JobProperties")}},
    }
    job_properties = {"type": "object", "required": ["cluster"], "properties": {"cluster": STRING, "priority": STRING}}
    code_model = build(models_of(Job=job, JobProperties=job_properties))
    found = model(code_model, "Job")
    assert [(p.name, p.wire_key, p.required) for p in found.properties] == [
        ("id", "id", False),
        ("cluster", "properties.cluster", True),
        ("priority", "properties.priority", False),
    ]
    assert model_names(code_model) == ["Job"]


def test_flattened_model_is_kept_when_something_else_uses_it(build) -> None:
    job = {"type": "object", "properties": {"properties": {"x-ms-client-flatten": True, **ref("JobProperties")}}}
    other = {"type": "object", "properties": {"props": ref("JobProperties")}}
    code_model = build(models_of(Job=job, JobProperties=THING, Other=other))
    assert model_names(code_model) == ["Job", "JobProperties", "Other"]


def test_a_read_only_flattened_property_makes_its_inner_properties_read_only(build) -> None:
    job = {
        "type": "object",
        "properties": {"properties": {"x-ms-client-flatten": True, "readOnly": True, **ref("JobProperties")}},
    }
    found = model(build(models_of(Job=job, JobProperties=THING)), "Job")
    assert found.properties[0].read_only
    assert found.init_properties == []


def test_inline_flattened_object(build) -> None:
    inline = {"type": "object", "properties": {"size": {"type": "integer"}}}
    thing = {"type": "object", "properties": {"properties": {"x-ms-client-flatten": True, **inline}}}
    code_model = build(models_of(Thing=thing))
    assert [(p.name, p.wire_key) for p in model(code_model, "Thing").properties] == [("size", "properties.size")]
    assert model_names(code_model) == ["Thing"]


def test_a_dot_in_a_property_name_is_escaped_in_the_attribute_map_key(build) -> None:
    thing = {"type": "object", "properties": {"odata.type": STRING}}
    found = model(build(models_of(Thing=thing)), "Thing")
    assert (found.properties[0].name, found.properties[0].wire_key) == ("odata_type", "odata\\.type")


def test_read_only_required_and_validation_entries(build) -> None:
    thing = {
        "type": "object",
        "required": ["name", "id"],
        "properties": {
            "id": {"type": "string", "readOnly": True},
            "name": {"type": "string", "pattern": "^[a-z]+$", "minLength": 1, "maxLength": 64},
            "count": {"type": "integer", "minimum": 1, "maximum": 10},
        },
    }
    found = model(build(models_of(Thing=thing)), "Thing")
    assert {p.name: p.validation_entry for p in found.properties} == {
        "id": {"readonly": True},
        "name": {"required": True, "pattern": "^[a-z]+$", "min_length": 1, "max_length": 64},
        "count": {"minimum": 1, "maximum": 10},
    }
    assert [p.name for p in found.init_properties] == ["name", "count"]
    assert found.has_required


def test_read_only_comes_from_a_referenced_definition_too(build) -> None:
    thing = {"type": "object", "properties": {"state": ref("State")}}
    state = {"type": "string", "readOnly": True, "enum": ["a", "b"]}
    assert prop(model(build(models_of(Thing=thing, State=state)), "Thing"), "state").read_only


def test_init_properties_list_required_ones_first(build) -> None:
    thing = {"type": "object", "required": ["b"], "properties": {"a": STRING, "b": STRING, "c": STRING}}
    found = model(build(models_of(Thing=thing)), "Thing")
    assert [p.name for p in found.init_properties] == ["b", "a", "c"]


def test_an_optional_property_default_is_the_service_default(build) -> None:
    thing = {"type": "object", "properties": {"priority": {"type": "integer", "default": 0}}}
    found = prop(model(build(models_of(Thing=thing)), "Thing"), "priority")
    assert (found.has_client_default, found.default, found.server_default) == (False, None, 0)


def test_a_required_property_default_is_a_client_default(build) -> None:
    thing = {"type": "object", "required": ["count"], "properties": {"count": {"type": "integer", "default": 1}}}
    found = prop(model(build(models_of(Thing=thing)), "Thing"), "count")
    assert (found.has_client_default, found.default, found.server_default) == (True, 1, None)


def test_the_same_name_for_two_schemas_is_a_spec_error(build) -> None:
    # the inline schema of Job.info would be named JobInfo, like the definition
    job = {"type": "object", "properties": {"info": {"type": "object", "properties": {"a": STRING}}}}
    with pytest.raises(SpecError, match="two schemas would both become model 'JobInfo'") as caught:
        build(models_of(Job=job, JobInfo=THING))
    assert caught.value.pointer == "#/definitions/Job/properties/info"
    assert str(caught.value).endswith("this one and #/definitions/JobInfo")


# -- enums --------------------------------------------------------------------


def test_enum_values_member_names_and_model_as_string(build) -> None:
    state = {
        "type": "string",
        "enum": ["succeeded", "notStarted"],
        "description": "The state.",
        "x-ms-enum": {"name": "ProvisioningState", "modelAsString": True},
    }
    thing = {"type": "object", "properties": {"state": ref("State")}}
    code_model = build(models_of(Thing=thing, State=state))
    (enum,) = code_model.enums
    assert (enum.name, enum.description, enum.model_as_string) == ("ProvisioningState", "The state.", True)
    assert [(value.name, value.value) for value in enum.values] == [
        ("SUCCEEDED", "succeeded"),
        ("NOT_STARTED", "notStarted"),
    ]
    state_type = prop(model(code_model, "Thing"), "state").type
    assert (state_type.serialization, state_type.annotation) == ("str", "str | _models.ProvisioningState")
    assert state_type.enum is enum
    assert "State" not in model_names(code_model)


def test_an_enum_that_is_not_model_as_string(build) -> None:
    size = {"type": "string", "enum": ["small", "large"], "x-ms-enum": {"name": "Size", "modelAsString": False}}
    (enum,) = build(models_of(Thing={"type": "object", "properties": {"size": size}})).enums
    assert (enum.name, enum.model_as_string) == ("Size", False)


def test_an_inline_enum_without_x_ms_enum_is_named_after_its_property(build) -> None:
    thing = {"type": "object", "properties": {"kind": {"type": "string", "enum": ["a", "b"]}}}
    (enum,) = build(models_of(Thing=thing)).enums
    assert (enum.name, enum.model_as_string) == ("ThingKind", True)


def test_two_properties_sharing_an_x_ms_enum_name_share_one_enum(build) -> None:
    state = {"type": "string", "enum": ["on", "off"], "x-ms-enum": {"name": "PowerState", "modelAsString": True}}
    a = {"type": "object", "properties": {"state": state}}
    b = {"type": "object", "properties": {"power": state}}
    code_model = build(models_of(A=a, B=b))
    (enum,) = code_model.enums
    assert prop(model(code_model, "A"), "state").type.enum is enum
    assert prop(model(code_model, "B"), "power").type.enum is enum
    assert [value.value for value in enum.values] == ["on", "off"]


def test_a_single_value_required_enum_not_model_as_string_is_a_constant(build) -> None:
    kind = {"type": "string", "enum": ["Fixed"], "x-ms-enum": {"name": "Kind", "modelAsString": False}}
    thing = {"type": "object", "required": ["kind"], "properties": {"kind": kind, "name": STRING}}
    found = model(build(models_of(Thing=thing)), "Thing")
    kind_prop = prop(found, "kind")
    assert (kind_prop.is_constant, kind_prop.constant) == (True, "Fixed")
    assert kind_prop.validation_entry == {"required": True, "constant": True}
    assert [p.name for p in found.init_properties] == ["name"]


@pytest.mark.parametrize(
    ("required", "model_as_string", "values"),
    [(False, False, ["Fixed"]), (True, True, ["Fixed"]), (True, False, ["Fixed", "Other"])],
)
def test_other_enums_are_not_constants(build, required, model_as_string, values) -> None:
    kind = {"type": "string", "enum": values, "x-ms-enum": {"name": "Kind", "modelAsString": model_as_string}}
    thing = {"type": "object", "required": ["kind"] if required else [], "properties": {"kind": kind}}
    assert not prop(model(build(models_of(Thing=thing)), "Thing"), "kind").is_constant


# -- operations ---------------------------------------------------------------


def get_thing(**fields):
    parameters = [
        param_ref("SubscriptionIdParameter"),
        param_ref("ResourceGroupNameParameter"),
        {"name": "thingName", "in": "path", "required": True, "type": "string", "maxLength": 10},
        {"name": "$expand", "in": "query", "type": "string"},
        param_ref("ApiVersionParameter"),
    ]
    get = operation("Things_Get", ref("Thing"), parameters=parameters, **fields)
    get["responses"]["default"] = {"description": "Error", "schema": ref("CloudError")}
    return one_operation("/things/{thingName}", "get", get, {"Thing": THING, "CloudError": ERROR})


def test_shared_parameters_are_client_level_and_others_method_level(build) -> None:
    code_model = build(get_thing())
    assert [(p.name, p.wire_name, p.location) for p in code_model.client.parameters] == [
        ("subscription_id", "subscriptionId", "path")
    ]
    found = only_operation(code_model)
    assert [p.name for p in found.method_parameters] == ["resource_group_name", "thing_name", "expand"]
    assert [p.name for p in found.parameters if p.client_level] == ["subscription_id", "api_version"]


def test_api_version_is_a_constant_and_never_a_client_parameter(build) -> None:
    code_model = build(get_thing())
    api_version = next(p for p in only_operation(code_model).parameters if p.wire_name == "api-version")
    assert (api_version.name, api_version.constant) == ("api_version", "2020-01-01")
    assert "api_version" not in [p.name for p in code_model.client.parameters]
    required, optional = only_operation(code_model).request_parameters
    assert "api_version" not in [p.name for p in required + optional]


def test_required_parameters_are_positional_and_optional_ones_keyword_only(build) -> None:
    found = only_operation(build(get_thing()))
    assert [p.name for p in found.positional] == ["resource_group_name", "thing_name"]
    assert [p.name for p in found.keyword_only] == ["expand"]


def test_parameter_validation(build) -> None:
    found = only_operation(build(get_thing()))
    validations = {p.name: p.validation for p in found.parameters}
    assert validations["resource_group_name"] == {"pattern": "^[-\\w\\._]+$", "min_length": 1, "max_length": 90}
    assert validations["thing_name"] == {"max_length": 10}
    assert validations["expand"] == {}


def test_response_type_and_error_type_from_default(build) -> None:
    code_model = build(get_thing())
    found = only_operation(code_model)
    assert [(r.status_codes, r.type.serialization) for r in found.responses] == [([200], "Thing")]
    assert found.result_type.model is model(code_model, "Thing")
    assert found.error_type.serialization == "CloudError"
    assert found.success_status_codes == [200]


def test_operation_url_method_and_description(build) -> None:
    found = only_operation(build(get_thing(summary="Gets a thing.", description="Gets it by name.")))
    assert (found.http_method, found.url) == ("GET", "/things/{thingName}")
    assert found.description == "Gets a thing. Gets it by name."


def test_a_response_without_a_schema_has_no_type(build) -> None:
    delete = {"operationId": "Things_Delete", "responses": {"200": {"description": "OK"}, "204": {"description": "No"}}}
    found = only_operation(build(one_operation("/things", "delete", delete)))
    assert [(r.status_codes, r.type) for r in found.responses] == [([200], None), ([204], None)]
    assert found.result_type is None and found.error_type is None


def test_long_running_operations_accept_arm_status_codes(build) -> None:
    put = operation("Things_Create", ref("Thing"), **{"x-ms-long-running-operation": True})
    delete = {
        "operationId": "Things_Delete",
        "x-ms-long-running-operation": True,
        "x-ms-long-running-operation-options": {"final-state-via": "location"},
        "responses": {"200": {"description": "OK"}, "202": {"description": "Accepted"}},
    }
    paths = {"/things": {"put": put, "delete": delete}}
    create, remove = group(build(swagger(paths=paths, definitions={"Thing": THING})), "things").operations
    assert create.success_status_codes == [200, 201]
    assert create.final_result_type.serialization == "Thing"
    assert remove.success_status_codes == [200, 202, 204]
    assert remove.final_state_via == "location"


def test_body_parameter(build) -> None:
    body = {"name": "parameters", "in": "body", "required": True, "schema": ref("Thing")}
    put = operation("Things_Create", ref("Thing"), parameters=[{"name": "name", "in": "path", "type": "string"}, body])
    found = only_operation(build(one_operation("/things/{name}", "put", put, {"Thing": THING})))
    assert (found.body.name, found.body.type.serialization, found.body.required) == ("parameters", "Thing", True)
    assert [p.name for p in found.positional] == ["name", "parameters"]
    required, optional = found.request_parameters
    assert [p.name for p in required + optional] == ["name"]


def test_paging_item_type_and_next_link(build) -> None:
    listing = operation("Things_List", ref("ThingList"), **{"x-ms-pageable": {"nextLinkName": "nextLink"}})
    code_model = build(one_operation("/things", "get", listing, {"Thing": THING, "ThingList": THING_LIST}))
    found = only_operation(code_model)
    assert found.is_paging
    assert (found.paging_item_type.serialization, found.paging_item_type.annotation) == ("Thing", "_models.Thing")
    assert found.paging_item_type.model is model(code_model, "Thing")
    assert (found.paging_item_name, found.paging_next_link_name) == ("value", "next_link")


def test_paging_with_an_item_name_and_no_next_link_on_post(build) -> None:
    page = {"type": "object", "properties": {"keys": {"type": "array", "items": STRING}}}
    listing = operation(
        "Things_ListKeys", ref("KeyPage"), **{"x-ms-pageable": {"itemName": "keys", "nextLinkName": None}}
    )
    found = only_operation(build(one_operation("/things/keys", "post", listing, {"KeyPage": page})))
    assert found.http_method == "POST" and found.is_paging
    assert (found.paging_item_type.serialization, found.paging_item_name) == ("str", "keys")
    assert found.paging_next_link_name is None


def test_paging_without_the_item_property_is_a_spec_error(build) -> None:
    listing = operation("Things_List", ref("Thing"), **{"x-ms-pageable": {"nextLinkName": "nextLink"}})
    with pytest.raises(SpecError, match="value") as caught:
        build(one_operation("/things", "get", listing, {"Thing": THING}))
    assert caught.value.pointer == "#/paths/~1things/get"


def test_long_running_pageable_operation_is_a_spec_error(build) -> None:
    fields = {"x-ms-long-running-operation": True, "x-ms-pageable": {"nextLinkName": "nextLink"}}
    listing = operation("Things_List", ref("ThingList"), **fields)
    with pytest.raises(SpecError, match="long-running pageable") as caught:
        build(one_operation("/things", "post", listing, {"Thing": THING, "ThingList": THING_LIST}))
    assert caught.value.pointer == "#/paths/~1things/post"


def test_client_flatten_on_a_body_parameter_is_a_spec_error(build) -> None:
    body = {"name": "parameters", "in": "body", "required": True, "schema": ref("Thing"), "x-ms-client-flatten": True}
    put = operation("Things_Create", parameters=[body])
    with pytest.raises(SpecError, match="x-ms-client-flatten") as caught:
        build(one_operation("/things", "put", put, {"Thing": THING}))
    assert caught.value.pointer == "#/paths/~1things/put"


# -- parameter groups ---------------------------------------------------------


def grouped(name, required=False, **fields):
    return {
        "name": name,
        "in": "query",
        "type": "integer",
        "required": required,
        "x-ms-parameter-grouping": {"postfix": "Options"},
        **fields,
    }


def test_parameter_group_model_and_parameter_named_from_the_operation_id(build) -> None:
    parameters = [grouped("maxresults", **{"x-ms-client-name": "maxResults", "default": 1000}), grouped("skip")]
    code_model = build(one_operation("/jobs", "get", operation("Jobs_List", parameters=parameters)))
    found = only_operation(code_model)
    (options,) = found.groups
    assert (options.name, options.model.name, options.required) == ("jobs_list_options", "JobsListOptions", False)
    assert [member.name for member in options.members] == ["max_results", "skip"]
    assert all(member.group is options for member in options.members)
    assert found.method_parameters == []
    assert found.positional == [options]
    group_model = model(code_model, "JobsListOptions")
    assert group_model.is_parameter_group
    assert [(p.name, p.server_default) for p in group_model.properties] == [("max_results", 1000), ("skip", None)]


def test_a_parameter_group_is_required_when_a_member_is_required(build) -> None:
    parameters = [grouped("outputdirectoryid", required=True), grouped("skip")]
    found = only_operation(
        build(one_operation("/jobs", "get", operation("Jobs_ListOutputFiles", parameters=parameters)))
    )
    (options,) = found.groups
    assert (options.name, options.required) == ("jobs_list_output_files_options", True)
    assert prop(options.model, "outputdirectoryid").validation_entry == {"required": True}


def test_a_parameter_group_may_be_named_explicitly(build) -> None:
    parameters = [{"name": "top", "in": "query", "type": "integer", "x-ms-parameter-grouping": {"name": "paging"}}]
    found = only_operation(build(one_operation("/jobs", "get", operation("Jobs_List", parameters=parameters))))
    assert (found.groups[0].name, found.groups[0].model.name) == ("paging", "Paging")


def test_required_parameters_come_before_groups_and_an_optional_body_last(build) -> None:
    parameters = [
        {"name": "name", "in": "path", "required": True, "type": "string"},
        grouped("skip"),
        {"name": "body", "in": "body", "schema": ref("Thing")},
    ]
    post = operation("Jobs_Run", parameters=parameters)
    found = only_operation(build(one_operation("/jobs/{name}", "post", post, {"Thing": THING})))
    assert [p.name for p in found.positional] == ["name", "jobs_run_options", "body"]


# -- wire plans: how the generated code reads, writes and checks each value ------------------------


def test_each_type_has_a_kind_and_its_runtime_helpers(build) -> None:
    holder = {
        "type": "object",
        "properties": {
            "s": STRING,
            "i": {"type": "integer"},
            "f": {"type": "number"},
            "b": {"type": "boolean"},
            "dt": {"type": "string", "format": "date-time"},
            "du": {"type": "string", "format": "duration"},
            "d": {"type": "string", "format": "date"},
            "o": {"type": "object"},
            "thing": ref("Thing"),
            "things": {"type": "array", "items": ref("Thing")},
            "names": {"type": "array", "items": STRING},
            "tags": {"type": "object", "additionalProperties": STRING},
            "byName": {"type": "object", "additionalProperties": ref("Thing")},
        },
    }
    found = model(build(models_of(Holder=holder, Thing=THING)), "Holder")
    assert {p.name: (p.type.kind, sorted(p.type.helpers)) for p in found.properties} == {
        "s": ("str", ["check_str", "read_str", "write_str"]),
        "i": ("int", ["check_int", "read_int", "write_int"]),
        "f": ("float", ["check_float", "read_float", "write_float"]),
        "b": ("bool", ["check_bool", "read_bool", "write_bool"]),
        "dt": ("datetime", ["check_leaf", "read_datetime", "write_datetime"]),
        "du": ("duration", ["check_leaf", "read_duration", "write_duration"]),
        "d": ("leaf", ["check_leaf", "read_leaf", "write_leaf"]),
        "o": ("leaf", ["check_leaf", "read_leaf", "write_leaf"]),
        "thing": ("model", ["check_model", "write_model"]),
        # a list of models is written by write_models and read by each model's _from_wire
        "things": ("list", ["check_list", "check_models", "read_list", "write_models"]),
        "names": ("list", ["check_items", "check_list", "read_list", "read_str", "write_list", "write_str"]),
        "tags": ("dict", ["check_dict", "check_items", "read_dict", "read_str", "write_dict", "write_str"]),
        "by_name": ("dict", ["check_dict", "check_models", "read_dict", "write_dict", "write_model"]),
    }


def test_flattened_properties_are_grouped_by_their_json_object_in_attribute_order(build) -> None:
    settings = {"type": "object", "properties": {"size": {"type": "integer"}, "odata.kind": STRING}}
    inner = {"type": "object", "properties": {"a": STRING, "settings": {"x-ms-client-flatten": True, **settings}}}
    thing = {
        "type": "object",
        "properties": {"id": STRING, "properties": {"x-ms-client-flatten": True, **inner}, "etag": STRING},
    }
    found = model(build(models_of(Thing=thing)), "Thing")
    assert [(p.name, p.wire_key, p.wire_path) for p in found.properties] == [
        ("id", "id", ["id"]),
        ("a", "properties.a", ["properties", "a"]),
        ("size", "properties.settings.size", ["properties", "settings", "size"]),
        ("odata_kind", "properties.settings.odata\\.kind", ["properties", "settings", "odata.kind"]),
        ("etag", "etag", ["etag"]),
    ]

    def layout(members):
        return [(m.key, m.variable, m.parent, layout(m.members)) if m.is_group else m.name for m in members]

    assert layout(found.wire_members) == [
        "id",
        (
            "properties",
            "properties",
            "data",
            ["a", ("settings", "properties_settings", "properties", ["size", "odata_kind"])],
        ),
        "etag",
    ]
    assert [group.variable for group in found.wire_groups] == ["properties", "properties_settings"]
    assert [(p.name, source) for p, source in found.wire_sources] == [
        ("id", "data"),
        ("a", "properties"),
        ("size", "properties_settings"),
        ("odata_kind", "properties_settings"),
        ("etag", "data"),
    ]
    assert found.wire_keys == ["etag", "id", "properties"]
    assert found.reads_may_fall_back  # a flattened object may be something else than an object


def test_a_flattened_object_whose_properties_are_not_adjacent_is_a_spec_error(build) -> None:
    # the base's flattened property, then the subclass's own: msrest would create the object at
    # the first one that is set, which straight-line code cannot do in one place
    base = {"type": "object", "properties": {"properties": {"x-ms-client-flatten": True, **ref("BaseProperties")}}}
    derived = {
        "type": "object",
        "allOf": [ref("Base")],
        "properties": {"name": STRING, "properties": {"x-ms-client-flatten": True, **ref("DerivedProperties")}},
    }
    document = models_of(
        Base=base,
        BaseProperties={"type": "object", "properties": {"a": STRING}},
        Derived=derived,
        DerivedProperties={"type": "object", "properties": {"b": STRING}},
    )
    with pytest.raises(SpecError, match="#/definitions/Derived: the properties flattened into 'properties'"):
        _ = model(build(document), "Derived").wire_members


def test_two_properties_sent_under_one_key_are_a_spec_error(build) -> None:
    # x-ms-client-name can give two properties of one JSON key two Python names
    thing = {
        "type": "object",
        "properties": {"a": STRING, "b": STRING, "bag": {"x-ms-client-flatten": True, **ref("Bag")}},
    }
    document = models_of(Thing=thing, Bag={"type": "object", "properties": {"x": STRING}})
    found = model(build(document), "Thing")
    found.properties[1].wire_key = "a"
    with pytest.raises(SpecError, match="two properties are sent as 'a'"):
        _ = found.wire_members
    found = model(build(document), "Thing")
    found.properties[0].wire_key = "bag"
    with pytest.raises(SpecError, match="'bag' is both a property and a flattened object"):
        _ = found.wire_members


def test_a_discriminator_is_a_spec_error(build) -> None:
    pet = {"type": "object", "discriminator": "kind", "required": ["kind"], "properties": {"kind": STRING}}
    with pytest.raises(SpecError, match="#/definitions/Pet: polymorphism \\(discriminator\\) is not supported"):
        build(models_of(Pet=pet))


def test_a_property_called_additional_properties_keeps_clear_of_msrests_attribute(build) -> None:
    thing = {"type": "object", "properties": {"additionalProperties": STRING}}
    found = model(build(models_of(Thing=thing)), "Thing")
    assert found.properties[0].name == "additional_properties_property"


def test_constraints_are_checked_inline_for_the_kinds_that_have_them(build) -> None:
    thing = {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 8},
            "count": {"type": "integer", "minimum": 1},
            "odd": {"type": "string", "minimum": 1},  # msrest would compare a string with an int
            "items": {"type": "array", "items": STRING, "minItems": 1},
            "id": {"type": "string", "readOnly": True, "pattern": "^x$"},
        },
    }
    found = model(build(models_of(Thing=thing)), "Thing")
    assert {p.name: (p.rules, p.inline_rules, p.required_check) for p in found.properties} == {
        "name": ([("pattern", "^[a-z]+$"), ("max_length", 8)], True, True),
        "count": ([("minimum", 1)], True, False),
        "odd": ([("minimum", 1)], False, False),
        "items": ([("min_items", 1)], True, False),
        "id": ([], True, False),  # read-only values are never sent, so never checked
    }


def test_pattern_constants_are_named_after_their_first_user(build) -> None:
    thing = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "pattern": "^[a-z]+$"},
            "alias": {"type": "string", "pattern": "^[a-z]+$"},
            "code": {"type": "string", "pattern": "^[0-9]+$"},
        },
    }
    other = {"type": "object", "properties": {"name": {"type": "string", "pattern": "^[A-Z]+$"}}}
    code_model = build(models_of(Thing=thing, Other=other))
    assert code_model.patterns == {
        "^[A-Z]+$": "_NAME_PATTERN",
        "^[a-z]+$": "_NAME_PATTERN_2",
        "^[0-9]+$": "_CODE_PATTERN",
    }


def test_the_models_module_imports_the_runtime_helpers_its_models_use(build) -> None:
    thing = {"type": "object", "required": ["name"], "properties": {"name": STRING, "size": {"type": "integer"}}}
    assert build(models_of(Thing=thing)).wire_helpers == [
        "WireModel",
        "check_int",
        "check_str",
        "invalid",
        "new_instance",
        "read_extra",
        "read_int",
        "read_str",
        "read_with_msrest",
        "write_int",
        "write_str",
    ]


def test_request_builders_check_and_convert_strings_and_integers_themselves(build) -> None:
    params = [
        param_ref("SubscriptionIdParameter"),
        param_ref("ResourceGroupNameParameter"),
        {"name": "top", "in": "query", "type": "integer", "minimum": 1, "maximum": 100},
        {"name": "when", "in": "query", "type": "string", "format": "date-time"},
        {"name": "names", "in": "query", "type": "array", "items": STRING},
        param_ref("ApiVersionParameter"),
    ]
    body = {"name": "body", "in": "body", "required": True, "schema": ref("Thing")}
    path = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/things"
    document = one_operation(
        path, "put", operation("Things_Put", ref("Thing"), parameters=[*params, body]), {"Thing": THING}
    )
    code_model = build(document)
    found = only_operation(code_model)
    assert {p.name: p.inline_rules for p in found.parameters if p.location != "body"} == {
        "subscription_id": True,
        "resource_group_name": True,
        "top": True,
        "when": False,
        "names": False,
        "api_version": True,
    }
    (things,) = code_model.operation_groups
    assert things.patterns == {"^[-\\w\\._]+$": "_RESOURCE_GROUP_NAME_PATTERN"}
    assert things.wire_helpers == ["read_response", "write_body"]
