"""The ARM front door: what Azure Resource Manager does before a request reaches Batch AI.

``Emulator.dispatch`` is independent of the HTTP library: it records the request (when asked to),
authenticates the bearer token, picks the spec of the request's ``api-version``, replays scripted
answers (tests), validates path, query and body against that spec (ARM's 400 bodies), and hands the
call to the resource provider (provider.py).
"""

from __future__ import annotations

import json
import logging
import threading
import traceback
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from .downloads import KEY_SETTING, DownloadSigner
from .errors import ArmError, Reply, bad_request
from .executor import Executor, ExecutorFactory
from .provider import OPERATION_PATH, SKIP_TOKEN, Call, Provider
from .spec import Route, Spec, SpecSet
from .store import Store

log = logging.getLogger("batchai_emulator")

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
    api_version: str | None = None  # the version whose spec the request was routed with


@dataclass
class ScriptedResponse:
    method: str
    path: str
    query: dict | None
    body: Any
    status: int
    response_body: Any
    headers: dict[str, str] = field(default_factory=dict)
    api_version: str | None = None  # the version the request must carry (None: the emulator's default)


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


class Behaviour:
    """How the emulator answers; the tests' knobs. The command line's defaults are ``Behaviour.service()``.

    lro_mode          "202": 202 + Azure-AsyncOperation + Location + Retry-After, empty body (the service);
                      "201": PUT answers 201 + body (creating) + Azure-AsyncOperation
                             (DELETE/terminate still answer 202 as above);
                      "200": every LRO finishes at once (PUT 200 + final body, DELETE/terminate 200)
    polls_until_done  monitor polls answered "InProgress" before the operation finishes
    lro_completes_at_once  the work of an LRO is done when it is accepted; the client still polls
    retry_after       Retry-After value on accepted and in-progress answers
    page_size         items per page; maxresults lowers it
    fail_next_lro     (operationId, {"code": ..., "message": ...}): the next such LRO ends Failed
                      (a failed cluster create also lists the error in the cluster's properties.errors)
    job_cluster_must_exist  a job naming a cluster that does not exist is refused (400 ClusterNotFound)
    """

    def __init__(self, specs: SpecSet):
        self._specs = specs
        self.lro_mode = "202"
        self.polls_until_done = 2
        self.lro_completes_at_once = False
        self.retry_after = 0
        self.page_size = 2
        self.fail_next_lro: tuple[str, dict] | None = None
        self.job_cluster_must_exist = False

    @classmethod
    def service(cls, specs: SpecSet) -> Behaviour:
        """As the emulator runs for users: work done at once, polled after a second, pages of 1000."""
        behaviour = cls(specs)
        behaviour.polls_until_done = 0
        behaviour.lro_completes_at_once = True
        behaviour.retry_after = 1
        behaviour.page_size = 1000
        behaviour.job_cluster_must_exist = True
        return behaviour

    @property
    def lro_mode(self) -> str:
        return self._lro_mode

    @lro_mode.setter
    def lro_mode(self, value: Any) -> None:
        if str(value) not in LRO_MODES:
            raise ValueError(f"lro_mode must be one of {LRO_MODES}, not {value!r}")
        self._lro_mode = str(value)

    @property
    def fail_next_lro(self) -> tuple[str, dict] | None:
        return self._fail_next_lro

    @fail_next_lro.setter
    def fail_next_lro(self, value: tuple[str, dict] | None) -> None:
        if value is not None:
            operation_id, error = value
            routes = [route for spec in self._specs for route in spec.routes if route.operation_id == operation_id]
            if not routes:
                raise ValueError(f"no API version has an operation {operation_id}")
            if not any(route.long_running for route in routes):
                raise ValueError(f"{operation_id} is not a long-running operation")
            if "code" not in error:
                raise ValueError("the injected error needs at least a 'code'")
        self._fail_next_lro = value


class Emulator:
    """ARM + Batch AI without the HTTP layer; thread-safe.

    ``token``: the bearer token a request must carry (None: any non-empty token, as the command line
    runs by default). ``record``: keep every request in ``requests`` (the tests' observations).
    ``executor_factory``: builds the executor that runs jobs (executor.py), given ``data_dir``.
    """

    def __init__(
        self,
        *,
        specs: SpecSet | None = None,
        store: Store | None = None,
        behaviour: Behaviour | None = None,
        token: str | None = None,
        record: bool = False,
        check_responses: bool = False,
        executor_factory: ExecutorFactory | None = None,
        executor_options: dict[str, Any] | None = None,
        data_dir: Path | str | None = None,
        default_api_version: str | None = None,
    ):
        self.specs = specs or SpecSet()
        self.store = store or Store()
        self.behaviour = behaviour or Behaviour(self.specs)
        self.token = token
        self.record = record
        self.check_responses = check_responses
        self.response_problems: list[str] = []  # answers that break the spec (check_responses)
        self.default_api_version = default_api_version or self.specs.versions[-1]
        self.requests: list[RecordedRequest] = []
        self.mismatches: list[ReplayMismatch] = []
        self.internal_errors: list[str] = []  # tracebacks of emulator bugs (answered as 500)
        self.operations_seen: set[str] = set()  # operationIds routed, any version (see coverage)
        self.coverage: set[tuple[str, str]] = set()  # (api-version, operationId) routed
        self._scripts: list[ScriptedResponse] = []
        self._lock = threading.RLock()
        key = self.store.setting(KEY_SETTING)
        if key is None:
            key = DownloadSigner.new_key()
            self.store.set_setting(KEY_SETTING, key)
        self.signer = DownloadSigner(bytes.fromhex(key))
        self.provider = Provider(self.behaviour, self.store, self.specs, self.signer)
        self._check_every_operation_has_a_handler()
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.executor: Executor | None = None
        if executor_factory is not None:
            if self.data_dir is None:
                raise ValueError("an executor needs a data directory")
            self.executor = executor_factory(self.data_dir, self.provider, dict(executor_options or {}))
            self.provider.attach_executor(self.executor)
            self.provider.recover()

    def _check_every_operation_has_a_handler(self) -> None:
        missing = [
            f"{spec.api_version} {route.operation_id}"
            for spec in self.specs
            for route in spec.routes
            if self.provider.handler_for(route) is None
        ]
        if missing:
            raise RuntimeError(f"no handler for spec operations {missing}")

    @property
    def spec(self) -> Spec:
        """The default API version's spec."""
        return self.specs[self.default_api_version]

    def close(self) -> None:
        if self.executor is not None:
            self.executor.close()
        self.provider.close()
        self.store.close()

    # -- test helpers --------------------------------------------------------------------------

    def script(self, response: ScriptedResponse) -> None:
        with self._lock:
            self._scripts.append(response)

    @property
    def pending_scripts(self) -> list[ScriptedResponse]:
        with self._lock:
            return list(self._scripts)

    def forget_requests(self) -> None:
        with self._lock:
            self.response_problems.clear()
            self.requests.clear()
            self.mismatches.clear()
            self.internal_errors.clear()
            self._scripts.clear()

    # -- request handling -------------------------------------------------------------------

    def identify(self, method: str, path: str, query: Mapping[str, str]) -> Route | None:
        """The spec operation a request addresses (for the request's api-version, else the default)."""
        spec = self.specs.get(_lower(query).get("api-version")) or self.spec
        return self._match(spec, method.upper(), path, query)

    def dispatch(self, method: str, target: str, headers: Mapping[str, str], raw: bytes, base_url: str) -> Reply:
        """Answer one request."""
        request = self._record(method, target, headers, raw)
        try:
            reply = self._respond(request, base_url)
        except ArmError as error:
            reply = error.reply()
        except Exception:  # a bug here must show up in the test, not hang a client
            trace = traceback.format_exc()
            with self._lock:
                self.internal_errors.append(trace)
            log.error("internal error answering %s %s:\n%s", request.method, request.path, trace)
            reply = ArmError(500, "InternalServerError", trace.splitlines()[-1]).reply()
        return _stamp(reply, request)

    def _record(self, method: str, target: str, headers: Mapping[str, str], raw: bytes) -> RecordedRequest:
        parts = urlsplit(target)
        request = RecordedRequest(
            method=method.upper(),
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers={name.lower(): value for name, value in headers.items()},
            body=_parse_json(raw),
            raw=raw,
        )
        if self.record:
            with self._lock:
                self.requests.append(request)
        return request

    def _respond(self, request: RecordedRequest, base_url: str) -> Reply:
        self._authenticate(request)
        requested = _lower(request.query).get("api-version")
        spec = self.specs.get(requested)
        route, params = self._route(spec or self.spec, request)
        script = self._take_script(request)
        if script is not None:
            return self._replay(script, request, base_url)
        spec = self._check_api_version(requested)
        monitor = OPERATION_PATH.match(request.path)
        if monitor and request.method == "GET":
            return self.provider.monitor(monitor, base_url)
        if route is None or params is None:
            raise self._no_route(spec, request)
        try:
            reply = self.provider.handle(self._validated_call(spec, request, route, params, base_url))
        except ArmError as error:
            reply = error.reply()
        if self.check_responses:
            self._check_response(spec, route, request, reply)
        return reply

    def _check_response(self, spec: Spec, route: Route, request: RecordedRequest, reply: Reply) -> None:
        problems = spec.check_response(route, reply.status, reply.body)
        if problems:
            found = "; ".join(problem.message for problem in problems[:5])
            with self._lock:
                self.response_problems.append(f"{spec.api_version} {route.operation_id} {reply.status}: {found}")

    def _authenticate(self, request: RecordedRequest) -> None:
        header = request.headers.get("authorization")
        scheme, _, token = (header or "").partition(" ")
        if header is None:
            problem = "The 'Authorization' header is missing."
        elif (
            scheme.lower() != "bearer" or not token.strip() or (self.token is not None and token.strip() != self.token)
        ):
            problem = "The access token is invalid."
        else:
            return
        raise ArmError(
            401,
            "AuthenticationFailed",
            f"Authentication failed. {problem}",
            headers={"WWW-Authenticate": _CHALLENGE.format(problem)},
        )

    @staticmethod
    def _match(spec: Spec, method: str, path: str, query: Mapping[str, str]) -> Route | None:
        chosen = Emulator._match_with_params(spec, method, path, query)
        return chosen[0] if chosen else None

    @staticmethod
    def _match_with_params(
        spec: Spec, method: str, path: str, query: Mapping[str, str]
    ) -> tuple[Route, dict[str, str]] | None:
        hits = spec.lookup(path)
        chosen = next(((r, p) for r, p in hits if r.method == method), None)
        if chosen is None and method == "GET" and _lower(query).get(SKIP_TOKEN) is not None:
            # AutoRest clients fetch further pages of POST pageables with a GET on nextLink.
            chosen = next(((r, p) for r, p in hits if r.pageable), None)
        return chosen

    def _route(self, spec: Spec, request: RecordedRequest) -> tuple[Route | None, dict | None]:
        chosen = self._match_with_params(spec, request.method, request.path, request.query)
        if chosen is None:
            return None, None
        route = chosen[0]
        request.operation_id, request.api_version = route.operation_id, spec.api_version
        with self._lock:
            self.operations_seen.add(route.operation_id)
            self.coverage.add((spec.api_version, route.operation_id))
        return chosen

    def _no_route(self, spec: Spec, request: RecordedRequest) -> ArmError:
        allowed = sorted({route.method for route, _ in spec.lookup(request.path)})
        if allowed:
            return ArmError(
                405,
                "MethodNotAllowed",
                f"The method {request.method} is not allowed on {request.path}.",
                headers={"Allow": ", ".join(allowed)},
            )
        return ArmError(404, "NotFound", f"No Batch AI operation serves {request.method} {request.path}.")

    def _check_api_version(self, version: str | None) -> Spec:
        if not version:
            raise ArmError(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            )
        spec = self.specs.get(version)
        if spec is None:
            supported = "', '".join(self.specs.versions)
            raise ArmError(
                400,
                "InvalidApiVersionParameter",
                f"The api-version '{version}' is invalid. The supported versions are '{supported}'.",
            )
        return spec

    # -- validation against the spec -------------------------------------------------------

    def _validated_call(
        self, spec: Spec, request: RecordedRequest, route: Route, raw_params: dict, base_url: str
    ) -> Call:
        return Call(
            spec=spec,
            route=route,
            path=request.path,
            params=self._path_params(spec, route, raw_params),
            query=self._query_params(spec, route, request.query),
            raw_query=request.query,
            body=self._body(spec, route, request),
            base_url=base_url,
        )

    @staticmethod
    def _path_params(spec: Spec, route: Route, raw_params: dict) -> dict[str, str]:
        params = {}
        for name, raw in raw_params.items():
            value = unquote(raw)
            if not value:
                raise _bad_path_param(name, f"The path parameter '{name}' must not be empty.")
            _, problems = spec.check_parameter(route.path_params[name], value)
            if problems:
                raise _bad_path_param(name, problems[0].message)
            params[name] = value
        return params

    @staticmethod
    def _query_params(spec: Spec, route: Route, query: dict[str, str]) -> dict[str, Any]:
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
            value, problems = spec.check_parameter(param, sent[name])
            if problems:
                raise ArmError(400, "InvalidQueryParameterValue", problems[0].message, target=param["name"])
            typed[name] = value
        return typed

    @staticmethod
    def _body(spec: Spec, route: Route, request: RecordedRequest) -> Any:
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
        problems = spec.check_value(route.body_param["schema"], body)
        if problems:
            raise bad_request(problems)
        return body

    # -- scripted replay ------------------------------------------------------------------

    def _take_script(self, request: RecordedRequest) -> ScriptedResponse | None:
        wanted = request.path.rstrip("/").lower()
        with self._lock:
            for index, script in enumerate(self._scripts):
                if script.method == request.method and script.path.rstrip("/").lower() == wanted:
                    return self._scripts.pop(index)
        return None

    def _replay(self, script: ScriptedResponse, request: RecordedRequest, base_url: str) -> Reply:
        problems = []
        version = _lower(request.query).get("api-version")
        expected_version = script.api_version or self.default_api_version
        if version != expected_version:
            problems.append(f"api-version: expected {expected_version!r}, got {version!r}")
        if script.query is not None and _comparable(script.query) != _comparable(request.query):
            problems.append(f"query: expected {_comparable(script.query)}, got {_comparable(request.query)}")
        if script.body is not None and script.body != request.body:
            problems.append(f"body: expected {_dump(script.body)}, got {_dump(request.body)}")
        if problems:
            mismatch = ReplayMismatch(
                request.method, request.path, problems, script.query, request.query, script.body, request.body
            )
            with self._lock:
                self.mismatches.append(mismatch)
            raise ArmError(400, "ReplayMismatch", str(mismatch))
        headers = {name: _rehost(value, base_url) for name, value in script.headers.items()}
        return Reply(script.status, _rehost(script.response_body, base_url), headers)


# -- helpers ------------------------------------------------------------------------------


def _rehost(value: Any, base_url: str) -> Any:
    """Point recorded management.azure.com URLs at this server."""
    if isinstance(value, str) and value.lower().startswith(PUBLIC_ARM):
        return base_url + value[len(PUBLIC_ARM) :]
    if isinstance(value, dict):
        return {key: _rehost(item, base_url) for key, item in value.items()}
    if isinstance(value, list):
        return [_rehost(item, base_url) for item in value]
    return value


def _lower(query: Mapping[str, str]) -> dict[str, str]:
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


def encode_body(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body).encode("utf-8")
