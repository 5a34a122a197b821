"""The emulator's clock.

Token lifetimes, pagination-token expiry, daily rate limits and simulated meetings all
read this clock instead of the wall clock, so tests can cross midnight UTC or expire a
token in no real time, and benchmarks can run the emulated world faster than real time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class Clock:
    """Emulated time = anchor + real elapsed time x ``time_scale`` + manual advances.

    ``frozen`` stops the real-time component entirely (useful for exact assertions);
    ``advance``/``set`` move time by hand.  Listeners (the webhook retry scheduler) are
    told when time jumps so they can re-evaluate their deadlines.
    """

    def __init__(
        self,
        start: datetime | None = None,
        time_scale: float = 1.0,
        frozen: bool = False,
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self._anchor = (start or datetime.now(UTC)).astimezone(UTC)
        self._real_anchor = time.monotonic()
        self._offset = 0.0
        self.time_scale = time_scale
        self._frozen_at: float | None = self._real_anchor if frozen else None
        self._listeners: list[Callable[[], None]] = []

    # ------------------------------------------------------------------ reading
    def _real_elapsed(self) -> float:
        now = self._frozen_at if self._frozen_at is not None else time.monotonic()
        return now - self._real_anchor

    def now(self) -> datetime:
        """Current emulated time, timezone-aware UTC."""
        return self._anchor + timedelta(seconds=self.elapsed())

    def elapsed(self) -> float:
        """Emulated seconds since the anchor."""
        return self._real_elapsed() * self.time_scale + self._offset

    def timestamp(self) -> float:
        return self.now().timestamp()

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    # ------------------------------------------------------------------ moving
    def advance(self, seconds: float) -> datetime:
        """Jump forward (or backward) by ``seconds`` of emulated time."""
        self._offset += seconds
        self._notify()
        return self.now()

    def set(self, when: datetime) -> datetime:
        """Jump to an absolute emulated time."""
        return self.advance((when.astimezone(UTC) - self.now()).total_seconds())

    def freeze(self, frozen: bool = True) -> None:
        """Stop (or restart) the real-time component without moving the clock."""
        current = self.elapsed()
        self._real_anchor = time.monotonic()
        self._offset = current
        self._frozen_at = self._real_anchor if frozen else None
        self._notify()

    # ------------------------------------------------------------------ waiting
    def real_seconds_until(self, when: datetime) -> float:
        """Real seconds until emulated ``when`` (inf when frozen and in the future)."""
        remaining = (when - self.now()).total_seconds()
        if remaining <= 0:
            return 0.0
        if self.frozen:
            return float("inf")
        return remaining / self.time_scale

    async def sleep_until(self, when: datetime) -> None:
        """Sleep until the emulated clock reaches ``when``, waking early on jumps."""
        while True:
            delay = self.real_seconds_until(when)
            if delay <= 0:
                return
            event = asyncio.Event()
            loop = asyncio.get_running_loop()

            def wake(loop: asyncio.AbstractEventLoop = loop, event: asyncio.Event = event) -> None:
                loop.call_soon_threadsafe(event.set)

            self._listeners.append(wake)
            try:
                timeout = None if delay == float("inf") else delay
                try:
                    await asyncio.wait_for(event.wait(), timeout)
                except TimeoutError:
                    pass
            finally:
                if wake in self._listeners:
                    self._listeners.remove(wake)

    def _notify(self) -> None:
        for listener in list(self._listeners):
            try:
                listener()
            except RuntimeError:  # loop closed: the waiter is gone
                pass


def isoformat(value: datetime) -> str:
    """Zoom's date-time format: UTC, second precision, ``Z`` suffix."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(value: str) -> datetime:
    """Parse an ISO datetime; naive values are taken as UTC."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def next_utc_midnight(value: datetime) -> datetime:
    day = value.astimezone(UTC).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
