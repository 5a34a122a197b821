"""Pure logic of the client layer: error mapping, 429 classification, UUID encoding,
pagination guards, secret hygiene. Everything that talks HTTP is tested against the
emulator in the other modules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hub_zoom.api import (
    AuthorizationCodeTokens,
    MemoryTokenStore,
    Secret,
    ServerToServerTokens,
    StoredToken,
    ZoomApiError,
    ZoomAuthError,
    ZoomCapacityReached,
    ZoomDailyLimit,
    ZoomHostCannotRegister,
    ZoomMeetingOver,
    ZoomMissingScopes,
    ZoomNotFound,
    ZoomPaginationError,
    ZoomPermissionError,
    ZoomUnavailable,
    ZoomValidationError,
    encode_uuid,
)
from hub_zoom.api.errors import error_from_response, is_invalid_token, next_utc_midnight
from hub_zoom.api.oauth import code_challenge
from hub_zoom.api.pagination import collect, paginate
from hub_zoom.api.ratelimit import plan_limits
from hub_zoom.api.retry import RetryPolicy, classify_429, parse_retry_after

NOW = datetime(2026, 11, 27, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (404, 3001, ZoomNotFound),
        (404, 1001, ZoomNotFound),
        (404, 3301, ZoomNotFound),
        (400, 3079, ZoomNotFound),
        (400, 3027, ZoomHostCannotRegister),
        (400, 3043, ZoomCapacityReached),
        (400, 3035, ZoomCapacityReached),
        (400, 3038, ZoomMeetingOver),
        (400, 300, ZoomValidationError),
        (400, 200, ZoomPermissionError),
        (400, 3161, ZoomPermissionError),
        (401, 124, ZoomAuthError),
        (403, None, ZoomPermissionError),
        (404, None, ZoomNotFound),
        (500, None, ZoomUnavailable),
        (400, 3000, ZoomApiError),
    ],
)
def test_error_codes_map_to_types(status: int, code: int | None, cls: type) -> None:
    body: dict[str, Any] = {"message": "x"} if code is None else {"code": code, "message": "x"}
    error = error_from_response(status, body, method="GET", path="/meetings/1")
    assert type(error) is cls
    assert error.status == status
    assert error.code == code


def test_retryable_flags() -> None:
    assert not error_from_response(404, {"code": 3001, "message": "gone"}).retryable
    assert not error_from_response(400, {"code": 3027, "message": "host"}).retryable
    assert error_from_response(503, {"message": "down"}).retryable
    limit = ZoomDailyLimit("daily", retry_at=next_utc_midnight(NOW), now=NOW)
    assert limit.retryable
    assert limit.retry_after_seconds == pytest.approx(8.5 * 3600)


def test_validation_error_keeps_field_details() -> None:
    error = error_from_response(
        400,
        {
            "code": 300,
            "message": "Validation Failed.",
            "errors": [{"field": "user_info.email", "message": "Invalid field."}],
        },
    )
    assert isinstance(error, ZoomValidationError)
    assert error.errors == [{"field": "user_info.email", "message": "Invalid field."}]
    assert "user_info.email" in str(error)


def test_missing_scopes_are_not_an_invalid_token() -> None:
    body = {"code": 4711, "message": "Invalid access token, does not contain scopes:[a:b, c:d]."}
    error = error_from_response(400, body)
    assert isinstance(error, ZoomMissingScopes)
    assert error.scopes == ("a:b", "c:d")
    assert not is_invalid_token(400, body)
    assert is_invalid_token(401, {"code": 124, "message": "Invalid access token."})
    assert is_invalid_token(400, {"code": 124, "message": "Access token is expired."})


def test_classify_qps_429() -> None:
    info = classify_429(
        {"X-RateLimit-Type": "QPS", "X-RateLimit-Category": "Light"},
        {"code": 429, "message": "You have reached the maximum per-second rate limit"},
        NOW,
    )
    assert info.kind == "per_second"
    assert info.retry_after_seconds is None


def test_classify_daily_429_with_retry_after_datetime() -> None:
    info = classify_429(
        {"X-RateLimit-Type": "Daily-limit", "Retry-After": "2026-11-28T00:00:00Z"},
        {"code": 429, "message": "You have reached the maximum daily rate limit for this API."},
        NOW,
    )
    assert info.kind == "daily"
    assert info.scope == "account"
    assert info.retry_at == datetime(2026, 11, 28, tzinfo=UTC)
    assert info.retry_after_seconds == pytest.approx(8.5 * 3600)


def test_classify_per_user_daily_429_without_headers() -> None:
    message = (
        "You have exceeded the daily rate limit (100) of Meeting Create/Update API requests "
        "permitted for this particular user. You may resume these requests at GMT 00:00:00."
    )
    info = classify_429({"x-ratelimit-category": "Light"}, {"code": 429, "message": message}, NOW)
    assert info.kind == "daily"
    assert info.scope == "user"
    assert info.retry_at == datetime(2026, 11, 28, tzinfo=UTC)


def test_classify_registrant_daily_429() -> None:
    message = (
        "You have exceeded the daily rate limit (3) of Webinar Batch Registration API requests "
        "permitted for (a@example.com) this particular registrant. You may resume these "
        "requests at GMT 00:00:00."
    )
    info = classify_429({}, {"code": 429, "message": message}, NOW)
    assert (info.kind, info.scope) == ("daily", "registrant")


def test_classify_bare_retry_after_datetime_is_daily_but_qps_wins() -> None:
    headers = {"Retry-After": "2026-11-28T00:00:00Z"}
    assert classify_429(headers, {}, NOW).kind == "daily"
    headers_qps = {**headers, "X-RateLimit-Type": "QPS"}
    assert classify_429(headers_qps, {}, NOW).kind == "per_second"


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after("3", NOW) == (3.0, None)
    seconds, when = parse_retry_after("Sat, 28 Nov 2026 00:00:00 GMT", NOW)
    assert when == datetime(2026, 11, 28, tzinfo=UTC)
    assert seconds == pytest.approx(8.5 * 3600)
    assert parse_retry_after("garbage", NOW) == (None, None)
    assert parse_retry_after(None, NOW) == (None, None)


def test_backoff_grows_and_stays_bounded() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    for attempt, step in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        delays = [policy.backoff(attempt) for _ in range(50)]
        assert all(step / 2 <= d <= step for d in delays)


@pytest.mark.parametrize(
    ("uuid", "encoded"),
    [
        ("/ajXp112QmuoKj4854875==", "%252FajXp112QmuoKj4854875%253D%253D"),
        ("ab//cd+ef==", "ab%252F%252Fcd%252Bef%253D%253D"),
        ("4444AAAiAAAAAiAiAiiAii==", "4444AAAiAAAAAiAiAiiAii%3D%3D"),
        ("a/b+c=", "a%2Fb%2Bc%3D"),
        (85746065432, "85746065432"),
    ],
)
def test_encode_uuid(uuid: str | int, encoded: str) -> None:
    assert encode_uuid(uuid) == encoded


def test_pkce_challenge_matches_rfc7636_example() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_plan_aliases_and_unknown_plan() -> None:
    assert plan_limits("Business Plus").name == "business"
    assert plan_limits("enterprise").name == "business"
    assert plan_limits("free").categories["heavy"].requests == 1
    with pytest.raises(ValueError, match="unknown Zoom plan"):
        plan_limits("platinum")


# --- pagination guards (page sources are plain functions, no HTTP) ------------------


def _pages(pages: list[dict[str, Any]]):  # type: ignore[no-untyped-def]
    seen: list[dict[str, Any]] = []

    async def fetch(query: dict[str, Any]) -> dict[str, Any]:
        seen.append(query)
        return pages[len(seen) - 1]

    return fetch, seen


async def test_paginate_follows_tokens_and_asks_for_300() -> None:
    fetch, seen = _pages(
        [
            {"total_records": 3, "next_page_token": "t1", "items": [1, 2]},
            {"total_records": 3, "next_page_token": "", "items": [3]},
        ]
    )
    assert [i async for i in paginate(fetch, "items", {"status": "approved"})] == [1, 2, 3]
    assert seen[0] == {"status": "approved", "page_size": 300}
    assert seen[1]["next_page_token"] == "t1"


async def test_paginate_refuses_a_short_listing() -> None:
    fetch, _ = _pages([{"total_records": 5, "next_page_token": "", "items": [1, 2]}])
    with pytest.raises(ZoomPaginationError, match="2 items but Zoom reported 5"):
        [i async for i in paginate(fetch, "items")]


async def test_paginate_refuses_a_token_loop() -> None:
    fetch, _ = _pages(
        [
            {"next_page_token": "same", "items": [1]},
            {"next_page_token": "same", "items": [2]},
        ]
    )
    with pytest.raises(ZoomPaginationError, match="repeated"):
        [i async for i in paginate(fetch, "items")]


async def test_collect_restarts_once_after_an_expired_page_token() -> None:
    calls: list[dict[str, Any]] = []

    async def fetch(query: dict[str, Any]) -> dict[str, Any]:
        calls.append(query)
        if len(calls) == 2:
            raise ZoomValidationError(400, 300, "The next page token is invalid or expired.")
        if "next_page_token" in query:
            return {"total_records": 2, "next_page_token": "", "items": [2]}
        return {"total_records": 2, "next_page_token": "t", "items": [1]}

    assert await collect(fetch, "items") == [1, 2]
    assert len(calls) == 4


# --- secrets stay out of reprs ------------------------------------------------------


def test_secrets_never_show_in_reprs() -> None:
    secret = Secret("s3cr3t-value")
    assert "s3cr3t" not in repr(secret) and "s3cr3t" not in str(secret)
    assert secret.reveal() == "s3cr3t-value"
    store = MemoryTokenStore()
    s2s = ServerToServerTokens("http://127.0.0.1:1", "acct", "cid", "s3cr3t-value", store, "conn-1")
    user = AuthorizationCodeTokens(
        "http://127.0.0.1:1", "cid", Secret("s3cr3t-value"), "http://cb", store, "conn-2"
    )
    token = StoredToken(access_token="acc-TOKEN", refresh_token="ref-TOKEN", expires_at=1.0)
    for obj in (s2s, user, token):
        text = repr(obj) + str(obj)
        assert "s3cr3t" not in text
        assert "TOKEN" not in text
    request = user.authorization_request()
    assert request.code_verifier not in repr(request)
    assert "code_challenge_method=S256" in request.url
    assert f"state={request.state}" in request.url


def test_clients_of_one_account_default_to_one_shared_budget() -> None:
    from hub_zoom.api import ZoomClient

    store = MemoryTokenStore()

    def tokens(connection: str, account: str) -> ServerToServerTokens:
        return ServerToServerTokens("http://127.0.0.1:1", account, "cid", "s", store, connection)

    first = ZoomClient("http://127.0.0.1:1/v2", tokens("c1", "acct-budget-a"), "pro")
    second = ZoomClient("http://127.0.0.1:1/v2", tokens("c2", "acct-budget-a"), "pro")
    other = ZoomClient("http://127.0.0.1:1/v2", tokens("c3", "acct-budget-b"), "pro")
    assert first.limiter is second.limiter
    assert other.limiter is not first.limiter
    assert "s3cr3t" not in repr(first)


async def test_a_misconfigured_base_url_fails_fast_and_is_not_retryable() -> None:
    from hub_zoom.api import RateLimiter, ZoomClient

    class Token:
        connection_id = "c"

        async def get_access_token(self, *, rejected: str | None = None) -> str:
            return "t"

    async with ZoomClient("zoom.example/v2", Token(), "pro", limiter=RateLimiter("pro")) as client:
        with pytest.raises(ZoomApiError) as caught:
            await client.users_me()
    assert not caught.value.retryable
    assert client.metrics.as_dict()["attempts"] == {"light": 1}
    tokens = ServerToServerTokens("ftp://zoom.example", "a", "c", "s", MemoryTokenStore(), "c")
    with pytest.raises(ZoomAuthError):
        await tokens.get_access_token()
    await tokens.aclose()
