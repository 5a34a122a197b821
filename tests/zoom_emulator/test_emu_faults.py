"""Fault injection and outages, switched at run time through the control API."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

ZoomClient = Any  # fixtures from conftest.py
ZoomFactory = Any


async def test_rules_match_routes_and_inject_each_kind(zc: ZoomClient) -> None:
    await zc.fetch_token()
    mid = (await zc.new_meeting())["id"]
    await zc.ctl(
        "POST",
        "/faults",
        json={
            "rules": [
                {"route": "GET /v2/meetings/{meetingId}", "error_rate": 1.0, "error_status": 503}
            ]
        },
    )
    failing = await zc.api("GET", f"/meetings/{mid}")
    assert failing.status_code == 503
    assert (await zc.api("GET", "/users/me")).status_code == 200  # other routes untouched
    await zc.ctl(
        "POST", "/faults", json={"rules": [{"route": "*/users/*", "rate_limit_rate": 1.0}]}
    )
    limited = await zc.api("GET", "/users/me")
    assert limited.status_code == 429 and limited.headers["X-RateLimit-Type"] == "QPS"
    assert (await zc.api("GET", f"/meetings/{mid}")).status_code == 200
    await zc.ctl(
        "POST", "/faults", json={"rules": [{"route": "GET /v2/users/{userId}", "reset_rate": 1.0}]}
    )
    with pytest.raises(httpx.TransportError):
        await zc.api("GET", "/users/me")
    await zc.ctl("POST", "/faults", json={"rules": [{"route": "*", "latency_ms": 150}]})
    began = time.monotonic()
    assert (await zc.api("GET", "/users/me")).status_code == 200
    assert time.monotonic() - began >= 0.15
    await zc.ctl(
        "POST",
        "/faults",
        json={"rules": [{"route": "*", "timeout_rate": 1.0, "timeout_seconds": 2}]},
    )
    with pytest.raises(httpx.TimeoutException):
        await zc.api("GET", "/users/me", timeout=0.3)
    await zc.ctl("POST", "/faults", json={})
    assert (await zc.api("GET", "/users/me")).status_code == 200
    stats = await zc.ctl("GET", "/stats")
    assert stats["injected"]["5xx"] == 1
    assert stats["injected"]["429"] == 1
    assert stats["injected"]["reset"] == 1
    assert stats["injected"]["timeout"] == 1


async def test_fractions_are_deterministic_for_a_seed(zoom_factory: ZoomFactory) -> None:
    async def pattern(seed: int) -> list[int]:
        async with zoom_factory() as zc:
            await zc.fetch_token()
            await zc.ctl(
                "POST", "/faults", json={"seed": seed, "rules": [{"route": "*", "error_rate": 0.5}]}
            )
            codes = []
            for i in range(20):
                if i % 10 == 9:
                    zc.zoom.state.clock.advance(1)
                codes.append((await zc.api("GET", "/users/me")).status_code)
            return codes

    first = await pattern(7)
    assert await pattern(7) == first
    assert 3 <= first.count(500) <= 17
    assert await pattern(8) != first


async def test_outage_fails_api_and_oauth_until_it_ends(zc: ZoomClient) -> None:
    await zc.fetch_token()
    await zc.ctl("POST", "/faults", json={"outage": {"mode": "503", "duration_seconds": 600}})
    assert (await zc.api("GET", "/users/me")).status_code == 503
    token = await zc.http.post(
        f"{zc.zoom.oauth_base_url}/oauth/token",
        data={"grant_type": "account_credentials", "account_id": zc.zoom.config.account_id},
        auth=(zc.zoom.config.client_id, zc.zoom.config.client_secret),
    )
    assert token.status_code == 503
    status = await zc.ctl("GET", "/faults")
    assert status["outage_status"]["active"] is True
    assert (await zc.ctl("GET", "/health"))["ok"] is True  # control API stays up
    zc.zoom.state.clock.advance(601)
    assert (await zc.api("GET", "/users/me")).status_code == 200
    await zc.ctl("POST", "/faults", json={"outage": {"mode": "reset"}})
    with pytest.raises(httpx.TransportError):
        await zc.api("GET", "/users/me")
    await zc.ctl("POST", "/faults", json={})
    assert (await zc.api("GET", "/users/me")).status_code == 200
