"""Zoom's rate limits (notes §4): per account, by plan and rate-limit label.

Two layers, as on Zoom:

* account limits by label (light, medium, heavy, resource-intensive): a per-second
  (per-minute for resource-intensive) window and, depending on the plan, a daily quota.
  On Pro and Business+ heavy and resource-intensive share one daily quota.
* user-level daily limits (reset 00:00 UTC): meeting/webinar create+update per host,
  registrations per registrant and meeting, status changes per registrant.

Windows run on the emulated clock, so ``time_scale`` scales the per-second limits
with time itself.  Rejected requests do not consume quota.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass
from datetime import date

from .clock import Clock, isoformat, next_utc_midnight
from .errors import ZoomError

CATEGORIES = ("light", "medium", "heavy", "resource_intensive")

HEADER_NAMES = {
    "light": "Light",
    "medium": "Medium",
    "heavy": "Heavy",
    "resource_intensive": "Resource-intensive",
}

PER_SECOND_MESSAGE = (
    "You have reached the maximum per-second rate limit for this API. Try again later."
)
DAILY_MESSAGE = (
    "You have reached the maximum daily rate limit for this API. Refer to the response "
    "header for details on when you can make another request."
)


@dataclass(frozen=True)
class Window:
    limit: int
    seconds: float


@dataclass(frozen=True)
class CategoryLimit:
    window: Window
    daily: int | None
    daily_bucket: str  # categories with the same bucket share one daily quota


def _plan_table() -> dict[str, dict[str, CategoryLimit]]:
    def row(per: int, seconds: float, daily: int | None, bucket: str) -> CategoryLimit:
        return CategoryLimit(Window(per, seconds), daily, bucket)

    return {
        "free": {
            "light": row(4, 1, 6_000, "light"),
            "medium": row(2, 1, 2_000, "medium"),
            "heavy": row(1, 1, 1_000, "heavy"),
            "resource_intensive": row(10, 60, 30_000, "resource_intensive"),
        },
        "pro": {
            "light": row(30, 1, None, "light"),
            "medium": row(20, 1, None, "medium"),
            "heavy": row(10, 1, 30_000, "heavy+resource_intensive"),
            "resource_intensive": row(10, 60, 30_000, "heavy+resource_intensive"),
        },
        "business": {
            "light": row(80, 1, None, "light"),
            "medium": row(60, 1, None, "medium"),
            "heavy": row(40, 1, 60_000, "heavy+resource_intensive"),
            "resource_intensive": row(20, 60, 60_000, "heavy+resource_intensive"),
        },
    }


PLAN_LIMITS = _plan_table()

#: User-level daily limits (notes §4).
HOST_CREATE_UPDATE_PER_DAY = 100
REGISTRATIONS_PER_REGISTRANT_PER_DAY = 3
STATUS_CHANGES_PER_REGISTRANT_PER_DAY = 10


class RateLimiter:
    def __init__(self, clock: Clock, plans: dict[str, str]) -> None:
        self._clock = clock
        self._plans = plans
        self._windows: dict[tuple[str, str], deque[float]] = {}
        self._daily: Counter[tuple[str, str, date]] = Counter()
        self._user_daily: Counter[tuple[str, ...]] = Counter()
        self.accepted: Counter[tuple[str, str]] = Counter()  # (account, category)
        self.rejected: Counter[str] = Counter()  # qps, daily, user

    def plan_of(self, account_id: str) -> str:
        return self._plans.get(account_id, "pro")

    def limits(self, account_id: str, category: str) -> CategoryLimit:
        return PLAN_LIMITS[self.plan_of(account_id)][category]

    # ------------------------------------------------------------------ account level
    def acquire(self, account_id: str, category: str) -> dict[str, str]:
        """Admit one call or raise the 429 Zoom would send; return headers for the reply."""
        limit = self.limits(account_id, category)
        now = self._clock.elapsed()
        window = self._windows.setdefault((account_id, category), deque())
        while window and window[0] <= now - limit.window.seconds:
            window.popleft()
        name = HEADER_NAMES[category]
        if len(window) >= limit.window.limit:
            self.rejected["qps"] += 1
            # Section 7: whether Retry-After accompanies per-second 429s is unknown;
            # the strict reading sends none, so clients must back off on their own.
            raise ZoomError(
                429,
                429,
                PER_SECOND_MESSAGE,
                headers={
                    "X-RateLimit-Category": name,
                    "X-RateLimit-Type": "QPS",
                    "X-RateLimit-Limit": str(limit.window.limit),
                    "X-RateLimit-Remaining": "0",
                },
            )
        today = self._clock.now().date()
        daily_key = (account_id, limit.daily_bucket, today)
        if limit.daily is not None and self._daily[daily_key] >= limit.daily:
            self.rejected["daily"] += 1
            raise ZoomError(
                429,
                429,
                DAILY_MESSAGE,
                headers={
                    "X-RateLimit-Category": name,
                    "X-RateLimit-Type": "Daily-limit",
                    "X-RateLimit-Limit": str(limit.daily),
                    "X-RateLimit-Remaining": "0",
                    "Retry-After": isoformat(next_utc_midnight(self._clock.now())),
                },
            )
        window.append(now)
        self._daily[daily_key] += 1
        self.accepted[(account_id, category)] += 1
        return self.success_headers(account_id, category)

    def success_headers(self, account_id: str, category: str) -> dict[str, str]:
        """Headers on admitted calls: the daily quota where the plan has one, else QPS."""
        limit = self.limits(account_id, category)
        headers = {"X-RateLimit-Category": HEADER_NAMES[category]}
        if limit.daily is not None:
            used = self._daily[(account_id, limit.daily_bucket, self._clock.now().date())]
            headers["X-RateLimit-Type"] = "Daily-limit"
            headers["X-RateLimit-Limit"] = str(limit.daily)
            headers["X-RateLimit-Remaining"] = str(max(limit.daily - used, 0))
        else:
            window = self._windows.get((account_id, category), deque())
            headers["X-RateLimit-Type"] = "QPS"
            headers["X-RateLimit-Limit"] = str(limit.window.limit)
            headers["X-RateLimit-Remaining"] = str(max(limit.window.limit - len(window), 0))
        return headers

    # ------------------------------------------------------------------ user level
    def _user_level_headers(self, account_id: str, category: str) -> dict[str, str]:
        # Observed on Zoom (devforum 18928): category, limit and remaining of the
        # account quota, but no X-RateLimit-Type and no Retry-After.
        headers = self.success_headers(account_id, category)
        headers.pop("X-RateLimit-Type", None)
        return headers

    def check_user_limit(
        self,
        key: tuple[str, ...],
        limit: int,
        message: str,
        account_id: str,
        category: str,
        count: int = 1,
    ) -> None:
        """Raise the user-level 429 if ``key`` already used ``limit`` calls today."""
        full_key = (*key, self._clock.now().date().isoformat())
        if self._user_daily[full_key] + count > limit:
            self.rejected["user"] += 1
            raise ZoomError(
                429, 429, message, headers=self._user_level_headers(account_id, category)
            )

    def consume_user_limit(self, key: tuple[str, ...], count: int = 1) -> None:
        self._user_daily[(*key, self._clock.now().date().isoformat())] += count

    def take_user_limit(
        self,
        key: tuple[str, ...],
        limit: int,
        message: str,
        account_id: str,
        category: str,
    ) -> None:
        self.check_user_limit(key, limit, message, account_id, category)
        self.consume_user_limit(key)


def host_limit_message(kind: str) -> str:
    noun = "Webinar" if kind == "webinar" else "Meeting"
    return (
        f"You have exceeded the daily rate limit ({HOST_CREATE_UPDATE_PER_DAY}) of {noun} "
        "Create/Update API requests permitted for this particular user. You may resume "
        "these requests at GMT 00:00:00."
    )


def registration_limit_message(kind: str, batch: bool, email: str) -> str:
    # Only the webinar batch wording is sourced (devforum 57798); the other variants
    # substitute the API name in the same sentence.
    noun = "Webinar" if kind == "webinar" else "Meeting"
    api = f"{noun} Batch Registration" if batch else f"{noun} Registration"
    return (
        f"You have exceeded the daily rate limit ({REGISTRATIONS_PER_REGISTRANT_PER_DAY}) of "
        f"{api} API requests permitted for ({email}) this particular registrant. You may "
        "resume these requests at GMT 00:00:00."
    )


def status_limit_message(kind: str) -> str:
    noun = "Webinar" if kind == "webinar" else "Meeting"
    return (
        f"You have exceeded the daily rate limit ({STATUS_CHANGES_PER_REGISTRANT_PER_DAY}) of "
        f"{noun} Registrant Status API requests permitted for this particular registrant. "
        "You may resume these requests at GMT 00:00:00."
    )
