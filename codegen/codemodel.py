"""Stage 2: turn the OpenAPI objects into the Python code model the templates render.

Every decision about the generated Python (names, types, signatures, which models
exist, how an operation polls or pages) is made here; templates only lay it out.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from . import loader
from .loader import SpecError
from .names import class_name, enum_member_name, member_name, pascal_case, snake_case

# msrest type names for (type, format); string formats not listed stay "str"
_PRIMITIVES = {
    ("string", None): ("str", "str"),
    ("string", "date-time"): ("iso-8601", "datetime.datetime"),
    ("string", "date-time-rfc1123"): ("rfc-1123", "datetime.datetime"),
    ("string", "date"): ("date", "datetime.date"),
    ("string", "duration"): ("duration", "datetime.timedelta"),
    ("string", "byte"): ("bytearray", "bytes"),
    ("string", "base64url"): ("base64", "bytes"),
    ("string", "unixtime"): ("unix-time", "datetime.datetime"),
    ("integer", "unixtime"): ("unix-time", "datetime.datetime"),
    ("integer", None): ("int", "int"),
    ("number", None): ("float", "float"),
    # AutoRest reads a "number" with an integer format as an integer; so do we
    ("number", "int32"): ("int", "int"),
    ("number", "int64"): ("int", "int"),
    ("boolean", None): ("bool", "bool"),
    ("file", None): ("IO", "IO[bytes]"),
}
_ERROR_STATUS_EXCEPTIONS = {
    401: "ClientAuthenticationError",
    404: "ResourceNotFoundError",
    409: "ResourceExistsError",
    304: "ResourceNotModifiedError",
}
_VALIDATION_KEYS = {
    "pattern": "pattern",
    "minLength": "min_length",
    "maxLength": "max_length",
    "minimum": "minimum",
    "maximum": "maximum",
    "minItems": "min_items",
    "maxItems": "max_items",
}
# How the generated code converts a value of an msrest type (see the runtime module, _wire.py): JSON
# scalars, date-times and durations have fast paths of their own; any other msrest type is a "leaf",
# converted value by value by msrest itself.
_SCALAR_KINDS = {
    "str": "str",
    "int": "int",
    "float": "float",
    "bool": "bool",
    "iso-8601": "datetime",
    "duration": "duration",
}
# The constraints the generated code checks itself, per kind; msrest checks any other combination.
_INLINE_RULES = {
    "str": {"pattern", "min_length", "max_length"},
    "int": {"minimum", "maximum"},
    "float": {"minimum", "maximum"},
    "list": {"min_items", "max_items"},
}
# Names the generated methods use for their own locals and helpers: a flattened group's variable avoids them.
_GENERATED_NAMES = {"cls", "data", "errors", "item", "keep_readonly", "obj", "self", "value", "wire"}
# Names the generated code gives a meaning of its own, where a name from the spec would hide or rebind it.
# A parameter so named gets "_parameter" added, a property "_property"; a model or an enum "Model"; an
# operation group "_operations", an operation "_method". tests/codegen/test_codegen_reserved_names.py
# reads the generated code for the names it uses, so these lists stay complete when the templates change.
# - the locals, helpers, builtins and keyword arguments of operation methods and request builders:
_OPERATION_NAMES = frozenset(
    {
        "accept",
        "api_version",
        "body_content",
        "body_json",
        "bool",
        "bytes",
        "case_insensitive_dict",
        "check_path_segment",
        "cls",
        "content_type",
        "continuation_token",
        "deserialized",
        "dict",
        "distributed_trace",
        "distributed_trace_async",
        "error_map",
        "extract_data",
        "float",
        "get_long_running_output",
        "get_next",
        "headers",
        "initial_response",
        "int",
        "isinstance",
        "items",
        "iter",
        "key",
        "kwargs",
        "len",
        "list",
        "map_error",
        "next_link",
        "next_page",
        "pages",
        "page_items",
        "params",
        "parsed",
        "path_arguments",
        "pipeline_response",
        "polling",
        "polling_interval",
        "polling_method",
        "prepare_request",
        "read_response",
        "request",
        "response",
        "self",
        "str",
        "type",
        "url",
        "urllib",
        "value",
        "values",
        "write_body",
    }
)
_BUILDER = re.compile(r"^build_\w+_request$")
# - the client's and its configuration's constructors (client-level parameters are theirs too):
_CLIENT_NAMES = frozenset(
    {
        "aio_transport",
        "allow_http",
        "api_version",
        "authentication_policy",
        "base_url",
        "bool",
        "check_path_segment",
        "client_models",
        "credential",
        "credential_scopes",
        "custom_hook_policy",
        "deepcopy",
        "endpoint_policy",
        "exc_details",
        "float",
        "headers_policy",
        "http_logging_policy",
        "isinstance",
        "kwargs",
        "list",
        "logging_policy",
        "name",
        "policies",
        "polling_interval",
        "proxy_policy",
        "redirect_policy",
        "request_copy",
        "response_format_policy",
        "retry_policy",
        "sdk_moniker",
        "secret_scrubbing_policy",
        "self",
        "str",
        "super",
        "transport",
        "trusted_hosts",
        "type",
        "user_agent_policy",
        "value",
    }
)
# - a model's constructor (the types of its attributes' annotations among them):
_MODEL_INIT_NAMES = frozenset(
    {"bool", "bytes", "datetime", "dict", "float", "int", "kwargs", "list", "self", "str", "super"}
)
# - what the models modules import for themselves:
_MODELS_MODULE_NAMES = frozenset(
    {"Any", "CaseInsensitiveEnumMeta", "Enum", "TYPE_CHECKING", "Unexpected", "ValidationError", "WireModel"}
)
# - what the client modules import (a client class must not be named so):
_CLIENT_MODULE_NAMES = frozenset(
    {
        "ARMAutoResourceProviderRegistrationPolicy",
        "ARMChallengeAuthenticationPolicy",
        "ARMHttpLoggingPolicy",
        "ARMPipelineClient",
        "ARMRetryPolicy",
        "Any",
        "AsyncARMAutoResourceProviderRegistrationPolicy",
        "AsyncARMChallengeAuthenticationPolicy",
        "AsyncARMPipelineClient",
        "AsyncARMRetryPolicy",
        "AsyncHttpResponse",
        "AsyncTokenCredential",
        "Awaitable",
        "ContentDecodePolicy",
        "EndpointPolicy",
        "HttpRequest",
        "HttpResponse",
        "ReadTimeoutPolicy",
        "RedactingNetworkTraceLoggingPolicy",
        "RequestSerializer",
        "ResponseDeserializer",
        "ResponseFormatPolicy",
        "SECRET_FIELDS",
        "SecretScrubbingPolicy",
        "TYPE_CHECKING",
        "TokenCredential",
        "VERSION",
        "aio_transport",
    }
)
# - the members of a client (a version's, and the root client serving every version) and of an operation group:
_CLIENT_MEMBERS = frozenset({"api_version", "close", "models", "send_request"})
_OPERATION_GROUP_MEMBERS = frozenset({"models"})


@dataclass(eq=False, repr=False)
class PythonType:
    """How one value is (de)serialized by msrest and annotated in Python."""

    serialization: str  # msrest type string: "str", "iso-8601", "[Job]", "{str}", "Job"
    annotation: str  # annotation inside the models module, e.g. "List[_models.Job]"
    model: ModelType | None = None
    enum: EnumType | None = None
    element: PythonType | None = None  # an array's item type, or a dictionary's value type

    @cached_property
    def kind(self) -> str:
        """How the generated code reads and writes it: "list", "dict", "model", a scalar kind or "leaf"."""
        if self.serialization.startswith("["):
            return "list"
        if self.serialization.startswith("{"):
            return "dict"
        if self.model is not None:
            return "model"
        return _SCALAR_KINDS.get(self.serialization, "leaf")

    @property
    def nesting(self) -> str:
        """The containers this type nests, outer first: "[" for a list of values, "{[" for a dict of lists..."""
        if self.element is None or self.kind not in ("list", "dict"):
            return ""
        return ("[" if self.kind == "list" else "{") + self.element.nesting

    @property
    def reader(self) -> str:
        """The runtime function that reads a wire value of this type (a model reads itself instead)."""
        return "" if self.kind == "model" else "read_" + self.kind

    @property
    def writer(self) -> str:
        """The runtime function that writes a value of this type to the wire."""
        if self.kind == "list" and self.element is not None and self.element.kind == "model":
            return "write_models"
        return "write_" + self.kind

    @property
    def checker(self) -> str:
        """The runtime function that hands over a value for validation, once its type is what msrest expects."""
        return "check_" + (
            self.kind if self.kind in ("str", "int", "float", "bool", "model", "list", "dict") else "leaf"
        )

    @property
    def item_checker(self) -> str:
        """For a list or dict: the runtime function that validates its items."""
        if self.element is None:
            return ""
        return "check_models" if self.element.kind == "model" else "check_items"

    @cached_property
    def helpers(self) -> set[str]:
        """Every runtime function the generated code calls for a property of this type."""
        found = {self.writer, self.checker, self.reader, self.item_checker}
        if self.element is not None:
            found |= self.element.item_helpers(written_by_container=self.writer == "write_models")
        return found - {""}

    @property
    def reads_inline(self) -> bool:
        """Whether `_from_wire` reads a value of this type inline: a JSON scalar of the usual Python type is
        kept as it is, and only any other value goes to the runtime's reader (which converts it as msrest does)."""
        return self.kind in ("str", "int", "float", "bool")

    @cached_property
    def item_reader(self) -> str:
        """A function (an expression of the models module) that reads one item of this type, of a list or a dict."""
        if self.model is not None and self.kind == "model":
            return f"{self.model.name}._from_wire"
        if self.kind in ("list", "dict") and self.element is not None:
            return f"lambda item: {self.reader}(item, {self.element.item_reader})"
        if self.kind == "leaf":
            return f'lambda item: read_leaf(item, "{self.serialization}")'
        return self.reader

    @cached_property
    def item_writer(self) -> str:
        """A function (an expression of the models module) that writes one item of this type, of a list or a dict."""
        if self.model is not None and self.kind == "model":
            return f"lambda item: write_model(item, {self.model.name}, keep_readonly)"
        if self.kind in ("list", "dict") and self.element is not None:
            if self.writer == "write_models" and self.element.model is not None:
                return f"lambda item: write_models(item, {self.element.model.name}, keep_readonly)"
            return f"lambda item: {self.writer}(item, {self.element.item_writer})"
        if self.kind == "leaf":
            return f'lambda item: write_leaf(item, "{self.serialization}")'
        return self.writer

    def item_helpers(self, written_by_container: bool) -> set[str]:
        """The runtime functions that read and write this type as the item of a list or dict."""
        found = {self.reader} | (set() if written_by_container else {self.writer})
        if self.element is not None:
            found |= self.element.item_helpers(written_by_container=self.writer == "write_models")
        return found - {""}


@dataclass(eq=False, repr=False)
class EnumValue:
    """One member of an enum: its Python name, its wire value and the spec's description."""

    name: str
    value: str
    description: str = ""


@dataclass(eq=False, repr=False)
class EnumType:
    """An enum of the spec (x-ms-enum), as a str enum of the models."""

    name: str
    description: str
    values: list[EnumValue]
    model_as_string: bool


@dataclass(eq=False, repr=False)
class Property:
    """One attribute of a model: its Python name, its wire key and type, and what the spec says of it."""

    name: str  # Python attribute name
    wire_key: str  # msrest attribute_map key, dotted for flattened properties
    type: PythonType
    description: str
    required: bool = False
    read_only: bool = False
    constant: Any = None
    is_constant: bool = False
    default: Any = None
    has_client_default: bool = False
    server_default: Any = None
    validation: dict[str, Any] = field(default_factory=dict)
    inherited: bool = False
    secret: bool = False

    @property
    def in_init(self) -> bool:
        return not self.read_only and not self.is_constant

    @property
    def attribute_map_entry(self) -> dict[str, str]:
        """The property's entry of msrest's `_attribute_map`."""
        return {"key": self.wire_key, "type": self.type.serialization}

    @cached_property
    def doc(self) -> str:
        """What the docstrings say of the property: the spec's description, then its constant value, the
        service's and the client's defaults, and whether it is required."""
        parts = [self.description.rstrip(".") + "." if self.description else ""]
        if self.is_constant:
            parts.append(f"Constant value {self.constant!r}.")
        if self.server_default is not None:
            parts.append(f"The service uses {self.server_default!r} when this is not set.")
        if self.has_client_default:
            parts.append(f"Default value {self.default!r}.")
        if self.required and not self.read_only:
            parts.append("Required.")
        return " ".join(part for part in parts if part)

    @cached_property
    def wire_path(self) -> list[str]:
        """The keys leading to the value in the wire JSON: one, or more for a flattened property."""
        return _unescaped_segments(self.wire_key)

    @property
    def rules(self) -> list[tuple[str, Any]]:
        """The spec's constraints msrest checks before sending, in msrest's order; none for read-only values."""
        return [] if self.read_only else list(self.validation.items())

    @property
    def inline_rules(self) -> bool:
        """Whether the generated code checks the constraints itself (else msrest checks this value)."""
        return all(rule in _INLINE_RULES.get(self.type.kind, ()) for rule, _ in self.rules)

    @property
    def required_check(self) -> bool:
        """msrest's "required": set and sent (a read-only value is never sent)."""
        return self.required and not self.read_only

    @property
    def checks_value(self) -> bool:
        """Whether `_check` keeps the value in a local: to check more than its type, or the items in it."""
        return bool(self.required_check or self.rules or self.type.item_checker)

    @property
    def is_group(self) -> bool:
        return False

    @property
    def validation_entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {}
        if self.required and not self.read_only:
            entry["required"] = True
        if self.read_only:
            entry["readonly"] = True
        if self.is_constant:
            entry["constant"] = True
        entry.update(self.validation)
        return entry


@dataclass(eq=False, repr=False)
class WireGroup:
    """A JSON object inside a model's wire form that holds flattened properties (x-ms-client-flatten)."""

    key: str  # its key in the enclosing object
    variable: str  # the local that holds it in the generated code
    parent: str  # the local of the enclosing object
    members: list[Property | WireGroup] = field(default_factory=list)

    @property
    def is_group(self) -> bool:
        return True


@dataclass(eq=False, repr=False)
class ModelType:
    """A model class: a definition of the spec (or a parameter group), with its properties in attribute order."""

    name: str
    description: str
    pointer: str
    properties: list[Property] = field(default_factory=list)
    base: ModelType | None = None
    is_parameter_group: bool = False
    flattened_away: bool = False

    @property
    def own_properties(self) -> list[Property]:
        return [prop for prop in self.properties if not prop.inherited]

    @cached_property
    def init_properties(self) -> list[Property]:
        # required first, so the signature reads as the spec's "must give" list
        settable = [prop for prop in self.properties if prop.in_init]
        return [prop for prop in settable if prop.required] + [prop for prop in settable if not prop.required]

    @property
    def secret_names(self) -> list[str]:
        return [prop.name for prop in self.properties if prop.secret]

    @property
    def base_init_names(self) -> list[str]:
        """The keyword parameters `__init__` passes on to the base class's: the inherited ones."""
        return [prop.name for prop in self.init_properties if prop.inherited]

    @property
    def validated_properties(self) -> list[Property]:
        """The properties msrest's `_validation` has an entry for."""
        return [prop for prop in self.properties if prop.validation_entry]

    @property
    def checks_values(self) -> bool:
        """Whether `_check` keeps a value in a local (see `Property.checks_value`)."""
        return any(prop.checks_value for prop in self.properties)

    @property
    def has_required(self) -> bool:
        return any(prop.required and prop.in_init for prop in self.properties)

    @property
    def wire_keys(self) -> list[str]:
        """The top-level keys of the wire form; msrest keeps any other key in `additional_properties`."""
        return sorted({prop.wire_path[0] for prop in self.properties})

    @cached_property
    def wire_members(self) -> list[Property | WireGroup]:
        """The properties in wire order, flattened ones inside the group of their enclosing JSON object.

        msrest writes a flattened property into an object that it creates when it meets the first
        one; the generated code builds each object at once, which is the same wire JSON as long as
        the properties of one object come one after another. A model where they do not is refused.
        Worked out once, when first asked: by then the model is complete.
        """
        root = WireGroup(key="", variable="data", parent="")
        closed: set[tuple[str, ...]] = set()
        open_path: tuple[str, ...] = ()
        for prop in self.properties:
            path = tuple(prop.wire_path[:-1])
            shared = 0
            while shared < min(len(path), len(open_path)) and path[shared] == open_path[shared]:
                shared += 1
            closed.update(open_path[:depth] for depth in range(shared + 1, len(open_path) + 1))
            for depth in range(shared + 1, len(path) + 1):
                if path[:depth] in closed:
                    raise SpecError(
                        self.pointer, f"the properties flattened into {'.'.join(path[:depth])!r} are not adjacent"
                    )
            open_path = path
            group = root
            for depth, key in enumerate(path, start=1):
                found = next((member for member in group.members if _wire_key_of(member) == key), None)
                if found is None:
                    found = WireGroup(key=key, variable=_group_variable(path[:depth]), parent=group.variable)
                    group.members.append(found)
                elif not isinstance(found, WireGroup):
                    raise SpecError(self.pointer, f"{found.wire_key!r} is both a property and a flattened object")
                group = found
            if any(_wire_key_of(member) == prop.wire_path[-1] for member in group.members):
                raise SpecError(self.pointer, f"two properties are sent as {prop.wire_key!r}")
            group.members.append(prop)
        return root.members

    @cached_property
    def wire_groups(self) -> list[WireGroup]:
        """Every flattened group, outer ones first."""
        found: list[WireGroup] = []
        pending = [member for member in self.wire_members if isinstance(member, WireGroup)]
        while pending:
            group = pending.pop(0)
            found.append(group)
            pending.extend(member for member in group.members if isinstance(member, WireGroup))
        return found

    @cached_property
    def reads_may_fall_back(self) -> bool:
        """Whether reading can meet a value that sends the whole model to msrest: a non-object under a
        flattened key, or a non-array or non-object where a list or a dict belongs."""
        return bool(self.wire_groups) or any(prop.type.kind in ("list", "dict") for prop in self.properties)

    @cached_property
    def wire_sources(self) -> list[tuple[Property, str]]:
        """Each property in attribute order with the local of the JSON object it is read from."""
        sources: dict[int, str] = {}

        def visit(members: list[Property | WireGroup], variable: str) -> None:
            for member in members:
                if isinstance(member, WireGroup):
                    visit(member.members, member.variable)
                else:
                    sources[id(member)] = variable

        visit(self.wire_members, "data")
        return [(prop, sources[id(prop)]) for prop in self.properties]


@dataclass(eq=False, repr=False)
class Parameter:
    """One parameter of an operation (or of the client): where it goes on the request, and its type."""

    name: str  # Python name
    wire_name: str
    location: str  # path, query, header, body
    type: PythonType
    description: str
    required: bool
    client_level: bool = False
    default: Any = None
    validation: dict[str, Any] = field(default_factory=dict)
    group: ParameterGroup | None = None
    # set for client-level constants such as api-version
    constant: str | None = None

    @property
    def inline_rules(self) -> bool:
        """Whether the request builder checks and quotes the value itself; else msrest does, for any other type."""
        return self.type.kind in ("str", "int") and all(
            rule in _INLINE_RULES[self.type.kind] for rule in self.validation
        )

    @property
    def signature_annotation(self) -> str:
        """The method signature's annotation: a body may also be given as raw bytes or a stream."""
        annotation = f"{self.type.annotation} | IO[bytes]" if self.location == "body" else self.type.annotation
        return annotation if self.required else annotation + " | None"


@dataclass(eq=False, repr=False)
class ParameterGroup:
    """Parameters an operation takes as one model (x-ms-parameter-grouping)."""

    name: str  # Python parameter name, e.g. jobs_list_options
    model: ModelType
    required: bool
    members: list[Parameter] = field(default_factory=list)

    @property
    def signature_annotation(self) -> str:
        return f"_models.{self.model.name}" + ("" if self.required else " | None")

    @property
    def description(self) -> str:
        return f"Groups the parameters {', '.join(member.name for member in self.members)}."


@dataclass(eq=False, repr=False)
class Response:
    """The status codes an operation answers with one body type (None: no body)."""

    status_codes: list[int]
    type: PythonType | None


@dataclass(eq=False, repr=False)
class Operation:
    """One method of an operation group: its request, its responses, and paging or polling if any."""

    name: str  # Python method name (begin_create, list_output_files)
    operation_id: str
    http_method: str
    url: str
    description: str
    parameters: list[Parameter]  # every parameter sent on the wire, in spec order
    groups: list[ParameterGroup]
    body: Parameter | None
    responses: list[Response]
    error_type: PythonType | None
    long_running: bool = False
    final_state_via: str | None = None
    paging_item_type: PythonType | None = None
    paging_item_name: str = "value"
    paging_next_link_name: str | None = None
    pointer: str = ""

    @property
    def is_paging(self) -> bool:
        return self.paging_item_type is not None

    @property
    def initial_name(self) -> str:
        return "_" + self.name.removeprefix("begin_") + "_initial"

    @property
    def request_builder_name(self) -> str:
        return "build_" + self.name.removeprefix("begin_") + "_request"

    @property
    def path_parameters(self) -> list[Parameter]:
        """The parameters sent in the URL's path, in spec order."""
        return [param for param in self.parameters if param.location == "path"]

    @property
    def method_parameters(self) -> list[Parameter]:
        return [param for param in self.parameters if not param.client_level and param.group is None]

    @property
    def positional(self) -> list[Parameter | ParameterGroup]:
        """Required parameters and parameter groups, in the order the method takes them."""
        ordered: list[Parameter | ParameterGroup] = [
            p for p in self.method_parameters if p.required and p.location != "body"
        ]
        if self.body is not None and self.body.required:
            ordered.append(self.body)
        ordered.extend(group for group in self.groups if group.required)
        ordered.extend(group for group in self.groups if not group.required)
        if self.body is not None and not self.body.required:
            ordered.append(self.body)
        return ordered

    @property
    def request_parameters(self) -> tuple[list[Parameter], list[Parameter]]:
        """The request builder's (required, optional) parameters: all but the body and api-version."""
        sent = [param for param in self.parameters if param.location != "body" and param.constant is None]
        return [param for param in sent if param.required], [param for param in sent if not param.required]

    @property
    def keyword_only(self) -> list[Parameter]:
        return [p for p in self.method_parameters if not p.required and p.location != "body"]

    @property
    def success_status_codes(self) -> list[int]:
        codes = {code for response in self.responses for code in response.status_codes}
        if self.long_running:
            # ARM's asynchronous-operation protocol lets a service start a PUT or PATCH with 201 and
            # finish a DELETE or POST at once with 204, whether or not the spec lists those codes
            codes |= {201} if self.http_method in ("PUT", "PATCH") else {204}
        return sorted(codes)

    @property
    def result_type(self) -> PythonType | None:
        typed = [response.type for response in self.responses if response.type is not None]
        return typed[0] if typed else None

    @property
    def final_result_type(self) -> PythonType | None:
        """An LRO's result: the schema of its 200/201 response (202 carries none)."""
        for response in self.responses:
            if response.type is not None and any(code in (200, 201) for code in response.status_codes):
                return response.type
        return None

    @property
    def error_map(self) -> dict[int, str]:
        return _ERROR_STATUS_EXCEPTIONS


@dataclass(eq=False, repr=False)
class OperationGroup:
    """A class of operations, an attribute of the client: those whose operationIds share a prefix (Jobs_)."""

    attribute_name: str
    class_name: str
    name: str  # the operationId prefix
    operations: list[Operation]
    module_name: str
    is_mixin: bool = False

    @property
    def sends_bodies(self) -> bool:
        return any(operation.body is not None for operation in self.operations)

    @property
    def has_long_running(self) -> bool:
        return any(operation.long_running for operation in self.operations)

    @property
    def has_paging(self) -> bool:
        return any(operation.is_paging for operation in self.operations)

    @property
    def follows_next_links(self) -> bool:
        """Whether a paging operation follows nextLinks (and keeps a PageTrail of the pages it read)."""
        return any(operation.is_paging and operation.paging_next_link_name for operation in self.operations)

    @property
    def has_path_parameters(self) -> bool:
        """Whether a request builder puts a value in the URL's path (and checks that it stays one segment)."""
        return any(operation.path_parameters for operation in self.operations)

    @property
    def has_plain(self) -> bool:
        """Whether an operation is not paging: traced with the decorator of its kind (sync or async)."""
        return any(not operation.is_paging for operation in self.operations)

    @property
    def wire_helpers(self) -> list[str]:
        """The runtime functions the group's operations use to send and read models."""
        found = set()
        for operation in self.operations:
            if operation.body is not None and operation.body.type.kind == "model":
                found.add("write_body")
            result = operation.final_result_type if operation.long_running else operation.result_type
            if result is not None and result.kind == "model":
                found.add("read_response")
            if operation.is_paging:
                found.add("page_items")
                if operation.paging_next_link_name:
                    found.add("next_page")
        return sorted(found)

    @property
    def patterns(self) -> dict[str, str]:
        """The module constant of each pattern that request builders check: pattern -> name."""
        return _pattern_names(
            (param.name, param.validation["pattern"])
            for operation in self.operations
            for param in operation.parameters
            if param.constant is None and param.inline_rules and "pattern" in param.validation
        )


@dataclass(eq=False, repr=False)
class Client:
    """The service client of one API version: its parameters and its operation groups."""

    name: str
    description: str
    api_version: str
    parameters: list[Parameter]  # client-level, e.g. subscription_id
    operation_groups: list[OperationGroup]
    default_host: str
    credential_scope_suffix: str = "/.default"

    @property
    def mixin(self) -> OperationGroup | None:
        return next((group for group in self.operation_groups if group.is_mixin), None)

    @property
    def attribute_groups(self) -> list[OperationGroup]:
        return [group for group in self.operation_groups if not group.is_mixin]


@dataclass(eq=False, repr=False)
class CodeModel:
    """Everything the templates lay out for one API version: client, operation groups, models and enums."""

    package: str  # the import name of this API version's package, e.g. batchai.v2018_03_01
    sdk_moniker: str
    api_version: str
    client: Client
    models: list[ModelType]
    enums: list[EnumType]
    operation_groups: list[OperationGroup]

    @property
    def wire_helpers(self) -> list[str]:
        """The runtime functions and classes that the models module imports."""
        found = {"WireModel", "new_instance", "read_extra", "read_with_msrest"}
        if any(
            prop.inline_rules and (prop.required_check or prop.rules)
            for model in self.models
            for prop in model.properties
        ):
            found.add("invalid")
        for model in self.models:
            for prop in model.properties:
                found |= prop.type.helpers
                if not prop.inline_rules:
                    found.add("check_rules")
            if model.wire_groups:
                found.add("read_flattened")
            if model.reads_may_fall_back:
                found.add("Unexpected")
        return sorted(found)

    @cached_property
    def model_annotations(self) -> str:
        """Every annotation of a model property, for what the models module imports."""
        return " ".join(prop.type.annotation for model in self.models for prop in model.properties)

    @property
    def models_use_datetime(self) -> bool:
        return "datetime." in self.model_annotations

    @property
    def models_refer_to_models(self) -> bool:
        """Whether a model's annotation names another model (`_models.Job`): imported for type checkers only."""
        return "_models." in self.model_annotations

    @property
    def patterns(self) -> dict[str, str]:
        """The module constant of each pattern that model properties must match: pattern -> name."""
        return _pattern_names(
            (prop.name, rule_value)
            for model in self.models
            for prop in model.properties
            if prop.inline_rules
            for rule, rule_value in prop.rules
            if rule == "pattern"
        )

    @property
    def secret_fields(self) -> list[tuple[str | None, str]]:
        """(parent key, key) pairs that hold secrets in a JSON body, for redacting logged bodies.

        A pair and not a bare key, because a secret's own key can be common (a secret
        environment variable's "value"): it is a secret only under the keys that hold its model.
        """
        holders: dict[str, set[str | None]] = {}
        for model in self.models:
            for prop in model.properties:
                if prop.type.model is not None:
                    holders.setdefault(prop.type.model.name, set()).add(_unescaped_segments(prop.wire_key)[-1])
        for group in self.operation_groups:  # a request's or an answer's own model: its keys are the body's
            for operation in group.operations:
                for top in (operation.body.type if operation.body else None, *(r.type for r in operation.responses)):
                    if top is not None and top.model is not None:
                        holders.setdefault(top.model.name, set()).add(None)
        pairs: set[tuple[str | None, str]] = set()
        for model in self.models:
            for prop in model.properties:
                if not prop.secret:
                    continue
                segments = _unescaped_segments(prop.wire_key)
                parents: set[str | None] = {segments[-2]} if len(segments) > 1 else holders.get(model.name, set())
                pairs.update((parent, segments[-1]) for parent in parents)
        return sorted(pairs, key=lambda pair: (pair[0] or "", pair[1]))


@dataclass
class Settings:
    """What the configuration file says about a package, beyond the spec."""

    package: str
    sdk_moniker: str
    client_name: str | None = None
    # "Definition.property" names of secrets the spec does not mark with x-ms-secret
    secret_properties: frozenset[str] = frozenset()


def build_code_model(spec: loader.Spec, settings: Settings) -> CodeModel:
    return _Builder(spec, settings).build()


class _Builder:
    def __init__(self, spec: loader.Spec, settings: Settings) -> None:
        self.spec = spec
        self.settings = settings
        self.models: dict[int, ModelType] = {}  # keyed by id() of the loader schema
        self.model_names: dict[str, ModelType] = {}
        self.enums: dict[str, EnumType] = {}
        self.referenced: set[int] = set()
        self.parameter_groups: dict[str, ParameterGroup] = {}
        # A model is made in two steps: `model_for` makes it and its bases, `fill` adds the properties once
        # every model it needs exists; so a base's properties are complete when a subclass copies them.
        self.unfilled: dict[int, tuple[ModelType, loader.Schema]] = {}  # models without properties yet, by id()
        self.filling: set[int] = set()  # models whose properties are being made
        self.ancestry: set[int] = set()  # schemas whose allOf parents are being resolved
        self.containers: set[int] = set()  # array and map schemas whose item types are being resolved
        self.client_name = self.make_client_name()

    def make_client_name(self) -> str:
        """The client class: sdk.toml's name, else x-ms-code-generation-settings' name, else from the title."""
        if self.settings.client_name:
            name, pointer = self.settings.client_name, "sdk.toml#/package"
        elif self.spec.code_generation_settings.get("name"):
            name, pointer = self.spec.code_generation_settings["name"], "#/info/x-ms-code-generation-settings/name"
        else:
            name, pointer = pascal_case(self.spec.title), "#/info"
        if not _is_class_name(name) or name in _CLIENT_MODULE_NAMES:
            raise SpecError(pointer, f"the client class name {name!r} is not a Python class name this package can use")
        return name

    def build(self) -> CodeModel:
        for schema in self.spec.definitions.values():
            # x-ms-external types live in a library (ARM's CloudError in azure-mgmt-core): generated
            # only if a generated model or a successful response uses them
            if self.is_model_schema(schema) and not schema.external:
                self.model_for(schema, schema.name or "")
        self.fill_all()
        groups = self.operation_groups()
        client = Client(
            name=self.client_name,
            description=self.spec.description or self.spec.title,
            api_version=self.spec.version,
            parameters=self.client_parameters(),
            operation_groups=groups,
            default_host=f"{self.spec.schemes[0]}://{self.spec.host}",
        )
        self.fill_all()
        models = [
            model for model in self.models.values() if not (model.flattened_away and id(model) not in self.referenced)
        ]
        models += [group.model for group in self.parameter_groups.values()]
        return CodeModel(
            package=self.settings.package,
            sdk_moniker=self.settings.sdk_moniker,
            api_version=self.spec.version,
            client=client,
            models=_bases_first(sorted(models, key=lambda model: model.name)),
            enums=sorted(self.enums.values(), key=lambda enum: enum.name),
            operation_groups=groups,
        )

    # -- types -------------------------------------------------------------

    @staticmethod
    def is_model_schema(schema: loader.Schema) -> bool:
        if schema.enum is not None:
            return False
        return bool(schema.properties or schema.all_of)

    def type_for(self, schema: loader.Schema, name_hint: str) -> PythonType:
        if schema.enum is not None:
            return self.enum_type(schema, name_hint)
        if self.is_model_schema(schema):
            model = self.model_for(schema, name_hint)
            return PythonType(model.name, f"_models.{model.name}", model=model)
        if schema.type == "array" or schema.additional_properties is not None:
            if id(schema) in self.containers:
                # a model breaks such a cycle (its type is its name); an array of itself has no msrest type
                raise SpecError(schema.pointer, "the schema contains itself, not through a model: it has no type")
            self.containers.add(id(schema))
            try:
                return self.container_type(schema, name_hint)
            finally:
                self.containers.discard(id(schema))
        if schema.type in (None, "object"):
            return PythonType("object", "Any")
        key = (schema.type, schema.format if (schema.type, schema.format) in _PRIMITIVES else None)
        if key not in _PRIMITIVES:
            raise SpecError(schema.pointer, f"type {schema.type!r} is not supported")
        serialization, annotation = _PRIMITIVES[key]
        return PythonType(serialization, annotation)

    def container_type(self, schema: loader.Schema, name_hint: str) -> PythonType:
        if schema.type == "array":
            if schema.items is None:
                raise SpecError(schema.pointer, "array without items")
            item = self.type_for(schema.items, name_hint + "Item")
            return PythonType(
                f"[{item.serialization}]", f"list[{item.annotation}]", model=item.model, enum=item.enum, element=item
            )
        assert schema.additional_properties is not None
        value = self.type_for(schema.additional_properties, name_hint + "Value")
        return PythonType(
            f"{{{value.serialization}}}",
            f"dict[str, {value.annotation}]",
            model=value.model,
            enum=value.enum,
            element=value,
        )

    def enum_type(self, schema: loader.Schema, name_hint: str) -> PythonType:
        assert schema.enum is not None
        name = self.class_name_for(schema.enum_name or schema.name or name_hint, schema.pointer, "enum")
        if name in self.model_names or name in self.parameter_groups:
            raise SpecError(schema.pointer, f"enum {name!r} would have the name of a model")
        values = list(dict.fromkeys(str(value) for value in schema.enum))  # 1 and "1" are one value on the wire
        existing = self.enums.get(name)
        if existing is None:
            existing = self.enums[name] = EnumType(
                name=name,
                description=schema.description or schema.title or f"{name} values.",
                values=[],
                model_as_string=schema.enum_model_as_string,
            )
        # the same x-ms-enum name used with different values: keep every value, once
        known = {value.value for value in existing.values}
        existing.values.extend(EnumValue(enum_member_name(v), v) for v in values if v not in known)
        members: dict[str, str] = {}
        for value in existing.values:
            if value.name in members:
                raise SpecError(
                    schema.pointer,
                    f"enum {name}: the values {members[value.name]!r} and {value.value!r} would both be member {value.name}",
                )
            members[value.name] = value.value
        base = (
            "str"
            if schema.type in (None, "string")
            else _PRIMITIVES.get((schema.type or "string", None), ("str", "str"))[1]
        )
        return PythonType("str" if base == "str" else base, f"{base} | _models.{name}", enum=self.enums[name])

    def class_name_for(self, name: str, pointer: str, what: str) -> str:
        """A model's or an enum's class name; one the models modules import for themselves gets "Model" added."""
        result = _python_name(class_name, name, pointer, what)
        return result + "Model" if result in _MODELS_MODULE_NAMES else result

    # -- models ------------------------------------------------------------

    def model_for(self, schema: loader.Schema, name_hint: str) -> ModelType:
        """The model of a schema, made with its bases; its properties are added by `fill`."""
        if id(schema) in self.models:
            return self.models[id(schema)]
        name = self.class_name_for(schema.name or name_hint, schema.pointer, "model")
        if schema.discriminator is not None or any(parent.discriminator for parent in schema.all_of):
            # no spec of ours uses it; msrest's subtype maps would need generated dispatch on the value
            raise SpecError(schema.pointer, "polymorphism (discriminator) is not supported")
        if name in self.model_names or name in self.parameter_groups:
            other = (
                self.model_names[name].pointer
                if name in self.model_names
                else self.parameter_groups[name].model.pointer
            )
            raise SpecError(schema.pointer, f"two schemas would both become model {name!r}: this one and {other}")
        if name in self.enums:
            raise SpecError(schema.pointer, f"model {name!r} would have the name of an enum")
        model = ModelType(
            name=name, description=_describe(schema.title, schema.description) or name, pointer=schema.pointer
        )
        self.models[id(schema)] = model
        self.model_names[name] = model
        parents = [parent for parent in schema.all_of if self.is_model_schema(parent)]
        if len(parents) > 1:
            raise SpecError(schema.pointer, "allOf with more than one parent model is not supported")
        if parents:
            parent = parents[0]
            if id(parent) in self.ancestry or parent is schema:
                raise SpecError(schema.pointer, f"model {name!r} would be its own base class (an allOf cycle)")
            self.ancestry.add(id(schema))
            try:
                model.base = self.model_for(parent, parent.name or name + "Base")
            finally:
                self.ancestry.discard(id(schema))
            self.referenced.add(id(model.base))
        self.unfilled[id(model)] = (model, schema)
        return model

    def fill(self, model: ModelType) -> None:
        """Add its properties to a model made by `model_for` (its base's first), once."""
        entry = self.unfilled.pop(id(model), None)
        if entry is None:
            if id(model) in self.filling:
                raise SpecError(
                    model.pointer,
                    f"the properties of model {model.name!r} would include themselves (x-ms-client-flatten or allOf)",
                )
            return
        schema = entry[1]
        self.filling.add(id(model))
        if model.base is not None:
            self.fill(model.base)
            model.properties.extend(_inherited(prop) for prop in model.base.properties)
        model.properties.extend(self.properties_of(schema, model.name, prefix=""))
        self.filling.discard(id(model))
        names = [prop.name for prop in model.properties]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise SpecError(schema.pointer, f"properties {duplicates} of model {model.name!r} share a Python name")

    def fill_all(self) -> None:
        while self.unfilled:
            self.fill(next(iter(self.unfilled.values()))[0])

    def properties_of(self, schema: loader.Schema, owner: str, prefix: str) -> list[Property]:
        properties = []
        for schema_property in schema.properties.values():
            target = schema_property.schema
            if schema_property.client_flatten and self.is_model_schema(target):
                flattened = self.model_for(target, owner + pascal_case(schema_property.name))
                self.fill(flattened)
                flattened.flattened_away = True
                key_prefix = prefix + _escape_key(schema_property.name) + "."
                for inner in flattened.properties:
                    properties.append(self.flattened_property(inner, key_prefix, schema_property.read_only))
                continue
            properties.append(self.property_for(schema_property, owner, prefix))
        return properties

    @staticmethod
    def flattened_property(inner: Property, key_prefix: str, read_only: bool) -> Property:
        return Property(
            name=inner.name,
            wire_key=key_prefix + inner.wire_key,
            type=inner.type,
            description=inner.description,
            required=inner.required,
            read_only=inner.read_only or read_only,
            constant=inner.constant,
            is_constant=inner.is_constant,
            default=inner.default,
            has_client_default=inner.has_client_default,
            server_default=inner.server_default,
            validation=inner.validation,
            secret=inner.secret,
        )

    def property_for(self, schema_property: loader.SchemaProperty, owner: str, prefix: str) -> Property:
        target = schema_property.schema
        if _is_constant(schema_property):
            # a single-value closed enum is a constant, not an enum type (AutoRest's modelerfour too)
            python_type = PythonType("str", "str")
        else:
            python_type = self.type_for(target, owner + pascal_case(schema_property.name))
        if python_type.model is not None:
            self.referenced.add(id(python_type.model))
        read_only = schema_property.read_only or target.read_only
        is_constant = _is_constant(schema_property)
        python_name = _python_name(
            lambda name: member_name(name, _MODEL_INIT_NAMES, "_property"),
            schema_property.client_name or schema_property.name,
            schema_property.pointer,
            "property",
        )
        prop = Property(
            name=python_name,
            wire_key=prefix + _escape_key(schema_property.name),
            type=python_type,
            description=_describe(schema_property.title, schema_property.description),
            required=schema_property.required,
            read_only=read_only,
            is_constant=is_constant,
            constant=target.enum[0] if is_constant and target.enum else None,
            validation={_VALIDATION_KEYS[key]: value for key, value in target.constraints.items()},
            secret=schema_property.secret or f"{owner}.{schema_property.name}" in self.settings.secret_properties,
        )
        if target.has_default:
            # a required property's default is a client default; an optional one is the
            # service's default, applied by the service when the property is left out
            if schema_property.required:
                _check_client_default(python_type, target.default, f"{target.pointer}/default")
                prop.default, prop.has_client_default = target.default, True
            else:
                prop.server_default = target.default
        return prop

    # -- operations --------------------------------------------------------

    def client_parameters(self) -> list[Parameter]:
        seen: dict[str, tuple[Parameter, str]] = {}
        for operation in self.spec.operations:
            for raw in operation.parameters:
                if raw.parameter_location == "client" and raw.name != "api-version" and raw.name not in seen:
                    seen[raw.name] = (self.parameter(raw, operation.operation_id), raw.pointer)
        _check_unique(
            [(param.name, f"{param.location} parameter {param.wire_name}", where) for param, where in seen.values()],
            "#",
            "client parameters",
        )
        return [param for param, _ in seen.values()]

    def operation_groups(self) -> list[OperationGroup]:
        grouped: dict[str, list[Operation]] = {}
        pointers: dict[str, str] = {}
        for raw in self.spec.operations:
            group_name, _, _ = raw.operation_id.partition("_")
            key = group_name if "_" in raw.operation_id else ""
            grouped.setdefault(key, []).append(self.operation(raw))
            pointers.setdefault(key, raw.pointer)
        groups = []
        for name, operations in grouped.items():
            if name:
                attribute = _python_name(snake_case, name, pointers[name], "operation group")
                if keyword.iskeyword(attribute) or attribute in _CLIENT_MEMBERS:
                    attribute += "_operations"
                python_class = "Operations" if name == "Operations" else pascal_case(name) + "Operations"
                groups.append(OperationGroup(attribute, python_class, name, operations, "_" + snake_case(python_class)))
            else:
                # operationIds without a group prefix become methods of the client itself, as in AutoRest
                mixin = self.client_name + "OperationsMixin"
                groups.append(OperationGroup("", mixin, "", operations, "_operations_mixin", is_mixin=True))
        for what in ("attribute_name", "class_name", "module_name"):
            _check_unique(
                [(getattr(group, what), group.name, pointers[group.name]) for group in groups if group.name],
                "#/paths",
                f"operation groups' {what.replace('_', ' ')}s",
            )
        attributes = [(group.attribute_name, group.name, pointers[group.name]) for group in groups if group.name]
        attributes += [
            (op.name, op.operation_id, op.pointer) for group in groups if group.is_mixin for op in group.operations
        ]
        _check_unique(attributes, "#/paths", "client attributes")
        for group in groups:
            for what in ("name", "initial_name", "request_builder_name"):
                _check_unique(
                    [(getattr(op, what), op.operation_id, op.pointer) for op in group.operations],
                    "#/paths",
                    f"methods of operation group {group.name or 'the client'}",
                )
        return groups

    def operation(self, raw: loader.Operation) -> Operation:
        group_name, _, operation_name = raw.operation_id.rpartition("_")
        name = _python_name(snake_case, operation_name, raw.pointer, "operation")
        if raw.long_running:
            name = "begin_" + name
        if keyword.iskeyword(name) or name in _OPERATION_GROUP_MEMBERS or (not group_name and name in _CLIENT_MEMBERS):
            name += "_method"
        parameters = [self.parameter(param, raw.operation_id) for param in raw.parameters]
        body = next((param for param in parameters if param.location == "body"), None)
        if any(param.client_flatten for param in raw.parameters if param.location == "body"):
            raise SpecError(raw.pointer, "x-ms-client-flatten on a body parameter is not supported")
        groups = self.groups_for(raw, parameters, group_name, operation_name)
        _check_unique(
            [
                (param.name, f"{param.location} parameter {param.wire_name}", raw_param.pointer)
                for raw_param, param in zip(raw.parameters, parameters, strict=True)
            ]
            + [(group.name, f"parameter group {group.model.name}", raw.pointer) for group in groups],
            raw.pointer,
            f"parameters of {raw.operation_id}",
        )
        responses, error_type = self.responses(raw)
        operation = Operation(
            name=name,
            operation_id=raw.operation_id,
            http_method=raw.method.upper(),
            url=raw.path,
            description=_describe(raw.summary, raw.description),
            parameters=parameters,
            groups=groups,
            body=body,
            responses=responses,
            error_type=error_type,
            long_running=raw.long_running,
            final_state_via=raw.long_running_options.get("final-state-via"),
            pointer=raw.pointer,
        )
        if raw.pageable is not None:
            if raw.long_running:
                raise SpecError(raw.pointer, "long-running pageable operations are not supported")
            self.make_pageable(operation, raw)
        return operation

    def make_pageable(self, operation: Operation, raw: loader.Operation) -> None:
        assert raw.pageable is not None
        page = operation.result_type
        item_name = raw.pageable.get("itemName", "value")
        if page is None or page.model is None:
            raise SpecError(raw.pointer, "x-ms-pageable operation without a response model")
        self.fill(page.model)
        item = next((prop for prop in page.model.properties if prop.wire_key == _escape_key(item_name)), None)
        if item is None or item.type.kind != "list" or item.type.element is None:
            raise SpecError(raw.pointer, f"page model {page.model.name} has no {item_name!r} array")
        operation.paging_item_type = item.type.element
        operation.paging_item_name = item.name
        next_link = raw.pageable.get("nextLinkName")
        if next_link is not None:
            link = next((prop for prop in page.model.properties if prop.wire_key == _escape_key(next_link)), None)
            if link is None:
                raise SpecError(raw.pointer, f"page model {page.model.name} has no {next_link!r} property")
            if link.type.kind != "str":
                raise SpecError(
                    raw.pointer, f"the next link {next_link!r} of page model {page.model.name} is no string"
                )
            operation.paging_next_link_name = link.name

    def responses(self, raw: loader.Operation) -> tuple[list[Response], PythonType | None]:
        responses: list[Response] = []
        error_type = None
        for response in raw.responses:
            python_type = None
            if response.status == "default" and response.schema is not None and response.schema.external:
                continue  # an external error type: ARMErrorFormat reads it
            if response.schema is not None:
                python_type = self.type_for(response.schema, raw.operation_id.replace("_", "") + "Response")
                if python_type.model is not None:
                    self.referenced.add(id(python_type.model))
            if response.status == "default":
                error_type = python_type
                continue
            responses.append(Response([int(response.status)], python_type))
        return responses, error_type

    def parameter(self, raw: loader.Parameter, operation_id: str) -> Parameter:
        python_type = self.type_for(raw.schema, pascal_case(raw.client_name or raw.name))
        if python_type.model is not None:
            self.referenced.add(id(python_type.model))
        # api-version is the client's, wherever the spec declares it
        client_level = raw.parameter_location == "client" or raw.name == "api-version"
        if raw.name == "api-version":
            name = "api_version"
        else:
            reserved = _OPERATION_NAMES | _CLIENT_NAMES if client_level else _OPERATION_NAMES
            name = _python_name(
                lambda text: member_name(text, reserved, "_parameter"),
                raw.client_name or raw.name,
                raw.pointer,
                "parameter",
            )
            if _BUILDER.match(name):  # the name of a request builder the operation calls
                name += "_parameter"
        return Parameter(
            name=name,
            wire_name=raw.name,
            location=raw.location,
            type=python_type,
            description=raw.description,
            required=raw.required,
            client_level=client_level,
            default=raw.schema.default,
            validation={_VALIDATION_KEYS[key]: value for key, value in raw.schema.constraints.items()},
            constant=self.spec.version if raw.name == "api-version" else None,
        )

    def groups_for(
        self, raw: loader.Operation, parameters: list[Parameter], group_name: str, operation_name: str
    ) -> list[ParameterGroup]:
        groups: dict[str, ParameterGroup] = {}
        for raw_param, param in zip(raw.parameters, parameters, strict=True):
            if raw_param.grouping is None or param.client_level:
                continue
            model_name = raw_param.grouping.get("name") or pascal_case(group_name) + pascal_case(
                operation_name
            ) + raw_param.grouping.get("postfix", "Parameters")
            model_name = self.class_name_for(model_name, raw_param.pointer, "parameter group")
            group = groups.get(model_name)
            if group is None and model_name in self.model_names:
                raise SpecError(raw_param.pointer, f"parameter group {model_name!r} has the name of a model")
            if group is None and model_name in self.enums:
                raise SpecError(raw_param.pointer, f"parameter group {model_name!r} has the name of an enum")
            if group is None:
                model = (
                    self.parameter_groups[model_name].model
                    if model_name in self.parameter_groups
                    else ModelType(
                        name=model_name,
                        description=f"Parameter group for {raw.operation_id}.",
                        pointer=raw.pointer,
                        is_parameter_group=True,
                    )
                )
                variable = snake_case(model_name)
                if variable in _OPERATION_NAMES or keyword.iskeyword(variable):
                    variable += "_parameter"
                group = ParameterGroup(name=variable, model=model, required=False)
                groups[model_name] = group
                self.parameter_groups[model_name] = group
            param.group = group
            group.members.append(param)
            group.required = group.required or param.required
            if param.required and param.default is not None:
                _check_client_default(param.type, param.default, f"{raw_param.pointer}/default")
            if not any(prop.name == param.name for prop in group.model.properties):
                group.model.properties.append(
                    Property(
                        name=param.name,
                        wire_key=_escape_key(raw_param.client_name or raw_param.name),
                        type=param.type,
                        description=param.description,
                        required=param.required,
                        # as for model properties, an optional parameter's default is the service's
                        default=param.default if param.required else None,
                        has_client_default=param.required and param.default is not None,
                        server_default=None if param.required else param.default,
                        validation=param.validation,
                    )
                )
        return list(groups.values())


def _python_name(make: Callable[[str], str], name: str, pointer: str, what: str) -> str:
    """`make(name)`, a Python name for something the spec names; a SpecError if there is none."""
    try:
        return make(name)
    except ValueError as error:
        raise SpecError(pointer, f"{what} {name!r} has no Python name: {error}") from error


def _is_class_name(name: str) -> bool:
    return name.isidentifier() and name.isascii() and name[:1].isupper() and not keyword.iskeyword(name)


def _check_unique(entries: list[tuple[str, str, str]], pointer: str, what: str) -> None:
    """(Python name, what the spec calls it, its pointer): a SpecError naming both things a name would mean."""
    seen: dict[str, str] = {}
    for python_name, spec_name, where in entries:
        if python_name in seen and seen[python_name] != spec_name:
            raise SpecError(
                where or pointer, f"{what}: {seen[python_name]!r} and {spec_name!r} would both be {python_name!r}"
            )
        seen.setdefault(python_name, spec_name)


def _check_client_default(python_type: PythonType, value: Any, pointer: str) -> None:
    """A required value's default is written into the generated signature: it must be of the value's type."""
    kinds = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,)}.get(python_type.kind)
    fits = kinds is not None and isinstance(value, kinds) and (isinstance(value, bool) == (python_type.kind == "bool"))
    if not fits:
        raise SpecError(pointer, f"default {value!r} is not a value of type {python_type.annotation}")


def _is_constant(schema_property: loader.SchemaProperty) -> bool:
    target = schema_property.schema
    return bool(
        target.enum is not None
        and len(target.enum) == 1
        and not target.enum_model_as_string
        and schema_property.required
    )


def _bases_first(models: list[ModelType]) -> list[ModelType]:
    """Keep the given order, except that a base class always comes before its subclasses."""
    ordered: list[ModelType] = []

    def place(model: ModelType) -> None:
        if model in ordered:
            return
        if model.base is not None:
            place(model.base)
        ordered.append(model)

    for model in models:
        place(model)
    return ordered


def _inherited(prop: Property) -> Property:
    copy = Property(**prop.__dict__)
    copy.inherited = True
    return copy


def _pattern_names(uses: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Name each distinct pattern after its first user: `_JOB_NAME_PATTERN`, `_JOB_NAME_PATTERN_2`, ..."""
    names: dict[str, str] = {}
    for user, pattern in uses:
        if pattern not in names:
            base = f"_{user.upper()}_PATTERN"
            taken = set(names.values())
            names[pattern] = next(
                name for name in (base, *(f"{base}_{n}" for n in range(2, len(names) + 3))) if name not in taken
            )
    return names


def _wire_key_of(member: Property | WireGroup) -> str:
    return member.key if isinstance(member, WireGroup) else member.wire_path[-1]


def _group_variable(path: tuple[str, ...]) -> str:
    try:
        variable = "_".join(snake_case(key) for key in path)
    except ValueError as error:
        raise SpecError("#", f"no Python name for the flattened object {'.'.join(path)!r}") from error
    return variable + "_object" if variable in _GENERATED_NAMES or keyword.iskeyword(variable) else variable


def _unescaped_segments(wire_key: str) -> list[str]:
    return [segment.replace("\\.", ".") for segment in re.split(r"(?<!\\)\.", wire_key)]


def _escape_key(name: str) -> str:
    # msrest reads "." in an attribute-map key as flattening; a literal dot is escaped
    return name.replace(".", "\\.")


def _describe(title: str, description: str) -> str:
    title, description = title.strip(), description.strip()
    if title and description and not description.startswith(title.rstrip(".")):
        return f"{title}{'' if title.endswith('.') else '.'} {description}"
    return title or description
