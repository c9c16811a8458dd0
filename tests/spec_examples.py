"""The x-ms-examples of every API version in sdk.toml, as SDK calls; shared by the example replay and the
end-to-end tours of every version.

An example names its operation through its spec's ``x-ms-examples``. The generator's code model of that
version maps the operation to the SDK method (its operation group, name, parameters, result), and the
version's own models build the method's arguments from the example's parameters. Nothing here knows a
version, an operation or an example by name: an API version added to sdk.toml is picked up as it is.
"""

from __future__ import annotations

import copy
import functools
import importlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote, unquote

from azure.core.async_paging import AsyncItemPaged
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.core.paging import ItemPaged
from azure.core.polling import AsyncLROPoller, LROPoller

from codegen.codemodel import CodeModel, Operation
from codegen.config import load_config
from codegen.generate import build_code_models

ROOT = Path(__file__).resolve().parents[1]
CONFIG = load_config(ROOT / "sdk.toml")
VERSIONS: tuple[str, ...] = tuple(api.version for api in CONFIG.api_versions)
SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"  # the subscription of every example
MAX_ITEMS = 1000  # bounds iterating a pager: the examples and the tours list a few items
HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head")


# -- an API version: its spec, code model, package ----------------------------------------------------------


@dataclass(frozen=True)
class ApiVersion:
    version: str
    spec_path: Path
    code_model: CodeModel

    @property
    def examples_dir(self) -> Path:
        return self.spec_path.parent / "examples"

    @functools.cached_property
    def document(self) -> dict:
        return json.loads(self.spec_path.read_text(encoding="utf-8"))

    @property
    def package(self) -> str:
        """The version's subpackage, e.g. batchai.v2018_03_01."""
        return self.code_model.package

    @property
    def models(self) -> ModuleType:
        return importlib.import_module(f"{self.package}.models")

    def client_class(self, is_async: bool) -> Any:
        """The version's own client class, ``batchai.vX.BatchAIManagementClient`` (or its aio twin)."""
        module = importlib.import_module(f"{self.package}.aio" if is_async else self.package)
        return getattr(module, self.code_model.client.name)

    def model(self, name: str) -> Any:
        return getattr(self.models, name)

    @functools.cached_property
    def operations(self) -> dict[str, tuple[str, Operation]]:
        """operationId -> (the client attribute of its operation group, the code model's operation)."""
        found: dict[str, tuple[str, Operation]] = {}
        for group in self.code_model.operation_groups:
            for operation in group.operations:
                assert operation.operation_id not in found, f"{self.version}: {operation.operation_id} twice"
                found[operation.operation_id] = (group.attribute_name, operation)
        return found

    def resolve_parameter(self, parameter: dict) -> dict:
        ref = parameter.get("$ref")
        if ref is None:
            return parameter
        prefix = "#/parameters/"
        assert ref.startswith(prefix), f"unexpected parameter reference {ref}"
        return self.document["parameters"][ref.removeprefix(prefix)]


@functools.cache
def api_version(version: str) -> ApiVersion:
    [api] = [api for api in CONFIG.api_versions if api.version == version]
    return ApiVersion(version, api.spec, _code_models()[api])


@functools.cache
def _code_models() -> dict:
    return build_code_models(CONFIG)


# -- the examples of a version ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    version: str
    file: str  # file name under the version's examples directory
    operation_id: str
    method: str  # HTTP method, upper case
    template: str  # the spec's path template
    spec_parameters: tuple[dict, ...]  # the operation's spec parameters, $refs resolved

    @property
    def api(self) -> ApiVersion:
        return api_version(self.version)

    def load(self) -> dict:
        """The example's JSON (a fresh copy: normalisations edit it)."""
        return copy.deepcopy(_example_json(self.version, self.file))

    @property
    def id(self) -> str:
        return f"{self.version}/{Path(self.file).stem}"


@functools.cache
def _example_json(version: str, file: str) -> dict:
    return json.loads((api_version(version).examples_dir / file).read_text(encoding="utf-8"))


@functools.cache
def examples(version: str) -> tuple[Example, ...]:
    """Every x-ms-examples reference of the version's spec, in the spec's order."""
    api = api_version(version)
    found = []
    for template, item in api.document["paths"].items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            parameters = tuple(api.resolve_parameter(param) for param in [*shared, *operation.get("parameters", [])])
            for example in operation.get("x-ms-examples", {}).values():
                path = (api.spec_path.parent / example["$ref"]).resolve()
                assert path.parent == api.examples_dir.resolve(), f"{example['$ref']} is outside {api.examples_dir}"
                found.append(
                    Example(version, path.name, operation["operationId"], method.upper(), template, parameters)
                )
    return tuple(found)


def example_files(version: str) -> list[str]:
    """The example files on disk for the version (each must be referenced by the spec exactly once)."""
    return sorted(path.name for path in api_version(version).examples_dir.glob("*.json"))


def example(version: str, file: str) -> Example:
    matches = [found for found in examples(version) if found.file == file]
    assert len(matches) == 1, f"{version} {file} is referenced by {[found.operation_id for found in matches]}"
    return matches[0]


# -- where a vendored example deviates from its spec or from what the SDK sends and returns --------------------


@dataclass(frozen=True)
class Deviation:
    """A narrow, reasoned edit of one example's JSON (test_example_replay.DEVIATIONS lists them all).

    ``needed_by`` names the tests that assert the edit is needed: "replay" (without it, the replay of the
    example would not match), "tour" (without it, the end-to-end tours could not make the example's call).
    """

    version: str
    file: str
    what: str
    why: str
    fix: Callable[[dict], None]
    needed_by: tuple[str, ...] = ("replay",)


def applying(found: Example, deviations: Iterable[Deviation], needed_by: str, skip: Deviation | None = None) -> dict:
    """The example's JSON with the deviations that `needed_by` (a test) needs applied, all but `skip`."""
    data = found.load()
    for each in deviations_of(found, deviations, needed_by):
        if each is not skip:
            each.fix(data)
    return data


def deviations_of(found: Example, deviations: Iterable[Deviation], needed_by: str) -> list[Deviation]:
    return [
        each
        for each in deviations
        if (each.version, each.file) == (found.version, found.file) and needed_by in each.needed_by
    ]


def _walk(data: Any, path: str) -> Iterator[tuple[Any, Any]]:
    """(container, key) of each place `path` names, every one of which must exist. `path` is "/"-separated
    keys; in a list, "*" is every item and "0,1,3" is those items."""
    *parents, last = path.split("/")
    containers = [data]
    for part in parents:
        containers = [container[key] for container in containers for key in _keys(container, part, path)]
    for container in containers:
        for key in _keys(container, last, path):
            yield container, key


def _keys(container: Any, part: str, path: str) -> list[Any]:
    if isinstance(container, dict):
        assert part in container, f"{path}: no {part!r}"
        return [part]
    assert isinstance(container, list), f"{path}: {part!r} is under a {type(container).__name__}"
    keys = range(len(container)) if part == "*" else [int(index) for index in part.split(",")]
    assert keys and all(0 <= key < len(container) for key in keys), f"{path}: no items {part!r}"
    return list(keys)


def drop(path: str, value: Any) -> Callable[[dict], None]:
    """Remove the key `path` names (everywhere its "*"s reach), which must hold `value`."""

    def fix(data: dict) -> None:
        for container, key in list(_walk(data, path)):
            assert container[key] == value, f"{path} is {container[key]!r}, not {value!r}"
            del container[key]

    return fix


def replace(path: str, old: Any, new: Any) -> Callable[[dict], None]:
    """Set the value `path` names, which must be `old`, to `new`."""

    def fix(data: dict) -> None:
        for container, key in _walk(data, path):
            assert container[key] == old, f"{path} is {container[key]!r}, not {old!r}"
            container[key] = new

    return fix


_WHOLE_SECONDS = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(Z|[+-]\d{2}:\d{2})$")


def with_milliseconds(path: str) -> Callable[[dict], None]:
    """Write the date-times `path` names as msrest writes them: "...T00:22:19Z" -> "...T00:22:19.000Z"."""

    def fix(data: dict) -> None:
        for container, key in _walk(data, path):
            found = _WHOLE_SECONDS.match(container[key])
            assert found, f"{path} is {container[key]!r}: not a date-time in whole seconds"
            container[key] = f"{found.group(1)}.000{found.group(2)}"

    return fix


# -- from an example's parameters to an SDK call --------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """A request as the SDK must send it (path percent-encoded as msrest does, query values as text)."""

    method: str
    path: str
    query: dict[str, str]
    body: Any


@dataclass
class Call:
    example: Example
    group: str  # client attribute of the operation group
    operation: Operation
    args: list[Any]
    kwargs: dict[str, Any]
    request: Request  # the first request the call must send
    parameters: dict[str, Any]  # the example's parameters (wire names) it was made from

    def method_of(self, client: Any) -> Callable[..., Any]:
        return getattr(getattr(client, self.group), self.operation.name)

    @property
    def result_type(self) -> Any:
        """The model class of the call's result (a pager's item), or None when it returns nothing."""
        operation = self.operation
        if operation.is_paging:
            python_type = operation.paging_item_type
        elif operation.long_running:
            python_type = operation.final_result_type
        else:
            python_type = operation.result_type
        return None if python_type is None else self.example.api.model(python_type.serialization)


def wire_text(value: Any) -> str:
    return json.dumps(value) if isinstance(value, bool) else str(value)


def request_path(template: str, values: dict[str, Any]) -> str:
    # the SDK quotes each path value completely (msrest Serializer.url)
    return re.sub(r"\{(\w+)\}", lambda match: quote(wire_text(values[match.group(1)]), safe=""), template)


def _check_parameters(api: ApiVersion, operation: Operation, values: dict[str, Any]) -> None:
    known = {param.wire_name for param in operation.parameters}
    assert set(values) <= known, f"example parameters unknown to {operation.operation_id}: {set(values) - known}"
    for param in operation.parameters:
        if param.wire_name not in values:
            continue
        if param.constant is not None:  # api-version: the client's own, never passed
            assert values[param.wire_name] == param.constant == api.version, values[param.wire_name]
        elif param.client_level:
            assert param.wire_name == "subscriptionId", f"unexpected client parameter {param.wire_name}"
            assert values[param.wire_name] == SUBSCRIPTION_ID, values[param.wire_name]


def _arguments(api: ApiVersion, operation: Operation, values: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """The SDK method's arguments: positional ones in signature order while given, the rest by keyword."""
    _check_parameters(api, operation, values)
    arguments: dict[str, Any] = {}
    for param in operation.method_parameters:
        if param.wire_name in values:
            value = values[param.wire_name]
            if param.location == "body":
                value = api.model(param.type.serialization).deserialize(value)
            arguments[param.name] = value
    for group in operation.groups:
        members = {member.name: values[member.wire_name] for member in group.members if member.wire_name in values}
        if members or group.required:
            arguments[group.name] = api.model(group.model.name)(**members)
    args = []
    for item in operation.positional:
        if item.name not in arguments:
            break
        args.append(arguments.pop(item.name))
    return args, arguments


def _first_request(found: Example, values: dict[str, Any]) -> Request:
    query = {param["name"] for param in found.spec_parameters if param["in"] == "query"}
    body = next((param["name"] for param in found.spec_parameters if param["in"] == "body"), None)
    return Request(
        found.method,
        request_path(found.template, values),
        {name: wire_text(values[name]) for name in sorted(query) if name in values},
        values.get(body) if body else None,
    )


def call_for(found: Example, parameters: dict[str, Any]) -> Call:
    """The SDK call an example's (possibly normalised) parameters make."""
    api = found.api
    assert found.operation_id in api.operations, f"{found.operation_id} is not in the {api.version} code model"
    group, operation = api.operations[found.operation_id]
    args, kwargs = _arguments(api, operation, parameters)
    return Call(found, group, operation, args, kwargs, _first_request(found, parameters), parameters)


# -- making the call, sync or async ----------------------------------------------------------------------------

# The clients a call is made with: the version's own (batchai.vX.BatchAIManagementClient and its aio twin),
# and the root client (batchai.BatchAIManagementClient, batchai.aio's) with api_version=.
CLIENT_KINDS = ("version", "root")
# The tours' (client, the server's long-running-operation style): the version's client in each ARM style
# (202 + polling headers and an empty body; 201 with a body; done in the first answer), the root one in the first.
TOUR_RUNS = (("version", "202"), ("version", "201"), ("version", "200"), ("root", "202"))


def client_class(version: str, kind: str, is_async: bool) -> Callable[..., Any]:
    if kind == "version":
        return api_version(version).client_class(is_async)
    assert kind == "root", kind
    module = importlib.import_module(f"{CONFIG.package}.aio" if is_async else CONFIG.package)
    return functools.partial(getattr(module, api_version(version).code_model.client.name), api_version=version)


def invoke(client: Any, call: Call, **options: Any) -> Any:
    """Call the SDK method; an LRO's result, a pager's items (bounded), or the plain result."""
    outcome = call.method_of(client)(*call.args, **call.kwargs, **options)
    if call.operation.long_running:
        assert isinstance(outcome, LROPoller), type(outcome)
        return outcome.result()
    if call.operation.is_paging:
        assert isinstance(outcome, ItemPaged), type(outcome)
        return list(islice(outcome, MAX_ITEMS))
    return outcome


async def invoke_async(client: Any, call: Call, **options: Any) -> Any:
    method = call.method_of(client)
    if call.operation.is_paging:
        pager = method(*call.args, **call.kwargs, **options)
        assert isinstance(pager, AsyncItemPaged), type(pager)
        items: list[Any] = []
        async for item in pager:
            items.append(item)
            if len(items) >= MAX_ITEMS:
                break
        return items
    outcome = await method(*call.args, **call.kwargs, **options)
    if call.operation.long_running:
        assert isinstance(outcome, AsyncLROPoller), type(outcome)
        return await outcome.result()
    return outcome


def serialized(call: Call, result: Any) -> Any:
    """The result as JSON, read-only values included (a pager's items as a list); checks its model class."""
    model = call.result_type
    if call.operation.is_paging:
        assert all(isinstance(item, model) for item in result), f"{call.example.id}: items are not {model}"
        return [item.serialize(keep_readonly=True) for item in result]
    if model is None:
        assert result is None, f"{call.example.id}: expected no result, got {result!r}"
        return None
    assert isinstance(result, model), f"{call.example.id}: {type(result)} is not {model}"
    return result.serialize(keep_readonly=True)


# -- the end-to-end tours: every example's call, in an order a service accepts ------------------------------


def in_service_order(found: Iterable[Example]) -> list[Example]:
    """Creations first, parents before children; then reads and listings; then updates; then long-running
    actions (a job's terminate); then deletions, children before parents. The spec's order within a step."""

    def step(each: Example) -> tuple[int, int]:
        depth = each.template.count("{")  # how many names deep the resource is
        if each.method == "PUT":
            return 0, depth
        if each.method == "PATCH":
            return 2, 0
        if each.method == "DELETE":
            return 4, -depth
        return (3 if each.api.operations[each.operation_id][1].long_running else 1), 0

    return sorted(found, key=step)


def read_back(call: Call) -> Call | None:
    """The GET of the resource a call addresses (the same path template and names), or None if there is none."""
    found = call.example
    reads = [
        other
        for other in examples(found.version)
        if (other.template, other.method) == (found.template, "GET")
        and not other.api.operations[other.operation_id][1].is_paging
    ]
    if not reads:
        return None
    names = {param["name"] for param in reads[0].spec_parameters if param["in"] in ("path", "query")}
    return call_for(reads[0], {name: value for name, value in call.parameters.items() if name in names})


@dataclass
class Step:
    """One call of a tour and what it must give: "result" (check_result), "missing" (a 404), "refused" (any
    error: a call the tours could not make without a deviation; `why` says which)."""

    call: Call
    outcome: str = "result"
    why: str = ""


def tour(
    version: str, deviations: Iterable[Deviation], extra: Callable[[Call], list[Call]] | None = None
) -> list[Step]:
    """Every example's call of the version, with the deviations the tours need, in service order. Before a call,
    the same call without each of its deviations (it must be refused); after it, the `extra` calls for it; after
    a deletion, the read of what it deleted (missing)."""
    steps = []
    for found in in_service_order(examples(version)):
        for deviation in deviations_of(found, deviations, "tour"):
            try:
                unfixed = call_for(found, applying(found, deviations, "tour", skip=deviation)["parameters"])
            except AssertionError:
                continue  # without it, the call cannot even be made
            steps.append(Step(unfixed, "refused", f"'{deviation.what}' is no longer needed by the tours"))
        call = call_for(found, applying(found, deviations, "tour")["parameters"])
        steps.append(Step(call))
        steps.extend(Step(more) for more in (extra(call) if extra else []))
        gone = read_back(call) if found.method == "DELETE" else None
        if gone is not None:
            steps.append(Step(gone, "missing"))
    return steps


def run_step(client: Any, step: Step) -> None:
    try:
        result = invoke(client, step.call)
    except HttpResponseError as error:
        _check_error(step, error)
        return
    _check_success(step, result)


async def run_step_async(client: Any, step: Step) -> None:
    try:
        result = await invoke_async(client, step.call)
    except HttpResponseError as error:
        _check_error(step, error)
        return
    _check_success(step, result)


def _check_error(step: Step, error: HttpResponseError) -> None:
    if step.outcome == "missing":
        assert isinstance(error, ResourceNotFoundError), f"{step.call.example.id}: {error}"
    else:
        assert step.outcome == "refused", f"{step.call.example.id}: {error}"


def _check_success(step: Step, result: Any) -> None:
    assert step.outcome == "result", f"{step.call.example.id}: no error, expected {step.outcome}. {step.why}"
    check_result(step.call, result)


def check_result(call: Call, result: Any) -> None:
    """A tour's result: the version's model; a listing lists something; a resource is the one addressed, and a
    created or updated one has finished provisioning."""
    serialized(call, result)  # the version's model class
    if call.operation.is_paging:
        assert result, f"{call.example.id}: lists nothing"  # the tours create what they list
        return
    if result is None:
        return
    if call.example.template.endswith("}") and hasattr(result, "id"):
        assert unquote(result.id).lower() == unquote(call.request.path).lower(), (result.id, call.request.path)
    if call.example.method in ("PUT", "PATCH") and hasattr(result, "provisioning_state"):
        assert result.provisioning_state == "succeeded", (call.example.id, result.provisioning_state)
