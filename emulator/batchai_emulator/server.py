"""The HTTP layer: aiohttp serving an ``Emulator`` over HTTPS (or plain HTTP on loopback).

Each request's body is read by aiohttp's event loop; the ARM work (``Emulator.dispatch``: SQLite and the
executor) runs on a small thread pool, so a slow request never holds up the others, and a client that
sends slowly only occupies its own connection. Keep-alive is aiohttp's. Output files are streamed from
``/_emulator/files/...`` (downloads.py) without a bearer token, as the service's SAS URLs were.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import ssl
import struct
import uuid
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from aiohttp import web

from .arm import Emulator, encode_body
from .downloads import DOWNLOAD_PREFIX
from .errors import Reply, error_body
from .faults import Fault, FaultQueue

log = logging.getLogger("batchai_emulator")

MAX_REQUEST_BYTES = 16 * 1024 * 1024
WORKER_THREADS = 8
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


class EmulatorServer:
    """Serve ``emulator`` on ``host:port`` (port 0: any free port) from the running event loop."""

    def __init__(
        self,
        emulator: Emulator,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        faults: FaultQueue | None = None,
        shutdown_timeout: float = 5.0,
    ):
        self.emulator = emulator
        self.host = host
        self.port = port
        self.ssl_context = ssl_context
        self.faults = faults or FaultQueue()
        self.shutdown_timeout = shutdown_timeout
        self._runner: web.AppRunner | None = None
        self._pool = ThreadPoolExecutor(max_workers=WORKER_THREADS, thread_name_prefix="batchai-emulator")

    @property
    def scheme(self) -> str:
        return "https" if self.ssl_context is not None else "http"

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=self.shutdown_timeout)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, ssl_context=self.ssl_context)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- requests ------------------------------------------------------------------------------

    def _base_url_of(self, request: web.Request) -> str:
        """The scheme and authority the client used (URLs in answers point back there)."""
        return f"{self.scheme}://{request.host}" if request.host else self.base_url

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        target = request.raw_path
        path, _, query_string = target.partition("?")
        query = dict(request.query)
        fault = None
        if self.faults.pending:
            route = self.emulator.identify(request.method, path, query)
            fault = self.faults.take(request.method, path, query, route.operation_id if route else None)
        if fault is not None:
            return await self._serve_fault(fault, request, raw)
        if path.startswith(DOWNLOAD_PREFIX) and request.method in ("GET", "HEAD"):
            return await self._download(request, path[len(DOWNLOAD_PREFIX) :])
        reply = await self._dispatch(request, raw)
        return _response(reply)

    async def _dispatch(self, request: web.Request, raw: bytes) -> Reply:
        loop = asyncio.get_running_loop()
        call = partial(
            self.emulator.dispatch,
            request.method,
            request.raw_path,
            dict(request.headers),
            raw,
            self._base_url_of(request),
        )
        return await loop.run_in_executor(self._pool, call)

    async def _download(self, request: web.Request, rest: str) -> web.StreamResponse:
        token = rest.split("/", 1)[0]
        loop = asyncio.get_running_loop()
        try:
            grant = self.emulator.signer.verify(token)
        except PermissionError as error:
            return _response(_download_error(403, "AuthenticationFailed", str(error)))
        path = await loop.run_in_executor(self._pool, self.emulator.provider.output_file, grant)
        if path is None:
            return _response(_download_error(404, "ResourceNotFound", "The specified resource does not exist."))
        return web.FileResponse(path, headers={"Content-Type": "application/octet-stream"})

    # -- faults -------------------------------------------------------------------------------

    async def _serve_fault(self, fault: Fault, request: web.Request, raw: bytes) -> web.StreamResponse:
        log.debug("fault %s on %s %s", fault.name, request.method, request.path)
        if fault.action == "reset":
            _reset(request)
            return _DeadResponse()
        if fault.action == "reply":
            reply = Reply(fault.status or 200, fault.body, _fault_headers(fault))
        else:
            reply = await self._dispatch(request, raw)
            if fault.body is not None:
                reply = Reply(reply.status, fault.body, reply.headers)
        if fault.action == "modify":
            reply = _modified(reply, fault)
        if fault.action in ("reply", "modify"):
            return _response(reply)
        return await _broken(fault, request, reply)


def _fault_headers(fault: Fault) -> dict[str, str]:
    headers = {"x-ms-request-id": str(uuid.uuid4())}
    body = fault.body
    if fault.content_type is not None:
        headers["Content-Type"] = fault.content_type
    elif isinstance(body, (dict, list)):
        headers["Content-Type"] = "application/json; charset=utf-8"
    elif isinstance(body, str):
        headers["Content-Type"] = "text/plain; charset=utf-8"
    headers.update(fault.headers)
    return headers


def _modified(reply: Reply, fault: Fault) -> Reply:
    headers = {name: value for name, value in reply.headers.items() if name.lower() not in _lower(fault.drop_headers)}
    for name, value in fault.headers.items():
        headers = {key: item for key, item in headers.items() if key.lower() != name.lower()}
        headers[name] = value
    body = reply.body
    if fault.patch_body:
        body = _merged(body if isinstance(body, dict) else {}, fault.patch_body)
    if fault.content_type is not None:
        headers["Content-Type"] = fault.content_type
    return Reply(fault.status or reply.status, body, headers)


def _merged(body: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """``body`` with ``patch``'s values set, objects merged key by key (``{"properties": {"x": 1}}`` sets one)."""
    merged = dict(body)
    for key, value in patch.items():
        current = merged.get(key)
        merged[key] = _merged(current, value) if isinstance(current, dict) and isinstance(value, dict) else value
    return merged


def _lower(names: tuple[str, ...]) -> set[str]:
    return {name.lower() for name in names}


async def _broken(fault: Fault, request: web.Request, reply: Reply) -> web.StreamResponse:
    """Headers with the full Content-Length, then part of the body, then a reset or a stall."""
    payload = encode_body(reply.body)
    response = web.StreamResponse(status=reply.status, headers=_plain_headers(reply.headers))
    response.content_length = len(payload)
    await response.prepare(request)
    if fault.action == "reset_after_headers":
        await _flush(response)
        _reset(request)
        return response
    await response.write(payload[: fault.cut_at])
    if fault.action == "reset_mid_body":
        await _flush(response)
        _reset(request)
        return response
    await asyncio.sleep(fault.stall_seconds)  # stall
    await response.write(payload[fault.cut_at :])
    await response.write_eof()
    return response


async def _flush(response: web.StreamResponse) -> None:
    await response.write(b"")
    await asyncio.sleep(0.05)  # let the bytes leave before the reset


def _reset(request: web.Request) -> None:
    """Drop the connection with a TCP reset (no TLS close_notify, no FIN)."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


class _DeadResponse(web.Response):
    """What a handler returns after resetting its connection: nothing can be sent any more."""

    async def prepare(self, request: web.BaseRequest) -> Any:
        raise ConnectionResetError("the connection was reset by an injected fault")  # aiohttp lets this go


def _plain_headers(headers: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name.lower() != "content-length"}


def _response(reply: Reply) -> web.Response:
    payload = encode_body(reply.body)
    headers = _plain_headers(reply.headers)
    content_type = next((value for name, value in headers.items() if name.lower() == "content-type"), None)
    if payload and content_type is None:
        headers["Content-Type"] = "application/octet-stream"
    return web.Response(status=reply.status, body=payload if payload else None, headers=headers)


def _download_error(status: int, code: str, message: str) -> Reply:
    return Reply(status, error_body(code, message), {"Content-Type": "application/json; charset=utf-8"})


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
