"""The code model's reserved names cover every name the generated code uses for itself.

A parameter or property from the spec that had one of those names would hide it (a parameter named
`type` would hide the builtin the request builder calls) or be rebound by it (`polling`), so the code
model renames it. These tests read the generated package for the names its functions use, so that a
template that starts using another name fails here until the code model reserves it too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from codegen_specs import ROOT

from codegen import codemodel
from codegen.config import load_config
from codegen.generate import build_code_models

PACKAGE = ROOT / "generated" / "batchai"
CODE_MODELS = build_code_models(load_config(ROOT / "sdk.toml"))
SPEC_NAMES = {
    name
    for code_model in CODE_MODELS.values()
    for group in code_model.operation_groups
    for operation in group.operations
    for name in [param.name for param in operation.parameters] + [group.name for group in operation.groups]
}


def _functions(path: Path) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    """The module's top-level functions and the methods of its classes (nested functions are theirs)."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node
        elif isinstance(node, ast.ClassDef):
            yield from (item for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)))


def _used_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Every name the function's body uses or binds, nested functions and the keyword arguments it pops
    included, but not its own parameters; only names snake_case can make (lowercase first)."""
    arguments = function.args
    own = {arg.arg for arg in arguments.posonlyargs + arguments.args + arguments.kwonlyargs}
    found: set[str] = set()
    for statement in function.body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Name):
                found.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner = node.args
                found |= {node.name, *(arg.arg for arg in inner.posonlyargs + inner.args + inner.kwonlyargs)}
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("pop", "get", "setdefault")
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "kwargs"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(node.args[0].value)
    return {name for name in found - own if name[:1].islower()}


def _modules(*patterns: str) -> list[Path]:
    found = sorted({path for pattern in patterns for path in PACKAGE.glob(pattern)})
    assert found, patterns
    return found


def test_operation_methods_and_request_builders_use_only_reserved_names() -> None:
    unreserved = set()
    for path in _modules("v*/operations/_*.py", "v*/aio/operations/_*.py"):
        for function in _functions(path):
            used = _used_names(function) - SPEC_NAMES  # a grouped parameter is unpacked into a local of its name
            unreserved |= {
                name for name in used if name not in codemodel._OPERATION_NAMES and not codemodel._BUILDER.match(name)
            }
    assert not unreserved, f"add to codemodel._OPERATION_NAMES: {sorted(unreserved)}"


def test_client_constructors_use_only_reserved_names() -> None:
    unreserved = set()
    for path in _modules("_client.py", "aio/_client.py", "v*/_client.py", "v*/_configuration.py", "v*/aio/_*.py"):
        for function in _functions(path):
            if function.name == "__init__":
                unreserved |= _used_names(function) - codemodel._CLIENT_NAMES
    assert not unreserved, f"add to codemodel._CLIENT_NAMES: {sorted(unreserved)}"


def test_model_constructors_use_only_reserved_names() -> None:
    unreserved = set()
    for path in _modules("v*/models/_models.py"):
        for function in _functions(path):
            if function.name == "__init__":
                unreserved |= _used_names(function) - codemodel._MODEL_INIT_NAMES
    assert not unreserved, f"add to codemodel._MODEL_INIT_NAMES: {sorted(unreserved)}"


@pytest.mark.parametrize(
    ("pattern", "reserved"),
    [
        ("v*/models/_*.py", codemodel._MODELS_MODULE_NAMES),
        ("v*/_client.py", codemodel._CLIENT_MODULE_NAMES),
        ("v*/_configuration.py", codemodel._CLIENT_MODULE_NAMES),
        ("v*/aio/_*.py", codemodel._CLIENT_MODULE_NAMES),
    ],
)
def test_the_names_modules_import_for_themselves_are_reserved_for_classes(
    pattern: str, reserved: frozenset[str]
) -> None:
    generated = {model.name for code_model in CODE_MODELS.values() for model in code_model.models}
    generated |= {enum.name for code_model in CODE_MODELS.values() for enum in code_model.enums}
    generated |= {
        name
        for code_model in CODE_MODELS.values()
        for name in [code_model.client.name, code_model.client.name + "Configuration"]
        + [group.class_name for group in code_model.operation_groups]
    }
    unreserved = set()
    for path in _modules(pattern):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = {(alias.asname or alias.name).split(".")[0] for alias in node.names}
            elif isinstance(node, ast.Assign):
                names = {target.id for target in node.targets if isinstance(target, ast.Name)}
            else:
                continue
            unreserved |= {name for name in names - generated if name[:1].isupper()} - reserved
    assert not unreserved, f"reserve {sorted(unreserved)} for {pattern}"
