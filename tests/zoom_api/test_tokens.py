"""Token management against the emulator's real OAuth endpoints.

The emulator counts token grants and refreshes, so "exactly one refresh" is asserted on
what reached Zoom, not on what the client believes it did.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time

import httpx
import pytest
from hub_zoom.api import (
    MemoryTokenStore,
    ReauthorizationRequired,
    StoredToken,
    ZoomAuthError,
    ZoomClient,
)
from hub_zoom.api.ratelimit import RateLimiter

from .conftest import FAST_RETRY, ZoomEnv


class Clock:
    """A hand-moved wall clock for the client side (the emulator has its own)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


# --- Server-to-Server -----------------------------------------------------------------


async def test_s2s_token_is_fetched_once_and_reused(zoom: ZoomEnv) -> None:
    client = zoom.client()
    for _ in range(5):
        await client.users_me()
    await asyncio.gather(*(client.users_me() for _ in range(10)))
    stats = await zoom.control.stats()
    assert stats["token_grants"] == {"account_credentials": 1}
    assert stats["calls"]["GET /v2/users/{userId}"] == 15
    stored = await zoom.store.load("conn-s2s")
    assert stored is not None and stored.refresh_token is None
    assert 3500 < stored.expires_at - time.time() <= 3600


async def test_s2s_refreshes_ahead_of_expiry_not_on_every_call(zoom: ZoomEnv) -> None:
    clock = Clock()
    client = zoom.client(zoom.s2s_tokens(clock=clock))
    await client.users_me()
    clock.now += 3600 - 600  # 10 minutes left: still fine
    await client.users_me()
    assert (await zoom.control.stats())["token_grants"]["account_credentials"] == 1
    clock.now += 400  # 200 s left, inside the 5-minute margin
    await client.users_me()
    await client.users_me()
    assert (await zoom.control.stats())["token_grants"]["account_credentials"] == 2


async def test_processes_sharing_a_store_share_one_token(zoom: ZoomEnv) -> None:
    # Two providers with their own in-process locks, one store: as two workers would be.
    first = zoom.client(zoom.s2s_tokens())
    second = zoom.client(zoom.s2s_tokens())
    await asyncio.gather(*(c.users_me() for c in (first, second) for _ in range(10)))
    assert (await zoom.control.stats())["token_grants"]["account_credentials"] == 1


async def test_rejected_token_is_refreshed_once_and_the_call_retried(zoom: ZoomEnv) -> None:
    client = zoom.client()
    await client.users_me()
    await zoom.control.advance(3700)  # Zoom's clock passes the token's expiry
    me = await client.users_me()
    assert me["email"] == "owner@example.com"
    stats = await zoom.control.stats()
    assert stats["unauthorized"] == 1
    assert stats["token_grants"]["account_credentials"] == 2
    assert client.metrics.as_dict()["token_retries"] == {"light": 1}


async def test_twenty_concurrent_rejections_cost_one_new_token(zoom: ZoomEnv) -> None:
    client = zoom.client()
    await client.users_me()
    assert await zoom.control.expire_tokens() == 1
    results = await asyncio.gather(*(client.users_me() for _ in range(20)))
    assert len(results) == 20
    stats = await zoom.control.stats()
    assert stats["token_grants"]["account_credentials"] == 2
    assert 1 <= stats["unauthorized"] <= 20


class FixedToken:
    """A token provider whose token Zoom never accepts."""

    connection_id = "conn-fixed"

    def __init__(self) -> None:
        self.asked: list[str | None] = []

    async def get_access_token(self, *, rejected: str | None = None) -> str:
        self.asked.append(rejected)
        return "not-a-zoom-token"


async def test_a_token_rejected_twice_is_an_auth_error(zoom: ZoomEnv) -> None:
    provider = FixedToken()
    client = zoom.client(provider)
    with pytest.raises(ZoomAuthError) as caught:
        await client.users_me()
    assert caught.value.code == 124 and not caught.value.retryable
    assert provider.asked == [None, "not-a-zoom-token"]
    assert (await zoom.control.stats())["unauthorized"] == 2


async def test_wrong_client_secret_is_an_auth_error(zoom: ZoomEnv) -> None:
    from hub_zoom.api import ServerToServerTokens

    tokens = ServerToServerTokens(
        zoom.handle.oauth_base_url,
        zoom.handle.config.account_id,
        zoom.handle.config.client_id,
        "wrong-secret",
        zoom.store,
        "conn-bad",
        http_client=zoom.http,
        retry=FAST_RETRY,
    )
    with pytest.raises(ZoomAuthError) as caught:
        await zoom.client(tokens).users_me()
    assert caught.value.error == "invalid_client"
    assert not isinstance(caught.value, ReauthorizationRequired)
    assert "wrong-secret" not in str(caught.value) + repr(caught.value)


# --- authorization code, PKCE, rotation ------------------------------------------------


async def test_authorization_code_with_pkce(zoom: ZoomEnv) -> None:
    tokens = zoom.user_tokens()
    await zoom.authorize(tokens)
    stored = await zoom.store.load("conn-user")
    assert stored is not None and stored.refresh_token
    me = await zoom.client(tokens).users_me()
    assert me["email"] == "owner@example.com"
    assert (await zoom.control.stats())["token_grants"] == {"authorization_code": 1}


async def test_a_wrong_code_verifier_is_refused(zoom: ZoomEnv) -> None:
    tokens = zoom.user_tokens()
    request = tokens.authorization_request()
    response = await zoom.http.get(request.url)
    code = httpx.URL(response.headers["location"]).params["code"]
    with pytest.raises(ZoomAuthError):
        await tokens.exchange_code(code, "x" * 64)
    assert await zoom.store.load("conn-user") is None


async def test_rotation_under_twenty_concurrent_calls_refreshes_once(zoom: ZoomEnv) -> None:
    clock = Clock()
    tokens = zoom.user_tokens(clock=clock)
    await zoom.authorize(tokens)
    before = await zoom.store.load("conn-user")
    assert before is not None
    client = zoom.client(tokens)
    clock.now += 3599 - 60  # one minute left: every call wants a refresh
    await asyncio.gather(*(client.users_me() for _ in range(20)))
    stats = await zoom.control.stats()
    assert stats["refreshes"] == 1
    after = await zoom.store.load("conn-user")
    assert after is not None
    assert after.refresh_token != before.refresh_token
    assert after.access_token != before.access_token
    # The previous refresh token is dead on Zoom's side (rotation).
    response = await _raw_refresh(zoom, before.refresh_token or "")
    assert response.status_code in (400, 401)
    assert response.json()["reason"] == "Invalid Token!"


async def test_two_processes_refresh_once_between_them(zoom: ZoomEnv) -> None:
    clock = Clock()
    first = zoom.user_tokens(clock=clock)
    await zoom.authorize(first)
    second = zoom.user_tokens(clock=clock)  # another worker: own lock, same store
    clock.now += 3599
    clients = [zoom.client(first), zoom.client(second)]
    await asyncio.gather(*(c.users_me() for c in clients for _ in range(10)))
    assert (await zoom.control.stats())["refreshes"] == 1


class FlakyStore(MemoryTokenStore):
    """A store whose saves fail while ``down`` is set (a database outage)."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False

    async def save(self, connection_id: str, token: StoredToken) -> None:
        if self.down:
            raise ConnectionError("token database unavailable")
        await super().save(connection_id, token)


async def test_rotated_token_is_saved_before_the_new_access_token_is_used(
    zoom: ZoomEnv,
) -> None:
    clock = Clock()
    zoom.store = FlakyStore()
    tokens = zoom.user_tokens(clock=clock)
    await zoom.authorize(tokens)
    client = zoom.client(tokens)
    clock.now += 3599
    zoom.store.down = True
    with pytest.raises(ConnectionError):
        await client.users_me()
    stats = await zoom.control.stats()
    assert stats["refreshes"] == 1
    assert stats["calls"].get("GET /v2/users/{userId}", 0) == 0  # new token never used
    # Once the store is back, the unsaved grant is saved and used: no second refresh,
    # and the rotated refresh token is not lost.
    zoom.store.down = False
    await client.users_me()
    stats = await zoom.control.stats()
    assert stats["refreshes"] == 1
    assert stats["calls"]["GET /v2/users/{userId}"] == 1
    stored = await zoom.store.load("conn-user")
    assert stored is not None
    assert (await _raw_refresh(zoom, stored.refresh_token or "")).status_code == 200


async def test_a_refresh_token_used_elsewhere_requires_reauthorization(zoom: ZoomEnv) -> None:
    clock = Clock()
    tokens = zoom.user_tokens(clock=clock)
    await zoom.authorize(tokens)
    stored = await zoom.store.load("conn-user")
    assert stored is not None
    # Someone outside the store's lock refreshes with our token: ours is now rotated out.
    assert (await _raw_refresh(zoom, stored.refresh_token or "")).status_code == 200
    clock.now += 3599
    with pytest.raises(ReauthorizationRequired) as caught:
        await zoom.client(tokens).users_me()
    assert caught.value.connection_id == "conn-user"
    assert not caught.value.retryable
    assert "Invalid Token!" in caught.value.message
    assert (stored.refresh_token or "-") not in str(caught.value)


async def test_a_connection_without_authorization_requires_it(zoom: ZoomEnv) -> None:
    with pytest.raises(ReauthorizationRequired):
        await zoom.client(zoom.user_tokens("never-authorized")).users_me()


async def test_revoke_forgets_the_connection(zoom: ZoomEnv) -> None:
    tokens = zoom.user_tokens()
    await zoom.authorize(tokens)
    client = zoom.client(tokens)
    await client.users_me()
    await tokens.revoke()
    assert await zoom.store.load("conn-user") is None
    assert (await zoom.control.stats())["revocations"] == 1
    with pytest.raises(ReauthorizationRequired):
        await client.users_me()


async def test_tokens_and_secrets_never_reach_the_logs(
    zoom: ZoomEnv, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    clock = Clock()
    tokens = zoom.user_tokens(clock=clock)
    await zoom.authorize(tokens)
    client = ZoomClient(
        zoom.handle.api_base_url, tokens, "pro", zoom.http, limiter=RateLimiter("pro")
    )
    await client.users_me()
    clock.now += 3599
    await client.users_me()
    await zoom.control.expire_tokens()
    await client.users_me()
    stored = await zoom.store.load("conn-user")
    assert stored is not None
    secrets = [stored.access_token, stored.refresh_token or "", zoom.handle.config.client_secret]
    text = caplog.text + repr(client) + repr(tokens) + repr(stored)
    for secret in secrets:
        assert secret not in text


async def _raw_refresh(zoom: ZoomEnv, refresh_token: str):  # type: ignore[no-untyped-def]
    """Use a refresh token directly, as another installation of the app would."""
    credentials = f"{zoom.handle.config.client_id}:{zoom.handle.config.client_secret}"
    return await zoom.http.post(
        f"{zoom.handle.oauth_base_url}/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        headers={"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()},
    )
