"""The root client for every API version, sync (`_client.py`) and async (`aio/_client.py`)."""

from __future__ import annotations

from ..multiapi import MultiApiModel, VersionedAttribute
from .text import INDENT, call, docstring, imports, split


def root_client_module(header: str, model: MultiApiModel, is_async: bool, first_party: str) -> str:
    parent = ".." if is_async else "."
    response = "AsyncHttpResponse" if is_async else "HttpResponse"
    credential = "AsyncTokenCredential" if is_async else "TokenCredential"
    credential_module = "azure.core.credentials_async" if is_async else "azure.core.credentials"
    versions = ", ".join(entry.version for entry in model.versions)
    statements = [
        "from __future__ import annotations",
        "from typing import TYPE_CHECKING, Any, Generic, Literal, overload",
        f"from {parent}_multiapi import API_VERSIONS, DEFAULT_API_VERSION, Models, MultiApiClient, VersionedAttribute",
    ]
    if is_async:
        statements.append("from collections.abc import Awaitable")
    if model.client_operations:
        statements.append("from collections.abc import Callable")
    checked = [
        f"from {credential_module} import {credential}",
        f"from azure.core.rest import {response}, HttpRequest",
        "from typing_extensions import Self, TypeVar",
        *(
            f"from {parent}{entry.module}{'.aio' if is_async else ''} import operations as {entry.alias}"
            for entry in model.versions
        ),
    ]
    checked_block = "\n".join(f"    {line}" if line else "" for line in imports(checked, first_party).splitlines())
    text = [
        f'''{header}
"""{"The asynchronous " if is_async else ""}{model.client_name} for every API version: {versions}.

Type checkers see the chosen version: the client is generic in its API version (a `Literal`),
each constructor overload binds it, and each operation group's `__get__` overloads return that
version's operation group class. A version the checker cannot know (a plain `str`) gives `Any`.
"""

{imports(statements, first_party)}

if TYPE_CHECKING:
{checked_block}

    # the client's API version; a client built without api_version= has the default one
    ApiVersionT = TypeVar("ApiVersionT", bound=str, default={model.default.literal})
else:
    from typing import TypeVar

    ApiVersionT = TypeVar("ApiVersionT", bound=str)
'''
    ]
    text += [descriptor(model, attribute, "operation group") for attribute in model.operation_groups]
    text += [descriptor(model, attribute, "operation") for attribute in model.client_operations]
    text.append(client_class(model, is_async, response, credential, credential_module))
    return "".join(text)


def descriptor(model: MultiApiModel, attribute: VersionedAttribute, kind: str) -> str:
    client = model.client_name
    lines = [
        "",
        "",
        f"class {attribute.descriptor_name}(VersionedAttribute):",
        f'    """The `{attribute.name}` {kind} of the client\'s API version."""',
        "",
        "    @overload",
        "    def __get__(self, client: None, owner: type | None = None) -> Self: ...",
    ]
    for entry, class_name in attribute.members:
        returned = f"{entry.alias}.{class_name}" if kind == "operation group" else "Callable[..., Any]"
        lines.append("    @overload")
        lines.append(
            split(
                INDENT,
                "def __get__(",
                ["self", f"client: {client}[{entry.literal}]", "owner: type | None = None"],
                f") -> {returned}: ...",
            )
        )
    lines += [
        "    @overload",
        f"    def __get__(self, client: {client}[str], owner: type | None = None) -> Any: ...",
        f"    def __get__(self, client: {client}[Any] | None, owner: type | None = None) -> Any:",
        "        return self if client is None else self.resolve(client)",
    ]
    return "\n".join(lines) + "\n"


def client_class(model: MultiApiModel, is_async: bool, response: str, credential: str, credential_module: str) -> str:
    client = model.client_name
    versions = ", ".join(entry.version for entry in model.versions)
    aio = "aio." if is_async else ""
    groups_doc = ""
    for attribute in model.operation_groups:
        plural = "s" if len(attribute.versions) > 1 else ""
        classes = " or ".join(
            f"{model.package}.{entry.module}.{aio}operations.{name}" for entry, name in attribute.members
        )
        groups_doc += (
            f"    :ivar {attribute.name}: Operation group of API version{plural} {', '.join(attribute.versions)}.\n"
        )
        groups_doc += f"    :vartype {attribute.name}: {classes}\n"
    params_doc = "".join(
        f"    :param {param.name}: {docstring(param.description, 8)} Required.\n    :type {param.name}: {param.type.annotation}\n"
        for param in model.parameters
    )
    attributes = "".join(f"    {attribute.name} = {attribute.descriptor_name}()\n" for attribute in model.attributes)
    parameters = "".join(f"        {param.name}: {param.type.annotation},\n" for param in model.parameters)
    overloads = ""
    for entry in model.default_first:
        api_version = f"{entry.literal} | None = None" if entry.is_default else entry.literal
        overloads += f"""
    @overload
    def __init__(
        self: {client}[{entry.literal}],
        credential: {credential},
{parameters}        api_version: {api_version},
        base_url: str | None = None,
        **kwargs: Any,
    ) -> None: ...
"""
    arguments = "".join(f"            {param.name}={param.name},\n" for param in model.parameters)
    returned = f"Awaitable[{response}]" if is_async else response
    send = call(
        2 * INDENT,
        f"response: {returned} = self._version_client.send_request",
        ["request", "stream=stream", "**kwargs"],
    )
    if is_async:
        lifecycle = '''
    async def close(self) -> None:
        """Close the client's transport and its connections."""
        await self._version_client.close()

    async def __aenter__(self) -> Self:
        await self._version_client.__aenter__()
        return self

    async def __aexit__(self, *exc_details: Any) -> None:
        await self._version_client.__aexit__(*exc_details)
'''
    else:
        lifecycle = '''
    def close(self) -> None:
        """Close the client's transport and its connections."""
        self._version_client.close()

    def __enter__(self) -> Self:
        self._version_client.__enter__()
        return self

    def __exit__(self, *exc_details: Any) -> None:
        self._version_client.__exit__(*exc_details)
'''
    send_request = split(
        INDENT,
        "def send_request(",
        ["self", "request: HttpRequest", "*", "stream: bool = False", "**kwargs: Any"],
        f") -> {returned}:",
    )
    return f'''

class {client}(MultiApiClient, Generic[ApiVersionT]):
    """{docstring(model.description, 4)}

    One client for every API version of the service: {versions}.
    `api_version` picks one (default {model.default_version}); the client then has that version's
    operation groups, and `models()` is that version's models module. An operation group the
    chosen version lacks raises an AttributeError naming the versions that have it. Only the
    chosen version is imported.

{groups_doc}    :param credential: Credential used to authenticate with Azure Resource Manager. Required.
    :type credential: ~{credential_module}.{credential}
{params_doc}    :param api_version: The API version: {versions}. Default value is "{model.default_version}".
    :type api_version: str
    :param base_url: Service URL; the token scope is derived from it. Default value is "{model.default_host}".
     Requests, and so the credential, go to its scheme, host and port only.
    :type base_url: str
    :keyword trusted_hosts: Further endpoints requests may go to ("https://host:port", "host" or "host:port").
     A nextLink, polling URL or redirect anywhere else is refused (UntrustedEndpointError).
    :paramtype trusted_hosts: list[str]
    :keyword bool allow_http: Accept a plain http:// base_url on a loopback host; other http:// endpoints are refused.
    :keyword int polling_interval: Default waiting time between two polls for LRO operations if no Retry-After header is present.
    :raises ValueError: for an API version this package does not have.
    """

    DEFAULT_API_VERSION = DEFAULT_API_VERSION
    API_VERSIONS = tuple(API_VERSIONS)
    models = Models()
    api_version: ApiVersionT
{attributes}{overloads}
    @overload
    def __init__(
        self: {client}[str],
        credential: {credential},
{parameters}        api_version: str | None = None,
        base_url: str | None = None,
        **kwargs: Any,
    ) -> None: ...

    def __init__(
        self,
        credential: {credential},
{parameters}        api_version: str | None = None,
        base_url: str | None = None,
        **kwargs: Any,
    ) -> None:
        self._start(
            api_version,
            base_url,
            is_async={is_async},
            credential=credential,
{arguments}            **kwargs,
        )

{send_request}
        """Runs the network request through the client's chained policies, with the chosen API version's client.

        :param request: The network request you want to make. Required.
        :type request: ~azure.core.rest.HttpRequest
        :keyword bool stream: Whether the response payload will be streamed. Defaults to False.
        :return: The response of your network call. Does not do error handling on your response.
        :rtype: ~azure.core.rest.{response}
        """
{send}
        return response
{lifecycle}'''
