"""Client-side rate budget per Zoom rate-limit category, sized from the account's plan.

Zoom limits are per *account* and per *category* (Light, Medium, Heavy, Resource-intensive),
shared by every app and user of the account, with per-second and (Free plan; Heavy and
Resource-intensive on paid plans) daily quotas. A client that fires and waits for 429s burns
those shared quotas for everyone and gets throttled harder, so requests here *wait for a
permit* before they are sent.

Each category has a bucket of N permits per window (N per second; 10 or 20 per minute for
Resource-intensive). A permit is taken before a request is sent and comes back one window
after the response (or failure) arrived. Since Zoom counts a request no later than it
answers it, any window of Zoom's clock sees at most N of our requests, whatever the network
latency; a plain token bucket with burst N could let 2N through in one second. Holding the
permit while the request is in flight also caps concurrency at N per category.

One :class:`RateLimiter` should serve every client of the same Zoom account in the process:
:meth:`RateLimiter.shared` keeps one per account key. Several processes drawing on one
account divide its budget: :meth:`RateLimiter.share_with` gives the limiter the number of
processes sharing it (the hub counts them in its database, ``hub/budgets.py``), and each
category then grants ``permits // sharers`` (at least one) per window in this process.

Daily quotas are counted too (per process), so the last requests of a quota fail fast
with :class:`ZoomDailyLimit` instead of reaching Zoom, and a daily-limit 429 from Zoom
blocks the whole quota until its reset.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Literal, get_args

from hub_zoom.api.errors import ZoomDailyLimit, next_utc_midnight

Category = Literal["light", "medium", "heavy", "resource_intensive"]
CATEGORIES: tuple[Category, ...] = get_args(Category)

Plan = Literal["free", "pro", "business"]
PLANS: tuple[Plan, ...] = get_args(Plan)

_PLAN_ALIASES: dict[str, Plan] = {
    "basic": "free",
    "business_plus": "business",
    "business+": "business",
    "enterprise": "business",
    "education": "business",
    "partner": "business",
}


@dataclass(frozen=True, slots=True)
class CategoryLimit:
    """``requests`` per ``window`` seconds; ``daily_pool`` names the daily quota it draws on."""

    requests: int
    window: float = 1.0
    daily_pool: str | None = None


@dataclass(frozen=True, slots=True)
class PlanLimits:
    """The budget of one plan: per-category windows and the daily quota of each pool."""

    name: str
    categories: Mapping[Category, CategoryLimit]
    daily: Mapping[str, int] = field(default_factory=dict)


_SHARED_HEAVY = "heavy+resource_intensive"

# Zoom rate-limits page (see shared/reference/zoom-api-notes.md §4).
PLAN_LIMITS: dict[Plan, PlanLimits] = {
    "free": PlanLimits(
        name="free",
        categories={
            "light": CategoryLimit(4, 1.0, "light"),
            "medium": CategoryLimit(2, 1.0, "medium"),
            "heavy": CategoryLimit(1, 1.0, "heavy"),
            "resource_intensive": CategoryLimit(10, 60.0, "resource_intensive"),
        },
        daily={"light": 6000, "medium": 2000, "heavy": 1000, "resource_intensive": 30000},
    ),
    "pro": PlanLimits(
        name="pro",
        categories={
            "light": CategoryLimit(30, 1.0),
            "medium": CategoryLimit(20, 1.0),
            "heavy": CategoryLimit(10, 1.0, _SHARED_HEAVY),
            "resource_intensive": CategoryLimit(10, 60.0, _SHARED_HEAVY),
        },
        daily={_SHARED_HEAVY: 30000},
    ),
    "business": PlanLimits(
        name="business",
        categories={
            "light": CategoryLimit(80, 1.0),
            "medium": CategoryLimit(60, 1.0),
            "heavy": CategoryLimit(40, 1.0, _SHARED_HEAVY),
            "resource_intensive": CategoryLimit(20, 60.0, _SHARED_HEAVY),
        },
        daily={_SHARED_HEAVY: 60000},
    ),
}


def plan_limits(plan: str | PlanLimits) -> PlanLimits:
    """Resolve a plan name ("free", "pro", "business" and Zoom's aliases) to its limits."""
    if isinstance(plan, PlanLimits):
        return plan
    key = plan.strip().lower().replace("-", "_").replace(" ", "_")
    key = _PLAN_ALIASES.get(key, key)
    if key not in PLAN_LIMITS:
        raise ValueError(f"unknown Zoom plan {plan!r}; choose one of: {', '.join(PLANS)}")
    return PLAN_LIMITS[key]


def check_category(category: str) -> Category:
    """Validate a category label, so a typo fails loudly instead of escaping the budget."""
    if category not in CATEGORIES:
        raise ValueError(
            f"unknown Zoom rate-limit category {category!r}; choose one of: {', '.join(CATEGORIES)}"
        )
    return category


class _WindowBucket:
    """At most ``permits`` requests per ``window``; see the module docstring for why."""

    def __init__(self, permits: int, window: float, sharers: Callable[[], int] = lambda: 1) -> None:
        if permits < 1 or window <= 0:
            raise ValueError("a rate-limit bucket needs permits >= 1 and window > 0")
        self.permits = permits
        self.window = window
        self.sharers = sharers
        self._in_flight = 0
        self._cooling: deque[float] = deque()  # monotonic times at which permits come back
        self._paused_until = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Lock | None = None
        self._changed: asyncio.Event | None = None
        self.waits = 0

    def _primitives(self) -> tuple[asyncio.Lock, asyncio.Event]:
        # asyncio primitives belong to one event loop; a process-wide limiter may outlive a
        # loop (tests, CLI commands), so they are recreated when the running loop changes.
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._queue is None or self._changed is None:
            self._loop = loop
            self._queue = asyncio.Lock()
            self._changed = asyncio.Event()
            self._in_flight = 0
        return self._queue, self._changed

    def _reclaim(self, now: float) -> None:
        while self._cooling and self._cooling[0] <= now:
            self._cooling.popleft()

    def share(self) -> int:
        """This process's permits per window: the bucket's, divided among the sharers."""
        return max(1, self.permits // max(1, self.sharers()))

    def available(self) -> int:
        self._reclaim(time.monotonic())
        return self.share() - self._in_flight - len(self._cooling)

    async def acquire(self) -> None:
        queue, changed = self._primitives()
        # The lock is FIFO, so waiting requests are served in arrival order; only its holder
        # sleeps on the clock, the others queue behind it.
        waited = queue.locked()
        async with queue:
            while True:
                now = time.monotonic()
                self._reclaim(now)
                if now < self._paused_until:
                    timeout: float | None = self._paused_until - now
                elif self.share() - self._in_flight - len(self._cooling) > 0:
                    self._in_flight += 1
                    if waited:
                        self.waits += 1
                    return
                else:
                    timeout = self._cooling[0] - now if self._cooling else None
                waited = True
                changed.clear()
                try:
                    await asyncio.wait_for(changed.wait(), timeout)
                except TimeoutError:
                    pass

    def release(self) -> None:
        """Start the permit's cool-down: it is usable again one window from now."""
        if self._in_flight > 0:
            self._in_flight -= 1
        self._cooling.append(time.monotonic() + self.window)
        if self._changed is not None:
            self._changed.set()

    def pause(self, seconds: float) -> None:
        """Hold every request of this category for ``seconds`` (after a per-second 429)."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)
        if self._changed is not None:
            self._changed.set()


class _DailyPool:
    def __init__(self, name: str, limit: int) -> None:
        self.name = name
        self.limit = limit
        self.day: date | None = None
        self.used = 0
        self.blocked_until: datetime | None = None

    def roll(self, now: datetime) -> None:
        today = now.astimezone(UTC).date()
        if self.day != today:
            self.day = today
            self.used = 0
        if self.blocked_until is not None and now >= self.blocked_until:
            self.blocked_until = None


def _utcnow() -> datetime:
    return datetime.now(UTC)


class RateLimiter:
    """Per-category request budget of one Zoom account, shared by every client using it.

    ``plan`` is a plan name or a custom :class:`PlanLimits` (tests use tiny windows).
    ``now`` returns the current UTC datetime; it decides when daily quotas reset.
    """

    _shared: dict[tuple[str, str], RateLimiter] = {}

    def __init__(
        self, plan: str | PlanLimits = "pro", *, now: Callable[[], datetime] = _utcnow
    ) -> None:
        self.limits = plan_limits(plan)
        self._now = now
        self._buckets: dict[Category, _WindowBucket] = {
            cat: _WindowBucket(lim.requests, lim.window)
            for cat, lim in self.limits.categories.items()
        }
        self._pools: dict[str, _DailyPool] = {
            name: _DailyPool(name, limit) for name, limit in self.limits.daily.items()
        }
        self._blocked: dict[Category, datetime] = {}
        self.key: str | None = None

    def share_with(self, sharers: Callable[[], int]) -> None:
        """Take ``1 / sharers()`` of every per-window budget (read at each request):
        the other processes drawing on the same Zoom account take the rest."""
        for bucket in self._buckets.values():
            bucket.sharers = sharers

    @classmethod
    def shared(cls, key: str, plan: str | PlanLimits) -> RateLimiter:
        """The process-wide limiter of Zoom account ``key`` (created on first use).

        Zoom's quotas belong to the account, so every client of that account in this process
        must draw from the same budget. A plan change for the same key replaces the limiter.
        """
        limits = plan_limits(plan)
        entry = (key, limits.name)
        limiter = cls._shared.get(entry)
        if limiter is None:
            for old in [k for k in cls._shared if k[0] == key]:
                del cls._shared[old]
            limiter = cls._shared[entry] = cls(limits)
            limiter.key = key
        return limiter

    def _pool_for(self, category: Category) -> _DailyPool | None:
        name = self.limits.categories[category].daily_pool
        return self._pools.get(name) if name else None

    def _check_daily(self, category: Category) -> None:
        now = self._now()
        blocked = self._blocked.get(category)
        if blocked is not None and now >= blocked:
            del self._blocked[category]
            blocked = None
        pool = self._pool_for(category)
        if pool is not None:
            pool.roll(now)
            if pool.blocked_until is not None:
                blocked = max(blocked, pool.blocked_until) if blocked else pool.blocked_until
        if blocked is not None:
            raise ZoomDailyLimit(
                f"daily {category} quota of this Zoom account is used up (reported by Zoom)",
                retry_at=blocked,
                scope="account",
                source="client",
                category=category,
                status=None,
                code=None,
                now=now,
            )
        if pool is not None and pool.used >= pool.limit:
            raise ZoomDailyLimit(
                f"daily {pool.name} quota of {pool.limit} requests is used up in this process",
                retry_at=next_utc_midnight(now),
                scope="account",
                source="client",
                category=category,
                status=None,
                code=None,
                now=now,
            )

    @asynccontextmanager
    async def slot(self, category: str) -> AsyncIterator[None]:
        """Wait for a permit of ``category``, run the request inside, release on exit.

        Raises :class:`ZoomDailyLimit` without waiting when the category's daily quota is
        known to be exhausted.
        """
        cat = check_category(category)
        self._check_daily(cat)
        bucket = self._buckets[cat]
        await bucket.acquire()
        try:
            # Re-check: the quota may have run out while this request queued.
            self._check_daily(cat)
        except BaseException:
            bucket.release()
            raise
        pool = self._pool_for(cat)
        if pool is not None:
            pool.used += 1
        try:
            yield
        finally:
            bucket.release()

    def pause(self, category: str, seconds: float) -> None:
        """Zoom answered a per-second 429: hold the whole category briefly, not one request."""
        self._buckets[check_category(category)].pause(seconds)

    def block_daily(self, category: str, until: datetime) -> None:
        """Zoom said the account's daily quota of ``category`` is used up until ``until``."""
        cat = check_category(category)
        self._blocked[cat] = until
        pool = self._pool_for(cat)
        if pool is not None:
            # Heavy and Resource-intensive share one daily quota on paid plans.
            pool.roll(self._now())
            pool.blocked_until = until
            pool.used = max(pool.used, pool.limit)

    def daily_used(self) -> dict[str, int]:
        """Requests counted against each daily pool today (for metrics and tests)."""
        now = self._now()
        for pool in self._pools.values():
            pool.roll(now)
        return {name: pool.used for name, pool in self._pools.items()}

    def waits(self) -> dict[str, int]:
        """How many requests had to wait for a permit, per category."""
        return {cat: bucket.waits for cat, bucket in self._buckets.items()}

    def __repr__(self) -> str:
        return f"RateLimiter(plan={self.limits.name!r})"
