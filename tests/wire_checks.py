"""Checks that generated (de)serialization gives msrest's results, for the hypothesis tests.

`Subject` is one generated API version: its code model (built from the spec), its models module and
the runtime module they use. The strategies build models and wire JSON at random from the code
model: values of the declared types within and around the spec's constraints, nulls, unknown keys,
odd date-times and durations, enum values outside the spec, and wrong types. The `check_*`
functions compare the generated code with msrest on the same classes, the generated code switched off.
"""

from __future__ import annotations

import copy
import datetime
import enum
import json
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import isodate
from hypothesis import strategies as st
from msrest.exceptions import DeserializationError
from msrest.serialization import Deserializer, Model, Serializer

from codegen.codemodel import CodeModel, ModelType, PythonType

MAX_DEPTH = 3


class Subject:
    """One generated API version: its code model, models module, runtime module, and msrest for them."""

    def __init__(self, code_model: CodeModel, models: ModuleType, wire: ModuleType) -> None:
        self.code_model = code_model
        self.models = models
        self.wire = wire
        classes = {name: value for name, value in vars(models).items() if isinstance(value, type)}
        self.serializer = Serializer(classes)
        self.deserializer = Deserializer(classes)
        self.model_types = {model.name: model for model in code_model.models}

    def cls(self, model: ModelType) -> Any:
        return getattr(self.models, model.name)


@contextmanager
def msrest_only(subject: Subject) -> Iterator[None]:
    """msrest's own Model.serialize, .validate and .deserialize, for the reference results."""
    base = subject.wire.WireModel
    saved = {name: base.__dict__[name] for name in ("validate", "serialize", "deserialize")}
    for name in saved:
        delattr(base, name)
    try:
        yield
    finally:
        for name, method in saved.items():
            setattr(base, name, method)


def outcome(action: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "ok", action()
    except Exception as error:  # the outcome under test: any exception, compared by type and message
        return "error", error


class Token:
    """A value of no type the models know, with a stable repr (error messages include reprs)."""

    def __repr__(self) -> str:
        return "Token()"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Token)

    def __hash__(self) -> int:
        return 0


# -- Python values for models ----------------------------------------------------------------------

UTC_ZONES = [datetime.timezone.utc, isodate.UTC, isodate.FixedOffset(0, 0, "+00:00")]
ZONES = st.sampled_from(
    [
        *UTC_ZONES,
        datetime.timezone(datetime.timedelta(hours=5, minutes=30)),
        datetime.timezone(-datetime.timedelta(hours=8)),
    ]
)
JUNK = st.sampled_from(
    [
        1,
        0,
        -3,
        2.5,
        "x",
        "12",
        True,
        [1],
        ("a",),
        {"a": 1},
        Token(),
        datetime.date(2020, 1, 2),
        datetime.datetime(2020, 1, 2, 3, 4, 5),  # naive: msrest takes it as UTC
        datetime.datetime(1, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=1))),  # before year 1 in UTC
        b"bytes",
    ]
)


def enum_class(subject: Subject, t: PythonType) -> type[enum.Enum] | None:
    return getattr(subject.models, t.enum.name) if t.enum is not None else None


def python_value(subject: Subject, t: PythonType, depth: int, rules: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values of the declared type (mostly), within and around the spec's constraints."""
    if t.kind == "str":
        options = [st.text(max_size=12)]
        if "pattern" in rules:
            options.append(st.from_regex(rules["pattern"], fullmatch=True).filter(lambda text: len(text) < 80))
        if "max_length" in rules:
            options.append(st.text(min_size=rules["max_length"], max_size=rules["max_length"] + 2))
        members = enum_class(subject, t)
        if members is not None:
            options += [st.sampled_from([member.value for member in members]), st.sampled_from(list(members))]
        return st.one_of(options)
    if t.kind == "int":
        bounds = [rules[key] + delta for key in ("minimum", "maximum") if key in rules for delta in (-1, 0, 1)]
        return st.integers(-(2**40), 2**40) | st.sampled_from(bounds or [0])
    if t.kind == "float":
        return st.floats(allow_nan=False)
    if t.kind == "bool":
        return st.booleans()
    if t.kind == "datetime":
        # a day inside msrest's range whatever the offset; the edges are in JUNK
        moments = {"min_value": datetime.datetime(1, 1, 2), "max_value": datetime.datetime(9999, 12, 30)}
        return st.datetimes(timezones=ZONES, **moments) | st.datetimes(timezones=st.sampled_from(UTC_ZONES), **moments)
    if t.kind == "duration":
        return st.timedeltas(min_value=datetime.timedelta(0), max_value=datetime.timedelta(days=3000))
    if t.kind == "model":
        assert t.model is not None
        return model_instance(subject, t.model, depth + 1)
    if t.kind == "leaf":  # a free-form object, or an msrest type the specs do not use
        return st.dates() if t.serialization == "date" else JSON_JUNK
    if t.kind in ("list", "dict"):
        assert t.element is not None
        item = st.none() | maybe_junk(python_value(subject, t.element, depth, {}))
        size = {"min_size": 0, "max_size": 3}
        if t.kind == "list":
            return st.lists(item, **size)
        return st.dictionaries(st.text(max_size=5), item, **size)
    return st.nothing()


def maybe_junk(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(values, values, values, values, values, JUNK)


@st.composite
def model_instance(draw: st.DrawFn, subject: Subject, model: ModelType, depth: int = 0) -> Any:
    cls = subject.cls(model)
    required = {prop.name: None for prop in model.init_properties if prop.required and not prop.has_client_default}
    instance = cls(**required)
    if depth > MAX_DEPTH:
        return instance
    for prop in model.properties:
        if prop.is_constant:
            if draw(st.integers(0, 9)) == 0:
                setattr(instance, prop.name, draw(st.none() | JUNK))  # what msrest then sends
            continue
        values = maybe_junk(python_value(subject, prop.type, depth, prop.validation))
        setattr(instance, prop.name, draw(st.none() | values))
    return instance


def is_clean(value: Any, t: PythonType) -> bool:
    """Whether a value has the type its property declares (the generated code's fast path takes it)."""
    if value is None:
        return True
    kind = t.kind
    if kind == "str":
        return type(value) is str or isinstance(value, enum.Enum)
    if kind in ("int", "float", "bool"):
        return type(value) is {"int": int, "float": float, "bool": bool}[kind]
    if kind == "datetime":
        if type(value) is not datetime.datetime or value.tzinfo is None:
            return False
        try:
            return 1 <= value.utctimetuple().tm_year <= 9999
        except OverflowError:
            return False
    if kind == "duration":
        return type(value) is datetime.timedelta
    if kind == "leaf":
        if t.serialization == "date":
            return type(value) is datetime.date
        return t.serialization == "object" and is_json(value)
    if kind == "model":
        assert t.model is not None
        return type(value).__name__ == t.model.name and all(
            is_clean(getattr(value, prop.name), prop.type) for prop in t.model.properties
        )
    assert t.element is not None
    if kind == "list":
        return type(value) is list and all(is_clean(item, t.element) for item in value)
    return type(value) is dict and all(is_clean(item, t.element) for item in value.values())


# -- wire JSON for models --------------------------------------------------------------------------

JSON_SCALARS = (
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.floats(allow_nan=False) | st.text(max_size=6)
)
JSON_JUNK = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=4), inner, max_size=2),
    max_leaves=4,
)
WIRE_NUMBERS = st.sampled_from([1e999, -1e999, math.nan, 2.0, 1.5, 10**20, -1])


def datetime_text(moment: datetime.datetime, style: int, digits: int) -> str:
    """A date-time as services really send it, in one of several spellings."""
    base = moment.strftime("%Y-%m-%dT%H:%M:%S")
    fraction = f"{moment.microsecond:06d}{moment.microsecond % 1000:03d}"[:digits]
    styles = [
        f"{base}.{fraction}Z" if digits else f"{base}Z",
        f"{base}.000Z",
        f"{base}Z",
        f"{base}+00:00",
        f"{base}.{fraction or '0'}+05:30",
        f"{base}.{fraction or '0'}-08:00",
        f"{base.lower()}z",
        f"{base.replace('T', ' ')}Z",
        base,
        f"{base}.{fraction or '1'}",
        f"{moment:%Y-%m-%d}",
        f"{base[:-3]}Z",
        f"{base}.Z",
        f"{base}.{fraction or '1'}ZZ",
        f"{moment:%Y%m%dT%H%M%S}Z",
    ]
    return styles[style % len(styles)]


WIRE_DATETIMES = st.builds(
    datetime_text,
    st.datetimes(min_value=datetime.datetime(1, 1, 1, 1), max_value=datetime.datetime(9999, 12, 31, 22)),
    st.integers(0, 20),
    st.integers(0, 9),
) | st.sampled_from(
    [
        "2018-05-01T10:00:00.000Z",
        "2018-05-01T10:00:00Z",
        "2018-05-01T10:00:00+00:00",
        "2018-05-01T24:00:00Z",
        "2018-02-30T10:00:00Z",
        "0000-01-01T00:00:00Z",
        "2018-05-01T10:00:60Z",
        "2018-05-01T10:00:00.1234567Z",
        "2018-05-01T10:00:00.Z",
        "2018-05-01T10:00:00,5Z",
        "2018-05-01T10:00:Z",
        "2018-05-01T10:00:0Z",
        "2018-05-01T10:00: 0Z",
        "2018-05-01T10:00:00.12a456Z",
        "2018-05-01T10:00:00.123456Z",
        "２０18-05-01T10:00:00Z",
        "2018-05-01T10:00:00.٣Z",
        "",
    ]
)
WIRE_DURATIONS = st.sampled_from(
    ["P7D", "PT1H", "PT0S", "P0D", "P1Y2M", "PT1H30M", "P1DT12H", "PT0.5S", "-P1D", "1.00:00:00", "P", "7", ""]
) | st.timedeltas(max_value=datetime.timedelta(days=4000)).map(isodate.duration_isoformat)


def wire_value(subject: Subject, t: PythonType, depth: int) -> st.SearchStrategy[Any]:
    """JSON for a value: mostly what the spec says, sometimes what a service should not send."""
    kind = t.kind
    if kind == "str":
        options = [st.text(max_size=10)]
        if t.enum is not None:
            values = [value.value for value in t.enum.values]
            options += [st.sampled_from(values), st.sampled_from(values).map(str.upper), st.just("notInTheSpec")]
        good = st.one_of(options)
        odd = st.integers() | st.booleans() | st.floats() | JSON_JUNK
    elif kind == "int":
        good = st.integers(-(2**40), 2**40)
        odd = WIRE_NUMBERS | st.sampled_from(["12", "-4", " 7 ", "1.5", "x", True, False]) | JSON_JUNK
    elif kind == "float":
        good = st.floats() | st.integers()
        odd = st.sampled_from(["1.5", "nan", "inf", "x", True]) | JSON_JUNK
    elif kind == "bool":
        good = st.booleans()
        odd = st.sampled_from(["true", "False", "1", "0", "yes", 1, 0, 2, 1.0]) | JSON_JUNK
    elif kind == "datetime":
        good, odd = WIRE_DATETIMES, st.integers() | JSON_JUNK
    elif kind == "duration":
        good, odd = WIRE_DURATIONS, st.integers() | JSON_JUNK
    elif kind == "model":
        assert t.model is not None
        good = wire_object(subject, t.model, depth + 1)
        odd = JSON_JUNK
    elif kind == "leaf":
        good = (
            st.dates().map(str) | st.sampled_from(["2018-05-01", "20180501", "2018-W01"])
            if t.serialization == "date"
            else JSON_JUNK
        )
        odd = JSON_JUNK
    else:
        assert t.element is not None
        item = wire_value(subject, t.element, depth)
        if kind == "list":
            good = st.lists(item, max_size=3)
        else:
            good = st.dictionaries(st.text(max_size=5), item, max_size=3) | st.lists(
                st.fixed_dictionaries({"key": st.text(max_size=3), "value": item}), max_size=2
            )
        odd = JSON_JUNK
    return st.one_of(good, good, good, good, odd, st.none())


@st.composite
def wire_object(draw: st.DrawFn, subject: Subject, model: ModelType, depth: int = 0) -> Any:
    data: dict[str, Any] = {}
    if depth > MAX_DEPTH:
        return data
    for prop in model.properties:
        if draw(st.integers(0, 3)) == 0:
            continue  # absent
        value = draw(wire_value(subject, prop.type, depth))
        path = prop.wire_path
        if len(path) > 1 and draw(st.integers(0, 15)) == 0:
            # msrest also finds a flattened property at the top when an object on its path is absent
            path = path[: draw(st.integers(0, len(path) - 2))] + path[-1:]
        target = data
        for key in path[:-1]:
            inner = target.setdefault(key, {})
            if not isinstance(inner, dict):
                break
            target = inner
        else:
            target[path[-1]] = value
    for key in {tuple(prop.wire_path[:1]) for prop in model.properties if len(prop.wire_path) > 1}:
        choice = draw(st.integers(0, 12))
        if choice == 0:
            data[key[0]] = None  # a null flattened object: msrest reads every property in it as None
        elif choice == 1:
            data[key[0]] = draw(JSON_JUNK)
    data.update(draw(st.dictionaries(st.sampled_from(["extra", "Id", "etag", "@odata.type"]), JSON_JUNK, max_size=2)))
    return data


# -- comparing results -----------------------------------------------------------------------------


def assert_same_value(ours: Any, reference: Any, where: str) -> None:
    assert type(ours) is type(reference), f"{where}: {type(ours).__name__} != {type(reference).__name__}"
    if isinstance(reference, Model):
        assert list(vars(ours)) == list(vars(reference)), f"{where}: attribute order"
        for name, value in vars(reference).items():
            if name == "additional_properties":
                # msrest collects unknown keys through a set: their order is arbitrary
                assert sorted(vars(ours)[name]) == sorted(value), where
                for key in value:
                    assert_same_value(vars(ours)[name][key], value[key], f"{where}.additional_properties[{key!r}]")
                continue
            assert_same_value(vars(ours)[name], value, f"{where}.{name}")
    elif isinstance(reference, list):
        assert len(ours) == len(reference), where
        for index, (mine, theirs) in enumerate(zip(ours, reference, strict=True)):
            assert_same_value(mine, theirs, f"{where}[{index}]")
    elif isinstance(reference, dict):
        assert list(ours) == list(reference), f"{where}: keys"
        for key, value in reference.items():
            assert_same_value(ours[key], value, f"{where}[{key!r}]")
    elif isinstance(reference, datetime.datetime):
        assert ours.replace(tzinfo=None) == reference.replace(tzinfo=None), where
        assert type(ours.tzinfo) is type(reference.tzinfo), f"{where}: tzinfo {ours.tzinfo!r} != {reference.tzinfo!r}"
        assert ours.utcoffset() == reference.utcoffset() and ours.tzname() == reference.tzname(), where
    elif isinstance(reference, float) and math.isnan(reference):
        assert math.isnan(ours), where
    else:
        assert ours == reference, f"{where}: {ours!r} != {reference!r}"


def assert_same_outcome(ours: tuple[str, Any], reference: tuple[str, Any], reading: bool = False) -> None:
    (our_kind, our_value), (reference_kind, reference_value) = ours, reference
    if reading and reference_kind == "error" and not isinstance(reference_value, DeserializationError):
        # msrest let a bare exception through; the SDK promises a DeserializationError
        assert our_kind == "error" and type(our_value) is DeserializationError, (ours, reference)
        assert f"{type(reference_value).__name__}: {reference_value}" in str(our_value)
        return
    assert our_kind == reference_kind, (ours, reference)
    if our_kind == "error":
        assert (type(our_value), str(our_value)) == (type(reference_value), str(reference_value))
    elif isinstance(reference_value, Model) or reference_value is None:
        if not has_nan(reference_value):  # NaN != NaN
            assert our_value == reference_value
        assert_same_value(our_value, reference_value, "$")
    else:
        assert json.dumps(our_value) == json.dumps(reference_value)


def is_json(value: Any) -> bool:
    """A value of JSON's types: what a free-form object carries without msrest's help."""
    if value is None or type(value) in (str, int, float, bool):
        return True
    if type(value) is list:
        return all(is_json(item) for item in value)
    return type(value) is dict and all(type(key) is str and is_json(item) for key, item in value.items())


def has_nan(value: Any) -> bool:
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, Model):
        value = vars(value)
    if isinstance(value, dict):
        return any(has_nan(item) for item in value.values())
    return isinstance(value, list) and any(has_nan(item) for item in value)


def assert_same_errors(ours: tuple[str, Any], reference: tuple[str, Any]) -> None:
    """validate()'s outcomes: the same list of errors (type, rule, message), or the same exception."""
    assert ours[0] == reference[0], (ours, reference)
    if ours[0] == "error":
        assert (type(ours[1]), str(ours[1])) == (type(reference[1]), str(reference[1]))
    else:
        assert [(type(e), e.rule, str(e)) for e in ours[1]] == [(type(e), e.rule, str(e)) for e in reference[1]]


@contextmanager
def no_handover(subject: Subject, expected: bool) -> Iterator[list[str]]:
    """Record (and, when `expected` is False, forbid) the generated code handing a whole object to msrest."""
    handed: list[str] = []
    wire = subject.wire
    originals = {"serialize": Model.serialize, "validate": Model.validate, "body": Serializer.body}
    read_with_msrest = wire.read_with_msrest

    def spy(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            handed.append(name)
            return original(*args, **kwargs)

        return wrapper

    for name, original in originals.items():
        setattr(Serializer if name == "body" else Model, name, spy(name, original))
    wire.read_with_msrest = spy("read", read_with_msrest)
    try:
        yield handed
    finally:
        for name, original in originals.items():
            setattr(Serializer if name == "body" else Model, name, original)
        wire.read_with_msrest = read_with_msrest
    if not expected:
        assert handed == [], f"handed to msrest: {handed}"


def draw_model(subject: Subject, data: st.DataObject) -> ModelType:
    """A model of the version, shown by its name in hypothesis' reports."""
    return subject.model_types[data.draw(st.sampled_from(sorted(subject.model_types)), label="model")]


def clean(instance: Any, model: ModelType) -> bool:
    return all(is_clean(getattr(instance, prop.name), prop.type) for prop in model.properties)


# -- the checks -------------------------------------------------------------------------------------


def check_writing(subject: Subject, data: st.DataObject) -> None:
    """A request body, `serialize` and `validate`: msrest's JSON text and errors; the model left as msrest leaves it."""
    model = draw_model(subject, data)
    instance = data.draw(model_instance(subject, model), label="instance")
    keep_readonly = data.draw(st.booleans(), label="keep_readonly")
    subject.serializer.client_side_validation = data.draw(st.booleans(), label="client_side_validation")
    twin = copy.deepcopy(instance)  # msrest's body() turns dicts into models in place: each side has its own
    try:
        with no_handover(subject, expected=not clean(instance, model)):
            ours = outcome(lambda: subject.wire.write_body(instance, type(instance), subject.serializer))
            our_dump = outcome(lambda: instance.serialize(keep_readonly=keep_readonly))
            our_errors = outcome(instance.validate)
        with msrest_only(subject):
            reference = outcome(lambda: subject.serializer.body(twin, model.name))
            reference_dump = outcome(lambda: twin.serialize(keep_readonly=keep_readonly))
            reference_errors = outcome(twin.validate)
    finally:
        subject.serializer.client_side_validation = True
    assert_same_outcome(ours, reference)
    assert_same_outcome(our_dump, reference_dump)
    assert_same_errors(our_errors, reference_errors)
    assert instance == twin, "the model is not left as msrest leaves it"


def check_reading(subject: Subject, data: st.DataObject) -> None:
    """Wire JSON read as the operations read responses: msrest's model, or its error; the JSON unchanged."""
    model = draw_model(subject, data)
    payload = data.draw(wire_object(subject, model) | JSON_JUNK, label="payload")
    original = copy.deepcopy(payload)
    ours = outcome(lambda: subject.cls(model)._from_wire(payload))
    reference = outcome(lambda: subject.deserializer._deserialize(model.name, copy.deepcopy(original)))
    assert_same_outcome(ours, reference, reading=True)
    assert payload == original, "the generated code changed the JSON it read"


def check_deserialize(subject: Subject, data: st.DataObject) -> None:
    """`Model.deserialize` of JSON text: msrest's model, or its error."""
    model = draw_model(subject, data)
    text = json.dumps(data.draw(wire_object(subject, model) | JSON_JUNK, label="payload"))
    cls = subject.cls(model)
    ours = outcome(lambda: cls.deserialize(text))
    with msrest_only(subject):
        reference = outcome(lambda: cls.deserialize(text))
    assert_same_outcome(ours, reference, reading=True)


def check_well_typed_reading(subject: Subject, data: st.DataObject) -> None:
    """JSON of the spec's types (any values, nulls and unknown keys included) is read without msrest."""
    model = draw_model(subject, data)
    instance = data.draw(model_instance(subject, model), label="instance")
    written = outcome(lambda: instance.serialize(keep_readonly=True))
    if not clean(instance, model) or written[0] == "error":
        return
    payload = {**json.loads(json.dumps(written[1])), "unknownKey": [1, {"a": None}]}
    with no_handover(subject, expected=False):
        ours = subject.cls(model)._from_wire(payload)
    assert_same_value(ours, subject.deserializer._deserialize(model.name, payload), "$")
