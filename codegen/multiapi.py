"""The root package's model: one client for every API version, built from the versions' code models.

The root client serves the API version its caller picks; it is the union of the versions'
operation groups (and client-level operations), each attribute knowing which versions have it
and which class it is in each. Every decision the root templates need is made here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .codemodel import CodeModel, Parameter
from .config import ApiVersion, Config


@dataclass(eq=False, repr=False)
class VersionEntry:
    """One API version of the multi-API client: its subpackage and whether it is the default."""

    version: str  # "2018-03-01"
    module: str  # "v2018_03_01"
    client_name: str  # the version's client class
    is_default: bool

    @property
    def literal(self) -> str:
        """The version as a `typing.Literal` type, for the root client's overloads."""
        return f'Literal["{self.version}"]'

    @property
    def alias(self) -> str:
        """The name the root modules import this version's operations under, for type checkers."""
        return f"_{self.module}"


@dataclass(eq=False, repr=False)
class VersionedAttribute:
    """An attribute of the root client that some API versions have: an operation group or a client method."""

    name: str  # attribute name on the client: "jobs", or a client-level operation's method name
    # the versions that have it, each with what it is there: the group's class name, or the method name
    members: list[tuple[VersionEntry, str]] = field(default_factory=list)

    @property
    def versions(self) -> tuple[str, ...]:
        return tuple(entry.version for entry, _ in self.members)

    @property
    def descriptor_name(self) -> str:
        return "_" + "".join(part.capitalize() for part in self.name.split("_")) + "Attribute"


@dataclass(eq=False, repr=False)
class MultiApiModel:
    """What the root package's templates lay out: the client of every API version, and the default one."""

    package: str
    client_name: str
    description: str
    default_version: str
    versions: list[VersionEntry]
    parameters: list[Parameter]  # client-level parameters, the same in every version
    default_host: str
    operation_groups: list[VersionedAttribute]
    client_operations: list[VersionedAttribute]  # operations of the client itself (AutoRest's mixin)

    @property
    def default(self) -> VersionEntry:
        return next(entry for entry in self.versions if entry.is_default)

    @property
    def default_first(self) -> list[VersionEntry]:
        """The versions with the default first: the order of the root client's constructor overloads."""
        return [self.default] + [entry for entry in self.versions if not entry.is_default]

    @property
    def attributes(self) -> list[VersionedAttribute]:
        return self.operation_groups + self.client_operations


# what the root client has itself, beside the versions' operation groups and client operations
ROOT_CLIENT_MEMBERS = frozenset(
    {"api_version", "models", "send_request", "close", "DEFAULT_API_VERSION", "API_VERSIONS"}
)


class MultiApiError(ValueError):
    """The API versions cannot share one root client; names the versions and what differs."""


def build_multiapi_model(config: Config, code_models: dict[ApiVersion, CodeModel]) -> MultiApiModel:
    default = code_models[config.default]
    versions = [
        VersionEntry(api.version, api.module, model.client.name, api.version == config.default_api_version)
        for api, model in code_models.items()
    ]
    _check_client_parameters(config, code_models)
    groups: dict[str, VersionedAttribute] = {}
    operations: dict[str, VersionedAttribute] = {}
    for version, model in zip(versions, code_models.values(), strict=True):
        for group in model.operation_groups:
            if group.is_mixin:
                for operation in group.operations:
                    operations.setdefault(operation.name, VersionedAttribute(operation.name)).members.append(
                        (version, operation.name)
                    )
            else:
                groups.setdefault(group.attribute_name, VersionedAttribute(group.attribute_name)).members.append(
                    (version, group.class_name)
                )
    clashes = sorted(set(groups) & set(operations))
    if clashes:
        raise MultiApiError(f"{clashes} are operation groups in one API version and client methods in another")
    reserved = sorted((set(groups) | set(operations)) & ROOT_CLIENT_MEMBERS)
    if reserved:
        raise MultiApiError(f"{reserved} would hide the root client's own members of those names")
    return MultiApiModel(
        package=config.package,
        client_name=default.client.name,
        description=default.client.description,
        default_version=config.default_api_version,
        versions=versions,
        parameters=default.client.parameters,
        default_host=default.client.default_host,
        operation_groups=sorted(groups.values(), key=lambda attribute: attribute.name),
        client_operations=sorted(operations.values(), key=lambda attribute: attribute.name),
    )


def _check_client_parameters(config: Config, code_models: dict[ApiVersion, CodeModel]) -> None:
    """Every version must take the same client parameters: the root client takes them once for all."""

    def signature(model: CodeModel) -> list[tuple[str, str]]:
        return [(param.name, param.type.annotation) for param in model.client.parameters]

    expected = signature(code_models[config.default])
    for api, model in code_models.items():
        if signature(model) != expected:
            raise MultiApiError(
                f"API version {api.version} takes the client parameters {signature(model)}, "
                f"the default {config.default_api_version} takes {expected}: one root client cannot serve both"
            )
