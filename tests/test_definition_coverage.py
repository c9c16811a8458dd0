"""Every definition that an operation of an API version can carry travels over HTTP, on every version, sync and async.

Per version of sdk.toml: the end-to-end tour of that version (spec_examples.tour: every example's call against the
live server) and, after each call that sends a body, the same call with bodies synthesized from the version's
schema (Bodies): every property the schema offers but read-only ones, with values the schema allows. Where Batch
AI's own rules take one of several properties (ONE_OF, and the job's toolkits), one is taken at a time, in turn,
and bodies are made until each has been taken. The traffic, requests and responses, is walked against the
version's schemas; the definitions touched must be every definition reachable from the version's operations.
Jobs run and fail (their errors are BatchAIErrors), and a deleted resource's 404 carries ARM's CloudError.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from batchai_emulator.rules import toolkits_of
from batchai_emulator.spec import Spec
from conftest import client_options, run_async
from spec_examples import (
    SUBSCRIPTION_ID,
    VERSIONS,
    Call,
    Step,
    api_version,
    call_for,
    client_class,
    run_step,
    run_step_async,
    tour,
)
from test_example_replay import DEVIATIONS

# -- request bodies synthesized from a version's schema -------------------------------------------------------

# Batch AI's rules beyond the schema (the service refused a body that breaks them): of the alternatives in each
# group, a body sets those of one alternative only. The job's toolkits are one more group, each version's own
# (batchai_emulator.rules.toolkits_of, which refuses a version with a ...Settings property it does not know).
ONE_OF: tuple[tuple[tuple[str, ...], ...], ...] = (
    (("manual",), ("autoScale",)),  # ScaleSettings
    (("value",), ("valueSecretReference",)),  # a secret environment variable
    (("accountKey",), ("accountKeySecretReference",)),  # storage credentials
    (("password",), ("passwordSecretReference",)),  # a container registry's credentials
    (("instrumentationKey",), ("instrumentationKeySecretReference",)),  # App Insights
    (("configFilePath",), ("pythonScriptFilePath", "pythonInterpreterPath")),  # CNTK, Caffe: config or Python
)
# Values a string of the schema must have for the service, by wire name; LEFT_OUT: inferred by the service from
# the other properties (CNTK's language from the paths given), so a body leaves it out.
VALUES = {"location": "eastus", "communicationBackend": "gloo"}
LEFT_OUT = {"languageType"}
FORMATS = {"duration": "PT1H", "date-time": "2018-05-01T10:00:00.000Z"}


MAX_BODIES = 50


class Bodies:
    """Bodies for a schema, each with every writable property but where a group of alternatives (ONE_OF, the
    toolkits) is met: there each meeting takes the group's next alternative, and bodies are made until every
    alternative met has been taken."""

    def __init__(self, spec: Spec):
        self.spec = spec
        self.groups = (*ONE_OF, tuple((toolkit,) for toolkit in toolkits_of(spec)))
        self.counter = 0  # numbers the strings: names (of variables, directories) must differ
        self.turns: dict[tuple, int] = {}  # (group, its alternatives present) -> times met
        self.untaken: dict[tuple, set[tuple[str, ...]]] = {}

    def variants(self, schema: dict) -> list[Any]:
        bodies = [self.value(schema, "", 0)]
        while any(self.untaken.values()):
            assert len(bodies) < MAX_BODIES, f"alternatives never taken: {self.untaken}"
            bodies.append(self.value(schema, "", 0))
        return bodies

    def value(self, schema: dict, name: str, depth: int) -> Any:
        assert depth < 20, f"{name}: the schema nests too deep"
        schema = self.spec.flatten(schema)
        if "enum" in schema:
            return schema.get("default", schema["enum"][0])
        kind = schema.get("type", "object")
        if kind == "object":
            return self.object(schema, name, depth)
        if kind == "array":  # two items: each meets the groups in it, so a list holds two alternatives
            return [self.value(schema["items"], name, depth + 1) for _ in range(2)]
        if kind == "string":
            assert "pattern" not in schema, f"{name}: no value for the pattern {schema['pattern']}"
            if name in VALUES:
                return VALUES[name]
            if schema.get("format") in FORMATS:  # before a default: maxWallClockTime's is '7.00:00:00', not ISO
                return FORMATS[schema["format"]]
            if "default" in schema:
                return schema["default"]
            self.counter += 1
            return f"{name or 'text'}{self.counter}"
        if kind in ("integer", "number"):
            return min(max(1, schema.get("minimum", 1)), schema.get("maximum", 1))
        assert kind == "boolean", f"{name}: type {kind}"
        return True

    def object(self, schema: dict, name: str, depth: int) -> dict:
        properties = {
            key: value
            for key, value in schema.get("properties", {}).items()
            if not value.get("readOnly") and not self.spec.resolve(value).get("readOnly") and key not in LEFT_OUT
        }
        if not properties:
            extra = schema.get("additionalProperties")
            inner = extra if isinstance(extra, dict) else {"type": "string"}
            return {f"{name or 'key'}1": self.value(inner, name, depth + 1)}
        excluded: set[str] = set()
        for group in self.groups:
            present = tuple(choice for choice in group if any(key in properties for key in choice))
            if len(present) > 1:
                turn = self.turns.get(present, 0)
                self.turns[present] = turn + 1
                chosen = present[turn % len(present)]
                self.untaken.setdefault(present, set(present)).discard(chosen)
                excluded |= {key for choice in present if choice != chosen for key in choice}
        assert not excluded & set(schema.get("required", [])), f"{name}: a required property is an alternative"
        return {key: self.value(value, key, depth + 1) for key, value in properties.items() if key not in excluded}


def rich_calls(spec: Spec, call: Call) -> list[Call]:
    """The call again with each synthesized body: a creation names a new resource per body (its name + number)."""
    body = next((param for param in call.example.spec_parameters if param["in"] == "body"), None)
    if body is None:
        return []
    own_name = re.findall(r"\{(\w+)\}", call.example.template)[-1]  # the resource's own name: the last in its path
    calls = []
    for number, value in enumerate(Bodies(spec).variants(body["schema"])):
        parameters = {**call.parameters, body["name"]: value}
        if call.example.method == "PUT":
            parameters[own_name] = f"{parameters[own_name]}{number}"
        calls.append(call_for(call.example, parameters))
    return calls


# -- walking the traffic against the schemas ---------------------------------------------------------------


class Traffic:
    """What crossed the wire, as (operationId, direction, status, parsed body) tuples."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.exchanges: list[tuple[str, str, int | None, Any]] = []

    def hook(self, pipeline_response: Any) -> None:
        request, response = pipeline_response.http_request, pipeline_response.http_response
        route = self.route(request.method, urlsplit(request.url).path)
        if route is None:
            return  # an operation-status monitor: not a spec operation
        if request.body:
            self.exchanges.append((route.operation_id, "request", None, json.loads(request.body)))
        text = response.text()
        if text:
            self.exchanges.append((route.operation_id, "response", response.status_code, json.loads(text)))

    def route(self, method: str, path: str) -> Any:
        hits = [route for route, _ in self.spec.lookup(path)]
        same_method = [route for route in hits if route.method == method]
        # next pages of a POST pageable are GETs on its path
        return (same_method or [route for route in hits if route.pageable] or [None])[0]


def definitions_touched(traffic: Traffic) -> set[str]:
    document = traffic.spec.document
    touched: set[str] = set()

    def walk(schema: dict, value: Any) -> None:
        while "$ref" in schema:
            name = schema["$ref"].split("/")[-1]
            touched.add(name)
            schema = document["definitions"][name]
        for parent in schema.get("allOf", []):
            walk(parent, value)
        if isinstance(value, dict):
            for key, item in value.items():
                if key in schema.get("properties", {}):
                    walk(schema["properties"][key], item)
                elif isinstance(schema.get("additionalProperties"), dict):
                    walk(schema["additionalProperties"], item)
        elif isinstance(value, list) and "items" in schema:
            for item in value:
                walk(schema["items"], item)

    for operation_id, direction, status, body in traffic.exchanges:
        operation = traffic.spec.operation(operation_id)
        if direction == "request":
            walk(operation.body_param["schema"], body)
        else:
            responses = _operation_node(document, operation_id)["responses"]
            response = responses.get(str(status)) or responses.get("default")
            if response and "schema" in response:
                walk(response["schema"], body)
    return touched


def reachable_definitions(document: dict) -> set[str]:
    """Definitions some operation can carry (a definition no operation references cannot travel)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/definitions/") and ref.split("/")[-1] not in found:
                found.add(ref.split("/")[-1])
                walk(document["definitions"][ref.split("/")[-1]])
            for key, item in node.items():
                if key != "x-ms-examples":
                    walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document["paths"])
    walk(document["parameters"])
    return found


def _operation_node(document: dict, operation_id: str) -> dict:
    for item in document["paths"].values():
        for node in item.values():
            if isinstance(node, dict) and node.get("operationId") == operation_id:
                return node
    raise KeyError(operation_id)


# -- the scenario -------------------------------------------------------------------------------------------


def scenario(arm_server, version: str) -> list[Step]:
    """The steps: the version's tour, each body-carrying call followed by its synthesized bodies; jobs fail."""
    spec = arm_server.specs[version]
    arm_server.job_schedule = ["running", "failed"]  # a failed job reports executionInfo.errors (BatchAIError)
    return tour(version, DEVIATIONS, extra=lambda call: rich_calls(spec, call))


def check_bodies_sent(arm_server, steps: list[Step]) -> None:
    """Each body reached the server exactly as built (from an example or the schema): nothing dropped or changed."""
    built = [step.call.request.body for step in steps if step.call.request.body is not None]
    assert built == [request.body for request in arm_server.requests if request.body is not None]


@pytest.mark.parametrize("version", VERSIONS)
def test_every_reachable_definition_travels_through_the_sync_client(version, arm_server, credential):
    traffic = Traffic(arm_server.specs[version])
    make = client_class(version, "root", is_async=False)
    options = client_options(arm_server, raw_response_hook=traffic.hook)
    steps = scenario(arm_server, version)
    with make(credential, SUBSCRIPTION_ID, **options) as client:
        for step in steps:
            run_step(client, step)
    expected = reachable_definitions(arm_server.specs[version].document)
    assert sorted(expected - definitions_touched(traffic)) == []
    check_bodies_sent(arm_server, steps)


@pytest.mark.parametrize("version", VERSIONS)
def test_every_reachable_definition_travels_through_the_async_client(version, arm_server, async_credential):
    traffic = Traffic(arm_server.specs[version])
    steps = scenario(arm_server, version)

    async def run_steps() -> None:
        make = client_class(version, "version", is_async=True)
        options = client_options(arm_server, raw_response_hook=traffic.hook)
        async with make(async_credential, SUBSCRIPTION_ID, **options) as client:
            for step in steps:
                await run_step_async(client, step)

    run_async(run_steps())
    expected = reachable_definitions(arm_server.specs[version].document)
    assert sorted(expected - definitions_touched(traffic)) == []
    check_bodies_sent(arm_server, steps)


@pytest.mark.parametrize("version", VERSIONS)
def test_unreachable_definitions_are_still_generated_and_round_trip(version, arm_server):
    """A definition no operation of the version carries (KeyVaultKeyReference, LocalDataVolume, ...) is still a
    model of the version's package, and a value synthesized from its schema round-trips through it."""
    spec = arm_server.specs[version]
    api = api_version(version)
    unreachable = set(spec.document["definitions"]) - reachable_definitions(spec.document)
    models = {model.pointer.rsplit("/", 1)[-1]: model.name for model in api.code_model.models}
    for name in sorted(unreachable):
        value = Bodies(spec).variants({"$ref": f"#/definitions/{name}"})[0]
        model = api.model(models[name])
        assert model.deserialize(value).serialize(keep_readonly=True) == value, name
