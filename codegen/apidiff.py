"""What a user must change to move between two API versions, computed from their code models.

`python -m codegen.apidiff OLD NEW [--format text|markdown] [--config sdk.toml] [-o FILE]` prints a
report of the public differences: operation groups and operations removed, added, renamed or moved to
another URL (with the path parameters they gained or lost), changed method signatures and parameters,
models and properties removed, added, renamed or retyped (Python names and wire keys), enum values added
or removed, and properties whose type became an enum or stopped being one. OLD and NEW are API versions
of sdk.toml or paths of spec files. The report is built from `build_code_model`, never by importing
generated code, and it is deterministic: groups, operations, models and enums are sorted by name.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .codemodel import CodeModel, ModelType, Operation, Parameter, Property, PythonType, Settings, build_code_model
from .config import load_config
from .loader import load_spec

# --------------------------------------------------------------------------- report


@dataclass
class Entry:
    """One changed thing (an operation, a model, an enum) and what changed about it, one line each."""

    title: str
    changes: list[str] = field(default_factory=list)


@dataclass
class Section:
    title: str
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Report:
    old: str
    new: str
    summary: list[str]
    sections: list[Section]

    @property
    def empty(self) -> bool:
        return not any(section.entries for section in self.sections)


# ----------------------------------------------------------------------------- views


def describe_type(python_type: PythonType | None) -> str:
    """A type as a user reads it: `str`, `int`, `enum JobPriority`, `Job`, `list[Job]`, `dict[str, str]`."""
    if python_type is None:
        return "None"
    if python_type.element is not None:
        return f"list[{describe_type(python_type.element)}]"
    if python_type.serialization.startswith("{"):
        return "dict[str, " + python_type.annotation.removeprefix("dict[str, ").replace("_models.", "")
    if python_type.enum is not None and not python_type.serialization.startswith("["):
        return f"enum {python_type.enum.name}"
    if python_type.model is not None:
        return python_type.model.name
    return python_type.annotation.replace("_models.", "")


@dataclass(frozen=True)
class ParameterView:
    name: str
    location: str
    wire_name: str
    type: str
    required: bool
    group: str | None

    def describe(self) -> str:
        where = f"in group {self.group}" if self.group else self.location
        return f"{self.name} ({where} {self.wire_name!r}, {self.type}, {'required' if self.required else 'optional'})"


@dataclass
class OperationView:
    group: str  # the client attribute, e.g. jobs
    operation: Operation

    @property
    def label(self) -> str:
        return f"{self.group}.{self.operation.name}"

    @property
    def route(self) -> str:
        return f"{self.operation.http_method} {self.operation.url}"

    @property
    def shape(self) -> str:
        """The route with path parameter names blanked: two operations at one shape are the same endpoint."""
        return f"{self.operation.http_method} {re.sub(r'{[^}]*}', '{}', self.operation.url)}"

    @property
    def parameters(self) -> dict[tuple[str, str], ParameterView]:
        """Method parameters (not the client's, not constants) by (location, wire name)."""
        found = {}
        for parameter in self.operation.parameters:
            if parameter.client_level or parameter.constant is not None:
                continue
            found[(parameter.location, parameter.wire_name)] = _parameter_view(parameter)
        return found

    @property
    def call(self) -> str:
        """The call as a user writes it: positional parameters, then keyword-only ones after `*`."""
        positional = [item.name + ("" if item.required else "=None") for item in self.operation.positional]
        keywords = [
            parameter.name + ("" if parameter.required else "=None") for parameter in self.operation.keyword_only
        ]
        return f"{self.operation.name}({', '.join(positional + (['*'] + keywords if keywords else []))})"

    @property
    def result(self) -> str:
        operation = self.operation
        if operation.is_paging:
            return f"pages of {describe_type(operation.paging_item_type)}"
        result = operation.final_result_type if operation.long_running else operation.result_type
        kind = "poller of " if operation.long_running else ""
        return kind + describe_type(result)


def _parameter_view(parameter: Parameter) -> ParameterView:
    return ParameterView(
        name=parameter.name,
        location=parameter.location,
        wire_name=parameter.wire_name,
        type=describe_type(parameter.type),
        required=parameter.required,
        group=parameter.group.name if parameter.group is not None else None,
    )


def operations_of(code_model: CodeModel) -> list[OperationView]:
    return [
        OperationView(group.attribute_name or "(client)", operation)
        for group in code_model.operation_groups
        for operation in group.operations
    ]


def public_models(code_model: CodeModel) -> dict[str, ModelType]:
    return {model.name: model for model in code_model.models}


# --------------------------------------------------------------------------- diffing


def _pair_operations(
    old: list[OperationView], new: list[OperationView]
) -> tuple[list[tuple[OperationView, OperationView]], list[OperationView], list[OperationView]]:
    """(matched pairs, removed, added): the same operationId, or else the same endpoint under a new id."""
    new_by_id = {view.operation.operation_id.lower(): view for view in new}
    pairs, unmatched_old = [], []
    for view in old:
        match = new_by_id.pop(view.operation.operation_id.lower(), None)
        if match is None:
            unmatched_old.append(view)
        else:
            pairs.append((view, match))
    removed = []
    for view in unmatched_old:
        match = next((other for other in new_by_id.values() if other.shape == view.shape), None)
        if match is None:
            removed.append(view)
        else:
            pairs.append((view, match))
            del new_by_id[match.operation.operation_id.lower()]
    return pairs, removed, list(new_by_id.values())


def _operation_changes(old: OperationView, new: OperationView) -> list[str]:
    changes = []
    if old.operation.operation_id != new.operation.operation_id:
        changes.append(f"operationId {old.operation.operation_id} -> {new.operation.operation_id}")
    if old.label != new.label:
        changes.append(f"now {new.label} (was {old.label})")
    if old.route != new.route:
        changes.append(f"moved: {old.route} -> {new.route}")
        old_path = {key: view for key, view in old.parameters.items() if key[0] == "path"}
        new_path = {key: view for key, view in new.parameters.items() if key[0] == "path"}
        gained = [new_path[key].name for key in new_path if key not in old_path]
        lost = [old_path[key].name for key in old_path if key not in new_path]
        if gained:
            changes.append(f"new path parameters: {', '.join(gained)}")
        if lost:
            changes.append(f"path parameters gone: {', '.join(lost)}")
    if old.call != new.call:
        changes.append(f"call: {old.call} -> {new.call}")
    # path parameters a move added or removed are reported above, with the move
    moved_keys = (
        set() if old.route == new.route else {key for key in {**old.parameters, **new.parameters} if key[0] == "path"}
    )
    changes += _parameter_changes(
        {key: view for key, view in old.parameters.items() if key not in moved_keys or key in new.parameters},
        {key: view for key, view in new.parameters.items() if key not in moved_keys or key in old.parameters},
    )
    if old.result != new.result:
        changes.append(f"returns {new.result} (was {old.result})")
    return changes


def _parameter_changes(
    old: dict[tuple[str, str], ParameterView], new: dict[tuple[str, str], ParameterView]
) -> list[str]:
    changes = []
    for key in sorted(old.keys() - new.keys()):
        changes.append(f"parameter removed: {old[key].describe()}")
    for key in sorted(new.keys() - old.keys()):
        changes.append(f"parameter added: {new[key].describe()}")
    for key in sorted(old.keys() & new.keys()):
        before, after = old[key], new[key]
        if before.name != after.name:
            changes.append(f"parameter renamed: {before.name} -> {after.name} ({after.location} {after.wire_name!r})")
        if before.type != after.type:
            changes.append(f"parameter {after.name}: type {before.type} -> {after.type}")
        if before.required != after.required:
            changes.append(f"parameter {after.name}: {'now required' if after.required else 'now optional'}")
        if before.group != after.group:
            changes.append(f"parameter {after.name}: group {before.group or '(none)'} -> {after.group or '(none)'}")
    return changes


def _operation_sections(old_model: CodeModel, new_model: CodeModel) -> tuple[list[Section], list[str]]:
    old_ops, new_ops = operations_of(old_model), operations_of(new_model)
    pairs, removed, added = _pair_operations(old_ops, new_ops)
    by_group: dict[str, list[Entry]] = {}
    for view in removed:
        by_group.setdefault(view.group, []).append(
            Entry(f"{view.label} removed", [f"{view.operation.operation_id}: {view.route}", f"call: {view.call}"])
        )
    for view in added:
        by_group.setdefault(view.group, []).append(
            Entry(f"{view.label} added", [f"{view.operation.operation_id}: {view.route}", f"call: {view.call}"])
        )
    moved = 0
    for before, after in pairs:
        changes = _operation_changes(before, after)
        moved += before.route != after.route
        if changes:
            by_group.setdefault(after.group, []).append(Entry(f"{after.label} changed", changes))
    old_groups = {view.group for view in old_ops}
    new_groups = {view.group for view in new_ops}
    groups = Section("Operation groups")
    for name in sorted(old_groups - new_groups):
        groups.entries.append(Entry(f"{name} removed", _where_operations_went(name, pairs)))
    for name in sorted(new_groups - old_groups):
        groups.entries.append(Entry(f"{name} added"))
    sections = [groups]
    for name in sorted(by_group):
        entries = sorted(by_group[name], key=lambda entry: entry.title)
        sections.append(Section(f"Operations of {name}", entries))
    changed = sum(1 for before, after in pairs if _operation_changes(before, after))
    summary = [
        f"operations: {len(removed)} removed, {len(added)} added, {changed} changed ({moved} moved to another URL)"
    ]
    return sections, summary


def _where_operations_went(group: str, pairs: list[tuple[OperationView, OperationView]]) -> list[str]:
    return [f"{before.label} is now {after.label}" for before, after in pairs if before.group == group]


# ----------------------------------------------------------------------- models, enums


def _property_line(prop: Property) -> str:
    flags = [describe_type(prop.type)]
    if prop.required and not prop.read_only:
        flags.append("required")
    if prop.read_only:
        flags.append("read-only")
    return f"{prop.name} ({prop.wire_key!r}, {', '.join(flags)})"


def _model_changes(old: ModelType, new: ModelType) -> list[str]:
    old_props = {prop.name: prop for prop in old.properties}
    new_props = {prop.name: prop for prop in new.properties}
    gone = {name: old_props[name] for name in sorted(old_props.keys() - new_props.keys())}
    came = {name: new_props[name] for name in sorted(new_props.keys() - old_props.keys())}
    changes = []
    # the same wire key under another Python name is a rename, not a removal and an addition
    for name, prop in list(gone.items()):
        twin = next((other for other in came.values() if other.wire_key == prop.wire_key), None)
        if twin is not None:
            changes.append(f"property renamed: {name} -> {twin.name} ({twin.wire_key!r})")
            del gone[name], came[twin.name]
    changes += [f"property removed: {_property_line(prop)}" for prop in gone.values()]
    changes += [f"property added: {_property_line(prop)}" for prop in came.values()]
    for name in sorted(old_props.keys() & new_props.keys()):
        before, after = old_props[name], new_props[name]
        if before.wire_key != after.wire_key:
            changes.append(f"property {name}: wire key {before.wire_key!r} -> {after.wire_key!r}")
        if describe_type(before.type) != describe_type(after.type):
            changes.append(f"property {name}: type {describe_type(before.type)} -> {describe_type(after.type)}")
        if _state(before) != _state(after):
            changes.append(f"property {name}: {_state(before)} -> {_state(after)}")
    return changes


def _state(prop: Property) -> str:
    """What a user may do with a property: `read-only` (set by the service), `required` or `optional`."""
    if prop.read_only:
        return "read-only"
    return "required" if prop.required else "optional"


def _model_section(old_model: CodeModel, new_model: CodeModel) -> tuple[Section, list[str]]:
    old, new = public_models(old_model), public_models(new_model)
    section = Section("Models")
    for name in sorted(old.keys() - new.keys()):
        section.entries.append(Entry(f"{name} removed"))
    for name in sorted(new.keys() - old.keys()):
        section.entries.append(Entry(f"{name} added", [f"property {_property_line(p)}" for p in new[name].properties]))
    changed = 0
    for name in sorted(old.keys() & new.keys()):
        changes = _model_changes(old[name], new[name])
        if changes:
            changed += 1
            section.entries.append(Entry(f"{name} changed", changes))
    section.entries.sort(key=lambda entry: entry.title)
    removed, added = len(old.keys() - new.keys()), len(new.keys() - old.keys())
    return section, [f"models: {removed} removed, {added} added, {changed} changed"]


def _enum_section(old_model: CodeModel, new_model: CodeModel) -> tuple[Section, list[str]]:
    old = {enum.name: enum for enum in old_model.enums}
    new = {enum.name: enum for enum in new_model.enums}
    section = Section("Enums")
    for name in sorted(old.keys() - new.keys()):
        section.entries.append(Entry(f"{name} removed", [f"values: {', '.join(v.value for v in old[name].values)}"]))
    for name in sorted(new.keys() - old.keys()):
        section.entries.append(Entry(f"{name} added", [f"values: {', '.join(v.value for v in new[name].values)}"]))
    changed = 0
    for name in sorted(old.keys() & new.keys()):
        before = [value.value for value in old[name].values]
        after = [value.value for value in new[name].values]
        changes = [f"value removed: {value}" for value in before if value not in after]
        changes += [f"value added: {value}" for value in after if value not in before]
        if old[name].model_as_string != new[name].model_as_string:
            open_or_closed = "any string (modelAsString)" if new[name].model_as_string else "only its values"
            changes.append(f"now accepts {open_or_closed}")
        if changes:
            changed += 1
            section.entries.append(Entry(f"{name} changed", changes))
    section.entries.sort(key=lambda entry: entry.title)
    removed, added = len(old.keys() - new.keys()), len(new.keys() - old.keys())
    return section, [f"enums: {removed} removed, {added} added, {changed} changed"]


def _enum_retypes(old_model: CodeModel, new_model: CodeModel) -> Section:
    """Properties whose type became an enum, or stopped being one (the model entries say it too)."""
    section = Section("Properties that became enums or stopped being enums")
    old, new = public_models(old_model), public_models(new_model)
    for name in sorted(old.keys() & new.keys()):
        old_props = {prop.name: prop for prop in old[name].properties}
        for prop in new[name].properties:
            before = old_props.get(prop.name)
            if before is None or (before.type.enum is None) == (prop.type.enum is None):
                continue
            section.entries.append(
                Entry(f"{name}.{prop.name}", [f"type {describe_type(before.type)} -> {describe_type(prop.type)}"])
            )
    return section


def diff_code_models(old: CodeModel, new: CodeModel, old_label: str = "", new_label: str = "") -> Report:
    operation_sections, summary = _operation_sections(old, new)
    models, model_summary = _model_section(old, new)
    enums, enum_summary = _enum_section(old, new)
    return Report(
        old=old_label or old.api_version,
        new=new_label or new.api_version,
        summary=summary + model_summary + enum_summary,
        sections=[*operation_sections, models, enums, _enum_retypes(old, new)],
    )


# ------------------------------------------------------------------------- rendering


def render_text(report: Report) -> str:
    lines = [f"API changes from {report.old} to {report.new}", ""]
    lines += [f"  {line}" for line in report.summary]
    for section in report.sections:
        if not section.entries:
            continue
        lines += ["", section.title, "=" * len(section.title)]
        for entry in section.entries:
            lines.append(f"* {entry.title}")
            lines += [f"    {change}" for change in entry.changes]
    if report.empty:
        lines += ["", "No public differences."]
    return "\n".join(lines) + "\n"


def _code(text: str) -> str:
    """Markdown code span that survives backticks and pipes in the text."""
    return f"`{text}`" if "`" not in text else f"``{text}``"


def render_markdown(report: Report) -> str:
    lines = [f"# API changes from {report.old} to {report.new}", ""]
    lines.append(
        f"Generated from the two versions' code models by `nox -s api_diff -- {report.old} {report.new} "
        "--format markdown`; `nox -s api_diff -- --write-docs` rewrites the reports in docs/. Do not edit by hand."
    )
    lines += ["", "## Summary", ""]
    lines += [f"- {line}" for line in report.summary]
    for section in report.sections:
        if not section.entries:
            continue
        lines += ["", f"## {section.title}", ""]
        for entry in section.entries:
            subject, _, verb = entry.title.rpartition(" ")
            title = f"{_code(subject)} {verb}" if subject else _code(entry.title)
            if not entry.changes:
                lines.append(f"- {title}")
                continue
            lines.append(f"- {title}:")
            lines += [f"  - {_code(change)}" for change in entry.changes]
    if report.empty:
        lines += ["", "No public differences."]
    return "\n".join(lines) + "\n"


RENDERERS = {"text": render_text, "markdown": render_markdown}


# ------------------------------------------------------------------------------ CLI


def load_code_model(which: str, config_path: Path) -> tuple[CodeModel, str]:
    """An API version of sdk.toml (`2018-03-01`), or the path of a spec file; and its label."""
    config = load_config(config_path.resolve())
    for api in config.api_versions:
        if api.version == which:
            settings = Settings(
                package=f"{config.package}.{api.module}",
                sdk_moniker=config.distribution,
                secret_properties=config.secret_properties,
            )
            return build_code_model(load_spec(api.spec), settings), api.version
    path = Path(which)
    if not path.is_file():
        known = ", ".join(api.version for api in config.api_versions)
        raise SystemExit(f"{which!r} is neither an API version of {config_path} ({known}) nor a spec file")
    spec = load_spec(path)
    return build_code_model(spec, Settings(package=config.package, sdk_moniker=config.distribution)), spec.version


def report_file_name(old: str, new: str) -> str:
    return f"api-diff-{old}-to-{new}.md"


def write_docs(config_path: Path, folder: Path) -> list[Path]:
    """The Markdown report of each pair of consecutive API versions of sdk.toml, written into ``folder``."""
    versions = [api.version for api in load_config(config_path.resolve()).api_versions]
    written = []
    for old, new in zip(versions, versions[1:], strict=False):
        report = diff_code_models(load_code_model(old, config_path)[0], load_code_model(new, config_path)[0])
        path = folder / report_file_name(old, new)
        path.write_text(render_markdown(report), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen.apidiff", description=__doc__)
    parser.add_argument("old", nargs="?", help="API version (as in sdk.toml) or spec file to move from")
    parser.add_argument("new", nargs="?", help="API version or spec file to move to")
    parser.add_argument("--format", choices=sorted(RENDERERS), default="text")
    parser.add_argument("--config", type=Path, default=Path("sdk.toml"))
    parser.add_argument("-o", "--output", type=Path, help="write the report here instead of stdout")
    parser.add_argument(
        "--write-docs",
        nargs="?",
        const=Path("docs"),
        type=Path,
        metavar="FOLDER",
        help="write the Markdown report of each pair of consecutive API versions into FOLDER (default docs/)",
    )
    arguments = parser.parse_args(argv)
    if arguments.write_docs is not None:
        for path in write_docs(arguments.config, arguments.write_docs):
            print(f"wrote {path}")
        return 0
    if arguments.old is None or arguments.new is None:
        parser.error("give the two API versions (or spec files) to compare, or --write-docs")
    old, old_label = load_code_model(arguments.old, arguments.config)
    new, new_label = load_code_model(arguments.new, arguments.config)
    text = RENDERERS[arguments.format](diff_code_models(old, new, old_label, new_label))
    if arguments.output:
        arguments.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
