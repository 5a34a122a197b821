"""OAuth grants, access tokens, refresh tokens and authorization codes.

Access tokens are JWTs like Zoom's (clients must treat them as opaque).  Every token
belongs to a grant: a server-to-server grant per app, or an authorization-code grant
per (app, user).  Refresh rotates the refresh token, and the previous one stops
working ("Invalid Token!").  Revoking any token of a grant revokes the whole grant, as
uninstalling or revoking an app does on Zoom.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

import jwt

from .clock import Clock
from .config import OAuthApp


@dataclass
class Grant:
    id: str
    app: OAuthApp
    account_id: str
    user_id: str
    kind: Literal["s2s", "user"]
    scope: str
    revoked: bool = False
    access_tokens: list[str] = field(default_factory=list)


@dataclass
class AccessToken:
    token: str
    grant: Grant
    expires_at: datetime
    revoked: bool = False


@dataclass
class RefreshToken:
    token: str
    grant: Grant
    expires_at: datetime
    active: bool = True


@dataclass
class AuthorizationCode:
    code: str
    app: OAuthApp
    user_id: str
    redirect_uri: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    expires_at: datetime
    used: bool = False


TokenProblem = Literal["missing", "invalid", "expired", "revoked"]


class TokenStore:
    AUTH_CODE_LIFETIME = timedelta(minutes=5)

    def __init__(self, clock: Clock, seed: int) -> None:
        self._clock = clock
        self._signing_key = f"zoom-emulator-{seed}-{secrets.token_hex(32)}"
        self.access: dict[str, AccessToken] = {}
        self.refresh: dict[str, RefreshToken] = {}
        self.codes: dict[str, AuthorizationCode] = {}
        self.grants: dict[tuple[str, str, str], Grant] = {}

    # ------------------------------------------------------------------ issuing
    def grant_for(
        self, app: OAuthApp, user_id: str, kind: Literal["s2s", "user"], scope: str
    ) -> Grant:
        key = (app.client_id, user_id, kind)
        grant = self.grants.get(key)
        if grant is None or grant.revoked:
            grant = Grant(secrets.token_hex(8), app, app.account_id, user_id, kind, scope)
            self.grants[key] = grant
        return grant

    def new_user_grant(self, app: OAuthApp, user_id: str, scope: str) -> Grant:
        """Re-authorizing the same user and app revokes the earlier tokens (4741)."""
        key = (app.client_id, user_id, "user")
        previous = self.grants.get(key)
        if previous is not None:
            self.revoke_grant(previous)
        grant = Grant(secrets.token_hex(8), app, app.account_id, user_id, "user", scope)
        self.grants[key] = grant
        return grant

    def issue_access(self, grant: Grant, ttl: int, single: bool = False) -> AccessToken:
        now = self._clock.now()
        if single:
            for old in grant.access_tokens:
                if old in self.access:
                    self.access[old].revoked = True
        payload = {
            "aud": "https://oauth.zoom.us",
            "uid": grant.user_id,
            "ver": 10,
            "auid": grant.id,
            "nbf": int(now.timestamp()),
            "iss": f"zm:cid:{grant.app.client_id}",
            "gty": "account_credentials" if grant.kind == "s2s" else "authorization_code",
            "aid": grant.account_id,
            "exp": int(now.timestamp()) + ttl,
            "iat": int(now.timestamp()),
            "jti": secrets.token_hex(8),
        }
        token = jwt.encode(payload, self._signing_key, algorithm="HS512")
        record = AccessToken(token, grant, now + timedelta(seconds=ttl))
        self.access[token] = record
        grant.access_tokens.append(token)
        return record

    def issue_refresh(self, grant: Grant, ttl: int) -> RefreshToken:
        now = self._clock.now()
        payload = {
            "aud": "https://oauth.zoom.us",
            "uid": grant.user_id,
            "auid": grant.id,
            "iss": f"zm:cid:{grant.app.client_id}",
            "tt": "refresh",
            "iat": int(now.timestamp()),
            "jti": secrets.token_hex(8),
        }
        token = jwt.encode(payload, self._signing_key, algorithm="HS512")
        record = RefreshToken(token, grant, now + timedelta(seconds=ttl))
        self.refresh[token] = record
        return record

    def issue_code(
        self,
        app: OAuthApp,
        user_id: str,
        redirect_uri: str | None,
        code_challenge: str | None,
        code_challenge_method: str | None,
    ) -> AuthorizationCode:
        code = secrets.token_urlsafe(24)
        record = AuthorizationCode(
            code,
            app,
            user_id,
            redirect_uri,
            code_challenge,
            code_challenge_method,
            self._clock.now() + self.AUTH_CODE_LIFETIME,
        )
        self.codes[code] = record
        return record

    # ------------------------------------------------------------------ checking
    def check_access(self, token: str | None) -> AccessToken | TokenProblem:
        if not token:
            return "missing"
        record = self.access.get(token)
        if record is None:
            return "invalid"
        if record.revoked or record.grant.revoked:
            return "revoked"
        if self._clock.now() >= record.expires_at:
            return "expired"
        return record

    def rotate_refresh(self, token: str, ttl: int) -> RefreshToken | None:
        """Deactivate ``token`` and return its successor, or None if it is not usable."""
        record = self.refresh.get(token)
        if record is None or not record.active or record.grant.revoked:
            return None
        if self._clock.now() >= record.expires_at:
            return None
        record.active = False
        return self.issue_refresh(record.grant, ttl)

    def revoke(self, token: str) -> bool:
        grant: Grant | None = None
        if token in self.access:
            grant = self.access[token].grant
        elif token in self.refresh:
            grant = self.refresh[token].grant
        if grant is None:
            return False
        self.revoke_grant(grant)
        return True

    def revoke_grant(self, grant: Grant) -> None:
        grant.revoked = True
        for token in grant.access_tokens:
            if token in self.access:
                self.access[token].revoked = True
        for record in self.refresh.values():
            if record.grant is grant:
                record.active = False
