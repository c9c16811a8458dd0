"""What a user catches for a body the client cannot read: the same DecodeError for a plain operation, a
listing and a long-running operation, sync and async (docs/reliability.md, "Unreadable responses").

Each is `azure.core.exceptions.DecodeError` (an `HttpResponseError`) whose message names the request
(method and URL), the status and the Content-Type, whose `response` is the answer, and whose
`inner_exception` says why: msrest's `DeserializationError` for JSON of another shape, the decoder's
`UnicodeDecodeError`/`JSONDecodeError` (ValueErrors) for text that is not JSON, None for an empty body.
The answers come from the in-memory transports of `response_fuzz`.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import response_fuzz as fuzz
from azure.core.exceptions import DecodeError, DeserializationError

VERSION = "2018-05-01"
SUBJECT = fuzz.subjects()[VERSION]
OPERATIONS = {op.operation_id: (group, op) for group, op in SUBJECT.operations()}
WORKSPACE = {"id": "/x/ws", "name": "ws", "location": "eastus", "properties": {"provisioningState": "Creating"}}

# (operation, its first answer's status, the model it returns)
KINDS = {
    "plain": ("Workspaces_Get", 200, "Workspace"),
    "paging": ("Workspaces_ListByResourceGroup", 200, "WorkspaceListResult"),
    "LRO": ("Workspaces_Create", 201, "Workspace"),
}
# body, Content-Type, what the message says, the type of inner_exception
BROKEN: dict[str, tuple[bytes, str | None, str, type | None]] = {
    "empty": (b"", "application/json", "an empty body", None),
    "null": (b"null", "application/json; charset=utf-8", "null", DeserializationError),
    "a list": (b"[1, 2]", "application/json", "not a", DeserializationError),
    "a property of another type": (
        b'{"name": "ws", "properties": {"creationTime": "not a date"}, "value": 5}',
        "application/json",
        "not a",
        DeserializationError,
    ),
    "not UTF-8": (b'{"name": "\xff"}', "application/json; charset=utf-8", "cannot be read", UnicodeDecodeError),
    "truncated": (b'{"name": "tru', "text/json", "cannot be read", ValueError),
}
# what the poller says of a poll's answer it cannot read the state from (or a final answer not the model)
LRO_SAYS = ("not the state of a long-running operation", "does not contain a body", "not a Workspace")


def _case(kind: str, broken: str, is_async: bool) -> tuple[fuzz.Case, str]:
    operation_id, status, model = KINDS[kind]
    group, op = OPERATIONS[operation_id]
    body, content_type, _, _ = BROKEN[broken]
    if kind == "LRO":  # the operation is accepted, and the poll of the resource is the broken answer
        first = fuzz.Reply(status, json.dumps(WORKSPACE).encode())
        then = fuzz.Reply(200, body, content_type)
    else:
        first = fuzz.Reply(status, body, content_type)
        then = fuzz.Reply(200, b'{"value": []}')
    return fuzz.Case(group, op, first, then, is_async), model


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("broken", sorted(BROKEN))
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_an_unreadable_answer_is_a_decode_error_naming_request_status_and_content_type(
    kind: str, broken: str, is_async: bool
) -> None:
    case, model = _case(kind, broken, is_async)
    (outcome, error), script = fuzz.run(SUBJECT, case)
    assert outcome == "error", f"{kind} {broken}: got {error!r}"
    assert type(error) is DecodeError, f"{type(error).__name__}: {error}"
    _, content_type, says, inner = BROKEN[broken]
    method, url = script.sent[-1]
    message = str(error)
    assert f"{method} {url} answered 200" in message or f"{method} {url} answered 201" in message, message
    assert f"(Content-Type {content_type!r})" in message, message
    if kind != "LRO" or inner in (UnicodeDecodeError, ValueError):  # else the poller's words: see LRO_SAYS
        assert says in message, message
    else:
        assert any(words in message for words in LRO_SAYS), message
    if broken in ("empty", "null", "a list", "a property of another type") and kind != "LRO":
        assert model in message, message
    assert error.response is not None and error.response.status_code in (200, 201)
    found: Any = error.inner_exception
    if inner is None:
        assert found is None, repr(found)
    else:
        assert isinstance(found, inner), repr(found)
    assert len(script.sent) == (2 if kind == "LRO" else 1)


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize(
    ("page", "says"),
    [
        (b'{"value": [null]}', "a page whose item 0 is null"),
        (b'{"value": [], "nextLink": "https://127.0.0.1:9/{x}"}', "a page whose nextLink is no URL"),
        (b'{"value": [], "nextLink": "https://127.0.0.1:9/a b"}', "a page whose nextLink is no URL"),
    ],
)
def test_a_page_with_a_null_item_or_a_link_that_is_no_url_is_a_decode_error(
    page: bytes, says: str, is_async: bool
) -> None:
    group, op = OPERATIONS["Workspaces_ListByResourceGroup"]
    case = fuzz.Case(group, op, fuzz.Reply(200, page), fuzz.Reply(200, b'{"value": []}'), is_async)
    (outcome, error), script = fuzz.run(SUBJECT, case)
    assert outcome == "error" and type(error) is DecodeError, repr(error)
    assert says in str(error) and "answered 200" in str(error) and "Content-Type" in str(error), str(error)
    assert len(script.sent) == 1


def _nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("read", "data"),
    [
        ("deserialize", b'{"name": "\xff"}'),  # msrest alone: UnicodeDecodeError
        ("deserialize", "[" * 100_000 + "]" * 100_000),
        ("deserialize", ["a"]),
        ("deserialize", {"properties": "x"}),
        ("from_dict", {"name": _nested(5000)}),  # msrest alone: RecursionError
        ("from_dict", ["a"]),
        ("from_dict", {"properties": "x"}),
    ],
    ids=["not UTF-8", "JSON nested too deep", "a list", "a string for an object", "nested too deep", "a list.", "str"],
)
def test_a_model_read_directly_raises_deserialization_error_only(read: str, data: Any) -> None:
    with pytest.raises(DeserializationError, match="Workspace|type"):
        getattr(SUBJECT.models.Workspace, read)(data)
