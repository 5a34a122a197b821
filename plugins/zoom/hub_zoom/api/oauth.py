"""Zoom's OAuth endpoints: authorize URL with PKCE, the token endpoint, revocation.

Everything that speaks to ``{oauth_base_url}/oauth/...`` lives here so that the token
providers in :mod:`hub_zoom.api.tokens` only decide *when* to ask for a token. Client
credentials always go in a Basic ``Authorization`` header and grant parameters in a form
body: Zoom accepts query parameters too, but they have been seen to fail and they would
leave codes and refresh tokens in access logs.

The token endpoint is retried on 5xx, 429 and transport errors. For a refresh-token grant a
lost response is unrecoverable whether or not we retry (Zoom rotated the token and the new
one never arrived), so retrying in place is never worse than failing.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
import msgspec

from hub_zoom.api.errors import ZoomAuthError, ZoomUnavailable
from hub_zoom.api.http import HttpClientHolder
from hub_zoom.api.logs import get_logger
from hub_zoom.api.retry import RetryPolicy, parse_retry_after
from hub_zoom.api.secret import Secret

log = get_logger(__name__)

DEFAULT_OAUTH_BASE_URL = "https://zoom.us"


def new_code_verifier() -> str:
    """A PKCE code verifier: 43 to 128 characters of ``[A-Za-z0-9-._~]`` (RFC 7636)."""
    return secrets.token_urlsafe(64)[:96]


def code_challenge(verifier: str) -> str:
    """``base64url(SHA-256(verifier))`` without padding: the S256 challenge."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_state() -> str:
    """An unguessable ``state`` value binding the callback to the browser that started it."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """The authorize URL to send the user to, plus what the callback handler must keep.

    Store ``state`` and ``code_verifier`` server-side (keyed by the user's session); on the
    callback, compare ``state`` and pass ``code_verifier`` to ``exchange_code``.
    """

    url: str
    state: str
    code_verifier: str = field(repr=False)


def build_authorize_url(
    oauth_base_url: str,
    client_id: str,
    redirect_uri: str,
    *,
    state: str,
    code_challenge: str,
) -> str:
    """``{oauth_base_url}/oauth/authorize?response_type=code&...`` with an S256 challenge."""
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{oauth_base_url.rstrip('/')}/oauth/authorize?{query}"


class TokenResponse(msgspec.Struct, kw_only=True):
    """The token endpoint's answer. ``refresh_token`` is None for Server-to-Server apps."""

    access_token: str
    expires_in: float = 3600.0
    token_type: str = "bearer"
    refresh_token: str | None = None
    scope: str = ""
    api_url: str | None = None

    def __repr__(self) -> str:
        return f"TokenResponse(expires_in={self.expires_in!r}, scope={self.scope!r})"


_INVALID_GRANT_REASONS = ("invalid token", "invalid refresh token", "token has been revoked")


def is_invalid_grant(error: ZoomAuthError) -> bool:
    """True when the token endpoint rejected the grant itself (a dead refresh token or code).

    Zoom answers a stale, rotated or revoked refresh token with ``reason: "Invalid Token!"``
    and ``error`` of ``invalid_grant`` or ``invalid_request`` (400, sometimes 401).
    """
    reason = error.message.lower()
    return error.error == "invalid_grant" or any(r in reason for r in _INVALID_GRANT_REASONS)


class OAuthEndpoint:
    """Calls ``/oauth/token`` and ``/oauth/revoke`` for one Zoom app (client id and secret)."""

    def __init__(
        self,
        oauth_base_url: str,
        client_id: str,
        client_secret: Secret,
        http: HttpClientHolder,
        retry: RetryPolicy,
    ) -> None:
        self.oauth_base_url = oauth_base_url.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self._http = http
        self._retry = retry
        self.calls = 0

    def _basic_auth(self) -> str:
        raw = f"{self.client_id}:{self._client_secret.reveal()}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")

    async def _post(self, path: str, form: dict[str, str]) -> httpx.Response:
        url = f"{self.oauth_base_url}{path}"
        headers = {"Authorization": self._basic_auth(), "Accept": "application/json"}
        attempt = 0
        while True:
            attempt += 1
            self.calls += 1
            try:
                response = await self._http.client.post(url, data=form, headers=headers)
            except (httpx.UnsupportedProtocol, httpx.LocalProtocolError) as exc:
                raise ZoomAuthError(
                    None,
                    None,
                    f"cannot reach the OAuth endpoint ({type(exc).__name__}); check oauth_base_url",
                    method="POST",
                    path=path,
                ) from exc
            except httpx.TransportError as exc:
                if attempt >= self._retry.max_attempts:
                    raise ZoomUnavailable(
                        None,
                        None,
                        f"Zoom OAuth unreachable: {type(exc).__name__}",
                        method="POST",
                        path=path,
                    ) from exc
                delay = self._retry.backoff(attempt)
                log.warning("zoom oauth %s: %s, retrying in %.2fs", path, type(exc).__name__, delay)
                await asyncio.sleep(delay)
                continue
            status = response.status_code
            if status == 429 or status >= 500:
                if attempt >= self._retry.max_attempts:
                    raise ZoomUnavailable(
                        status, None, f"Zoom OAuth answered {status}", method="POST", path=path
                    )
                seconds, _ = parse_retry_after(response.headers.get("Retry-After"))
                delay = self._retry.backoff(attempt)
                if seconds is not None and status == 429:
                    delay = min(max(delay, seconds), self._retry.max_rate_limit_wait)
                log.warning("zoom oauth %s: HTTP %s, retrying in %.2fs", path, status, delay)
                await asyncio.sleep(delay)
                continue
            return response

    async def token(self, form: dict[str, str]) -> TokenResponse:
        """POST a grant to ``/oauth/token``; raise :class:`ZoomAuthError` when refused."""
        response = await self._post("/oauth/token", form)
        if response.status_code != 200:
            raise _oauth_error(response, "/oauth/token")
        try:
            return msgspec.json.decode(response.content, type=TokenResponse)
        except msgspec.DecodeError as exc:
            raise ZoomUnavailable(
                response.status_code,
                None,
                "Zoom OAuth returned an unreadable token response",
                method="POST",
                path="/oauth/token",
            ) from exc

    async def revoke(self, token: str) -> None:
        """POST ``token=...`` to ``/oauth/revoke``; an already revoked token counts as done."""
        response = await self._post("/oauth/revoke", {"token": token})
        if response.status_code == 200:
            return
        error = _oauth_error(response, "/oauth/revoke")
        if is_invalid_grant(error):
            return
        raise error


def _oauth_error(response: httpx.Response, path: str) -> ZoomAuthError:
    body: dict[str, Any] = {}
    try:
        decoded = msgspec.json.decode(response.content)
        if isinstance(decoded, dict):
            body = decoded
    except msgspec.DecodeError:
        pass
    reason = str(body.get("reason") or body.get("message") or f"HTTP {response.status_code}")
    error = body.get("error")
    code = body.get("code") if isinstance(body.get("code"), int) else None
    return ZoomAuthError(
        response.status_code,
        code,
        reason,
        error=str(error) if error is not None else None,
        method="POST",
        path=path,
    )
