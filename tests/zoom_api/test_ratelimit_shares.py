"""Processes sharing one Zoom account each keep their share of its per-window budget."""

from __future__ import annotations

import asyncio
import time

from hub_zoom.api import RateLimiter

from tests.zoom_api.test_ratelimit import tiny_plan


async def starts_of(limiter: RateLimiter, calls: int) -> list[float]:
    starts: list[float] = []

    async def call() -> None:
        async with limiter.slot("light"):
            starts.append(time.monotonic())
            await asyncio.sleep(0.005)

    await asyncio.gather(*(call() for _ in range(calls)))
    return sorted(starts)


def most_in_a_window(starts: list[float], window: float) -> int:
    return max(sum(1 for t in starts if s <= t < s + window) for s in starts)


async def test_three_sharers_each_take_a_third_and_a_leaving_one_frees_its_share() -> None:
    sharers = 3
    limiter = RateLimiter(tiny_plan(per_window=9, window=0.2))
    limiter.share_with(lambda: sharers)
    starts = await starts_of(limiter, 9)
    assert most_in_a_window(starts, 0.2) == 3  # 9 // 3
    assert starts[-1] - starts[0] >= 0.4  # three windows for nine calls

    sharers = 1  # the others stopped: the whole budget is this process's again
    await asyncio.sleep(0.25)
    starts = await starts_of(limiter, 9)
    assert starts[-1] - starts[0] < 0.15


async def test_more_sharers_than_permits_still_leaves_one_per_window() -> None:
    limiter = RateLimiter(tiny_plan(per_window=2, window=0.2))
    limiter.share_with(lambda: 5)
    starts = await starts_of(limiter, 3)
    assert most_in_a_window(starts, 0.2) == 1


def test_the_process_wide_limiter_knows_its_account_key() -> None:
    assert RateLimiter.shared("acct-shares-test", "pro").key == "acct-shares-test"
