"""The templates' text helpers: line breaks as `ruff format` makes them, imports as ruff's isort sorts them.

The generated files are written formatted: no formatter runs after the templates (a test runs ruff
on the output and expects no change). The few constructs whose length depends on the spec are laid
out here the way ruff lays them out at line length 120: calls and collections that do not fit are
split, first with their contents on one indented line, then one item per line.

Each helper is a filter of the templates' Environment (`FILTERS`). One that lays out a statement
filters the text the statement starts with, and is given the column the template writes it at
(`indent`, in spaces); it returns the statement without that first indentation, which the template
writes itself, and its further lines carry their own. In a template, at column 8:

        {{ "errors += check_model" | call(8, ["value", "Cluster"]) }}
"""

from __future__ import annotations

import sys
from functools import cache
from typing import Any

LINE_LENGTH = 120
INDENT = 4


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


def field(text: str) -> str:
    """A docstring field's text after its colon: a space and the text, or nothing if there is none.

    The line ends with the text: a space that `docstring` put after a closing quote goes.
    """
    return f" {text}".rstrip()


def keywords(names: list[str]) -> list[str]:
    """Keyword arguments that pass on the parameters of the same names."""
    return [f"{name}={name}" for name in names]


def keyword_arguments(values: dict[str, Any]) -> list[str]:
    """Keyword arguments that pass these values, as literals."""
    return [f"{name}={literal(value)}" for name, value in values.items()]


def doc_type(annotation: str, package: str) -> str:
    """A type annotation of the generated code as a docstring's type: models by their full path."""
    return annotation.replace("_models.", f"~{package}.models.")


def split(opening: str, indent: int, items: list[str], closing: str, magic_comma: bool = False) -> str:
    """`opening` + items + `closing` at column `indent`, as ruff lays out a bracketed list that may not fit.

    One line if it fits; else the items on one indented line between the brackets' lines; else one
    item per line, with a trailing comma. `opening` ends with the bracket; `closing` starts with it.
    A magic trailing comma (ruff keeps a list exploded that ends with one) forces one item per line.
    """
    if not magic_comma:
        line = f"{opening}{', '.join(items)}{closing}"
        if indent + len(line) <= LINE_LENGTH:
            return line
        hugged = ", ".join(items)
        if indent + INDENT + len(hugged) <= LINE_LENGTH:
            return f"{opening}\n{' ' * (indent + INDENT)}{hugged}\n{' ' * indent}{closing}"
    inner = " " * (indent + INDENT)
    body = "".join(f"{inner}{item},\n" for item in items)
    return f"{opening}\n{body}{' ' * indent}{closing}"


def call(head: str, indent: int, arguments: list[str], tail: str = "") -> str:
    """`head(arguments)tail` laid out as ruff lays out a call that may not fit (see `split`)."""
    return split(f"{head}(", indent, arguments, f"){tail}")


def dict_entry(key: str, indent: int, value: dict[str, Any]) -> str:
    """`"key": {value},` in an exploded dict, `value` a dict of literals: one line if it fits, else one
    item per line (a collection that ruff splits gets a trailing comma: it is never hugged on one line)."""
    opening = f"{literal(key)}: {{"
    items = [f"{literal(name)}: {literal(item)}" for name, item in value.items()]
    too_long = indent + len(opening) + len(", ".join(items)) + len("},") > LINE_LENGTH
    return split(opening, indent, items, "},", magic_comma=too_long)


def dict_assignment(target: str, indent: int, value: dict[str, Any]) -> str:
    """`target = {value}`, `value` a dict of literals: one line if it fits, else one item per line (as
    `dict_entry`: ruff never hugs a split collection on one line)."""
    opening = f"{target} = {{"
    items = [f"{literal(name)}: {literal(item)}" for name, item in value.items()]
    too_long = indent + len(opening) + len(", ".join(items)) + len("}") > LINE_LENGTH
    return split(opening, indent, items, "}", magic_comma=too_long)


def list_argument(head: str, indent: int, values: list[Any]) -> str:
    """`head([values])`, the values as literals: a call whose one argument is a list, split as ruff
    splits it when too long (the list on a line of its own, else one value per line)."""
    items = [literal(value) for value in values]
    collection = f"[{', '.join(items)}]"
    line = f"{head}({collection})"
    if indent + len(line) <= LINE_LENGTH:
        return line
    margin, inner = " " * indent, " " * (indent + INDENT)
    if indent + INDENT + len(collection) <= LINE_LENGTH:
        return f"{head}(\n{inner}{collection}\n{margin})"
    return f"{head}(\n{inner}{split('[', indent + INDENT, items, ']', magic_comma=True)}\n{margin})"


def condition(keyword: str, indent: int, operands: list[str], colon: str, operator: str = "and") -> str:
    """`keyword` + operands joined by `operator` + `colon`; if too long, as ruff splits a boolean condition."""
    line = f"{keyword}{f' {operator} '.join(operands)}{colon}"
    if indent + len(line) <= LINE_LENGTH:
        return line
    margin, inner = " " * indent, " " * (indent + INDENT)
    body = f"\n{inner}{operator} ".join(operands)
    return f"{keyword}(\n{inner}{body}\n{margin}){colon}"


def conditional(head: str, indent: int, value: str, test: str, orelse: str) -> str:
    """`head` + `value if test else orelse`, split as ruff splits a conditional expression that does not fit."""
    expression = f"{value} if {test} else {orelse}"
    if indent + len(head) + len(expression) <= LINE_LENGTH or indent + INDENT + len(expression) <= LINE_LENGTH:
        return parenthesized(head, indent, expression)
    margin, inner = " " * indent, " " * (indent + INDENT)
    return f"{head}(\n{inner}{value}\n{inner}if {test}\n{inner}else {orelse}\n{margin})"


def parenthesized(head: str, indent: int, expression: str) -> str:
    """`head expression`, or the expression alone in parentheses on its own line if the line is too long.

    Ruff does that for a right-hand side that cannot be split otherwise (a long string), when it helps.
    """
    if indent + len(head) + len(expression) <= LINE_LENGTH or indent + INDENT + len(expression) > LINE_LENGTH:
        return f"{head}{expression}"
    return f"{head}(\n{' ' * (indent + INDENT)}{expression}\n{' ' * indent})"


# -- imports -------------------------------------------------------------------------------------


@cache  # the same blocks come back: in every API version, in an operation group's sync and async modules
def imports(statements: str, first_party: str, indent: int = 0) -> str:
    """Import statements ("import a.b", "from a import b, c", "from a import b as c", "from a import *"),
    one a line, as lines in ruff's isort order: sections (future, standard library, third party, first party,
    relative), each with its `import` statements before its `from` imports, modules sorted, relative ones
    furthest first; names sorted constants, classes, then the rest. A `from` import too long is split.

    A filter over a block of the template, which lists the statements in any order (blank lines and
    repeats are ignored); `indent` indents the result (the imports of an `if TYPE_CHECKING:` block).
    """
    sections: dict[int, list[tuple[tuple[Any, ...], str]]] = {}
    merged: dict[str, set[str]] = {}
    singles: list[str] = []
    for statement in dict.fromkeys(line.strip() for line in statements.splitlines()):
        if not statement:
            continue
        if statement.startswith("from ") and " as " not in statement and not statement.endswith("*"):
            module, _, listed = statement[5:].partition(" import ")
            merged.setdefault(module, set()).update(name.strip() for name in listed.split(","))
        else:
            singles.append(statement)
    entries = [(f"from {module} import ", module, sorted(names, key=_member_key)) for module, names in merged.items()]
    for statement in singles:
        if statement.startswith("from "):
            module, _, listed = statement[5:].partition(" import ")
            entries.append((f"from {module} import ", module, [listed]))
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
            text = head + ", ".join(names)
            if indent + len(text) > LINE_LENGTH:
                text = split(head + "(", indent, names, ")", magic_comma=True)
        sections.setdefault(section, []).append((key, text))
    margin = " " * indent
    blocks = (
        "".join(f"{margin}{text}\n" for _, text in sorted(sections[section], key=lambda entry: entry[0]))
        for section in sorted(sections)
    )
    return "\n".join(blocks)


def _section(module: str, first_party: str) -> int:
    if module == "__future__":
        return 0
    if module.startswith("."):
        return 4
    top = module.split(".")[0]
    if top in sys.stdlib_module_names:  # isort's standard-library section
        return 1
    return 3 if top == first_party else 2


@cache  # the same names come back in every module
def _member_key(name: str) -> tuple[int, str]:
    """isort's order-by-type: CONSTANTS, then Classes, then everything else; each case-insensitively."""
    bare = name.split(" as ")[0]
    if bare.isupper() and len(bare) > 1:
        return (0, bare.lower())
    if bare[:1].isupper():
        return (1, bare.lower())
    return (2, bare.lower())


# the templates' filters: each layout helper is a filter of the text it starts with, e.g.
# `{{ "super().__init__" | call(8, arguments) }}`, and a call of a macro that gives lines is a line of
# its own: `{{ m() | rstrip }}` ends it once. (Filters, not globals: jinja2 calls a filter directly.)
FILTERS = {
    "rstrip": str.rstrip,
    "python": literal,
    "docstring": docstring,
    "field": field,
    "keywords": keywords,
    "keyword_arguments": keyword_arguments,
    "doc_type": doc_type,
    "imports": imports,
    "call": call,
    "split": split,
    "dict_entry": dict_entry,
    "dict_assignment": dict_assignment,
    "list_argument": list_argument,
    "condition": condition,
    "conditional": conditional,
    "parenthesized": parenthesized,
}
