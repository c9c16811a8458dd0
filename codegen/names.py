"""Python naming rules, in one place: snake_case members, PascalCase classes, UPPER enum members."""

from __future__ import annotations

import keyword
import re

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


def words(name: str) -> list[str]:
    return _WORD.findall(name)


def snake_case(name: str) -> str:
    result = "_".join(word.lower() for word in words(name))
    if not result:
        raise ValueError(f"cannot make a Python name from {name!r}")
    if result[0].isdigit():
        result = "_" + result
    return result


def pascal_case(name: str) -> str:
    return "".join(word[0].upper() + word[1:] for word in words(name))


def class_name(name: str) -> str:
    """A definition name keeps its own spelling (CNTKsettings), only the first letter is raised."""
    cleaned = re.sub(r"[^0-9A-Za-z_]", "", name)
    return cleaned[0].upper() + cleaned[1:]


def member_name(name: str) -> str:
    """A property or parameter name: snake_case, never a Python keyword or a name msrest uses."""
    result = snake_case(name)
    if keyword.iskeyword(result) or result in _RESERVED_MEMBERS:
        result += "_property" if result in _RESERVED_MEMBERS else "_parameter"
    return result


def enum_member_name(value: object) -> str:
    result = re.sub(r"[^0-9A-Za-z]+", "_", str(value)).strip("_")
    result = "_".join(snake_case(part).lstrip("_").upper() for part in result.split("_") if part) or "EMPTY"
    if result[0].isdigit():
        result = "ENUM_" + result
    return result
