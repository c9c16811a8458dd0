"""Replay every x-ms-examples file of the spec against the SDK, sync and async, over the local ARM server.

Each example names its operation (through the spec's ``x-ms-examples``); the generator's code model maps
that operation to the SDK method and its parameters, so no example has code of its own. The server is
scripted with the request the example implies (path, query, body) and answers with the example's
responses; the SDK's result must serialize back to the example's response body.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from conftest import SUBSCRIPTION_ID, make_async_client, run_async
from msrest.serialization import Deserializer

import batchai.models
from codegen.codemodel import CodeModel, Operation
from codegen.config import load_config
from codegen.generate import build_code_models

ROOT = Path(__file__).resolve().parents[1]
CONFIG = load_config(ROOT / "sdk.toml")
SPEC_PATH = CONFIG.default.spec
EXAMPLES_DIR = SPEC_PATH.parent / "examples"
EXAMPLE_FILES = sorted(path.name for path in EXAMPLES_DIR.glob("*.json"))
EXPECTED_EXAMPLE_COUNT = 22
PUBLIC_ARM = "https://management.azure.com"
MAX_ITEMS = 1000  # bounds iterating a pager: every example is a single, short page

# Examples whose response carries timestamps msrest writes back in another (equivalent) form: compared
# after parsing every ISO-8601 string on both sides.
DATETIME_NORMALIZED = {
    "ListOutputFiles.json": "lastModified '2017-09-28T00:22:19Z' comes back as '2017-09-28T00:22:19.000Z' "
    "(msrest always writes milliseconds)",
}
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


# -- the spec and the code model ------------------------------------------------------------------


@dataclass(frozen=True)
class ExampleRef:
    file: str  # file name under EXAMPLES_DIR
    operation_id: str
    method: str  # HTTP method, upper case
    template: str  # the spec's path template
    parameters: tuple[dict, ...]  # the operation's spec parameters, $refs resolved


@functools.cache
def _spec() -> dict:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


@functools.cache
def _code_model() -> CodeModel:
    return build_code_models(CONFIG)[CONFIG.default]


def _resolve(parameter: dict) -> dict:
    ref = parameter.get("$ref")
    if ref is None:
        return parameter
    prefix = "#/parameters/"
    assert ref.startswith(prefix), f"unexpected parameter reference {ref}"
    return _spec()["parameters"][ref.removeprefix(prefix)]


@functools.cache
def _example_refs() -> tuple[ExampleRef, ...]:
    refs = []
    for template, item in _spec()["paths"].items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method == "parameters":
                continue
            parameters = tuple(_resolve(param) for param in [*shared, *operation.get("parameters", [])])
            for example in operation.get("x-ms-examples", {}).values():
                path = (SPEC_PATH.parent / example["$ref"]).resolve()
                assert path.parent == EXAMPLES_DIR.resolve(), f"{example['$ref']} is outside {EXAMPLES_DIR}"
                refs.append(ExampleRef(path.name, operation["operationId"], method.upper(), template, parameters))
    return tuple(refs)


def _ref_for(file: str) -> ExampleRef:
    matches = [ref for ref in _example_refs() if ref.file == file]
    assert len(matches) == 1, f"{file} is referenced by {[ref.operation_id for ref in matches]}"
    return matches[0]


def _sdk_operation(operation_id: str) -> tuple[str, Operation]:
    """(client attribute of the operation group, the code model's operation)."""
    found = [
        (group.attribute_name, operation)
        for group in _code_model().operation_groups
        for operation in group.operations
        if operation.operation_id == operation_id
    ]
    assert len(found) == 1, f"{operation_id} is in the code model {len(found)} times"
    return found[0]


# -- from an example to an SDK call and the exchanges it should cause ---------------------------------


@dataclass(frozen=True)
class Exchange:
    """One request the SDK must send, and the scripted answer."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int
    response_body: Any = None
    headers: dict[str, str] | None = None


@dataclass
class Replay:
    file: str
    group: str
    operation: Operation
    args: list[Any]
    kwargs: dict[str, Any]
    exchanges: list[Exchange]
    final_body: Any  # the example's final response body (None when it has none)


def _wire_text(value: Any) -> str:
    return json.dumps(value) if isinstance(value, bool) else str(value)


def _request_path(template: str, values: dict[str, Any]) -> str:
    # the SDK quotes each path value completely (msrest Serializer.url)
    return re.sub(r"\{(\w+)\}", lambda match: quote(_wire_text(values[match.group(1)]), safe=""), template)


def _check_example_parameters(operation: Operation, values: dict[str, Any]) -> None:
    known = {param.wire_name for param in operation.parameters}
    assert set(values) <= known, f"example parameters unknown to {operation.operation_id}: {set(values) - known}"
    for param in operation.parameters:
        if param.wire_name not in values:
            continue
        if param.constant is not None:  # api-version: the client's default, never passed
            assert values[param.wire_name] == param.constant
        elif param.client_level:
            assert param.wire_name == "subscriptionId", f"unexpected client parameter {param.wire_name}"
            assert values[param.wire_name] == SUBSCRIPTION_ID


def _call_arguments(operation: Operation, values: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """The SDK method's arguments: positional ones in signature order while given, the rest by keyword."""
    _check_example_parameters(operation, values)
    arguments: dict[str, Any] = {}
    for param in operation.method_parameters:
        if param.wire_name in values:
            value = values[param.wire_name]
            if param.location == "body":
                value = getattr(batchai.models, param.type.serialization).deserialize(value)
            arguments[param.name] = value
    for group in operation.groups:
        members = {member.name: values[member.wire_name] for member in group.members if member.wire_name in values}
        if members or group.required:
            arguments[group.name] = getattr(batchai.models, group.model.name)(**members)
    args = []
    for item in operation.positional:
        if item.name not in arguments:
            break
        args.append(arguments.pop(item.name))
    return args, arguments


def _initial_request(ref: ExampleRef, values: dict[str, Any]) -> dict[str, Any]:
    query = {param["name"] for param in ref.parameters if param["in"] == "query"}
    body = next((param["name"] for param in ref.parameters if param["in"] == "body"), None)
    return {
        "method": ref.method,
        "path": _request_path(ref.template, values),
        "query": {name: _wire_text(values[name]) for name in sorted(query) if name in values},
        "body": values.get(body) if body else None,
    }


def _long_running_exchanges(request: dict[str, Any], responses: dict[str, dict]) -> tuple[list[Exchange], Any]:
    """The initial request answered 202 + Location, then the GET on Location answered with the final response."""
    accepted = responses["202"]
    headers = {name: "0" if name.lower() == "retry-after" else value for name, value in accepted["headers"].items()}
    location = next(value for name, value in headers.items() if name.lower() == "location")
    assert location.startswith(PUBLIC_ARM), f"Location {location} is not under {PUBLIC_ARM}"
    # the first final response the example lists (the delete examples list 200 and 204 alike)
    status, final = next((int(code), response) for code, response in responses.items() if code != "202")
    monitor = urlsplit(location)
    exchanges = [
        Exchange(**request, status=202, headers=headers),
        Exchange(
            "GET",
            monitor.path,
            dict(parse_qsl(monitor.query, keep_blank_values=True)),
            None,
            status,
            final.get("body"),
        ),
    ]
    return exchanges, final.get("body")


def _plain_exchanges(request: dict[str, Any], responses: dict[str, dict]) -> tuple[list[Exchange], Any]:
    assert len(responses) == 1, f"expected one response, got {list(responses)}"
    [(status, response)] = responses.items()
    body = response.get("body")
    return [Exchange(**request, status=int(status), response_body=body, headers=response.get("headers"))], body


def _replay(file: str) -> Replay:
    ref = _ref_for(file)
    example = json.loads((EXAMPLES_DIR / file).read_text(encoding="utf-8"))
    group, operation = _sdk_operation(ref.operation_id)
    values = example["parameters"]
    args, kwargs = _call_arguments(operation, values)
    request = _initial_request(ref, values)
    plan = _long_running_exchanges if operation.long_running else _plain_exchanges
    exchanges, final_body = plan(request, example["responses"])
    if operation.is_paging:
        assert "nextLink" not in final_body, "the replay serves exactly one page"
    return Replay(file, group, operation, args, kwargs, exchanges, final_body)


def _script(arm_server, replay: Replay) -> None:
    for exchange in replay.exchanges:
        arm_server.script(
            exchange.method,
            exchange.path,
            query=exchange.query,
            body=exchange.body,
            status=exchange.status,
            response_body=exchange.response_body,
            headers=exchange.headers,
        )


# -- running the call ------------------------------------------------------------------------------------


def _sdk_method(client, replay: Replay):
    return getattr(getattr(client, replay.group), replay.operation.name)


def _call_sync(client, replay: Replay) -> Any:
    outcome = _sdk_method(client, replay)(*replay.args, **replay.kwargs)
    if replay.operation.long_running:
        return outcome.result()
    if replay.operation.is_paging:
        return list(islice(outcome, MAX_ITEMS))
    return outcome


async def _call_async(arm_server, async_credential, replay: Replay) -> Any:
    async with make_async_client(arm_server, async_credential) as client:
        method = _sdk_method(client, replay)
        if replay.operation.is_paging:
            items: list[Any] = []
            async for item in method(*replay.args, **replay.kwargs):
                items.append(item)
                if len(items) >= MAX_ITEMS:
                    break
            return items
        outcome = await method(*replay.args, **replay.kwargs)
        return await outcome.result() if replay.operation.long_running else outcome


# -- checking the outcome -------------------------------------------------------------------------------


def _normalize_datetimes(value: Any) -> Any:
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        return Deserializer.deserialize_iso(value)
    if isinstance(value, dict):
        return {key: _normalize_datetimes(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normalize_datetimes(item) for item in value]
    return value


def _assert_round_trip(file: str, actual: Any, expected: Any) -> None:
    if file not in DATETIME_NORMALIZED:
        assert actual == expected
        return
    assert actual != expected, f"{file} round-trips exactly now: drop it from DATETIME_NORMALIZED"
    assert _normalize_datetimes(actual) == _normalize_datetimes(expected)


def _check_result(replay: Replay, result: Any) -> None:
    operation = replay.operation
    if operation.is_paging:
        model = getattr(batchai.models, operation.paging_item_type.serialization)
        assert all(isinstance(item, model) for item in result)
        serialized = [item.serialize(keep_readonly=True) for item in result]
        _assert_round_trip(replay.file, serialized, replay.final_body["value"])
        return
    result_type = operation.final_result_type if operation.long_running else operation.result_type
    if result_type is None:
        assert result is None
        assert replay.final_body is None
        return
    assert isinstance(result, getattr(batchai.models, result_type.serialization))
    _assert_round_trip(replay.file, result.serialize(keep_readonly=True), replay.final_body)


def _check_traffic(arm_server, replay: Replay) -> None:
    assert arm_server.mismatches == []
    assert arm_server.pending_scripts == []
    sent = [(request.method, request.path) for request in arm_server.requests]
    assert sent == [(exchange.method, exchange.path) for exchange in replay.exchanges]


# -- tests --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("file", EXAMPLE_FILES, ids=[Path(file).stem for file in EXAMPLE_FILES])
def test_example_replays(file, mode, arm_server, client, async_credential) -> None:
    replay = _replay(file)
    _script(arm_server, replay)
    if mode == "sync":
        result = _call_sync(client, replay)
    else:
        result = run_async(_call_async(arm_server, async_credential, replay))
    _check_traffic(arm_server, replay)
    _check_result(replay, result)


def test_every_example_file_is_replayed_and_names_one_operation() -> None:
    refs = _example_refs()
    assert len(EXAMPLE_FILES) == EXPECTED_EXAMPLE_COUNT
    assert sorted({ref.file for ref in refs}) == EXAMPLE_FILES
    counts = Counter(ref.file for ref in refs)
    assert {file: count for file, count in counts.items() if count != 1} == {}
    for ref in refs:
        _sdk_operation(ref.operation_id)
