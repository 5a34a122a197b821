"""Fixtures for the Zoom API client tests: a real emulator on loopback, and clients for it.

Every test gets a fresh emulator (its own port, state and clock) and a fresh
:class:`RateLimiter`, so budgets and counters never leak between tests. Retry delays are
shrunk so fault tests run in milliseconds; the emulator's clock is moved through its
control API instead of sleeping.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from hub_zoom.api import (
    AuthorizationCodeTokens,
    MemoryTokenStore,
    RateLimiter,
    RetryPolicy,
    ServerToServerTokens,
    ZoomClient,
)
from hub_zoom.emulator.testing import EmulatorHandle, running_emulator

FAST_RETRY = RetryPolicy(
    max_attempts=4,
    base_delay=0.01,
    max_delay=0.05,
    max_rate_limit_retries=8,
    max_rate_limit_wait=2.0,
    rate_limit_delay=0.02,
)
REDIRECT_URI = "https://hub.example.com/zoom/callback"


class Control:
    """The emulator's ``/_emulator`` control API (faults, clock, stats)."""

    def __init__(self, handle: EmulatorHandle, http: httpx.AsyncClient) -> None:
        self.handle = handle
        self._http = http

    async def post(self, path: str, body: Any = None) -> Any:
        response = await self._http.post(f"{self.handle.control_url}{path}", json=body or {})
        response.raise_for_status()
        return response.json()

    async def stats(self) -> dict[str, Any]:
        response = await self._http.get(f"{self.handle.control_url}/stats")
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    async def calls(self, route: str) -> int:
        return int((await self.stats())["calls"].get(route, 0))

    async def faults(self, **config: Any) -> None:
        await self.post("/faults", config)

    async def clear_faults(self) -> None:
        await self.post("/faults", {})

    async def advance(self, seconds: float) -> None:
        await self.post("/clock/advance", {"seconds": seconds})

    async def expire_tokens(self) -> int:
        return int((await self.post("/tokens/expire"))["expired"])

    async def start_meeting(self, meeting_id: int, **body: Any) -> dict[str, Any]:
        return await self.post(f"/meetings/{meeting_id}/start", body)  # type: ignore[no-any-return]

    async def join(self, meeting_id: int, **body: Any) -> dict[str, Any]:
        return await self.post(f"/meetings/{meeting_id}/join", body)  # type: ignore[no-any-return]

    async def end_meeting(self, meeting_id: int, **body: Any) -> dict[str, Any]:
        return await self.post(f"/meetings/{meeting_id}/end", body)  # type: ignore[no-any-return]

    async def record(self, meeting_id: int, **body: Any) -> dict[str, Any]:
        return await self.post(f"/meetings/{meeting_id}/recording", body)  # type: ignore[no-any-return]


@dataclass
class ZoomEnv:
    """One emulator plus the pieces a test needs to build clients against it."""

    handle: EmulatorHandle
    control: Control
    http: httpx.AsyncClient
    store: MemoryTokenStore = field(default_factory=MemoryTokenStore)

    def s2s_tokens(
        self, connection_id: str = "conn-s2s", *, clock: Callable[[], float] | None = None
    ) -> ServerToServerTokens:
        extra: dict[str, Any] = {"clock": clock} if clock else {}
        return ServerToServerTokens(
            self.handle.oauth_base_url,
            self.handle.config.account_id,
            self.handle.config.client_id,
            self.handle.config.client_secret,
            self.store,
            connection_id,
            http_client=self.http,
            retry=FAST_RETRY,
            **extra,
        )

    def user_tokens(
        self, connection_id: str = "conn-user", *, clock: Callable[[], float] | None = None
    ) -> AuthorizationCodeTokens:
        extra: dict[str, Any] = {"clock": clock} if clock else {}
        return AuthorizationCodeTokens(
            self.handle.oauth_base_url,
            self.handle.config.client_id,
            self.handle.config.client_secret,
            REDIRECT_URI,
            self.store,
            connection_id,
            http_client=self.http,
            retry=FAST_RETRY,
            **extra,
        )

    def client(
        self,
        tokens: Any = None,
        *,
        plan: str | Any = None,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy = FAST_RETRY,
        timeout: float | None = None,
    ) -> ZoomClient:
        plan = plan or self.handle.config.plan
        return ZoomClient(
            self.handle.api_base_url,
            tokens or self.s2s_tokens(),
            plan,
            self.http,
            limiter=limiter or RateLimiter(plan),
            retry=retry,
            timeout=timeout,
        )

    async def authorize(self, tokens: AuthorizationCodeTokens) -> None:
        """Play the browser: follow the authorize URL, take the code, exchange it."""
        request = tokens.authorization_request()
        response = await self.http.get(request.url)
        assert response.status_code == 302, response.text
        location = httpx.URL(response.headers["location"])
        assert location.params["state"] == request.state
        await tokens.exchange_code(location.params["code"], request.code_verifier)

    @staticmethod
    def meeting_body(**overrides: Any) -> dict[str, Any]:
        """A scheduled meeting with automatic registration approval."""
        body: dict[str, Any] = {
            "topic": "Hub test meeting",
            "type": 2,
            "start_time": "2030-01-01T10:00:00Z",
            "duration": 60,
            "timezone": "UTC",
            "settings": {"approval_type": 0, "registration_type": 1},
        }
        body.update(overrides)
        return body

    @staticmethod
    def people(count: int, prefix: str = "person") -> list[dict[str, str]]:
        return [
            {"email": f"{prefix}{i}@example.com", "first_name": f"First{i}", "last_name": "Test"}
            for i in range(count)
        ]

    async def meeting(self, client: ZoomClient, **overrides: Any) -> dict[str, Any]:
        """Create a registration-enabled meeting for the account owner."""
        return dict(await client.create_meeting("me", self.meeting_body(**overrides)))


@pytest.fixture
def emulator_overrides() -> dict[str, Any]:
    """Override in a test module (or with ``pytest.mark.parametrize``) to configure Zoom."""
    return {}


@pytest.fixture
async def zoom(emulator_overrides: dict[str, Any]) -> AsyncIterator[ZoomEnv]:
    async with (
        running_emulator(**emulator_overrides) as handle,
        httpx.AsyncClient(timeout=10) as http,
    ):
        yield ZoomEnv(handle=handle, control=Control(handle, http), http=http)


@pytest.fixture
async def client(zoom: ZoomEnv) -> ZoomClient:
    return zoom.client()
