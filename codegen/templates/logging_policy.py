"""An API version's network trace policy (`_logging_policy.py`): azure-core's, with secrets masked.

All of it is fixed text but the secret fields of the version's JSON bodies, which the code model names.
"""

from __future__ import annotations

from .text import literal


def logging_policy_module(header: str, secret_fields: list[tuple[str, str]]) -> str:
    entries = "".join(f"        ({literal(parent)}, {literal(key)}),\n" for parent, key in secret_fields)
    fields = f"frozenset(\n    {{\n{entries}    }}\n)" if secret_fields else "frozenset()"
    return (
        f"{header}\n{_HEAD}# (parent key, key) pairs of the JSON bodies whose values are secrets\n"
        f"SECRET_FIELDS: frozenset[tuple[str, str]] = {fields}{_TAIL}"
    )


_HEAD = r'''"""Network trace logging (`logging_enable=True`) that never writes a credential or a secret.

azure-core's NetworkTraceLoggingPolicy writes every header and the whole body. This one
writes the same trace, to the same logger, with the Authorization header and every
secret field of the API's bodies masked.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import NetworkTraceLoggingPolicy

_LOGGER = logging.getLogger("azure.core.pipeline.policies.http_logging_policy")
MASK = "***"
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-ms-authorization-auxiliary"}
)
'''
_TAIL = r'''


def redact(value: Any, parent: str | None = None) -> Any:
    """A copy of a parsed JSON body with the secret fields masked."""
    if isinstance(value, dict):
        return {
            key: MASK if (parent, key) in SECRET_FIELDS and item is not None else redact(item, key)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact(item, parent) for item in value]
    return value


def redact_body(body: Any) -> str:
    if not body:
        return "(no body)"
    try:
        parsed = json.loads(body)
    except (TypeError, ValueError):
        return "(body not shown: not JSON)"
    return json.dumps(redact(parsed))


def redact_headers(headers: Any) -> str:
    return "".join(
        f"\n    {name!r}: {MASK!r}" if name.lower() in SECRET_HEADERS else f"\n    {name!r}: {value!r}"
        for name, value in headers.items()
    )


class RedactingNetworkTraceLoggingPolicy(NetworkTraceLoggingPolicy):
    """The network trace of azure-core, with credentials and secret fields masked."""

    def on_request(self, request: PipelineRequest[Any]) -> None:
        logging_enable = request.context.options.pop("logging_enable", self.enable_http_logger)
        request.context["logging_enable"] = logging_enable
        if not logging_enable or not _LOGGER.isEnabledFor(logging.DEBUG):
            return
        http_request = request.http_request
        body = http_request.body if isinstance(http_request.body, (str, bytes)) else None
        _LOGGER.debug(
            "Request URL: %r\nRequest method: %r\nRequest headers:%s\nRequest body:\n%s",
            http_request.url,
            http_request.method,
            redact_headers(http_request.headers),
            redact_body(body),
        )

    def on_response(self, request: PipelineRequest[Any], response: PipelineResponse[Any, Any]) -> None:
        if not response.context.get("logging_enable", self.enable_http_logger):
            return
        if not _LOGGER.isEnabledFor(logging.DEBUG):
            return
        http_response = response.http_response
        if response.context.options.get("stream", False):
            content = "(body is streamed)"
        else:
            try:
                content = redact_body(http_response.body())
            except Exception:  # a body that cannot be read (not loaded yet, or closed) is not logged
                content = "(body not available)"
        _LOGGER.debug(
            "Response status: %r\nResponse headers:%s\nResponse content:\n%s",
            http_response.status_code,
            redact_headers(http_response.headers),
            content,
        )
'''
