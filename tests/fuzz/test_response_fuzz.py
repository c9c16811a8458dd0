"""Random and broken response bodies for every operation of every API version, sync and async (hypothesis).

A body made from the operation's response schema, then possibly broken (`response_fuzz`), answers the
operation through an in-memory transport; so do the polls of a long-running operation and the next pages
of a listing. Whatever the body, the user gets a model of the operation's type (a page of them, a poller's
result) or None where it returns nothing, or one of the exceptions `response_fuzz.check_error` allows:
`DecodeError` for a body the client cannot read, `HttpResponseError` for an error status or a failed
operation. `test_response_fuzz_https.py` sends a sample over real HTTPS through the emulator.

`FUZZ_EXAMPLES=5000 pytest tests/fuzz/test_response_fuzz.py` hunts longer (FUZZ_SEED=n for another sequence).
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
import response_fuzz as fuzz
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
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


def run_case(subject: fuzz.Subject, case: fuzz.Case) -> str:
    """The case answered in memory; what the user got, checked."""
    outcome, script = fuzz.run(subject, case)
    return fuzz.check_case(subject, case, outcome, len(script.sent))


@pytest.mark.parametrize("version", VERSIONS)
@FUZZ
@given(data=st.data())
def test_every_response_body_gives_a_model_or_a_decode_error(version: str, data: st.DataObject) -> None:
    subject = SUBJECTS[version]
    OUTCOMES[run_case(subject, fuzz.draw_case(subject, data))] += 1


if SEED is not None:
    test_every_response_body_gives_a_model_or_a_decode_error = seed(int(SEED))(
        test_every_response_body_gives_a_model_or_a_decode_error
    )


def teardown_module() -> None:
    print(f"\nresponse fuzz outcomes: {dict(sorted(OUTCOMES.items()))}")
