"""A bounded sample of `test_response_fuzz`'s cases answered over real HTTPS by the emulator (hypothesis).

The emulator serves each case's answers as scripted faults (`Fault("reply")`: the first request gets the
broken answer, every further one, a poll or a next page, the case's second answer), so the bodies pass
through TLS, requests or aiohttp and azure-core's transports as a service's would. The outcomes allowed are
`response_fuzz.check_error`'s. Every request goes to the emulator on 127.0.0.1: a nextLink in a body is
pointed there, and the transports refuse any other host.

`FUZZ_HTTPS_EXAMPLES=200 pytest tests/fuzz/test_response_fuzz_https.py` sends more.
"""

from __future__ import annotations

import json
import os
import urllib.parse
from collections import Counter
from typing import Any

import pytest
import response_fuzz as fuzz
from azure.core.pipeline.transport import AioHttpTransport, RequestsTransport
from batchai_emulator.faults import Fault
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("FUZZ_HTTPS_EXAMPLES", "12"))
SEED = os.environ.get("FUZZ_SEED")
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=SEED is None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
SUBJECTS = fuzz.subjects()
VERSIONS = sorted(SUBJECTS)
OUTCOMES: Counter[str] = Counter()
LOOPBACK = "127.0.0.1"


def _loopback_only(request: Any) -> None:
    host = urllib.parse.urlsplit(request.url).hostname
    assert host == LOOPBACK, f"a request to {request.url}: the tests talk to 127.0.0.1 only"


class LoopbackTransport(RequestsTransport):
    def send(self, request: Any, **kwargs: Any) -> Any:
        _loopback_only(request)
        return super().send(request, **kwargs)


class AsyncLoopbackTransport(AioHttpTransport):
    async def send(self, request: Any, **kwargs: Any) -> Any:
        _loopback_only(request)
        return await super().send(request, **kwargs)


def _served(reply: fuzz.Reply, base_url: str) -> fuzz.Reply:
    """The reply as the emulator serves it: a nextLink pointed at the emulator, no body with a 204."""
    body = reply.body
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        value = None
    if isinstance(value, dict) and isinstance(value.get("nextLink"), str):
        value["nextLink"] = f"{base_url}/fuzz/next?page=2"
        body = json.dumps(value).encode()
    if reply.status == 204:
        body = b""
    return fuzz.Reply(reply.status, body, reply.content_type, reply.headers)


def _fault(reply: fuzz.Reply, times: int | None) -> Fault:
    return Fault(
        "reply", status=reply.status, body=reply.body, content_type=reply.content_type, times=times, name="fuzz"
    )


@pytest.mark.parametrize("version", VERSIONS)
@FUZZ
@given(data=st.data())
def test_a_sample_of_broken_bodies_over_https_gives_a_model_or_a_decode_error(
    arm_server: Any, credential: Any, async_credential: Any, version: str, data: st.DataObject
) -> None:
    subject = SUBJECTS[version]
    drawn = fuzz.draw_case(subject, data)
    case = fuzz.Case(
        drawn.group,
        drawn.op,
        _served(drawn.first, arm_server.base_url),
        _served(drawn.then, arm_server.base_url),
        drawn.is_async,
    )
    arm_server.faults.clear()
    arm_server.faults.add(_fault(case.first, 1), _fault(case.then, None))

    def transport(is_async: bool) -> Any:
        cls = AsyncLoopbackTransport if is_async else LoopbackTransport
        return cls(connection_verify=arm_server.ca_path, read_timeout=10)

    outcome, _ = fuzz.run(
        subject,
        case,
        transport,
        base_url=arm_server.base_url,
        credential=async_credential if case.is_async else credential,
    )
    sent = len(arm_server.faults.served)
    assert 1 <= sent <= fuzz.MAX_REQUESTS, f"{sent} requests"
    OUTCOMES[fuzz.check_case(subject, case, outcome, sent)] += 1


if SEED is not None:
    test_a_sample_of_broken_bodies_over_https_gives_a_model_or_a_decode_error = seed(int(SEED))(
        test_a_sample_of_broken_bodies_over_https_gives_a_model_or_a_decode_error
    )


def teardown_module() -> None:
    print(f"\nresponse fuzz over HTTPS outcomes: {dict(sorted(OUTCOMES.items()))}")
