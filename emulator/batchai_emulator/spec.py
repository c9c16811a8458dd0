"""The vendored Batch AI OpenAPI documents turned into routes and validators.

Everything the emulator knows about URLs, parameters and request bodies comes from here: a new
``spec/<version>/BatchAI.json`` is a new API version the emulator routes and validates, with no
code of its own. The specs are found in the installed package (``batchai_emulator/spec/``,
package data mapped from the repository's ``spec/``) or, in a source checkout, in ``spec/``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROVIDER = "Microsoft.BatchAI"
SPEC_FILE_NAME = "BatchAI.json"
SPEC_DIR_VARIABLE = "BATCHAI_EMULATOR_SPEC_DIR"

_HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options")
_PARAM = re.compile(r"\{([^}]+)\}")
_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}


def spec_directory() -> Path:
    """Where the ``<version>/BatchAI.json`` files are: $BATCHAI_EMULATOR_SPEC_DIR, the installed
    package's ``spec/`` folder, or the source checkout's ``spec/``, in this order."""
    override = os.environ.get(SPEC_DIR_VARIABLE)
    candidates = [Path(override)] if override else []
    here = Path(__file__).resolve().parent
    candidates += [here / "spec", here.parents[1] / "spec"]
    for candidate in candidates:
        if any(candidate.glob(f"*/{SPEC_FILE_NAME}")):
            return candidate
    searched = ", ".join(str(path) for path in candidates)
    raise FileNotFoundError(f"no Batch AI spec (*/{SPEC_FILE_NAME}) found in {searched}")


@dataclass(frozen=True)
class Problem:
    """One violation found while checking a value against the spec."""

    code: str
    message: str
    target: str

    def as_detail(self) -> dict:
        return {"code": self.code, "message": self.message, "target": self.target}


@dataclass(frozen=True)
class Route:
    """One operation of the spec: method + path template + its parameters.

    The part of the template after ``/providers/Microsoft.BatchAI/`` says what the operation is
    about: ``segments`` are its (collection, name parameter) pairs (``workspaces/{workspaceName}/
    clusters/{clusterName}`` gives two), ``tail`` the literal that follows the last pair, if any
    (``clusters`` for a list, ``terminate`` for an action, ``usages``, ``operations``).
    """

    api_version: str
    operation_id: str
    method: str
    template: str
    regex: re.Pattern
    param_names: tuple[str, ...]
    path_params: dict[str, dict]
    query_params: dict[str, dict]  # keyed by lower-cased name
    body_param: dict | None
    long_running: bool
    pageable: bool
    description: str
    segments: tuple[tuple[str, str], ...]
    tail: str | None

    def match(self, path: str) -> dict[str, str] | None:
        found = self.regex.match(path)
        if found is None:
            return None
        return {name: found.group(i + 1) for i, name in enumerate(self.param_names)}

    @property
    def verb(self) -> str:
        """The verb part of the operationId, e.g. ``Create`` for ``Jobs_Create``."""
        return self.operation_id.split("_", 1)[-1]

    @property
    def resource_collections(self) -> tuple[str, ...]:
        """The collections of the resource this route addresses (a list route: of its items)."""
        collections = tuple(collection for collection, _ in self.segments)
        if self.is_list:
            return (*collections, str(self.tail))
        return collections

    @property
    def is_item(self) -> bool:
        """Addresses one resource (create, get, update, delete)."""
        return bool(self.segments) and self.tail is None and self.segments[0][0].lower() != "locations"

    @property
    def is_list(self) -> bool:
        """Lists a collection of resources (the tail is a collection other routes create in)."""
        return self.tail is not None and self.method == "GET" and self.tail.lower() not in ("operations", "usages")

    @property
    def is_action(self) -> bool:
        """A POST on one resource, such as ``terminate`` or ``listOutputFiles``."""
        return self.method == "POST" and bool(self.segments) and self.tail is not None


def _template_regex(template: str) -> tuple[re.Pattern, tuple[str, ...]]:
    """Compile a path template; ARM matches paths case-insensitively.

    Parameters match possibly-empty segments so an empty name is reported as
    an invalid name (400) rather than as an unknown URL (404).
    """
    names = tuple(_PARAM.findall(template))
    literals = _PARAM.split(template)[::2]
    body = "([^/]*)".join(re.escape(part) for part in literals)
    return re.compile(f"^{body}/?$", re.IGNORECASE), names


def _provider_tail(template: str) -> tuple[tuple[tuple[str, str], ...], str | None]:
    marker = f"/providers/{PROVIDER}/"
    if marker.lower() not in template.lower():
        return (), None
    tail = template[template.lower().index(marker.lower()) + len(marker) :]
    parts = [part for part in tail.split("/") if part]
    segments, index = [], 0
    while index + 1 < len(parts) and parts[index + 1].startswith("{"):
        segments.append((parts[index], parts[index + 1][1:-1]))
        index += 2
    rest = parts[index:]
    return tuple(segments), "/".join(rest) if rest else None


class Spec:
    """One API version's OpenAPI document, with $ref resolution and validation helpers."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.document = json.loads(self.path.read_text(encoding="utf-8"))
        self.api_version: str = self.document["info"]["version"]
        self.routes: tuple[Route, ...] = tuple(self._build_routes())
        self._flat: dict[int, tuple[dict, dict]] = {}

    # -- $ref handling ---------------------------------------------------

    def resolve(self, node: Any) -> Any:
        """Follow local ``$ref`` pointers until a concrete node is reached."""
        seen = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if ref in seen or not ref.startswith("#/"):
                raise ValueError(f"unsupported or cyclic $ref {ref!r}")
            seen.add(ref)
            node = self.document
            for part in ref[2:].split("/"):
                node = node[part]
        return node

    def flatten(self, schema: dict) -> dict:
        """Resolve a schema and merge its ``allOf`` parts (properties, required); read-only, as the document is.

        Remembered per node of the document (a page of jobs flattens the same schemas thousands of times)."""
        if not isinstance(schema, dict) or ("$ref" not in schema and "allOf" not in schema):
            return schema
        known = self._flat.get(id(schema))
        if known is not None and known[0] is schema:
            return known[1]
        flat = self._flatten(schema)
        self._flat[id(schema)] = (schema, flat)  # the node is kept alive, so its id stays its own
        return flat

    def _flatten(self, schema: dict) -> dict:
        schema = self.resolve(schema)
        if "allOf" not in schema:
            return schema
        merged = {key: value for key, value in schema.items() if key != "allOf"}
        properties = dict(schema.get("properties", {}))
        required = list(schema.get("required", []))
        for part in schema["allOf"]:
            flat = self.flatten(part)
            properties = {**flat.get("properties", {}), **properties}
            required += [name for name in flat.get("required", []) if name not in required]
        merged["properties"] = properties
        merged["required"] = required
        return merged

    # -- routes -------------------------------------------------------------

    def _build_routes(self) -> Iterator[Route]:
        for template, item in self.document["paths"].items():
            shared = item.get("parameters", [])
            for method, operation in item.items():
                if method in _HTTP_METHODS:
                    yield self._route(template, method.upper(), operation, shared)

    def _route(self, template: str, method: str, operation: dict, shared: list) -> Route:
        params = [self.resolve(p) for p in shared + operation.get("parameters", [])]
        regex, names = _template_regex(template)
        bodies = [p for p in params if p["in"] == "body"]
        segments, tail = _provider_tail(template)
        return Route(
            api_version=self.api_version,
            operation_id=operation["operationId"],
            method=method,
            template=template,
            regex=regex,
            param_names=names,
            path_params={p["name"]: p for p in params if p["in"] == "path"},
            query_params={p["name"].lower(): p for p in params if p["in"] == "query"},
            body_param=bodies[0] if bodies else None,
            long_running=bool(operation.get("x-ms-long-running-operation")),
            pageable="x-ms-pageable" in operation,
            description=operation.get("description") or operation.get("summary") or "",
            segments=segments,
            tail=tail,
        )

    def lookup(self, path: str) -> list[tuple[Route, dict[str, str]]]:
        """All routes (any method) whose template matches ``path``."""
        hits = []
        for route in self.routes:
            params = route.match(path)
            if params is not None:
                hits.append((route, params))
        return hits

    def operation(self, operation_id: str) -> Route:
        for route in self.routes:
            if route.operation_id == operation_id:
                return route
        raise KeyError(operation_id)

    def body_schema(self, operation_id: str) -> dict | None:
        """The flattened schema of an operation's request body."""
        param = self.operation(operation_id).body_param
        return self.flatten(param["schema"]) if param else None

    def answer_schema(self, operation_id: str) -> dict | None:
        """The flattened schema of what an operation answers with 200: a resource, or a list's items."""
        route = self.operation(operation_id)
        operation = self.document["paths"][route.template][route.method.lower()]
        declared = operation["responses"].get("200", {}).get("schema")
        if declared is None:
            return None
        body = self.flatten(declared)
        if route.pageable:
            return self.flatten(body["properties"]["value"]["items"])
        return body

    def prune(self, schema: dict, value: Any) -> Any:
        """``value`` without the properties ``schema`` does not have: what a version's model can answer."""
        schema = self.flatten(schema)
        if isinstance(value, dict) and "properties" in schema:
            properties = schema["properties"]
            extra = schema.get("additionalProperties")
            pruned = {}
            for name, item in value.items():
                if name in properties:
                    pruned[name] = self.prune(properties[name], item)
                elif isinstance(extra, dict):
                    pruned[name] = self.prune(extra, item)
                elif extra is True:
                    pruned[name] = item
            return pruned
        if isinstance(value, list) and schema.get("type") == "array":
            return [self.prune(schema.get("items", {}), item) for item in value]
        return value

    def list_item_schema(self, operation_id: str) -> dict:
        """The flattened schema of the items a pageable operation answers (``value`` of its 200 body)."""
        route = self.operation(operation_id)
        operation = self.document["paths"][route.template][route.method.lower()]
        body = self.flatten(operation["responses"]["200"]["schema"])
        return self.flatten(body["properties"]["value"]["items"])

    # -- validation ------------------------------------------------------------

    def check_parameter(self, param: dict, raw: str) -> tuple[Any, list[Problem]]:
        """Coerce a path/query string to the parameter's type and check limits."""
        name = param["name"]
        value: Any
        if param.get("type") in ("integer", "number"):
            try:
                value = int(raw) if param["type"] == "integer" else float(raw)
            except ValueError:
                return raw, [Problem("InvalidParameterType", f"'{name}' must be a {param['type']}, got {raw!r}.", name)]
        elif param.get("type") == "boolean":
            if raw.lower() not in ("true", "false"):
                return raw, [Problem("InvalidParameterType", f"'{name}' must be true or false, got {raw!r}.", name)]
            value = raw.lower() == "true"
        else:
            value = raw
        return value, self._check_scalar(param, value, name)

    def check_value(self, schema: dict, value: Any, target: str = "", response: bool = False) -> list[Problem]:
        """Check a JSON value against a schema. A request: readOnly parts and unknown properties are ignored,
        as ARM does. A response (``response=True``): everything is checked, and an unknown property is one."""
        schema = self.flatten(schema)
        kind = schema.get("type") or ("object" if "properties" in schema else None)
        if kind and not _is_type(value, kind):
            where = target or ("response body" if response else "request body")
            return [Problem("InvalidPropertyType", f"'{where}' must be of type {kind}.", target)]
        if kind == "object":
            return self._check_object(schema, value, target, response)
        if kind == "array":
            item_schema = schema.get("items", {})
            return [
                problem
                for index, item in enumerate(value)
                for problem in self.check_value(item_schema, item, f"{target}[{index}]", response)
            ]
        return self._check_scalar(schema, value, target)

    def _check_object(self, schema: dict, value: dict, target: str, response: bool) -> list[Problem]:
        problems = []
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            if value.get(name) is None:
                path = _join(target, name)
                problems.append(Problem("MissingRequiredProperty", f"The property '{path}' is required.", path))
        for name, item in value.items():
            sub = properties.get(name)
            if sub is None:
                sub = schema.get("additionalProperties")
                if not isinstance(sub, dict):
                    if response:
                        path = _join(target, name)
                        problems.append(Problem("UnknownProperty", f"'{path}' is not in the spec.", path))
                    continue  # ARM ignores unknown properties in requests
            elif not response and (self.resolve(sub).get("readOnly") or sub.get("readOnly")):
                continue  # read-only values sent by clients are ignored, not rejected
            if item is not None:
                problems += self.check_value(sub, item, _join(target, name), response)
        return problems

    def check_response(self, route: Route, status: int, body: Any) -> list[Problem]:
        """Problems of an answer against the responses the spec declares for the operation."""
        responses = self.document["paths"][route.template][route.method.lower()]["responses"]
        declared = responses.get(str(status)) or (responses.get("default") if status >= 400 else None)
        if declared is None and status == 201:  # lro_mode "201": an ARM style these specs do not list
            declared = responses.get("200")
        if declared is None:
            return [Problem("UndeclaredStatus", f"{route.operation_id} declares no {status} response.", "")]
        if "schema" not in declared:
            return [] if body in (None, b"", "") else [Problem("UnexpectedBody", f"{status} has no body.", "")]
        return self.check_value(declared["schema"], body, "", response=True)

    def _check_scalar(self, schema: dict, value: Any, target: str) -> list[Problem]:
        problems = []
        limits = (
            ("minimum", lambda v, n: isinstance(v, (int, float)) and v < n, "at least"),
            ("maximum", lambda v, n: isinstance(v, (int, float)) and v > n, "at most"),
            ("minLength", lambda v, n: isinstance(v, str) and len(v) < n, "at least this many characters:"),
            ("maxLength", lambda v, n: isinstance(v, str) and len(v) > n, "at most this many characters:"),
        )
        for keyword, violated, words in limits:
            if keyword in schema and violated(value, schema[keyword]):
                message = f"'{target}' must be {words} {schema[keyword]}."
                problems.append(Problem("InvalidPropertyValue", message, target))
        pattern = schema.get("pattern")
        if pattern and isinstance(value, str) and not re.search(pattern, value):
            problems.append(Problem("InvalidPropertyValue", f"'{target}' must match {pattern}; got {value!r}.", target))
        if _closed_enum(schema) and isinstance(value, str):
            allowed = [str(v).lower() for v in schema["enum"]]
            if value.lower() not in allowed:
                message = f"'{target}' must be one of {schema['enum']}; got {value!r}."
                problems.append(Problem("InvalidPropertyValue", message, target))
        return problems

    # -- defaults --------------------------------------------------------------

    def fill_defaults(self, schema: dict, value: Any) -> Any:
        """``value`` with the schema's defaults for absent properties, as the service stored them.

        Only properties of objects that are present get defaults (an absent optional object stays
        absent); durations are written in ISO 8601 (``P7D``), as the service answered them, even
        where the spec gives its default in .NET's ``7.00:00:00`` form.
        """
        schema = self.flatten(schema)
        if isinstance(value, dict) and (schema.get("type") == "object" or "properties" in schema):
            filled = dict(value)
            for name, sub in schema.get("properties", {}).items():
                resolved = self.flatten(sub)
                if resolved.get("readOnly") or sub.get("readOnly"):
                    continue
                if name not in filled and "default" in resolved:
                    filled[name] = _wire_default(resolved)
                elif name not in filled and self._all_defaults(resolved):
                    filled[name] = self.fill_defaults(resolved, {})  # e.g. a job's constraints: maxWallClockTime
                elif filled.get(name) is not None:
                    filled[name] = self.fill_defaults(sub, filled[name])
            return filled
        if isinstance(value, list) and schema.get("type") == "array":
            return [self.fill_defaults(schema.get("items", {}), item) for item in value]
        return value

    def _all_defaults(self, schema: dict) -> bool:
        """An object nobody has to fill: nothing required, and every property has a default."""
        properties = schema.get("properties") or {}
        if schema.get("type", "object") != "object" or not properties or schema.get("required"):
            return False
        return all("default" in self.flatten(sub) for sub in properties.values())


def _wire_default(schema: dict) -> Any:
    default = schema["default"]
    if schema.get("format") == "duration" and isinstance(default, str):
        return iso_duration(default)
    return default


_DOTNET_TIMESPAN = re.compile(r"^(?:(?P<days>\d+)\.)?(?P<hours>\d+):(?P<minutes>\d+):(?P<seconds>\d+(?:\.\d+)?)$")


def iso_duration(text: str) -> str:
    """A .NET TimeSpan (``7.00:00:00``) as ISO 8601 (``P7D``); ISO input is returned as is."""
    found = _DOTNET_TIMESPAN.match(text)
    if not found:
        return text
    days, hours, minutes = int(found["days"] or 0), int(found["hours"]), int(found["minutes"])
    seconds = float(found["seconds"])
    time = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    time += f"{_number(seconds)}S" if seconds else ""
    date = f"{days}D" if days else ""
    if not date and not time:
        return "PT0S"
    return "P" + date + (f"T{time}" if time else "")


def _number(seconds: float) -> str:
    return str(int(seconds)) if seconds == int(seconds) else str(seconds)


class SpecSet:
    """Every API version the emulator serves, found as ``<directory>/<version>/BatchAI.json``."""

    def __init__(self, directory: Path | str | None = None):
        self.directory = Path(directory) if directory is not None else spec_directory()
        specs = [Spec(path) for path in sorted(self.directory.glob(f"*/{SPEC_FILE_NAME}"))]
        if not specs:
            raise FileNotFoundError(f"no */{SPEC_FILE_NAME} under {self.directory}")
        self.by_version: dict[str, Spec] = {spec.api_version: spec for spec in specs}

    @property
    def versions(self) -> list[str]:
        return sorted(self.by_version)

    def get(self, version: str | None) -> Spec | None:
        return self.by_version.get(version) if version else None

    def __iter__(self) -> Iterator[Spec]:
        return iter(self.by_version[version] for version in self.versions)

    def __getitem__(self, version: str) -> Spec:
        return self.by_version[version]


def _is_type(value: Any, kind: str) -> bool:
    if isinstance(value, bool) and kind != "boolean":
        return False  # JSON true/false are not numbers, although bool subclasses int
    return isinstance(value, _JSON_TYPES.get(kind, (object,)))


def _closed_enum(schema: dict) -> bool:
    """Only enums the spec models as closed (modelAsString false) are enforced."""
    if "enum" not in schema:
        return False
    return not schema.get("x-ms-enum", {}).get("modelAsString", False)


def _join(target: str, name: str) -> str:
    return f"{target}.{name}" if target else name
