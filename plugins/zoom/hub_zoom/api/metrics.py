"""Counters of what the client did, per rate-limit category.

Benchmarks and tests read them to prove behaviour that is otherwise invisible: that a
burst waited for permits instead of drawing 429s, that a fault was retried in place, that
a 401 cost exactly one refresh. They are plain counters (no labels, no locking: the client
runs on one event loop); the hub's Prometheus exporter can copy :meth:`as_dict` periodically.
"""

from __future__ import annotations

from collections import Counter

COUNTERS = (
    "requests",  # logical calls of ZoomClient.request (one per convenience method call/page)
    "attempts",  # HTTP requests actually sent to Zoom
    "retries",  # re-sends after 5xx, timeouts or connection errors
    "throttled",  # 429 answers received from Zoom
    "rate_limit_retries",  # re-sends after a per-second 429
    "daily_limited",  # ZoomDailyLimit raised (by Zoom's answer or the local budget)
    "token_retries",  # re-sends after 401/124 with a refreshed token
    "failures",  # calls that ended in an exception
)


class ClientMetrics:
    """One :class:`collections.Counter` per counter name, keyed by category."""

    def __init__(self) -> None:
        self.counters: dict[str, Counter[str]] = {name: Counter() for name in COUNTERS}

    def count(self, name: str, category: str, amount: int = 1) -> None:
        self.counters[name][category] += amount

    def total(self, name: str) -> int:
        return sum(self.counters[name].values())

    def as_dict(self) -> dict[str, dict[str, int]]:
        """A snapshot ``{counter: {category: n}}`` safe to serialise or compare in tests."""
        return {name: dict(counter) for name, counter in self.counters.items()}

    def reset(self) -> None:
        for counter in self.counters.values():
            counter.clear()

    def __repr__(self) -> str:
        return f"ClientMetrics({ {n: self.total(n) for n in COUNTERS} })"
