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
        return await self._run(self._sell, ticket)

    async def refund_ticket(self, refund: Refund) -> IngestResult:
        return await self._run(self._refund, refund)

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

    async def _ticket_context(self, conn: AsyncConnection, event_id: str) -> tuple[Any, str]:
        row = await self._event_row(conn, event_id, share=True)
        if row is None:
            raise IngestRejected(404, "event_id", f"unknown event {event_id!r}")
        if row.status == "cancelled":
            raise IngestRejected(409, "event_id", f"event {event_id!r} was cancelled")
        return row, self.registry.provider_plugin(row.provider)

    async def _ticket_row(self, conn: AsyncConnection, event_id: str, ticket_id: str) -> Any:
        t = tables.tickets
        query = select(t).where(t.c.event_id == event_id, t.c.id == ticket_id)
        if self.db.is_postgres:
            query = query.with_for_update()
        return (await conn.execute(query)).first()

    async def _sell(self, conn: AsyncConnection, ticket: Ticket) -> IngestResult:
        _event, plugin = await self._ticket_context(conn, ticket.event_id)
        body = msgspec.to_builtins(ticket)
        digest = content_hash(body)
        row = await self._ticket_row(conn, ticket.event_id, ticket.id)
        now = utcnow()
        if row is not None:
            if row.status == "refunded":
                return IngestResult("ignored", reason="ticket was already refunded")
            if row.body_hash == digest:
                return IngestResult("duplicate")
            await conn.execute(
                update(tables.tickets)
                .where(
                    tables.tickets.c.event_id == ticket.event_id, tables.tickets.c.id == ticket.id
                )
                .values(body=body, body_hash=digest, updated_at=now)
            )
            fact_id = await record_fact(
                conn,
                kind=FactKind.TICKET_UPDATED,
                fact_key=f"ticket.updated:{ticket.event_id}:{ticket.id}:{digest}",
                payload={"ticket": body, "previous": row.body},
                targets=targets(self.registry, FactKind.TICKET_UPDATED, provider_plugin=plugin),
                event_id=ticket.event_id,
                ticket_id=ticket.id,
            )
            return IngestResult("updated", fact_id)
        await conn.execute(
            insert(tables.tickets).values(
                event_id=ticket.event_id,
                id=ticket.id,
                status="sold",
                body=body,
                body_hash=digest,
                created_at=now,
                updated_at=now,
            )
        )
        fact_id = await record_fact(
            conn,
            kind=FactKind.TICKET_SOLD,
            fact_key=f"ticket.sold:{ticket.event_id}:{ticket.id}",
            payload={"ticket": body},
            targets=targets(self.registry, FactKind.TICKET_SOLD, provider_plugin=plugin),
            event_id=ticket.event_id,
            ticket_id=ticket.id,
        )
        return IngestResult("accepted", fact_id)

    async def _refund(self, conn: AsyncConnection, refund: Refund) -> IngestResult:
        _event, plugin = await self._ticket_context(conn, refund.event_id)
        row = await self._ticket_row(conn, refund.event_id, refund.ticket_id)
        now = utcnow()
        if row is None:
            # The refund overtook its sale: remember it, so the sale is ignored when it comes.
            await conn.execute(
                insert(tables.tickets).values(
                    event_id=refund.event_id,
                    id=refund.ticket_id,
                    status="refunded",
                    body={},
                    body_hash="",
                    created_at=now,
                    updated_at=now,
                )
            )
            return IngestResult("accepted", reason="refund recorded before its sale")
        if row.status == "refunded":
            return IngestResult("duplicate")
        await conn.execute(
            update(tables.tickets)
            .where(
                tables.tickets.c.event_id == refund.event_id,
                tables.tickets.c.id == refund.ticket_id,
            )
            .values(status="refunded", updated_at=now)
        )
        fact_id = await record_fact(
            conn,
            kind=FactKind.TICKET_REFUNDED,
            fact_key=f"ticket.refunded:{refund.event_id}:{refund.ticket_id}",
            payload={"refund": msgspec.to_builtins(refund), "ticket": row.body},
            targets=targets(self.registry, FactKind.TICKET_REFUNDED, provider_plugin=plugin),
            event_id=refund.event_id,
            ticket_id=refund.ticket_id,
        )
        return IngestResult("accepted", fact_id)
