"""What every API version's client shares at run time: the pipeline policies that keep a call safe.

- ``EndpointPolicy``: requests go to the client's endpoint only (its scheme, host and port), so the
  credential never follows a ``nextLink``, a ``Location`` or ``Azure-AsyncOperation`` header or a
  redirect to another place; ``trusted_hosts=`` names further endpoints. Plain ``http://`` is refused,
  except for a loopback endpoint with ``allow_http=True``. A path with an empty or dot segment (a name of
  ``..`` would turn ``/clusters/..`` into ``/``) is refused too (``check_path_segment`` names the parameter).
- ``ARMRetryPolicy`` / ``AsyncARMRetryPolicy``: azure-core's retries, kept to what cannot repeat an
  action: POST and PATCH only after a 429 (ARM throttles before it processes a request), and no wait
  longer than ``retry_backoff_max`` however long a ``Retry-After`` asks for.
- ``RequestSerializer``: a request body msrest cannot send names the attribute at fault.
- ``ResponseFormatPolicy`` and ``ResponseDeserializer``: an answer that is not the JSON the client
  asked for (an HTML page from a proxy, another Content-Type, an empty body where a model is expected,
  JSON of another shape) is a ``DecodeError`` naming the request, the status and what came instead.
- ``ReadTimeoutPolicy``: a body that stalls past ``read_timeout`` is a ``ServiceResponseTimeoutError``
  (the request was sent), not the ``ServiceRequestError`` requests makes of it.
- ``SecretScrubbingPolicy`` and ``RedactingNetworkTraceLoggingPolicy``: the values of the secret
  fields a client sent, and its bearer token, never reach an error's message or a network trace.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import threading
import urllib.parse
import uuid
from collections.abc import Collection, Iterable
from typing import Any, TypeVar

from azure.core.exceptions import (
    AzureError,
    DecodeError,
    DeserializationError,
    HttpResponseError,
    SerializationError,
    ServiceRequestError,
    ServiceResponseTimeoutError,
)
from azure.core.pipeline import PipelineRequest, PipelineResponse, policies
from azure.core.pipeline.policies import (
    AsyncRetryPolicy,
    HTTPPolicy,
    NetworkTraceLoggingPolicy,
    RetryPolicy,
    SansIOHTTPPolicy,
)
from azure.core.pipeline.policies._retry import RetryPolicyBase
from azure.core.polling import LROPoller
from azure.core.polling.base_polling import BadResponse, BadStatus, OperationFailed, OperationResourcePolling
from azure.core.tracing.common import with_current_context
from azure.mgmt.core.polling.arm_polling import ARMPolling
from azure.mgmt.core.polling.async_arm_polling import AsyncARMPolling
from msrest import Deserializer, Serializer
from msrest.exceptions import ClientException, ValidationError
from msrest.serialization import Model
from urllib3.exceptions import ReadTimeoutError

PollingReturnType = TypeVar("PollingReturnType")

# -- the endpoint ---------------------------------------------------------------------------------------

_DEFAULT_PORTS = {"https": 443, "http": 80}
Origin = tuple[str, str, int]  # (scheme, host, port)


def origin_of(url: str) -> Origin:
    """The scheme, lower-case host and port (the scheme's default when none is written) of a URL."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: no origin anything is trusted with
        port = -1
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme, 0)


def show_origin(origin: Origin) -> str:
    scheme, host, port = origin
    return f"{scheme}://{f'[{host}]' if ':' in host else host}:{port}"


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class UntrustedEndpointError(ServiceRequestError):
    """A request to a URL outside the client's endpoint, refused before anything was sent.

    :ivar url: the URL the request would have gone to.
    """

    def __init__(self, url: str, origin: Origin, endpoint: Origin) -> None:
        self.url = url
        super().__init__(
            f"refused to send a request to {url}: {show_origin(origin)} is not the client's endpoint "
            f"{show_origin(endpoint)}, and the request would carry the client's credential. The URL came from "
            "the service (a nextLink, a Location or Azure-AsyncOperation header, or a redirect) or from "
            f"send_request; if you trust it, pass trusted_hosts=[{show_origin(origin)!r}] to the client."
        )


class PathSegmentError(ValidationError, ValueError):
    """A value that would not stay one segment of a request's path: empty, ``.`` or ``..``.

    Clients and servers resolve dot segments (``/clusters/..`` is ``/``), so such a value would make the
    request address another resource than the one named. Raised before anything is sent; an msrest
    ValidationError (as for a name that breaks the spec's pattern) and a ValueError.
    """

    def __init__(self, message: str, target: str) -> None:
        self.rule = "path_segment"
        self.target = target
        ClientException.__init__(self, message)


def check_path_segment(name: str, value: Any) -> None:
    """Refuse a value that becomes a whole segment of a request's path if it is empty, ``.`` or ``..``."""
    if isinstance(value, str) and value in ("", ".", ".."):
        raise PathSegmentError(
            f"Parameter {name!r} is {value!r}: as a segment of the request's path it would address another "
            "resource than the one named, so the request is not sent",
            name,
        )


def _unsafe_segment(url: str) -> str | None:
    """The first segment of a URL's path that is empty (inside the path) or dots, after percent-decoding."""
    segments = urllib.parse.urlsplit(url).path.split("/")[1:]
    for index, segment in enumerate(segments):
        decoded = urllib.parse.unquote(segment)
        if decoded in (".", "..") or (decoded == "" and index < len(segments) - 1):
            return segment
    return None


class EndpointPolicy(SansIOHTTPPolicy[Any, Any]):
    """Lets a request through only to the client's endpoint or a host the user named as trusted.

    :param str base_url: the client's endpoint; ``https://``, or ``http://`` on a loopback host with
     ``allow_http=True``.
    :keyword trusted_hosts: further endpoints requests (and so the credential) may go to: URLs
     (``"https://host:port"``) or host names (``"host"`` or ``"host:port"``, HTTPS).
    :paramtype trusted_hosts: list[str]
    :keyword bool allow_http: accept ``http://`` for a loopback endpoint (an emulator on this machine).
    :raises ValueError: for an endpoint that is not HTTPS, unless loopback and allowed.
    """

    def __init__(
        self, base_url: str, *, trusted_hosts: Iterable[str] = (), allow_http: bool = False, **kwargs: Any
    ) -> None:
        super().__init__()
        self.allow_http = allow_http
        self.endpoint = self._trusted(base_url, "base_url")
        if isinstance(trusted_hosts, str):
            trusted_hosts = [trusted_hosts]
        self.trusted = {self.endpoint} | {
            self._trusted(entry if "://" in entry else f"https://{entry}", "trusted_hosts") for entry in trusted_hosts
        }
        self._accepted: dict[str, str] = {}  # URL -> its scheme, for the URLs checked and let through

    def _trusted(self, url: str, keyword: str) -> Origin:
        origin = origin_of(url)
        scheme, host, port = origin
        if scheme not in _DEFAULT_PORTS or not host or port < 0:
            raise ValueError(f"{keyword}: {url!r} is not an https:// URL with a host")
        if scheme == "http":
            unencrypted = f"{keyword}: {url!r} is plain http://, which would send the bearer token unencrypted"
            if not is_loopback(host):
                raise ValueError(
                    f"{unencrypted}; use https:// (http:// is accepted for a loopback endpoint only, "
                    "such as localhost or 127.0.0.1, with allow_http=True)"
                )
            if not self.allow_http:
                raise ValueError(f"{unencrypted}; for a loopback endpoint, pass allow_http=True to accept it")
        return origin

    _ACCEPTED = 256  # the URLs let through last, not checked again (a client gets the same resources often)

    def on_request(self, request: PipelineRequest[Any]) -> None:
        url = request.http_request.url
        accepted = self._accepted.get(url)
        if accepted is None:
            accepted = self._check(request, url)
        if accepted == "http":  # a loopback endpoint the user allowed: azure-core's bearer policy would refuse it
            request.context["enforce_https"] = False

    def _check(self, request: PipelineRequest[Any], url: str) -> str:
        origin = origin_of(url)
        if origin not in self.trusted:
            raise UntrustedEndpointError(url, origin, self.endpoint)
        segment = _unsafe_segment(url)
        if segment is not None:  # an empty or dot name that escaped its parameter's check, or a service's URL
            raise PathSegmentError(
                f"refused to send {request.http_request.method} {url}: its path has a {segment!r} segment, which "
                "clients and servers resolve, so the request would address another resource than the one named",
                "url",
            )
        if len(self._accepted) >= self._ACCEPTED:
            self._accepted.clear()
        self._accepted[url] = origin[0]
        return origin[0]


# -- retries --------------------------------------------------------------------------------------------


class _ARMRetryRules(RetryPolicyBase):
    """What azure-core's retry policy does, less what could repeat an action.

    - GET, HEAD, PUT, DELETE, OPTIONS (idempotent in ARM): azure-core's rules, retried on 408, 429, 500,
      502, 503, 504, any error status with a Retry-After, and connection and read errors.
    - POST and PATCH (an action, an update): retried after a 429 only, which ARM answers before it
      processes a request; never after a 5xx, a timeout or a dropped connection, when the service may
      have acted. (azure-core would retry them after a 500, 503 or 504.) ``retry_on_methods`` adds
      methods the caller knows to be safe.
    - A Retry-After (or retry-after-ms) longer than ``retry_backoff_max`` (120 s by default) is not
      waited out: the error is raised at once, with the response and its headers, for the caller to decide.
    """

    def __init__(self, **kwargs: Any) -> None:
        methods = kwargs.pop("retry_on_methods", None)
        super().__init__(**kwargs)
        if methods is not None:
            self._method_whitelist = frozenset(method.upper() for method in methods)

    def is_retry(self, settings: dict[str, Any], response: PipelineResponse[Any, Any]) -> bool:
        status = response.http_response.status_code
        if status < 400:
            return False
        retry_after = self.get_retry_after(response)
        if retry_after is not None and retry_after > settings["max_backoff"]:
            return False
        if response.http_request.method.upper() not in settings["methods"]:
            return status == 429 and bool(settings["total"])
        return super().is_retry(settings, response)


class ARMRetryPolicy(_ARMRetryRules, RetryPolicy):
    """azure-core's RetryPolicy with ARM's rules (see ``_ARMRetryRules``)."""


class AsyncARMRetryPolicy(_ARMRetryRules, AsyncRetryPolicy):
    """azure-core's AsyncRetryPolicy with ARM's rules (see ``_ARMRetryRules``)."""


class ReadTimeoutPolicy(HTTPPolicy[Any, Any]):
    """A read timeout is a ServiceResponseTimeoutError, wherever it happens.

    requests reports a body that stalls past ``read_timeout`` as a connection error, which azure-core's
    transport turns into a ServiceRequestError ("no request was sent"): the request was sent, and a
    caller deciding whether to repeat it must know. Sits next to the transport.
    """

    def send(self, request: PipelineRequest[Any]) -> PipelineResponse[Any, Any]:
        try:
            return self.next.send(request)
        except ServiceRequestError as error:
            if not _caused_by(error, ReadTimeoutError):
                raise
            raise ServiceResponseTimeoutError(
                f"{request.http_request.method} {request.http_request.url}: read timed out ({error})",
                error=error.inner_exception,
            ) from error


def _caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, kind):
            return True
        linked = [getattr(current, "inner_exception", None), current.__cause__, current.__context__, *current.args]
        pending.extend(item for item in linked if isinstance(item, BaseException))
    return False


# -- the async transport ---------------------------------------------------------------------------------

_aio_transport_class: Any = None


def aio_transport(**kwargs: Any) -> Any:
    """azure-core's AioHttpTransport (the async clients' default), which keeps its connections alive with a CA file.

    azure-core's builds a new ``ssl.SSLContext`` for every request when ``connection_verify`` is the path of a CA
    file (or ``connection_cert`` is set), and aiohttp keys its idle connections by that context: each request
    opened a TLS connection of its own and left the previous one idle. This one builds a context once per CA
    file and certificate (per transport; a per-call ``connection_verify=`` gets one of its own) and reuses it.
    The CA file is read when its context is built, as azure-core's reads it when a request is sent.
    """
    global _aio_transport_class
    if _aio_transport_class is None:
        from azure.core.pipeline.transport import AioHttpTransport

        class _AioHttpTransport(AioHttpTransport):
            _CONTEXTS = 8  # distinct (verify, cert) settings kept; more (per call) are built as azure-core's are

            def _build_ssl_config(self, cert: Any, verify: Any) -> Any:
                if not cert and verify in (True, False):
                    return verify
                contexts: dict[Any, Any] = self.__dict__.setdefault("_ssl_contexts", {})
                key = (verify, tuple(cert) if isinstance(cert, list) else cert)
                try:
                    context = contexts.get(key)
                except TypeError:  # settings that are no key (not hashable): built for the request, as azure-core's
                    return super()._build_ssl_config(cert, verify)
                if context is None:
                    context = super()._build_ssl_config(cert, verify)
                    if len(contexts) < self._CONTEXTS:
                        contexts[key] = context
                return context

        _aio_transport_class = _AioHttpTransport
    return _aio_transport_class(**kwargs)


# -- answers the client cannot read ---------------------------------------------------------------------

_JSON_TYPE = re.compile(r"^(application|text)/([\w.-]+\+)?json$")


def _request_line(response: PipelineResponse[Any, Any]) -> str:
    request = response.http_request
    return f"{request.method} {request.url} answered {response.http_response.status_code}"


def _content_type(response: PipelineResponse[Any, Any]) -> str:
    """The response's Content-Type, as a DecodeError's message names it."""
    content_type = response.http_response.headers.get("Content-Type")
    return f"(Content-Type {content_type!r})" if content_type else "(no Content-Type)"


def _body(http_response: Any) -> bytes | None:
    """The loaded body of a response, or None when it is streamed or cannot be read."""
    content = getattr(http_response, "_content", None)  # azure.core.rest's responses: the body read
    if type(content) is bytes:
        return content  # what body() returns, without its compatibility layer (four times a call)
    try:
        body = http_response.body()
    except Exception:  # not loaded (a stream) or closed: nothing to check
        return None
    return body if isinstance(body, bytes) else None


class ResponseFormatPolicy(SansIOHTTPPolicy[Any, Any]):
    """A successful answer to a request that accepts JSON only must be JSON.

    An HTML page from a proxy or a gateway, or a body under another Content-Type, would otherwise reach
    the deserializer as text and fail deep inside it, or not at all. Error statuses are left to the
    operation, whose HttpResponseError carries the status and the body.
    """

    def on_response(self, request: PipelineRequest[Any], response: PipelineResponse[Any, Any]) -> None:
        http_response = response.http_response
        if not 200 <= http_response.status_code < 300:
            return
        if request.http_request.headers.get("Accept", "").strip().lower() != "application/json":
            return
        body = _body(http_response)
        content_type = _mime_type(http_response)
        if not body or _JSON_TYPE.match(content_type):
            return
        raise DecodeError(
            f"{_request_line(response)} with Content-Type {content_type or '(none)'!r}, not the JSON the client "
            "asked for (Accept: application/json); a proxy or gateway may have answered instead of the service",
            response=http_response,
        )


class ResponseDeserializer(Deserializer):
    """msrest's Deserializer, which says what was wrong with a response it cannot turn into a model.

    An empty body, or JSON's null, where the operation returns a model (any status but 202 and 204) is a
    DecodeError (msrest would return None); so is a body of another shape (msrest's DeserializationError, a
    ValueError, is its ``inner_exception``), and one that cannot be read at all (text that is not UTF-8,
    nesting deeper than the JSON parser goes). Each names the request, the status and the model.
    """

    def __call__(self, target_obj: Any, response_data: Any, content_type: str | None = None) -> Any:
        if not isinstance(response_data, PipelineResponse):
            return super().__call__(target_obj, response_data, content_type)
        is_model = isinstance(target_obj, str) and target_obj in self.dependencies
        if is_model:
            check_model_body(target_obj, response_data)
        try:
            result = super().__call__(target_obj, response_data, content_type)
        except Exception as error:  # msrest's own, or one it lets through (RecursionError, UnicodeDecodeError...)
            raise not_a_model(target_obj, response_data, as_deserialization_error(error)) from error
        if result is None and is_model:
            check_model_result(target_obj, response_data)
        return result


def check_model_body(model: str, response: PipelineResponse[Any, Any]) -> None:
    """A DecodeError for an empty body where the operation returns a model (any status but 202 and 204).

    202 (accepted: a long-running operation's result comes later) and 204 carry no body by design.
    Used by ResponseDeserializer, and by the generated models' `read_response` (`_wire`).
    """
    if response.http_response.status_code not in (202, 204) and _body(response.http_response) == b"":
        raise DecodeError(
            f"{_request_line(response)} with an empty body, where a {model} was expected {_content_type(response)}",
            response=response.http_response,
        )


def check_model_result(model: str, response: PipelineResponse[Any, Any]) -> None:
    """A DecodeError for a body that reads as no model (JSON's null) where the operation returns one."""
    if response.http_response.status_code not in (202, 204):
        raise DecodeError(
            f"{_request_line(response)} with a body of null, where a {model} was expected {_content_type(response)}",
            response=response.http_response,
            # JSON of another shape than the model, as a list or a string is (an empty body has no inner error)
            error=DeserializationError(f"Unable to deserialize to object: {model}, null"),
        )


def not_a_model(model: Any, response: PipelineResponse[Any, Any], error: DeserializationError) -> DecodeError:
    """The DecodeError for a body msrest (or the generated code) could not read as `model`.

    msrest's DeserializationError is a ValueError; a DecodeError is an HttpResponseError, which carries
    the response too, with msrest's error as its ``inner_exception``.
    """
    return DecodeError(
        f"{_request_line(response)} with a body that is not a {model} {_content_type(response)}: {error}",
        response=response.http_response,
        error=error,
    )


def null_item(index: int, response: PipelineResponse[Any, Any]) -> DecodeError:
    """The DecodeError for a page of a listing whose item `index` is null."""
    return DecodeError(
        f"{_request_line(response)} with a page whose item {index} is null {_content_type(response)}",
        response=response.http_response,
    )


def not_a_link(link: Any, response: PipelineResponse[Any, Any]) -> DecodeError:
    """The DecodeError for a page of a listing whose nextLink is no URL."""
    return DecodeError(
        f"{_request_line(response)} with a page whose nextLink is no URL {_content_type(response)}: {link!r}",
        response=response.http_response,
    )


class ContentDecodePolicy(policies.ContentDecodePolicy):
    """azure-core's ContentDecodePolicy, whose every failure to read a body is a DecodeError naming the request.

    azure-core's lets two through bare: the RecursionError of JSON nested deeper than Python's parser goes,
    and (async) the UnicodeDecodeError of a body that is not the text its Content-Type says. A JSON body (or
    one without a Content-Type, which azure-core reads as JSON) is read as strictly as the async client reads
    it, in its charset or else UTF-8, JSON's encoding: requests would read bytes that are not that text with
    replacement characters (and a ``text/json`` body without a charset as ISO-8859-1).
    """

    def on_response(self, request: PipelineRequest[Any], response: PipelineResponse[Any, Any]) -> None:
        if response.context.options.get("stream", True):
            return  # azure-core's reads nothing of a streamed response either
        written = response.http_response.headers.get("Content-Type") or ""
        content_type = written.lower()
        mime_type = content_type.split(";")[0].strip()
        if not mime_type or _JSON_TYPE.match(mime_type):
            if "charset=" not in content_type and "response_encoding" not in request.context:
                request.context["response_encoding"] = "utf-8"
            if self._read_json(request, response, mime_type, written):
                return
            _check_text(response, request.context.get("response_encoding") or _charset(content_type))
        try:
            super().on_response(request, response)
        except (RecursionError, UnicodeDecodeError) as error:
            raise _unreadable_body(response, error) from error
        except DecodeError as error:  # azure-core's "JSON is invalid": said of which answer, as every other
            raise _invalid_json(response, error.inner_exception, error.message) from error

    def _read_json(
        self, request: PipelineRequest[Any], response: PipelineResponse[Any, Any], mime_type: str, written: str
    ) -> bool:
        """What azure-core's policy does with a loaded JSON body in UTF-8 (the usual answer), in one decoding and
        without its parsing of the Content-Type header for the charset; False: left to the general way."""
        found = _CHARSET.search(written)
        encoding = request.context.get("response_encoding") or (found.group(1) if found else None)
        body = _body(response.http_response)
        if body is None or encoding != "utf-8" or (mime_type and not self.JSON_REGEXP.match(mime_type)):
            return False
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise _unreadable_body(response, error) from error
        if not text:
            response.context[self.CONTEXT_NAME] = None
            return True
        try:
            response.context[self.CONTEXT_NAME] = json.loads(text)
        except ValueError as error:  # azure-core's "JSON is invalid", said of which answer, as on the general way
            raise _invalid_json(response, error) from error
        except RecursionError as error:
            raise _unreadable_body(response, error) from error
        return True


def _invalid_json(response: PipelineResponse[Any, Any], error: Any, message: str | None = None) -> DecodeError:
    """The DecodeError for a body that is not JSON, naming the request, the status and the Content-Type."""
    return DecodeError(
        f"{_request_line(response)} with a body that cannot be read {_content_type(response)}: "
        f"{message or f'JSON is invalid: {error}'}",
        response=response.http_response,
        error=error,
    )


def _mime_type(http_response: Any) -> str:
    """The media type of a response's Content-Type, lower-case, without parameters ("" if none)."""
    return (http_response.headers.get("Content-Type") or "").split(";")[0].strip().lower()


_CHARSET = re.compile(r"charset=\"?([^\s;\"]+)", re.IGNORECASE)


def _charset(content_type: str) -> str:
    found = _CHARSET.search(content_type)
    return found.group(1) if found else "utf-8"


def _check_text(response: PipelineResponse[Any, Any], encoding: str) -> None:
    """A DecodeError for a body that is not text in `encoding` (a byte-order mark allowed for UTF-8)."""
    body = _body(response.http_response)
    if not body:
        return
    try:
        body.decode("utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding)
    except (UnicodeDecodeError, LookupError) as error:  # LookupError: a charset Python does not know
        raise _unreadable_body(response, error) from error


def _unreadable_body(response: PipelineResponse[Any, Any], error: Exception) -> DecodeError:
    return DecodeError(
        f"{_request_line(response)} with a body that cannot be read {_content_type(response)}: "
        f"{type(error).__name__}: {error}",
        response=response.http_response,
        error=error,
    )


def as_deserialization_error(error: BaseException) -> DeserializationError:
    """msrest's DeserializationError for any failure to read a body, the original as its cause."""
    if isinstance(error, DeserializationError):
        return error
    found = DeserializationError(f"Unable to read the body: {type(error).__name__}: {error}")
    found.__cause__ = error
    return found


class RequestSerializer(Serializer):
    """msrest's Serializer, which says which attribute of a request body it could not send.

    msrest converts what it can (an int where a str belongs becomes "5") and fails, with a bare ValueError
    or a SerializationError naming no attribute, on what it cannot: a str where an int belongs, a str where
    a model or a list belongs. Here the failure is a SerializationError naming the attribute's path
    (``ClusterCreateParameters.scale_settings.manual.target_node_count``) and the types, never the value.
    """

    def body(self, data: Any, data_type: str, **kwargs: Any) -> Any:
        try:
            return super().body(data, data_type, **kwargs)
        except ValidationError:
            raise  # msrest names the attribute and the rule
        except (SerializationError, ValueError, TypeError, AttributeError) as error:
            found = self._wrong_value(data, data_type, type(data).__name__)
            if found is None:
                raise
            path, value, expected = found
            raise SerializationError(
                f"{path} is a {type(value).__name__}, which cannot be sent as {expected!r}"
            ) from error

    def _wrong_value(self, value: Any, data_type: str, path: str) -> tuple[str, Any, str] | None:
        """The first attribute, depth first, whose value msrest cannot send as its type."""
        if value is None:
            return None
        if data_type.startswith("[") or data_type.startswith("{"):
            inner = data_type[1:-1]
            if data_type.startswith("{"):
                if not isinstance(value, dict):
                    return path, value, data_type
                items: Iterable[tuple[Any, Any]] = value.items()
            else:
                if isinstance(value, (str, bytes, dict)) or not isinstance(value, Iterable):
                    return path, value, data_type
                items = enumerate(value)
            for key, item in items:
                found = self._wrong_value(item, inner, f"{path}[{key!r}]")
                if found is not None:
                    return found
            return None
        model = self.dependencies.get(data_type)
        if isinstance(model, type) and issubclass(model, Model):
            if isinstance(value, dict):
                return None  # msrest reads a dict as the model
            if not isinstance(value, model):
                return path, value, data_type
            for attribute, description in value._attribute_map.items():
                found = self._wrong_value(getattr(value, attribute, None), description["type"], f"{path}.{attribute}")
                if found is not None:
                    return found
            return None
        try:
            if data_type in Serializer.basic_types.values():
                Serializer.serialize_basic(value, data_type)
            self.serialize_data(value, data_type)
        except Exception:
            return path, value, data_type
        return None


# -- secrets ---------------------------------------------------------------------------------------------

MASK = "***"
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-ms-authorization-auxiliary"}
)
SecretFields = Collection[tuple[str | None, str]]  # (parent key, key) pairs whose values are secrets


def redact(value: Any, fields: SecretFields, parent: str | None = None) -> Any:
    """A copy of a parsed JSON body with the secret fields masked."""
    if isinstance(value, dict):
        return {
            key: MASK if (parent, key) in fields and item is not None else redact(item, fields, key)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact(item, fields, parent) for item in value]
    return value


def secret_values(value: Any, fields: SecretFields, parent: str | None = None) -> Iterable[str]:
    """The string values of the secret fields of a parsed JSON body."""
    if isinstance(value, dict):
        for key, item in value.items():
            if (parent, key) in fields and isinstance(item, str):
                yield item
            else:
                yield from secret_values(item, fields, key)
    elif isinstance(value, list):
        for item in value:
            yield from secret_values(item, fields, parent)


def _parse_json(body: Any) -> Any:
    if not body or not isinstance(body, (str, bytes)):
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # not JSON (or not text), or nested deeper than the parser goes
        return None


class SecretScrubbingPolicy(SansIOHTTPPolicy[Any, Any]):
    """Masks, in the error answers a client receives, the secrets the client sent.

    A service may echo what it was sent in an error message ("the account key 'k3y' is invalid"), and
    that message becomes the HttpResponseError's, which ends up in logs and tracebacks. The policy
    remembers the values of the secret fields of the request bodies this client sent, and its bearer
    tokens (the latest ``MEMORY`` of them, in memory only), and replaces each, where it stands as a word of
    its own (not inside a longer run of letters and digits), in the string values of an error answer (a
    status of 400 or more, or an ARM error document such as a failed operation's status) with ``***``
    before anything reads it. Values shorter than ``SHORTEST`` characters, or without a letter or digit,
    are not searched for. Successful answers are never changed. Sits next to the transport, inside the
    loggers.
    """

    MEMORY = 256
    SHORTEST = 4

    def __init__(self, secret_fields: SecretFields) -> None:
        super().__init__()
        self.secret_fields = frozenset(secret_fields)
        self._remembered: dict[str, None] = {}  # insertion-ordered: the oldest go first
        self._lock = threading.Lock()

    def remember(self, value: str) -> None:
        if len(value) < self.SHORTEST or not any(character.isalnum() for character in value):
            return  # searched for, it would mask unrelated text: "D" in "inputDirectories", " " everywhere
        with self._lock:
            if self._remembered and next(reversed(self._remembered)) == value:
                return  # the latest already (the same token, call after call)
            self._remembered.pop(value, None)
            self._remembered[value] = None
            while len(self._remembered) > self.MEMORY:
                del self._remembered[next(iter(self._remembered))]

    def on_request(self, request: PipelineRequest[Any]) -> None:
        http_request = request.http_request
        for value in secret_values(_parse_json(_request_body(http_request)), self.secret_fields):
            self.remember(value)
        authorization = http_request.headers.get("Authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer":
            self.remember(token.strip())

    def on_response(self, request: PipelineRequest[Any], response: PipelineResponse[Any, Any]) -> None:
        http_response = response.http_response
        body = _body(http_response)
        if not body or not self._remembered:
            return
        if http_response.status_code < 400 and not _may_name_error(body):
            return  # a success that is no error document: not parsed a second time (a page of 1,000 jobs)
        parsed = _parse_json(body)
        is_error = http_response.status_code >= 400 or (isinstance(parsed, dict) and "error" in parsed)
        if not is_error:
            return
        with self._lock:
            secrets = sorted(self._remembered, key=len, reverse=True)  # a secret inside a longer one goes second
        if parsed is not None:
            try:
                scrubbed = json.dumps(_scrub_strings(parsed, secrets)).encode("utf-8")
                changed = scrubbed != json.dumps(parsed).encode("utf-8")
            except RecursionError:  # JSON nested deeper than the walk goes: scrubbed as text below
                pass
            else:
                if changed:
                    _replace_body(http_response, scrubbed)
                return
        text = body.decode("utf-8", errors="replace")
        scrubbed_text = _scrub_text(text, secrets)
        if scrubbed_text != text:
            _replace_body(http_response, scrubbed_text.encode("utf-8"))


def _request_body(http_request: Any) -> Any:
    """A request's body: an azure.core.rest request's without its compatibility layer's ``body``."""
    try:
        return vars(http_request)["_data"]
    except (KeyError, TypeError):  # another kind of request
        return http_request.body


def _may_name_error(body: bytes) -> bool:
    """Whether a JSON text can have an "error" key: written plainly, or with a \\u escape in it."""
    return b'"error"' in body or b"\\u" in body


def _scrub_text(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        for form in {secret, json.dumps(secret)[1:-1]}:  # as sent, and as JSON escapes it
            # a word of its own: no letter or digit glued to an end that is a letter or digit
            before = r"(?<![^\W_])" if form[0].isalnum() else ""
            after = r"(?![^\W_])" if form[-1].isalnum() else ""
            text = re.sub(before + re.escape(form) + after, MASK, text)
    return text


def _scrub_strings(value: Any, secrets: list[str]) -> Any:
    """A copy of a parsed JSON document with each secret masked in every string value."""
    if isinstance(value, str):
        return _scrub_text(value, secrets)
    if isinstance(value, dict):
        return {key: _scrub_strings(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub_strings(item, secrets) for item in value]
    return value


def _replace_body(http_response: Any, body: bytes) -> None:
    """Give an azure.core.rest response another body (before anything has read it)."""
    if hasattr(http_response, "_content"):
        http_response._content = body
        for cache in ("_text", "_json"):
            if hasattr(http_response, cache):
                setattr(http_response, cache, None)


_TRACE_LOGGER = logging.getLogger("azure.core.pipeline.policies.http_logging_policy")


def redact_body(body: Any, fields: SecretFields) -> str:
    if not body:
        return "(no body)"
    parsed = _parse_json(body)
    if parsed is None:
        return "(body not shown: not JSON)"
    try:
        return json.dumps(redact(parsed, fields))
    except RecursionError:
        return "(body not shown: JSON nested too deep)"


def redact_headers(headers: Any) -> str:
    return "".join(
        f"\n    {name!r}: {MASK!r}" if name.lower() in SECRET_HEADERS else f"\n    {name!r}: {value!r}"
        for name, value in headers.items()
    )


class RedactingNetworkTraceLoggingPolicy(NetworkTraceLoggingPolicy):
    """azure-core's network trace (``logging_enable=True``), to the same logger, with the credentials and
    the secret fields of the bodies masked; a body that is not JSON is not written."""

    def __init__(self, secret_fields: SecretFields, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.secret_fields = frozenset(secret_fields)

    def on_request(self, request: PipelineRequest[Any]) -> None:
        logging_enable = request.context.options.pop("logging_enable", self.enable_http_logger)
        request.context["logging_enable"] = logging_enable
        if not logging_enable or not _TRACE_LOGGER.isEnabledFor(logging.DEBUG):
            return
        http_request = request.http_request
        body = http_request.body if isinstance(http_request.body, (str, bytes)) else None
        _TRACE_LOGGER.debug(
            "Request URL: %r\nRequest method: %r\nRequest headers:%s\nRequest body:\n%s",
            http_request.url,
            http_request.method,
            redact_headers(http_request.headers),
            redact_body(body, self.secret_fields),
        )

    def on_response(self, request: PipelineRequest[Any], response: PipelineResponse[Any, Any]) -> None:
        if not response.context.get("logging_enable", self.enable_http_logger):
            return
        if not _TRACE_LOGGER.isEnabledFor(logging.DEBUG):
            return
        http_response = response.http_response
        if response.context.options.get("stream", False):
            content = "(body is streamed)"
        else:
            body = _body(http_response)
            content = "(body not available)" if body is None else redact_body(body, self.secret_fields)
        _TRACE_LOGGER.debug(
            "Response status: %r\nResponse headers:%s\nResponse content:\n%s",
            http_response.status_code,
            redact_headers(http_response.headers),
            content,
        )


# -- long-running operations ------------------------------------------------------------------------------

_FAILED_STATES = frozenset({"failed", "canceled", "cancelled"})
_GOOD_STATUSES = frozenset({200, 201, 202, 204})


class OperationTimeoutError(AzureError, TimeoutError):
    """A long-running operation did not finish within the caller's ``timeout``.

    Polling has stopped (no thread is left behind); the operation goes on in the service. ``result()``
    on the same poller resumes polling, and ``continuation_token`` resumes it in another process
    (``begin_...(continuation_token=...)``).

    :ivar status: the operation's last known status.
    """

    def __init__(self, message: str, *, status: str, continuation_token: str | None) -> None:
        super().__init__(message)
        self.status = status
        self.continuation_token = continuation_token


class _PollingStopped(Exception):
    """Raised inside the polling thread to end it when the poller stops polling."""


def _initial_method(polling: Any) -> str:
    return str(polling._initial_response.http_request.method).upper()


def _vanished(polling: Any, response: Any, monitor: bool) -> bool:
    """A DELETE whose resource is gone: a Location poll or the final GET answers 404 (the operation succeeded).

    A 404 from the Azure-AsyncOperation monitor is not the resource's: it stays an error."""
    return (
        response.status_code == 404
        and _initial_method(polling) == "DELETE"
        and not (monitor and isinstance(polling._operation, OperationResourcePolling))
    )


def _check_status(response: Any) -> None:
    if response.status_code not in _GOOD_STATUSES:
        raise BadStatus(f"Invalid return status {response.status_code!r} for {response.request.method!r} operation")


def _check_monitor_answer(polling: Any, pipeline_response: PipelineResponse[Any, Any]) -> None:
    """A status answer the poller cannot read says so: its URL, status and Content-Type."""
    http_response = pipeline_response.http_response
    body = _body(http_response)
    if not 200 <= http_response.status_code < 300 or body is None:
        return
    content_type = _mime_type(http_response)
    if body and not _JSON_TYPE.match(content_type):
        raise DecodeError(
            f"{_request_line(pipeline_response)} with Content-Type {content_type or '(none)'!r}, not the JSON "
            "status of a long-running operation; a proxy or gateway may have answered instead of the service",
            response=http_response,
        )
    if not body and isinstance(polling._operation, OperationResourcePolling):
        raise DecodeError(
            f"{_request_line(pipeline_response)} with an empty body, where the status of a long-running "
            "operation was expected",
            response=http_response,
        )


def _resource_errors(resource: dict[str, Any]) -> str:
    """The ARM errors a resource carries (``properties.errors``, ``properties.error`` or ``error``), as text."""
    properties = resource.get("properties")
    found: list[Any] = []
    for holder in (properties if isinstance(properties, dict) else {}, resource):
        for key in ("errors", "error"):
            value = holder.get(key)
            found += value if isinstance(value, list) else [value] if value else []
    described = []
    for error in found:
        if isinstance(error, dict) and (error.get("code") or error.get("message")):
            described.append(": ".join(str(error[key]) for key in ("code", "message") if error.get(key)))
    return "; ".join(described)


def _check_final_resource(polling: Any) -> None:
    """A PUT or PATCH that ends with the resource in a failed provisioningState has failed."""
    if _initial_method(polling) not in ("PUT", "PATCH"):
        return
    http_response = polling._pipeline_response.http_response
    parsed = _parse_json(_body(http_response))
    if not isinstance(parsed, dict):
        return
    properties = parsed.get("properties")
    state = properties.get("provisioningState") if isinstance(properties, dict) else None
    state = state or parsed.get("provisioningState")
    if isinstance(state, str) and state.lower() in _FAILED_STATES:
        request = polling._initial_response.http_request
        errors = _resource_errors(parsed)
        raise HttpResponseError(
            f"{request.method} {request.url} finished, but the resource's provisioningState is {state!r}"
            + (f"; its errors: {errors}" if errors else ""),
            response=http_response,
        )


# what azure-core's polling lets through bare when an answer is not the JSON object it reads: a list or a
# string where an object belongs (AttributeError, TypeError), JSON nested deeper than the parser goes
_UNREADABLE_ANSWERS = (AttributeError, TypeError, KeyError, RecursionError)


def _unreadable_answer(response: PipelineResponse[Any, Any], error: BaseException) -> DecodeError:
    """The DecodeError for an answer whose JSON is not the object azure-core reads the state from."""
    return DecodeError(
        f"{_request_line(response)} with a body that is not the state of a long-running operation "
        f"{_content_type(response)}: "
        f"{type(error).__name__}: {error}",
        response=response.http_response,
        error=as_deserialization_error(error),
    )


def _as_decode_error(error: HttpResponseError, response: PipelineResponse[Any, Any]) -> HttpResponseError:
    """azure-core's HttpResponseError for an answer it found invalid (BadResponse: no body, no status in the body)
    as the DecodeError (an HttpResponseError too) that any other unreadable answer is: msrest's
    DeserializationError its inner exception when there is a body, none when it is empty, as elsewhere."""
    if not isinstance(error.__cause__, BadResponse) or isinstance(error, DecodeError):
        return error
    inner = as_deserialization_error(error.__cause__) if _body(response.http_response) else None
    return DecodeError(
        f"{_request_line(response)} {_content_type(response)}: {error.message}", response=error.response, error=inner
    )


class CheckedARMPolling(ARMPolling):
    """azure-mgmt-core's ARMPolling (the default of the generated ``begin_`` methods), which reads every answer
    as the other operations do: an answer it cannot read is a DecodeError naming the request.

    azure-core lets an AttributeError or a RecursionError through for a body that is a list, a ``properties``
    that is a string, or JSON nested too deep; raises a plain HttpResponseError for an answer without a body or
    status; and returns None when the final answer of an operation that returns a model is empty.
    """

    def initialize(self, client: Any, initial_response: Any, deserialization_callback: Any) -> None:
        try:
            super().initialize(client, initial_response, deserialization_callback)
        except _UNREADABLE_ANSWERS as error:
            raise _unreadable_answer(initial_response, error) from error
        except HttpResponseError as error:
            raise _as_decode_error(error, initial_response) from error.__cause__

    def run(self) -> None:
        try:
            super().run()
        except _UNREADABLE_ANSWERS as error:
            raise _unreadable_answer(self._pipeline_response, error) from error
        except HttpResponseError as error:
            raise _as_decode_error(error, self._pipeline_response) from error.__cause__

    def _parse_resource(self, pipeline_response: Any) -> Any:
        # the generated callback says whether an empty body is a result (202, 204, or no model) or a DecodeError
        return self._deserialization_callback(pipeline_response)


class AsyncCheckedARMPolling(AsyncARMPolling):
    """``CheckedARMPolling`` for the async client."""

    def initialize(self, client: Any, initial_response: Any, deserialization_callback: Any) -> None:
        try:
            super().initialize(client, initial_response, deserialization_callback)
        except _UNREADABLE_ANSWERS as error:
            raise _unreadable_answer(initial_response, error) from error
        except HttpResponseError as error:
            raise _as_decode_error(error, initial_response) from error.__cause__

    async def run(self) -> None:
        try:
            await super().run()
        except _UNREADABLE_ANSWERS as error:
            raise _unreadable_answer(self._pipeline_response, error) from error
        except HttpResponseError as error:
            raise _as_decode_error(error, self._pipeline_response) from error.__cause__

    def _parse_resource(self, pipeline_response: Any) -> Any:
        return self._deserialization_callback(pipeline_response)


class ARMPollingMethod(CheckedARMPolling):
    """azure-mgmt-core's ARMPolling, stoppable, and with ARM's answers read as a user expects.

    - ``stop()`` ends polling at its next wait or request (the poller's thread then exits).
    - A DELETE whose Location poll or final GET answers 404 has succeeded: the resource is gone.
    - A PUT or PATCH whose final resource has ``provisioningState`` Failed or Canceled raises
      HttpResponseError, instead of returning the failed resource as the result.
    - A status answer that is not JSON (an HTML page, another Content-Type, an empty monitor answer) is a
      DecodeError naming the URL, the status and the Content-Type.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()

    def resume(self) -> None:
        self._stopping.clear()

    def _sleep(self, delay: float) -> None:
        if self._stopping.wait(delay):
            raise _PollingStopped()

    def update_status(self) -> None:
        if self._stopping.is_set():
            raise _PollingStopped()
        self._pipeline_response = self.request_status(self._operation.get_polling_url())
        if _vanished(self, self._pipeline_response.http_response, monitor=True):
            self._status = "Succeeded"
            return
        _check_status(self._pipeline_response.http_response)
        _check_monitor_answer(self, self._pipeline_response)
        self._status = self._operation.get_status(self._pipeline_response)

    def _poll(self) -> None:
        if not self.finished():
            self.update_status()
        while not self.finished():
            self._delay()
            self.update_status()
        if str(self.status()).lower() in _FAILED_STATES:
            raise OperationFailed("Operation failed or canceled")
        if _vanished(self, self._pipeline_response.http_response, monitor=True):
            return
        final_get_url = self._operation.get_final_get_url(self._pipeline_response)
        if final_get_url:
            if self._stopping.is_set():
                raise _PollingStopped()
            self._pipeline_response = self.request_status(final_get_url)
            if _vanished(self, self._pipeline_response.http_response, monitor=False):
                return
            _check_status(self._pipeline_response.http_response)
        _check_final_resource(self)


class AsyncARMPollingMethod(AsyncCheckedARMPolling):
    """``ARMPollingMethod``'s rules for the async client; it needs no ``stop()``: cancelling the task that
    awaits the poller (``asyncio.wait_for``, Ctrl-C in ``asyncio.run``) ends polling."""

    async def update_status(self) -> None:
        self._pipeline_response = await self.request_status(self._operation.get_polling_url())
        if _vanished(self, self._pipeline_response.http_response, monitor=True):
            self._status = "Succeeded"
            return
        _check_status(self._pipeline_response.http_response)
        _check_monitor_answer(self, self._pipeline_response)
        self._status = self._operation.get_status(self._pipeline_response)

    async def _poll(self) -> None:
        if not self.finished():
            await self.update_status()
        while not self.finished():
            await self._delay()
            await self.update_status()
        if str(self.status()).lower() in _FAILED_STATES:
            raise OperationFailed("Operation failed or canceled")
        if _vanished(self, self._pipeline_response.http_response, monitor=True):
            return
        final_get_url = self._operation.get_final_get_url(self._pipeline_response)
        if final_get_url:
            self._pipeline_response = await self.request_status(final_get_url)
            if _vanished(self, self._pipeline_response.http_response, monitor=False):
                return
            _check_status(self._pipeline_response.http_response)
        _check_final_resource(self)


class ARMPoller(LROPoller[PollingReturnType]):
    """azure-core's LROPoller, which never leaves its polling thread behind a caller that stopped waiting.

    azure-core polls in a daemon thread: ``result(timeout=...)`` returns whatever the last answer was,
    finished or not, and the thread polls on; Ctrl-C while waiting leaves it polling too. Here:

    - ``result(timeout=...)`` raises ``OperationTimeoutError`` (with the continuation token) if the
      operation has not finished, and stops polling; ``result()`` again resumes it.
    - An exception while waiting (KeyboardInterrupt from Ctrl-C, SystemExit) stops polling, then propagates.
    - ``stop_polling()`` stops it explicitly. Stopping never cancels the operation in the service.

    Stopping waits for the request in flight, if any (bounded by the client's ``read_timeout``).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._stopped = False
        super().__init__(*args, **kwargs)

    def done(self) -> bool:
        return super().done() and not self._stopped

    def stop_polling(self) -> None:
        """Stop the polling thread (at its next wait or request) and wait for it to end."""
        method = self._polling_method
        if not isinstance(method, ARMPollingMethod):
            return  # a polling method of the caller's: azure-core's behaviour
        method.stop()
        thread = self._thread
        if thread is not None:
            self._done.wait()  # set as the thread ends (see `wait`)
            thread.join()
        self._stopped = not method.finished()
        if isinstance(self._exception, _PollingStopped):
            self._exception = None

    def _resume(self) -> None:
        if not self._stopped:
            return
        self._stopped = False
        method = self._polling_method
        if isinstance(method, ARMPollingMethod):
            method.resume()
        self._done.clear()
        self._thread = threading.Thread(
            target=with_current_context(self._start), name=f"LROPoller({uuid.uuid4()})", daemon=True
        )
        self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        self._resume()
        if self._thread is not None:
            try:
                # the thread's end, awaited on its Event rather than joined: on Python 3.11 a Thread.join that
                # Ctrl-C interrupts marks the thread as stopped while it still runs (it can no longer be joined)
                ended = self._done.wait(timeout)
            except BaseException:  # KeyboardInterrupt, SystemExit: the caller stops waiting, so polling stops
                self.stop_polling()
                raise
            if not ended:
                return
        super().wait()  # joins the ended thread and raises the operation's error, if any

    def result(self, timeout: float | None = None) -> PollingReturnType:
        self.wait(timeout)
        if self._thread is not None and not self._done.is_set():
            self.stop_polling()
            status = self.status()
            raise OperationTimeoutError(
                f"the long-running operation is still {status!r} after {timeout} s; polling stopped (the operation "
                "goes on in the service): result() resumes it here, continuation_token= in another process",
                status=status,
                continuation_token=self.continuation_token(),
            )
        return self._polling_method.resource()


# -- paging ----------------------------------------------------------------------------------------------


class PagingLoopError(HttpResponseError):
    """A listing's nextLink points to a page already read: following it would loop for ever.

    Raised when that link would be followed, after the items of the page that carries it were yielded;
    ``next_link`` is the link, ``pages`` the number of pages read.
    """

    def __init__(self, message: str, *, response: Any, next_link: str, pages: int) -> None:
        super().__init__(message, response=response)
        self.next_link = next_link
        self.pages = pages


def _page_key(url: str) -> tuple[str, str, str]:
    """A page's identity: its URL without the api-version the client pins, the query in any order."""
    parts = urllib.parse.urlsplit(url)
    query = sorted(
        (key, value)
        for key, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() != "api-version"
    )
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}", parts.path, urllib.parse.urlencode(query)


class PageTrail:
    """The pages one walk through a listing has read, to refuse a nextLink back to any of them.

    A generated paging method makes one per listing: its ``extract_data`` passes each page's nextLink through
    ``follow`` and its ``get_next`` calls ``check`` before it requests a link. It remembers the pages' URLs
    (not their items), for the current walk only: a walk that starts again (iterating the pager anew, or
    ``by_page(continuation_token=...)``) starts a new trail.
    """

    def __init__(self) -> None:
        self._read: dict[tuple[str, str, str], int] = {}  # page -> its number in this walk
        self._expected: tuple[str, str, str] | None = None  # the page the last nextLink points to
        self._refused: tuple[str, PagingLoopError] | None = None

    def follow(self, next_link: str | None, pipeline_response: PipelineResponse[Any, Any]) -> str | None:
        """The nextLink to follow after this page, or None at the end; a link back to a page read is noted for
        ``check``, which raises PagingLoopError when it would be followed (this page's items go first)."""
        current = _page_key(pipeline_response.http_request.url)
        if current != self._expected:  # a first page, or a caller's continuation token: a new walk
            self._read = {}
        self._read.setdefault(current, len(self._read) + 1)
        self._expected = None
        if not next_link:
            return None
        key = _page_key(next_link)
        seen = self._read.get(key)
        if seen is not None:
            pages = len(self._read)
            again = "the same page again" if key == current else f"back to page {seen}"
            self._refused = (
                next_link,
                PagingLoopError(
                    f"{_request_line(pipeline_response)} with a nextLink to {again} of the {pages} read "
                    f"({next_link}): the listing would loop for ever, so it stops here",
                    response=pipeline_response.http_response,
                    next_link=next_link,
                    pages=pages,
                ),
            )
        self._expected = key
        return next_link

    def check(self, next_link: str | None) -> None:
        """Raise the PagingLoopError of a nextLink ``follow`` found looping, before it is requested."""
        refused, self._refused = self._refused, None
        if next_link and refused is not None and refused[0] == next_link:
            raise refused[1]
