"""Response bodies for every operation of every API version, made from the spec's schemas and then broken.

`Subject` is one API version: its code model, models module and the client class users make. The
strategies build the JSON an operation's response schema describes (`wire_checks.wire_object`: nulls,
unknown keys, wrong JSON types, odd date-times and durations) and then break it as a whole
(`mutated_body`): another JSON type than an object, huge and infinite numbers, nesting deeper than any
parser's recursion, invalid UTF-8, control characters, a byte-order mark, truncation, trailing text.

The transports (`ScriptedTransport`, `AsyncScriptedTransport`) answer in memory, from a script, and count
the requests; `call` runs one operation to its end (a page iterated, a poller's result) and returns what a
user gets or raises what a user must catch; `check_outcome` says whether that is allowed:

- a model of the operation's type (a page: items of the page's item type; an LRO: its final type), or None
  where the operation returns nothing;
- `azure.core.exceptions.DecodeError` (an `HttpResponseError`) for a body the client cannot read, carrying the
  response, with msrest's `DeserializationError` as `inner_exception` when the body is JSON of another shape;
- `HttpResponseError` for an error status, and for a long-running operation whose answer says it failed.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import io
import itertools
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import requests
from azure.core.credentials import AccessToken
from azure.core.exceptions import DecodeError, DeserializationError, HttpResponseError
from azure.core.pipeline.transport import AsyncHttpTransport, HttpTransport
from azure.core.pipeline.transport._requests_basic import RequestsTransportResponse
from azure.core.rest._http_response_impl_async import AsyncHttpResponseImpl
from hypothesis import strategies as st

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
for folder in (ROOT, TESTS):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import wire_checks  # noqa: E402

from codegen.codemodel import CodeModel, Operation, OperationGroup, Parameter, ParameterGroup, PythonType  # noqa: E402

ENDPOINT = "https://127.0.0.1:9"  # nothing listens: the transports answer in memory, nothing is sent
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
MAX_REQUESTS = 12  # an operation that sends more is looping: a bug
MAX_ITEMS = 100
ASYNC_TIMEOUT = 30


class Credential:
    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken("fuzz-token", 2**31)


class AsyncCredential:
    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken("fuzz-token", 2**31)

    async def close(self) -> None:
        pass


# -- what the server answers ----------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str | None = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Script:
    """The first answer, then what every further request (a poll, a final GET, the next page) is answered."""

    first: Reply
    then: Reply
    sent: list[tuple[str, str]] = field(default_factory=list)

    def answer(self, method: str, url: str) -> Reply:
        self.sent.append((method, url))
        assert len(self.sent) <= MAX_REQUESTS, f"more than {MAX_REQUESTS} requests: {self.sent}"
        return self.first if len(self.sent) == 1 else self.then


def _headers(reply: Reply) -> dict[str, str]:
    headers = {"x-ms-request-id": "fuzz", **reply.headers}
    if reply.content_type is not None:
        headers["Content-Type"] = reply.content_type
    headers["Content-Length"] = str(len(reply.body))
    return headers


class ScriptedTransport(HttpTransport):
    """Answers from a `Script`, with requests' own response class, in memory."""

    def __init__(self) -> None:
        self.script: Script | None = None

    def __enter__(self) -> ScriptedTransport:
        return self

    def __exit__(self, *args: Any) -> None:
        pass

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def sleep(self, duration: float) -> None:
        pass  # polls are not waited for

    def send(self, request: Any, **kwargs: Any) -> Any:
        assert self.script is not None
        reply = self.script.answer(request.method, request.url)
        raw = requests.Response()
        raw.status_code = reply.status
        raw.reason = "Fuzz"
        raw._content = reply.body
        raw.headers.update(_headers(reply))
        raw.encoding = requests.utils.get_encoding_from_headers(raw.headers)  # as requests' adapter sets it
        raw.url = request.url
        return RequestsTransportResponse(request, raw)


class _Closed:
    async def close(self) -> None:
        pass

    def close_sync(self) -> None:
        pass


class _AsyncResponse(AsyncHttpResponseImpl):
    """azure-core's async response, its body given; `body()` as aiohttp's response has it (no read to await)."""

    def body(self) -> bytes:
        return self.content


class AsyncScriptedTransport(AsyncHttpTransport):
    def __init__(self) -> None:
        self.script: Script | None = None

    async def __aenter__(self) -> AsyncScriptedTransport:
        return self

    async def __aexit__(self, *args: Any) -> None:
        pass

    async def open(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def sleep(self, duration: float) -> None:
        pass

    async def send(self, request: Any, **kwargs: Any) -> Any:
        assert self.script is not None
        reply = self.script.answer(request.method, request.url)
        headers = _headers(reply)
        response = _AsyncResponse(
            request=request,
            internal_response=_Closed(),
            status_code=reply.status,
            reason="Fuzz",
            content_type=headers.get("Content-Type"),
            headers=requests.structures.CaseInsensitiveDict(headers),
            stream_download_generator=None,
        )
        response._content = reply.body
        return response


# -- one API version ----------------------------------------------------------------------------------------


class Subject(wire_checks.Subject):
    """One API version: its code model, models, and its client (the generated one, with its overlays)."""

    def __init__(self, code_model: CodeModel, models: ModuleType, wire: ModuleType, package: ModuleType) -> None:
        super().__init__(code_model, models, wire)
        self.package = package

    def operations(self) -> list[tuple[OperationGroup, Operation]]:
        return [(group, op) for group in self.code_model.operation_groups for op in group.operations]


@functools.cache
def subjects() -> dict[str, Subject]:
    """Every API version of sdk.toml, by version: its code model and the generated package in use."""
    from codegen.config import load_config
    from codegen.generate import build_code_models

    return {
        api.version: Subject(
            code_model,
            importlib.import_module(code_model.package + ".models"),
            importlib.import_module(code_model.package.rsplit(".", 1)[0] + "._wire"),
            importlib.import_module(code_model.package),
        )
        for api, code_model in build_code_models(load_config(ROOT / "sdk.toml")).items()
    }


def argument(subject: Subject, entry: Parameter | ParameterGroup) -> Any:
    """A value the client accepts for a required parameter (a body: raw JSON bytes, which nothing checks)."""
    if isinstance(entry, ParameterGroup):
        cls = getattr(subject.models, entry.model.name)
        return cls(**{member.name: argument(subject, member) for member in entry.members if member.required})
    if entry.location == "body":
        return io.BytesIO(b"{}")
    return _scalar(entry.type, entry.validation)


def _scalar(t: PythonType, rules: dict[str, Any]) -> Any:
    if t.kind == "int":
        return max(rules.get("minimum", 1), 1)
    if t.kind == "bool":
        return True
    for candidate in ("fuzz1", "f", "fuzz-name_1.x"):
        if re.search(rules.get("pattern", ""), candidate) and rules.get("min_length", 0) <= len(candidate):
            return candidate
    raise AssertionError(f"no value for {rules}")


def call(client: Any, group: OperationGroup, op: Operation, subject: Subject) -> Any:
    """Run the operation to its end: a page iterated, a poller's result."""
    target = client if group.is_mixin else getattr(client, group.attribute_name)
    args = [argument(subject, entry) for entry in op.positional if entry.required]
    result = getattr(target, op.name)(*args)
    if op.long_running:
        return result.result()
    if op.is_paging:
        return list(itertools.islice(result, MAX_ITEMS))
    return result


async def call_async(client: Any, group: OperationGroup, op: Operation, subject: Subject) -> Any:
    target = client if group.is_mixin else getattr(client, group.attribute_name)
    args = [argument(subject, entry) for entry in op.positional if entry.required]
    if op.is_paging:
        found = []
        async for item in getattr(target, op.name)(*args):
            found.append(item)
            if len(found) >= MAX_ITEMS:
                break
        return found
    result = await getattr(target, op.name)(*args)
    return await result.result() if op.long_running else result


# -- bodies -------------------------------------------------------------------------------------------------

JSON_TEXT_BREAKS = [
    "truncate",
    "trailing",
    "bom",
    "invalid-utf8",
    "control-character",
    "lone-surrogate",
    "nan",
    "huge-number",
    "deep-nesting",
    "duplicate-key",
    "latin-1",
]


def result_type(op: Operation, status: int) -> PythonType | None:
    """The type of the body a status answers with."""
    for response in op.responses:
        if status in response.status_codes:
            return response.type
    return op.final_result_type if op.long_running else op.result_type


@st.composite
def body_value(draw: st.DrawFn, subject: Subject, t: PythonType | None) -> Any:
    """A JSON value for the body: what the schema says (mostly), or JSON of another shape."""
    if t is not None and t.model is not None and draw(st.integers(0, 4)):
        return draw(wire_checks.wire_object(subject, t.model))
    return draw(
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(),
            st.sampled_from([10**400, -(10**400), 1.5e308]),
            st.text(max_size=20),
            st.lists(wire_checks.JSON_JUNK, max_size=3),
            wire_checks.JSON_JUNK,
            st.just({}),
            st.just({"properties": "x", "value": 5, "nextLink": {"a": 1}}),
        )
    )


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


@st.composite
def body_bytes(draw: st.DrawFn, subject: Subject, t: PythonType | None) -> tuple[bytes, str]:
    """The body as sent, and how it was broken ("" if it is the JSON text of the value)."""
    value = draw(body_value(subject, t))
    text = json.dumps(value, ensure_ascii=draw(st.booleans()))
    if draw(st.integers(0, 2)):
        return text.encode("utf-8"), ""
    kind = draw(st.sampled_from(JSON_TEXT_BREAKS))
    data = text.encode("utf-8")
    if kind == "truncate":
        data = data[: draw(st.integers(0, max(len(data) - 1, 0)))]
    elif kind == "trailing":
        data += draw(st.sampled_from([b" x", b"}", b"\n{}", b"\x00"]))
    elif kind == "bom":
        data = b"\xef\xbb\xbf" + data
    elif kind == "invalid-utf8":
        cut = draw(st.integers(0, len(data)))
        data = data[:cut] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80\x80"])) + data[cut:]
    elif kind == "control-character":
        data = json.dumps({"name": "a\x00b", "properties": {"x": "\x1b[31m"}}).encode().replace(b"\\u0000", b"\x00")
    elif kind == "lone-surrogate":
        data = b'{"name": "\\ud800", "id": "\\udfff\\ud800"}'
    elif kind == "nan":
        data = draw(st.sampled_from([b"NaN", b'{"value": [NaN, Infinity], "name": -Infinity}', b"[1e999]"]))
    elif kind == "huge-number":
        data = b'{"name": 1' + b"0" * 5000 + b', "properties": {"nodeCount": 1' + b"0" * 400 + b"}}"
    elif kind == "deep-nesting":
        depth = draw(st.sampled_from([100, 5000, 200000]))
        data = ('{"properties": ' + _deep(depth) + ', "value": ' + _deep(depth) + "}").encode()
    elif kind == "duplicate-key":
        data = b'{"name": "a", "name": 5, "value": [], "value": "x"}'
    else:
        data = text.encode("latin-1", "replace") + "é".encode("latin-1")
    return data, kind


# -- outcomes -----------------------------------------------------------------------------------------------


def expected_type(op: Operation) -> PythonType | None:
    if op.is_paging:
        return op.paging_item_type
    return op.final_result_type if op.long_running else op.result_type


def check_result(subject: Subject, op: Operation, result: Any, statuses: list[int]) -> None:
    """A result the user gets: models of the operation's type, or None where it returns nothing."""
    t = expected_type(op)
    values = result if op.is_paging else [result]
    for value in values:
        if t is None or (value is None and not op.is_paging and any(s in (202, 204) for s in statuses)):
            assert value is None or t is None, f"{op.operation_id}: {value!r} where nothing is returned"
            continue
        if t.model is not None:
            cls = getattr(subject.models, t.model.name)
            assert isinstance(value, cls), (
                f"{op.operation_id}: {type(value).__name__} {value!r:.200} is no {cls.__name__}"
            )


# what a DecodeError carries as inner_exception: msrest's DeserializationError for JSON of another shape, the
# parser's error for a body that is not JSON text, nothing for an empty or null body, a null item of a page,
# a nextLink that is no URL, or a Content-Type that is not JSON
SHAPE_ERRORS = (DeserializationError,)
TEXT_ERRORS = (ValueError, RecursionError)  # JSONDecodeError, UnicodeDecodeError, an int of over 4300 digits


def parses(body: bytes) -> bool:
    """Whether a body is JSON text, as the client reads it (UTF-8, a byte-order mark allowed)."""
    try:
        json.loads(body.decode("utf-8-sig"))
    except (ValueError, RecursionError):
        return False
    return True


def check_error(op: Operation, error: BaseException, replies: list[Reply], failed_state: bool) -> str:
    """An exception the user must catch: what kind it is, for the statistics; AssertionError if not allowed."""
    statuses = [reply.status for reply in replies]
    if isinstance(error, DecodeError):
        assert error.response is not None, f"{op.operation_id}: a DecodeError without its response"
        inner = getattr(error, "inner_exception", None)
        if isinstance(inner, SHAPE_ERRORS):
            assert any(parses(reply.body) for reply in replies), f"{op.operation_id}: {inner!r} for no JSON"
        elif isinstance(inner, TEXT_ERRORS):
            assert not all(parses(reply.body) for reply in replies), f"{op.operation_id}: {inner!r} for JSON"
        else:
            assert inner is None, f"{op.operation_id}: a DecodeError carrying {type(inner).__name__}: {inner!r}"
        return f"DecodeError({type(inner).__name__ if inner is not None else ''})"
    if isinstance(error, HttpResponseError):
        error_status = any(status >= 400 for status in statuses)
        assert error_status or (op.long_running and failed_state), (
            f"{op.operation_id}: HttpResponseError on a successful answer: {error}"
        )
        return type(error).__name__
    raise AssertionError(f"{op.operation_id}: {type(error).__name__} escaped: {error!r:.500}") from error


@dataclass
class Case:
    """One operation answered: the first answer, and what every further request (a poll, a page) gets."""

    group: OperationGroup
    op: Operation
    first: Reply
    then: Reply
    is_async: bool

    @property
    def label(self) -> str:
        kind = "LRO" if self.op.long_running else "paging" if self.op.is_paging else "plain"
        return f"{kind} {'async' if self.is_async else 'sync'}"


CONTENT_TYPES = ["application/json; charset=utf-8", "application/json", "text/json", None, "text/plain"]


def draw_case(subject: Subject, data: st.DataObject) -> Case:
    operations = {op.operation_id: (group, op) for group, op in subject.operations()}
    group, op = operations[data.draw(st.sampled_from(sorted(operations)), label="operation")]
    codes = op.success_status_codes
    status = data.draw(st.sampled_from(codes) | st.sampled_from([*codes, 400, 404, 409, 500]), label="status")
    body, _ = data.draw(body_bytes(subject, result_type(op, status)), label="body")
    content_type = data.draw(st.sampled_from(CONTENT_TYPES), label="content type")
    if op.is_paging:
        then = Reply(200, b'{"value": []}')  # a next page, if a nextLink leads to one
    else:  # a poll or an LRO's final GET: a broken answer too, but one that ends the operation
        then_body, _ = data.draw(body_bytes(subject, op.final_result_type), label="poll body")
        then = Reply(200, terminal(then_body))
    return Case(group, op, Reply(status, body, content_type), then, data.draw(st.booleans(), label="async"))


def terminal(body: bytes) -> bytes:
    """A poll's answer that ends the operation: an object's provisioningState made Succeeded."""
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return body
    if isinstance(value, dict) and isinstance(value.get("properties"), dict):
        value["properties"]["provisioningState"] = "Succeeded"
        return json.dumps(value).encode()
    return body


def check_case(subject: Subject, case: Case, outcome: tuple[str, Any], requests_sent: int) -> str:
    """Whether what the user got is allowed (AssertionError if not); what it was, for the statistics."""
    kind, value = outcome
    replies = [case.first] + [case.then] * min(requests_sent - 1, 1)
    if kind == "ok":
        check_result(subject, case.op, value, [reply.status for reply in replies])
        return f"{case.label}: result"
    failed = any(failed_state(reply.body) for reply in replies)
    return f"{case.label}: {check_error(case.op, value, replies, failed)}"


def failed_state(body: bytes) -> bool:
    """Whether an LRO's answer says it failed or was canceled (ARM's provisioningState or status)."""
    return bool(re.search(rb"(?i)failed|canceled|cancelled", body))


def outcome_of(action: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "ok", action()
    except Exception as error:  # the outcome under test: checked by check_error
        return "error", error


def client(subject: Subject, transport: Any, is_async: bool, **options: Any) -> Any:
    """The version's client (sync or async) on `transport`: no waits between polls, no retries."""
    package = importlib.import_module(subject.package.__name__ + (".aio" if is_async else ""))
    credential = options.pop("credential", None) or (AsyncCredential() if is_async else Credential())
    settings = {"base_url": ENDPOINT, "transport": transport, "polling_interval": 0, "retry_total": 0, **options}
    return package.BatchAIManagementClient(credential, SUBSCRIPTION, **settings)


def run(
    subject: Subject, case: Case, transport: Callable[[bool], Any] | None = None, **options: Any
) -> tuple[tuple[str, Any], Script]:
    """The case answered in memory, or by the transport `transport(is_async)` makes: what the user got, and
    the script (whose `sent` counts the requests answered in memory)."""
    script = Script(case.first, case.then)

    def make(is_async: bool) -> Any:
        if transport is not None:
            return transport(is_async)
        scripted = AsyncScriptedTransport() if is_async else ScriptedTransport()
        scripted.script = script
        return scripted

    if case.is_async:

        async def run_async() -> Any:  # the transport made inside the loop that uses it
            async with client(subject, make(True), True, **options) as sdk:
                return await call_async(sdk, case.group, case.op, subject)

        return outcome_of(lambda: asyncio.run(asyncio.wait_for(run_async(), ASYNC_TIMEOUT))), script
    with client(subject, make(False), False, **options) as sdk:
        return outcome_of(lambda: call(sdk, case.group, case.op, subject)), script
