"""Retry policy, backoff with jitter, and parsing of Zoom's 429 answers.

Transient failures (5xx, timeouts, resets) are retried in place a bounded number of times
with exponential backoff and jitter, so a blip does not fail a delivery while a real outage
is handed back to the delivery pipeline quickly as :class:`ZoomUnavailable`. Jitter keeps the
hub's workers from retrying in lockstep after a shared outage.

Zoom's 429 comes in two kinds that need opposite handling: a per-second limit clears within
a second and is worth waiting for in place; a daily limit does not clear before 00:00 UTC
and must be reported to the caller, never retried hot. :func:`classify_429` tells them apart
from the ``X-RateLimit-Type`` header, the ``Retry-After`` form and the message text.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Literal

from hub_zoom.api.errors import next_utc_midnight


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounds for in-place retries.

    ``max_attempts`` counts every try of a request failing with 5xx / timeout / connection
    error (so 4 means 3 retries). ``max_rate_limit_retries`` bounds per-second 429 retries;
    a ``Retry-After`` longer than ``max_rate_limit_wait`` seconds is not waited for in place.
    """

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_rate_limit_retries: int = 5
    max_rate_limit_wait: float = 10.0
    rate_limit_delay: float = 1.0

    def backoff(self, attempt: int) -> float:
        """Delay before retry number ``attempt`` (1-based): exponential, "equal jitter".

        Half of the exponential step is fixed and half random, so retries always spread out
        but never collapse to zero delay.
        """
        step = min(self.max_delay, self.base_delay * 2.0 ** max(0, attempt - 1))
        return step / 2 + random.uniform(0, step / 2)


def parse_retry_after(
    value: str | None, now: datetime | None = None
) -> tuple[float | None, datetime | None]:
    """Parse ``Retry-After``: delta seconds, an ISO-8601 datetime (Zoom) or an HTTP date.

    Returns ``(seconds_from_now, absolute_datetime)``; the datetime is None for the
    delta-seconds form, both are None when the header is missing or unreadable.
    """
    if value is None:
        return None, None
    text = value.strip()
    if not text:
        return None, None
    current = now or datetime.now(UTC)
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text), None
    when: datetime | None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None, None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - current).total_seconds()), when


RateLimitKind = Literal["per_second", "daily"]


@dataclass(frozen=True, slots=True)
class RateLimitInfo:
    """What a 429 means: ``kind``, whose quota (``scope``), and when to try again."""

    kind: RateLimitKind
    scope: str
    retry_after_seconds: float | None
    retry_at: datetime | None
    category: str | None
    message: str


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        for key, val in headers.items():
            if key.lower() == lowered:
                return val
    return value


def classify_429(
    headers: Mapping[str, str], body: Mapping[str, Any], now: datetime | None = None
) -> RateLimitInfo:
    """Tell a per-second 429 from a daily one.

    Daily when ``X-RateLimit-Type: Daily-limit``, when the message speaks of a daily limit
    (the per-user and per-registrant limits come with neither header nor ``Retry-After``),
    or when ``Retry-After`` is a datetime and the type is not ``QPS``. Everything else
    (``QPS``, "Too many concurrent requests", a bare 429) is per-second.
    """
    current = now or datetime.now(UTC)
    limit_type = (_header(headers, "X-RateLimit-Type") or "").strip().lower()
    category = _header(headers, "X-RateLimit-Category")
    message = str(body.get("message") or "")
    lowered = message.lower()
    seconds, at = parse_retry_after(_header(headers, "Retry-After"), current)

    per_user = "this particular user" in lowered
    per_registrant = "this particular registrant" in lowered
    daily = (
        limit_type.startswith("daily")
        or "daily rate limit" in lowered
        or "daily limit" in lowered
        or per_user
        or per_registrant
        or (at is not None and limit_type != "qps")
    )
    if daily:
        retry_at = at if at is not None else next_utc_midnight(current)
        if at is None and seconds is not None:
            retry_at = current + timedelta(seconds=seconds)
        scope = "registrant" if per_registrant else "user" if per_user else "account"
        return RateLimitInfo(
            kind="daily",
            scope=scope,
            retry_after_seconds=max(0.0, (retry_at - current).total_seconds()),
            retry_at=retry_at,
            category=category,
            message=message,
        )
    return RateLimitInfo(
        kind="per_second",
        scope="account",
        retry_after_seconds=seconds,
        retry_at=at,
        category=category,
        message=message,
    )
