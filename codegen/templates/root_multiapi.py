"""The root package's `_multiapi.py`: the API version table, and what the root clients and packages share.

All of it is fixed text but the tables of API versions, operation groups and client operations.
"""

from __future__ import annotations

from ..multiapi import MultiApiModel
from .text import literal


def multiapi_module(header: str, model: MultiApiModel) -> str:
    versions = "".join(
        f"    {literal(entry.version)}: ({literal(entry.module)}, {literal(entry.client_name)}),\n"
        for entry in model.versions
    )
    return (
        f"{header}\n{_HEAD}PACKAGE = {literal(model.package)}\n"
        f"DEFAULT_API_VERSION = {literal(model.default_version)}\n"
        "# API version -> (its subpackage, its client class)\n"
        f"API_VERSIONS: dict[str, tuple[str, str]] = {{\n{versions}}}\n"
        "# operation group -> the API versions that have it\n"
        f"OPERATION_GROUPS: dict[str, tuple[str, ...]] = {_table(model.operation_groups)}\n"
        "# operation of the client itself -> the API versions that have it\n"
        f"CLIENT_OPERATIONS: dict[str, tuple[str, ...]] = {_table(model.client_operations)}{_TAIL}"
    )


def _table(attributes: list) -> str:
    if not attributes:
        return "{}"
    return "{\n" + "".join(f"    {literal(each.name)}: {literal(each.versions)},\n" for each in attributes) + "}"


_HEAD = r'''"""One client for every API version: the version table, and what the root clients and packages share.

Nothing here imports an API version. A version's package is imported when a client for it is
built or its models are asked for; the root packages import their own names on first access.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

'''
_TAIL = r'''


class ApiVersionAttributeError(AttributeError, ValueError):
    """The client's API version has no such operation group or method; other API versions have it.

    An AttributeError, so that `hasattr` and `getattr(client, name, default)` answer for the
    client's version; a ValueError, as Azure's multi-API clients raise for an operation group
    their API version lacks.
    """


def resolve_api_version(api_version: str | None) -> str:
    """The API version to use: the given one, or the default; ValueError for a version this package lacks."""
    if api_version is None:
        return DEFAULT_API_VERSION
    if api_version not in API_VERSIONS:
        known = ", ".join(API_VERSIONS)
        raise ValueError(f"API version {api_version!r} is not available in {PACKAGE}; it has {known}")
    return api_version


def version_module(api_version: str | None, submodule: str = "") -> ModuleType:
    """An API version's package, or one of its submodules ("models", "aio"), imported on first use."""
    package = API_VERSIONS[resolve_api_version(api_version)][0]
    return importlib.import_module(".".join(part for part in (PACKAGE, package, submodule) if part))


def version_client_class(api_version: str, is_async: bool) -> Any:
    """The client class of an API version, sync or async."""
    return getattr(version_module(api_version, "aio" if is_async else ""), API_VERSIONS[api_version][1])


class Models:
    """`Client.models(api_version=None)`: the models module of an API version.

    Asked of the class, the default API version's; asked of a client, the client's own.
    """

    def __get__(self, client: MultiApiClient | None, owner: type | None = None) -> Callable[..., ModuleType]:
        default = DEFAULT_API_VERSION if client is None else client.api_version

        def models(api_version: str | None = None) -> ModuleType:
            """The models module of `api_version` (by default the client's), imported on first use.

            :raises ValueError: for an API version this package does not have.
            """
            return version_module(api_version or default, "models")

        return models


class VersionedAttribute:
    """An operation group, or an operation of the client itself, that some API versions have.

    Read on a client, it is the attribute of the client's API version; a version without it
    raises ApiVersionAttributeError naming the versions that have it.
    """

    name: str

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def resolve(self, client: MultiApiClient) -> Any:
        kind, versions = (
            ("operation group", OPERATION_GROUPS[self.name])
            if self.name in OPERATION_GROUPS
            else ("operation", CLIENT_OPERATIONS[self.name])
        )
        if client.api_version not in versions:
            raise ApiVersionAttributeError(
                f"API version {client.api_version} of {type(client).__name__} has no {kind} {self.name!r}; "
                f"API version{'s' if len(versions) > 1 else ''} {', '.join(versions)} "
                f"{'have' if len(versions) > 1 else 'has'} it (choose one with api_version=)"
            )
        value = getattr(client._version_client, self.name)
        # kept on the client: this descriptor has no __set__, so later reads skip it
        vars(client)[self.name] = value
        return value


class MultiApiClient:
    """What the sync and async root clients share: the chosen API version and its own client."""

    api_version: Any
    _version_client: Any

    def _start(self, api_version: str | None, base_url: str | None, is_async: bool, **kwargs: Any) -> None:
        """Build the client of the chosen API version, which the root client delegates to."""
        self.api_version = resolve_api_version(api_version)
        if base_url is not None:
            kwargs["base_url"] = base_url
        self._version_client = version_client_class(self.api_version, is_async)(**kwargs)
        # the pipeline and configuration, where the version clients keep them
        self._client = self._version_client._client
        self._config = self._version_client._config

    def __repr__(self) -> str:
        return f"<{type(self).__module__}.{type(self).__name__} api_version={self.api_version!r}>"


class LazyExports:
    """A root package's module `__getattr__` and `__dir__`: each name is imported on its first access.

    `names` maps a generated name to the module defining it (relative to the package);
    `submodules` are imported as attributes; `overlays` are the modules, in order, whose
    `__all__` the package exports too (see the package's `_patch.py`), each a (module, patch)
    pair: `patch` calls the module's `patch_sdk()` once it is imported.
    """

    def __init__(
        self,
        namespace: dict[str, Any],
        names: dict[str, str],
        submodules: tuple[str, ...],
        overlays: tuple[tuple[str, bool], ...],
    ) -> None:
        self.namespace = namespace
        self.package: str = namespace["__name__"]
        self.names = names
        self.submodules = submodules
        self.overlays = overlays
        self.loaded_overlays: list[ModuleType] = []

    def getattr(self, name: str) -> Any:
        if name in self.names:
            value = getattr(importlib.import_module(self.names[name], self.package), name)
        elif name in self.submodules:
            value = importlib.import_module(f"{self.package}.{name}")
        elif name == "__all__":
            value = list(
                dict.fromkeys([*self.names, *(each for module in self.overlay_modules() for each in module.__all__)])
            )
        elif name.startswith("__"):
            raise AttributeError(f"module {self.package!r} has no attribute {name!r}")
        else:
            value = self.overlay_attribute(name)
        self.namespace[name] = value
        return value

    def dir(self) -> list[str]:
        return sorted({*self.namespace, *self.submodules, *self.getattr("__all__")})

    def overlay_modules(self, stop: str | None = None) -> list[ModuleType]:
        """The overlay modules, imported in order up to the first whose `__all__` has `stop`."""
        for module in self.loaded_overlays:
            if stop in module.__all__:
                return self.loaded_overlays
        for module_name, patch in self.overlays[len(self.loaded_overlays) :]:
            module = importlib.import_module(module_name)
            if patch:
                module.patch_sdk()
            self.loaded_overlays.append(module)
            if stop in module.__all__:
                break
        return self.loaded_overlays

    def overlay_attribute(self, name: str) -> Any:
        for module in self.overlay_modules(stop=name):
            if name in module.__all__:
                return getattr(module, name)
        raise AttributeError(f"module {self.package!r} has no attribute {name!r}")
'''
