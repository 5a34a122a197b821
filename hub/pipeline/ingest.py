"""Turns accepted ticketing requests into stored facts, idempotently.

Ticketing platforms retry and duplicate. The same event or ticket posted twice adds
nothing; a changed body for a known event or ticket is an update; a refund that arrives
before its sale is remembered so that the late sale registers nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import msgspec
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.errors import HubError
from hub.models import Event, Refund, Ticket
from hub.observability import metrics
from hub.pipeline.facts import content_hash, record_fact, utcnow
from hub.pipeline.group_commit import Finish, Group, Op, Reads, group_commit
from hub.pipeline.routing import FactKind, targets
from hub.plugins.manager import PluginRegistry
from hub.storage import tables
from hub.storage.database import Database

Status = Literal["accepted", "updated", "duplicate", "ignored"]


@dataclass(frozen=True)
class IngestResult:
    status: Status
    fact_id: int | None = None
    reason: str | None = None


class IngestRejected(HubError):
    """The request is well-formed but cannot be accepted (unknown event, cancelled...)."""

    def __init__(self, status: int, field: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.field = field
        self.message = message


class Ingestor:
    def __init__(self, db: Database, registry: PluginRegistry) -> None:
        self.db = db
        self.registry = registry
        self.on_accepted: list[Any] = []  # callables woken after a commit (local workers)

    async def _run(self, fn: Any, *args: Any) -> IngestResult:
        # Two identical requests racing each other: the loser hits the unique key, and
        # its retry finds the winner's rows and answers "duplicate".
        for attempt in range(3):
            try:
                async with self.db.transaction() as conn:
                    result = await fn(conn, *args)
            except IntegrityError:
                if attempt == 2:
                    raise
                continue
            metrics.INGESTED.labels(kind=fn.__name__, result=result.status).inc()
            if result.fact_id is not None:
                for wake in self.on_accepted:
                    wake()
            return result
        raise AssertionError("unreachable")

    def provider_of(self, event: Event) -> tuple[str, str]:
        """(provider name, plugin name) for an event; raises with the installed choices."""
        plugin = self.registry.provider_plugin(event.video_provider)
        name = event.video_provider or self.registry.config.hub.default_video_provider
        assert name is not None
        record = self.registry.provider_records[name]
        if event.format != "auto" and event.format not in record.formats:
            raise IngestRejected(
                422,
                "format",
                f"video provider {name!r} cannot create a {event.format}; "
                f"it supports: {', '.join(record.formats)}",
            )
        return name, plugin

    async def publish_event(self, event: Event) -> IngestResult:
        return await self._run(self._publish, event)

    async def update_event(self, event: Event) -> IngestResult:
        return await self._run(self._update, event, True)

    async def cancel_event(self, event_id: str) -> IngestResult:
        return await self._run(self._cancel, event_id)

    async def sell_ticket(self, ticket: Ticket) -> IngestResult:
        return await self._grouped(SellOp(self.registry, ticket))

    async def refund_ticket(self, refund: Refund) -> IngestResult:
        return await self._grouped(RefundOp(self.registry, refund))

    async def _grouped(self, op: Op) -> IngestResult:
        # Sales and refunds come in bursts: they share transactions (see group_commit).
        result: IngestResult = await group_commit(self.db).submit(op)
        metrics.INGESTED.labels(kind=op.kind, result=result.status).inc()
        if result.fact_id is not None:
            for wake in self.on_accepted:
                wake()
        return result

    async def _event_row(self, conn: AsyncConnection, event_id: str, *, share: bool = False) -> Any:
        # Ticket facts only need the event to stay as it is until they commit (FOR SHARE):
        # an exclusive lock would serialize every sale of an event, across all processes.
        query = select(tables.events).where(tables.events.c.id == event_id)
        if self.db.is_postgres:
            query = query.with_for_update(read=share)
        return (await conn.execute(query)).first()

    async def _publish(self, conn: AsyncConnection, event: Event) -> IngestResult:
        provider, plugin = self.provider_of(event)
        row = await self._event_row(conn, event.id)
        if row is not None:
            return await self._update(conn, event, False)
        body = msgspec.to_builtins(event)
        now = utcnow()
        await conn.execute(
            insert(tables.events).values(
                id=event.id,
                provider=provider,
                status="published",
                body=body,
                body_hash=content_hash(body),
                version=1,
                created_at=now,
                updated_at=now,
            )
        )
        fact_id = await record_fact(
            conn,
            kind=FactKind.EVENT_PUBLISHED,
            fact_key=f"event.published:{event.id}",
            payload={"event": body},
            targets=targets(self.registry, FactKind.EVENT_PUBLISHED, provider_plugin=plugin),
            event_id=event.id,
        )
        return IngestResult("accepted", fact_id)

    async def _update(self, conn: AsyncConnection, event: Event, must_exist: bool) -> IngestResult:
        row = await self._event_row(conn, event.id)
        if row is None:
            raise IngestRejected(404, "id", f"unknown event {event.id!r}: publish it first")
        if row.status == "cancelled":
            raise IngestRejected(409, "id", f"event {event.id!r} was cancelled")
        provider, plugin = self.provider_of(event)
        if provider != row.provider:
            raise IngestRejected(
                409,
                "video_provider",
                f"event {event.id!r} is served by {row.provider!r}; "
                "a published event cannot change provider",
            )
        body = msgspec.to_builtins(event)
        digest = content_hash(body)
        if digest == row.body_hash:
            return IngestResult("duplicate")
        await conn.execute(
            update(tables.events)
            .where(tables.events.c.id == event.id)
            .values(body=body, body_hash=digest, version=row.version + 1, updated_at=utcnow())
        )
        fact_id = await record_fact(
            conn,
            kind=FactKind.EVENT_UPDATED,
            fact_key=f"event.updated:{event.id}:{row.version + 1}",
            payload={"event": body, "previous": row.body},
            targets=targets(self.registry, FactKind.EVENT_UPDATED, provider_plugin=plugin),
            event_id=event.id,
        )
        return IngestResult("updated", fact_id)

    async def _cancel(self, conn: AsyncConnection, event_id: str) -> IngestResult:
        row = await self._event_row(conn, event_id)
        if row is None:
            raise IngestRejected(404, "id", f"unknown event {event_id!r}")
        if row.status == "cancelled":
            return IngestResult("duplicate")
        plugin = self.registry.provider_plugin(row.provider)
        await conn.execute(
            update(tables.events)
            .where(tables.events.c.id == event_id)
            .values(status="cancelled", updated_at=utcnow())
        )
        fact_id = await record_fact(
            conn,
            kind=FactKind.EVENT_CANCELLED,
            fact_key=f"event.cancelled:{event_id}",
            payload={"event": row.body},
            targets=targets(self.registry, FactKind.EVENT_CANCELLED, provider_plugin=plugin),
            event_id=event_id,
        )
        return IngestResult("accepted", fact_id)


def _ticket_event(registry: PluginRegistry, group: Group, event_id: str) -> str:
    """The plugin serving a ticket's event; refuses an unknown or cancelled event."""
    row = group.event(event_id)
    if row is None:
        raise IngestRejected(404, "event_id", f"unknown event {event_id!r}")
    if row.status == "cancelled":
        raise IngestRejected(409, "event_id", f"event {event_id!r} was cancelled")
    return registry.provider_plugin(row.provider)


def _done(result: IngestResult) -> Finish:
    return lambda: result


class SellOp:
    """A sale: new ticket, changed body (an update), repeat (duplicate) or after a refund."""

    kind = "_sell"

    def __init__(self, registry: PluginRegistry, ticket: Ticket) -> None:
        self.registry = registry
        self.ticket = ticket
        self.body = msgspec.to_builtins(ticket)
        self.digest = content_hash(self.body)

    def reads(self, wanted: Reads) -> None:
        wanted.events.add(self.ticket.event_id)
        wanted.tickets.add((self.ticket.event_id, self.ticket.id))

    def apply(self, group: Group) -> Finish:
        event_id, ticket_id = self.ticket.event_id, self.ticket.id
        plugin = _ticket_event(self.registry, group, event_id)
        row = group.ticket(event_id, ticket_id)
        if row is not None:
            if row.status == "refunded":
                return _done(IngestResult("ignored", reason="ticket was already refunded"))
            if row.body_hash == self.digest:
                return _done(IngestResult("duplicate"))
            previous = row.body
            group.change_ticket(row, body=self.body, body_hash=self.digest)
            fact = group.record_fact(
                kind=FactKind.TICKET_UPDATED,
                fact_key=f"ticket.updated:{event_id}:{ticket_id}:{self.digest}",
                payload={"ticket": self.body, "previous": previous},
                targets=targets(self.registry, FactKind.TICKET_UPDATED, provider_plugin=plugin),
                event_id=event_id,
                ticket_id=ticket_id,
            )
            return lambda: IngestResult("updated", fact.id)
        group.add_ticket((event_id, ticket_id), "sold", self.body, self.digest)
        fact = group.record_fact(
            kind=FactKind.TICKET_SOLD,
            fact_key=f"ticket.sold:{event_id}:{ticket_id}",
            payload={"ticket": self.body},
            targets=targets(self.registry, FactKind.TICKET_SOLD, provider_plugin=plugin),
            event_id=event_id,
            ticket_id=ticket_id,
        )
        return lambda: IngestResult("accepted", fact.id)


class RefundOp:
    """A refund; one that overtakes its sale is remembered so the late sale is ignored."""

    kind = "_refund"

    def __init__(self, registry: PluginRegistry, refund: Refund) -> None:
        self.registry = registry
        self.refund = refund

    def reads(self, wanted: Reads) -> None:
        wanted.events.add(self.refund.event_id)
        wanted.tickets.add((self.refund.event_id, self.refund.ticket_id))

    def apply(self, group: Group) -> Finish:
        event_id, ticket_id = self.refund.event_id, self.refund.ticket_id
        plugin = _ticket_event(self.registry, group, event_id)
        row = group.ticket(event_id, ticket_id)
        if row is None:
            group.add_ticket((event_id, ticket_id), "refunded", {}, "")
            return _done(IngestResult("accepted", reason="refund recorded before its sale"))
        if row.status == "refunded":
            return _done(IngestResult("duplicate"))
        group.change_ticket(row, status="refunded")
        fact = group.record_fact(
            kind=FactKind.TICKET_REFUNDED,
            fact_key=f"ticket.refunded:{event_id}:{ticket_id}",
            payload={"refund": msgspec.to_builtins(self.refund), "ticket": row.body},
            targets=targets(self.registry, FactKind.TICKET_REFUNDED, provider_plugin=plugin),
            event_id=event_id,
            ticket_id=ticket_id,
        )
        return lambda: IngestResult("accepted", fact.id)
