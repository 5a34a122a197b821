"""The client-side budget: permits per window, pauses after 429, daily quotas."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest
from hub_zoom.api import CategoryLimit, PlanLimits, RateLimiter, ZoomDailyLimit


def tiny_plan(per_window: int = 3, window: float = 0.2, daily: int = 1000) -> PlanLimits:
    limit = CategoryLimit(per_window, window, "light")
    return PlanLimits(
        name="tiny",
        categories={
            "light": limit,
            "medium": CategoryLimit(per_window, window),
            "heavy": CategoryLimit(per_window, window),
            "resource_intensive": CategoryLimit(per_window, window),
        },
        daily={"light": daily},
    )


async def test_no_window_ever_sees_more_than_its_permits() -> None:
    limiter = RateLimiter(tiny_plan(per_window=3, window=0.2))
    starts: list[float] = []
    ends: list[float] = []

    async def call() -> None:
        async with limiter.slot("light"):
            starts.append(time.monotonic())
            await asyncio.sleep(0.01)
            ends.append(time.monotonic())

    began = time.monotonic()
    await asyncio.gather(*(call() for _ in range(9)))
    assert time.monotonic() - began >= 0.4  # 9 calls at 3 per 0.2 s need two refills
    starts.sort()
    for i in range(len(starts) - 3):
        # The 4th start after any start is at least one window after the earlier *end*.
        assert starts[i + 3] - starts[i] >= 0.2
    assert limiter.waits()["light"] == 6


async def test_pause_holds_the_whole_category() -> None:
    limiter = RateLimiter(tiny_plan(per_window=50))
    limiter.pause("light", 0.15)
    began = time.monotonic()
    async with limiter.slot("light"):
        pass
    assert time.monotonic() - began >= 0.14
    began = time.monotonic()
    async with limiter.slot("medium"):  # other categories are not held
        pass
    assert time.monotonic() - began < 0.1


async def test_daily_quota_fails_fast_and_resets_at_midnight_utc() -> None:
    now = [datetime(2026, 11, 27, 23, 59, tzinfo=UTC)]
    limiter = RateLimiter(tiny_plan(per_window=100, daily=2), now=lambda: now[0])
    for _ in range(2):
        async with limiter.slot("light"):
            pass
    with pytest.raises(ZoomDailyLimit) as caught:
        async with limiter.slot("light"):
            pass
    assert caught.value.retry_at == datetime(2026, 11, 28, tzinfo=UTC)
    assert caught.value.source == "client"
    assert caught.value.retry_after_seconds == pytest.approx(60)
    async with limiter.slot("medium"):  # medium has no daily pool here
        pass
    now[0] = datetime(2026, 11, 28, 0, 0, 1, tzinfo=UTC)
    async with limiter.slot("light"):
        pass
    assert limiter.daily_used() == {"light": 1}


async def test_daily_block_from_zoom_lasts_until_retry_at() -> None:
    now = [datetime(2026, 11, 27, 12, 0, tzinfo=UTC)]
    limiter = RateLimiter(tiny_plan(per_window=100), now=lambda: now[0])
    limiter.block_daily("light", datetime(2026, 11, 28, tzinfo=UTC))
    with pytest.raises(ZoomDailyLimit):
        async with limiter.slot("light"):
            pass
    now[0] = datetime(2026, 11, 28, 0, 0, 5, tzinfo=UTC)
    async with limiter.slot("light"):
        pass


def test_shared_limiter_is_one_per_account() -> None:
    a = RateLimiter.shared("acct-shared-test", "pro")
    assert RateLimiter.shared("acct-shared-test", "pro") is a
    assert RateLimiter.shared("acct-other-test", "pro") is not a
    b = RateLimiter.shared("acct-shared-test", "business")
    assert b is not a and b.limits.name == "business"


async def test_unknown_category_is_refused() -> None:
    limiter = RateLimiter("pro")
    with pytest.raises(ValueError, match="category"):
        async with limiter.slot("lite"):
            pass
