"""Stage 1: read a Swagger 2.0 document into typed OpenAPI objects.

Everything here speaks OpenAPI: `$ref` is resolved, `allOf` parents are kept as
links, shared parameters are inlined, and every `x-ms-*` extension the generator
understands is lifted into a field. Nothing here knows Python naming.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head")
CONSTRAINT_KEYWORDS = ("pattern", "minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems")


class SpecError(ValueError):
    """A construct in the spec that the generator cannot handle; names its JSON pointer."""

    def __init__(self, pointer: str, message: str) -> None:
        super().__init__(f"{pointer}: {message}")
        self.pointer = pointer


@dataclass(eq=False)
class Schema:
    pointer: str
    name: str | None = None  # the key under #/definitions, None for inline schemas
    type: str | None = None
    format: str | None = None
    title: str = ""
    description: str = ""
    properties: dict[str, SchemaProperty] = field(default_factory=dict)
    required: list[str] = field(default_factory=list)
    all_of: list[Schema] = field(default_factory=list)
    items: Schema | None = None
    additional_properties: Schema | None = None
    enum: list[Any] | None = None
    enum_name: str | None = None
    enum_model_as_string: bool = True
    default: Any = None
    has_default: bool = False
    read_only: bool = False
    nullable: bool | None = None
    constraints: dict[str, Any] = field(default_factory=dict)
    azure_resource: bool = False
    external: bool = False
    discriminator: str | None = None  # the property whose value names the subtype (polymorphism)


@dataclass(eq=False)
class SchemaProperty:
    name: str
    schema: Schema
    pointer: str
    title: str = ""
    description: str = ""
    required: bool = False
    read_only: bool = False
    client_flatten: bool = False
    client_name: str | None = None
    secret: bool = False


@dataclass(eq=False)
class Parameter:
    name: str
    location: str  # path, query, header, body
    pointer: str
    schema: Schema
    description: str = ""
    required: bool = False
    client_name: str | None = None
    # x-ms-parameter-location: "method" or "client"; None leaves the choice to the generator
    parameter_location: str | None = None
    grouping: dict[str, str] | None = None
    client_flatten: bool = False


@dataclass(eq=False)
class Response:
    status: str  # "200", "202", ... or "default"
    description: str
    schema: Schema | None


@dataclass(eq=False)
class Operation:
    operation_id: str
    method: str
    path: str
    pointer: str
    summary: str
    description: str
    parameters: list[Parameter]
    responses: list[Response]
    long_running: bool = False
    long_running_options: dict[str, Any] = field(default_factory=dict)
    pageable: dict[str, Any] | None = None
    examples: dict[str, str] = field(default_factory=dict)
    deprecated: bool = False


@dataclass(eq=False)
class Spec:
    path: Path
    title: str
    description: str
    version: str
    host: str
    schemes: list[str]
    code_generation_settings: dict[str, Any]
    definitions: dict[str, Schema]
    operations: list[Operation]


def load_spec(path: Path) -> Spec:
    document = json.loads(path.read_text(encoding="utf-8"))
    return _SpecReader(document, path).read()


def _escape_pointer(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


class _SpecReader:
    def __init__(self, document: dict[str, Any], path: Path) -> None:
        self.document = document
        self.path = path
        self.named_schemas: dict[str, Schema] = {}

    def read(self) -> Spec:
        if self.document.get("swagger") != "2.0":
            raise SpecError("#/swagger", "only Swagger 2.0 documents are supported")
        info = self.document.get("info", {})
        definitions = {name: self.definition(name) for name in self.document.get("definitions", {})}
        return Spec(
            path=self.path,
            title=info.get("title", ""),
            description=info.get("description", ""),
            version=info.get("version", ""),
            host=self.document.get("host", ""),
            schemes=self.document.get("schemes", ["https"]),
            code_generation_settings=info.get("x-ms-code-generation-settings", {}),
            definitions=definitions,
            operations=self.operations(),
        )

    # -- references --------------------------------------------------------

    def follow(self, node: dict[str, Any], pointer: str) -> tuple[dict[str, Any], str]:
        """Follow `$ref` chains inside this document; return the target and its pointer."""
        seen = set()
        while "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise SpecError(pointer, f"external reference {ref!r} is not supported")
            if ref in seen:
                raise SpecError(pointer, f"circular reference {ref!r}")
            seen.add(ref)
            target: Any = self.document
            for token in ref[2:].split("/"):
                token = token.replace("~1", "/").replace("~0", "~")
                if not isinstance(target, dict) or token not in target:
                    raise SpecError(pointer, f"unresolved reference {ref!r}")
                target = target[token]
            node, pointer = target, ref
        return node, pointer

    # -- schemas -----------------------------------------------------------

    def definition(self, name: str) -> Schema:
        if name not in self.named_schemas:
            pointer = f"#/definitions/{_escape_pointer(name)}"
            schema = Schema(pointer=pointer, name=name)
            # registered before it is filled, so self-references (CloudErrorBody.details) terminate
            self.named_schemas[name] = schema
            self.fill_schema(schema, self.document["definitions"][name])
        return self.named_schemas[name]

    def schema(self, node: dict[str, Any], pointer: str) -> Schema:
        if "$ref" in node:
            ref = node["$ref"]
            if ref.startswith("#/definitions/") and ref.count("/") == 2:
                name = ref.split("/")[-1].replace("~1", "/").replace("~0", "~")
                if name not in self.document.get("definitions", {}):
                    raise SpecError(pointer, f"unresolved reference {ref!r}")
                return self.definition(name)
            node, pointer = self.follow(node, pointer)
        schema = Schema(pointer=pointer)
        self.fill_schema(schema, node)
        return schema

    def fill_schema(self, schema: Schema, node: dict[str, Any]) -> None:
        pointer = schema.pointer
        schema.type = node.get("type")
        schema.format = node.get("format")
        schema.title = node.get("title", "")
        schema.description = node.get("description", "")
        schema.required = list(node.get("required", []))
        schema.read_only = bool(node.get("readOnly", False))
        schema.nullable = node.get("x-nullable")
        schema.azure_resource = bool(node.get("x-ms-azure-resource", False))
        schema.external = bool(node.get("x-ms-external", False))
        schema.discriminator = node.get("discriminator")
        schema.constraints = {key: node[key] for key in CONSTRAINT_KEYWORDS if key in node}
        if "default" in node:
            schema.default, schema.has_default = node["default"], True
        if "enum" in node:
            schema.enum = list(node["enum"])
            extension = node.get("x-ms-enum", {})
            schema.enum_name = extension.get("name")
            schema.enum_model_as_string = bool(extension.get("modelAsString", not extension))
        for index, parent in enumerate(node.get("allOf", [])):
            schema.all_of.append(self.schema(parent, f"{pointer}/allOf/{index}"))
        if "items" in node:
            schema.items = self.schema(node["items"], f"{pointer}/items")
        additional = node.get("additionalProperties")
        if isinstance(additional, dict):
            schema.additional_properties = self.schema(additional, f"{pointer}/additionalProperties")
        elif additional is True:
            schema.additional_properties = Schema(pointer=f"{pointer}/additionalProperties", type="object")
        for prop_name, prop_node in node.get("properties", {}).items():
            prop_pointer = f"{pointer}/properties/{_escape_pointer(prop_name)}"
            schema.properties[prop_name] = self.schema_property(prop_name, prop_node, prop_pointer, schema.required)

    def schema_property(self, name: str, node: dict[str, Any], pointer: str, required: list[str]) -> SchemaProperty:
        target = self.schema(node, pointer)
        return SchemaProperty(
            name=name,
            schema=target,
            pointer=pointer,
            # sibling keywords of a $ref describe the property, not the referenced schema
            title=node.get("title", "") if "$ref" in node else target.title,
            description=node.get("description", "") if "$ref" in node else target.description,
            required=name in required,
            read_only=bool(node.get("readOnly", False)),
            client_flatten=bool(node.get("x-ms-client-flatten", False)),
            client_name=node.get("x-ms-client-name"),
            secret=bool(node.get("x-ms-secret", False)),
        )

    # -- operations --------------------------------------------------------

    def operations(self) -> list[Operation]:
        operations = []
        for path, path_item in self.document.get("paths", {}).items():
            path_pointer = f"#/paths/{_escape_pointer(path)}"
            shared = path_item.get("parameters", [])
            for method in HTTP_METHODS:
                if method in path_item:
                    operations.append(
                        self.operation(path, method, path_item[method], shared, f"{path_pointer}/{method}")
                    )
        return operations

    def operation(self, path: str, method: str, node: dict[str, Any], shared: list[Any], pointer: str) -> Operation:
        if "operationId" not in node:
            raise SpecError(pointer, "operation has no operationId")
        parameters = self.parameters(shared, node.get("parameters", []), pointer)
        responses = [
            self.response(status, response, f"{pointer}/responses/{status}")
            for status, response in node.get("responses", {}).items()
        ]
        examples = {title: ref["$ref"] for title, ref in node.get("x-ms-examples", {}).items()}
        return Operation(
            operation_id=node["operationId"],
            method=method,
            path=path,
            pointer=pointer,
            summary=node.get("summary", ""),
            description=node.get("description", ""),
            parameters=parameters,
            responses=responses,
            long_running=bool(node.get("x-ms-long-running-operation", False)),
            long_running_options=node.get("x-ms-long-running-operation-options", {}),
            pageable=node.get("x-ms-pageable"),
            examples=examples,
            deprecated=bool(node.get("deprecated", False)),
        )

    def response(self, status: str, node: dict[str, Any], pointer: str) -> Response:
        node, pointer = self.follow(node, pointer)
        schema = self.schema(node["schema"], f"{pointer}/schema") if "schema" in node else None
        return Response(status=status, description=node.get("description", ""), schema=schema)

    def parameters(self, shared: list[Any], own: list[Any], pointer: str) -> list[Parameter]:
        # operation-level parameters override path-level ones with the same name and location
        merged: dict[tuple[str, str], Parameter] = {}
        for origin, nodes in ((pointer.rsplit("/", 1)[0], shared), (pointer, own)):
            for index, node in enumerate(nodes):
                parameter = self.parameter(node, f"{origin}/parameters/{index}")
                merged[(parameter.name, parameter.location)] = parameter
        return list(merged.values())

    def parameter(self, node: dict[str, Any], pointer: str) -> Parameter:
        # parameters shared under #/parameters are method-level only when they say so
        shared = "$ref" in node
        node, pointer = self.follow(node, pointer)
        location = node.get("in")
        if location not in ("path", "query", "header", "body"):
            raise SpecError(pointer, f"parameter location {location!r} is not supported")
        if location == "body":
            schema = self.schema(node.get("schema", {}), f"{pointer}/schema")
        else:
            schema = Schema(pointer=pointer)
            self.fill_schema(
                schema,
                {key: value for key, value in node.items() if key not in ("name", "in", "required", "description")},
            )
        default_location = "client" if shared else "method"
        return Parameter(
            name=node["name"],
            location=location,
            pointer=pointer,
            schema=schema,
            description=node.get("description", ""),
            required=bool(node.get("required", location == "path")),
            client_name=node.get("x-ms-client-name"),
            parameter_location=node.get("x-ms-parameter-location", default_location),
            grouping=node.get("x-ms-parameter-grouping"),
            client_flatten=bool(node.get("x-ms-client-flatten", False)),
        )
