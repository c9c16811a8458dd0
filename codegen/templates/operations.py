"""An operation group's module, sync (`operations/_x_operations.py`, with the request builders) and async
(`aio/operations/...`, which imports the sync module's request builders)."""

from __future__ import annotations

from ..codemodel import CodeModel, Operation, OperationGroup, Parameter, ParameterGroup, PythonType
from .text import INDENT, call, condition, conditional, docstring, imports, literal, parenthesized, split

_EXCEPTIONS = (
    "ClientAuthenticationError",
    "HttpResponseError",
    "ResourceExistsError",
    "ResourceNotFoundError",
    "ResourceNotModifiedError",
    "map_error",
)


class _Async:
    """The words that differ between the sync and the async module."""

    def __init__(self, is_async: bool) -> None:
        self.is_async = is_async
        self.AWAIT = "await " if is_async else ""
        self.ASYNC = "async " if is_async else ""
        self.trace = "distributed_trace_async" if is_async else "distributed_trace"
        self.poller = "AsyncLROPoller" if is_async else "LROPoller"
        self.paged = "AsyncItemPaged" if is_async else "ItemPaged"
        self.polling_method = "AsyncPollingMethod" if is_async else "PollingMethod"
        self.arm_polling = "AsyncCheckedARMPolling" if is_async else "CheckedARMPolling"
        self.no_polling = "AsyncNoPolling" if is_async else "NoPolling"


def operations_module(
    code_model: CodeModel, group: OperationGroup, header: str, title: str, is_async: bool, first_party: str
) -> str:
    words = _Async(is_async)
    statements = _imports(code_model, group, words)
    text = [
        f'''{header}
"""The `{group.attribute_name}` operation group of {title} (API version {code_model.api_version})."""

{imports(statements, first_party)}

ClsType = Callable[[PipelineResponse, Any, dict[str, Any]], Any] | None
'''
    ]
    if not is_async:
        text.append("\n_SERIALIZER = Serializer()\n_SERIALIZER.client_side_validation = True\n")
        text.extend(f"{name} = re.compile({literal(pattern)})\n" for pattern, name in group.patterns.items())
        text.extend(
            request_builder(operation, code_model.api_version, group.patterns) for operation in group.operations
        )
        text.append(_NEXT_PAGE_REQUEST)
    text.append(group_class(code_model, group, words))
    return "".join(text)


def _imports(code_model: CodeModel, group: OperationGroup, words: _Async) -> list[str]:
    operations = group.operations
    statements = [
        "from __future__ import annotations",
        "from collections.abc import Callable",
        "from typing import Any",
        *(f"from azure.core.exceptions import {name}" for name in _EXCEPTIONS),
        "from azure.core.pipeline import PipelineResponse",
        "from azure.core.rest import HttpRequest",
        "from azure.core.utils import case_insensitive_dict",
        "from azure.mgmt.core.exceptions import ARMErrorFormat",
        "from msrest import Deserializer, Serializer",
    ]
    parent = "..." if words.is_async else ".."
    statements.append(f"from {parent} import models as _models")
    statements += [f"from {parent}._wire import {helper}" for helper in group.wire_helpers]
    if any(operation.body is not None for operation in operations):
        statements += ["from io import IOBase", "from typing import IO"]
    if any(operation.long_running for operation in operations):
        statements.append(f"from azure.core.polling import {words.poller}, {words.no_polling}, {words.polling_method}")
        statements.append(f"from {parent}._runtime import {words.arm_polling}")
    if any(operation.is_paging for operation in operations):
        statements.append(
            "from azure.core.async_paging import AsyncItemPaged, AsyncList"
            if words.is_async
            else "from azure.core.paging import ItemPaged"
        )
        statements.append("from azure.core.tracing.decorator import distributed_trace")
    if any(not operation.is_paging for operation in operations):
        module = "decorator_async" if words.is_async else "decorator"
        statements.append(f"from azure.core.tracing.{module} import {words.trace}")
    if words.is_async:
        builders = [operation.request_builder_name for operation in operations]
        if any(operation.is_paging for operation in operations):
            builders.append("_next_page_request")
        statements += [f"from ...operations.{group.module_name} import {builder}" for builder in builders]
    else:
        statements.append("import urllib.parse")
        if group.patterns:
            statements.append("import re")
    return statements


_NEXT_PAGE_REQUEST = '''

def _next_page_request(next_link: str, api_version: str) -> HttpRequest:
    """Build the GET request for the page at `next_link`, keeping its query but pinning the api-version."""
    parsed = urllib.parse.urlparse(next_link)
    params = case_insensitive_dict(
        {
            key: [urllib.parse.quote(value) for value in values]
            for key, values in urllib.parse.parse_qs(parsed.query).items()
        }
    )
    params["api-version"] = api_version
    return HttpRequest("GET", urllib.parse.urljoin(next_link, parsed.path), params=params)
'''


# -- request builders ------------------------------------------------------------------------------


def request_builder(operation: Operation, api_version: str, patterns: dict[str, str]) -> str:
    required, optional = operation.request_parameters
    lines = ["", "", f"def {operation.request_builder_name}("]
    lines += [f"    {param.name}: {param.type.annotation}," for param in required]
    if optional:
        lines.append("    *,")
        lines += [f"    {param.name}: {param.type.annotation} | None = None," for param in optional]
    lines += [
        "    **kwargs: Any,",
        ") -> HttpRequest:",
        f'    """Build the {operation.operation_id} request. Path, query and header values are validated against the spec.',
        "",
        "    A value of the spec's type that meets its constraints is converted here; msrest converts any other",
        "    value, and raises its ValidationError for one that breaks a constraint.",
        '    """',
        '    _headers = case_insensitive_dict(kwargs.pop("headers", {}) or {})',
        '    _params = case_insensitive_dict(kwargs.pop("params", {}) or {})',
        f'    api_version: str = kwargs.pop("api_version", _params.pop("api-version", {literal(api_version)}))',
    ]
    if operation.body:
        lines.append('    content_type: str | None = kwargs.pop("content_type", _headers.pop("Content-Type", None))')
    lines += ['    accept = _headers.pop("Accept", "application/json")', ""]
    lines.append(parenthesized(INDENT, "url = ", literal(operation.url)))
    path = [param for param in operation.parameters if param.location == "path"]
    if path:
        lines.append("    path_arguments: dict[str, str] = {}")
        for param in path:
            lines += send_value(param, "url", f"path_arguments[{literal(param.wire_name)}]", patterns, INDENT)
        lines.append("    url = url.format(**path_arguments)")
    lines.append("")
    for param in operation.parameters:
        if param.location != "query":
            continue
        target = f"_params[{literal(param.wire_name)}]"
        if param.constant:
            lines += [
                "    if type(api_version) is str:",
                f'        {target} = urllib.parse.quote(api_version, safe="")',
                "    else:",
                f'        {target} = _SERIALIZER.query("api_version", api_version, "str")',
            ]
        elif param.required:
            lines += send_value(param, "query", target, patterns, INDENT)
        else:
            lines.append(f"    if {param.name} is not None:")
            lines += send_value(param, "query", target, patterns, 2 * INDENT)
    for param in operation.parameters:
        if param.location != "header":
            continue
        target = f"_headers[{literal(param.wire_name)}]"
        if param.required:
            lines += send_value(param, "header", target, patterns, INDENT)
        else:
            lines.append(f"    if {param.name} is not None:")
            lines += send_value(param, "header", target, patterns, 2 * INDENT)
    if operation.body:
        lines.append("    if content_type is not None:")
        lines.append(
            parenthesized(
                2 * INDENT,
                '_headers["Content-Type"] = ',
                'content_type if type(content_type) is str else _SERIALIZER.header("content_type", content_type, "str")',
            )
        )
    lines.append(
        '    _headers["Accept"] = accept if type(accept) is str else _SERIALIZER.header("accept", accept, "str")'
    )
    lines.append("")
    request = [f'method="{operation.http_method}"', "url=url", "params=_params", "headers=_headers", "**kwargs"]
    lines.append(call(INDENT, "return HttpRequest", request))
    return "\n".join(lines) + "\n"


def send_value(param: Parameter, where: str, target: str, patterns: dict[str, str], indent: str) -> list[str]:
    """Put a parameter's value in `target`: the generated code checks the spec's constraints and converts a
    value of the spec's type; msrest converts any other value, and raises its ValidationError for one that
    breaks a constraint."""
    arguments = [literal(param.name), param.name, literal(param.type.serialization)]
    arguments += [f"{key}={literal(value)}" for key, value in param.validation.items()]
    with_msrest = call(indent + INDENT, f"{target} = _SERIALIZER.{where}", arguments)
    if not param.inline_rules:
        return [call(indent, f"{target} = _SERIALIZER.{where}", arguments)]
    name = param.name
    checks = [f"type({name}) is {param.type.kind}"]
    for rule, limit in param.validation.items():
        checks.append(
            {
                "pattern": f"{patterns.get(limit, '')}.match({name})",
                "min_length": f"len({name}) >= {limit!r}",
                "max_length": f"len({name}) <= {limit!r}",
                "minimum": f"{name} >= {limit!r}",
                "maximum": f"{name} <= {limit!r}",
            }[rule]
        )
    if param.type.kind == "int":
        converted = f"str({name})"
    elif where == "header":
        converted = name
    else:
        converted = f'urllib.parse.quote({name}, safe="")'
    return [
        condition(indent, "if ", checks, ":"),
        f"{indent}{INDENT}{target} = {converted}",
        f"{indent}else:",
        with_msrest,
    ]


# -- the operation group class ---------------------------------------------------------------------


def group_class(code_model: CodeModel, group: OperationGroup, words: _Async) -> str:
    aio = "aio." if words.is_async else ""
    client_ref = f"{code_model.package}.{aio}{code_model.client.name}"
    if group.is_mixin:
        lines = [
            "",
            "",
            f"class {group.class_name}:",
            f'    """Operations of the client itself: :class:`~{client_ref}` inherits them."""',
            "",
            "    _client: Any",
            "    _config: Any",
            "    _serialize: Serializer",
            "    _deserialize: Deserializer",
        ]
    else:
        lines = [
            "",
            "",
            f"class {group.class_name}:",
            f'    """{group.attribute_name.capitalize()} operations.',
            "",
            f"    Do not instantiate this class directly: use the `{group.attribute_name}` attribute of",
            f"    :class:`~{client_ref}`.",
            '    """',
            "",
            "    models = _models",
            "",
            "    def __init__(self, client: Any, config: Any, serializer: Serializer, deserializer: Deserializer) -> None:",
            "        self._client = client",
            "        self._config = config",
            "        self._serialize = serializer",
            "        self._deserialize = deserializer",
        ]
    for operation in group.operations:
        if operation.long_running:
            lines += long_running(code_model, operation, words)
        elif operation.is_paging:
            lines += paging(code_model, operation, words)
        else:
            lines += plain(code_model, operation, words)
    return "\n".join(lines) + "\n"


def _doc_type(annotation: str, package: str) -> str:
    return annotation.replace("_models.", f"~{package}.models.")


def signature(operation: Operation, name: str, returns: str, decorator: str, prefix: str) -> list[str]:
    """The method's `def` with its parameters; `prefix` is "async " for a coroutine."""
    lines = ["", f"    @{decorator}", f"    {prefix}def {name}(", "        self,"]
    for param in operation.positional:
        default = "" if param.required else " = None"
        lines.append(f"        {param.name}: {param.signature_annotation}{default},")
    if operation.keyword_only:
        lines.append("        *,")
        lines += [f"        {param.name}: {param.type.annotation} | None = None," for param in operation.keyword_only]
    lines += ["        **kwargs: Any,", f"    ) -> {returns}:"]
    return lines


def param_docs(operation: Operation, package: str) -> list[str]:
    lines = []
    for param in operation.positional:
        required = " Required." if param.required else ""
        lines.append(f"        :param {param.name}: {docstring(param.description, 12)}{required}".rstrip())
        lines.append(f"        :type {param.name}: {_doc_type(param.signature_annotation, package)}")
    for param in operation.keyword_only:
        lines.append(f"        :keyword {param.name}: {docstring(param.description, 12)}".rstrip())
        lines.append(f"        :paramtype {param.name}: {_doc_type(param.type.annotation, package)}")
    return lines


def error_map(operation: Operation) -> list[str]:
    lines = ["        error_map: dict[int, type[HttpResponseError]] = {"]
    lines += [f"            {status}: {exception}," for status, exception in operation.error_map.items()]
    lines += ["        }", '        error_map.update(kwargs.pop("error_map", {}) or {})']
    return lines


def prepare(operation: Operation) -> list[str]:
    lines = [
        '        _headers = case_insensitive_dict(kwargs.pop("headers", {}) or {})',
        '        _params = case_insensitive_dict(kwargs.pop("params", {}) or {})',
        '        api_version: str = kwargs.pop("api_version", _params.pop("api-version", self._config.api_version))',
    ]
    for group in operation.groups:
        lines += [_group_member(group, member) for member in group.members]
    body = operation.body
    if body:
        lines += [
            '        content_type: str = kwargs.pop("content_type", _headers.pop("Content-Type", "application/json"))',
            "        body_json: Any = None",
            "        body_content: Any = None",
            f"        if isinstance({body.name}, (IOBase, bytes)):",
            f"            body_content = {body.name}",
            "        else:",
        ]
        if body.type.kind == "model":
            arguments = [body.name, f"_models.{_model_name(body.type)}", "self._serialize"]
            lines.append(call(3 * INDENT, "body_json = write_body", arguments))
        else:
            lines.append(
                call(3 * INDENT, "body_json = self._serialize.body", [body.name, literal(body.type.serialization)])
            )
    return lines


def _group_member(group: ParameterGroup, member: Parameter) -> str:
    return conditional(
        2 * INDENT, f"{member.name} = ", f"{group.name}.{member.name}", f"{group.name} is not None", "None"
    )


def build_request(operation: Operation, indent: str) -> str:
    arguments = [
        f"{param.name}={'self._config.' + param.name if param.client_level else param.name}"
        for param in operation.parameters
        if param.location != "body" and not param.constant
    ]
    arguments.append("api_version=api_version")
    if operation.body:
        arguments += ["content_type=content_type", "json=body_json", "content=body_content"]
    arguments += ["headers=_headers", "params=_params"]
    return split(indent, f"request = {operation.request_builder_name}(", arguments, ")", magic_comma=True)


def check_response(code_model: CodeModel, operation: Operation, indent: str) -> list[str]:
    lines = [
        f"{indent}response = pipeline_response.http_response",
        f"{indent}if response.status_code not in {operation.success_status_codes}:",
        f"{indent}{INDENT}map_error(status_code=response.status_code, response=response, error_map=error_map)",
    ]
    if operation.error_type:
        arguments = [literal(operation.error_type.serialization), "pipeline_response"]
        lines.append(call(indent + INDENT, "error = self._deserialize.failsafe_deserialize", arguments))
        lines.append(
            f"{indent}{INDENT}raise HttpResponseError(response=response, model=error, error_format=ARMErrorFormat)"
        )
    else:
        lines.append(f"{indent}{INDENT}raise HttpResponseError(response=response, error_format=ARMErrorFormat)")
    return lines


def send(code_model: CodeModel, operation: Operation, words: _Async) -> list[str]:
    run = f"pipeline_response: PipelineResponse = {words.AWAIT}self._client._pipeline.run"
    return [
        *error_map(operation),
        *prepare(operation),
        "",
        build_request(operation, 2 * INDENT),
        "",
        "        request.url = self._client.format_url(request.url)",
        "",
        call(2 * INDENT, run, ["request", "stream=False", "**kwargs"]),
        *check_response(code_model, operation, 2 * INDENT),
    ]


def deserialize(t: PythonType) -> str:
    if t.kind == "model":
        return f"read_response(_models.{_model_name(t)}, pipeline_response)"
    return f"self._deserialize({literal(t.serialization)}, pipeline_response)"


def _model_name(t: PythonType) -> str:
    assert t.model is not None
    return t.model.name


def plain(code_model: CodeModel, operation: Operation, words: _Async) -> list[str]:
    result = operation.result_type
    annotation = result.annotation if result else "None"
    package = code_model.package
    lines = signature(operation, operation.name, annotation, words.trace, words.ASYNC)
    lines.append(f'        """{docstring(operation.description, 8)}')
    lines += ["", *param_docs(operation, package)]
    if result:
        lines.append(f"        :return: {_doc_type(result.annotation, package)} or the result of cls(response)")
        lines.append(f"        :rtype: {_doc_type(result.annotation, package)}")
    else:
        lines += ["        :return: None or the result of cls(response)", "        :rtype: None"]
    lines += ["        :raises ~azure.core.exceptions.HttpResponseError:", '        """']
    lines.append('        cls: ClsType = kwargs.pop("cls", None)')
    lines += send(code_model, operation, words)
    lines.append("")
    lines.append(f"        deserialized = {deserialize(result)}" if result else "        deserialized = None")
    lines += [
        "        if cls:",
        "            return cls(pipeline_response, deserialized, {})",
        "        return deserialized",
    ]
    return lines


def long_running(code_model: CodeModel, operation: Operation, words: _Async) -> list[str]:
    result = operation.final_result_type
    annotation = result.annotation if result else "None"
    package = code_model.package
    parameters = ["self", *(f"{param.name}: {param.signature_annotation}" for param in operation.positional)]
    lines = [
        "",
        split(
            INDENT,
            f"{words.ASYNC}def {operation.initial_name}(",
            [*parameters, "**kwargs: Any"],
            ") -> PipelineResponse:",
        ),
    ]
    lines += send(code_model, operation, words)
    lines += ["", "        return pipeline_response"]
    lines += signature(operation, operation.name, f"{words.poller}[{annotation}]", words.trace, words.ASYNC)
    returned = f"either {_doc_type(result.annotation, package)}" if result else "None"
    rtype = _doc_type(result.annotation, package) if result else "None"
    lines.append(f'        """{docstring(operation.description, 8)}')
    lines += ["", *param_docs(operation, package)]
    lines += [
        "        :keyword str continuation_token: A continuation token to restart a poller from a saved state.",
        f"        :keyword polling: By default, the polling method is {words.arm_polling}. Pass False for no polling,",
        "         or your own initialized polling object for a personal polling strategy.",
        f"        :paramtype polling: bool or ~azure.core.polling.{words.polling_method}",
        "        :keyword int polling_interval: Seconds between two polls when the service sends no Retry-After header.",
        f"        :return: An instance of {words.poller} that returns {returned}.",
        f"        :rtype: ~azure.core.polling.{words.poller}[{rtype}]",
        "        :raises ~azure.core.exceptions.HttpResponseError:",
        '        """',
        '        cls: ClsType = kwargs.pop("cls", None)',
        f'        polling: bool | {words.polling_method} = kwargs.pop("polling", True)',
        '        polling_interval: float = kwargs.pop("polling_interval", self._config.polling_interval)',
        '        continuation_token: str | None = kwargs.pop("continuation_token", None)',
        "        if continuation_token is None:",
    ]
    arguments = [f"{param.name}={param.name}" for param in operation.positional]
    lines.append(
        split(
            3 * INDENT,
            f"initial_response = {words.AWAIT}self.{operation.initial_name}(",
            [*arguments, "**kwargs"],
            ")",
            magic_comma=True,
        )
    )
    lines += [
        '        kwargs.pop("error_map", None)',
        '        kwargs.pop("headers", None)',
        '        kwargs.pop("params", None)',
        '        kwargs.pop("content_type", None)',
        "",
        "        def get_long_running_output(pipeline_response: PipelineResponse) -> Any:",
        f"            deserialized = {deserialize(result)}" if result else "            deserialized = None",
        "            if cls:",
        "                return cls(pipeline_response, deserialized, {})",
        "            return deserialized",
        "",
        f"        polling_method: {words.polling_method}",
        "        if polling is True:",
    ]
    options = ["polling_interval"]
    if operation.final_state_via:
        options.append(f'lro_options={{"final-state-via": {literal(operation.final_state_via)}}}')
    lines.append(call(3 * INDENT, f"polling_method = {words.arm_polling}", [*options, "**kwargs"]))
    lines += [
        "        elif polling is False:",
        f"            polling_method = {words.no_polling}()",
        "        else:",
        "            polling_method = polling",
        "        if continuation_token is not None:",
        f"            return {words.poller}[{annotation}].from_continuation_token(",
        "                polling_method=polling_method,",
        "                continuation_token=continuation_token,",
        "                client=self._client,",
        "                deserialization_callback=get_long_running_output,",
        "            )",
        call(
            2 * INDENT,
            f"return {words.poller}[{annotation}]",
            ["self._client", "initial_response", "get_long_running_output", "polling_method"],
        ),
    ]
    return lines


def paging(code_model: CodeModel, operation: Operation, words: _Async) -> list[str]:
    item = operation.paging_item_type
    assert item is not None and operation.result_type is not None
    package = code_model.package
    module = "async_paging" if words.is_async else "paging"
    # a paging method returns its pager at once, in the async client too
    lines = signature(operation, operation.name, f"{words.paged}[{item.annotation}]", "distributed_trace", "")
    lines.append(f'        """{docstring(operation.description, 8)}')
    lines += ["", *param_docs(operation, package)]
    lines += [
        f"        :return: An iterator like instance of either {_doc_type(item.annotation, package)} or the result of cls(response)",
        f"        :rtype: ~azure.core.{module}.{words.paged}[{_doc_type(item.annotation, package)}]",
        "        :raises ~azure.core.exceptions.HttpResponseError:",
        '        """',
        '        cls: Callable[[list[Any]], Any] | None = kwargs.pop("cls", None)',
        *error_map(operation),
        *prepare(operation),
        "",
        "        def prepare_request(next_link: str | None = None) -> HttpRequest:",
        "            if not next_link:",
        build_request(operation, 4 * INDENT),
        "            else:",
        "                request = _next_page_request(next_link, api_version)",
        "            request.url = self._client.format_url(request.url)",
        "            return request",
        "",
        f"        {words.ASYNC}def extract_data(pipeline_response: PipelineResponse) -> Any:",
        f"            deserialized = {deserialize(operation.result_type)}",
        f"            items = page_items(deserialized.{operation.paging_item_name}, pipeline_response)",
        "            if cls:",
        "                items = cls(items)",
    ]
    next_link = (
        f"next_page(deserialized.{operation.paging_next_link_name}, pipeline_response)"
        if operation.paging_next_link_name
        else "None"
    )
    lines.append(f"            return {next_link}, {'AsyncList(items)' if words.is_async else 'iter(items)'}")
    run = f"pipeline_response: PipelineResponse = {words.AWAIT}self._client._pipeline.run"
    lines += [
        "",
        f"        {words.ASYNC}def get_next(next_link: str | None = None) -> PipelineResponse:",
        "            request = prepare_request(next_link)",
        call(3 * INDENT, run, ["request", "stream=False", "**kwargs"]),
        *check_response(code_model, operation, 3 * INDENT),
        "            return pipeline_response",
        "",
        f"        return {words.paged}(get_next, extract_data)",
    ]
    return lines
