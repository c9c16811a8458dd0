"""Stage 1: read a Swagger 2.0 document into typed OpenAPI objects.

Everything here speaks OpenAPI: `$ref` is resolved, `allOf` parents are kept as
links, shared parameters are inlined, and every `x-ms-*` extension the generator
understands is lifted into a field. Nothing here knows Python naming.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head")
SCHEMA_TYPES = ("string", "number", "integer", "boolean", "array", "object", "file")
# the validation keywords of a schema that the generated code checks
_CONSTRAINTS = frozenset(("pattern", "minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems"))
PARAMETER_LOCATIONS = ("path", "query", "header", "body")
FINAL_STATE_VIA = ("azure-async-operation", "location", "original-uri", "operation-location")
# Swagger's `schemes`; the generated client's default endpoint takes the first
SCHEMES = ("https", "http", "wss", "ws")
_STATUS = re.compile(r"^[1-5][0-9][0-9]$")
# text the generated code carries in docstrings: control characters other than whitespace become spaces
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class SpecError(ValueError):
    """A construct in the spec that the generator cannot handle; names its JSON pointer."""

    def __init__(self, pointer: str, message: str) -> None:
        super().__init__(f"{pointer}: {message}")
        self.pointer = pointer


@dataclass(eq=False, repr=False)
class Schema:
    """A schema of the spec, read and checked; one object per definition, shared by every reference to it."""

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


@dataclass(eq=False, repr=False)
class SchemaProperty:
    """A property of a schema, with the keywords that describe it where it is used."""

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


@dataclass(eq=False, repr=False)
class Parameter:
    """An operation's parameter, read and checked (references to the spec's parameters followed)."""

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


@dataclass(eq=False, repr=False)
class Response:
    """One response of an operation: its status ('default' or a code) and its schema, if any."""

    status: str  # "200", "202", ... or "default"
    description: str
    schema: Schema | None


@dataclass(eq=False, repr=False)
class Operation:
    """One operation of the spec's paths, read and checked."""

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


@dataclass(eq=False, repr=False)
class Spec:
    """A Swagger 2.0 document, read and checked: its info, definitions and operations."""

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
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SpecError("#", f"{path} is not a JSON document: {error}") from error
    return load_document(document, path)


def load_document(document: Any, path: Path) -> Spec:
    """Read a parsed Swagger 2.0 document; `path` is where it came from (the generated code names it).

    Every value the generator reads is checked for its JSON type first: a value of the wrong type, a
    reference that resolves to nothing or to itself, or a construct the generator does not support is a
    SpecError naming its JSON pointer (a key that is missing: the object that lacks it).
    """
    return _SpecReader(document, path).read()


def _escape_pointer(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _unescape_pointer(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


# -- reading typed values ------------------------------------------------------

_TYPE_NAMES = {
    dict: "an object",
    list: "an array",
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    type(None): "null",
}


def _json_type(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def _is(value: Any, kinds: tuple[type, ...]) -> bool:
    # JSON's true and false are not numbers, whatever Python thinks of bool
    return isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)


def _expect(value: Any, kinds: tuple[type, ...], pointer: str, what: str) -> Any:
    if not _is(value, kinds):
        expected = " or ".join(_TYPE_NAMES[kind] for kind in kinds)
        raise SpecError(pointer, f"{what} must be {expected}, not {_json_type(value)}")
    return value


def _object(value: Any, pointer: str, what: str) -> dict[str, Any]:
    result: dict[str, Any] = _expect(value, (dict,), pointer, what)
    return result


def _get(node: dict[str, Any], key: str, pointer: str, kinds: tuple[type, ...], default: Any = None) -> Any:
    """`node[key]` if it is of one of `kinds` (else a SpecError at the key), `default` if absent."""
    if key not in node:
        return default
    value = node[key]
    if not _is(value, kinds):  # the key's pointer is made only for the error: most values are fine
        _expect(value, kinds, f"{pointer}/{_escape_pointer(key)}", key)
    return value


def _text(node: dict[str, Any], key: str, pointer: str) -> str:
    """A description or title: a string, its control characters and lone surrogates made harmless."""
    text: str = _get(node, key, pointer, (str,), "")
    if not text:  # most titles and many descriptions are absent
        return text
    return _SURROGATE.sub("\ufffd", _CONTROL.sub(" ", text))


def _name(node: dict[str, Any], key: str, pointer: str) -> str | None:
    """A name given by the spec (x-ms-client-name...): a non-empty string, or None if absent."""
    name = _get(node, key, pointer, (str,))
    if name is not None and not name.strip():
        raise SpecError(f"{pointer}/{_escape_pointer(key)}", f"{key} must not be empty")
    return name


def _members(node: dict[str, Any], key: str, pointer: str) -> dict[str, dict[str, Any]]:
    """An object of objects (properties, definitions, paths...), each member checked."""
    members = _get(node, key, pointer, (dict,), {})
    for name, member in members.items():
        if not isinstance(member, dict):
            _object(member, f"{pointer}/{_escape_pointer(key)}/{_escape_pointer(name)}", f"{key} member {name!r}")
    return members


def _items(node: dict[str, Any], key: str, pointer: str, kinds: tuple[type, ...] = (dict,)) -> list[Any]:
    """An array whose items are of one of `kinds`."""
    items = _get(node, key, pointer, (list,), [])
    for index, item in enumerate(items):
        if not _is(item, kinds):
            _expect(item, kinds, f"{pointer}/{_escape_pointer(key)}/{index}", f"{key} item {index}")
    return items


def _count(node: dict[str, Any], key: str, pointer: str) -> int | None:
    """A length or count constraint: a non-negative integer."""
    value = _get(node, key, pointer, (int,))
    if value is not None and value < 0:
        raise SpecError(f"{pointer}/{key}", f"{key} must not be negative")
    return value


def _number(node: dict[str, Any], key: str, pointer: str) -> int | float | None:
    value = _get(node, key, pointer, (int, float))
    if isinstance(value, float) and not math.isfinite(value):
        raise SpecError(f"{pointer}/{key}", f"{key} must be a finite number")
    return value


def _pattern(node: dict[str, Any], key: str, pointer: str) -> str | None:
    """A pattern the generated code compiles: it must be a regular expression Python reads."""
    pattern = _get(node, key, pointer, (str,))
    if pattern is not None:
        try:
            re.compile(pattern)
        except (re.error, OverflowError, RecursionError) as error:
            raise SpecError(
                f"{pointer}/{key}", f"pattern {pattern!r} is not a regular expression Python reads: {error}"
            ) from error
    return pattern


def _finite(value: Any) -> bool:
    """Whether a JSON value holds no infinite or NaN number (JSON's 1e999 reads as infinity)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_finite(item) for item in value)
    if isinstance(value, dict):
        return all(_finite(item) for item in value.values())
    return True


class _SpecReader:
    def __init__(self, document: Any, path: Path) -> None:
        self.document = _object(document, "#", "a Swagger document")
        self.path = path
        # schemas reached through a $ref, by the pointer of their target: one object each, so that every
        # use of a definition is the same schema, and a recursive schema terminates
        self.referenced: dict[str, Schema] = {}

    def read(self) -> Spec:
        if self.document.get("swagger") != "2.0":
            where = "#/swagger" if "swagger" in self.document else "#"
            raise SpecError(where, "only Swagger 2.0 documents are supported (swagger: '2.0')")
        if "x-ms-paths" in self.document:
            raise SpecError("#/x-ms-paths", "x-ms-paths is not supported")
        info = _object(self.document.get("info"), "#/info" if "info" in self.document else "#", "info")
        version = _get(info, "version", "#/info", (str,), "")
        if not version.strip():
            raise SpecError("#/info", "info.version must be a non-empty string")
        schemes = _items(self.document, "schemes", "#", (str,)) if "schemes" in self.document else ["https"]
        if not schemes or any(scheme not in SCHEMES for scheme in schemes):
            raise SpecError("#/schemes", f"schemes must be a non-empty array of {', '.join(SCHEMES)}")
        settings = _get(info, "x-ms-code-generation-settings", "#/info", (dict,), {})
        _name(settings, "name", "#/info/x-ms-code-generation-settings")
        definitions = {name: self.definition(name) for name in _members(self.document, "definitions", "#")}
        _members(self.document, "parameters", "#")
        _members(self.document, "responses", "#")
        return Spec(
            path=self.path,
            title=_text(info, "title", "#/info"),
            description=_text(info, "description", "#/info"),
            version=version,
            host=_get(self.document, "host", "#", (str,), ""),
            schemes=schemes,
            code_generation_settings=settings,
            definitions=definitions,
            operations=self.operations(),
        )

    # -- references --------------------------------------------------------

    def follow(self, node: dict[str, Any], pointer: str) -> tuple[dict[str, Any], str]:
        """Follow `$ref` chains inside this document; return the target and its pointer."""
        seen = set()
        while "$ref" in node:
            ref = _get(node, "$ref", pointer, (str,))
            if not ref.startswith("#/"):
                raise SpecError(pointer, f"external reference {ref!r} is not supported")
            if ref in seen:
                raise SpecError(pointer, f"circular reference {ref!r}")
            seen.add(ref)
            target: Any = self.document
            for token in ref[2:].split("/"):
                token = _unescape_pointer(token)
                if isinstance(target, dict) and token in target:
                    target = target[token]
                elif isinstance(target, list) and token.isdigit() and int(token) < len(target):
                    target = target[int(token)]
                else:
                    raise SpecError(pointer, f"unresolved reference {ref!r}")
            node = _object(target, pointer, f"the target of {ref!r}")
        return node, pointer if not seen else ref

    # -- schemas -----------------------------------------------------------

    def definition(self, name: str) -> Schema:
        pointer = f"#/definitions/{_escape_pointer(name)}"
        return self.schema(self.document["definitions"][name], pointer, definition=True)

    def schema(self, node: Any, pointer: str, definition: bool = False) -> Schema:
        """The schema at `pointer`: a new one for an inline schema, the shared one for a reference's target."""
        node = _object(node, pointer, "a schema")
        if "$ref" in node or definition:
            node, pointer = self.follow(node, pointer)
            if pointer not in self.referenced:
                name = pointer.removeprefix("#/definitions/")
                is_definition = pointer.startswith("#/definitions/") and "/" not in name
                schema = Schema(pointer=pointer, name=_unescape_pointer(name) if is_definition else None)
                # registered before it is filled, so self-references (CloudErrorBody.details) terminate
                self.referenced[pointer] = schema
                self.fill_schema(schema, node)
            return self.referenced[pointer]
        schema = Schema(pointer=pointer)
        self.fill_schema(schema, node)
        return schema

    def fill_schema(self, schema: Schema, node: dict[str, Any]) -> None:
        pointer = schema.pointer
        schema.type = _get(node, "type", pointer, (str,))
        if schema.type is not None and schema.type not in SCHEMA_TYPES:
            raise SpecError(f"{pointer}/type", f"type {schema.type!r} is not a Swagger 2.0 type")
        schema.format = _get(node, "format", pointer, (str,))
        schema.title = _text(node, "title", pointer)
        schema.description = _text(node, "description", pointer)
        schema.required = list(dict.fromkeys(_items(node, "required", pointer, (str,))))
        schema.read_only = _get(node, "readOnly", pointer, (bool,), False)
        schema.nullable = _get(node, "x-nullable", pointer, (bool,))
        schema.azure_resource = _get(node, "x-ms-azure-resource", pointer, (bool,), False)
        schema.external = _get(node, "x-ms-external", pointer, (bool,), False)
        schema.discriminator = _get(node, "discriminator", pointer, (str,))
        if not node.keys().isdisjoint(_CONSTRAINTS):  # most schemas have none: no need to look each up
            constraints: dict[str, Any] = {
                "pattern": _pattern(node, "pattern", pointer),
                "minLength": _count(node, "minLength", pointer),
                "maxLength": _count(node, "maxLength", pointer),
                "minimum": _number(node, "minimum", pointer),
                "maximum": _number(node, "maximum", pointer),
                "minItems": _count(node, "minItems", pointer),
                "maxItems": _count(node, "maxItems", pointer),
            }
            schema.constraints = {key: value for key, value in constraints.items() if value is not None}
        if "default" in node:
            if not _finite(node["default"]):
                raise SpecError(f"{pointer}/default", "default must not hold an infinite number")
            schema.default, schema.has_default = node["default"], True
        if "enum" in node:
            values = _items(node, "enum", pointer, (str, int, float, bool))
            if not values:
                raise SpecError(f"{pointer}/enum", "enum must list at least one value")
            if not _finite(values):
                raise SpecError(f"{pointer}/enum", "enum must not hold an infinite number")
            schema.enum = list(values)
            extension = _get(node, "x-ms-enum", pointer, (dict,), {})
            schema.enum_name = _name(extension, "name", f"{pointer}/x-ms-enum")
            schema.enum_model_as_string = _get(
                extension, "modelAsString", f"{pointer}/x-ms-enum", (bool,), not extension
            )
        for index, parent in enumerate(_items(node, "allOf", pointer)):
            schema.all_of.append(self.schema(parent, f"{pointer}/allOf/{index}"))
        if "items" in node:
            schema.items = self.schema(_get(node, "items", pointer, (dict,)), f"{pointer}/items")
        additional = _get(node, "additionalProperties", pointer, (dict, bool))
        if isinstance(additional, dict):
            schema.additional_properties = self.schema(additional, f"{pointer}/additionalProperties")
        elif additional is True:
            schema.additional_properties = Schema(pointer=f"{pointer}/additionalProperties", type="object")
        for prop_name, prop_node in _members(node, "properties", pointer).items():
            prop_pointer = f"{pointer}/properties/{_escape_pointer(prop_name)}"
            schema.properties[prop_name] = self.schema_property(prop_name, prop_node, prop_pointer, schema.required)

    def schema_property(self, name: str, node: dict[str, Any], pointer: str, required: list[str]) -> SchemaProperty:
        if not name:
            raise SpecError(pointer, "a property needs a non-empty name")
        target = self.schema(node, pointer)
        return SchemaProperty(
            name=name,
            schema=target,
            pointer=pointer,
            # sibling keywords of a $ref describe the property, not the referenced schema
            title=_text(node, "title", pointer) if "$ref" in node else target.title,
            description=_text(node, "description", pointer) if "$ref" in node else target.description,
            required=name in required,
            read_only=_get(node, "readOnly", pointer, (bool,), False),
            client_flatten=_get(node, "x-ms-client-flatten", pointer, (bool,), False),
            client_name=_name(node, "x-ms-client-name", pointer),
            secret=_get(node, "x-ms-secret", pointer, (bool,), False),
        )

    # -- operations --------------------------------------------------------

    def operations(self) -> list[Operation]:
        operations = []
        seen: dict[str, str] = {}
        for path, path_item in _members(self.document, "paths", "#").items():
            path_pointer = f"#/paths/{_escape_pointer(path)}"
            if not path.startswith("/") or any(char in path for char in "?#"):
                raise SpecError(path_pointer, f"path {path!r} must start with '/' and carry no query or fragment")
            shared = _items(path_item, "parameters", path_pointer)
            for method in HTTP_METHODS:
                if method in path_item:
                    pointer = f"{path_pointer}/{method}"
                    operation = self.operation(
                        path, method, _object(path_item[method], pointer, method), shared, pointer
                    )
                    if operation.operation_id in seen:
                        raise SpecError(
                            f"{pointer}/operationId",
                            f"operationId {operation.operation_id!r} is also the operation at {seen[operation.operation_id]}",
                        )
                    seen[operation.operation_id] = pointer
                    operations.append(operation)
        return operations

    def operation(self, path: str, method: str, node: dict[str, Any], shared: list[Any], pointer: str) -> Operation:
        if "operationId" not in node:
            raise SpecError(pointer, "operation has no operationId")
        operation_id = _get(node, "operationId", pointer, (str,))
        if not operation_id.strip():
            raise SpecError(f"{pointer}/operationId", "operationId must not be empty")
        parameters = self.parameters(shared, _items(node, "parameters", pointer), pointer)
        self.check_path_parameters(path, parameters, pointer)
        responses = [
            self.response(status, response, f"{pointer}/responses/{_escape_pointer(status)}")
            for status, response in _members(node, "responses", pointer).items()
        ]
        if not responses:
            raise SpecError(pointer, "operation has no responses")
        examples = {}
        for title, example in _members(node, "x-ms-examples", pointer).items():
            examples[title] = _get(example, "$ref", f"{pointer}/x-ms-examples/{_escape_pointer(title)}", (str,), "")
        long_running_options = _get(node, "x-ms-long-running-operation-options", pointer, (dict,), {})
        options_pointer = f"{pointer}/x-ms-long-running-operation-options"
        final_state_via = _get(long_running_options, "final-state-via", options_pointer, (str,))
        if final_state_via is not None and final_state_via not in FINAL_STATE_VIA:
            raise SpecError(f"{options_pointer}/final-state-via", f"final-state-via must be one of {FINAL_STATE_VIA}")
        pageable = _get(node, "x-ms-pageable", pointer, (dict,))
        if pageable is not None:
            pageable_pointer = f"{pointer}/x-ms-pageable"
            for key in ("nextLinkName", "itemName", "operationName"):
                _get(pageable, key, pageable_pointer, (str, type(None)) if key == "nextLinkName" else (str,))
        return Operation(
            operation_id=operation_id,
            method=method,
            path=path,
            pointer=pointer,
            summary=_text(node, "summary", pointer),
            description=_text(node, "description", pointer),
            parameters=parameters,
            responses=responses,
            long_running=_get(node, "x-ms-long-running-operation", pointer, (bool,), False),
            long_running_options=long_running_options,
            pageable=pageable,
            examples=examples,
            deprecated=_get(node, "deprecated", pointer, (bool,), False),
        )

    @staticmethod
    def check_path_parameters(path: str, parameters: list[Parameter], pointer: str) -> None:
        """Each {name} of the path template must be a path parameter (the generated code fills them all in)."""
        if re.sub(r"\{[^{}/]+\}", "", path).count("{") or re.sub(r"\{[^{}/]+\}", "", path).count("}"):
            raise SpecError(pointer, f"path {path!r} has a brace outside a {{parameter}}")
        in_template = re.findall(r"\{([^{}/]+)\}", path)
        declared = [param.name for param in parameters if param.location == "path"]
        missing = sorted(set(in_template) - set(declared))
        if missing:
            raise SpecError(pointer, f"path parameters {missing} of {path!r} are not declared")

    def response(self, status: str, node: dict[str, Any], pointer: str) -> Response:
        if status != "default" and not _STATUS.match(status):
            raise SpecError(pointer, f"response status {status!r} is not 'default' or an HTTP status code")
        node, pointer = self.follow(node, pointer)
        schema = self.schema(node["schema"], f"{pointer}/schema") if "schema" in node else None
        return Response(status=status, description=_text(node, "description", pointer), schema=schema)

    def parameters(self, shared: list[Any], own: list[Any], pointer: str) -> list[Parameter]:
        # operation-level parameters override path-level ones with the same name and location
        merged: dict[tuple[str, str], Parameter] = {}
        for origin, nodes in ((pointer.rsplit("/", 1)[0], shared), (pointer, own)):
            level: dict[tuple[str, str], str] = {}
            for index, node in enumerate(nodes):
                parameter = self.parameter(node, f"{origin}/parameters/{index}")
                key = (parameter.name, parameter.location)
                if key in level:
                    raise SpecError(
                        f"{origin}/parameters/{index}",
                        f"{parameter.location} parameter {parameter.name!r} is declared twice",
                    )
                level[key] = parameter.pointer
                merged[key] = parameter
        bodies = [parameter for parameter in merged.values() if parameter.location == "body"]
        if len(bodies) > 1:
            raise SpecError(pointer, f"operation has {len(bodies)} body parameters")
        return list(merged.values())

    def parameter(self, node: dict[str, Any], pointer: str) -> Parameter:
        # parameters shared under #/parameters are method-level only when they say so
        shared = "$ref" in node
        node, pointer = self.follow(node, pointer)
        location = node.get("in")
        if location not in PARAMETER_LOCATIONS:
            raise SpecError(pointer, f"parameter location {location!r} is not supported")
        name = _get(node, "name", pointer, (str,), "")
        if not name.strip():
            raise SpecError(pointer, "a parameter needs a non-empty name")
        if location == "body":
            schema = self.schema(node.get("schema", {}), f"{pointer}/schema")
        else:
            if node.get("type") in (None, "object") or "$ref" in node:
                raise SpecError(pointer, f"a {location} parameter needs a type other than object")
            schema = Schema(pointer=pointer)
            self.fill_schema(
                schema,
                {key: value for key, value in node.items() if key not in ("name", "in", "required", "description")},
            )
        required = _get(node, "required", pointer, (bool,), location == "path")
        if location == "path" and not required:
            raise SpecError(pointer, "a path parameter must be required")
        parameter_location = _get(node, "x-ms-parameter-location", pointer, (str,), "client" if shared else "method")
        if parameter_location not in ("client", "method"):
            raise SpecError(f"{pointer}/x-ms-parameter-location", "x-ms-parameter-location must be client or method")
        grouping = _get(node, "x-ms-parameter-grouping", pointer, (dict,))
        if grouping is not None:
            _name(grouping, "name", f"{pointer}/x-ms-parameter-grouping")
            _name(grouping, "postfix", f"{pointer}/x-ms-parameter-grouping")
        return Parameter(
            name=name,
            location=location,
            pointer=pointer,
            schema=schema,
            description=_text(node, "description", pointer),
            required=required,
            client_name=_name(node, "x-ms-client-name", pointer),
            parameter_location=parameter_location,
            grouping=grouping,
            client_flatten=_get(node, "x-ms-client-flatten", pointer, (bool,), False),
        )
