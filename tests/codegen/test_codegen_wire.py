"""Generated (de)serialization of every kind of value, on a tiny spec: msrest's results, by hypothesis.

One model holds a value of each kind the generator knows (JSON scalars, date-times, durations, msrest
leaf types, models, lists, dicts, nested lists, flattened objects two levels deep, an escaped dot in
a key, read-only values, a constant, constraints); the package is generated, imported, and checked
against msrest with the checks of tests/wire_checks.py.
"""

from __future__ import annotations

import copy
import datetime
import importlib
import json
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest
from codegen_specs import operation, param_ref, ref, swagger
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codegen import generate_files, write_files
from codegen.config import load_config
from codegen.generate import build_code_models

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

import wire_checks  # noqa: E402

PACKAGE = "wirekinds"
SDK_TOML = f"""\
[package]
name = "{PACKAGE}"
distribution = "wirekinds"
version = "1.0.0"
description = "Every kind of value."
output = "out"
overlays = "overlays"
overlay_package = "wirekinds_overlays"
default_api_version = "2020-01-01"

[[api_versions]]
version = "2020-01-01"
spec = "spec.json"
"""
STRING = {"type": "string"}
SETTINGS = {"type": "object", "properties": {"size": {"type": "integer"}, "label": STRING}}
KIND_PROPERTIES = {
    "type": "object",
    "properties": {
        "note": STRING,
        "settings": {"x-ms-client-flatten": True, **SETTINGS},
    },
}
DEFINITIONS = {
    "Kinds": {
        "type": "object",
        "required": ["name", "kind"],
        "properties": {
            "id": {"type": "string", "readOnly": True},
            "name": {"type": "string", "pattern": "^[a-z][-a-z0-9]*$", "minLength": 2, "maxLength": 12},
            "kind": {"type": "string", "enum": ["Kinds"], "x-ms-enum": {"name": "Kind", "modelAsString": False}},
            "count": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 1000},
            "ratio": {"type": "number", "format": "double"},
            "enabled": {"type": "boolean"},
            "created": {"type": "string", "format": "date-time"},
            "timeout": {"type": "string", "format": "duration"},
            "day": {"type": "string", "format": "date"},
            "blob": {"type": "object"},
            "color": {
                "type": "string",
                "enum": ["red", "green"],
                "x-ms-enum": {"name": "Color", "modelAsString": True},
            },
            "names": {"type": "array", "items": STRING, "minItems": 1, "maxItems": 3},
            "matrix": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
            "stamps": {"type": "array", "items": {"type": "string", "format": "date-time"}},
            "tags": {"type": "object", "additionalProperties": STRING},
            "byName": {"type": "object", "additionalProperties": ref("Inner")},
            "inners": {"type": "array", "items": ref("Inner")},
            "inner": ref("Inner"),
            "seen": {"readOnly": True, **ref("Inner")},
            "odata.type": STRING,
            "properties": {"x-ms-client-flatten": True, **KIND_PROPERTIES},
            "etag": STRING,
        },
    },
    "Inner": {
        "type": "object",
        "required": ["label"],
        "properties": {"label": {"type": "string", "maxLength": 4}, "weight": {"type": "integer", "minimum": 1}},
    },
}
CHECKS = settings(
    max_examples=int(os.environ.get("WIRE_EXAMPLES", "120")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def subject(tmp_path_factory: pytest.TempPathFactory) -> wire_checks.Subject:
    folder = tmp_path_factory.mktemp("wirekinds")
    body = {"name": "kinds", "in": "body", "required": True, "schema": ref("Kinds")}
    put = operation("Kinds_Put", ref("Kinds"), parameters=[param_ref("ApiVersionParameter"), body])
    api = {"name": "api-version", "in": "query", "required": True, "type": "string"}
    document = swagger(paths={"/kinds": {"put": put}}, definitions=DEFINITIONS, parameters={"ApiVersionParameter": api})
    (folder / "spec.json").write_text(json.dumps(document), encoding="utf-8")
    (folder / "sdk.toml").write_text(SDK_TOML, encoding="utf-8")
    config = load_config(folder / "sdk.toml")
    code_models = build_code_models(config)
    write_files(generate_files(config, code_models), config.output, config.package)
    sys.path.insert(0, str(config.output))
    try:
        (code_model,) = code_models.values()
        models: ModuleType = importlib.import_module(f"{PACKAGE}.v2020_01_01.models")
        return wire_checks.Subject(code_model, models, importlib.import_module(f"{PACKAGE}._wire"))
    finally:
        sys.path.remove(str(config.output))


@CHECKS
@given(data=st.data())
def test_writing_every_kind_gives_msrests_json_and_errors(subject: wire_checks.Subject, data: st.DataObject) -> None:
    wire_checks.check_writing(subject, data)


@CHECKS
@given(data=st.data())
def test_reading_every_kind_gives_msrests_models_and_errors(subject: wire_checks.Subject, data: st.DataObject) -> None:
    wire_checks.check_reading(subject, data)


@CHECKS
@given(data=st.data())
def test_deserialize_of_every_kind_gives_msrests_model(subject: wire_checks.Subject, data: st.DataObject) -> None:
    wire_checks.check_deserialize(subject, data)


@CHECKS
@given(data=st.data())
def test_well_typed_json_of_every_kind_is_read_without_msrest(
    subject: wire_checks.Subject, data: st.DataObject
) -> None:
    wire_checks.check_well_typed_reading(subject, data)


def test_what_a_service_sends_reads_as_msrest_reads_it(subject: wire_checks.Subject) -> None:
    payload = {
        "id": "/kinds/a",
        "name": "a",
        "kind": "Kinds",
        "created": "2018-05-01T10:00:00.000Z",
        "timeout": "P7D",
        "color": "blue",  # outside the spec: kept as the string
        "stamps": ["2018-05-01T10:00:00Z", "2018-05-01T10:00:00+00:00", "2018-05-01T10:00:00.1234567Z"],
        "odata.type": "#Kinds",
        "properties": {"note": "n", "settings": {"size": 3}},
        "surprise": {"x": 1},
    }
    found = subject.models.Kinds._from_wire(payload)
    assert (found.name, found.color, found.note, found.size, found.odata_type) == ("a", "blue", "n", 3, "#Kinds")
    assert found.created == datetime.datetime(2018, 5, 1, 10, tzinfo=datetime.timezone.utc)
    assert found.timeout == datetime.timedelta(days=7)
    assert [stamp.microsecond for stamp in found.stamps] == [0, 0, 123456]
    assert found.additional_properties == {"surprise": {"x": 1}}
    assert found == subject.deserializer._deserialize("Kinds", payload)


def test_what_is_sent_skips_read_only_values_and_nests_flattened_ones(subject: wire_checks.Subject) -> None:
    models = subject.models
    kinds = models.Kinds(
        name="ab",
        created=datetime.datetime(2018, 5, 1, 10, tzinfo=datetime.timezone.utc),
        timeout=datetime.timedelta(hours=1),
        color=models.Color.RED,
        size=3,
        odata_type="#Kinds",
    )
    kinds.id = "/kinds/ab"  # read-only: never sent
    body = subject.wire.write_body(kinds, models.Kinds, subject.serializer)
    assert json.dumps(body) == json.dumps(
        {
            "name": "ab",
            "kind": "Kinds",
            "created": "2018-05-01T10:00:00.000Z",
            "timeout": "PT1H",
            "color": "red",
            "odata.type": "#Kinds",
            "properties": {"settings": {"size": 3}},
        }
    )
    assert kinds.serialize(keep_readonly=True)["id"] == "/kinds/ab"


# Cases the property tests found while the generated code was written, kept as examples.
BEFORE_YEAR_ONE = datetime.datetime(1, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
FOUND_WRITES = {
    "UTC before year 1: msrest's SerializationError": {"name": "ab", "created": BEFORE_YEAR_ONE},
    "a list of lists holding a number: validate() raises TypeError": {"name": "ab", "matrix": [1]},
    "a dict where a model belongs: msrest builds the model": {"name": "ab", "inner": {"label": "x"}},
}
FOUND_READS = {
    "no settings object: msrest reads its property at the top": {"properties": {"note": ""}, "label": ""},
    "a null flattened object, and a float from a string": {"ratio": "nan", "properties": None},
    "a list where a model belongs: msrest's message names the whole list": {"inners": [[]]},
    "msrest lets OverflowError through; ours is a DeserializationError": {"count": 1e999},
}


@pytest.mark.parametrize("values", FOUND_WRITES.values(), ids=FOUND_WRITES)
def test_writes_hypothesis_found_stay_msrests(subject: wire_checks.Subject, values: dict) -> None:
    models, serializer = subject.models, subject.serializer
    instance = models.Kinds(**values)
    twin = copy.deepcopy(instance)
    ours = wire_checks.outcome(lambda: subject.wire.write_body(instance, models.Kinds, serializer))
    our_errors = wire_checks.outcome(instance.validate)
    with wire_checks.msrest_only(subject):
        reference = wire_checks.outcome(lambda: serializer.body(twin, "Kinds"))
        reference_errors = wire_checks.outcome(twin.validate)
    wire_checks.assert_same_outcome(ours, reference)
    wire_checks.assert_same_errors(our_errors, reference_errors)


@pytest.mark.parametrize("payload", FOUND_READS.values(), ids=FOUND_READS)
def test_reads_hypothesis_found_stay_msrests(subject: wire_checks.Subject, payload: dict) -> None:
    ours = wire_checks.outcome(lambda: subject.models.Kinds._from_wire(copy.deepcopy(payload)))
    reference = wire_checks.outcome(lambda: subject.deserializer._deserialize("Kinds", copy.deepcopy(payload)))
    wire_checks.assert_same_outcome(ours, reference, reading=True)


def test_reading_pauses_the_garbage_collector_and_restores_its_state(subject: wire_checks.Subject) -> None:
    import gc

    seen = []

    class Probe(subject.models.Kinds):  # a model whose reading records the collector's state
        @staticmethod
        def _from_wire(data: object) -> None:
            seen.append(gc.isenabled())
            if data == "fail":
                raise ValueError("reading failed")

    was_enabled = gc.isenabled()
    try:
        gc.enable()
        subject.wire.read_json(Probe, {})
        with pytest.raises(ValueError, match="reading failed"):
            subject.wire.read_json(Probe, "fail")
        assert gc.isenabled()  # restored, also after a failure
        gc.disable()
        subject.wire.read_json(Probe, {})
        assert not gc.isenabled()  # left off by its owner: left off
    finally:
        (gc.enable if was_enabled else gc.disable)()
    assert seen == [False, False, False]
