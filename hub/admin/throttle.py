"""Slows password guessing at the sign-in form.

Every failed attempt waits ``delay_seconds`` before the answer (without blocking other
requests), and a client address with ``max_failures`` failures inside ``window_seconds`` is
refused until the oldest of them leaves the window; a global cap does the same for many
addresses together. Kept in memory: a restart forgets it, which only ever helps the
legitimate operator.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field

ANY_CLIENT = "*"


@dataclass
class LoginThrottle:
    delay_seconds: float = 1.0
    max_failures: int = 10
    max_failures_all: int = 200
    window_seconds: float = 300.0
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self._failures.setdefault(client, deque())
        while times and now - times[0] > self.window_seconds:
            times.popleft()
        if not times and client != ANY_CLIENT:
            del self._failures[client]
            return deque()
        return times

    def retry_after(self, client: str) -> float | None:
        """Seconds until ``client`` may try again, or None if it may try now."""
        now = time.monotonic()
        for key, limit in ((client, self.max_failures), (ANY_CLIENT, self.max_failures_all)):
            times = self._recent(key, now)
            if len(times) >= limit:
                return max(1.0, self.window_seconds - (now - times[0]))
        return None

    async def failed(self, client: str) -> None:
        now = time.monotonic()
        for key in (client, ANY_CLIENT):
            self._failures.setdefault(key, deque()).append(now)
        if len(self._failures) > 10_000:  # bounded memory under a spray of addresses
            for key in list(self._failures)[:5_000]:
                if key != ANY_CLIENT:
                    del self._failures[key]
        await asyncio.sleep(self.delay_seconds)

    def succeeded(self, client: str) -> None:
        self._failures.pop(client, None)
