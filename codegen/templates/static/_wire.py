"""What the generated models call to convert their values to and from the wire JSON, exactly as msrest does.

Each generated model converts itself in straight-line code (`_from_wire`, `_to_wire`, `_check`), and
calls these functions for its values: a fast path for the types the wire and the models normally
carry, and msrest itself for any other value, so that every result and every error is msrest's.

A value that the fast path leaves to msrest as part of a whole object (a dict where a model belongs,
a tuple where a list belongs, a subclass of a model) raises `Unexpected`; the entry points then hand
the whole object to msrest: `write_body` and `WireModel.serialize` and `.validate` for what is sent,
each model's `_from_wire` for what is received. The fast paths never change their input, so msrest
starts from what the caller gave.
"""

from __future__ import annotations

import datetime
import difflib
import gc
import re
from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar

from msrest.exceptions import DeserializationError, ValidationError
from msrest.serialization import Deserializer, Model, Serializer

Item = TypeVar("Item")

_DESERIALIZER = Deserializer()
_SERIALIZER = Serializer()
# isodate's UTC, the tzinfo msrest gives the date-times it reads, taken from msrest itself
_UTC = Deserializer.deserialize_iso("2000-01-01T00:00:00Z").tzinfo
# Durations repeat (a job's maxWallClockTime): their conversions are kept, up to a bound.
_CACHE_SIZE = 256
_DURATIONS_IN: dict[str, datetime.timedelta] = {}
_DURATIONS_OUT: dict[datetime.timedelta, str] = {}
# what a flattened property is read from when its object is null (msrest: every property in it is None)
_EMPTY: dict[str, Any] = {}
new_instance = object.__new__
# what no nextLink can hold: braces (the client formats URLs with str.format), spaces and control characters
_NOT_IN_URLS = re.compile(r"[{}\x00-\x20\x7f]")


class Unexpected(Exception):
    """A value the generated code leaves to msrest, with the whole object it belongs to."""


class WireModel(Model):
    """An msrest model whose generated code converts it; msrest converts what that code does not expect.

    `serialize`, `validate` and `deserialize` give msrest's results; `as_dict` and `from_dict` are msrest's.
    """

    _wire_keys: frozenset[str] = frozenset()

    def __init__(self, **kwargs: Any) -> None:
        # msrest logs a warning for a keyword that is no attribute and drops it: a misspelt property
        # would silently not be sent. Known keywords (read-only ones included) stay msrest's.
        if kwargs:
            for name in kwargs:
                if name not in self._attribute_map:
                    raise TypeError(unknown_keyword(type(self), name))
        super().__init__(**kwargs)

    def _check(self) -> list[ValidationError]:
        raise Unexpected

    def _to_wire(self, keep_readonly: bool) -> dict[str, Any]:
        raise Unexpected

    @classmethod
    def _from_wire(cls, data: Any) -> Any:
        return read_with_msrest(cls, data)

    def validate(self) -> list[ValidationError]:
        """Validate this model recursively and return the list of ValidationError (msrest's)."""
        if "_check" in type(self).__dict__:
            try:
                return self._check()
            except Unexpected:
                pass
        return super().validate()

    def serialize(self, keep_readonly: bool = False, **kwargs: Any) -> Any:
        """The JSON that would be sent to Azure for this model (msrest's); read-only values only if asked."""
        if not kwargs and "_to_wire" in type(self).__dict__:
            try:
                return self._to_wire(keep_readonly)
            except Exception:  # anything unexpected: msrest says what the result or the error is
                pass
        return super().serialize(keep_readonly, **kwargs)

    @classmethod
    def deserialize(cls, data: Any, content_type: str | None = None) -> Any:
        """Parse JSON (a string, bytes or parsed) into an instance of this model (msrest's result).

        Any failure is msrest's DeserializationError, also where msrest lets another through (bytes that
        are not UTF-8, JSON nested deeper than the parser goes).
        """
        try:
            if "_from_wire" not in cls.__dict__:
                return super().deserialize(data, content_type)
            return read_json(cls, Deserializer._unpack_content(data, content_type))
        except DeserializationError:
            raise
        except Exception as error:
            raise _not_read(cls, error) from error

    @classmethod
    def from_dict(cls, data: Any, key_extractors: Any = None, content_type: str | None = None) -> Any:
        """Parse a dict (keys as the attributes or as the REST API has them) into an instance (msrest's result);
        any failure is msrest's DeserializationError."""
        try:
            return super().from_dict(data, key_extractors, content_type)
        except DeserializationError:
            raise
        except Exception as error:
            raise _not_read(cls, error) from error


def _not_read(model: type[Model], error: Exception) -> DeserializationError:
    return DeserializationError(f"Unable to deserialize to object: {model.__name__}, {type(error).__name__}: {error}")


def unknown_keyword(model: type[Model], name: str) -> str:
    """The message for a keyword a model's constructor does not take: the closest keywords it does take."""
    validation: dict[str, dict[str, Any]] = getattr(model, "_validation", {})
    keywords = [
        attribute
        for attribute in model._attribute_map
        if not validation.get(attribute, {}).get("readonly") and not validation.get(attribute, {}).get("constant")
    ]
    close = difflib.get_close_matches(name, keywords, n=1, cutoff=0.6) or difflib.get_close_matches(
        name.lower().replace("_", ""), [keyword.replace("_", "") for keyword in keywords], n=1, cutoff=0.6
    )
    if close and close[0] not in keywords:  # matched without underscores: give the keyword as written
        close = [next(keyword for keyword in keywords if keyword.replace("_", "") == close[0])]
    message = f"{model.__name__}() got an unexpected keyword argument {name!r}"
    if close:
        return f"{message}; did you mean {close[0]!r}?"
    return f"{message}; it takes {', '.join(sorted(keywords)) or 'no keyword arguments'}"


def write_body(data: Any, model: type[WireModel], serializer: Serializer) -> Any:
    """What `serializer.body(data, model.__name__)` returns, from the generated code for a `model` instance."""
    if type(data) is not model:
        return serializer.body(data, model.__name__)
    try:
        # checked even when validation is off: msrest first rebuilds the models in the body,
        # and fails on a value that is not one; `_check` hands such a body over
        errors = data._check()
        wire = None if errors and serializer.client_side_validation else data._to_wire(False)
    except Exception:  # anything unexpected: msrest says what the result or the error is
        return serializer.body(data, model.__name__)
    if wire is None:
        raise errors[0]
    return wire


def read_response(model: type[WireModel], response: Any) -> Any:
    """What the client's `ResponseDeserializer(model.__name__, response)` returns, from the generated code.

    As there (`_runtime`), an empty body, JSON's null, a body that is not the model, or one that cannot be read
    at all is a DecodeError naming the request.
    """
    # imported here: the models do not need the clients' runtime, and a client has imported it already
    from ._runtime import as_deserialization_error, check_model_body, check_model_result, not_a_model

    check_model_body(model.__name__, response)
    try:
        result = read_json(model, Deserializer._unpack_content(response))
    except Exception as error:  # msrest's, or one it lets through (RecursionError of deep nesting, UnicodeDecodeError)
        raise not_a_model(model.__name__, response, as_deserialization_error(error)) from error
    if result is None:
        check_model_result(model.__name__, response)
    return result


def page_items(items: list[Any] | None, response: Any) -> list[Any]:
    """The items of a page of a listing; a null item is a DecodeError naming the page (a listing yields models)."""
    if items is None:
        return []
    if any(item is None for item in items):
        from ._runtime import null_item  # as in read_response

        raise null_item(items.index(None), response)
    return items


def next_page(link: Any, response: Any) -> str | None:
    """The nextLink of a page, None at the end; a DecodeError for one that no URL can be (braces, spaces...)."""
    if not link:
        return None
    if type(link) is not str or _NOT_IN_URLS.search(link):
        from ._runtime import not_a_link  # as in read_response

        raise not_a_link(link, response)
    return link


def read_json(model: type[WireModel], data: Any) -> Any:
    """The model of parsed JSON, built with Python's cyclic garbage collector paused.

    The models built and the JSON they come from hold no reference cycles, so a collection could
    free nothing of them; but building a page of jobs allocates enough objects to start several,
    which would cost more than the building itself. The collector's state is restored after.
    """
    if not gc.isenabled():
        return model._from_wire(data)
    gc.disable()
    try:
        return model._from_wire(data)
    finally:
        gc.enable()


def read_with_msrest(model: type[WireModel], data: Any) -> Any:
    """msrest's reading of a model; a failure is always a DeserializationError."""
    try:
        return Deserializer(model._infer_class_models())._deserialize(model.__name__, data)
    except DeserializationError:
        raise
    except Exception as error:  # msrest lets a few through, e.g. AttributeError for a model without properties
        message = f"Unable to deserialize to object: {model.__name__}, {type(error).__name__}: {error}"
        raise DeserializationError(message) from error


# -- reading: wire JSON to Python values ------------------------------------------------------------


def read_leaf(value: Any, data_type: str) -> Any:
    """msrest's reading of one value of an msrest type; a failure is always a DeserializationError."""
    try:
        return _DESERIALIZER.deserialize_data(value, data_type)
    except DeserializationError:
        raise
    except Exception as error:  # msrest lets a few through, e.g. OverflowError for an int of 1e999
        message = f"Unable to deserialize response data. Data: {value}, {data_type}, {type(error).__name__}: {error}"
        raise DeserializationError(message) from error


def read_str(value: Any) -> Any:
    return value if type(value) is str or value is None else read_leaf(value, "str")


def read_int(value: Any) -> Any:
    return value if type(value) is int or value is None else read_leaf(value, "int")


def read_float(value: Any) -> Any:
    return value if type(value) is float or value is None else read_leaf(value, "float")


def read_bool(value: Any) -> Any:
    return value if type(value) is bool or value is None else read_leaf(value, "bool")


def read_datetime(value: Any) -> Any:
    """An ISO 8601 date-time. The usual form, "2018-05-01T10:00:00[.fraction]Z", is read here; msrest reads the rest."""
    if type(value) is str and value[-1:] == "Z" and value[4:17:3] == "--T::" and value.isascii():
        fraction = value[20:-1]
        try:
            if len(value) == 20 or (len(fraction) in (3, 6) and value[19:20] == "." and fraction.isdigit()):
                # the forms the service writes, which fromisoformat reads whole (Python 3.10 reads only these)
                return datetime.datetime.fromisoformat(value[:-1]).replace(tzinfo=_UTC)
            if value[19:20] == "." and fraction.isdigit():
                microsecond = int(fraction[:6].ljust(6, "0"))  # further digits are cut, as msrest cuts them
                return datetime.datetime.fromisoformat(value[:19]).replace(microsecond=microsecond, tzinfo=_UTC)
        except ValueError:  # hour 24, day 31 of a short month...: msrest's to say
            pass
    return None if value is None else read_leaf(value, "iso-8601")


def read_duration(value: Any) -> Any:
    if type(value) is str:
        found = _DURATIONS_IN.get(value)
        if found is not None:
            return found
        found = read_leaf(value, "duration")
        if type(found) is datetime.timedelta and len(_DURATIONS_IN) < _CACHE_SIZE:
            _DURATIONS_IN[value] = found
        return found
    return None if value is None else read_leaf(value, "duration")


def read_list(value: Any, read_item: Callable[[Any], Item]) -> list[Item] | None:
    """A list; msrest reads any other value, and words the error of an item its own way."""
    if type(value) is list:
        try:
            return [read_item(item) for item in value]
        except Exception:
            raise Unexpected from None
    if value is None:
        return None
    raise Unexpected


def read_dict(value: Any, read_item: Callable[[Any], Item]) -> dict[str, Item] | None:
    """A dict; msrest reads any other value, and words the error of an item its own way."""
    if type(value) is dict:
        try:
            return {key: read_item(item) for key, item in value.items()}
        except Exception:
            raise Unexpected from None
    if value is None:
        return None
    raise Unexpected


def read_flattened(data: dict[str, Any], key: str, parent: dict[str, Any] | None = None) -> dict[str, Any]:
    """The object under `key` in `parent` (or in `data`, a model's JSON) that flattened properties are read from.

    As msrest: when the key is absent, `data` itself, whatever the depth; when it is null, nothing.
    """
    if parent is _EMPTY:
        return _EMPTY
    found = (data if parent is None else parent).get(key, data)
    if type(found) is dict:
        return found
    if found is None:
        return _EMPTY
    raise Unexpected


def read_extra(data: dict[str, Any], known: frozenset[str]) -> dict[str, Any]:
    """The unknown top-level keys of a model's JSON and their values: msrest's `additional_properties`."""
    if data.keys() <= known:
        return {}
    return {key: value for key, value in data.items() if key not in known}


# -- writing: Python values to wire JSON -------------------------------------------------------------


def write_leaf(value: Any, data_type: str) -> Any:
    """msrest's writing of one value of an msrest type; if it fails, msrest writes the whole object."""
    try:
        return _SERIALIZER.serialize_data(value, data_type)
    except Exception:
        raise Unexpected from None


def write_str(value: Any) -> Any:
    if type(value) is str:
        return value
    if isinstance(value, Enum):
        return value.value
    return write_leaf(value, "str")


def write_int(value: Any) -> Any:
    return value if type(value) is int else write_leaf(value, "int")


def write_float(value: Any) -> Any:
    return value if type(value) is float else write_leaf(value, "float")


def write_bool(value: Any) -> Any:
    return value if type(value) is bool else write_leaf(value, "bool")


def write_datetime(value: Any) -> Any:
    """ISO 8601 in UTC with at least milliseconds, as msrest writes it: "2018-05-01T10:00:00.000Z"."""
    if type(value) is datetime.datetime and value.tzinfo is not None:
        try:
            utc = value.utctimetuple()
        except OverflowError:  # before year 1 or after 9999 in UTC: msrest says how it fails
            return write_leaf(value, "iso-8601")
        if 1 <= utc.tm_year <= 9999:
            fraction = str(value.microsecond).rjust(6, "0").rstrip("0").ljust(3, "0")
            return (
                f"{utc.tm_year:04}-{utc.tm_mon:02}-{utc.tm_mday:02}"
                f"T{utc.tm_hour:02}:{utc.tm_min:02}:{utc.tm_sec:02}.{fraction}Z"
            )
    return write_leaf(value, "iso-8601")


def write_duration(value: Any) -> Any:
    if type(value) is datetime.timedelta:
        found = _DURATIONS_OUT.get(value)
        if found is None:
            found = write_leaf(value, "duration")
            if len(_DURATIONS_OUT) < _CACHE_SIZE:
                _DURATIONS_OUT[value] = found
        return found
    return write_leaf(value, "duration")


def write_model(value: Any, model: type[WireModel], keep_readonly: bool) -> dict[str, Any] | None:
    if type(value) is model:
        return value._to_wire(keep_readonly)
    if value is None:
        return None
    raise Unexpected


def write_models(value: Any, model: type[WireModel], keep_readonly: bool) -> list[dict[str, Any] | None]:
    if type(value) is not list:
        raise Unexpected
    return [write_model(item, model, keep_readonly) for item in value]


def write_list(value: Any, write_item: Callable[[Any], Any]) -> list[Any]:
    if type(value) is not list:
        raise Unexpected
    return [None if item is None else write_item(item) for item in value]


def write_dict(value: Any, write_item: Callable[[Any], Any]) -> dict[str, Any]:
    if type(value) is not dict or not all(type(key) is str for key in value):
        raise Unexpected
    return {key: None if item is None else write_item(item) for key, item in value.items()}


# -- checking: the values msrest validates before sending ---------------------------------------------


def check_str(value: Any) -> str | None:
    """The string msrest validates: the value, or an enumeration member's value."""
    if type(value) is str or value is None:
        return value
    if isinstance(value, Enum) and type(value.value) is str:
        return value.value
    raise Unexpected


def check_int(value: Any) -> int | None:
    if type(value) is int or value is None:
        return value
    raise Unexpected


def check_float(value: Any) -> float | None:
    if type(value) is float or value is None:
        return value
    raise Unexpected


def check_bool(value: Any) -> bool | None:
    if type(value) is bool or value is None:
        return value
    raise Unexpected


def check_leaf(value: Item) -> Item:
    """A value msrest does not convert before validating; a model there would be validated."""
    if hasattr(value, "_validation"):
        raise Unexpected
    return value


def check_list(value: Any) -> list[Any] | None:
    if type(value) is list or value is None:
        return value
    raise Unexpected


def check_dict(value: Any) -> dict[str, Any] | None:
    if type(value) is dict or value is None:
        return value
    raise Unexpected


def check_items(values: list[Any] | dict[str, Any] | None, nesting: str = "") -> None:
    """Items of a list or values of a dict that msrest finds nothing to validate in: no model at any depth.

    `nesting` says what the items are: "" values, "[" lists of values, "{[" dicts of lists of values...
    """
    for item in (values.values() if type(values) is dict else values) or ():
        if item is None:
            continue
        if nesting:
            if type(item) is not (list if nesting[0] == "[" else dict):
                raise Unexpected
            check_items(item, nesting[1:])
        elif isinstance(item, (list, dict)) or hasattr(item, "_validation"):
            raise Unexpected


def check_model(value: Any, model: type[WireModel]) -> list[ValidationError]:
    if type(value) is model:
        return value._check()
    if value is None:
        return []
    raise Unexpected


def check_models(values: list[Any] | dict[str, Any] | None, model: type[WireModel]) -> list[ValidationError]:
    """The errors of the models in a list, or among the values of a dict."""
    errors: list[ValidationError] = []
    for item in (values.values() if type(values) is dict else values) or ():
        errors += check_model(item, model)
    return errors


def invalid(rule: str, name: str, limit: Any) -> ValidationError:
    """msrest's error for the value of `name` that breaks `rule` (a constraint with its limit, or "required")."""
    return ValidationError(rule, name, limit)


def check_rules(value: Any, name: str, rules: dict[str, Any]) -> list[ValidationError]:
    """msrest's check of constraints that the generated code does not check itself."""
    try:
        Serializer.validate(value, name, **rules)
    except ValidationError as error:
        return [error]
    return []
