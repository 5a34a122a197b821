"""Exponential backoff with full jitter, so that retries of many deliveries that failed
together (a provider outage) spread out instead of returning as one thundering herd."""

from __future__ import annotations

import random


def backoff_seconds(
    attempt: int, base: float, cap: float, rng: random.Random | None = None
) -> float:
    rng = rng or random
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)
