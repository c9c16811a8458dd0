"""The Batch AI OpenAPI document turned into routes and validators.

Everything the fake server knows about URLs, parameters and request bodies
comes from here, so a change to the spec file changes the server's routing
and its checks without hand-copied tables.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPEC_FILE = Path(__file__).resolve().parents[2] / "spec" / "2018-03-01" / "BatchAI.json"

_HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options")
_PARAM = re.compile(r"\{([^}]+)\}")
_JSON_TYPES = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}


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
    """One operation of the spec: method + path template + its parameters."""

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

    def match(self, path: str) -> dict[str, str] | None:
        found = self.regex.match(path)
        if found is None:
            return None
        return {name: found.group(i + 1) for i, name in enumerate(self.param_names)}

    @property
    def collection(self) -> str | None:
        """The resource-type segment under the provider, e.g. ``jobs``."""
        tail = self.template.split("/providers/Microsoft.BatchAI/", 1)[-1]
        first = tail.split("/", 1)[0]
        return None if first.startswith("{") else first

    @property
    def action(self) -> str:
        """The verb part of the operationId, e.g. ``Create`` for ``Jobs_Create``."""
        return self.operation_id.split("_", 1)[1]


def _template_regex(template: str) -> tuple[re.Pattern, tuple[str, ...]]:
    """Compile a path template; ARM matches paths case-insensitively.

    Parameters match possibly-empty segments so an empty name is reported as
    an invalid name (400) rather than as an unknown URL (404).
    """
    names = tuple(_PARAM.findall(template))
    literals = _PARAM.split(template)[::2]
    body = "([^/]*)".join(re.escape(part) for part in literals)
    return re.compile(f"^{body}/?$", re.IGNORECASE), names


class Spec:
    """Loaded OpenAPI document with $ref resolution and validation helpers."""

    def __init__(self, path: Path | str = SPEC_FILE):
        self.document = json.loads(Path(path).read_text(encoding="utf-8"))
        self.api_version: str = self.document["info"]["version"]
        self.routes: tuple[Route, ...] = tuple(self._build_routes())

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
        """Resolve a schema and merge its ``allOf`` parts (properties, required)."""
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

    def _build_routes(self):
        for template, item in self.document["paths"].items():
            shared = item.get("parameters", [])
            for method, operation in item.items():
                if method in _HTTP_METHODS:
                    yield self._route(template, method.upper(), operation, shared)

    def _route(self, template: str, method: str, operation: dict, shared: list) -> Route:
        params = [self.resolve(p) for p in shared + operation.get("parameters", [])]
        regex, names = _template_regex(template)
        bodies = [p for p in params if p["in"] == "body"]
        return Route(
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

    # -- validation ------------------------------------------------------------

    def check_parameter(self, param: dict, raw: str) -> tuple[Any, list[Problem]]:
        """Coerce a path/query string to the parameter's type and check limits."""
        name = param["name"]
        if param.get("type") in ("integer", "number"):
            try:
                value: Any = int(raw) if param["type"] == "integer" else float(raw)
            except ValueError:
                return raw, [Problem("InvalidParameterType", f"'{name}' must be a {param['type']}, got {raw!r}.", name)]
        elif param.get("type") == "boolean":
            if raw.lower() not in ("true", "false"):
                return raw, [Problem("InvalidParameterType", f"'{name}' must be true or false, got {raw!r}.", name)]
            value = raw.lower() == "true"
        else:
            value = raw
        return value, self._check_scalar(param, value, name)

    def check_value(self, schema: dict, value: Any, target: str = "") -> list[Problem]:
        """Check a JSON value against a (request) schema; readOnly parts are ignored."""
        schema = self.flatten(schema)
        kind = schema.get("type") or ("object" if "properties" in schema else None)
        if kind and not _is_type(value, kind):
            where = target or "request body"
            return [Problem("InvalidPropertyType", f"'{where}' must be of type {kind}.", target)]
        if kind == "object":
            return self._check_object(schema, value, target)
        if kind == "array":
            item_schema = schema.get("items", {})
            return [p for i, item in enumerate(value) for p in self.check_value(item_schema, item, f"{target}[{i}]")]
        return self._check_scalar(schema, value, target)

    def _check_object(self, schema: dict, value: dict, target: str) -> list[Problem]:
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
                    continue  # ARM ignores unknown properties
            elif self.resolve(sub).get("readOnly") or sub.get("readOnly"):
                continue  # read-only values sent by clients are ignored, not rejected
            if item is not None:
                problems += self.check_value(sub, item, _join(target, name))
        return problems

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
