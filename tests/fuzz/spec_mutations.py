"""Mutations of a Swagger 2.0 document, for fuzzing the generator with hypothesis.

Each mutation kind is a function `(document, draw) -> str` that changes the document in place and
says what it did (the description shows in a failing example). `draw` is hypothesis' `data.draw`, so
every choice (which schema, which key, which bad value) is a hypothesis draw and shrinks.

The kinds: drop a key; give a key a value of the wrong JSON type; dangling and cyclic `$ref`s; unknown
`type`s and `format`s; duplicate operationIds; names that are Python keywords or names the generated
code uses itself; names that collide once made Python names (properties, parameters, models, operation
groups, operations); enum values that collide as member names; empty and non-ASCII names; `x-ms-*`
extensions with values of the wrong type or shape; bad constraints and defaults; tricky description
text; flattening and discriminators where the spec had none; broken paths and status codes.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Iterator
from typing import Any

from hypothesis import strategies as st

Document = dict[str, Any]
Tokens = tuple[Any, ...]  # a location in the document: keys and list indexes from the root
Draw = Callable[[st.SearchStrategy[Any]], Any]

HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head")

# values of every JSON type (and JSON's edge values: 1e999 reads as inf, huge integers, empty containers)
JUNK: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    7,
    1.5,
    float("inf"),
    10**30,
    "",
    "x",
    "class",
    "#/definitions/Nope",
    [],
    ["x"],
    [1, None],
    {},
    {"x": 1},
    {"$ref": "#/definitions/Nope"},
    {"type": 5},
]
DANGLING_REFS = [
    "#/definitions/Nope",
    "#/parameters/Nope",
    "#/responses/Nope",
    "#/definitions",
    "#/definitions/",
    "#/",
    "#",
    "",
    "Nope",
    "other.json#/definitions/Job",
    "#/paths/~1nope",
    "#/info",
    "#/info/title",
    "#/definitions/~2bad",
    "#/definitions/Job/properties/nope",
    "#/swagger",
]
TYPES: list[Any] = ["foo", "null", "any", "file", "array", "object", "integer", "number", "boolean", "string", ""]
TYPES += [["string", "null"], 5, None, {"type": "string"}]
FORMATS: list[Any] = ["int128", "uuid", "password", "decimal", "char", "arm-id", "", "date-time", "date", "duration"]
FORMATS += ["byte", "base64url", "unixtime", "date-time-rfc1123", "int32", "int64", "float", "double", "binary"]
FORMATS += ["file", "url", 5, None, ["date"]]
# names the generated code, msrest or Python give a meaning of their own
PYTHON_NAMES = sorted(set(keyword.kwlist) | set(keyword.softkwlist)) + [
    "self",
    "cls",
    "kwargs",
    "args",
    "models",
    "validate",
    "serialize",
    "deserialize",
    "as_dict",
    "from_dict",
    "additional_properties",
    "is_xml_model",
    "polling",
    "polling_interval",
    "continuation_token",
    "error_map",
    "headers",
    "params",
    "content_type",
    "api_version",
    "apiVersion",
    "subscription_id",
    "credential",
    "base_url",
    "request",
    "response",
    "pipeline_response",
    "deserialized",
    "initial_response",
    "url",
    "path_arguments",
    "accept",
    "next_link",
    "next_page",
    "page_items",
    "prepare_request",
    "extract_data",
    "get_next",
    "client",
    "config",
    "close",
    "send_request",
    "Enum",
    "str",
    "int",
    "list",
    "dict",
    "object",
    "Any",
    "IO",
    "datetime",
    "re",
    "urllib",
    "WireModel",
    "ContentDecodePolicy",
    "CheckedARMPolling",
    "ItemPaged",
    "LROPoller",
    "HttpRequest",
    "Model",
    "__init__",
    "__class__",
    "_attribute_map",
    "__foo",
    "_",
    "1st",
    "API_VERSIONS",
    "Operations",
]
NON_ASCII_NAMES = ["café", "naïve", "名前", "Ünïcödé", "ﬁle", "𝔲𝔫𝔦", "ª", "μs", "a\u200bb", "x²", "Ⅸ", "é"]
TRICKY_TEXT = [
    '"""',
    "'''",
    'ends with a quote"',
    "back\\slash",
    "\\N",
    "\\x",
    "\\u12",
    "nul\x00byte",
    "carriage\rreturn",
    "line\u2028separator",
    "form\x0cfeed",
    "tab\there",
    "}}{{ %s {0}",
    "word" * 80,
    "    ",
    ":param x: y",
    "é" * 5,
    "\ud800",
]
ENUM_COLLISIONS: list[list[Any]] = [
    ["a-b", "a_b"],
    ["A", "a"],
    ["", "_"],
    ["1", "_1"],
    [1, "1"],
    [True, "True"],
    [None, "None"],
    ["x", "x"],
    ["fooBar", "foo_bar", "FOO BAR"],
    ["名前", "café"],
    [],
    [[1], {"a": 1}],
    ["mro", "name", "value", "_value_", "__init__"],
    [1.5, 2],
]
PATTERNS: list[Any] = ["[", "(?<x", "\\p{L}+", "(?i)a", "a{2,1}", "\\", "^[^/]*$", "", 5, None, ".*\x00"]
STATUSES = ["abc", "2XX", "600", "0", "99", "", "default", "1e2", " 200"]


# -- finding things in a document -----------------------------------------------------------------


def locate(document: Any, tokens: Tokens) -> Any:
    node = document
    for token in tokens:
        node = node[token]
    return node


def pointer(tokens: Tokens) -> str:
    return "#" + "".join("/" + str(token).replace("~", "~0").replace("/", "~1") for token in tokens)


def _dict(node: Any) -> dict[str, Any]:
    return node if isinstance(node, dict) else {}


def _list(node: Any) -> list[Any]:
    return node if isinstance(node, list) else []


def operations(document: Document) -> list[Tokens]:
    found = []
    for path, item in _dict(document.get("paths")).items():
        for method in HTTP_METHODS:
            if isinstance(_dict(item).get(method), dict):
                found.append(("paths", path, method))
    return found


def parameters(document: Document) -> list[Tokens]:
    found = [("parameters", name) for name, node in _dict(document.get("parameters")).items() if isinstance(node, dict)]
    for path, item in _dict(document.get("paths")).items():
        for index, node in enumerate(_list(_dict(item).get("parameters"))):
            if isinstance(node, dict):
                found.append(("paths", path, "parameters", index))
    for tokens in operations(document):
        for index, node in enumerate(_list(locate(document, tokens).get("parameters"))):
            if isinstance(node, dict):
                found.append((*tokens, "parameters", index))
    return found


def responses(document: Document) -> list[Tokens]:
    found = []
    for tokens in operations(document):
        for status, node in _dict(locate(document, tokens).get("responses")).items():
            if isinstance(node, dict):
                found.append((*tokens, "responses", status))
    return found


def schemas(document: Document) -> list[Tokens]:
    """Every schema object: definitions, what they nest, and the schemas of parameters and responses."""
    roots = [("definitions", name) for name in _dict(document.get("definitions"))]
    roots += [(*tokens, "schema") for tokens in parameters(document) + responses(document)]
    found: list[Tokens] = []
    pending = [tokens for tokens in roots if isinstance(_get(document, tokens), dict)]
    while pending and len(found) < 5000:
        tokens = pending.pop(0)
        found.append(tokens)
        node = locate(document, tokens)
        nested = [(*tokens, "properties", name) for name in _dict(node.get("properties"))]
        nested += [(*tokens, key) for key in ("items", "additionalProperties")]
        nested += [(*tokens, "allOf", index) for index in range(len(_list(node.get("allOf"))))]
        pending.extend(inner for inner in nested if isinstance(_get(document, inner), dict))
    return found


def _get(document: Any, tokens: Tokens) -> Any:
    try:
        return locate(document, tokens)
    except (KeyError, IndexError, TypeError):
        return None


def _resolved(document: Any, node: Any) -> dict[str, Any]:
    """A parameter object, through its `$ref` into #/parameters if it has one."""
    ref = node.get("$ref") if isinstance(node, dict) else None
    if isinstance(ref, str) and ref.startswith("#/parameters/"):
        node = _get(document, ("parameters", ref.removeprefix("#/parameters/")))
    return node if isinstance(node, dict) else {}


def refs(document: Any, tokens: Tokens = ()) -> Iterator[Tokens]:
    """Every object holding a `$ref`."""
    node = locate(document, tokens)
    if isinstance(node, dict):
        if "$ref" in node:
            yield tokens
        for key in node:
            yield from refs(document, (*tokens, key))
    elif isinstance(node, list):
        for index in range(len(node)):
            yield from refs(document, (*tokens, index))


def objects(document: Any) -> list[Tokens]:
    """Every JSON object in the document, the root included."""
    found: list[Tokens] = []
    pending: list[Tokens] = [()]
    while pending:
        tokens = pending.pop()
        node = locate(document, tokens)
        if isinstance(node, dict):
            found.append(tokens)
            pending.extend((*tokens, key) for key in node)
        elif isinstance(node, list):
            pending.extend((*tokens, index) for index in range(len(node)))
    return sorted(found, key=pointer)


# -- choosing ---------------------------------------------------------------------------------------


def _pick(draw: Draw, candidates: list[Any]) -> Any:
    return draw(st.sampled_from(candidates)) if candidates else None


def _structural(document: Document) -> list[Tokens]:
    """The objects whose keys the generator reads: schemas, parameters, operations, responses, the root..."""
    found = schemas(document) + parameters(document) + operations(document) + responses(document)
    found += [(), ("info",), *(("paths", path) for path in _dict(document.get("paths")))]
    found += [(*tokens, "x-ms-pageable") for tokens in operations(document)]
    return [tokens for tokens in found if isinstance(_get(document, tokens), dict)]


def _target(document: Document, draw: Draw) -> Tokens | None:
    """An object the generator reads, or (less often) any object at all."""
    candidates = _structural(document) if draw(st.integers(0, 3)) else objects(document)
    return _pick(draw, candidates)


def _variants(name: str) -> list[str]:
    """Other spellings that become the same Python name (snake_case / PascalCase)."""
    if not name:
        return ["_", "-"]
    lower_first = name[0].lower() + name[1:]
    upper_first = name[0].upper() + name[1:]
    snake = "".join("_" + char.lower() if char.isupper() else char for char in name).lstrip("_")
    return sorted(
        {lower_first, upper_first, snake, snake.upper(), snake.replace("_", "-"), name + "_", "_" + name} - {name}
    )


# -- the mutation kinds -----------------------------------------------------------------------------


def drop_key(document: Document, draw: Draw) -> str:
    tokens = _target(document, draw)
    node = _get(document, tokens) if tokens is not None else None
    if not node:
        return "drop_key: nothing to drop"
    key = draw(st.sampled_from(sorted(node)))
    del node[key]
    return f"drop_key {pointer((*tokens, key))}"


def retype_key(document: Document, draw: Draw) -> str:
    tokens = _target(document, draw)
    node = _get(document, tokens) if tokens is not None else None
    if not node:
        return "retype_key: nothing to retype"
    key = draw(st.sampled_from(sorted(node)))
    old = node[key]
    value = draw(st.sampled_from([junk for junk in JUNK if type(junk) is not type(old)]))
    node[key] = value
    return f"retype_key {pointer((*tokens, key))} = {value!r}"


def dangling_ref(document: Document, draw: Draw) -> str:
    found = list(refs(document))
    if draw(st.booleans()) or not found:
        tokens = _pick(draw, schemas(document) + parameters(document) + responses(document))
        if tokens is None:
            return "dangling_ref: no target"
        node = locate(document, tokens)
        node.clear()
    else:
        tokens = draw(st.sampled_from(found))
        node = locate(document, tokens)
    node["$ref"] = draw(st.sampled_from(DANGLING_REFS))
    return f"dangling_ref {pointer(tokens)} -> {node['$ref']!r}"


def ref_cycle(document: Document, draw: Draw) -> str:
    definitions = document.setdefault("definitions", {})
    if not isinstance(definitions, dict) or not definitions:
        return "ref_cycle: no definitions"
    names = sorted(definitions)
    first = draw(st.sampled_from(names))
    second = draw(st.sampled_from(names))
    ref_first, ref_second = {"$ref": pointer(("definitions", first))}, {"$ref": pointer(("definitions", second))}
    shape = draw(
        st.sampled_from(["self", "pair", "allOf-pair", "allOf-self", "array-self", "map-self", "inner", "parameter"])
    )
    if shape == "self":
        definitions[first] = ref_first
    elif shape == "pair":
        definitions[first], definitions[second] = ref_second, ref_first
    elif shape == "allOf-pair":
        for name, parent in ((first, ref_second), (second, ref_first)):
            if isinstance(definitions[name], dict):
                definitions[name]["allOf"] = [parent]
    elif shape == "allOf-self":
        definitions[first] = {"type": "object", "allOf": [ref_first], "properties": {"x": {"type": "string"}}}
    elif shape == "array-self":
        definitions[first] = {"type": "array", "items": ref_first}
    elif shape == "map-self":
        definitions[first] = {"type": "object", "additionalProperties": ref_first}
    elif shape == "inner":
        inner = pointer(("definitions", first, "properties", "loop"))
        definitions[first] = {"type": "object", "properties": {"loop": {"$ref": inner}}}
    else:
        shared = document.setdefault("parameters", {})
        if not isinstance(shared, dict) or not shared:
            return "ref_cycle: no shared parameters"
        name = draw(st.sampled_from(sorted(shared)))
        shared[name] = {"$ref": pointer(("parameters", name))}
        return f"ref_cycle parameter {name}"
    return f"ref_cycle {shape} {first} {second}"


def unknown_type(document: Document, draw: Draw) -> str:
    tokens = _pick(draw, schemas(document) + parameters(document))
    if tokens is None:
        return "unknown_type: no schema"
    value = draw(st.sampled_from(TYPES))
    locate(document, tokens)["type"] = value
    return f"unknown_type {pointer(tokens)} = {value!r}"


def unknown_format(document: Document, draw: Draw) -> str:
    tokens = _pick(draw, schemas(document) + parameters(document))
    if tokens is None:
        return "unknown_format: no schema"
    value = draw(st.sampled_from(FORMATS))
    node = locate(document, tokens)
    node["format"] = value
    if draw(st.booleans()):
        node["type"] = draw(st.sampled_from(["string", "integer", "number", "boolean"]))
    return f"unknown_format {pointer(tokens)} = {value!r}, type {node.get('type')!r}"


def duplicate_operation_id(document: Document, draw: Draw) -> str:
    found = operations(document)
    if len(found) < 2:
        return "duplicate_operation_id: fewer than two operations"
    first, second = draw(st.lists(st.sampled_from(found), min_size=2, max_size=2, unique=True))
    value = locate(document, first).get("operationId")
    if isinstance(value, str) and draw(st.booleans()):
        value = draw(st.sampled_from([value, value.lower(), value.upper(), value.replace("_", "__")]))
    locate(document, second)["operationId"] = value
    return f"duplicate_operation_id {pointer(second)} = {value!r}"


# -- names ---------------------------------------------------------------------------------------------


def name_sites(document: Document) -> list[tuple[str, Tokens]]:
    """Where the spec names something the generated code has a name for."""
    sites: list[tuple[str, Tokens]] = [
        ("definition", ("definitions", name)) for name in _dict(document.get("definitions"))
    ]
    for tokens in schemas(document):
        node = locate(document, tokens)
        sites += [("property", (*tokens, "properties", name)) for name in _dict(node.get("properties"))]
        if isinstance(node.get("x-ms-enum"), dict):
            sites.append(("enum-name", (*tokens, "x-ms-enum")))
        if isinstance(node.get("enum"), list) and node["enum"]:
            sites.append(("enum-value", (*tokens, "enum")))
        if tokens[-2:-1] == ("properties",):
            sites.append(("client-name", tokens))
    for tokens in parameters(document):
        sites += [("parameter", tokens), ("client-name", tokens)]
        if isinstance(locate(document, tokens).get("x-ms-parameter-grouping"), dict):
            sites.append(("grouping", tokens))
    for tokens in operations(document):
        sites += [("operation-group", tokens), ("operation-name", tokens)]
    sites += [("title", ("info",)), ("client", ("info",))]
    return sites


def rename(document: Document, site: tuple[str, Tokens], new: Any) -> str:
    kind, tokens = site
    node = locate(document, tokens)
    if kind == "definition":
        definitions = document["definitions"]
        old = tokens[-1]
        if new in definitions:
            return f"rename definition {old!r}: {new!r} exists"
        document["definitions"] = {(new if name == old else name): value for name, value in definitions.items()}
        _retarget(document, pointer(("definitions", old)), pointer(("definitions", new)))
    elif kind == "property":
        owner = locate(document, tokens[:-2])
        old = tokens[-1]
        if new in owner["properties"]:
            return f"rename property {old!r}: {new!r} exists"
        owner["properties"] = {(new if name == old else name): value for name, value in owner["properties"].items()}
        if isinstance(owner.get("required"), list):
            owner["required"] = [new if name == old else name for name in owner["required"]]
    elif kind == "enum-name":
        node["name"] = new
    elif kind == "enum-value":
        node[0] = new
    elif kind == "client-name":
        node["x-ms-client-name"] = new
    elif kind == "parameter":
        node["name"] = new
    elif kind == "grouping":
        node["x-ms-parameter-grouping"]["name"] = new
    elif kind in ("operation-group", "operation-name"):
        group, _, name = str(node.get("operationId", "")).rpartition("_")
        node["operationId"] = f"{new}_{name}" if kind == "operation-group" else f"{group}_{new}" if group else new
    elif kind == "title":
        node["title"] = new
    else:
        node.setdefault("x-ms-code-generation-settings", {})
        if isinstance(node["x-ms-code-generation-settings"], dict):
            node["x-ms-code-generation-settings"]["name"] = new
    return f"rename {kind} {pointer(tokens)} -> {new!r}"


def _retarget(node: Any, old: str, new: str) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and (ref == old or ref.startswith(old + "/")):
            node["$ref"] = new + ref[len(old) :]
        for value in node.values():
            _retarget(value, old, new)
    elif isinstance(node, list):
        for value in node:
            _retarget(value, old, new)


def python_name(document: Document, draw: Draw) -> str:
    site = _pick(draw, name_sites(document))
    return rename(document, site, draw(st.sampled_from(PYTHON_NAMES))) if site else "python_name: no site"


def empty_name(document: Document, draw: Draw) -> str:
    site = _pick(draw, name_sites(document))
    return rename(document, site, draw(st.sampled_from(["", " ", "_", "-", "$", "."]))) if site else "empty: none"


def non_ascii_name(document: Document, draw: Draw) -> str:
    site = _pick(draw, name_sites(document))
    return rename(document, site, draw(st.sampled_from(NON_ASCII_NAMES))) if site else "non_ascii: no site"


def colliding_names(document: Document, draw: Draw) -> str:
    """Two things whose names become the same Python name."""
    what = draw(st.sampled_from(["property", "parameter", "definition", "group", "operation"]))
    if what == "property":
        owners = [tokens for tokens in schemas(document) if _dict(locate(document, tokens).get("properties"))]
        tokens = _pick(draw, owners)
        if tokens is None:
            return "colliding property: none"
        properties = locate(document, tokens)["properties"]
        name = draw(st.sampled_from(sorted(properties)))
        twin = draw(st.sampled_from(_variants(name)))
        if twin in properties:
            return f"colliding property {twin!r} exists"
        properties[twin] = properties[name]
        return f"colliding property {pointer(tokens)}: {name!r} and {twin!r}"
    if what == "parameter":
        in_lists = [tokens for tokens in parameters(document) if tokens[0] == "paths"]
        named = [(t, _resolved(document, locate(document, t))) for t in in_lists]
        tokens, node = _pick(draw, [(t, n) for t, n in named if isinstance(n.get("name"), str)]) or (None, None)
        if tokens is None:
            return "colliding parameter: none"
        twin = dict(node, name=draw(st.sampled_from(_variants(node["name"]))))
        if draw(st.booleans()):
            twin["in"] = "query"
            twin.pop("schema", None)
            twin["type"] = "string"
        locate(document, tokens[:-1]).append(twin)
        return f"colliding parameter {pointer(tokens)}: {node['name']!r} and {twin['name']!r}"
    if what == "definition":
        definitions = _dict(document.get("definitions"))
        if not definitions:
            return "colliding definition: none"
        name = draw(st.sampled_from(sorted(definitions)))
        twin = draw(st.sampled_from(_variants(name)))
        if twin in definitions:
            return f"colliding definition {twin!r} exists"
        definitions[twin] = definitions[name]
        users = [
            tokens for tokens in refs(document) if locate(document, tokens)["$ref"] == pointer(("definitions", name))
        ]
        if users:
            locate(document, draw(st.sampled_from(users)))["$ref"] = pointer(("definitions", twin))
        return f"colliding definition {name!r} and {twin!r}"
    found = [t for t in operations(document) if isinstance(locate(document, t).get("operationId"), str)]
    if len(found) < 2:
        return f"colliding {what}: fewer than two operations"
    first, second = draw(st.lists(st.sampled_from(found), min_size=2, max_size=2, unique=True))
    group, _, name = locate(document, first)["operationId"].rpartition("_")
    other_group, _, other_name = locate(document, second)["operationId"].rpartition("_")
    if what == "group":
        value = f"{draw(st.sampled_from(_variants(group)))}_{other_name}"
    else:
        value = f"{group}_{draw(st.sampled_from(_variants(name)))}" if group else draw(st.sampled_from(_variants(name)))
    locate(document, second)["operationId"] = value
    return f"colliding {what} {pointer(second)} = {value!r} (beside {locate(document, first)['operationId']!r})"


def enum_collision(document: Document, draw: Draw) -> str:
    tokens = _pick(draw, schemas(document) + parameters(document))
    if tokens is None:
        return "enum_collision: no schema"
    node = locate(document, tokens)
    node["enum"] = list(draw(st.sampled_from(ENUM_COLLISIONS)))
    if draw(st.booleans()):
        node["x-ms-enum"] = {"name": draw(st.sampled_from(["Color", "Job", "JobState", "X"])), "modelAsString": True}
    return f"enum_collision {pointer(tokens)} = {node['enum']!r}"


# -- extensions, constraints, text, structure -------------------------------------------------------------

EXTENSIONS: dict[str, list[Any]] = {
    "x-ms-pageable": [True, "x", {"nextLinkName": 5}, {"itemName": "nope"}, {"nextLinkName": None}, {}, []],
    "x-ms-long-running-operation": ["yes", 1, None, True],
    "x-ms-long-running-operation-options": [[], "x", {"final-state-via": 5}, {"final-state-via": "nowhere"}],
    "x-ms-client-flatten": ["x", 1, True, None],
    "x-ms-client-name": [5, "", "class", None, [], "a b", "x-y"],
    "x-ms-enum": ["x", {"name": 5}, {"modelAsString": "x"}, {"name": ""}, [], {"values": 5}],
    "x-ms-parameter-location": [5, "nowhere", None, "client"],
    "x-ms-parameter-grouping": ["x", {"name": 5}, {"postfix": 5}, {}, {"name": ""}, {"name": "Job"}],
    "x-ms-examples": [[], {"a": "b"}, {"a": {"$ref": 5}}, "x"],
    "x-ms-secret": ["x", 1, True],
    "x-ms-azure-resource": ["x", 1, True],
    "x-ms-external": ["x", 1, True],
    "x-nullable": ["x", 1, None, False],
    "x-ms-code-generation-settings": ["x", {"name": 5}, {"name": "class"}, {"name": ""}, []],
    "x-ms-paths": [5, {}],
}


def extension(document: Document, draw: Draw) -> str:
    tokens = _target(document, draw)
    if tokens is None:
        return "extension: no target"
    key = draw(st.sampled_from(sorted(EXTENSIONS)))
    value = draw(st.sampled_from(EXTENSIONS[key]))
    locate(document, tokens)[key] = value
    return f"extension {pointer((*tokens, key))} = {value!r}"


def constraint(document: Document, draw: Draw) -> str:
    tokens = _pick(draw, schemas(document) + parameters(document))
    if tokens is None:
        return "constraint: no schema"
    key = draw(st.sampled_from(["pattern", "minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems"]))
    value = draw(st.sampled_from(PATTERNS if key == "pattern" else [-1, 0, 1.5, float("inf"), 10**30, "x", None, True]))
    locate(document, tokens)[key] = value
    return f"constraint {pointer((*tokens, key))} = {value!r}"


def bad_default(document: Document, draw: Draw) -> str:
    tokens = _pick(draw, schemas(document) + parameters(document))
    if tokens is None:
        return "default: no schema"
    node = locate(document, tokens)
    node["default"] = draw(st.sampled_from(JUNK + ["\"'\\", "2018-05-01T00:00:00Z", "P1D"]))
    if tokens[-2:-1] == ("properties",) and draw(st.booleans()):
        owner = locate(document, tokens[:-2])  # a required property's default is a client default, in the code
        owner["required"] = [*_list(owner.get("required")), tokens[-1]]
    return f"default {pointer(tokens)} = {node['default']!r}"


def tricky_text(document: Document, draw: Draw) -> str:
    tokens = _pick(draw, _structural(document))
    if tokens is None:
        return "tricky_text: no target"
    key = draw(st.sampled_from(["description", "title", "summary"]))
    text = draw(st.sampled_from(TRICKY_TEXT))
    locate(document, tokens)[key] = text
    return f"tricky_text {pointer((*tokens, key))} = {text!r}"


def flatten(document: Document, draw: Draw) -> str:
    candidates = [tokens for tokens in schemas(document) if tokens[-2:-1] == ("properties",)]
    tokens = _pick(draw, candidates)
    if tokens is None:
        return "flatten: no property"
    locate(document, tokens)["x-ms-client-flatten"] = True
    return f"flatten {pointer(tokens)}"


def discriminator(document: Document, draw: Draw) -> str:
    tokens = _pick(draw, [("definitions", name) for name in _dict(document.get("definitions"))])
    if tokens is None:
        return "discriminator: no definition"
    node = locate(document, tokens)
    if not isinstance(node, dict):
        return "discriminator: not an object"
    node["discriminator"] = draw(st.sampled_from(["kind", "name", 5, ""]))
    return f"discriminator {pointer(tokens)} = {node['discriminator']!r}"


def broken_path(document: Document, draw: Draw) -> str:
    paths = _dict(document.get("paths"))
    if not paths:
        return "broken_path: no paths"
    old = draw(st.sampled_from(sorted(paths)))
    new = draw(
        st.sampled_from(
            [
                old + "/{undeclared}",
                old.replace("{", "{{", 1),
                old.replace("}", "", 1),
                old.lstrip("/"),
                "",
                old + "?x=1",
                old + "#frag",
                old + "/{resourceGroupName}",
                "/",
                old + "/{a b}",
            ]
        )
    )
    if new in paths:
        return f"broken_path: {new!r} exists"
    document["paths"] = {(new if path == old else path): value for path, value in paths.items()}
    return f"broken_path {old!r} -> {new!r}"


def status_code(document: Document, draw: Draw) -> str:
    tokens = _pick(draw, responses(document))
    if tokens is None:
        return "status_code: no response"
    owner = locate(document, tokens[:-1])
    new = draw(st.sampled_from(STATUSES))
    if new in owner:
        return f"status_code: {new!r} exists"
    owner[new] = owner.pop(tokens[-1])
    return f"status_code {pointer(tokens)} -> {new!r}"


def required_list(document: Document, draw: Draw) -> str:
    tokens = _pick(draw, schemas(document))
    if tokens is None:
        return "required: no schema"
    value = draw(st.sampled_from([["nope"], "name", [5], [None], ["", "name", "name"], True, {}]))
    locate(document, tokens)["required"] = value
    return f"required {pointer(tokens)} = {value!r}"


KINDS: dict[str, Callable[[Document, Draw], str]] = {
    "drop_key": drop_key,
    "retype_key": retype_key,
    "dangling_ref": dangling_ref,
    "ref_cycle": ref_cycle,
    "unknown_type": unknown_type,
    "unknown_format": unknown_format,
    "duplicate_operation_id": duplicate_operation_id,
    "python_name": python_name,
    "colliding_names": colliding_names,
    "enum_collision": enum_collision,
    "empty_name": empty_name,
    "non_ascii_name": non_ascii_name,
    "extension": extension,
    "constraint": constraint,
    "bad_default": bad_default,
    "tricky_text": tricky_text,
    "flatten": flatten,
    "discriminator": discriminator,
    "broken_path": broken_path,
    "status_code": status_code,
    "required_list": required_list,
}


def mutate(document: Document, draw: Draw, max_mutations: int = 3) -> list[tuple[str, str]]:
    """Apply one to `max_mutations` mutations of random kinds; (kind, description) of each."""
    applied = []
    for _ in range(draw(st.integers(1, max_mutations))):
        kind = draw(st.sampled_from(sorted(KINDS)))
        applied.append((kind, KINDS[kind](document, draw)))
    return applied
