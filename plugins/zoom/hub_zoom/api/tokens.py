"""Access tokens for both Zoom app types, refreshed ahead of expiry, one refresh at a time.

Why the care:

* Minting a token per request breaks Zoom's app review and, for Server-to-Server apps on
  accounts without "index tolerance", a new token invalidates the previous one, so parallel
  workers would keep knocking each other's tokens out. Tokens are therefore cached in a
  :class:`TokenStore` shared by every process and refreshed only when fewer than
  ``refresh_margin`` seconds remain (or when Zoom rejected the current one).
* User (authorization-code) apps rotate refresh tokens: every refresh invalidates the
  previous refresh token. Two concurrent refreshes means one of them uses a dead token and
  the connection is lost ("Invalid Token!"). Refreshes are single-flight per connection:
  an ``asyncio.Lock`` inside the process, the store's ``refresh_lock`` across processes (a
  row or advisory lock in PostgreSQL), and after taking the lock the token is re-loaded and
  only refreshed if still needed (double-checked locking).
* The rotated refresh token is saved to the store *before* the new access token is handed
  out: if saving fails, nothing uses the new grant and the error surfaces at once, instead
  of running on a token pair that is lost at the next restart.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol, runtime_checkable

import httpx
import msgspec

from hub.observability.redaction import register_secret
from hub_zoom.api.errors import ReauthorizationRequired, ZoomAuthError
from hub_zoom.api.http import HttpClientHolder
from hub_zoom.api.logs import get_logger
from hub_zoom.api.oauth import (
    DEFAULT_OAUTH_BASE_URL,
    AuthorizationRequest,
    OAuthEndpoint,
    TokenResponse,
    build_authorize_url,
    code_challenge,
    is_invalid_grant,
    new_code_verifier,
    new_state,
)
from hub_zoom.api.retry import RetryPolicy
from hub_zoom.api.secret import Secret, as_secret

log = get_logger(__name__)

DEFAULT_REFRESH_MARGIN = 300.0
"""Refresh when fewer than this many seconds of validity remain (Zoom tokens last 1 h)."""


class StoredToken(msgspec.Struct, frozen=True, kw_only=True):
    """One connection's token as persisted by a :class:`TokenStore`.

    ``expires_at`` is a Unix timestamp computed from ``expires_in`` when the token was
    requested (Zoom sends no absolute expiry). ``refresh_token`` is None for Server-to-Server
    apps. Encode with ``msgspec.json.encode`` for storage (encrypt it: it is a credential).
    """

    access_token: str
    expires_at: float
    refresh_token: str | None = None
    scope: str = ""
    token_type: str = "bearer"
    api_url: str | None = None
    obtained_at: float = 0.0

    def __post_init__(self) -> None:
        # Runs when a token is issued and when one is read back from the store: from then
        # on the log redaction masks it wherever a message would carry it.
        register_secret(self.access_token)
        register_secret(self.refresh_token)

    def expires_in(self, now: float) -> float:
        return self.expires_at - now

    def __repr__(self) -> str:
        # Never print the tokens themselves.
        return (
            f"StoredToken(expires_at={self.expires_at!r}, scope={self.scope!r}, "
            f"refresh_token={'<set>' if self.refresh_token else None})"
        )


@runtime_checkable
class TokenStore(Protocol):
    """Where tokens live between requests and processes.

    The database-backed implementation encrypts tokens at rest and implements
    :meth:`refresh_lock` with a row lock (``SELECT ... FOR UPDATE``) or an advisory lock on
    PostgreSQL, so that across every process only one refresh per connection runs at a time.
    """

    async def load(self, connection_id: str) -> StoredToken | None:
        """Return the connection's current token, or None if it never had one."""
        ...

    async def save(self, connection_id: str, token: StoredToken) -> None:
        """Persist ``token`` durably (committed) before returning."""
        ...

    async def delete(self, connection_id: str) -> None:
        """Forget the connection's token (after revocation or uninstall)."""
        ...

    def refresh_lock(self, connection_id: str) -> AbstractAsyncContextManager[None]:
        """Hold while refreshing: at most one holder per connection across all processes."""
        ...


class MemoryTokenStore:
    """A :class:`TokenStore` for one process (tests, CLI tools, single-worker setups)."""

    def __init__(self) -> None:
        self._tokens: dict[str, StoredToken] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.saves = 0

    async def load(self, connection_id: str) -> StoredToken | None:
        return self._tokens.get(connection_id)

    async def save(self, connection_id: str, token: StoredToken) -> None:
        self._tokens[connection_id] = token
        self.saves += 1

    async def delete(self, connection_id: str) -> None:
        self._tokens.pop(connection_id, None)

    @asynccontextmanager
    async def refresh_lock(self, connection_id: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(connection_id, asyncio.Lock())
        async with lock:
            yield

    def __repr__(self) -> str:
        return f"MemoryTokenStore(connections={sorted(self._tokens)!r})"


@runtime_checkable
class TokenProvider(Protocol):
    """What :class:`~hub_zoom.api.client.ZoomClient` needs from a token source."""

    connection_id: str

    async def get_access_token(self, *, rejected: str | None = None) -> str:
        """A valid access token; with ``rejected``, one different from that refused token."""
        ...


class _CachingTokenProvider:
    """Shared cache, expiry check and single-flight refresh for both app types."""

    def __init__(
        self,
        *,
        oauth_base_url: str,
        client_id: str,
        client_secret: str | Secret,
        store: TokenStore,
        connection_id: str,
        http_client: httpx.AsyncClient | None = None,
        refresh_margin: float = DEFAULT_REFRESH_MARGIN,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.connection_id = connection_id
        self.client_id = client_id
        self.store = store
        self.refresh_margin = refresh_margin
        self._clock = clock
        self._http = HttpClientHolder(http_client)
        self._oauth = OAuthEndpoint(
            oauth_base_url or DEFAULT_OAUTH_BASE_URL,
            client_id,
            as_secret(client_secret),
            self._http,
            retry or RetryPolicy(),
        )
        self._cached: StoredToken | None = None
        self._unsaved: StoredToken | None = None
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None
        self.refreshes = 0

    @property
    def oauth_base_url(self) -> str:
        return self._oauth.oauth_base_url

    def _process_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock, self._lock_loop = asyncio.Lock(), loop
        return self._lock

    def _usable(self, token: StoredToken | None, rejected: str | None) -> bool:
        if token is None or token.access_token == rejected:
            return False
        return token.expires_in(self._clock()) > self.refresh_margin

    async def get_access_token(self, *, rejected: str | None = None) -> str:
        """Return a token with more than ``refresh_margin`` seconds left, refreshing if not.

        Pass ``rejected`` (the token Zoom just answered 401/124 to) to force a refresh unless
        another task or process already replaced that token.
        """
        cached = self._cached
        if self._usable(cached, rejected):
            return cached.access_token  # type: ignore[union-attr]
        async with self._process_lock():
            if self._usable(self._cached, rejected):
                return self._cached.access_token  # type: ignore[union-attr]
            stored = await self.store.load(self.connection_id)
            if self._usable(stored, rejected):
                self._cached = stored
                return stored.access_token  # type: ignore[union-attr]
            async with self.store.refresh_lock(self.connection_id):
                # Another process may have refreshed while we waited for the lock.
                stored = await self.store.load(self.connection_id)
                if self._usable(stored, rejected):
                    self._cached = stored
                    return stored.access_token  # type: ignore[union-attr]
                fresh = await self._refresh(stored, rejected)
                # Persist before use; if saving fails the grant is kept for the next call.
                self._unsaved = fresh
                await self.store.save(self.connection_id, fresh)
                self._unsaved = None
                self._cached = fresh
                self.refreshes += 1
                log.info("zoom token refreshed for connection %s", self.connection_id)
                return fresh.access_token

    async def _refresh(self, stored: StoredToken | None, rejected: str | None) -> StoredToken:
        unsaved = self._unsaved
        if unsaved is None:
            return await self._obtain(stored)
        # A previous refresh succeeded at Zoom but could not be saved. With rotating refresh
        # tokens the stored one is already dead, so continue from the unsaved grant.
        if self._usable(unsaved, rejected):
            return unsaved
        return await self._obtain(unsaved)

    async def _obtain(self, current: StoredToken | None) -> StoredToken:
        """Ask Zoom for a new token (``current`` is the latest known one, possibly None)."""
        raise NotImplementedError

    def _to_stored(
        self, response: TokenResponse, started: float, previous: StoredToken | None
    ) -> StoredToken:
        # Measure from before the request, so network latency shortens rather than
        # lengthens the assumed lifetime.
        refresh = response.refresh_token or (previous.refresh_token if previous else None)
        return StoredToken(
            access_token=response.access_token,
            expires_at=started + float(response.expires_in),
            refresh_token=refresh,
            scope=response.scope,
            token_type=response.token_type,
            api_url=response.api_url,
            obtained_at=started,
        )

    async def invalidate(self) -> None:
        """Drop the in-process copy; the next call re-reads the store."""
        self._cached = None

    async def revoke(self) -> None:
        """Revoke the current access token at Zoom and delete it from the store.

        For user apps this removes the app's authorization (Zoom then sends
        ``app_deauthorized``); for Server-to-Server apps it only kills the current token.
        """
        async with self.store.refresh_lock(self.connection_id):
            stored = await self.store.load(self.connection_id)
            if stored is not None:
                await self._oauth.revoke(stored.access_token)
            await self.store.delete(self.connection_id)
            self._cached = None

    async def aclose(self) -> None:
        """Close the HTTP client if this provider created it."""
        await self._http.aclose()

    async def __aenter__(self) -> _CachingTokenProvider:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(connection_id={self.connection_id!r}, "
            f"client_id={self.client_id!r}, oauth_base_url={self.oauth_base_url!r})"
        )


class ServerToServerTokens(_CachingTokenProvider):
    """Tokens of a Server-to-Server OAuth app (``grant_type=account_credentials``).

    Tokens last one hour and come without a refresh token: a new one is requested shortly
    before the old one expires. The store shares it with every process using the account.
    """

    def __init__(
        self,
        oauth_base_url: str,
        account_id: str,
        client_id: str,
        client_secret: str | Secret,
        store: TokenStore,
        connection_id: str,
        *,
        http_client: httpx.AsyncClient | None = None,
        refresh_margin: float = DEFAULT_REFRESH_MARGIN,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            oauth_base_url=oauth_base_url,
            client_id=client_id,
            client_secret=client_secret,
            store=store,
            connection_id=connection_id,
            http_client=http_client,
            refresh_margin=refresh_margin,
            retry=retry,
            clock=clock,
        )
        self.account_id = account_id

    async def _obtain(self, current: StoredToken | None) -> StoredToken:
        started = self._clock()
        response = await self._oauth.token(
            {"grant_type": "account_credentials", "account_id": self.account_id}
        )
        return self._to_stored(response, started, None)


class AuthorizationCodeTokens(_CachingTokenProvider):
    """Tokens of a user-authorized (authorization code + PKCE) app, with rotating refresh.

    Flow: :meth:`authorization_request` gives the URL to send the user to; the callback
    handler checks ``state`` and calls :meth:`exchange_code`; afterwards
    :meth:`get_access_token` refreshes as needed. A rejected refresh token raises
    :class:`ReauthorizationRequired`.
    """

    def __init__(
        self,
        oauth_base_url: str,
        client_id: str,
        client_secret: str | Secret,
        redirect_uri: str,
        store: TokenStore,
        connection_id: str,
        *,
        http_client: httpx.AsyncClient | None = None,
        refresh_margin: float = DEFAULT_REFRESH_MARGIN,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            oauth_base_url=oauth_base_url,
            client_id=client_id,
            client_secret=client_secret,
            store=store,
            connection_id=connection_id,
            http_client=http_client,
            refresh_margin=refresh_margin,
            retry=retry,
            clock=clock,
        )
        self.redirect_uri = redirect_uri

    def authorization_request(self, state: str | None = None) -> AuthorizationRequest:
        """Build the authorize URL with a fresh PKCE verifier and ``state``."""
        verifier = new_code_verifier()
        state = state or new_state()
        url = build_authorize_url(
            self.oauth_base_url,
            self.client_id,
            self.redirect_uri,
            state=state,
            code_challenge=code_challenge(verifier),
        )
        return AuthorizationRequest(url=url, state=state, code_verifier=verifier)

    async def exchange_code(self, code: str, code_verifier: str) -> StoredToken:
        """Trade the callback's ``code`` for tokens and store them for this connection."""
        async with self._process_lock(), self.store.refresh_lock(self.connection_id):
            started = self._clock()
            response = await self._oauth.token(
                {
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": self.redirect_uri,
                    "code_verifier": code_verifier,
                }
            )
            token = self._to_stored(response, started, None)
            await self.store.save(self.connection_id, token)
            self._unsaved = None
            self._cached = token
            return token

    async def _obtain(self, current: StoredToken | None) -> StoredToken:
        if current is None:
            raise ReauthorizationRequired(
                self.connection_id, "no Zoom authorization stored for this connection"
            )
        if not current.refresh_token:
            raise ReauthorizationRequired(
                self.connection_id, "the stored Zoom authorization has no refresh token"
            )
        started = self._clock()
        try:
            response = await self._oauth.token(
                {"grant_type": "refresh_token", "refresh_token": current.refresh_token}
            )
        except ZoomAuthError as exc:
            if is_invalid_grant(exc):
                raise ReauthorizationRequired(
                    self.connection_id,
                    f"Zoom rejected the refresh token ({exc.message})",
                    status=exc.status,
                    error=exc.error,
                ) from exc
            raise
        return self._to_stored(response, started, current)
