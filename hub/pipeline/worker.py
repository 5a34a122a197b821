"""Workers: claim due deliveries, call the plugin's hook, record what happened.

A worker runs inside ``hub serve`` by default, or alone as ``hub worker``; any number of
them may share one PostgreSQL database. Each delivery runs as its own task (up to
``concurrency`` at once), so a slow plugin delays only its own deliveries, and concurrent
ticket deliveries let a provider coalesce them into batch calls.

The bookkeeping around each call is done in batches, because with workers inside
``hub serve`` it competes with ingest for the same core: a woken worker waits a few
milliseconds so a burst is claimed together, claims again once a quarter of its slots are
free, reads the claimed deliveries' facts, events and tickets with one query, and writes
outcomes through group commit, one statement per group and outcome shape.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import random
import uuid
from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy import and_, bindparam, select

from hub.config.schema import PipelineSection
from hub.context import DeliveryContext, HubContext
from hub.observability import metrics
from hub.observability.logging import get_logger
from hub.pipeline.backoff import backoff_seconds
from hub.pipeline.claims import claim, release_expired
from hub.pipeline.decode import hook_arguments
from hub.pipeline.facts import utcnow
from hub.pipeline.group_commit import OutcomeOp, group_commit
from hub.pipeline.routing import FactKind
from hub.plugins.facade import HookFacade, Outcome
from hub.storage import tables

log = get_logger("hub.worker")
SUPERSEDED_BY_REFUND = frozenset({"on_ticket_sold", "on_ticket_updated"})
REAP_EVERY_SECONDS = 5.0
# After a wake-up the worker waits this long before claiming, so a burst of sales is
# claimed, read and recorded in a few batches instead of one round trip per sale.
CLAIM_WINDOW_SECONDS = 0.005


class Worker:
    def __init__(self, hub: HubContext, facade: HookFacade, settings: PipelineSection) -> None:
        self.hub = hub
        self.facade = facade
        self.settings = settings
        self.id = f"w-{uuid.uuid4().hex[:12]}"
        self._wake = asyncio.Event()
        self._inflight: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._rng = random.Random()
        self._main: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._main = asyncio.create_task(self.run(), name=f"hub-worker-{self.id}")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._main is not None:
            await self._main
        if self._inflight:
            await asyncio.gather(*self._inflight, return_exceptions=True)

    async def run(self) -> None:
        last_reap = 0.0
        loop = asyncio.get_running_loop()
        while not self._stopping:
            free = self.settings.concurrency - len(self._inflight)
            try:
                if loop.time() - last_reap > REAP_EVERY_SECONDS:
                    await release_expired(self.hub.db, utcnow())
                    last_reap = loop.time()
                claimed = await self.run_once()
            except Exception:
                log.exception("worker loop error")
                claimed = 0
            if self._stopping:
                break
            if claimed < free:
                # Everything due is taken: wait for a sale, a finished delivery or the poll,
                # then let a few more arrive so they are claimed together.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.settings.poll_interval_seconds):
                        await self._wake.wait()
                self._wake.clear()
                await asyncio.sleep(CLAIM_WINDOW_SECONDS)
            else:
                await self._wait_for_room()

    async def _wait_for_room(self) -> None:
        """Claim again once a batch's worth of slots is free: one claim query per batch,
        not one per finished delivery."""
        batch = max(1, self.settings.concurrency // 4)
        while self._inflight and self.settings.concurrency - len(self._inflight) < batch:
            await asyncio.wait(self._inflight, return_when=asyncio.FIRST_COMPLETED)

    async def run_once(self) -> int:
        free = self.settings.concurrency - len(self._inflight)
        if free <= 0:
            return 0
        rows = await claim(self.hub.db, self.id, free, utcnow(), self.settings.lease_seconds)
        if not rows:
            return 0
        try:
            loaded = await self._load(rows)
        except Exception:
            log.exception("reading claimed deliveries failed; their leases will expire")
            return len(rows)
        for row in rows:
            task = asyncio.create_task(self._deliver(row, loaded.get(row.fact_id)))
            self._inflight.add(task)
            task.add_done_callback(self._done)
        return len(rows)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        self._wake.set()  # a finished delivery may unblock the ones ordered after it

    async def drain(self, timeout: float = 60.0, horizon: float = 2.0) -> None:  # noqa: ASYNC109
        """Run until nothing is due within ``horizon`` seconds (tests, the demo, tools)."""
        async with asyncio.timeout(timeout):
            while True:
                claimed = await self.run_once()
                if not self._inflight:
                    if not await self._anything_due(horizon):
                        return
                    await asyncio.sleep(0.01)
                elif claimed == 0:
                    await asyncio.wait(self._inflight, return_when=asyncio.FIRST_COMPLETED)
                else:
                    await self._wait_for_room()

    async def _anything_due(self, horizon: float) -> bool:
        d = tables.deliveries
        soon = utcnow() + timedelta(seconds=horizon)
        async with self.hub.db.connect() as conn:
            row = (
                await conn.execute(
                    select(d.c.id)
                    .where(d.c.state.in_(("pending", "running")), d.c.due_at <= soon)
                    .limit(1)
                )
            ).first()
        return row is not None

    async def _load(self, rows: list[Any]) -> dict[int, Any]:
        """Each claimed delivery's fact with its event's and ticket's current copies."""
        ids = sorted({row.fact_id for row in rows})
        async with self.hub.db.connect() as conn:
            return {fact.id: fact for fact in await conn.execute(_load_statement(), {"ids": ids})}

    async def _deliver(self, row: Any, fact: Any) -> None:
        structlog.contextvars.bind_contextvars(
            delivery_id=row.id, plugin=row.plugin, hook=row.hook, event_id=row.event_id
        )
        try:
            if fact is None:
                raise LookupError(f"fact {row.fact_id} of delivery {row.id} not found")
            outcome = await self._call(row, fact)
            await self._record(row, outcome)
        except Exception:
            log.exception("delivery bookkeeping failed; the lease will expire and retry it")
        finally:
            structlog.contextvars.clear_contextvars()

    async def _call(self, row: Any, fact: Any) -> Outcome:
        event_body, ticket_body, ticket_status = (
            fact.event_body,
            fact.ticket_body,
            fact.ticket_status,
        )
        if ticket_status == "refunded" and row.hook in SUPERSEDED_BY_REFUND:
            # The holder was refunded since: registering them now would only be undone by
            # the refund's delivery (which follows), costing provider calls and limits.
            return Outcome(row.plugin, row.hook, "skipped", error="ticket refunded since")
        kwargs = await hook_arguments(
            FactKind(fact.kind), fact.id, fact.payload, event_body, ticket_body
        )
        ctx = DeliveryContext(
            hub=self.hub, plugin=row.plugin, delivery_id=row.id, attempt=row.attempts, hook=row.hook
        )
        return await self.facade.call(row.plugin, row.hook, ctx=ctx, **kwargs)

    async def _record(self, row: Any, outcome: Outcome) -> None:
        now = utcnow()
        values: dict[str, Any] = {"updated_at": now, "lease_until": None}
        if outcome.ok:
            values.update(state="done", finished_at=now, last_error=None, error_kind=None)
        elif outcome.kind == "retry":
            # "Retry later" is the plugin waiting on something (a rate limit, a connection):
            # it does not use up an attempt.
            delay = outcome.retry_after
            if delay is None:
                delay = backoff_seconds(
                    row.attempts,
                    self.settings.backoff_base_seconds,
                    self.settings.backoff_max_seconds,
                    self._rng,
                )
            values.update(
                state="pending",
                attempts=max(0, row.attempts - 1),
                due_at=now + timedelta(seconds=delay),
                last_error=outcome.error,
                error_kind="retry",
            )
            metrics.RETRIES.labels(plugin=row.plugin, hook=row.hook).inc()
        elif outcome.kind == "permanent" or row.attempts >= self.settings.max_attempts:
            values.update(
                state="dead", finished_at=now, last_error=outcome.error, error_kind=outcome.kind
            )
            metrics.DEAD_LETTERS.labels(plugin=row.plugin, hook=row.hook).inc()
            log.warning("delivery is a dead letter", error=outcome.error, kind=outcome.kind)
        else:
            delay = backoff_seconds(
                row.attempts,
                self.settings.backoff_base_seconds,
                self.settings.backoff_max_seconds,
                self._rng,
            )
            values.update(
                state="pending",
                due_at=now + timedelta(seconds=delay),
                last_error=outcome.error,
                error_kind=outcome.kind,
            )
            metrics.RETRIES.labels(plugin=row.plugin, hook=row.hook).inc()
            log.info("delivery will be retried", error=outcome.error, delay=round(delay, 2))
        # Outcomes share transactions with ingest and with each other (group commit).
        await group_commit(self.hub.db).submit(OutcomeOp(row.id, self.id, values))


@functools.cache
def _load_statement() -> Any:
    """Built once: a claim's facts are read by binding their ids, not by building a query."""
    f, e, t = tables.facts, tables.events, tables.tickets
    return (
        select(
            f,
            e.c.body.label("event_body"),
            t.c.body.label("ticket_body"),
            t.c.status.label("ticket_status"),
        )
        .select_from(
            f.outerjoin(e, e.c.id == f.c.event_id).outerjoin(
                t, and_(t.c.event_id == f.c.event_id, t.c.id == f.c.ticket_id)
            )
        )
        .where(f.c.id.in_(bindparam("ids", expanding=True)))
    )
