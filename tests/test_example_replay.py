"""Replay every x-ms-examples file of every API version in sdk.toml through the SDK, sync and async, over HTTPS.

Each example names its operation (through its spec's ``x-ms-examples``); the version's code model maps it
to the SDK method and its parameters, and the version's models build the arguments (spec_examples.py),
so no example and no version has code of its own. The local server is scripted with the requests the
example implies and answers with the example's responses as recorded: a long-running operation's every
final response, one replay each, after its 202 (polled on its Location) and at once. Each replay runs
through the version's own client and the root client with ``api_version=``, sync and async. "Replays
exactly":

- the requests the SDK sends (method, path, query, body) are the example's, in order, and no others;
- the SDK's result is an instance of the version's model and serializes back to the example's response body.

Where a vendored example disagrees with its own spec, or with what msrest writes, the difference is one
entry of DEVIATIONS (file, what, why): an edit of that example's JSON at the places it names, and nowhere
else. The server still answers with the example as recorded. Each entry is asserted to be needed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from batchai_emulator import AsyncFakeCredential, FakeCredential
from batchai_emulator.harness import DEFAULT_TOKEN
from conftest import client_options, run_async
from spec_examples import (
    CLIENT_KINDS,
    SUBSCRIPTION_ID,
    VERSIONS,
    Call,
    Deviation,
    Example,
    Request,
    api_version,
    applying,
    call_for,
    client_class,
    deviations_of,
    drop,
    example,
    example_files,
    examples,
    invoke,
    invoke_async,
    replace,
    serialized,
    with_milliseconds,
)

PUBLIC_ARM = "https://management.azure.com"
_VALUE = "responses/200/body/value"  # a listing's items
_JOB = "responses/200/body/properties"  # a job's properties


# -- the deviations of the vendored examples --------------------------------------------------------------

# Every difference between a vendored example and what the SDK correctly sends or returns: the example's JSON
# is changed at the places named, and nowhere else. needed_by: "replay" is asserted by test_example_replays
# (without the entry, the example's replay would not match); "tour" by the end-to-end tours of every version
# (test_end_to_end*.py: without it, the example's call could not be made there).
DEVIATIONS: tuple[Deviation, ...] = (
    Deviation(
        "2017-09-01-preview",
        "ListCluster.json",
        "the key 'credentialsInfo' ({}) of the cluster's azureFileShares[0] is not expected back",
        "this spec's AzureFileShareReference has no 'credentialsInfo' (its credentials are 'credentials'): "
        "an unknown key, which the SDK's model does not keep",
        drop(f"{_VALUE}/0/properties/nodeSetup/mountVolumes/azureFileShares/0/credentialsInfo", {}),
    ),
    Deviation(
        "2017-09-01-preview",
        "ListOutputFiles.json",
        "each file's lastModified '2017-09-28T00:22:19Z' is expected back as '2017-09-28T00:22:19.000Z'",
        "the same instant: msrest writes every date-time with milliseconds",
        with_milliseconds(f"{_VALUE}/0,1,2,3/properties/lastModified"),
    ),
    Deviation(
        "2018-03-01",
        "ListOutputFiles.json",
        "each file's lastModified '2017-09-28T00:22:19Z' is expected back as '2017-09-28T00:22:19.000Z'",
        "the same instant: msrest writes every date-time with milliseconds",
        with_milliseconds(f"{_VALUE}/0,1,2,3/properties/lastModified"),
    ),
    Deviation(
        "2018-05-01",
        "ListOutputFiles.json",
        "each file's lastModified '2017-09-28T00:22:19Z' is expected back as '2017-09-28T00:22:19.000Z'",
        "the same instant: msrest writes every date-time with milliseconds",
        with_milliseconds(f"{_VALUE}/0,1,2,3/properties/lastModified"),
    ),
    Deviation(
        "2018-05-01",
        "ListOperation.json",
        "each operation's 'properties': null is expected back absent",
        "Operation.properties is optional, so null and absent say the same; msrest writes no key for None",
        drop(f"{_VALUE}/*/properties", None),
    ),
    Deviation(
        "2018-05-01",
        "PutExperiment.json",
        "the request parameter 'parameters' ({'properties': {}}) is left out of the call and the request",
        "Experiments_Create declares no body parameter: begin_create takes none and sends no body",
        drop("parameters/parameters", {"properties": {}}),
        needed_by=("replay", "tour"),
    ),
    Deviation(
        "2018-05-01",
        "GetJob.json",
        "the job's 'priority' ('normal') is not expected back",
        "this spec's Job has no 'priority' (it is 'schedulingPriority'): an unknown key, which the SDK's model "
        "does not keep",
        drop(f"{_JOB}/priority", "normal"),
    ),
    Deviation(
        "2018-05-01",
        "PutJob.json",
        "the created job's 'priority' ('normal') is not expected back",
        "this spec's Job has no 'priority' (the request says 'schedulingPriority'): an unknown key, which the "
        "SDK's model does not keep",
        drop(f"{_JOB}/priority", "normal"),
    ),
    Deviation(
        "2018-05-01",
        "ListJobByExperiment.json",
        "experimentName 'demo_experimnet' is 'demo_experiment' in the tours",
        "a typo: PutExperiment.json creates 'demo_experiment', and listing the jobs of an experiment that does not "
        "exist is a 404 (the scripted replay serves either name)",
        replace("parameters/experimentName", "demo_experimnet", "demo_experiment"),
        needed_by=("tour",),
    ),
)


# -- from an example to a scripted exchange -------------------------------------------------------------------


@dataclass(frozen=True)
class Exchange:
    """One request the SDK must send, and the scripted answer."""

    request: Request
    status: int
    body: Any = None
    headers: dict[str, str] | None = None


@dataclass
class Replay:
    call: Call
    exchanges: list[Exchange]
    result: Any  # the JSON the SDK's result must serialize to

    @property
    def requests(self) -> list[Request]:
        return [exchange.request for exchange in self.exchanges]


def answers(found: Example) -> list[tuple[str, ...]]:
    """An example's replays, each the statuses of the responses served in turn. A long-running operation's
    example lists its 202 and its final responses: each final one is served after the 202 (polled on Location)
    and, in another replay, at once (the service finished the operation in its first answer)."""
    responses = found.load()["responses"]
    if "202" not in responses:
        assert len(responses) == 1, f"{found.id}: expected one response, got {list(responses)}"
        return [tuple(responses)]
    finals = [status for status in responses if status != "202"]
    return [*(("202", status) for status in finals), *((status,) for status in finals)]


def plan(found: Example, statuses: tuple[str, ...], skip: Deviation | None = None) -> Replay:
    """The replay of an example whose `statuses` are answered in turn. The server answers with the example's
    responses as recorded; the call, the requests it must send and the result it must give come from the example
    with its deviations applied (all but `skip`)."""
    served = found.load()["responses"]
    expected = applying(found, DEVIATIONS, "replay", skip)
    call = call_for(found, expected["parameters"])
    *_, final = statuses
    body = served[final].get("body")
    if statuses == (final,):
        exchanges = [Exchange(call.request, int(final), body, served[final].get("headers"))]
    else:
        assert statuses == ("202", final) and call.operation.long_running, f"{found.id}: {statuses}"
        accepted = served["202"]["headers"]
        location = next(value for name, value in accepted.items() if name.lower() == "location")
        assert location.startswith(PUBLIC_ARM), f"Location {location} is not under {PUBLIC_ARM}"
        monitor = urlsplit(location)
        poll = Request("GET", monitor.path, dict(parse_qsl(monitor.query, keep_blank_values=True)), None)
        retry_now = {name: "0" if name.lower() == "retry-after" else str(value) for name, value in accepted.items()}
        exchanges = [Exchange(call.request, 202, None, retry_now), Exchange(poll, int(final), body)]
    result = expected["responses"][final].get("body")
    if call.operation.is_paging:
        assert "nextLink" not in result, f"{found.id}: the replay serves exactly one page"
        result = result["value"]
    return Replay(call, exchanges, result)


def script(arm_server, replay: Replay) -> None:
    for exchange in replay.exchanges:
        request = exchange.request
        arm_server.script(
            request.method,
            request.path,
            query=request.query,
            body=request.body,
            status=exchange.status,
            response_body=exchange.body,
            headers=exchange.headers,
            api_version=replay.call.example.version,
        )


def sent(arm_server) -> list[Request]:
    return [Request(each.method, each.path, each.query, each.body) for each in arm_server.requests]


def replays_without(
    deviation: Deviation, found: Example, statuses: tuple[str, ...], requests: list[Request], result: Any
) -> bool:
    """Whether the example, without `deviation`, expects exactly what the SDK sent and returned."""
    try:
        replay = plan(found, statuses, skip=deviation)
    except AssertionError:
        return False  # without it, the example cannot even be turned into a call
    return replay.requests == requests and replay.result == result


# -- the clients -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sync_client(arm_server_session) -> Iterator[Callable[[str, str], Any]]:
    """One sync client per (version, kind) for the module: a replay keeps no state in its client."""
    clients: dict[tuple[str, str], Any] = {}

    def get(version: str, kind: str) -> Any:
        if (version, kind) not in clients:
            make = client_class(version, kind, is_async=False)
            options = client_options(arm_server_session)
            clients[version, kind] = make(FakeCredential(DEFAULT_TOKEN), SUBSCRIPTION_ID, **options)
        return clients[version, kind]

    yield get
    for client in clients.values():
        client.close()


async def call_async(server, kind: str, call: Call) -> Any:
    """The call through a fresh async client (aiohttp binds a client to the event loop of its test)."""
    make = client_class(call.example.version, kind, is_async=True)
    async with make(AsyncFakeCredential(DEFAULT_TOKEN), SUBSCRIPTION_ID, **client_options(server)) as client:
        return await invoke_async(client, call)


# -- tests --------------------------------------------------------------------------------------------------


def replays() -> list[Any]:
    """(example, statuses answered) of every example file of every version."""
    found = []
    for version in VERSIONS:
        for file in example_files(version):
            each = example(version, file)
            variants = answers(each)
            for statuses in variants:
                suffix = "-" + "-".join(statuses) if len(variants) > 1 else ""
                found.append(pytest.param(each, statuses, id=each.id + suffix))
    return found


@pytest.mark.parametrize("kind", CLIENT_KINDS)
@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(("found", "statuses"), replays())
def test_example_replays(found: Example, statuses: tuple[str, ...], mode: str, kind: str, arm_server, sync_client):
    replay = plan(found, statuses)
    script(arm_server, replay)
    if mode == "sync":
        result = invoke(sync_client(found.version, kind), replay.call)
    else:
        result = run_async(call_async(arm_server, kind, replay.call))
    requests, outcome = sent(arm_server), serialized(replay.call, result)
    for each in deviations_of(found, DEVIATIONS, "replay"):
        assert not replays_without(each, found, statuses, requests, outcome), (
            f"{found.id}: '{each.what}' is no longer needed: drop it from DEVIATIONS"
        )
    assert arm_server.mismatches == []
    assert arm_server.pending_scripts == []
    assert requests == replay.requests
    assert outcome == replay.result


@pytest.mark.parametrize("version", VERSIONS)
def test_every_example_of_every_version_is_replayed_and_names_one_operation(version: str) -> None:
    refs = examples(version)
    files = example_files(version)
    assert files, f"{version} has no examples"
    assert sorted({ref.file for ref in refs}) == files, "the example files are the spec's x-ms-examples, one to one"
    assert {file: count for file, count in Counter(ref.file for ref in refs).items() if count != 1} == {}
    assert {ref.operation_id for ref in refs} == set(api_version(version).operations), "an example per operation"
    replayed = {param.values[0].file for param in replays() if param.values[0].version == version}
    assert sorted(replayed) == files


def test_every_deviation_names_an_example_and_a_test_that_needs_it() -> None:
    for each in DEVIATIONS:
        assert each.version in VERSIONS and each.file in example_files(each.version), (each.version, each.file)
        assert each.needed_by and set(each.needed_by) <= {"replay", "tour"}, each.needed_by
        assert each.what and each.why
        each.fix(example(each.version, each.file).load())  # it applies: everything it names is there
    assert len({(each.version, each.file, each.what) for each in DEVIATIONS}) == len(DEVIATIONS)
