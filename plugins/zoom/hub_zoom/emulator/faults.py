"""Fault injection: the failures a real Zoom integration meets, on demand.

Rules match a route key (``"METHOD /v2/path/{template}"``, shell-style wildcards) and
inject, with the given probabilities, connection resets, timeouts (the request hangs
and the connection is then dropped), 5xx answers and per-second 429s, plus added
latency.  Draws come from one RNG per (rule, route) seeded from the fault seed, so a
given sequence of calls to a route always meets the same faults regardless of the
interleaving with other routes.

An outage makes every API, OAuth and download call fail (503 or reset) until it ends.
"""

from __future__ import annotations

import fnmatch
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import msgspec

from .clock import Clock, parse_datetime


class FaultRule(msgspec.Struct, kw_only=True):
    route: str = "*"
    error_rate: float = 0.0
    error_status: int = 500
    rate_limit_rate: float = 0.0
    reset_rate: float = 0.0
    timeout_rate: float = 0.0
    timeout_seconds: float = 30.0
    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0


class Outage(msgspec.Struct, kw_only=True):
    mode: Literal["503", "reset"] = "503"
    #: Emulated seconds from now; ``None`` (and no ``until``) lasts until cleared.
    duration_seconds: float | None = None
    until: str | None = None


class FaultConfig(msgspec.Struct, kw_only=True):
    seed: int | None = None
    rules: list[FaultRule] = msgspec.field(default_factory=list)
    outage: Outage | None = None


Action = Literal["none", "reset", "timeout", "error", "rate_limit"]


@dataclass
class FaultDecision:
    action: Action
    latency: float  # seconds
    status: int = 500
    timeout: float = 0.0


class FaultInjector:
    def __init__(self, clock: Clock, seed: int) -> None:
        self._clock = clock
        self._default_seed = seed
        self._config = FaultConfig()
        self._rngs: dict[tuple[int, str], random.Random] = {}
        self._outage_until: datetime | None = None
        self._outage_mode: str | None = None

    @property
    def config(self) -> FaultConfig:
        return self._config

    def configure(self, config: FaultConfig) -> None:
        self._config = config
        self._rngs.clear()
        self._outage_mode = None
        self._outage_until = None
        if config.outage is not None:
            self._outage_mode = config.outage.mode
            if config.outage.until:
                self._outage_until = parse_datetime(config.outage.until)
            elif config.outage.duration_seconds is not None:
                self._outage_until = self._clock.now() + timedelta(
                    seconds=config.outage.duration_seconds
                )

    def outage(self) -> str | None:
        """The outage mode if an outage is in effect now."""
        if self._outage_mode is None:
            return None
        if self._outage_until is not None and self._clock.now() >= self._outage_until:
            return None
        return self._outage_mode

    def outage_status(self) -> dict[str, object]:
        mode = self.outage()
        return {
            "active": mode is not None,
            "mode": mode,
            "until": self._outage_until.isoformat() if self._outage_until and mode else None,
        }

    def decide(self, route: str) -> FaultDecision:
        for index, rule in enumerate(self._config.rules):
            if not _matches(rule.route, route):
                continue
            rng = self._rngs.get((index, route))
            if rng is None:
                seed = self._config.seed if self._config.seed is not None else self._default_seed
                rng = random.Random(f"{seed}:{index}:{route}")
                self._rngs[(index, route)] = rng
            latency = rule.latency_ms / 1000.0
            if rule.latency_jitter_ms:
                latency += rng.uniform(0, rule.latency_jitter_ms) / 1000.0
            draw = rng.random()
            threshold = rule.reset_rate
            if draw < threshold:
                return FaultDecision("reset", latency)
            threshold += rule.timeout_rate
            if draw < threshold:
                return FaultDecision("timeout", latency, timeout=rule.timeout_seconds)
            threshold += rule.error_rate
            if draw < threshold:
                return FaultDecision("error", latency, status=rule.error_status)
            threshold += rule.rate_limit_rate
            if draw < threshold:
                return FaultDecision("rate_limit", latency)
            return FaultDecision("none", latency)
        return FaultDecision("none", 0.0)


def _matches(pattern: str, route: str) -> bool:
    if pattern in ("*", route):
        return True
    # Allow patterns on the path alone ("/v2/meetings/*") as well as "METHOD path".
    path = route.split(" ", 1)[1] if " " in route else route
    return fnmatch.fnmatchcase(route, pattern) or fnmatch.fnmatchcase(path, pattern)
