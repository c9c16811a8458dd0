"""Mount volumes as local folders: what a share, a container or a file server is on this machine.

Nothing is really mounted (that needs root and the cloud). Each storage target is one folder under the
executor's storage root, keyed by what names it on the service (account + share, account + container, file
server resource id), so that its data persists across jobs and clusters that mount the same thing. A mount
is a symbolic link at ``<mount root>/<relativeMountPath>`` to that folder, which makes
``$AZ_BATCHAI_MOUNT_ROOT/<relativeMountPath>`` (cluster volumes) and ``$AZ_BATCHAI_JOB_MOUNT_ROOT/<...>`` (job
volumes) work as on a node.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

from .naming import resource_folder, safe_component


class MountError(Exception):
    """A volume could not be made available; the job fails with this message."""


@dataclass(frozen=True)
class Mount:
    relative_path: PurePosixPath  # relativeMountPath, made safe
    storage: Path  # the folder that holds the data
    description: str  # what it stands for, for execution.log (never a credential)
    note: str = ""  # what the emulator could not do as the service did, for execution.log


def _relative(path: str) -> PurePosixPath:
    parts = [safe_component(part) for part in path.replace("\\", "/").split("/") if part not in ("", ".")]
    return PurePosixPath(*parts) if parts else PurePosixPath("_")


class StorageRoot:
    """The folders standing for Azure storage and file servers, under ``<data-dir>/execution/storage``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def file_share(self, reference: dict) -> tuple[Path, str]:
        url = str(reference.get("azureFileUrl") or "")
        share_path = urlparse(url).path  # the share, and possibly a folder inside it
        account = str(reference.get("accountName") or urlparse(url).hostname or "_").lower()
        return self.root / "fileshares" / safe_component(account) / _relative(share_path), url

    def blob_container(self, reference: dict) -> tuple[Path, str]:
        account = str(reference.get("accountName") or "_").lower()
        container = str(reference.get("containerName") or "_").lower()
        folder = self.root / "blobcontainers" / safe_component(account) / safe_component(container)
        return folder, f"https://{account}.blob.core.windows.net/{container}"

    def file_server(self, reference: dict, file_servers: dict[str, dict]) -> tuple[Path, str]:
        server_id = str((reference.get("fileServer") or {}).get("id") or "")
        folder = self.file_server_folder(server_id)
        source = str(reference.get("sourceDirectory") or "")
        mount_point = _mount_point(server_id, file_servers)
        if mount_point and source.startswith(mount_point):
            source = source[len(mount_point) :]
        if source.strip("/"):
            folder = folder / _relative(source)
        return folder, f"{server_id}{':' + reference['sourceDirectory'] if reference.get('sourceDirectory') else ''}"

    def file_server_folder(self, server_id: str) -> Path:
        """The local folder that is the file server's disk."""
        return self.root / "fileservers" / resource_folder(server_id)

    def unmanaged(self, reference: dict) -> tuple[Path, str]:
        command = str(reference.get("mountCommand") or "")
        digest = hashlib.sha256(command.encode()).hexdigest()[:16]
        return self.root / "unmanaged" / digest, f"unmanaged file system ({command})"


def _mount_point(server_id: str, file_servers: dict[str, dict]) -> str:
    for known_id, properties in file_servers.items():
        if known_id.lower() == server_id.lower():
            return str(((properties or {}).get("mountSettings") or {}).get("mountPoint") or "")
    return ""


def mounts_of(mount_volumes: dict | None, storage: StorageRoot, file_servers: dict[str, dict]) -> list[Mount]:
    """The mounts a MountVolumes wire dict asks for (cluster nodeSetup.mountVolumes or a job's mountVolumes)."""
    volumes = mount_volumes or {}
    mounts = []
    for reference in volumes.get("azureFileShares") or []:
        folder, source = storage.file_share(reference)
        mounts.append(Mount(_relative(reference.get("relativeMountPath") or ""), folder, f"Azure file share {source}"))
    for reference in volumes.get("azureBlobFileSystems") or []:
        folder, source = storage.blob_container(reference)
        mounts.append(Mount(_relative(reference.get("relativeMountPath") or ""), folder, f"blob container {source}"))
    for reference in volumes.get("fileServers") or []:
        folder, source = storage.file_server(reference, file_servers)
        mounts.append(Mount(_relative(reference.get("relativeMountPath") or ""), folder, f"file server {source}"))
    for reference in volumes.get("unmanagedFileSystems") or []:
        folder, source = storage.unmanaged(reference)
        note = "the mount command was not run; a local folder keyed by the command stands for the file system"
        mounts.append(Mount(_relative(reference.get("relativeMountPath") or ""), folder, source, note))
    return mounts


def link_mounts(mount_root: Path, mounts: list[Mount]) -> None:
    """Make each mount's folder appear at ``mount_root/<relativeMountPath>`` (idempotent, safe to race)."""
    mount_root.mkdir(parents=True, exist_ok=True)
    for mount in mounts:
        mount.storage.mkdir(parents=True, exist_ok=True)
        _link(mount_root / mount.relative_path, mount.storage)


def unlink_mounts(mount_root: Path, mounts: list[Mount]) -> None:
    """Take job volumes away after the job, as the service unmounted them; the data stays in storage."""
    for mount in mounts:
        link = mount_root / mount.relative_path
        if link.is_symlink():
            link.unlink(missing_ok=True)


def _link(link: Path, target: Path) -> None:
    if link.is_symlink():
        if Path(os.readlink(link)) == target:
            return
    elif link.exists():
        raise MountError(f"Cannot mount {target} at {link}: something that is not a mount is already there.")
    link.parent.mkdir(parents=True, exist_ok=True)
    # a link under a temporary name renamed into place: concurrent jobs of one cluster never see it half-made
    temporary = link.with_name(f".{link.name}.{uuid.uuid4().hex}")
    os.symlink(target, temporary, target_is_directory=True)
    os.replace(temporary, link)


@dataclass(frozen=True)
class MountTable:
    """Where mounted paths really live, to find output files after the job's volumes were taken away."""

    roots: tuple[tuple[Path, tuple[Mount, ...]], ...]

    def storage_path(self, path: Path) -> Path:
        """``path`` with a mount link prefix replaced by the storage folder behind it (the longest match)."""
        best: tuple[int, Path] | None = None
        for root, mounts in self.roots:
            for mount in mounts:
                link = root / mount.relative_path
                if path == link or link in path.parents:
                    depth = len(link.parts)
                    if best is None or depth > best[0]:
                        best = (depth, mount.storage / path.relative_to(link))
        return best[1] if best else path
