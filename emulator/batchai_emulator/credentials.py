"""Credentials that hand out a bearer token without any network (the emulator accepts any token)."""

from __future__ import annotations

import time

from azure.core.credentials import AccessToken, AccessTokenInfo

_TEN_YEARS = 10 * 365 * 24 * 3600


class FakeCredential:
    """Sync credential. azure-core 1.41's bearer policies call ``get_token_info``
    when it exists and fall back to ``get_token``; both are provided.
    ``scopes_requested`` records the scopes of every call, for assertions."""

    def __init__(self, token: str = "test-token"):
        self.token = token
        self.scopes_requested: list[tuple[str, ...]] = []

    def _expiry(self) -> int:
        return int(time.time()) + _TEN_YEARS

    def get_token(self, *scopes: str, **kwargs) -> AccessToken:
        self.scopes_requested.append(scopes)
        return AccessToken(self.token, self._expiry())

    def get_token_info(self, *scopes: str, options=None) -> AccessTokenInfo:
        self.scopes_requested.append(scopes)
        return AccessTokenInfo(self.token, self._expiry())

    def close(self) -> None:
        pass

    def __enter__(self) -> FakeCredential:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


class AsyncFakeCredential(FakeCredential):
    """Async counterpart of FakeCredential for the aio clients."""

    async def get_token(self, *scopes: str, **kwargs) -> AccessToken:  # type: ignore[override]
        return FakeCredential.get_token(self, *scopes, **kwargs)

    async def get_token_info(self, *scopes: str, options=None) -> AccessTokenInfo:  # type: ignore[override]
        return FakeCredential.get_token_info(self, *scopes, options=options)

    async def close(self) -> None:  # type: ignore[override]
        pass

    async def __aenter__(self) -> AsyncFakeCredential:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()


EmulatorCredential = FakeCredential  # the name the emulator's client snippet uses
