"""An API version's models: `models/_models.py` (msrest models that convert themselves) and `models/__init__.py`.

Each model class carries what msrest needs (`_attribute_map`, `_validation`) and three generated
methods: `_check` (the spec's constraints, msrest's `validate`), `_to_wire` and `_from_wire` (the
wire JSON, msrest's `serialize` and `deserialize`). Each kind of value is read, written and checked
by the runtime functions the code model names for it (`_wire.py`).
"""

from __future__ import annotations

from ..codemodel import CodeModel, ModelType, Property, PythonType, WireGroup
from .packages import _PATCH_IMPORTS
from .text import INDENT, call, condition, conditional, docstring, fits, imports, literal, sole_argument, split

_SCALARS = ("str", "int", "float", "bool")


def models_module(code_model: CodeModel, header: str, title: str, first_party: str) -> str:
    package = code_model.package
    annotations = " ".join(prop.type.annotation for model in code_model.models for prop in model.properties)
    statements = [
        "from __future__ import annotations",
        "from typing import Any",
        "from msrest.exceptions import ValidationError",
        *(f"from ..._wire import {helper}" for helper in code_model.wire_helpers),
    ]
    if "datetime." in annotations:
        statements.append("import datetime")
    if code_model.patterns:
        statements.append("import re")
    if "_models." in annotations:
        statements.append("from typing import TYPE_CHECKING")
    text = [
        f'''{header}
"""Models of {title} (API version {code_model.api_version}), as msrest models that convert themselves.

Each model reads itself from the wire JSON (`_from_wire`), writes itself (`_to_wire`) and checks the
spec's constraints (`_check`) in generated code that gives msrest's results; see `_wire.py`.
"""

{imports(statements, first_party)}
'''
    ]
    if "_models." in annotations:
        text.append("\nif TYPE_CHECKING:\n    from .. import models as _models\n")
    if code_model.patterns:
        text.append("\n")
        text.extend(f"{name} = re.compile({literal(pattern)})\n" for pattern, name in code_model.patterns.items())
    text.append('''

class _Model(WireModel):
    """An msrest model whose repr and str never show the values of its secret attributes."""

    _secrets: frozenset[str] = frozenset()

    def __repr__(self) -> str:
        shown = {
            name: "***" if name in self._secrets and value is not None else value for name, value in vars(self).items()
        }
        return f"{type(self).__name__}({shown})"

    __str__ = __repr__
''')
    patterns = code_model.patterns
    text.extend(model_class(model, package, patterns) for model in code_model.models)
    return "".join(text)


def models_init(code_model: CodeModel, header: str, title: str, first_party: str) -> str:
    statements = [f"from ._models import {model.name}" for model in code_model.models]
    statements += [f"from ._enums import {enum.name}" for enum in code_model.enums]
    statements += list(_PATCH_IMPORTS)
    names = [model.name for model in code_model.models] + [enum.name for enum in code_model.enums]
    exports = "".join(f'    "{name}",\n' for name in names)
    return f'''{header}
"""Models and enumerations of {title} (API version {code_model.api_version})."""

{imports(statements, first_party)}

__all__ = [
{exports}]
__all__.extend([name for name in _patch_all if name not in __all__])
_patch_sdk()
'''


# -- one model class -------------------------------------------------------------------------------


def model_class(model: ModelType, package: str, patterns: dict[str, str]) -> str:
    base = model.base.name if model.base else "_Model"
    lines = ["", "", f"class {model.name}({base}):", f'    """{docstring(model.description, 4)}']
    if model.has_required:
        lines += ["", "    All required parameters must be populated in order to send to the server."]
    if model.properties:
        lines.append("")
        for prop in model.properties:
            lines.append(f"    :ivar {prop.name}: {property_doc(prop, 8)}".rstrip())
            lines.append(f"    :vartype {prop.name}: {doc_type(prop.type.annotation, package)}")
    lines.append('    """')
    validated = [prop for prop in model.properties if prop.validation_entry]
    if validated:
        lines += ["", "    _validation = {"]
        lines += [f'        "{prop.name}": {literal(prop.validation_entry)},' for prop in validated]
        lines.append("    }")
    lines += ["", "    _attribute_map = {"]
    for prop in model.properties:
        entry = [
            f"{literal('key')}: {literal(prop.wire_key)}",
            f"{literal('type')}: {literal(prop.type.serialization)}",
        ]
        lines.append(split(2 * INDENT, f'"{prop.name}": {{', entry, "},", magic_comma=not fits(_entry(prop))))
    lines.append("    }")
    lines += ["", sole_argument(INDENT, "_wire_keys = frozenset", [literal(key) for key in model.wire_keys])]
    if model.secret_names:
        lines += ["", f"    _secrets = frozenset({literal(sorted(model.secret_names))})"]
    for prop in model.properties:
        if prop.is_constant and not prop.inherited:
            lines += ["", f"    {prop.name} = {literal(prop.constant)}"]
    lines += ["", *init_method(model, package)]
    lines += ["", *check_method(model, patterns)]
    lines += ["", *to_wire_method(model)]
    lines += ["", *from_wire_method(model)]
    return "\n".join(lines) + "\n"


def _entry(prop: Property) -> str:
    return f'        "{prop.name}": {{"key": {literal(prop.wire_key)}, "type": {literal(prop.type.serialization)}}},'


def init_method(model: ModelType, package: str) -> list[str]:
    lines = ["    def __init__(", "        self,"]
    if model.init_properties:
        lines.append("        *,")
        lines += [f"        {init_parameter(prop)}," for prop in model.init_properties]
    lines += ["        **kwargs: Any,", "    ) -> None:"]
    if model.init_properties:
        lines.append('        """')
        for prop in model.init_properties:
            lines.append(f"        :keyword {prop.name}: {property_doc(prop, 12)}".rstrip())
            lines.append(f"        :paramtype {prop.name}: {doc_type(prop.type.annotation, package)}")
        lines.append('        """')
    inherited = [f"{prop.name}={prop.name}" for prop in model.init_properties if prop.inherited]
    lines.append(call(2 * INDENT, "super().__init__", [*inherited, "**kwargs"]))
    for prop in model.own_properties:
        if prop.is_constant:
            continue
        if prop.in_init:
            lines.append(f"        self.{prop.name} = {prop.name}")
        else:
            lines.append(f"        self.{prop.name}: {prop.type.annotation} | None = None")
    return lines


def property_doc(prop: Property, indent: int) -> str:
    parts = [prop.description.rstrip(".") + "." if prop.description else ""]
    if prop.is_constant:
        parts.append(f"Constant value {prop.constant!r}.")
    if prop.server_default is not None:
        parts.append(f"The service uses {prop.server_default!r} when this is not set.")
    if prop.has_client_default:
        parts.append(f"Default value {prop.default!r}.")
    if prop.required and not prop.read_only:
        parts.append("Required.")
    return docstring(" ".join(part for part in parts if part), indent)


def doc_type(annotation: str, package: str) -> str:
    return annotation.replace("_models.", f"~{package}.models.")


def init_parameter(prop: Property) -> str:
    if prop.required and not prop.has_client_default:
        return f"{prop.name}: {prop.type.annotation}"
    if prop.has_client_default:
        return f"{prop.name}: {prop.type.annotation} = {literal(prop.default)}"
    return f"{prop.name}: {prop.type.annotation} | None = None"


# -- _check: the spec's constraints ----------------------------------------------------------------


def check_method(model: ModelType, patterns: dict[str, str]) -> list[str]:
    lines = ["    def _check(self) -> list[ValidationError]:", "        errors: list[ValidationError] = []"]
    if any(prop.checks_value for prop in model.properties):
        lines.append("        value: Any")
    for prop in model.properties:
        lines += check_property(prop, f"{model.name}.{prop.name}", patterns)
    lines.append("        return errors")
    return lines


def check_property(prop: Property, name: str, patterns: dict[str, str]) -> list[str]:
    """msrest's check of one value: its type conversion, its constraints, then the models in it."""
    t, indent = prop.type, 2 * INDENT
    if not prop.checks_value:
        if t.kind == "model":
            return [call(indent, "errors += check_model", [f"self.{prop.name}", _model_name(t)])]
        return [f"{indent}{t.checker}(self.{prop.name})"]
    source = f"self.{prop.name}" if t.kind == "model" else f"{t.checker}(self.{prop.name})"
    lines = [f"{indent}value = {source}"]
    if not prop.inline_rules:
        lines.append(call(indent, "errors += check_rules", ["value", literal(name), literal(prop.validation_entry)]))
    elif prop.required_check:
        lines += [f"{indent}if value is None:", _error(indent + INDENT, "required", name, True)]
        for rule, limit in prop.rules:
            lines += [f"{indent}elif {_broken(rule, limit, patterns)}:", _error(indent + INDENT, rule, name, limit)]
    elif prop.rules:
        lines.append(f"{indent}if value is not None:")
        for index, (rule, limit) in enumerate(prop.rules):
            keyword = "if" if index == 0 else "elif"
            lines += [f"{indent}{INDENT}{keyword} {_broken(rule, limit, patterns)}:"]
            lines.append(_error(indent + 2 * INDENT, rule, name, limit))
    if t.kind == "model":
        lines.append(call(indent, "errors += check_model", ["value", _model_name(t)]))
    elif t.item_checker == "check_models":
        assert t.element is not None
        lines.append(call(indent, "errors += check_models", ["value", _model_name(t.element)]))
    elif t.item_checker:
        assert t.element is not None
        lines.append(
            call(indent, "check_items", ["value", *([literal(t.element.nesting)] if t.element.nesting else [])])
        )
    return lines


def _broken(rule: str, limit: object, patterns: dict[str, str]) -> str:
    """The condition under which a value breaks a constraint, as msrest tests it."""
    if rule == "pattern":
        assert isinstance(limit, str)
        return f"not {patterns[limit]}.match(value)"
    if rule in ("min_length", "min_items"):
        return f"len(value) < {literal(limit)}"
    if rule in ("max_length", "max_items"):
        return f"len(value) > {literal(limit)}"
    return f"value {'<' if rule == 'minimum' else '>'} {literal(limit)}"


def _error(indent: str, rule: str, name: str, limit: object) -> str:
    return call(indent, "errors.append", [f"invalid({literal(rule)}, {literal(name)}, {literal(limit)})"])


def _model_name(t: PythonType) -> str:
    assert t.model is not None
    return t.model.name


# -- _to_wire: the wire JSON of the model ----------------------------------------------------------


def to_wire_method(model: ModelType) -> list[str]:
    lines = ["    def _to_wire(self, keep_readonly: bool) -> dict[str, Any]:", "        wire: dict[str, Any] = {}"]
    if model.properties:
        lines.append("        value: Any")
        lines += write_members(model.wire_members, "wire")
    lines.append("        return wire")
    return lines


def write_members(members: list[Property | WireGroup], target: str) -> list[str]:
    """The lines that write these members into the object in `target`, in attribute order."""
    indent, lines = 2 * INDENT, []
    for member in members:
        if isinstance(member, WireGroup):
            lines.append(f"{indent}{member.variable}: dict[str, Any] = {{}}")
            lines += write_members(member.members, member.variable)
            lines += [
                f"{indent}if {member.variable}:",
                f"{indent}{INDENT}{target}[{literal(member.key)}] = {member.variable}",
            ]
            continue
        guard = "keep_readonly and " if member.read_only else ""
        lines.append(f"{indent}if {guard}(value := self.{member.name}) is not None:")
        lines.append(write_value(indent + INDENT, f"{target}[{literal(member.wire_path[-1])}] = ", member.type))
    return lines


def write_value(indent: str, head: str, t: PythonType) -> str:
    """`head` + the call that writes `value` of this type."""
    if t.kind == "model":
        return call(indent, head + "write_model", ["value", _model_name(t), "keep_readonly"])
    if t.writer == "write_models":
        assert t.element is not None
        return call(indent, head + "write_models", ["value", _model_name(t.element), "keep_readonly"])
    if t.kind in ("list", "dict"):
        assert t.element is not None
        return call(indent, head + t.writer, ["value", writer(t.element)])
    if t.kind == "leaf":
        return call(indent, head + "write_leaf", ["value", literal(t.serialization)])
    return call(indent, head + t.writer, ["value"])


def writer(t: PythonType) -> str:
    """A function that writes one item of this type (a list's or a dict's)."""
    if t.kind == "model":
        return f"lambda item: write_model(item, {_model_name(t)}, keep_readonly)"
    if t.kind in ("list", "dict") and t.element is not None:
        if t.writer == "write_models":
            return f"lambda item: write_models(item, {_model_name(t.element)}, keep_readonly)"
        return f"lambda item: {t.writer}(item, {writer(t.element)})"
    if t.kind == "leaf":
        return f"lambda item: write_leaf(item, {literal(t.serialization)})"
    return t.writer


# -- _from_wire: the model of its wire JSON --------------------------------------------------------


def from_wire_method(model: ModelType) -> list[str]:
    name, indent = model.name, 2 * INDENT
    lines = [
        "    @staticmethod",
        f"    def _from_wire(data: Any) -> {name} | None:",
        f"{indent}if type(data) is not dict:",
        f"{indent}{INDENT}return None if data is None else read_with_msrest({name}, data)",
    ]
    inner = indent + INDENT if model.reads_may_fall_back else indent
    body = []
    for group in model.wire_groups:
        parent = [] if group.parent == "data" else [group.parent]
        body.append(call(inner, f"{group.variable} = read_flattened", ["data", literal(group.key), *parent]))
    # typed Any: the values are msrest's (a str attribute may hold what msrest made of a wire value)
    body.append(f"{inner}obj: Any = new_instance({name})")
    known = f"{name}._wire_keys"
    extra = conditional(
        inner, "obj.additional_properties = ", "{}", f"data.keys() <= {known}", f"read_extra(data, {known})"
    )
    body.append(extra)
    for prop, source in model.wire_sources:
        if prop.is_constant:
            continue  # the class's own value: msrest does not set it either
        raw, t = f"{source}.get({literal(prop.wire_path[-1])})", prop.type
        target = f"obj.{prop.name} = "
        if t.kind in _SCALARS:
            # the fast path reads the usual type inline; the runtime converts any other value as msrest does
            body.append(condition(inner, "if ", [f"type(value := {raw}) is not {t.kind}", "value is not None"], ":"))
            body += [f"{inner}{INDENT}value = {t.reader}(value)", f"{inner}{target}value"]
        elif t.kind == "model":
            body.append(call(inner, f"{target}{_model_name(t)}._from_wire", [raw]))
        elif t.kind in ("list", "dict"):
            assert t.element is not None
            body.append(call(inner, target + t.reader, [raw, reader(t.element)]))
        elif t.kind == "leaf":
            body.append(call(inner, target + "read_leaf", [raw, literal(t.serialization)]))
        else:
            body.append(call(inner, target + t.reader, [raw]))
    if model.reads_may_fall_back:
        lines += [f"{indent}try:", *body]
        lines += [f"{indent}except Unexpected:", f"{indent}{INDENT}return read_with_msrest({name}, data)"]
    else:
        lines += body
    lines.append(f"{indent}return obj")
    return lines


def read_value(t: PythonType, source: str) -> str:
    """The expression that reads a wire value of this type from `source`."""
    if t.kind == "model":
        return f"{_model_name(t)}._from_wire({source})"
    if t.kind in ("list", "dict"):
        assert t.element is not None
        return f"{t.reader}({source}, {reader(t.element)})"
    if t.kind == "leaf":
        return f"read_leaf({source}, {literal(t.serialization)})"
    return f"{t.reader}({source})"


def reader(t: PythonType) -> str:
    """A function that reads one item of this type (a list's or a dict's)."""
    if t.kind == "model":
        return f"{_model_name(t)}._from_wire"
    if t.kind in ("list", "dict", "leaf"):
        return f"lambda item: {read_value(t, 'item')}"
    return t.reader
