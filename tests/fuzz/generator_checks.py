"""Run the generator on a (mutated) spec document and check what it did.

The generator may only do one of two things with a document:

- stop with `codegen.loader.SpecError`, whose pointer resolves in the document and whose message is
  "<pointer>: <problem>" (`check_spec_error`);
- generate a package that covers the spec and imports (and, for a sample, passes mypy): every
  operation and every property of every model definition is there, every name is a Python identifier
  that means one thing in its namespace, no generated function rebinds one of its own parameters and no
  module or class binds a name twice (`check_code_model`, `check_sources`, `check_package`, `run_mypy`).

Anything else (another exception, a check failing) is a bug of the generator.
"""

from __future__ import annotations

import ast
import importlib
import json
import keyword
import sys
import unicodedata
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from codegen.codemodel import CodeModel, Settings, build_code_model  # noqa: E402
from codegen.config import ApiVersion, Config, load_config  # noqa: E402
from codegen.generate import generate_files, write_files  # noqa: E402
from codegen.loader import SpecError, load_document  # noqa: E402

HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head")
# the runtime modules are fixed text, the same for every spec
STATIC_MODULES = ("_wire.py", "_runtime.py")

CONFIG = load_config(ROOT / "sdk.toml")
SPECS: dict[str, str] = {api.version: api.spec.read_text(encoding="utf-8") for api in CONFIG.api_versions}


class Generated:
    """What the generator made of a document: its code model and files, written under `output`."""

    def __init__(self, package: str, version: str, code_model: CodeModel, files: dict[str, str], output: Path):
        self.package = package
        self.version = version
        self.code_model = code_model
        self.files = files
        self.output = output


def generate(document: Any, version: str, workdir: Path, package: str) -> Generated:
    """Load, model and render a document as the single API version of package `package` (no overlays)."""
    api = ApiVersion(version, workdir / "spec.json")
    config = Config(
        root=workdir,
        package=package,
        distribution="fuzz-sdk",
        version="0.0.1",
        description="A generated SDK.",
        output=workdir / "out",
        overlays=workdir / "no-overlays",
        overlay_package=f"{package}_overlays",
        default_api_version=version,
        api_versions=(api,),
    )
    spec = load_document(document, api.spec)
    code_model = build_code_model(spec, Settings(package=f"{package}.{api.module}", sdk_moniker=config.distribution))
    files = generate_files(config, {api: code_model})
    return Generated(package, version, code_model, files, config.output)


# -- a SpecError --------------------------------------------------------------------------------------


def resolve(document: Any, pointer: str) -> Any:
    """The value at a JSON pointer ("#/a/b~1c"); KeyError if there is none."""
    if pointer == "#":
        return document
    if not pointer.startswith("#/"):
        raise KeyError(pointer)
    node = document
    for raw in pointer[2:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise KeyError(pointer)
    return node


def check_spec_error(error: SpecError, document: Any) -> None:
    message = str(error)
    assert message.startswith(f"{error.pointer}: "), f"the message does not start with its pointer: {message!r}"
    assert message[len(error.pointer) + 2 :].strip(), f"no problem named: {message!r}"
    try:
        resolve(document, error.pointer)
    except KeyError:
        raise AssertionError(f"the pointer of {message!r} names nothing in the document") from None


# -- the code model covers the spec ------------------------------------------------------------------


def _ident(name: Any) -> bool:
    return (
        isinstance(name, str)
        and name.isidentifier()
        and name.isascii()
        and not keyword.iskeyword(name)
        and not name.startswith("__")
    )


def _unique(names: list[str], what: str) -> None:
    normalized = Counter(unicodedata.normalize("NFKC", name) for name in names)
    twice = sorted(name for name, count in normalized.items() if count > 1)
    assert not twice, f"{what}: {twice} name more than one thing"


def _follow(document: Any, node: Any) -> Any:
    """A schema with its `$ref` chain followed (bounded: the generator refused cycles if it succeeded)."""
    for _ in range(50):
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
            return node
        node = resolve(document, node["$ref"])
    raise AssertionError("a $ref chain the generator accepted does not end")


def _definition_pointer(document: Any, name: str) -> str:
    """The pointer of the schema a definition is, after its aliases ($ref chains between definitions)."""
    pointer = "#/definitions/" + name.replace("~", "~0").replace("/", "~1")
    for _ in range(50):
        node = resolve(document, pointer)
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
            return pointer
        pointer = node["$ref"]
    raise AssertionError(f"definition {name!r}: a $ref chain the generator accepted does not end")


def _is_model(node: Any) -> bool:
    return isinstance(node, dict) and "enum" not in node and bool(node.get("properties") or node.get("allOf"))


def _wire_keys(document: Any, node: Any, depth: int = 0) -> set[str]:
    """The wire keys (msrest's, dotted for flattened properties) of a model schema, its allOf parents' included."""
    assert depth < 50, "an allOf or flattening chain the generator accepted does not end"
    keys = set()
    for name, prop in (node.get("properties") or {}).items():
        escaped = name.replace(".", "\\.")
        target = _follow(document, prop)
        if prop.get("x-ms-client-flatten") is True and _is_model(target):
            keys |= {f"{escaped}.{key}" for key in _wire_keys(document, target, depth + 1)}
        else:
            keys.add(escaped)
    for parent in node.get("allOf") or []:
        target = _follow(document, parent)
        if _is_model(target):
            keys |= _wire_keys(document, target, depth + 1)
    return keys


def _flattened(document: Any, pointer: str) -> bool:
    """Whether some property flattens the schema at `pointer` into its owner (x-ms-client-flatten)."""
    pending = [document]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if node.get("x-ms-client-flatten") is True and node.get("$ref") == pointer:
                return True
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return False


def spec_operations(document: Any) -> list[tuple[str, dict[str, Any], list[Any]]]:
    """(operationId, operation, path-level parameters) of every operation of the document."""
    found = []
    for item in (document.get("paths") or {}).values():
        for method in HTTP_METHODS:
            if method in item:
                found.append((item[method]["operationId"], item[method], item.get("parameters") or []))
    return found


def check_code_model(generated: Generated, document: Any) -> None:
    code_model = generated.code_model
    operations = [op for group in code_model.operation_groups for op in group.operations]
    # every operation, once
    expected = Counter(operation_id for operation_id, _, _ in spec_operations(document))
    assert Counter(op.operation_id for op in operations) == expected, "operations missing or doubled"
    by_id = {op.operation_id: op for op in operations}
    for operation_id, node, shared in spec_operations(document):
        wanted = set()
        for raw in [*shared, *(node.get("parameters") or [])]:
            raw = _follow(document, raw)
            wanted.add((raw["name"], raw["in"]))
        have = {(param.wire_name, param.location) for param in by_id[operation_id].parameters}
        assert wanted <= have, f"{operation_id}: parameters {sorted(wanted - have)} are missing"
    # every model definition, with all its properties
    models_by_pointer = {model.pointer: model for model in code_model.models}
    for name in document.get("definitions") or {}:
        target_pointer = _definition_pointer(document, name)
        node = resolve(document, target_pointer)
        if not _is_model(node) or node.get("x-ms-external"):
            continue
        model = models_by_pointer.get(target_pointer)
        if model is None:  # a model flattened into the models that use it is generated only if used elsewhere
            assert _flattened(document, target_pointer), f"definition {name!r} has no model"
            continue
        missing = _wire_keys(document, node) - {prop.wire_key for prop in model.properties}
        assert not missing, f"properties {sorted(missing)} of {name!r} are missing from model {model.name}"
    # names: identifiers, each meaning one thing where it is used
    client = code_model.client
    names = [client.name, *(param.name for param in client.parameters)]
    names += [model.name for model in code_model.models] + [enum.name for enum in code_model.enums]
    names += [prop.name for model in code_model.models for prop in model.properties]
    names += [value.name for enum in code_model.enums for value in enum.values]
    for group in code_model.operation_groups:
        names += [group.class_name, group.module_name] + ([] if group.is_mixin else [group.attribute_name])
        for op in group.operations:
            names += [op.name, *(param.name for param in op.parameters), *(g.name for g in op.groups)]
    bad = sorted({repr(name) for name in names if not _ident(name)})
    assert not bad, f"not Python identifiers: {bad}"
    _unique([model.name for model in code_model.models] + [enum.name for enum in code_model.enums], "models")
    for model in code_model.models:
        _unique([prop.name for prop in model.properties], f"properties of {model.name}")
    for enum in code_model.enums:
        _unique([value.name for value in enum.values], f"members of enum {enum.name}")
        _unique([value.value for value in enum.values], f"values of enum {enum.name}")
    groups = code_model.operation_groups
    _unique([group.module_name for group in groups], "operation group modules")
    _unique([group.class_name for group in groups], "operation group classes")
    attributes = [group.attribute_name for group in groups if not group.is_mixin]
    attributes += [op.name for group in groups if group.is_mixin for op in group.operations]
    _unique(attributes, "client attributes")
    for group in groups:
        _unique([op.name for op in group.operations], f"operations of {group.class_name}")
        for op in group.operations:
            method = [p.name for p in op.method_parameters] + [g.name for g in op.groups]
            _unique(method, f"parameters of {op.operation_id}")
            _unique([p.name for p in op.parameters], f"request parameters of {op.operation_id}")


# -- the generated sources --------------------------------------------------------------------------


def _bindings(body: list[ast.stmt]) -> list[str]:
    """The names a module or class body binds, each time it binds one."""
    found: list[str] = []
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if not any(ast.unparse(decorator).endswith("overload") for decorator in node.decorator_list):
                found.append(node.name)  # overloads precede their one implementation
        elif isinstance(node, ast.ClassDef):
            found.append(node.name)
        elif isinstance(node, ast.Assign):
            found += [target.id for target in node.targets if isinstance(target, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            found.append(node.target.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            found += [(alias.asname or alias.name).split(".")[0] for alias in node.names if alias.name != "*"]
    return found


def _rebound(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """The function's parameters that its body (nested functions included) binds again."""
    arguments = function.args
    parameters = {arg.arg for arg in arguments.posonlyargs + arguments.args + arguments.kwonlyargs}
    if arguments.kwarg:
        parameters.add(arguments.kwarg.arg)
    bound: set[str] = set()
    for statement in function.body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                bound.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner = node.args
                bound.add(node.name)
                bound.update(arg.arg for arg in inner.posonlyargs + inner.args + inner.kwonlyargs)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                bound.add(node.name)
    return parameters & bound - {"self"}


def check_sources(files: dict[str, str]) -> None:
    """Each generated module parses; no function rebinds its parameters, no scope binds a name twice,
    no dict literal repeats a key."""
    for path, text in files.items():
        if not path.endswith(".py") or path.rsplit("/", 1)[-1] in STATIC_MODULES:
            continue
        tree = ast.parse(text, filename=path)
        scopes = [tree.body] + [node.body for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
        for body in scopes:
            twice = sorted(name for name, count in Counter(_bindings(body)).items() if count > 1)
            assert not twice, f"{path}: {twice} bound twice in one scope"
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                rebound = _rebound(node)
                assert not rebound, f"{path}: {node.name}() rebinds its parameters {sorted(rebound)}"
            elif isinstance(node, ast.Dict):
                keys = [key.value for key in node.keys if isinstance(key, ast.Constant)]
                twice = sorted({repr(key) for key, count in Counter(keys).items() if count > 1})
                assert not twice, f"{path}:{node.lineno}: dict literal repeats {twice}"


# -- the generated package --------------------------------------------------------------------------


def import_package(generated: Generated) -> dict[str, ModuleType]:
    """Write the files and import every module; the modules, by name. `forget` removes them again."""
    write_files(generated.files, generated.output, generated.package)
    if str(generated.output) not in sys.path:
        sys.path.insert(0, str(generated.output))
    importlib.invalidate_caches()
    modules = {}
    for path in sorted(generated.files):
        if path.endswith(".py"):
            name = path[:-3].replace("/", ".").removesuffix(".__init__")
            modules[name] = importlib.import_module(name)
    return modules


def forget(package: str) -> None:
    for name in [name for name in sys.modules if name == package or name.startswith(package + ".")]:
        del sys.modules[name]


def check_package(generated: Generated, modules: dict[str, ModuleType]) -> None:
    """The imported classes are what the code model says: every property an attribute msrest does not
    use itself, every enum value a member, every operation group an attribute no client method hides."""
    code_model = generated.code_model
    models = modules[f"{code_model.package}.models"]
    wire = modules[f"{generated.package}._wire"]
    taken = set(dir(wire.WireModel))
    for model in code_model.models:
        cls = getattr(models, model.name)
        attributes = set(cls._attribute_map)
        assert attributes == {prop.name for prop in model.properties}, f"{model.name}: attribute map differs"
        assert not attributes & taken, f"{model.name}: properties {sorted(attributes & taken)} hide msrest's"
    for enum in code_model.enums:
        members = getattr(models, enum.name)
        assert {member.value for member in members} == {value.value for value in enum.values}, enum.name
        assert set(members.__members__) == {value.name for value in enum.values}, enum.name
    for is_async in (False, True):
        module = modules[f"{code_model.package}{'.aio' if is_async else ''}._client"]
        client = getattr(module, code_model.client.name)
        for group in code_model.operation_groups:
            if group.is_mixin:
                for op in group.operations:
                    assert callable(getattr(client, op.name, None)), f"client method {op.name} is missing"
            else:
                assert group.attribute_name not in dir(client), f"group {group.attribute_name} hides a client member"


def run_mypy(generated: Generated, cache_dir: Path) -> tuple[int, str]:
    """mypy on the written package, in-process, with the project's settings and a shared cache."""
    from mypy import api

    limit = sys.getrecursionlimit()  # mypy raises it for the whole process: the other tests need Python's own
    try:
        stdout, stderr, status = api.run(
            [
                "--config-file",
                str(ROOT / "pyproject.toml"),
                "--cache-dir",
                str(cache_dir),
                "--no-error-summary",
                str(generated.output / generated.package),
            ]
        )
    finally:
        sys.setrecursionlimit(limit)
    return status, stdout + stderr


def base_document(version: str) -> Any:
    return json.loads(SPECS[version])
