"""Replies and ARM-shaped errors, independent of the HTTP plumbing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Reply:
    """What the server answers: a JSON-able body (or raw bytes, or None)."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class ArmError(Exception):
    """An error answered with ARM's body shape ``{"error": {...}}``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        target: str | None = None,
        details: list[dict] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.target = target
        self.details = details
        self.headers = headers or {}

    def reply(self) -> Reply:
        return Reply(self.status, error_body(self.code, self.message, self.target, self.details), dict(self.headers))


def bad_request(problems: list[Any]) -> ArmError:
    """ARM's 400 for a request with problems: the first one in the message, all of them in details."""
    more = f" ({len(problems) - 1} more in details)" if len(problems) > 1 else ""
    return ArmError(
        400,
        "BadRequest",
        problems[0].message + more,
        target=problems[0].target,
        details=[problem.as_detail() for problem in problems],
    )


def error_body(code: str, message: str, target: str | None = None, details: list[dict] | None = None) -> dict:
    error: dict[str, Any] = {"code": code, "message": message}
    if target is not None:
        error["target"] = target
    if details:
        error["details"] = details
    return {"error": error}


def not_found(kind: str, name: str, resource_group: str | None) -> ArmError:
    where = f" under resource group '{resource_group}'" if resource_group else ""
    return ArmError(404, "ResourceNotFound", f"The Resource '{kind}/{name}'{where} was not found.")


def parent_not_found(kind: str, name: str) -> ArmError:
    """ARM's answer for a nested resource whose parent does not exist."""
    return ArmError(
        404,
        "ParentResourceNotFound",
        f"Can not perform requested operation on nested resource. Parent resource '{name}' not found.",
        target=kind,
    )
