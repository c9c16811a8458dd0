"""The generated (de)serialization gives msrest's results, on random models and random wire JSON (hypothesis).

For every API version in sdk.toml, models are built at random from the code model of its spec (the
schemas, their enums and constraints) and wire JSON is built at random from the same schemas, with
nulls, unknown keys, odd date-times and durations, enum values outside the spec, and wrong JSON
types. The reference is msrest on the same classes with the generated code switched off
(tests/wire_checks.py).

- Writing (the request body, `serialize`, `validate`): the same JSON text, `json.dumps` key order
  included, or the same exception with the same message; the model left as msrest leaves it.
- Reading (`_from_wire`, as the operations read responses, and `deserialize`): equal models whose
  attributes have the same types, in the same order (datetimes: the same tzinfo class and offset),
  or the same exception with the same message. Where msrest lets an exception other than
  DeserializationError through (an int of 1e999: OverflowError), ours raises DeserializationError,
  as the SDK promises for malformed input.
- For values of the types the models declare, the generated code does not hand over to msrest.

`WIRE_EXAMPLES=5000 pytest tests/test_wire_equivalence.py` hunts longer than CI does.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import wire_checks  # noqa: E402

from codegen.config import load_config  # noqa: E402
from codegen.generate import build_code_models  # noqa: E402

EXAMPLES = settings(
    max_examples=int(os.environ.get("WIRE_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SUBJECTS = {
    api.version: wire_checks.Subject(
        code_model,
        importlib.import_module(code_model.package + ".models"),
        importlib.import_module(code_model.package.rsplit(".", 1)[0] + "._wire"),
    )
    for api, code_model in build_code_models(load_config(ROOT / "sdk.toml")).items()
}
VERSIONS = sorted(SUBJECTS)


@pytest.mark.parametrize("version", VERSIONS)
@EXAMPLES
@given(data=st.data())
def test_writing_a_model_gives_msrests_json_and_errors(version: str, data: st.DataObject) -> None:
    wire_checks.check_writing(SUBJECTS[version], data)


@pytest.mark.parametrize("version", VERSIONS)
@EXAMPLES
@given(data=st.data())
def test_reading_wire_json_gives_msrests_models_and_errors(version: str, data: st.DataObject) -> None:
    wire_checks.check_reading(SUBJECTS[version], data)


@pytest.mark.parametrize("version", VERSIONS)
@EXAMPLES
@given(data=st.data())
def test_deserialize_of_json_text_gives_msrests_model(version: str, data: st.DataObject) -> None:
    wire_checks.check_deserialize(SUBJECTS[version], data)


@pytest.mark.parametrize("version", VERSIONS)
@EXAMPLES
@given(data=st.data())
def test_well_typed_wire_json_is_read_without_msrest(version: str, data: st.DataObject) -> None:
    wire_checks.check_well_typed_reading(SUBJECTS[version], data)
