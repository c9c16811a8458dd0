"""An API version's client and its configuration, sync (`_client.py`, `_configuration.py`) and async (`aio/...`)."""

from __future__ import annotations

from ..codemodel import CodeModel
from .text import INDENT, call, docstring, imports, literal, split


def configuration_module(code_model: CodeModel, header: str, is_async: bool, first_party: str) -> str:
    client, parent = code_model.client, ".." if is_async else "."
    prefix = "Async" if is_async else ""
    authentication = f"{prefix}ARMChallengeAuthenticationPolicy"
    credential = "AsyncTokenCredential" if is_async else "TokenCredential"
    credential_module = "azure.core.credentials_async" if is_async else "azure.core.credentials"
    runtime = "..." if is_async else ".."
    retry = f"{prefix}ARMRetryPolicy"
    runtime_names = (
        retry,
        "EndpointPolicy",
        "RedactingNetworkTraceLoggingPolicy",
        "ResponseFormatPolicy",
        "SecretScrubbingPolicy",
        "check_path_segment",
    )
    statements = [
        "from __future__ import annotations",
        "from typing import TYPE_CHECKING, Any",
        "from azure.core.pipeline import policies",
        f"from azure.mgmt.core.policies import {authentication}, ARMHttpLoggingPolicy",
        *(f"from {runtime}_runtime import {name}" for name in runtime_names),
        f"from {parent}_secrets import SECRET_FIELDS",
        f"from {parent}._version import VERSION",
    ]
    params_doc = "".join(
        f"    :param {param.name}: {docstring(param.description, 8)} Required.\n"
        f"    :type {param.name}: {_doc_type(param.type.annotation, code_model.package)}\n"
        for param in client.parameters
    )
    signature = "".join(f"        {param.name}: {param.type.annotation},\n" for param in client.parameters)
    checks = "".join(
        f"        if {param.name} is None:\n"
        f"            raise ValueError(\"Parameter '{param.name}' must not be None.\")\n"
        + (f"        check_path_segment({literal(param.name)}, {param.name})\n" if param.location == "path" else "")
        for param in client.parameters
    )
    assigns = "".join(f"        self.{param.name} = {param.name}\n" for param in client.parameters)
    scopes = call(
        2 * INDENT,
        "self.credential_scopes: list[str] = kwargs.pop",
        ['"credential_scopes"', f'[base_url.rstrip("/") + {literal(client.credential_scope_suffix)}]'],
    )
    return f'''{header}
"""Configuration of the {client.name} {"asynchronous " if is_async else ""}client."""

{imports(statements, first_party)}

if TYPE_CHECKING:
    from {credential_module} import {credential}


class {client.name}Configuration:
    """Configuration for {client.name}: credential, parameters and the pipeline's policies.

    :param credential: Credential used to authenticate with Azure Resource Manager. Required.
    :type credential: ~{credential_module}.{credential}
{params_doc}    :param base_url: Service URL; the default token scope is "<base_url>/.default". Requests go to its
     scheme, host and port only (and to ``trusted_hosts``).
    :type base_url: str
    :keyword trusted_hosts: Further endpoints the client may send requests, and so its credential, to:
     URLs ("https://host:port") or host names ("host", "host:port"). A nextLink, polling URL or redirect
     anywhere else is refused with an UntrustedEndpointError.
    :paramtype trusted_hosts: list[str]
    :keyword bool allow_http: Accept a plain http:// base_url on a loopback host (an emulator on this
     machine). Any other http:// endpoint is refused.
    """

    def __init__(
        self,
        credential: {credential},
{signature}        base_url: str = {literal(client.default_host)},
        **kwargs: Any,
    ) -> None:
        if credential is None:
            raise ValueError("Parameter 'credential' must not be None.")
{checks}        self.credential = credential
{assigns}        self.api_version: str = kwargs.pop("api_version", {literal(code_model.api_version)})
{scopes}
        self.polling_interval: float = kwargs.get("polling_interval", 30)
        kwargs.setdefault("sdk_moniker", {literal(code_model.sdk_moniker + "/")} + VERSION)
        self.user_agent_policy = kwargs.get("user_agent_policy") or policies.UserAgentPolicy(**kwargs)
        self.headers_policy = kwargs.get("headers_policy") or policies.HeadersPolicy(**kwargs)
        self.proxy_policy = kwargs.get("proxy_policy") or policies.ProxyPolicy(**kwargs)
        self.endpoint_policy = kwargs.get("endpoint_policy") or EndpointPolicy(base_url, **kwargs)
        self.response_format_policy = kwargs.get("response_format_policy") or ResponseFormatPolicy()
        self.secret_scrubbing_policy = kwargs.get("secret_scrubbing_policy") or SecretScrubbingPolicy(SECRET_FIELDS)
{call(2 * INDENT, 'self.logging_policy = kwargs.get("logging_policy") or RedactingNetworkTraceLoggingPolicy', ["SECRET_FIELDS", "**kwargs"])}
        self.http_logging_policy = kwargs.get("http_logging_policy") or ARMHttpLoggingPolicy(**kwargs)
        self.custom_hook_policy = kwargs.get("custom_hook_policy") or policies.CustomHookPolicy(**kwargs)
        self.redirect_policy = kwargs.get("redirect_policy") or policies.{prefix}RedirectPolicy(**kwargs)
        self.retry_policy = kwargs.get("retry_policy") or {retry}(**kwargs)
{call(2 * INDENT, f'self.authentication_policy = kwargs.get("authentication_policy") or {authentication}', ["self.credential", "*self.credential_scopes", "**kwargs"])}
'''


def client_module(code_model: CodeModel, header: str, is_async: bool, first_party: str) -> str:
    client, package = code_model.client, code_model.package
    parent, prefix = (".." if is_async else "."), ("Async" if is_async else "")
    response = "AsyncHttpResponse" if is_async else "HttpResponse"
    credential = "AsyncTokenCredential" if is_async else "TokenCredential"
    credential_module = "azure.core.credentials_async" if is_async else "azure.core.credentials"
    runtime = "..." if is_async else ".."
    runtime_names = ["ContentDecodePolicy", "RequestSerializer", "ResponseDeserializer"]
    if not is_async:
        runtime_names.append("ReadTimeoutPolicy")
    statements = [
        "from __future__ import annotations",
        "from copy import deepcopy",
        "from typing import TYPE_CHECKING, Any",
        "from azure.core.pipeline import policies",
        f"from azure.core.rest import {response}, HttpRequest",
        f"from azure.mgmt.core import {prefix}ARMPipelineClient",
        f"from azure.mgmt.core.policies import {prefix}ARMAutoResourceProviderRegistrationPolicy",
        f"from {parent} import models as _models",
        *(f"from {runtime}_runtime import {name}" for name in runtime_names),
        f"from ._configuration import {client.name}Configuration",
        *(f"from .operations import {group.class_name}" for group in code_model.operation_groups),
    ]
    if is_async:
        statements.append("from collections.abc import Awaitable")
    aio = "aio." if is_async else ""
    groups_doc = "".join(
        f"    :ivar {group.attribute_name}: {group.class_name} operations\n"
        f"    :vartype {group.attribute_name}: {package}.{aio}operations.{group.class_name}\n"
        for group in client.attribute_groups
    )
    params_doc = "".join(
        f"    :param {param.name}: {docstring(param.description, 8)} Required.\n"
        f"    :type {param.name}: {_doc_type(param.type.annotation, package)}\n"
        for param in client.parameters
    )
    signature = "".join(f"        {param.name}: {param.type.annotation},\n" for param in client.parameters)
    arguments = "".join(f"            {param.name}={param.name},\n" for param in client.parameters)
    groups = "".join(
        call(
            2 * INDENT,
            f"self.{group.attribute_name} = {group.class_name}",
            ["self._client", "self._config", "self._serialize", "self._deserialize"],
        )
        + "\n"
        for group in client.attribute_groups
    )
    pipeline_client = call(
        2 * INDENT,
        f"self._client: {prefix}ARMPipelineClient[HttpRequest, {response}] = {prefix}ARMPipelineClient",
        ["base_url=base_url", "policies=_policies", "**kwargs"],
    )
    base = f"({client.mixin.class_name})" if client.mixin else ""
    read_timeout = "" if is_async else "                ReadTimeoutPolicy(),\n"
    returned = f"Awaitable[{response}]" if is_async else response
    if is_async:
        lifecycle = f'''
    async def close(self) -> None:
        """Close the client's transport and its connections."""
        await self._client.close()

    async def __aenter__(self) -> {client.name}:
        await self._client.__aenter__()
        return self

    async def __aexit__(self, *exc_details: Any) -> None:
        await self._client.__aexit__(*exc_details)
'''
    else:
        lifecycle = f'''
    def close(self) -> None:
        """Close the client's transport and its connections."""
        self._client.close()

    def __enter__(self) -> {client.name}:
        self._client.__enter__()
        return self

    def __exit__(self, *exc_details: Any) -> None:
        self._client.__exit__(*exc_details)
'''
    return f'''{header}
"""The {client.name} {"asynchronous " if is_async else ""}client (API version {code_model.api_version})."""

{imports(statements, first_party)}

if TYPE_CHECKING:
    from {credential_module} import {credential}


class {client.name}{base}:
    """{docstring(client.description, 4)}

{groups_doc}    :param credential: Credential used to authenticate with Azure Resource Manager. Required.
    :type credential: ~{credential_module}.{credential}
{params_doc}    :param base_url: Service URL; the token scope is derived from it. Default value is "{client.default_host}".
     Requests, and so the credential, go to its scheme, host and port only.
    :type base_url: str
    :keyword trusted_hosts: Further endpoints requests may go to ("https://host:port", "host" or "host:port").
     A nextLink, polling URL or redirect anywhere else is refused (UntrustedEndpointError).
    :paramtype trusted_hosts: list[str]
    :keyword bool allow_http: Accept a plain http:// base_url on a loopback host; other http:// endpoints are refused.
    :keyword api_version: Api Version. Default value is "{code_model.api_version}". Overriding it may result in unsupported behavior.
    :paramtype api_version: str
    :keyword int polling_interval: Default waiting time between two polls for LRO operations if no Retry-After header is present.
    """

    def __init__(
        self,
        credential: {credential},
{signature}        base_url: str = {literal(client.default_host)},
        **kwargs: Any,
    ) -> None:
        self._config = {client.name}Configuration(
            credential=credential,
{arguments}            base_url=base_url,
            **kwargs,
        )
        _policies = kwargs.pop("policies", None)
        if _policies is None:
            _policies = [
                policies.RequestIdPolicy(**kwargs),
                self._config.headers_policy,
                self._config.user_agent_policy,
                self._config.proxy_policy,
                ContentDecodePolicy(**kwargs),
                self._config.response_format_policy,
                {prefix}ARMAutoResourceProviderRegistrationPolicy(),
                self._config.redirect_policy,
                self._config.endpoint_policy,
                self._config.retry_policy,
                self._config.authentication_policy,
                self._config.custom_hook_policy,
                self._config.logging_policy,
                policies.DistributedTracingPolicy(**kwargs),
                policies.SensitiveHeaderCleanupPolicy(**kwargs) if self._config.redirect_policy else None,
                self._config.http_logging_policy,
                self._config.secret_scrubbing_policy,
{read_timeout}            ]
{pipeline_client}

        client_models = {{name: value for name, value in _models.__dict__.items() if isinstance(value, type)}}
        self._serialize = RequestSerializer(client_models)
        self._deserialize = ResponseDeserializer(client_models)
        self._serialize.client_side_validation = True
{groups}
{split(INDENT, "def send_request(", ["self", "request: HttpRequest", "*", "stream: bool = False", "**kwargs: Any"], f") -> {returned}:")}
        """Runs the network request through the client's chained policies.

        >>> from azure.core.rest import HttpRequest
        >>> request = HttpRequest("GET", "https://www.example.org/")
        <HttpRequest [GET], url: 'https://www.example.org/'>
        >>> response = {"await " if is_async else ""}client.send_request(request)
        <{response}: 200 OK>

        :param request: The network request you want to make. Required.
        :type request: ~azure.core.rest.HttpRequest
        :keyword bool stream: Whether the response payload will be streamed. Defaults to False.
        :return: The response of your network call. Does not do error handling on your response.
        :rtype: ~azure.core.rest.{response}
        """
        request_copy = deepcopy(request)
        request_copy.url = self._client.format_url(request_copy.url)
        return self._client.send_request(request_copy, stream=stream, **kwargs)
{lifecycle}'''


def _doc_type(annotation: str, package: str) -> str:
    return annotation.replace("_models.", f"~{package}.models.")
