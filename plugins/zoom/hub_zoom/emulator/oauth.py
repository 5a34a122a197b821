"""Zoom's OAuth endpoints: ``/oauth/token``, ``/oauth/authorize``, ``/oauth/revoke``.

Grants (notes §2):

* ``account_credentials`` (server-to-server): Basic client auth plus ``account_id``;
  one-hour tokens and no refresh token.
* ``authorization_code``: the code from ``/oauth/authorize`` (consent is granted at
  once), valid 5 minutes and single-use, ``redirect_uri`` must match the authorize
  request, PKCE S256 is verified when a challenge was given.
* ``refresh_token``: returns a new access token and a new refresh token; the old
  refresh token then fails with "Invalid Token!".

Parameters are read from the form body only.  Zoom's docs also allow the query
string, but a 2025 report saw 400s for that; the strict reading rejects it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from litestar import Request, Response, Router, get, post
from litestar.response import Redirect

from .config import OAuthApp
from .errors import OAuthError
from .httputil import json_response
from .state import ZoomEmulator

# Section 7 of the notes: status and ``error`` vary in reports (400 or 401;
# invalid_request or invalid_grant).  We answer 400 with the most recent observation.
INVALID_CLIENT = ("Invalid client_id or client_secret", "invalid_client")
INVALID_TOKEN = ("Invalid Token!", "invalid_grant")
INVALID_CODE = ("Invalid authorization code", "invalid_grant")


def _emulator(request: Request[Any, Any, Any]) -> ZoomEmulator:
    return request.app.state.emulator  # type: ignore[no-any-return]


def _basic_credentials(request: Request[Any, Any, Any]) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        return None
    return client_id, secret


def _authenticate_client(
    emulator: ZoomEmulator, request: Request[Any, Any, Any], form: dict[str, str]
) -> OAuthApp:
    credentials = _basic_credentials(request)
    if credentials is None:
        # Public clients (PKCE, no secret) identify themselves with client_id only.
        app = emulator.apps.get(form.get("client_id", ""))
        if app is not None and app.public_client and form.get("code_verifier"):
            return app
        if form.get("client_id") or form.get("client_secret"):
            raise OAuthError("Invalid client credentials", "invalid_client")
        raise OAuthError(*INVALID_CLIENT)
    client_id, secret = credentials
    app = emulator.apps.get(client_id)
    if app is None or not hmac.compare_digest(app.client_secret, secret):
        raise OAuthError(*INVALID_CLIENT)
    return app


async def _form(request: Request[Any, Any, Any]) -> dict[str, str]:
    raw = (await request.body()).decode("utf-8", "replace")
    return dict(parse_qsl(raw, keep_blank_values=True))


def _token_body(
    emulator: ZoomEmulator, access: Any, refresh: Any | None, ttl: int, scope: str
) -> dict[str, Any]:
    body: dict[str, Any] = {"access_token": access.token, "token_type": "bearer"}
    if refresh is not None:
        body["refresh_token"] = refresh.token
    body["expires_in"] = ttl
    body["scope"] = scope
    body["api_url"] = emulator.base_url
    return body


@post("/token", opt={"zoom": "oauth"}, status_code=200)
async def token(request: Request[Any, Any, Any]) -> Response[bytes]:
    emulator = _emulator(request)
    form = await _form(request)
    grant_type = form.get("grant_type", "")
    if not grant_type and request.query_params.get("grant_type"):
        emulator.stats.token_errors["query_string"] += 1
        raise OAuthError("Invalid request : Bad Request", "invalid_request")
    try:
        app = _authenticate_client(emulator, request, form)
        if grant_type == "account_credentials":
            return _account_credentials(emulator, app, form)
        if grant_type == "authorization_code":
            return _authorization_code(emulator, app, form)
        if grant_type == "refresh_token":
            return _refresh(emulator, app, form)
        raise OAuthError("Unsupported grant type", "unsupported_grant_type")
    except OAuthError as exc:
        emulator.stats.token_errors[exc.error] += 1
        raise


def _account_credentials(
    emulator: ZoomEmulator, app: OAuthApp, form: dict[str, str]
) -> Response[bytes]:
    account_id = form.get("account_id", "")
    if account_id != app.account_id:
        raise OAuthError("Invalid account_id", "invalid_request")
    owner = emulator.account_owner(app.account_id)
    grant = emulator.tokens.grant_for(app, owner.id, "s2s", app.scopes)
    ttl = emulator.config.s2s_token_ttl
    access = emulator.tokens.issue_access(grant, ttl, single=emulator.config.s2s_single_token)
    emulator.stats.token_grants["account_credentials"] += 1
    return json_response(_token_body(emulator, access, None, ttl, app.scopes))


def _authorization_code(
    emulator: ZoomEmulator, app: OAuthApp, form: dict[str, str]
) -> Response[bytes]:
    record = emulator.tokens.codes.get(form.get("code", ""))
    if record is None or record.app.client_id != app.client_id:
        raise OAuthError(*INVALID_CODE)
    if record.used or emulator.clock.now() >= record.expires_at:
        raise OAuthError(*INVALID_CODE)
    if record.redirect_uri is not None and form.get("redirect_uri") != record.redirect_uri:
        raise OAuthError("Redirect URI mismatch.", "invalid_request")
    if record.code_challenge is not None:
        verifier = form.get("code_verifier", "")
        digest = hashlib.sha256(verifier.encode()).digest()
        computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if not verifier or not hmac.compare_digest(computed, record.code_challenge):
            raise OAuthError("Invalid code_verifier", "invalid_request")
    record.used = True
    grant = emulator.tokens.new_user_grant(app, record.user_id, app.scopes)
    ttl = emulator.config.user_token_ttl
    access = emulator.tokens.issue_access(grant, ttl)
    refresh = emulator.tokens.issue_refresh(grant, emulator.config.refresh_token_ttl)
    emulator.stats.token_grants["authorization_code"] += 1
    return json_response(_token_body(emulator, access, refresh, ttl, app.scopes))


def _refresh(emulator: ZoomEmulator, app: OAuthApp, form: dict[str, str]) -> Response[bytes]:
    presented = form.get("refresh_token", "")
    record = emulator.tokens.refresh.get(presented)
    if record is None or record.grant.app.client_id != app.client_id:
        raise OAuthError(*INVALID_TOKEN)
    successor = emulator.tokens.rotate_refresh(presented, emulator.config.refresh_token_ttl)
    if successor is None:
        raise OAuthError(*INVALID_TOKEN)
    ttl = emulator.config.user_token_ttl
    access = emulator.tokens.issue_access(successor.grant, ttl)
    emulator.stats.token_grants["refresh_token"] += 1
    emulator.stats.refreshes += 1
    return json_response(_token_body(emulator, access, successor, ttl, successor.grant.scope))


@get("/authorize", opt={"zoom": "oauth"})
async def authorize(request: Request[Any, Any, Any]) -> Response[Any]:
    """Consent is granted at once; redirects back with ``code`` and ``state``.

    ``login_hint`` (an email of an emulated user) picks the authorizing user; the
    account owner of the app's account is the default.
    """
    emulator = _emulator(request)
    params = request.query_params
    if params.get("response_type") != "code":
        raise OAuthError("Unsupported response type", "unsupported_response_type")
    app = emulator.apps.get(params.get("client_id", ""))
    if app is None:
        raise OAuthError("Invalid client_id", "invalid_client")
    redirect_uri = params.get("redirect_uri")
    if redirect_uri is None:
        if not app.redirect_uris:
            raise OAuthError("Redirect URI mismatch.", "invalid_request")
        redirect_uri_target = app.redirect_uris[0]
    else:
        if app.redirect_uris and redirect_uri not in app.redirect_uris:
            raise OAuthError("Redirect URI mismatch.", "invalid_request")
        redirect_uri_target = redirect_uri
    challenge = params.get("code_challenge")
    method = params.get("code_challenge_method")
    if challenge is not None and (method or "plain") != "S256":
        raise OAuthError("Unsupported code_challenge_method", "invalid_request")
    hint = params.get("login_hint")
    user = emulator.users_by_email.get(hint.lower()) if hint else None
    if user is None or user.account_id != app.account_id:
        user = emulator.account_owner(app.account_id)
    record = emulator.tokens.issue_code(app, user.id, redirect_uri, challenge, method)
    extra = {"code": record.code}
    if params.get("state") is not None:
        extra["state"] = params["state"]
    parts = urlsplit(redirect_uri_target)
    query_items = [*parse_qsl(parts.query, keep_blank_values=True), *extra.items()]
    location = urlunsplit(parts._replace(query=urlencode(query_items)))
    return Redirect(path=location, status_code=302)


@post("/revoke", opt={"zoom": "oauth"}, status_code=200)
async def revoke(request: Request[Any, Any, Any]) -> Response[bytes]:
    emulator = _emulator(request)
    form = await _form(request)
    _authenticate_client(emulator, request, form)
    if not emulator.tokens.revoke(form.get("token", "")):
        raise OAuthError(*INVALID_TOKEN)
    emulator.stats.revocations += 1
    return json_response({"status": "success"})


def oauth_router(middleware: list[Any]) -> Router:
    return Router(path="/oauth", route_handlers=[token, authorize, revoke], middleware=middleware)
