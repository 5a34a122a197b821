"""Stores a fact and its deliveries in the caller's transaction.

This is the commit point of the whole hub: once the transaction that called
:func:`record_fact` commits, the fact will be delivered to every target plugin, whatever
happens to the process afterwards. The unique ``fact_key`` turns a repeated fact into a
no-op, which is what makes ingest, webhooks and plugin reports idempotent.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.pipeline.routing import FactKind, Target
from hub.storage import tables


def utcnow() -> datetime:
    return datetime.now(UTC)


def content_hash(value: Any) -> str:
    """A stable hash of a Struct or builtins value (key order does not matter)."""
    data = msgspec.json.encode(msgspec.to_builtins(value), order="deterministic")
    return hashlib.sha256(data).hexdigest()


async def fact_exists(conn: AsyncConnection, fact_key: str) -> bool:
    row = await conn.execute(select(tables.facts.c.id).where(tables.facts.c.fact_key == fact_key))
    return row.first() is not None


async def record_fact(
    conn: AsyncConnection,
    *,
    kind: FactKind,
    fact_key: str,
    payload: Any,
    targets: list[Target],
    event_id: str | None = None,
    ticket_id: str | None = None,
    origin: str | None = None,
) -> int | None:
    """Insert the fact and one pending delivery per target; None if the key is known.

    The existence check and the insert run in the caller's transaction; a concurrent
    duplicate that slips past the check fails on the unique key and the caller retries.
    """
    if await fact_exists(conn, fact_key):
        return None
    now = utcnow()
    result = await conn.execute(
        insert(tables.facts).values(
            kind=str(kind),
            fact_key=fact_key,
            event_id=event_id,
            ticket_id=ticket_id,
            origin=origin,
            payload=msgspec.to_builtins(payload),
            created_at=now,
        )
    )
    fact_id = result.inserted_primary_key[0]
    if targets:
        await conn.execute(
            insert(tables.deliveries),
            [
                {
                    "fact_id": fact_id,
                    "plugin": t.plugin,
                    "hook": t.hook,
                    "event_id": event_id,
                    "ticket_id": ticket_id,
                    "barrier": t.barrier,
                    "state": "pending",
                    "attempts": 0,
                    "due_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
                for t in targets
            ],
        )
    return int(fact_id)
