"""Rate limits, 429s, 5xx, timeouts, resets and outages, injected by the emulator.

Every fault is produced by the emulator over real loopback HTTP (its fault injector, its
rate limiter, its clock), and the assertions compare the client's counters with what the
emulator saw.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hub_zoom.api import (
    CategoryLimit,
    PlanLimits,
    RateLimiter,
    RetryPolicy,
    ZoomDailyLimit,
    ZoomNotFound,
    ZoomRateLimited,
    ZoomUnavailable,
)

from .conftest import FAST_RETRY, ZoomEnv

USERS_ME = "GET /v2/users/{userId}"
CREATE_MEETING = "POST /v2/users/{userId}/meetings"
REPORT_PARTICIPANTS = "GET /v2/report/meetings/{meetingId}/participants"


def unlimited() -> PlanLimits:
    """A client budget that never waits, to let Zoom's own limits answer."""
    big = CategoryLimit(10_000, 1.0)
    return PlanLimits(
        name="unlimited",
        categories={"light": big, "medium": big, "heavy": big, "resource_intensive": big},
    )


# --- the client-side budget -------------------------------------------------------------


@pytest.mark.parametrize("emulator_overrides", [{"plan": "free"}])
async def test_the_budget_queues_requests_instead_of_drawing_429s(zoom: ZoomEnv) -> None:
    client = zoom.client(plan="free")  # Light: 4 per second
    began = time.monotonic()
    await asyncio.gather(*(client.users_me() for _ in range(9)))
    elapsed = time.monotonic() - began
    stats = await zoom.control.stats()
    assert stats["rate_limited_total"] == 0
    assert stats["calls"][USERS_ME] == 9
    assert elapsed >= 2.0  # 4 now, 4 a second later, 1 after that
    assert client.metrics.as_dict()["throttled"] == {}


async def test_clients_of_one_account_share_one_budget(zoom: ZoomEnv) -> None:
    limiter = RateLimiter(
        PlanLimits(
            name="tight",
            categories={
                "light": CategoryLimit(2, 0.25),
                "medium": CategoryLimit(2, 0.25),
                "heavy": CategoryLimit(2, 0.25),
                "resource_intensive": CategoryLimit(2, 0.25),
            },
        )
    )
    first = zoom.client(limiter=limiter)
    second = zoom.client(limiter=limiter)
    began = time.monotonic()
    await asyncio.gather(*(c.users_me() for c in (first, second) for _ in range(3)))
    assert time.monotonic() - began >= 0.5  # 6 calls at 2 per 0.25 s, across both clients


# --- 429 --------------------------------------------------------------------------------


@pytest.mark.parametrize("emulator_overrides", [{"plan": "free", "time_scale": 10.0}])
async def test_zoom_per_second_429s_are_retried_in_place(zoom: ZoomEnv) -> None:
    # The client ignores its budget here, so Zoom's real QPS limit (4/s) answers 429.
    client = zoom.client(plan=unlimited())
    results = await asyncio.gather(*(client.users_me() for _ in range(12)))
    assert len(results) == 12
    stats = await zoom.control.stats()
    metrics = client.metrics.as_dict()
    assert stats["rate_limit_rejections"]["qps"] > 0
    assert metrics["throttled"]["light"] == stats["rate_limited_total"]
    assert metrics["rate_limit_retries"]["light"] == stats["rate_limited_total"]
    assert "failures" not in metrics or not metrics["failures"]


async def test_injected_429s_are_retried_in_place(zoom: ZoomEnv) -> None:
    await zoom.control.faults(seed=3, rules=[{"route": USERS_ME, "rate_limit_rate": 0.4}])
    client = zoom.client()
    for _ in range(15):
        await client.users_me()
    stats = await zoom.control.stats()
    assert stats["injected"]["429"] > 0
    assert client.metrics.as_dict()["rate_limit_retries"]["light"] == stats["injected"]["429"]


async def test_persistent_per_second_429_gives_up_with_a_retryable_error(zoom: ZoomEnv) -> None:
    await zoom.control.faults(rules=[{"route": USERS_ME, "rate_limit_rate": 1.0}])
    client = zoom.client(retry=RetryPolicy(max_rate_limit_retries=3, rate_limit_delay=0.01))
    with pytest.raises(ZoomRateLimited) as caught:
        await client.users_me()
    assert caught.value.retryable
    assert not isinstance(caught.value, ZoomDailyLimit)
    assert caught.value.retry_after_seconds is not None
    assert await zoom.control.calls(USERS_ME) == 4


# The emulated day starts at 08:00 of today's real date: the client keeps a category
# blocked until Zoom's Retry-After on the real clock, so that midnight must still be ahead.
TODAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


@pytest.mark.parametrize(
    "emulator_overrides",
    # 1 emulated second = 0.5 ms: the free plan's 1 Heavy call per second is no brake, and
    # the 16 emulated hours to midnight last 29 real seconds, far more than the test.
    [
        {
            "plan": "free",
            "time_scale": 2000.0,
            "start_time": (TODAY + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    ],
)
async def test_account_daily_limit_raises_with_retry_at_and_blocks_the_category(
    zoom: ZoomEnv,
) -> None:
    client = zoom.client(plan=unlimited())

    async def report() -> Any:
        return await client.request("GET", "/report/meetings/1/participants", category="heavy")

    for _ in range(1000):  # the free plan's daily 1,000 Heavy calls
        with pytest.raises(ZoomNotFound):
            await report()
    with pytest.raises(ZoomDailyLimit) as caught:
        await report()
    limit = caught.value
    assert limit.retry_at == TODAY + timedelta(days=1)  # Zoom's Retry-After
    assert limit.scope == "account" and limit.source == "zoom"
    assert limit.retryable and limit.retry_after_seconds is not None
    calls = await zoom.control.calls(REPORT_PARTICIPANTS)
    # Calls Zoom refused before counting them against the day, which the client retried in
    # place: a per-second 429 when two calls land in one emulated second, and a 401 when
    # the access token (one emulated hour = 1.8 real seconds here) expired mid-run.
    stats = await zoom.control.stats()
    refused = stats["rate_limit_rejections"].get("qps", 0) + stats["unauthorized"]
    assert calls - refused == 1001
    # The category is now blocked locally: no more Heavy calls reach Zoom today...
    with pytest.raises(ZoomDailyLimit) as again:
        await report()
    assert again.value.source == "client"
    assert await zoom.control.calls(REPORT_PARTICIPANTS) == calls
    # ...while other categories carry on.
    await client.users_me()


async def test_per_registrant_daily_limit_is_not_retried(zoom: ZoomEnv) -> None:
    client = zoom.client()
    meeting = await zoom.meeting(client)
    person = {"email": "again@example.com", "first_name": "Again"}
    for _ in range(3):
        await client.add_registrant(meeting["id"], person)
    with pytest.raises(ZoomDailyLimit) as caught:
        await client.add_registrant(meeting["id"], person)
    assert caught.value.scope == "registrant"
    assert caught.value.retry_at.hour == 0 and caught.value.retry_at.minute == 0
    assert await zoom.control.calls("POST /v2/meetings/{meetingId}/registrants") == 4
    # A per-registrant limit must not block the account's Light category.
    await client.add_registrant(meeting["id"], {"email": "other@example.com", "first_name": "O"})


# --- 5xx, timeouts, resets, outages -----------------------------------------------------


async def test_5xx_and_resets_are_retried_with_backoff(zoom: ZoomEnv) -> None:
    await zoom.control.faults(
        seed=11, rules=[{"route": USERS_ME, "error_rate": 0.25, "reset_rate": 0.15}]
    )
    client = zoom.client(retry=RetryPolicy(max_attempts=10, base_delay=0.005, max_delay=0.02))
    for _ in range(20):
        await client.users_me()
    stats = await zoom.control.stats()
    injected = stats["injected"].get("5xx", 0) + stats["injected"].get("reset", 0)
    assert injected > 0
    assert client.metrics.as_dict()["retries"]["light"] == injected
    assert stats["calls"][USERS_ME] == 20 + injected


async def test_timeouts_are_retried(zoom: ZoomEnv) -> None:
    await zoom.control.faults(
        seed=5, rules=[{"route": USERS_ME, "timeout_rate": 0.5, "timeout_seconds": 0.5}]
    )
    retry = RetryPolicy(max_attempts=10, base_delay=0.005, max_delay=0.02)
    client = zoom.client(retry=retry, timeout=0.15)
    for _ in range(4):
        await client.users_me()
    assert client.metrics.as_dict()["retries"]["light"] == (await zoom.control.stats())[
        "injected"
    ].get("timeout", 0)


async def test_an_outage_ends_in_zoom_unavailable_after_bounded_attempts(zoom: ZoomEnv) -> None:
    client = zoom.client()
    await client.users_me()  # token in hand
    await zoom.control.faults(outage={"mode": "503"})
    with pytest.raises(ZoomUnavailable) as caught:
        await client.users_me()
    assert caught.value.retryable and caught.value.status == 503
    assert not caught.value.outcome_unknown
    assert await zoom.control.calls(USERS_ME) == 1 + FAST_RETRY.max_attempts


async def test_an_oauth_outage_is_zoom_unavailable_too(zoom: ZoomEnv) -> None:
    await zoom.control.faults(outage={"mode": "reset"})
    with pytest.raises(ZoomUnavailable) as caught:
        await zoom.client().users_me()
    assert caught.value.path == "/oauth/token" and caught.value.retryable
    assert await zoom.control.calls("POST /oauth/token") == FAST_RETRY.max_attempts


async def test_a_short_outage_is_ridden_out(zoom: ZoomEnv) -> None:
    client = zoom.client(retry=RetryPolicy(max_attempts=8, base_delay=0.05, max_delay=0.2))
    await client.users_me()
    await zoom.control.faults(outage={"mode": "reset", "duration_seconds": 0.1})
    me = await client.users_me()
    assert me["email"] == "owner@example.com"
    assert client.metrics.as_dict()["retries"]["light"] >= 1


async def test_creating_a_meeting_is_not_repeated_after_an_ambiguous_failure(
    zoom: ZoomEnv,
) -> None:
    client = zoom.client()
    await client.users_me()  # token in hand before the outage
    await zoom.control.faults(outage={"mode": "reset"})
    with pytest.raises(ZoomUnavailable) as caught:
        await client.create_meeting("me", zoom.meeting_body())
    assert caught.value.outcome_unknown  # the caller must look before creating again
    assert await zoom.control.calls(CREATE_MEETING) == 1


async def test_creating_a_meeting_is_repeated_when_zoom_surely_did_not_process_it(
    zoom: ZoomEnv,
) -> None:
    client = zoom.client()
    await client.users_me()
    await zoom.control.faults(outage={"mode": "503"})
    with pytest.raises(ZoomUnavailable) as caught:
        await client.create_meeting("me", zoom.meeting_body())
    assert not caught.value.outcome_unknown
    assert await zoom.control.calls(CREATE_MEETING) == FAST_RETRY.max_attempts


async def test_mixed_faults_under_concurrency(zoom: ZoomEnv) -> None:
    await zoom.control.faults(
        seed=21,
        rules=[
            {
                "route": "*",
                "error_rate": 0.1,
                "reset_rate": 0.05,
                "rate_limit_rate": 0.1,
                "latency_ms": 5,
                "latency_jitter_ms": 10,
            }
        ],
    )
    client = zoom.client(
        retry=RetryPolicy(
            max_attempts=10,
            base_delay=0.005,
            max_delay=0.02,
            max_rate_limit_retries=10,
            rate_limit_delay=0.01,
        )
    )
    meeting_id = None
    while meeting_id is None:  # creation is not retried on ambiguous faults: retry here
        try:
            meeting_id = (await zoom.meeting(client))["id"]
        except ZoomUnavailable:
            continue
    results = await asyncio.gather(*(client.get_meeting(meeting_id) for _ in range(40)))
    assert {m["id"] for m in results} == {meeting_id}
    stats = await zoom.control.stats()
    metrics = client.metrics.as_dict()
    assert metrics["throttled"].get("light", 0) == stats["rate_limited"].get(
        "GET /v2/meetings/{meetingId}", 0
    )
