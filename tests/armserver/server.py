"""ArmServer: a local HTTPS stand-in for Azure Resource Manager + Batch AI 2018-03-01.

The HTTP layer (``_HttpsServer``/``_Handler``) only moves bytes; every request
goes through ``ArmServer.dispatch``, which records it, applies ARM's front-door
checks (auth, api-version, spec-derived validation), replays scripted
responses and otherwise hands the call to ``BatchAIService``.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import ssl
import tempfile
import threading
import traceback
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import trustme

from .errors import ArmError, Reply, bad_request
from .service import OPERATION_PATH, SKIP_TOKEN, BatchAIService, Call
from .spec import SPEC_FILE, Route, Spec

LRO_MODES = ("202", "201", "200")
PUBLIC_ARM = "https://management.azure.com"
_CHALLENGE = (
    'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="{}"'
)


@dataclass
class RecordedRequest:
    method: str
    path: str  # as sent, still percent-encoded
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: Any  # parsed JSON, or None when absent or not JSON
    raw: bytes
    operation_id: str | None = None  # set when the path and method matched a spec operation


@dataclass
class ScriptedResponse:
    method: str
    path: str
    query: dict | None
    body: Any
    status: int
    response_body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class ReplayMismatch:
    method: str
    path: str
    problems: list[str]
    expected_query: dict | None
    actual_query: dict[str, str]
    expected_body: Any
    actual_body: Any

    def __str__(self) -> str:
        return f"{self.method} {self.path}: " + "; ".join(self.problems)


class ArmServer:
    """Fake ARM over real HTTPS (``start()``/``stop()`` or ``with ArmServer() as server``).

    Knobs, restored by ``reset()``:
      token             bearer token accepted (default "test-token")
      lro_mode          "202": 202 + Azure-AsyncOperation + Location + Retry-After, empty body;
                        "201": PUT answers 201 + body (creating) + Azure-AsyncOperation
                               (DELETE/terminate still answer 202 as above);
                        "200": every LRO finishes at once (PUT 200 + final body, DELETE/terminate 200)
      polls_until_done  monitor polls answered "InProgress" before the operation finishes (default 2)
      retry_after       Retry-After value on in-progress answers (default 0)
      page_size         items per page (default 2); maxresults lowers it
      job_schedule      executionState per Jobs_Get, e.g. ["queued", "running", "succeeded"]
      job_exit_code     exitCode of finished scheduled jobs (default 0 if succeeded, 1 if failed)
      fail_next_lro     (operationId, {"code": ..., "message": ...}): next such LRO ends Failed
                        (a failed cluster create also lists the error in the cluster's properties.errors)
      output_files      {outputdirectoryid: [relative paths]} for Jobs_ListOutputFiles
    """

    def __init__(self, spec_path=SPEC_FILE, host: str = "127.0.0.1"):
        self.spec = Spec(spec_path)
        self.api_version = self.spec.api_version
        self.host = host
        self.port: int | None = None
        self.ca_path: str | None = None
        self.requests: list[RecordedRequest] = []
        self.mismatches: list[ReplayMismatch] = []
        self.internal_errors: list[str] = []  # tracebacks of server bugs (answered as 500)
        self.operations_seen: set[str] = set()  # survives reset(); see reset_coverage()
        self.service = BatchAIService(self, self.api_version)
        self._scripts: list[ScriptedResponse] = []
        self._lock = threading.RLock()
        self._httpd: _HttpsServer | None = None
        self._thread: threading.Thread | None = None
        self._tmpdir: tempfile.TemporaryDirectory | None = None
        self._check_every_operation_has_a_handler()
        self._apply_defaults()

    # -- settings ---------------------------------------------------------------------

    def _apply_defaults(self) -> None:
        self.token = "test-token"
        self.lro_mode = "202"
        self.polls_until_done = 2
        self.retry_after = 0
        self.page_size = 2
        self.job_schedule: list[str] | None = None
        self.job_exit_code: int | None = None
        self.fail_next_lro = None
        self.output_files: dict[str, list[str]] | None = None

    @property
    def lro_mode(self) -> str:
        return self._lro_mode

    @lro_mode.setter
    def lro_mode(self, value) -> None:
        if str(value) not in LRO_MODES:
            raise ValueError(f"lro_mode must be one of {LRO_MODES}, not {value!r}")
        self._lro_mode = str(value)

    @property
    def fail_next_lro(self) -> tuple[str, dict] | None:
        return self._fail_next_lro

    @fail_next_lro.setter
    def fail_next_lro(self, value) -> None:
        if value is not None:
            operation_id, error = value
            if not self.spec.operation(operation_id).long_running:
                raise ValueError(f"{operation_id} is not a long-running operation")
            if "code" not in error:
                raise ValueError("the injected error needs at least a 'code'")
        self._fail_next_lro = value

    def _check_every_operation_has_a_handler(self) -> None:
        missing = [r.operation_id for r in self.spec.routes if self.service.handler_for(r) is None]
        if missing:
            raise RuntimeError(f"no handler for spec operations {missing}")

    # -- lifecycle -------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"https://{self.host}:{self.port}"

    def start(self) -> ArmServer:
        if self._httpd is not None:
            return self
        ca = trustme.CA()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ca.issue_cert(self.host, "localhost").configure_cert(context)
        self._tmpdir = tempfile.TemporaryDirectory(prefix="armserver-")
        self.ca_path = os.path.join(self._tmpdir.name, "ca.pem")
        ca.cert_pem.write_to_path(self.ca_path)
        self._httpd = _HttpsServer((self.host, 0), context, self)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=f"armserver-{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.close_connections()
        self._httpd.server_close()
        self._thread.join(timeout=5)
        self._tmpdir.cleanup()
        self._httpd = self._thread = self._tmpdir = None

    def __enter__(self) -> ArmServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- test helpers ---------------------------------------------------------------------

    def reset(self) -> None:
        """Forget resources, requests, scripts and mismatches; restore default settings."""
        with self._lock:
            self.service.clear()
            self.requests.clear()
            self.mismatches.clear()
            self.internal_errors.clear()
            self._scripts.clear()
            self._apply_defaults()

    def reset_coverage(self) -> None:
        with self._lock:
            self.operations_seen.clear()

    def url(self, path: str, **query) -> str:
        """Absolute URL for ``path``; api-version is added unless given (None drops it)."""
        query = {"api-version": self.api_version, **query}
        query = {key: value for key, value in query.items() if value is not None}
        return f"{self.base_url}{path}" + (f"?{urlencode(query, safe='$')}" if query else "")

    def script(
        self,
        method: str,
        path: str,
        query: dict | None = None,
        body: Any = None,
        status: int = 200,
        response_body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Queue a one-shot answer for the next ``method path`` request.

        ``path`` may be a full URL or carry a query string (used as ``query``
        when none is given). ``body``/``query`` of None mean "don't compare".
        URLs under https://management.azure.com in the response are rewritten
        to this server so clients poll and page here.
        """
        parts = urlsplit(path)
        if query is None and parts.query:
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
        with self._lock:
            # Recorded examples carry numbers in headers (e.g. "Retry-After": 15).
            headers = {name: str(value) for name, value in (headers or {}).items()}
            self._scripts.append(
                ScriptedResponse(method.upper(), parts.path, query, body, status, response_body, headers)
            )

    @property
    def pending_scripts(self) -> list[ScriptedResponse]:
        with self._lock:
            return list(self._scripts)

    def complete_operations(self) -> None:
        """Finish every in-progress long-running operation now (for clients that don't poll)."""
        with self._lock:
            self.service.complete_all()

    # -- request handling -------------------------------------------------------------------

    def dispatch(self, method: str, target: str, headers, raw: bytes) -> Reply:
        """Answer one request; independent of the socket layer."""
        with self._lock:
            request = self._record(method, target, headers, raw)
            try:
                reply = self._respond(request)
            except ArmError as error:
                reply = error.reply()
            except Exception:  # a bug here must show up in the test, not hang a client
                self.internal_errors.append(traceback.format_exc())
                reply = ArmError(500, "InternalServerError", self.internal_errors[-1].splitlines()[-1]).reply()
            return _stamp(reply, request)

    def _record(self, method: str, target: str, headers, raw: bytes) -> RecordedRequest:
        parts = urlsplit(target)
        request = RecordedRequest(
            method=method.upper(),
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers={name.lower(): value for name, value in headers.items()},
            body=_parse_json(raw),
            raw=raw,
        )
        self.requests.append(request)
        return request

    def _respond(self, request: RecordedRequest) -> Reply:
        self._authenticate(request)
        route, params = self._route(request)
        script = self._take_script(request)
        if script is not None:
            return self._replay(script, request)
        self._check_api_version(request)
        monitor = OPERATION_PATH.match(request.path)
        if monitor and request.method == "GET":
            return self.service.monitor(monitor)
        if route is None:
            raise self._no_route(request)
        return self.service.handle(self._validated_call(request, route, params))

    def _authenticate(self, request: RecordedRequest) -> None:
        header = request.headers.get("authorization")
        scheme, _, token = (header or "").partition(" ")
        if header is None:
            problem = "The 'Authorization' header is missing."
        elif scheme.lower() != "bearer" or token.strip() != self.token:
            problem = "The access token is invalid."
        else:
            return
        raise ArmError(
            401,
            "AuthenticationFailed",
            f"Authentication failed. {problem}",
            headers={"WWW-Authenticate": _CHALLENGE.format(problem)},
        )

    def _route(self, request: RecordedRequest) -> tuple[Route | None, dict | None]:
        hits = self.spec.lookup(request.path)
        chosen = next(((r, p) for r, p in hits if r.method == request.method), None)
        if chosen is None and request.method == "GET" and _lower(request.query).get(SKIP_TOKEN) is not None:
            # AutoRest clients fetch further pages of POST pageables with a GET on nextLink.
            chosen = next(((r, p) for r, p in hits if r.pageable), None)
        if chosen is None:
            return None, None
        request.operation_id = chosen[0].operation_id
        self.operations_seen.add(request.operation_id)
        return chosen

    def _no_route(self, request: RecordedRequest) -> ArmError:
        allowed = sorted({route.method for route, _ in self.spec.lookup(request.path)})
        if allowed:
            return ArmError(
                405,
                "MethodNotAllowed",
                f"The method {request.method} is not allowed on {request.path}.",
                headers={"Allow": ", ".join(allowed)},
            )
        return ArmError(404, "NotFound", f"No Batch AI operation serves {request.method} {request.path}.")

    def _check_api_version(self, request: RecordedRequest) -> None:
        version = _lower(request.query).get("api-version")
        if not version:
            raise ArmError(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            )
        if version != self.api_version:
            raise ArmError(
                400,
                "InvalidApiVersionParameter",
                f"The api-version '{version}' is invalid. The supported versions are '{self.api_version}'.",
            )

    # -- validation against the spec -------------------------------------------------------

    def _validated_call(self, request: RecordedRequest, route: Route, raw_params: dict) -> Call:
        return Call(
            route=route,
            path=request.path,
            params=self._path_params(route, raw_params),
            query=self._query_params(route, request.query),
            raw_query=request.query,
            body=self._body(route, request),
            base_url=self.base_url,
        )

    def _path_params(self, route: Route, raw_params: dict) -> dict[str, str]:
        params = {}
        for name, raw in raw_params.items():
            value = unquote(raw)
            if not value:
                raise _bad_path_param(name, f"The path parameter '{name}' must not be empty.")
            _, problems = self.spec.check_parameter(route.path_params[name], value)
            if problems:
                raise _bad_path_param(name, problems[0].message)
            params[name] = value
        return params

    def _query_params(self, route: Route, query: dict[str, str]) -> dict[str, Any]:
        sent, typed = _lower(query), {}
        for name, param in route.query_params.items():
            if name == "api-version":
                continue
            if name not in sent:
                if param.get("required"):
                    raise ArmError(
                        400,
                        "MissingRequiredQueryParameter",
                        f"The query parameter '{param['name']}' is required.",
                        target=param["name"],
                    )
                if "default" in param:
                    typed[name] = param["default"]
                continue
            value, problems = self.spec.check_parameter(param, sent[name])
            if problems:
                raise ArmError(400, "InvalidQueryParameterValue", problems[0].message, target=param["name"])
            typed[name] = value
        return typed

    def _body(self, route: Route, request: RecordedRequest) -> Any:
        if route.body_param is None:
            return request.body
        if not request.raw.strip():
            raise ArmError(400, "InvalidRequestContent", "The request content is missing.")
        try:
            body = json.loads(request.raw)
        except ValueError as error:
            raise ArmError(
                400, "InvalidRequestContent", f"The request content was invalid and could not be deserialized: {error}."
            ) from None
        problems = self.spec.check_value(route.body_param["schema"], body)
        if problems:
            raise bad_request(problems)
        return body

    # -- scripted replay ------------------------------------------------------------------

    def _take_script(self, request: RecordedRequest) -> ScriptedResponse | None:
        wanted = request.path.rstrip("/").lower()
        for index, script in enumerate(self._scripts):
            if script.method == request.method and script.path.rstrip("/").lower() == wanted:
                return self._scripts.pop(index)
        return None

    def _replay(self, script: ScriptedResponse, request: RecordedRequest) -> Reply:
        problems = []
        version = _lower(request.query).get("api-version")
        if version != self.api_version:
            problems.append(f"api-version: expected {self.api_version!r}, got {version!r}")
        if script.query is not None and _comparable(script.query) != _comparable(request.query):
            problems.append(f"query: expected {_comparable(script.query)}, got {_comparable(request.query)}")
        if script.body is not None and script.body != request.body:
            problems.append(f"body: expected {_dump(script.body)}, got {_dump(request.body)}")
        if problems:
            mismatch = ReplayMismatch(
                request.method, request.path, problems, script.query, request.query, script.body, request.body
            )
            self.mismatches.append(mismatch)
            raise ArmError(400, "ReplayMismatch", str(mismatch))
        headers = {name: self._rehost(value) for name, value in script.headers.items()}
        return Reply(script.status, self._rehost(script.response_body), headers)

    def _rehost(self, value: Any) -> Any:
        """Point recorded management.azure.com URLs at this server."""
        if isinstance(value, str) and value.lower().startswith(PUBLIC_ARM):
            return self.base_url + value[len(PUBLIC_ARM) :]
        if isinstance(value, dict):
            return {key: self._rehost(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._rehost(item) for item in value]
        return value


# -- helpers ------------------------------------------------------------------------------


def _lower(query: dict[str, str]) -> dict[str, str]:
    return {key.lower(): value for key, value in query.items()}


def _comparable(query: dict) -> dict[str, str]:
    """Query as compared in replay: lower-case names, string values, api-version checked apart."""
    return {key.lower(): str(value) for key, value in query.items() if key.lower() != "api-version"}


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _parse_json(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _bad_path_param(name: str, message: str) -> ArmError:
    code = (
        "InvalidSubscriptionId"
        if name == "subscriptionId"
        else "InvalidResourceName"
        if name.endswith("Name")
        else "InvalidParameter"
    )
    return ArmError(400, code, message, target=name)


def _stamp(reply: Reply, request: RecordedRequest) -> Reply:
    """Headers ARM puts on every response."""
    headers = {
        "x-ms-request-id": str(uuid.uuid4()),
        "x-ms-correlation-request-id": request.headers.get("x-ms-correlation-request-id", str(uuid.uuid4())),
    }
    if "x-ms-client-request-id" in request.headers:
        headers["x-ms-client-request-id"] = request.headers["x-ms-client-request-id"]
    if isinstance(reply.body, (dict, list)):
        headers["Content-Type"] = "application/json; charset=utf-8"
    headers.update(reply.headers)
    return Reply(reply.status, reply.body, headers)


def _encode(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body).encode("utf-8")


# -- socket layer ---------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every reply carries Content-Length
    server_version = "ArmServer/1.0"

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self):
        self._serve()

    do_PUT = do_POST = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def _serve(self) -> None:
        reply = self.server.arm.dispatch(self.command, self.path, self.headers, self._read_body())
        payload = _encode(reply.body)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload:
            self.wfile.write(payload)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes:
        chunks = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline().strip():
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def log_message(self, format, *args) -> None:
        pass


class _HttpsServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # idle keep-alive connections must not hold up stop()

    def __init__(self, address, context: ssl.SSLContext, arm: ArmServer):
        super().__init__(address, _Handler)
        self.context = context
        self.arm = arm
        self._connections: set = set()
        self._connections_lock = threading.Lock()

    def get_request(self):
        sock, address = super().get_request()
        # Without this, a response split over two writes waits for the client's delayed ACK (~40 ms).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock, address

    def finish_request(self, request, client_address) -> None:
        # The TLS handshake runs here, in the connection's thread, so one slow
        # client cannot stall accept() for everybody else.
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        with self._connections_lock:
            self._connections.add(tls)
        try:
            self.RequestHandlerClass(tls, client_address, self)
        except (ssl.SSLError, OSError):
            pass  # client went away mid-request
        finally:
            with self._connections_lock:
                self._connections.discard(tls)
            self.shutdown_request(tls)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request, client_address) -> None:
        pass  # connection resets are routine for a test server
