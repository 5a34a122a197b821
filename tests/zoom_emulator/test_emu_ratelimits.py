"""Account rate limits by plan and label, user-level limits, and the scaled clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from hub_zoom.emulator.clock import Clock
from hub_zoom.emulator.errors import ZoomError
from hub_zoom.emulator.ratelimits import RateLimiter

ZoomClient = Any  # fixtures from conftest.py
ZoomFactory = Any


async def test_free_plan_per_second_limit_and_headers(zoom_factory: ZoomFactory) -> None:
    async with zoom_factory(plan="free") as zc:
        await zc.fetch_token()
        statuses = [(await zc.api("GET", "/users/me")).status_code for _ in range(4)]
        assert statuses == [200] * 4
        limited = await zc.api("GET", "/users/me")
        assert limited.status_code == 429
        assert limited.json() == {
            "code": 429,
            "message": "You have reached the maximum per-second rate limit for this API. Try again later.",
        }
        assert limited.headers["X-RateLimit-Category"] == "Light"
        assert limited.headers["X-RateLimit-Type"] == "QPS"
        # Medium has its own window (2/s on free).
        assert (await zc.api("GET", "/users")).status_code == 200
        zc.zoom.state.clock.advance(1)
        ok = await zc.api("GET", "/users/me")
        assert ok.status_code == 200
        assert ok.headers["X-RateLimit-Type"] == "Daily-limit"
        assert ok.headers["X-RateLimit-Limit"] == "6000"
        assert ok.headers["X-RateLimit-Remaining"] == str(6000 - 5)
        stats = await zc.ctl("GET", "/stats")
        assert stats["rate_limited"]["GET /v2/users/{userId}"] == 1
        assert stats["rate_limit_rejections"]["qps"] == 1


async def test_daily_limit_429_with_iso_retry_after(zoom_factory: ZoomFactory) -> None:
    async with zoom_factory(plan="free") as zc:
        await zc.fetch_token()
        limiter = zc.zoom.state.rate_limits
        for _ in range(1000):  # heavy: 1,000 a day on free, one per second
            limiter.acquire(zc.zoom.config.account_id, "heavy")
            zc.zoom.state.clock.advance(1)
        mid = (await zc.new_meeting())["id"]
        zc.zoom.state.clock.advance(1)
        limited = await zc.api("GET", f"/report/meetings/{mid}/participants")
        assert limited.status_code == 429
        assert limited.headers["X-RateLimit-Type"] == "Daily-limit"
        assert limited.headers["X-RateLimit-Limit"] == "1000"
        assert limited.headers["X-RateLimit-Remaining"] == "0"
        assert limited.headers["Retry-After"] == "2030-03-05T00:00:00Z"
        assert limited.json()["message"].startswith("You have reached the maximum daily rate limit")


def test_pro_heavy_and_resource_intensive_share_a_daily_quota() -> None:
    clock = Clock(start=datetime(2030, 1, 1, tzinfo=UTC), frozen=True)
    limiter = RateLimiter(clock, {"acct": "pro"})
    for _ in range(10):
        limiter.acquire("acct", "resource_intensive")
        clock.advance(6.1)  # 10 a minute
    for _ in range(29_990):
        limiter.acquire("acct", "heavy")
        clock.advance(0.11)  # just under 10 a second
    assert clock.now().day == 1
    for category in ("heavy", "resource_intensive"):
        clock.advance(60)
        try:
            limiter.acquire("acct", category)
        except ZoomError as exc:
            assert exc.headers["X-RateLimit-Type"] == "Daily-limit"
            assert exc.headers["X-RateLimit-Limit"] == "30000"
        else:
            raise AssertionError(f"{category} call beyond 30,000 a day was admitted")
    assert limiter.acquire("acct", "light")["X-RateLimit-Type"] == "QPS"
    clock.set(datetime(2030, 1, 2, tzinfo=UTC))
    limiter.acquire("acct", "heavy")


async def test_host_create_update_limit_is_100_a_day(zc: ZoomClient) -> None:
    mid = (await zc.new_meeting())["id"]
    for i in range(99):
        if i % 15 == 14:
            zc.zoom.state.clock.advance(1)
        response = await zc.api("PATCH", f"/meetings/{mid}", json={"topic": f"t{i}"})
        assert response.status_code == 204, response.text
    limited = await zc.api("POST", "/users/me/webinars", json={"topic": "w"})
    assert limited.status_code == 429
    assert limited.json()["message"] == (
        "You have exceeded the daily rate limit (100) of Webinar Create/Update API requests "
        "permitted for this particular user. You may resume these requests at GMT 00:00:00."
    )
    assert "X-RateLimit-Category" in limited.headers and "Retry-After" not in limited.headers
    zc.zoom.state.clock.set(datetime(2030, 3, 5, 0, 0, 1, tzinfo=UTC))
    await zc.fetch_token()
    assert (
        await zc.api("PATCH", f"/meetings/{mid}", json={"topic": "next day"})
    ).status_code == 204


async def test_time_scale_scales_per_second_limits(zoom_factory: ZoomFactory) -> None:
    async def burst(zc: ZoomClient) -> int:
        await zc.fetch_token()
        codes = [(await zc.api("GET", "/users/me")).status_code for _ in range(12)]
        return codes.count(429)

    async with zoom_factory(plan="free", frozen=False) as zc:
        assert await burst(zc) >= 3  # 4 a second in real time
    async with zoom_factory(plan="free", frozen=False, time_scale=2000.0) as zc:
        before = zc.zoom.state.clock.now()
        assert await burst(zc) == 0  # each call lasts several emulated seconds
        await asyncio.sleep(0.01)
        assert (zc.zoom.state.clock.now() - before).total_seconds() > 20
