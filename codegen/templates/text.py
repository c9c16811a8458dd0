"""Layout helpers for the templates: text that `ruff format` leaves as it is, imports as ruff's isort sorts them.

The generated files are written formatted: no formatter runs after the templates (a test runs ruff
on the output and expects no change). So the few constructs whose length depends on the spec are
laid out here the way ruff lays them out at line length 120: calls and collections that do not fit
are split, first with their contents on one indented line, then one item per line.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

LINE_LENGTH = 120
INDENT = "    "


def literal(value: Any) -> str:
    """A Python literal of a str, number, bool, None, tuple, list or dict, quoted as ruff quotes it."""
    if isinstance(value, str):
        return string(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(key)}: {literal(item)}" for key, item in value.items()) + "}"
    if isinstance(value, tuple):
        inner = ", ".join(literal(item) for item in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(literal(item) for item in value) + "]"
    return repr(value)


def string(text: str) -> str:
    """A string literal in double quotes, unless the text has more double quotes than single ones."""
    quoted = repr(text)
    if '"' not in text and "'" not in text:
        return '"' + quoted[1:-1] + '"'
    if text.count('"') > text.count("'"):
        return quoted if quoted.startswith("'") else "'" + quoted[1:-1].replace('\\"', '"').replace("'", "\\'") + "'"
    if quoted.startswith('"'):
        return quoted
    return '"' + quoted[1:-1].replace("\\'", "'").replace('"', '\\"') + '"'


@cache  # the same descriptions come back: inherited properties, a class's and its __init__'s docstrings
def docstring(text: str, indent: int) -> str:
    """Wrap text for a docstring whose continuation lines start at `indent` spaces.

    Words are never broken; a line gets as many as fit (textwrap's greedy fill, without its cost).
    """
    words = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').split()
    if words and words[-1].endswith('"'):
        words[-1] += " "
    width = max(40, LINE_LENGTH - indent - 8)
    lines: list[str] = []
    line = ""
    for word in words:
        if not line:
            line = word
        elif len(line) + 1 + len(word) <= width:
            line += " " + word
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return ("\n" + " " * indent).join(lines)


def fits(line: str) -> bool:
    return len(line) <= LINE_LENGTH


def split(indent: str, opening: str, items: list[str], closing: str, magic_comma: bool = False) -> str:
    """`opening` + items + `closing` at `indent`, as ruff lays out a bracketed list that may not fit.

    One line if it fits; else the items on one indented line between the brackets' lines; else one
    item per line, with a trailing comma. `opening` ends with the bracket; `closing` starts with it.
    A magic trailing comma (ruff keeps a list exploded that ends with one) forces one item per line.
    """
    if not magic_comma:
        line = f"{indent}{opening}{', '.join(items)}{closing}"
        if fits(line):
            return line
        inner = f"{indent}{INDENT}{', '.join(items)}"
        if fits(inner):
            return f"{indent}{opening}\n{inner}\n{indent}{closing}"
    body = "".join(f"{indent}{INDENT}{item},\n" for item in items)
    return f"{indent}{opening}\n{body}{indent}{closing}"


def call(indent: str, head: str, arguments: list[str], tail: str = "") -> str:
    """`head(arguments)tail` laid out as ruff lays out a call that may not fit (see `split`)."""
    return split(indent, f"{head}(", arguments, f"){tail}")


def sole_argument(indent: str, head: str, items: list[str]) -> str:
    """`head([items])`: a call whose one argument is a list, split as ruff splits it when too long."""
    collection = f"[{', '.join(items)}]"
    line = f"{indent}{head}({collection})"
    if fits(line):
        return line
    if fits(f"{indent}{INDENT}{collection}"):
        return f"{indent}{head}(\n{indent}{INDENT}{collection}\n{indent})"
    return f"{indent}{head}(\n{split(indent + INDENT, '[', items, ']', magic_comma=True)}\n{indent})"


def condition(indent: str, keyword: str, operands: list[str], colon: str, operator: str = "and") -> str:
    """`keyword` + operands joined by `operator` + `colon`; if too long, as ruff splits a boolean condition."""
    line = f"{indent}{keyword}{f' {operator} '.join(operands)}{colon}"
    if fits(line):
        return line
    body = f"\n{indent}{INDENT}{operator} ".join(operands)
    return f"{indent}{keyword}(\n{indent}{INDENT}{body}\n{indent}){colon}"


def conditional(indent: str, head: str, value: str, test: str, orelse: str) -> str:
    """`head` + `value if test else orelse`, split as ruff splits a conditional expression that does not fit."""
    expression = f"{value} if {test} else {orelse}"
    if fits(f"{indent}{head}{expression}") or fits(f"{indent}{INDENT}{expression}"):
        return parenthesized(indent, head, expression)
    inner = indent + INDENT
    return f"{indent}{head}(\n{inner}{value}\n{inner}if {test}\n{inner}else {orelse}\n{indent})"


def parenthesized(indent: str, head: str, expression: str) -> str:
    """`head expression`, or the expression alone in parentheses on its own line if the line is too long.

    Ruff does that for a right-hand side that cannot be split otherwise (a long string), when it helps.
    """
    line = f"{indent}{head}{expression}"
    inner = f"{indent}{INDENT}{expression}"
    if fits(line) or not fits(inner):
        return line
    return f"{indent}{head}(\n{inner}\n{indent})"


# -- imports -------------------------------------------------------------------------------------

_STANDARD_LIBRARY = frozenset(
    {
        "__future__",
        "collections",
        "copy",
        "datetime",
        "enum",
        "importlib",
        "io",
        "json",
        "logging",
        "re",
        "types",
        "typing",
        "urllib",
    }
)


def imports(statements: Iterable[str], first_party: str) -> str:
    """Import statements ("import a.b", "from a import b, c", "from a import b as c", "from a import *") in
    ruff's isort order: sections (future, standard library, third party, first party, relative), each
    with its `import` statements before its `from` imports, modules sorted, relative ones furthest first;
    names sorted constants, classes, then the rest. A `from` import too long for a line is split."""
    sections: dict[int, list[tuple[tuple[Any, ...], str]]] = {}
    merged: dict[str, set[str]] = {}
    singles: list[str] = []
    for statement in dict.fromkeys(statements):
        if statement.startswith("from ") and " as " not in statement and not statement.endswith("*"):
            module, _, names = statement[5:].partition(" import ")
            merged.setdefault(module, set()).update(name.strip() for name in names.split(","))
        else:
            singles.append(statement)
    entries = [(f"from {module} import ", module, sorted(names, key=_member_key)) for module, names in merged.items()]
    for statement in singles:
        if statement.startswith("from "):
            module, _, names = statement[5:].partition(" import ")
            entries.append((f"from {module} import ", module, [names]))
        else:
            entries.append(("import ", statement[7:], []))
    for head, module, names in entries:
        section = _section(module, first_party)
        is_from = head.startswith("from")
        dots = len(module) - len(module.lstrip("."))
        members = [(-1, "")] if names == ["*"] else [_member_key(name) for name in names]
        key = (is_from, -dots, module.lstrip(".").lower(), module, members)
        if not is_from:
            text = head + module
        else:
            line = head + ", ".join(names)
            text = line if fits(line) else split("", head + "(", names, ")", magic_comma=True)
        sections.setdefault(section, []).append((key, text))
    return "\n\n".join(
        "\n".join(text for _, text in sorted(sections[section], key=lambda entry: entry[0]))
        for section in sorted(sections)
    )


def _section(module: str, first_party: str) -> int:
    if module == "__future__":
        return 0
    if module.startswith("."):
        return 4
    top = module.split(".")[0]
    if top in _STANDARD_LIBRARY:
        return 1
    return 3 if top == first_party else 2


def _member_key(name: str) -> tuple[int, str]:
    """isort's order-by-type: CONSTANTS, then Classes, then everything else; each case-insensitively."""
    bare = name.split(" as ")[0]
    if bare.isupper() and len(bare) > 1:
        return (0, bare.lower())
    if bare[:1].isupper():
        return (1, bare.lower())
    return (2, bare.lower())
