"""``zoom_registrants``: one row per ticket and meeting (session), the registration ledger.

Zoom allows three registration requests per registrant and meeting a day, so the ledger
decides what may be sent: a ``pending`` row (written before the call) may be re-sent
(Zoom answers a repeated email with the same registrant), a ``registered`` row never is.

Statuses: pending | registered | cancelled | skipped | failed.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.context import HubContext
from hub.models import Registration
from hub.pipeline.facts import utcnow
from hub.storage.database import conflict_insert
from hub_zoom.service import PROVIDER
from hub_zoom.storage import tables

t = tables.registrants
REPORTED = ("registered", "cancelled", "skipped", "failed")


@dataclass(frozen=True)
class RegistrantRow:
    event_id: str
    ticket_id: str
    session_key: str
    email: str
    status: str
    meeting_id: str | None = None
    registrant_id: str | None = None
    join_url: str | None = None
    message: str | None = None

    def but(self, **changes: Any) -> RegistrantRow:
        return replace(self, **changes)

    def registration(self) -> Registration:
        """The hub-facing state (pending rows are reported by the caller as they settle)."""
        status = self.status if self.status in REPORTED else "failed"
        return Registration(
            event_id=self.event_id,
            ticket_id=self.ticket_id,
            provider=PROVIDER,
            status=status,  # type: ignore[arg-type]
            join_url=self.join_url if status in ("registered", "skipped") else None,
            registrant_id=self.registrant_id if status == "registered" else None,
            session_id=self.session_key or None,
            message=self.message,
        )


def _from_row(row: Any) -> RegistrantRow:
    return RegistrantRow(
        event_id=row.event_id,
        ticket_id=row.ticket_id,
        session_key=row.session_key,
        email=row.email,
        status=row.status,
        meeting_id=row.meeting_id,
        registrant_id=row.registrant_id,
        join_url=row.join_url,
        message=row.message,
    )


async def rows_for_ticket(
    hub: HubContext, event_id: str, ticket_id: str
) -> dict[str, RegistrantRow]:
    """One ticket's rows by session key (deliveries read them with
    :mod:`hub_zoom.lifecycle.ticket_reads`, shared with the concurrent ones)."""
    async with hub.db.connect() as conn:
        found = await read_rows_of_tickets(conn, event_id, [ticket_id])
    return found.get(ticket_id, {})


READ_CHUNK = 500  # ticket ids per query: far below SQLite's and asyncpg's parameter limits


async def read_rows_of_tickets(
    conn: AsyncConnection, event_id: str, ticket_ids: Iterable[str]
) -> dict[str, dict[str, RegistrantRow]]:
    """Rows of many tickets of one event: ticket id -> session key -> row."""
    found: dict[str, dict[str, RegistrantRow]] = {}
    ordered = sorted(set(ticket_ids))
    for start in range(0, len(ordered), READ_CHUNK):
        query = select(t).where(
            t.c.event_id == event_id, t.c.ticket_id.in_(ordered[start : start + READ_CHUNK])
        )
        for r in await conn.execute(query):
            found.setdefault(r.ticket_id, {})[r.session_key] = _from_row(r)
    return found


async def rows_for_session(
    hub: HubContext, event_id: str, session_key: str
) -> dict[str, RegistrantRow]:
    """Rows of one meeting keyed by ticket id."""
    async with hub.db.connect() as conn:
        rows = (
            await conn.execute(
                select(t).where(t.c.event_id == event_id, t.c.session_key == session_key)
            )
        ).all()
    return {r.ticket_id: _from_row(r) for r in rows}


async def others_sharing(hub: HubContext, row: RegistrantRow) -> bool:
    """True when another live ticket of the same meeting holds the same Zoom registrant
    (one person bought two tickets): cancelling it on Zoom would unregister that ticket.

    Zoom keeps one registrant per email and meeting, so a row without a registrant id
    (``pending``, cancelled by email) is matched by email: against registered and pending
    rows, and against the event's other sold tickets, whose registration may be on its way
    without a ledger row yet (cancelling by email would undo it). Only pending rows pay
    for reading the event's tickets; at a refund they are rare (a registration call that
    failed or was cut off, whose sale the refund superseded)."""
    same = (
        t.c.registrant_id == row.registrant_id
        if row.registrant_id
        else func.lower(t.c.email) == row.email.lower()
    )
    live = ("registered",) if row.registrant_id else ("registered", "pending")
    async with hub.db.connect() as conn:
        found = (
            await conn.execute(
                select(t.c.ticket_id)
                .where(
                    t.c.event_id == row.event_id,
                    t.c.session_key == row.session_key,
                    same,
                    t.c.ticket_id != row.ticket_id,
                    t.c.status.in_(live),
                )
                .limit(1)
            )
        ).first()
    if found is not None or row.registrant_id:
        return found is not None
    email = row.email.lower()
    sold = await hub.list_tickets(row.event_id, "sold")
    return any(t.id != row.ticket_id and t.email.lower() == email for t in sold)


_UPDATED = ("meeting_id", "email", "registrant_id", "join_url", "status", "message", "updated_at")


@functools.cache
def _upsert_for(postgres: bool) -> Any:
    """Built once per dialect: building it per write cost more than a batch's rows."""
    statement = conflict_insert(postgres, t)
    return statement.on_conflict_do_update(
        index_elements=[t.c.event_id, t.c.ticket_id, t.c.session_key],
        set_={name: statement.excluded[name] for name in _UPDATED},
    )


def _upsert(hub: HubContext) -> Any:
    """``INSERT ... ON CONFLICT DO UPDATE`` on the primary key (SQLite and PostgreSQL)."""
    return _upsert_for(hub.db.is_postgres)


async def write_many(hub: HubContext, rows: Iterable[RegistrantRow]) -> None:
    """Upsert rows in one statement and transaction: a batch's ledger writes cost one
    round trip to the database, not one per holder."""
    now = utcnow()
    values = [
        {
            "event_id": row.event_id,
            "ticket_id": row.ticket_id,
            "session_key": row.session_key,
            "meeting_id": row.meeting_id,
            "email": row.email,
            "registrant_id": row.registrant_id,
            "join_url": row.join_url,
            "status": row.status,
            "message": row.message,
            "updated_at": now,
        }
        for row in rows
    ]
    if not values:
        return
    async with hub.db.transaction() as conn:
        await conn.execute(_upsert(hub), values)


async def cancel_locally(
    hub: HubContext, event_id: str, session_key: str | None = None, message: str | None = None
) -> list[RegistrantRow]:
    """Mark every live row of the event (or of one session) cancelled; return those changed."""
    query = select(t).where(t.c.event_id == event_id, t.c.status != "cancelled")
    if session_key is not None:
        query = query.where(t.c.session_key == session_key)
    async with hub.db.connect() as conn:
        rows = [_from_row(r) for r in (await conn.execute(query)).all()]
    changed = [r.but(status="cancelled", message=message) for r in rows]
    await write_many(hub, changed)
    return changed


async def forget_session(hub: HubContext, event_id: str, session_key: str) -> None:
    """Drop a recreated meeting's rows: its registrants must all be registered anew."""
    async with hub.db.transaction() as conn:
        await conn.execute(
            delete(t).where(t.c.event_id == event_id, t.c.session_key == session_key)
        )


async def forget_ticket(hub: HubContext, event_id: str, ticket_id: str) -> None:
    """Drop a ticket's rows once its old registrations are cancelled (email changed)."""
    async with hub.db.transaction() as conn:
        await conn.execute(delete(t).where(t.c.event_id == event_id, t.c.ticket_id == ticket_id))
