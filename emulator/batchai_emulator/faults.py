"""Injected faults: what ARM, proxies and networks do to a request, served on demand.

A fault is data (``Fault``): which requests it matches (method, a path pattern, an operationId, query
values, the nth match) and what happens instead of the normal answer (``action``):

  reply                 answer ``status``, ``headers`` and ``body`` (a JSON value, text or raw bytes)
  modify                the normal answer with ``status``/``headers`` replaced, ``drop_headers`` removed
                        and ``patch_body`` merged into its JSON body (objects key by key)
  reset                 close the connection (TCP reset) before any response byte
  reset_after_headers   send the status line and headers (full Content-Length), then reset
  reset_mid_body        send the headers and ``cut_at`` bytes of the body, then reset
  stall                 send the headers and ``cut_at`` bytes, wait ``stall_seconds``, then the rest

For the last three, the body is ``body`` when given, else the normal answer's. Faults are queued
(``FaultQueue.add``) and served in order of queueing; each served one is recorded in ``served``.
The constructors below build the common ones; the harness exposes the queue as ``server.faults``.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

from .errors import error_body

ACTIONS = ("reply", "modify", "reset", "reset_after_headers", "reset_mid_body", "stall")
MONITOR = r"/operation(results|statuses)/"  # path pattern of the status monitors


@dataclass
class Fault:
    action: str
    method: str | None = None  # None: any method
    path: str | None = None  # a regular expression searched in the request path, case-insensitively
    operation_id: str | None = None  # the spec operation the request addresses
    query: Mapping[str, str] | None = None  # query values the request must carry (names case-insensitive)
    nth: int = 1  # skip nth-1 matching requests, then serve
    times: int | None = 1  # served this many times in a row (None: every matching request from then on)
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    content_type: str | None = None
    drop_headers: tuple[str, ...] = ()
    patch_body: dict[str, Any] | None = None
    cut_at: int = 0
    stall_seconds: float = 0.0
    name: str = ""  # what the fault is, for the record
    _matched: int = 0
    _served: int = 0

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"unknown fault action {self.action!r}; one of {ACTIONS}")
        if self.nth < 1:
            raise ValueError("nth counts from 1")
        self.name = self.name or self.action
        self._pattern = re.compile(self.path, re.IGNORECASE) if self.path else None

    def matches(self, method: str, path: str, query: Mapping[str, str], operation_id: str | None) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        if self._pattern is not None and not self._pattern.search(path):
            return False
        if self.operation_id and self.operation_id != operation_id:
            return False
        if self.query:
            sent = {key.lower(): value for key, value in query.items()}
            if any(sent.get(key.lower()) != str(value) for key, value in self.query.items()):
                return False
        return True

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self._served >= self.times

    def on(self, **where: Any) -> Fault:
        """A copy matching other requests: ``throttle().on(method="PUT", path="/jobs/")``."""
        return replace(self, **where, _matched=0, _served=0)


@dataclass(frozen=True)
class ServedFault:
    name: str
    action: str
    method: str
    path: str
    operation_id: str | None
    at: float


class FaultQueue:
    """The faults waiting to be served, and those served (``served``); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self.served: list[ServedFault] = []

    def add(self, *faults: Fault) -> None:
        with self._lock:
            self._faults.extend(faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self.served.clear()

    @property
    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, method: str, path: str, query: Mapping[str, str], operation_id: str | None) -> Fault | None:
        """The fault to serve for this request, if any (recorded as served)."""
        with self._lock:
            for fault in self._faults:
                if not fault.matches(method, path, query, operation_id):
                    continue
                fault._matched += 1
                if fault._matched < fault.nth:
                    continue
                fault._served += 1
                if fault.exhausted:
                    self._faults.remove(fault)
                self.served.append(ServedFault(fault.name, fault.action, method, path, operation_id, time.time()))
                return fault
        return None


# -- the common faults ---------------------------------------------------------------------------


def arm_error(status: int, code: str, message: str, headers: dict[str, str] | None = None, **where: Any) -> Fault:
    """ARM's error answer: ``{"error": {"code", "message"}}`` with the given status."""
    return Fault(
        "reply",
        status=status,
        headers=dict(headers or {}),
        body=error_body(code, message),
        name=f"{status} {code}",
        **where,
    )


def throttle(
    retry_after: float | datetime | None = 1,
    retry_after_ms: int | None = None,
    remaining: Mapping[str, int] | None = None,
    **where: Any,
) -> Fault:
    """429 TooManyRequests; ``Retry-After`` in seconds or as an HTTP date, ``retry-after-ms``, and
    ``x-ms-ratelimit-remaining-<name>`` headers (``remaining={"subscription-reads": 0}``)."""
    headers: dict[str, str] = {}
    if isinstance(retry_after, datetime):
        headers["Retry-After"] = format_datetime(retry_after.astimezone(timezone.utc), usegmt=True)
    elif retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    if retry_after_ms is not None:
        headers["retry-after-ms"] = str(retry_after_ms)
    for name, value in (remaining or {}).items():
        headers[f"x-ms-ratelimit-remaining-{name}"] = str(value)
    message = "The request is being throttled."
    return arm_error(429, "TooManyRequests", message, headers, **where)


def retry_after_date(seconds: float) -> datetime:
    """An HTTP-date ``seconds`` from now, for ``throttle(retry_after=...)``."""
    return datetime.now(timezone.utc) + timedelta(seconds=seconds)


def server_error(status: int = 500, **where: Any) -> Fault:
    codes = {500: "InternalServerError", 502: "BadGateway", 503: "ServiceUnavailable", 504: "GatewayTimeout"}
    return arm_error(status, codes.get(status, "ServerError"), f"The server answered {status}.", **where)


def connection_reset(**where: Any) -> Fault:
    return Fault("reset", name="connection reset", **where)


def reset_after_headers(**where: Any) -> Fault:
    return Fault("reset_after_headers", name="reset after headers", **where)


def reset_mid_body(cut_at: int = 10, **where: Any) -> Fault:
    return Fault("reset_mid_body", cut_at=cut_at, name="reset mid-body", **where)


def stall(seconds: float, cut_at: int = 1, **where: Any) -> Fault:
    return Fault("stall", stall_seconds=seconds, cut_at=cut_at, name=f"stall {seconds}s", **where)


def truncated_json(status: int = 200, **where: Any) -> Fault:
    body = b'{"id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg", "name": "trunc'
    return Fault("reply", status=status, body=body, content_type="application/json", name="truncated JSON", **where)


def html_page(status: int = 200, **where: Any) -> Fault:
    body = "<html><head><title>Gateway</title></head><body><h1>Something went wrong</h1></body></html>"
    return Fault(
        "reply", status=status, body=body, content_type="text/html; charset=utf-8", name=f"HTML {status}", **where
    )


def empty_body(status: int = 200, **where: Any) -> Fault:
    return Fault("reply", status=status, body=b"", content_type="application/json", name="empty body", **where)


def wrong_content_type(content_type: str = "text/plain", **where: Any) -> Fault:
    """The normal answer, labelled with another Content-Type."""
    return Fault("modify", headers={"Content-Type": content_type}, name=f"Content-Type {content_type}", **where)


def redirect(
    location: str | None = None, async_operation: str | None = None, next_link: str | None = None, **where: Any
) -> Fault:
    """The normal answer pointing elsewhere: its Location / Azure-AsyncOperation headers or nextLink replaced."""
    headers = {}
    if location is not None:
        headers["Location"] = location
    if async_operation is not None:
        headers["Azure-AsyncOperation"] = async_operation
    patch = {"nextLink": next_link} if next_link is not None else None
    return Fault("modify", headers=headers, patch_body=patch, name="redirect", **where)


def no_polling_headers(**where: Any) -> Fault:
    """The normal 202 of a long-running operation without Azure-AsyncOperation and Location."""
    return Fault("modify", drop_headers=("Azure-AsyncOperation", "Location"), name="no polling headers", **where)


def location_only(**where: Any) -> Fault:
    """The normal 202 of a long-running operation with its Location header only (no Azure-AsyncOperation)."""
    return Fault("modify", drop_headers=("Azure-AsyncOperation",), name="Location only", **where)


def monitor_status(status: str = "Failed", error: dict | None = None, times: int | None = 1, **where: Any) -> Fault:
    """The status monitor (Azure-AsyncOperation) answering ``status``; ``times=None``: for ever."""
    body: dict[str, Any] = {"id": "operation", "name": "operation", "status": status}
    if status in ("Failed", "Canceled"):
        body["error"] = error or {"code": f"Operation{status}", "message": f"The operation was {status.lower()}."}
    headers = {"Retry-After": "0"} if status == "InProgress" else {}
    where.setdefault("path", MONITOR)
    return Fault("reply", status=200, body=body, headers=headers, times=times, name=f"monitor {status}", **where)


def poll_forever(**where: Any) -> Fault:
    """Every status monitor poll answers InProgress, for ever."""
    return monitor_status("InProgress", times=None, **where)


def monitor_invalid_json(**where: Any) -> Fault:
    where.setdefault("path", MONITOR)
    return Fault(
        "reply", status=200, body=b"{not json", content_type="application/json", name="monitor invalid JSON", **where
    )


def monitor_not_found(**where: Any) -> Fault:
    where.setdefault("path", MONITOR)
    return arm_error(404, "OperationNotFound", "The operation was not found.", **where)


def not_found(**where: Any) -> Fault:
    """404 ResourceNotFound (e.g. a DELETE answering 404 instead of 204)."""
    return arm_error(404, "ResourceNotFound", "The Resource was not found.", **where)


def page(value: list, next_link: str | None = None, **where: Any) -> Fault:
    """A list page of one's own: ``page([], next_link=<url of the real first page>)`` is an empty page first."""
    body: dict[str, Any] = {"value": value}
    if next_link is not None:
        body["nextLink"] = next_link
    return Fault("reply", status=200, body=body, name="page", **where)
