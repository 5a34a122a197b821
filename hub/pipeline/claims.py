"""Claiming due deliveries safely, with one process on SQLite or many on PostgreSQL.

A delivery is claimable when it is due and nothing ordered before it is unfinished for the
same plugin: an event-level fact (published, updated, cancelled) waits for everything
earlier of its event and blocks everything later; a ticket's facts run in order. On
PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets concurrent processes take disjoint rows; on
SQLite the claiming UPDATE runs under the database's single writer lock.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, and_, bindparam, exists, or_, select, update
from sqlalchemy.orm import aliased

from hub.storage import tables
from hub.storage.database import Database

UNFINISHED = ("pending", "running")


def _unfinished(column: Any) -> Any:
    """``column IN ('pending', 'running')`` written into the SQL, not bound: PostgreSQL
    switches a prepared claim to a generic plan after a few runs, and only a literal list
    lets that plan prove the partial index ``ix_hub_deliveries_open_barriers`` applies."""
    return column.in_(
        bindparam("unfinished", list(UNFINISHED), expanding=True, literal_execute=True)
    )


def _blocked() -> Any:
    d = tables.deliveries
    e = aliased(tables.deliveries)
    same_plugin_event = and_(
        e.c.plugin == d.c.plugin,
        e.c.event_id == d.c.event_id,
        _unfinished(e.c.state),
        e.c.id < d.c.id,
    )
    barrier_before = exists().where(same_plugin_event, e.c.barrier.is_(True))
    anything_before = exists().where(same_plugin_event)
    ticket_before = exists().where(same_plugin_event, e.c.ticket_id == d.c.ticket_id)
    return and_(
        d.c.event_id.is_not(None),
        or_(
            and_(d.c.barrier.is_(True), anything_before),
            and_(d.c.barrier.is_(False), barrier_before),
            and_(d.c.ticket_id.is_not(None), ticket_before),
        ),
    )


@functools.cache
def _claim_statement(postgres: bool) -> Any:
    """Built once per dialect: the claim runs many times a second under load, and building
    its correlated subqueries each time cost more than running it."""
    d = tables.deliveries
    now = bindparam("now", type_=d.c.due_at.type)
    candidates = (
        select(d.c.id)
        .where(d.c.state == "pending", d.c.due_at <= now, ~_blocked())
        .order_by(d.c.due_at, d.c.id)
        .limit(bindparam("limit", type_=Integer, literal_execute=True))
    )
    if postgres:
        candidates = candidates.with_for_update(skip_locked=True)
    return (
        update(d)
        .where(d.c.id.in_(candidates.scalar_subquery()))
        .values(
            state="running",
            worker=bindparam("worker", type_=d.c.worker.type),
            attempts=d.c.attempts + 1,
            lease_until=bindparam("lease_until", type_=d.c.lease_until.type),
            updated_at=now,
        )
        .returning(d)
    )


async def claim(
    db: Database, worker: str, limit: int, now: datetime, lease_seconds: float
) -> list[Any]:
    params = {
        "now": now,
        "limit": limit,
        "worker": worker,
        "lease_until": now + timedelta(seconds=lease_seconds),
    }
    async with db.transaction() as conn:
        rows = (await conn.execute(_claim_statement(db.is_postgres), params)).all()
    return sorted(rows, key=lambda r: r.id)


async def release_expired(db: Database, now: datetime) -> int:
    """Deliveries whose worker died mid-run become pending again (their lease ran out)."""
    d = tables.deliveries
    async with db.transaction() as conn:
        result = await conn.execute(
            update(d)
            .where(d.c.state == "running", d.c.lease_until < now)
            .values(state="pending", worker=None, due_at=now, updated_at=now)
        )
    return result.rowcount or 0
