"""Every model's `deserialize` and `from_dict` on random and broken input (hypothesis).

The input is JSON made from the model's schema (`wire_checks.wire_object`), JSON of another shape, JSON
text (valid, truncated, nested deeper than the parser goes, not UTF-8) or values no JSON holds. The only
outcomes are an instance of the model (None for an input of None or JSON's null) or msrest's
`DeserializationError`; `test_wire_equivalence.py` checks that the models are msrest's.

`FUZZ_EXAMPLES=5000 pytest tests/fuzz/test_model_fuzz.py` hunts longer.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import response_fuzz as fuzz
import wire_checks
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from msrest.exceptions import DeserializationError

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
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


def _nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


@st.composite
def model_input(draw: st.DrawFn, subject: fuzz.Subject, model: Any) -> Any:
    """What a caller may hand to `deserialize` or `from_dict`."""
    t = wire_checks.PythonType(model.name, f"_models.{model.name}", model=model)
    choice = draw(st.integers(0, 5))
    if choice <= 1:
        return draw(fuzz.body_value(subject, t))
    if choice == 2:  # JSON text, maybe broken
        body, _ = draw(fuzz.body_bytes(subject, t))
        return draw(st.sampled_from([body, body.decode("utf-8", "replace")]))
    if choice == 3:  # nested deeper than msrest or the parser goes, as Python values
        depth = draw(st.sampled_from([50, 3000]))
        return {"properties": _nested(depth), "value": _nested(depth), "name": _nested(depth)}
    if choice == 4:  # what no JSON holds
        return draw(
            st.sampled_from([object(), b"\xff\xfe", {1: 2}, {"name": {1, 2}}, float("nan"), ("a",), {"x": b"y"}])
        )
    return draw(wire_checks.wire_object(subject, model))


def _is_null(value: Any) -> bool:
    """Whether a value is the JSON text of null (a byte-order mark and white space allowed)."""
    if isinstance(value, bytes):
        value = value.decode("utf-8-sig", "replace")
    return isinstance(value, str) and value.lstrip("\ufeff").strip() == "null"


def check(cls: type, value: Any, action: Any) -> None:
    kind, result = fuzz.outcome_of(action)
    if kind == "error":
        assert isinstance(result, DeserializationError), f"{cls.__name__}: {type(result).__name__}: {result!r:.300}"
        return
    if result is None:
        assert value is None or _is_null(value), f"{cls.__name__}: None from {value!r:.200}"
        return
    assert isinstance(result, cls), f"{cls.__name__}: {type(result).__name__}"


@pytest.mark.parametrize("version", VERSIONS)
@FUZZ
@given(data=st.data())
def test_deserialize_and_from_dict_give_a_model_or_a_deserialization_error(version: str, data: st.DataObject) -> None:
    subject = SUBJECTS[version]
    model = data.draw(st.sampled_from(subject.code_model.models), label="model")
    cls = subject.cls(model)
    value = data.draw(model_input(subject, model), label="input")
    check(cls, value, lambda: cls.deserialize(value))
    check(cls, value, lambda: cls.deserialize(value, content_type="application/json"))
    check(cls, value, lambda: cls.from_dict(value))


if SEED is not None:
    test_deserialize_and_from_dict_give_a_model_or_a_deserialization_error = seed(int(SEED))(
        test_deserialize_and_from_dict_give_a_model_or_a_deserialization_error
    )
