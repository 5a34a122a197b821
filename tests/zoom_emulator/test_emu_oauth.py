"""OAuth: server-to-server tokens, authorization code with PKCE, refresh rotation,
revocation, and how the API treats missing, expired and revoked tokens."""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import parse_qs, urlsplit

# Fixtures come from conftest.py: ``zc`` (a client on a fresh emulator) and
# ``zoom_factory`` (fresh emulators with configuration overrides).
ZoomClient = Any
ZoomFactory = Any

REDIRECT = "https://hub.example/oauth/callback"


async def test_s2s_token_shape_and_use(zc: ZoomClient) -> None:
    response = await zc.http.post(
        f"{zc.zoom.oauth_base_url}/oauth/token",
        data={"grant_type": "account_credentials", "account_id": zc.zoom.config.account_id},
        auth=(zc.zoom.config.client_id, zc.zoom.config.client_secret),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert "refresh_token" not in body
    assert body["scope"] and body["api_url"] == zc.zoom.base_url
    zc.token = body["access_token"]
    me = await zc.ok("GET", "/users/me")
    assert me["email"] == "owner@example.com"
    assert zc.zoom.state.stats.token_grants["account_credentials"] == 1


async def test_token_endpoint_errors_use_zoom_bodies(zc: ZoomClient) -> None:
    url = f"{zc.zoom.oauth_base_url}/oauth/token"
    cfg = zc.zoom.config
    bad_secret = await zc.http.post(
        url,
        data={"grant_type": "account_credentials", "account_id": cfg.account_id},
        auth=(cfg.client_id, "wrong"),
    )
    assert bad_secret.status_code == 400
    assert bad_secret.json() == {
        "reason": "Invalid client_id or client_secret",
        "error": "invalid_client",
    }
    in_body = await zc.http.post(
        url,
        data={
            "grant_type": "account_credentials",
            "account_id": cfg.account_id,
            "client_id": cfg.client_id,
            "client_secret": cfg.client_secret,
        },
    )
    assert in_body.json()["error"] == "invalid_client"
    wrong_grant = await zc.http.post(
        url, data={"grant_type": "password"}, auth=(cfg.client_id, cfg.client_secret)
    )
    assert wrong_grant.json()["error"] == "unsupported_grant_type"
    query_string = await zc.http.post(
        url,
        params={"grant_type": "account_credentials", "account_id": cfg.account_id},
        auth=(cfg.client_id, cfg.client_secret),
    )
    assert query_string.status_code == 400


async def test_api_rejects_missing_expired_and_revoked_tokens(zc: ZoomClient) -> None:
    missing = await zc.http.get(f"{zc.zoom.api_base_url}/users/me")
    assert missing.status_code == 401
    assert missing.json()["code"] == 124
    token = await zc.fetch_token()
    assert (await zc.api("GET", "/users/me")).status_code == 200
    zc.zoom.state.clock.advance(3599)
    assert (await zc.api("GET", "/users/me")).status_code == 200
    zc.zoom.state.clock.advance(2)
    expired = await zc.http.get(  # not zc.api: that one fetches a new token on expiry
        f"{zc.zoom.api_base_url}/users/me", headers={"Authorization": f"Bearer {token}"}
    )
    assert expired.status_code == 401
    assert expired.json() == {"code": 124, "message": "Access token is expired."}
    await zc.fetch_token()
    revoke = await zc.http.post(
        f"{zc.zoom.oauth_base_url}/oauth/revoke",
        data={"token": zc.token},
        auth=(zc.zoom.config.client_id, zc.zoom.config.client_secret),
    )
    assert revoke.json() == {"status": "success"}
    revoked = await zc.api("GET", "/users/me")
    assert revoked.status_code == 401 and revoked.json()["code"] == 124
    garbage = await zc.http.get(
        f"{zc.zoom.api_base_url}/users/me", headers={"Authorization": "Bearer nonsense"}
    )
    assert garbage.json() == {"code": 124, "message": "Invalid access token."}
    assert token != zc.token


def _pkce() -> tuple[str, str]:
    verifier = "x" * 20 + "verifier-0123456789-abcdefghijklmnop"
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


async def _authorize(zc: ZoomClient, challenge: str | None = None, state: str = "st-1") -> str:
    params = {
        "response_type": "code",
        "client_id": zc.zoom.config.client_id,
        "redirect_uri": REDIRECT,
        "state": state,
    }
    if challenge:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    response = await zc.http.get(f"{zc.zoom.oauth_base_url}/oauth/authorize", params=params)
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == [state]
    return query["code"][0]


async def _exchange(zc: ZoomClient, **form: str) -> tuple[int, dict[str, str]]:
    cfg = zc.zoom.config
    response = await zc.http.post(
        f"{zc.zoom.oauth_base_url}/oauth/token",
        data=form,
        auth=(cfg.client_id, cfg.client_secret),
    )
    return response.status_code, response.json()


async def test_authorization_code_pkce_single_use_and_refresh_rotation(
    zoom_factory: ZoomFactory,
) -> None:
    async with zoom_factory(redirect_uris=[REDIRECT]) as zc:
        verifier, challenge = _pkce()
        code = await _authorize(zc, challenge)
        status, body = await _exchange(
            zc, grant_type="authorization_code", code=code, redirect_uri=REDIRECT
        )
        assert (status, body["error"]) == (400, "invalid_request")  # verifier missing
        code = await _authorize(zc, challenge)
        status, body = await _exchange(
            zc,
            grant_type="authorization_code",
            code=code,
            redirect_uri="https://elsewhere.example/cb",
            code_verifier=verifier,
        )
        assert status == 400  # redirect_uri must match the authorize request
        status, tokens = await _exchange(
            zc,
            grant_type="authorization_code",
            code=code,
            redirect_uri=REDIRECT,
            code_verifier=verifier,
        )
        assert status == 200
        assert tokens["expires_in"] == 3599 and tokens["refresh_token"]
        status, again = await _exchange(
            zc,
            grant_type="authorization_code",
            code=code,
            redirect_uri=REDIRECT,
            code_verifier=verifier,
        )
        assert (status, again) == (
            400,
            {"reason": "Invalid authorization code", "error": "invalid_grant"},
        )
        status, refreshed = await _exchange(
            zc, grant_type="refresh_token", refresh_token=tokens["refresh_token"]
        )
        assert status == 200
        assert refreshed["refresh_token"] != tokens["refresh_token"]
        status, stale = await _exchange(
            zc, grant_type="refresh_token", refresh_token=tokens["refresh_token"]
        )
        assert status == 400 and stale["reason"] == "Invalid Token!"
        status, _ = await _exchange(
            zc, grant_type="refresh_token", refresh_token=refreshed["refresh_token"]
        )
        assert status == 200
        assert zc.zoom.state.stats.refreshes == 2
        zc.token = refreshed["access_token"]
        assert (await zc.ok("GET", "/users/me"))["email"] == "owner@example.com"


async def test_authorization_code_expires_after_five_minutes(zoom_factory: ZoomFactory) -> None:
    async with zoom_factory(redirect_uris=[REDIRECT]) as zc:
        code = await _authorize(zc)
        zc.zoom.state.clock.advance(301)
        status, body = await _exchange(
            zc, grant_type="authorization_code", code=code, redirect_uri=REDIRECT
        )
        assert (status, body["error"]) == (400, "invalid_grant")
        unregistered = await zc.http.get(
            f"{zc.zoom.oauth_base_url}/oauth/authorize",
            params={
                "response_type": "code",
                "client_id": zc.zoom.config.client_id,
                "redirect_uri": "https://evil.example/cb",
            },
        )
        assert unregistered.status_code == 400


async def test_s2s_tokens_coexist_unless_configured_otherwise(zoom_factory: ZoomFactory) -> None:
    async with zoom_factory(s2s_single_token=True) as zc:
        first = await zc.fetch_token()
        await zc.fetch_token()
        old = await zc.http.get(
            f"{zc.zoom.api_base_url}/users/me", headers={"Authorization": f"Bearer {first}"}
        )
        assert old.status_code == 401
    async with zoom_factory() as zc:
        first = await zc.fetch_token()
        await zc.fetch_token()
        old = await zc.http.get(
            f"{zc.zoom.api_base_url}/users/me", headers={"Authorization": f"Bearer {first}"}
        )
        assert old.status_code == 200
