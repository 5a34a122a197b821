"""``ZoomClient``: every Zoom REST call goes through :meth:`ZoomClient.request`.

One request path means one place for the policies the hub depends on:

* **Budget**: a permit from the account's :class:`RateLimiter` for the call's category is
  taken before sending, so bursts queue instead of drawing 429s.
* **Auth**: a token from the :class:`TokenProvider` (cached, refreshed ahead of expiry). On
  401 / code 124 the token is refreshed once (single-flight) and the call repeated once;
  a second refusal is a :class:`ZoomAuthError`.
* **429**: a per-second limit pauses the category for ``Retry-After`` (or about a second)
  and repeats in place a bounded number of times; a daily limit raises
  :class:`ZoomDailyLimit` at once with ``retry_at``, because nothing will succeed before it.
* **Transient failures** (5xx, timeouts, connection errors): bounded retries with
  exponential backoff and jitter, then :class:`ZoomUnavailable` (retryable). Requests that
  are not safe to repeat (creating a meeting) are only repeated when Zoom certainly did not
  process them (no connection, 429, 503); otherwise ``ZoomUnavailable(outcome_unknown=True)``
  lets the caller check before creating a duplicate.
* **Errors** become the typed classes of :mod:`hub_zoom.api.errors`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx
import msgspec

from hub_zoom.api.endpoints import (
    MeetingEndpoints,
    RecordingEndpoints,
    ReportEndpoints,
    UserEndpoints,
    WebinarEndpoints,
)
from hub_zoom.api.errors import (
    ZoomApiError,
    ZoomAuthError,
    ZoomDailyLimit,
    ZoomRateLimited,
    ZoomUnavailable,
    error_from_response,
    is_invalid_token,
)
from hub_zoom.api.http import HttpClientHolder
from hub_zoom.api.logs import get_logger
from hub_zoom.api.metrics import ClientMetrics
from hub_zoom.api.pagination import MAX_PAGE_SIZE, collect, paginate
from hub_zoom.api.ratelimit import Category, PlanLimits, RateLimiter, check_category
from hub_zoom.api.retry import RetryPolicy, classify_429
from hub_zoom.api.tokens import TokenProvider

log = get_logger(__name__)

DEFAULT_API_BASE_URL = "https://api.zoom.us/v2"

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Transport failures that happen before any byte of the request reached Zoom."""

_NOT_TRANSIENT = (httpx.UnsupportedProtocol, httpx.LocalProtocolError)
"""Transport errors caused by our own request or configuration, not by Zoom or the network."""

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})


class ZoomClient(
    MeetingEndpoints, WebinarEndpoints, ReportEndpoints, RecordingEndpoints, UserEndpoints
):
    """Resilient client for the Zoom REST API v2 of one connection.

    ``plan`` ("free", "pro", "business", or a :class:`PlanLimits`) sizes the budget. By
    default the budget is the process-wide one of ``rate_limit_key`` (the S2S account id when
    the token provider has one, else the connection id); pass ``limiter`` to share or
    isolate explicitly. Pass one ``http_client`` for the whole process to reuse connections;
    without it the client creates (and closes on :meth:`aclose`) its own.
    """

    def __init__(
        self,
        api_base_url: str = DEFAULT_API_BASE_URL,
        token_provider: TokenProvider | None = None,
        plan: str | PlanLimits = "pro",
        http_client: httpx.AsyncClient | None = None,
        *,
        timeout: httpx.Timeout | float | None = None,
        limiter: RateLimiter | None = None,
        rate_limit_key: str | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        if token_provider is None:
            raise TypeError("ZoomClient needs a token_provider")
        self.api_base_url = api_base_url.rstrip("/")
        self.tokens = token_provider
        if limiter is None:
            key = rate_limit_key or getattr(token_provider, "account_id", None)
            limiter = RateLimiter.shared(key or f"connection:{token_provider.connection_id}", plan)
        self.limiter = limiter
        self.retry = retry or RetryPolicy()
        self.metrics = ClientMetrics()
        self._http = HttpClientHolder(http_client, timeout)
        self._timeout = timeout

    # --- lifecycle -----------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the HTTP client if this instance created it."""
        await self._http.aclose()

    async def __aenter__(self) -> ZoomClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return (
            f"ZoomClient(api_base_url={self.api_base_url!r}, "
            f"connection_id={self.tokens.connection_id!r}, plan={self.limiter.limits.name!r})"
        )

    # --- the request path ----------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        category: Category,
        idempotent: bool | None = None,
    ) -> Any:
        """Send one API call and return its decoded JSON body (None for 204 / empty).

        ``path`` is relative to ``api_base_url`` and already encoded (use
        :func:`~hub_zoom.api.paths.segment` / :func:`~hub_zoom.api.paths.encode_uuid`).
        ``idempotent`` defaults to True for every method but POST.
        """
        cat = check_category(category)
        verb = method.upper()
        safe = idempotent if idempotent is not None else verb in _SAFE_METHODS
        self.metrics.count("requests", cat)
        try:
            return await self._send(verb, path, params, json, cat, safe)
        except ZoomApiError as exc:
            self.metrics.count("failures", cat)
            if isinstance(exc, ZoomDailyLimit) and exc.source == "client":
                self.metrics.count("daily_limited", cat)
            raise

    async def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        body: Any,
        category: Category,
        safe: bool,
    ) -> Any:
        url = f"{self.api_base_url}{path}"
        content = msgspec.json.encode(body) if body is not None else None
        query = {k: v for k, v in (params or {}).items() if v is not None}
        extra: dict[str, Any] = {}
        if self._timeout is not None:
            extra["timeout"] = self._timeout
        failures = 0
        rate_limit_retries = 0
        rejected: str | None = None
        auth_retried = False
        while True:
            token = await self.tokens.get_access_token(rejected=rejected)
            rejected = None
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            if content is not None:
                headers["Content-Type"] = "application/json"
            response: httpx.Response | None = None
            transport_error: httpx.TransportError | None = None
            async with self.limiter.slot(category):
                self.metrics.count("attempts", category)
                try:
                    response = await self._http.client.request(
                        method, url, params=query, content=content, headers=headers, **extra
                    )
                except httpx.TransportError as exc:
                    transport_error = exc

            if isinstance(transport_error, _NOT_TRANSIENT):
                # A wrong base URL or a request httpx cannot even build: retrying won't help.
                raise ZoomApiError(
                    None,
                    None,
                    f"cannot send the request ({type(transport_error).__name__}); "
                    "check api_base_url",
                    method=method,
                    path=path,
                ) from transport_error
            if transport_error is not None:
                failures += 1
                sent = not isinstance(transport_error, _NOT_SENT)
                what = type(transport_error).__name__
                if (sent and not safe) or failures >= self.retry.max_attempts:
                    raise ZoomUnavailable(
                        None,
                        None,
                        f"Zoom unreachable ({what}) after {failures} attempt(s)",
                        method=method,
                        path=path,
                        outcome_unknown=sent and not safe,
                    ) from transport_error
                await self._pause_before_retry(category, failures, method, path, what)
                continue

            assert response is not None
            status = response.status_code
            if 200 <= status < 300:
                return _decode_success(response, method, path)

            error_body = _decode_error_body(response)

            if status == 429:
                self.metrics.count("throttled", category)
                info = classify_429(response.headers, error_body)
                if info.kind == "daily":
                    assert info.retry_at is not None
                    if info.scope == "account":
                        self.limiter.block_daily(category, info.retry_at)
                    self.metrics.count("daily_limited", category)
                    raise ZoomDailyLimit(
                        info.message or "Zoom daily rate limit reached",
                        retry_at=info.retry_at,
                        scope=info.scope,
                        category=category,
                        code=_code(error_body),
                        method=method,
                        path=path,
                    )
                rate_limit_retries += 1
                wait = info.retry_after_seconds
                if wait is None:
                    wait = self.retry.rate_limit_delay * (0.5 + 0.5 * rate_limit_retries)
                if (
                    rate_limit_retries > self.retry.max_rate_limit_retries
                    or wait > self.retry.max_rate_limit_wait
                ):
                    raise ZoomRateLimited(
                        429,
                        _code(error_body),
                        info.message or "Zoom per-second rate limit reached",
                        method=method,
                        path=path,
                        retry_after_seconds=wait,
                    )
                self.metrics.count("rate_limit_retries", category)
                log.info(
                    "zoom 429 (per-second) on %s %s; pausing %s for %.2fs",
                    method,
                    path,
                    category,
                    wait,
                )
                # Pause the whole category: Zoom's budget is the account's, so every other
                # request of this category would draw the same 429 right now.
                self.limiter.pause(category, wait)
                continue

            if is_invalid_token(status, error_body):
                if not auth_retried:
                    auth_retried = True
                    rejected = token
                    self.metrics.count("token_retries", category)
                    log.info("zoom rejected the access token on %s %s; refreshing", method, path)
                    continue
                error = error_from_response(status, error_body, method=method, path=path)
                if not isinstance(error, ZoomAuthError):
                    error = ZoomAuthError(
                        status, error.code, error.message, method=method, path=path
                    )
                raise error

            if status >= 500:
                failures += 1
                not_processed = status == 503
                if (not safe and not not_processed) or failures >= self.retry.max_attempts:
                    raise ZoomUnavailable(
                        status,
                        _code(error_body),
                        str(error_body.get("message") or f"Zoom answered HTTP {status}"),
                        method=method,
                        path=path,
                        outcome_unknown=not safe and not not_processed,
                    )
                await self._pause_before_retry(category, failures, method, path, f"HTTP {status}")
                continue

            raise error_from_response(status, error_body, method=method, path=path)

    async def _pause_before_retry(
        self, category: Category, failures: int, method: str, path: str, what: str
    ) -> None:
        delay = self.retry.backoff(failures)
        self.metrics.count("retries", category)
        log.warning(
            "zoom %s %s failed (%s), attempt %d; retrying in %.2fs",
            method,
            path,
            what,
            failures,
            delay,
        )
        await asyncio.sleep(delay)

    # --- pagination ----------------------------------------------------------------------

    def paginate(
        self,
        path: str,
        key: str,
        params: Mapping[str, Any] | None = None,
        *,
        category: Category = "medium",
        page_size: int = MAX_PAGE_SIZE,
    ) -> AsyncIterator[dict[str, Any]]:
        """Stream every item under ``key`` of a paged listing, following next_page_token.

        Raises :class:`ZoomPaginationError` instead of ending early (see
        :mod:`hub_zoom.api.pagination`).
        """

        async def fetch(query: dict[str, Any]) -> Mapping[str, Any]:
            return await self.request("GET", path, params=query, category=category) or {}

        return paginate(fetch, key, params, page_size=page_size)

    async def collect(
        self,
        path: str,
        key: str,
        params: Mapping[str, Any] | None = None,
        *,
        category: Category = "medium",
        page_size: int = MAX_PAGE_SIZE,
    ) -> list[dict[str, Any]]:
        """The complete listing as a list; restarts once if a page token expired."""

        async def fetch(query: dict[str, Any]) -> Mapping[str, Any]:
            return await self.request("GET", path, params=query, category=category) or {}

        return await collect(fetch, key, params, page_size=page_size)


def _decode_success(response: httpx.Response, method: str, path: str) -> Any:
    if response.status_code == 204 or not response.content.strip():
        return None
    try:
        return msgspec.json.decode(response.content)
    except msgspec.DecodeError as exc:
        raise ZoomApiError(
            response.status_code,
            None,
            "Zoom returned a success status with a body that is not JSON",
            method=method,
            path=path,
        ) from exc


def _decode_error_body(response: httpx.Response) -> dict[str, Any]:
    try:
        decoded = msgspec.json.decode(response.content)
    except msgspec.DecodeError:
        text = response.text.strip()[:200]
        return {"message": text} if text else {}
    return decoded if isinstance(decoded, dict) else {}


def _code(body: Mapping[str, Any]) -> int | None:
    code = body.get("code")
    return code if isinstance(code, int) else None
