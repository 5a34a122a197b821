"""Counters tests assert on: what the emulator received and what it answered.

Routes are keyed ``"METHOD /v2/path/{template}"`` (Zoom's parameter names), so a test
can say "the hub called batch_registrants exactly 34 times" without parsing URLs.
"""

from __future__ import annotations

from collections import Counter
from typing import Any


class Stats:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.statuses: Counter[str] = Counter()  # "METHOD /path status"
        self.rate_limited: Counter[str] = Counter()  # route -> 429s sent (any cause)
        self.injected: Counter[str] = Counter()  # "5xx", "429", "reset", "timeout", ...
        self.token_grants: Counter[str] = Counter()  # grant_type -> tokens issued
        self.token_errors: Counter[str] = Counter()  # error -> count
        self.refreshes = 0
        self.revocations = 0
        self.unauthorized = 0

    def record(self, route: str, status: int) -> None:
        self.statuses[f"{route} {status}"] += 1
        if status == 429:
            self.rate_limited[route] += 1

    def snapshot(self, categories: dict[str, int], rejections: dict[str, int]) -> dict[str, Any]:
        return {
            "calls": dict(self.calls),
            "statuses": dict(self.statuses),
            "rate_limited": dict(self.rate_limited),
            "rate_limited_total": sum(self.rate_limited.values()),
            "rate_limit_rejections": rejections,
            "injected": dict(self.injected),
            "token_grants": dict(self.token_grants),
            "token_errors": dict(self.token_errors),
            "tokens_issued": sum(self.token_grants.values()),
            "refreshes": self.refreshes,
            "revocations": self.revocations,
            "unauthorized": self.unauthorized,
            "categories": categories,
        }

    def reset(self) -> None:
        self.__init__()  # type: ignore[misc]
