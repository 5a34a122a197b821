"""Slows password guessing at the sign-in form.

Every attempt is counted before the password is checked (so concurrent guesses cannot all
slip under the limit) and a wrong one is answered only after ``delay_seconds``, without
blocking other requests. An address with ``max_failures`` attempts inside
``window_seconds`` is refused until the oldest leaves the window; ``max_failures_all`` does
the same for all addresses together, which bounds a spread-out guessing run at the price
of locking the operator out for a few minutes during one. A successful sign-in clears its
address's count. Kept in memory, per process.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field

ANY_CLIENT = "*"
MAX_TRACKED = 10_000


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

    def attempt(self, client: str) -> float | None:
        """Count an attempt before the password is checked, so concurrent guesses cannot
        all slip under the limit; returns the seconds to wait when over it, else None."""
        now = time.monotonic()
        for key, limit in ((client, self.max_failures), (ANY_CLIENT, self.max_failures_all)):
            times = self._recent(key, now)
            if len(times) >= limit:
                return max(1.0, self.window_seconds - (now - times[0]))
        for key in (client, ANY_CLIENT):
            self._failures.setdefault(key, deque()).append(now)
        if len(self._failures) > MAX_TRACKED:  # bounded memory under a spray of addresses
            for key in list(self._failures)[: MAX_TRACKED // 2]:
                if key != ANY_CLIENT:
                    del self._failures[key]
        return None

    async def failed(self) -> None:
        """Answer a wrong password only after a delay (other requests go on meanwhile)."""
        await asyncio.sleep(self.delay_seconds)

    def succeeded(self, client: str) -> None:
        """The right password: this address's count starts again."""
        self._failures.pop(client, None)
        everyone = self._failures.get(ANY_CLIENT)
        if everyone:
            everyone.pop()
