"""Posts a ticketing platform's traffic to a running hub over HTTP, as a platform does.

Events are published first, then tickets are sold and finally some are refunded, each phase
``concurrency`` requests at a time. Network errors, 5xx answers and 429s are retried with
the very same body: the hub's ingest is idempotent, so a request that did reach the hub
before its answer was lost comes back as "duplicate" and nothing happens twice. Other 4xx
answers are the hub refusing the data; they are reported, never retried.

:func:`simulate` is the importable core, shared by ``hub ticketing-stub simulate``, the
demo and the benchmarks.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import httpx
import msgspec

from hub.models import EventFormat
from hub_ticketing_stub.traffic import Traffic, generate

RequestKind = Literal["event", "ticket", "refund"]
ENDPOINTS: dict[RequestKind, str] = {
    "event": "/api/v1/events/published",
    "ticket": "/api/v1/tickets/sold",
    "refund": "/api/v1/tickets/refunded",
}
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class PostOutcome:
    """The final answer to one posted body, after any retries.

    ``status`` is the hub's verdict ("accepted", "duplicate", "updated", "ignored"),
    "rejected" for a 4xx, or "failed" when retries ran out.
    """

    kind: RequestKind
    id: str
    status: str
    http_status: int | None
    attempts: int
    detail: str | None = None

    @property
    def ok(self) -> bool:
        return self.status not in ("rejected", "failed")


@dataclass
class SimulationResult:
    """What a simulation posted and how the hub answered."""

    base_url: str
    seed: int
    event_ids: list[str] = field(default_factory=list)
    ticket_ids: list[tuple[str, str]] = field(default_factory=list)  # (event_id, ticket_id)
    refunded_ticket_ids: list[tuple[str, str]] = field(default_factory=list)
    outcomes: list[PostOutcome] = field(default_factory=list)
    elapsed_seconds: float = 0.0

    @property
    def retries(self) -> int:
        return sum(o.attempts - 1 for o in self.outcomes)

    @property
    def failures(self) -> list[PostOutcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def ok(self) -> bool:
        return not self.failures

    def counts(self) -> dict[str, dict[str, int]]:
        """Hub verdicts per request kind, e.g. ``{"ticket": {"accepted": 20}}``."""
        table: dict[str, Counter[str]] = {}
        for o in self.outcomes:
            table.setdefault(o.kind, Counter())[o.status] += 1
        return {kind: dict(counter) for kind, counter in table.items()}

    def as_dict(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "seed": self.seed,
            "events": self.event_ids,
            "tickets": [{"event_id": e, "ticket_id": t} for e, t in self.ticket_ids],
            "refunds": [{"event_id": e, "ticket_id": t} for e, t in self.refunded_ticket_ids],
            "counts": self.counts(),
            "retries": self.retries,
            "failures": [dataclasses.asdict(o) for o in self.failures],
            "elapsed_seconds": round(self.elapsed_seconds, 3),
        }


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to insist on one request: exponential backoff with jitter, capped."""

    max_attempts: int = 8
    base_seconds: float = 0.2
    max_seconds: float = 5.0

    def delay(self, attempt: int, rng: random.Random, retry_after: str | None = None) -> float:
        if retry_after is not None:
            try:
                return min(self.max_seconds, max(0.0, float(retry_after)))
            except ValueError:
                pass
        ceiling = min(self.max_seconds, self.base_seconds * 2 ** (attempt - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


async def post_with_retries(
    client: httpx.AsyncClient,
    kind: RequestKind,
    item_id: str,
    body: bytes,
    policy: RetryPolicy,
    rng: random.Random,
) -> PostOutcome:
    """POST one body until the hub gives a verdict or the retries run out."""
    detail: str | None = None
    http_status: int | None = None
    for attempt in range(1, policy.max_attempts + 1):
        retry_after = None
        try:
            response = await client.post(
                ENDPOINTS[kind], content=body, headers={"Content-Type": "application/json"}
            )
        except httpx.TransportError as exc:
            http_status, detail = None, f"{type(exc).__name__}: {exc}"
        else:
            http_status = response.status_code
            if response.status_code < 400:
                status = _verdict(response)
                return PostOutcome(kind, item_id, status, http_status, attempt)
            detail = _problem_detail(response)
            if response.status_code not in RETRY_STATUSES:
                return PostOutcome(kind, item_id, "rejected", http_status, attempt, detail)
            retry_after = response.headers.get("Retry-After")
        if attempt < policy.max_attempts:
            await asyncio.sleep(policy.delay(attempt, rng, retry_after))
    return PostOutcome(kind, item_id, "failed", http_status, policy.max_attempts, detail)


def _verdict(response: httpx.Response) -> str:
    try:
        return str(response.json().get("status", "accepted"))
    except ValueError:
        return "accepted"


def _problem_detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail") or response.text[:300])
    except ValueError:
        return response.text[:300] or response.reason_phrase


async def post_traffic(
    client: httpx.AsyncClient,
    traffic: Traffic,
    *,
    concurrency: int = 8,
    policy: RetryPolicy | None = None,
    on_outcome: Callable[[PostOutcome], None] | None = None,
) -> list[PostOutcome]:
    """Post events, then tickets, then refunds; each phase finishes before the next starts,
    as a platform cannot sell tickets for an event it has not yet published."""
    policy = policy or RetryPolicy()
    limit = asyncio.Semaphore(concurrency)
    jitter = random.Random()  # timing only; the bodies never depend on it
    outcomes: list[PostOutcome] = []

    async def one(kind: RequestKind, item_id: str, value: msgspec.Struct) -> PostOutcome:
        async with limit:
            outcome = await post_with_retries(
                client, kind, item_id, msgspec.json.encode(value), policy, jitter
            )
        if on_outcome is not None:
            on_outcome(outcome)
        return outcome

    phases: list[list[tuple[RequestKind, str, msgspec.Struct]]] = [
        [("event", e.id, e) for e in traffic.events],
        [("ticket", t.id, t) for t in traffic.tickets],
        [("refund", r.ticket_id, r) for r in traffic.refunds],
    ]
    for phase in phases:
        outcomes += await asyncio.gather(*(one(k, i, v) for k, i, v in phase))
    return outcomes


async def simulate(
    base_url: str,
    api_key: str,
    events: int,
    tickets: int,
    refunds: int,
    *,
    seed: int = 1,
    format: EventFormat = "auto",
    sessions: int = 0,
    video_provider: str | None = None,
    concurrency: int = 8,
    starts_after: datetime | None = None,
    policy: RetryPolicy | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    request_timeout: float = 30.0,
    on_outcome: Callable[[PostOutcome], None] | None = None,
) -> SimulationResult:
    """Generate the traffic for ``seed`` and post it to the hub at ``base_url``.

    ``tickets`` and ``refunds`` are totals over all events. ``transport`` replaces the
    network (tests pass an in-process or fault-injecting transport).
    """
    traffic = generate(
        events,
        tickets,
        refunds,
        seed=seed,
        format=format,
        sessions=sessions,
        video_provider=video_provider,
        starts_after=starts_after,
    )
    result = SimulationResult(base_url=base_url, seed=seed)
    started = time.perf_counter()
    async with httpx.AsyncClient(
        base_url=base_url,
        headers={"Authorization": f"Bearer {api_key}", "User-Agent": "hub-ticketing-stub"},
        transport=transport,
        timeout=request_timeout,
        limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
    ) as client:
        result.outcomes = await post_traffic(
            client, traffic, concurrency=concurrency, policy=policy, on_outcome=on_outcome
        )
    result.elapsed_seconds = time.perf_counter() - started
    result.event_ids = [e.id for e in traffic.events]
    result.ticket_ids = [(t.event_id, t.id) for t in traffic.tickets]
    result.refunded_ticket_ids = [(r.event_id, r.ticket_id) for r in traffic.refunds]
    return result
