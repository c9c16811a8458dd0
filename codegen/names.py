"""Python naming rules, in one place: snake_case members, PascalCase classes, UPPER enum members."""

from __future__ import annotations

import keyword
import re
import unicodedata
from functools import cache

# An acronym's plural ("IPs") stays one word; an acronym before a capitalized word ("IPAddress") splits.
_WORD = re.compile(r"[A-Z]{2,}s(?=[A-Z0-9_]|$)|[A-Z]+(?=[A-Z][a-z]|_|$)|[A-Z]?[a-z]+[0-9]*|[A-Z]+[0-9]*|[0-9]+")

# names msrest's Model and our generated classes use for themselves
_RESERVED_MEMBERS = {
    "additional_properties",
    "validate",
    "serialize",
    "as_dict",
    "deserialize",
    "from_dict",
    "enable_additional_properties_sending",
    "is_xml_model",
    "models",
}


def ascii_text(name: str) -> str:
    """The name's ASCII letters, digits and punctuation: accents are dropped from their letters (café -> cafe)."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")


def words(name: str) -> list[str]:
    return _WORD.findall(ascii_text(name))


@cache  # names recur: in every API version, and as property, parameter and enum names
def snake_case(name: str) -> str:
    result = "_".join(word.lower() for word in words(name))
    if not result:
        raise ValueError(f"cannot make a Python name from {name!r}")
    if result[0].isdigit():
        result = "_" + result
    return result


@cache
def pascal_case(name: str) -> str:
    return "".join(word[0].upper() + word[1:] for word in words(name))


@cache
def class_name(name: str) -> str:
    """A definition name keeps its own spelling (CNTKsettings), only the first letter is raised.

    Characters a class name cannot hold are dropped; a name that starts with a digit, or has no letter
    or digit at all, has no class name (ValueError). `None`, `True` and `False` get an underscore.
    """
    cleaned = re.sub(r"[^0-9A-Za-z_]", "", ascii_text(name)).lstrip("_")
    if not cleaned or cleaned[0].isdigit():
        raise ValueError(f"cannot make a class name from {name!r}")
    result = cleaned[0].upper() + cleaned[1:]
    return result + "_" if keyword.iskeyword(result) else result


def member_name(name: str, reserved: frozenset[str] = frozenset(), suffix: str = "_parameter") -> str:
    """A property or parameter name: snake_case, never a Python keyword or a name msrest uses.

    A name in `reserved` (one the generated code uses itself where this name goes) gets `suffix`.
    """
    result = snake_case(name)
    if keyword.iskeyword(result) or result in _RESERVED_MEMBERS:
        result += "_property" if result in _RESERVED_MEMBERS else "_parameter"
    elif result in reserved:
        result += suffix
    return result


def enum_member_name(value: object) -> str:
    result = re.sub(r"[^0-9A-Za-z]+", "_", ascii_text(str(value))).strip("_")
    result = "_".join(snake_case(part).lstrip("_").upper() for part in result.split("_") if part) or "EMPTY"
    if result[0].isdigit():
        result = "ENUM_" + result
    return result
