"""Names derived from ARM resource ids: folder keys on disk, a job's name, its output path segment."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from pathlib import PurePosixPath

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def lookup_key(resource_id: str) -> str:
    """ARM ids compare case-insensitively; the executor indexes its tables by this key."""
    return resource_id.strip().rstrip("/").lower()


def safe_component(name: str) -> str:
    """One path component that stays inside its parent folder, whatever the input."""
    cleaned = _UNSAFE.sub("_", name) or "_"
    return "_" if cleaned in (".", "..") else cleaned


def resource_names(resource_id: str) -> list[str]:
    """The names along an ARM id: /subscriptions/S/resourceGroups/R/providers/P/workspaces/W/clusters/C -> S,R,W,C."""
    parts = [part for part in resource_id.strip("/").split("/") if part]
    names = []
    for index in range(0, len(parts) - 1, 2):
        if parts[index].lower() != "providers":
            names.append(parts[index + 1])
    return names


def resource_folder(resource_id: str) -> PurePosixPath:
    """A readable relative folder for a resource: its names, lower-cased (ARM names ignore case)."""
    names = [safe_component(name.lower()) for name in resource_names(resource_id)] or ["_"]
    return PurePosixPath(*names)


def resource_name(resource_id: str) -> str:
    names = resource_names(resource_id)
    return names[-1] if names else resource_id


def default_output_segment(job_id: str, submitted: datetime) -> str:
    """jobOutputDirectoryPathSegment for API versions whose service did not report one (2017-09-01-preview).

    The service's layout, {subscription}/{resource group}/jobs/{job}/{job uuid}, with a uuid fixed by the job
    id and its submission time, so that a restarted emulator finds the same folders.
    """
    parts = [part for part in job_id.strip("/").split("/") if part]
    pairs = [(parts[i], parts[i + 1]) for i in range(0, len(parts) - 1, 2)]
    kept = [f"{kind}/{name}" for kind, name in pairs[3:]]  # after subscriptions, resourceGroups, providers
    head = [name for _, name in pairs[:2]]
    unique = uuid.uuid5(uuid.NAMESPACE_URL, f"{lookup_key(job_id)}@{submitted.isoformat()}")
    return "/".join([*head, *kept, str(unique)])


def relative_segment(segment: str) -> PurePosixPath:
    """A server-set path segment as a relative path that cannot climb out of the folder it is joined to."""
    components = [safe_component(part) for part in segment.replace("\\", "/").split("/") if part not in ("", ".")]
    return PurePosixPath(*components) if components else PurePosixPath("_")
