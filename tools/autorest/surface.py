"""Extract the public API surface of a generated Azure-style Python SDK package.

The surface is found by importing the package (its root folder is put on
sys.path), so it reflects what a user of the package sees:

* the client class: name and constructor parameters;
* operation groups found on a client instance (attribute -> class name) and,
  per group, the public methods and their parameters;
* the same for the ``aio`` variant;
* models in ``<pkg>.models``: ``_attribute_map`` (attribute -> "wire key: type"),
  ``_validation`` (attribute -> "max_length=64, required") and the keyword
  parameters of ``__init__``;
* enums in ``<pkg>.models``: sorted values.

Parameters are rendered as strings in signature order:
``name`` (positional, required), ``name=<default>`` (positional, optional),
``*name`` (keyword-only, required), ``*name=<default>`` (keyword-only, optional).
``self``, ``*args`` and ``**kwargs`` are left out.

Usage:
    python tools/autorest/surface.py ROOT[:EXTRA_ROOT...]:PACKAGE [-o surface.json]
    python tools/autorest/surface.py --summary ROOT:PACKAGE|surface.json
Standard library only.
"""

from __future__ import annotations

import argparse
import contextlib
import enum
import importlib
import inspect
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

DUMMY_SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"
SIMPLE_DEFAULT_TYPES = (type(None), bool, int, float, str)


class DummyCredential:
    """Stands in for a TokenCredential; never called while a client is built."""

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        raise RuntimeError("the surface extractor never sends requests")

    def get_token_info(self, *scopes: str, options: Any = None) -> Any:
        raise RuntimeError("the surface extractor never sends requests")


class AsyncDummyCredential:
    """Stands in for an AsyncTokenCredential; never called while a client is built."""

    async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        raise RuntimeError("the surface extractor never sends requests")

    async def get_token_info(self, *scopes: str, options: Any = None) -> Any:
        raise RuntimeError("the surface extractor never sends requests")

    async def close(self) -> None:
        return None


class UnusedTransport:
    """Given to clients so that azure-core needs neither requests nor aiohttp to build them."""

    def __enter__(self) -> UnusedTransport:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        return None

    async def __aenter__(self) -> UnusedTransport:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        return None

    def send(self, request: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the surface extractor never sends requests")

    def open(self) -> None:
        return None

    def close(self) -> None:
        return None


# --------------------------------------------------------------------------- import


def _is_under(path: str | None, folders: list[Path]) -> bool:
    if not path:
        return False
    resolved = Path(path).resolve()
    return any(resolved.is_relative_to(folder) for folder in folders)


def _drop_modules(package: str, folders: list[Path]) -> None:
    """Forget ``package`` and every module loaded from ``folders`` (e.g. an overlay package)."""
    for name, module in list(sys.modules.items()):
        own = name == package or name.startswith(package + ".")
        if own or _is_under(getattr(module, "__file__", None), folders):
            del sys.modules[name]


def own_package(package: str, root: Path) -> str:
    """The outermost regular package (one with ``__init__.py`` under ``root``) that ``package`` belongs to.

    ``batchai.v2018_03_01`` -> ``batchai``; ``azure.mgmt.batchai`` -> ``azure.mgmt.batchai``, since
    ``azure`` and ``azure.mgmt`` are namespace packages shared with azure-core and azure-mgmt-core.
    """
    parts = package.split(".")
    for count in range(1, len(parts) + 1):
        if (root.joinpath(*parts[:count]) / "__init__.py").is_file():
            return ".".join(parts[:count])
    return package


@contextlib.contextmanager
def imported_from(roots: list[Path], package: str) -> Iterator[Any]:
    """Import ``package`` from the first of ``roots`` (all put first on sys.path), and forget it afterwards.

    Two packages of the same name (ours and the reference) can therefore be
    read one after the other in one process.
    """
    folders = [Path(root).resolve() for root in roots]
    # a subpackage (batchai.v2018_03_01) is read with its top-level package, from the same folder;
    # in a namespace package (azure.mgmt.batchai) that is the first regular package of the name
    top = own_package(package, folders[0])
    # whatever the caller had imported comes back afterwards, so its classes stay consistent
    # with sys.modules (msrest finds a model's siblings through sys.modules)
    saved = dict(sys.modules)
    _drop_modules(top, folders)
    added = [str(folder) for folder in folders]
    sys.path[:0] = added
    importlib.invalidate_caches()
    try:
        module = importlib.import_module(package)
        if not _is_under(getattr(module, "__file__", None), folders[:1]):
            raise ImportError(f"{package} was imported from {module.__file__}, not from {folders[0]}")
        yield module
    finally:
        for entry in added:
            sys.path.remove(entry)
        _drop_modules(top, folders)
        # and whatever the import brought along is forgotten too: an overlay package kept in sys.modules
        # would keep subclassing the forgotten package's classes, and a later import would get those
        for name in [name for name in sys.modules if name not in saved]:
            del sys.modules[name]
        for name, module in saved.items():
            sys.modules.setdefault(name, module)


def _optional_submodule(package: str, name: str) -> Any:
    try:
        return importlib.import_module(f"{package}.{name}")
    except ModuleNotFoundError as error:
        if error.name in (f"{package}.{name}", package):
            return None
        raise


# ----------------------------------------------------------------------- signatures


def _render_default(value: Any) -> str:
    if isinstance(value, SIMPLE_DEFAULT_TYPES):
        return repr(value)
    return "..."


def render_parameter(parameter: inspect.Parameter) -> str:
    text = parameter.name
    if parameter.kind is inspect.Parameter.KEYWORD_ONLY:
        text = "*" + text
    if parameter.default is not inspect.Parameter.empty:
        text += "=" + _render_default(parameter.default)
    return text


def parameters_of(function: Any) -> list[str]:
    """Rendered parameters of a callable, without self, *args and **kwargs."""
    skipped = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    signature = inspect.signature(function)
    return [render_parameter(p) for p in signature.parameters.values() if p.kind not in skipped and p.name != "self"]


def parameter_name(rendered: str) -> str:
    return rendered.lstrip("*").split("=", 1)[0]


# ------------------------------------------------------------------------- clients


def _public_classes(module: Any) -> dict[str, type]:
    names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
    found = {}
    for name in names:
        value = getattr(module, name, None)
        if inspect.isclass(value) and not name.startswith("_"):
            found[name] = value
    return found


CREDENTIAL_PARAMETERS = ("credential", "credentials")  # azure-core clients; msrestazure ("track 1") clients


def find_client_class(module: Any) -> type:
    """The one public class of the package whose constructor takes ``credential`` (or ``credentials``)."""
    candidates = []
    for _name, cls in sorted(_public_classes(module).items()):
        try:
            names = [parameter_name(p) for p in parameters_of(cls.__init__)]
        except (TypeError, ValueError):
            continue
        if any(name in names for name in CREDENTIAL_PARAMETERS):
            candidates.append(cls)
    if len(candidates) != 1:
        found = [c.__name__ for c in candidates]
        raise LookupError(f"expected one client class in {module.__name__}, found {found}")
    return candidates[0]


def public_methods(cls: type) -> dict[str, list[str]]:
    methods = {}
    for name, member in inspect.getmembers(cls):
        if name.startswith("_") or not callable(member) or inspect.isclass(member):
            continue
        methods[name] = parameters_of(member)
    return methods


def _comes_from(cls: type, package: str) -> bool:
    """``cls`` or one of its bases is defined in ``package``'s operations (overlay subclasses count)."""
    modules = (f"{package}.operations", f"{package}.aio.operations")
    return any(base.__module__.startswith(modules) for base in cls.__mro__)


def operation_groups(client: Any, package: str) -> dict[str, dict[str, Any]]:
    """Public attributes of a client instance whose class comes from ``package``'s operations.

    (A track-1 client's public ``config`` attribute is not an operation group.)
    """
    groups = {}
    for attribute, value in sorted(vars(client).items()):
        cls = type(value)
        if attribute.startswith("_") or not _comes_from(cls, package):
            continue
        groups[attribute] = {"class": cls.__name__, "methods": public_methods(cls)}
    return groups


def client_surface(module: Any, package: str, credential: Any) -> dict[str, Any]:
    cls = find_client_class(module)
    signature = inspect.signature(cls.__init__)
    arguments: dict[str, Any] = {"subscription_id": DUMMY_SUBSCRIPTION_ID}
    arguments[next(name for name in CREDENTIAL_PARAMETERS if name in signature.parameters)] = credential
    takes_keywords = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values())
    if takes_keywords or "transport" in signature.parameters:  # a track-1 client takes no transport
        arguments["transport"] = UnusedTransport()
    client = cls(**arguments)
    return {
        "name": cls.__name__,
        "parameters": parameters_of(cls.__init__),
        "methods": public_methods(cls),
        "operation_groups": operation_groups(client, package),
    }


# -------------------------------------------------------------------------- models


def _is_enum(cls: type) -> bool:
    return issubclass(cls, enum.Enum)


def _is_model(cls: type) -> bool:
    return isinstance(getattr(cls, "_attribute_map", None), dict)


def _describe_attribute(entry: Any) -> str:
    if isinstance(entry, dict):
        return f"{entry.get('key', '?')}: {entry.get('type', '?')}"
    return repr(entry)


def _describe_constraints(entry: Any) -> str:
    """``{'required': True, 'max_length': 64}`` -> ``'max_length=64, required'``."""
    if not isinstance(entry, dict):
        return repr(entry)
    words = [name if value is True else f"{name}={value!r}" for name, value in entry.items() if value is not False]
    return ", ".join(sorted(words))


def model_surface(cls: type) -> dict[str, Any]:
    attribute_map = cls._attribute_map
    validation = getattr(cls, "_validation", None) or {}
    # keyword-only in azure-core era models (`*name`); positional-or-keyword in Python-2-era models (`name=None`)
    init_parameters = sorted(parameters_of(cls.__init__), key=parameter_name)
    return {
        "attributes": {name: _describe_attribute(attribute_map[name]) for name in sorted(attribute_map)},
        "init_parameters": init_parameters,
        "validation": {name: _describe_constraints(validation[name]) for name in sorted(validation)},
    }


def enum_values(cls: type) -> list[str]:
    return sorted(str(member.value) for member in cls)


def models_surface(models_module: Any) -> tuple[dict[str, Any], dict[str, list[str]]]:
    models, enums = {}, {}
    if models_module is None:
        return models, enums
    for name, cls in sorted(_public_classes(models_module).items()):
        if _is_enum(cls):
            enums[name] = enum_values(cls)
        elif _is_model(cls):
            models[name] = model_surface(cls)
    return models, enums


# ------------------------------------------------------------------------- surface


def extract_surface(root: Path | str | list[Path], package: str) -> dict[str, Any]:
    """Import ``package`` from folder ``root`` and return its public API surface.

    ``root`` may be a list of folders: the package must come from the first,
    the others (e.g. an overlay package's folder) are put on sys.path too.
    """
    roots = root if isinstance(root, list) else [Path(root)]
    with imported_from(roots, package) as module:
        models, enums = models_surface(_optional_submodule(package, "models"))
        aio_module = _optional_submodule(package, "aio")
        aio = None if aio_module is None else client_surface(aio_module, package, AsyncDummyCredential())
        return {
            "package": package,
            "client": client_surface(module, package, DummyCredential()),
            "aio_client": aio,
            "models": models,
            "enums": enums,
        }


def to_json(surface: dict[str, Any]) -> str:
    return json.dumps(surface, indent=2, sort_keys=True) + "\n"


def parse_package_spec(spec: str) -> tuple[list[Path], str]:
    """``ROOT[:MORE_ROOTS...]:PACKAGE`` -> ([Path(ROOT), ...], PACKAGE); roots are separated like PATH."""
    roots, separator, package = spec.rpartition(":")
    if not separator or not roots or not package:
        raise ValueError(f"expected ROOT:PACKAGE, got {spec!r}")
    return [Path(root) for root in roots.split(os.pathsep) if root], package


def load_surface(spec: str) -> dict[str, Any]:
    """A surface from a JSON file, or extracted from ``ROOT:PACKAGE``."""
    if spec.endswith(".json") and Path(spec).is_file():
        return json.loads(Path(spec).read_text(encoding="utf-8"))
    root, package = parse_package_spec(spec)
    return extract_surface(root, package)


# ------------------------------------------------------------------------- summary


def _summary_of_client(title: str, client: dict[str, Any] | None) -> list[str]:
    if client is None:
        return [f"{title}: none"]
    groups = client["operation_groups"]
    method_count = sum(len(g["methods"]) for g in groups.values())
    lines = [
        f"{title}: {client['name']}({', '.join(client['parameters'])})",
        f"  {len(groups)} operation groups, {method_count} methods",
    ]
    for attribute, group in groups.items():
        lines.append(f"  {attribute} -> {group['class']}")
        for method, parameters in group["methods"].items():
            lines.append(f"    {method}({', '.join(parameters)})")
    return lines


def summarize(surface: dict[str, Any]) -> str:
    lines = [f"package: {surface['package']}"]
    lines += _summary_of_client("client", surface["client"])
    aio = surface.get("aio_client")
    if aio is not None and aio["operation_groups"] == surface["client"]["operation_groups"]:
        lines.append(f"aio client: {aio['name']} (same groups, methods and parameters as sync)")
    else:
        lines += _summary_of_client("aio client", aio)
    models, enums = surface["models"], surface["enums"]
    lines.append(f"{len(models)} models, {len(enums)} enums")
    for name, model in models.items():
        lines.append(f"  model {name}: {', '.join(model['attributes'])}")
    for name, values in enums.items():
        lines.append(f"  enum {name}: {', '.join(values)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", help="ROOT:PACKAGE to import, or (with --summary) a surface .json file")
    parser.add_argument("-o", "--output", help="write the surface JSON here instead of stdout")
    parser.add_argument("--summary", action="store_true", help="print a readable summary instead of JSON")
    args = parser.parse_args(argv)
    surface = load_surface(args.source)
    text = summarize(surface) + "\n" if args.summary else to_json(surface)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
