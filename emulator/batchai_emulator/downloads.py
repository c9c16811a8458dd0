"""Download URLs of output files: signed, expiring, each good for one file only.

The service answered ``listOutputFiles`` with Azure Files SAS URLs; the emulator serves the files itself,
over the same HTTPS, at ``/_emulator/files/<token>/<file name>``. The token carries the job id, the
output directory id, the file's path in it and the expiry, signed with HMAC-SHA256 under a key kept
in the data directory's database: a changed byte, another file or a late request is refused, and the
path is resolved inside the output directory only (no ``..``, no symbolic link out of it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

DOWNLOAD_PREFIX = "/_emulator/files/"
KEY_SETTING = "download_signing_key"


@dataclass(frozen=True)
class Grant:
    job_id: str
    directory_id: str
    path: str  # relative to the output directory, "/"-separated
    expires: int  # unix seconds


class DownloadSigner:
    def __init__(self, key: bytes):
        self._key = key

    @staticmethod
    def new_key() -> str:
        return secrets.token_hex(32)

    def url(self, base_url: str, grant: Grant) -> str:
        payload = _b64(json.dumps([grant.job_id, grant.directory_id, grant.path, grant.expires]).encode())
        name = quote(grant.path.rsplit("/", 1)[-1])
        return f"{base_url}{DOWNLOAD_PREFIX}{payload}.{self._sign(payload)}/{name}"

    def verify(self, token: str, now: float | None = None) -> Grant:
        """The grant of a token; ``PermissionError`` when forged, malformed or expired."""
        payload, _, signature = token.partition(".")
        if not payload or not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            raise PermissionError("The download link is not valid.")
        try:
            job_id, directory_id, path, expires = json.loads(_unb64(payload))
            grant = Grant(str(job_id), str(directory_id), str(path), int(expires))
        except (ValueError, TypeError) as error:
            raise PermissionError("The download link is not valid.") from error
        if (time.time() if now is None else now) > grant.expires:
            raise PermissionError("The download link has expired.")
        return grant

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())


def resolve_inside(root: Path, relative: str) -> Path | None:
    """``root/relative`` if it is a file inside ``root`` (after resolving links), else None."""
    if not relative or relative.startswith("/") or "\\" in relative or "\x00" in relative:
        return None
    parts = relative.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return None
    base = root.resolve()
    candidate = (base / Path(*parts)).resolve()
    if not candidate.is_relative_to(base) or not candidate.is_file():
        return None
    return candidate


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
