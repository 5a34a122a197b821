"""Contacts and the tickets they hold: what a CRM learns from ticket sales.

A sale creates or enriches the buyer's contact; an update of the ticket (the holder edited
their details or handed the ticket to someone else) follows it; a refund marks the ticket
refunded but keeps the contact, as a CRM keeps people who once bought. Every write is an
``INSERT ... ON CONFLICT`` upsert, so redelivered facts and concurrent deliveries touching
the same contact (two tickets bought with one address) are both safe.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.models import Event, Ticket
from hub.storage.database import Database
from hub_crm_stub import tables
from hub_crm_stub.tables import as_utc, upsert, utcnow


class TicketHeld(msgspec.Struct, kw_only=True):
    event_id: str
    ticket_id: str
    status: str
    event_title: str | None = None
    event_starts_at: str | None = None
    sold_at: datetime
    refunded_at: datetime | None = None


class SessionAttendance(msgspec.Struct, kw_only=True):
    session_id: str
    attended: bool
    minutes: float
    first_join: datetime | None = None
    last_leave: datetime | None = None


class EventAttendance(msgspec.Struct, kw_only=True):
    """A contact's attendance of one event; ``sessions`` breaks it down when the provider
    reported sessions separately."""

    event_id: str
    event_title: str | None = None
    attended: bool
    minutes: float
    first_join: datetime | None = None
    last_leave: datetime | None = None
    sessions_count: int
    guest: bool = False
    sessions: list[SessionAttendance] = []
    poll_answers: list[dict[str, Any]] = []
    questions: list[str] = []


class Contact(msgspec.Struct, kw_only=True):
    """A person in the CRM, with the tickets they hold and what they attended."""

    email: str
    first_name: str
    last_name: str
    org: str | None = None
    job_title: str | None = None
    phone: str | None = None
    created_at: datetime
    updated_at: datetime
    events: list[str] = []  # events they hold a valid (not refunded) ticket for
    tickets: list[TicketHeld] = []
    attendance: list[EventAttendance] = []


def contact_key(email: str) -> str:
    """CRMs match people by address regardless of case."""
    return email.strip().lower()


async def upsert_contact(
    db: Database, conn: AsyncConnection, ticket: Ticket, *, authoritative: bool
) -> None:
    """Create the ticket holder's contact or update it from the ticket.

    ``authoritative`` (a holder editing their own ticket) replaces org, job title and phone
    even with blanks; otherwise (another purchase) blanks never erase what is known.
    """
    c = tables.contacts
    now = utcnow()
    stmt = upsert(db, c).values(
        email=contact_key(ticket.email),
        first_name=ticket.first_name,
        last_name=ticket.last_name,
        org=ticket.org,
        job_title=ticket.job_title,
        phone=ticket.phone,
        created_at=now,
        updated_at=now,
    )
    new = stmt.excluded

    def keep_known(column: str) -> Any:
        return new[column] if authoritative else sa.func.coalesce(new[column], c.c[column])

    stmt = stmt.on_conflict_do_update(
        index_elements=[c.c.email],
        set_={
            "first_name": new.first_name,
            "last_name": sa.case((new.last_name == "", c.c.last_name), else_=new.last_name),
            "org": keep_known("org"),
            "job_title": keep_known("job_title"),
            "phone": keep_known("phone"),
            "updated_at": new.updated_at,
        },
    )
    await conn.execute(stmt)


async def ensure_contact(
    db: Database, conn: AsyncConnection, email: str, first_name: str, last_name: str
) -> None:
    """A contact for someone known only from attendance (a guest who gave an address)."""
    c = tables.contacts
    now = utcnow()
    stmt = upsert(db, c).values(
        email=contact_key(email),
        first_name=(first_name or email)[:64],
        last_name=last_name[:64],
        created_at=now,
        updated_at=now,
    )
    await conn.execute(stmt.on_conflict_do_nothing(index_elements=[c.c.email]))


async def _upsert_ticket(
    db: Database,
    conn: AsyncConnection,
    ticket: Ticket,
    event: Event | None,
    *,
    refunded: bool = False,
) -> None:
    t = tables.tickets
    now = utcnow()
    event_values = (
        {"event_title": event.title, "event_starts_at": event.starts_at.isoformat()}
        if event is not None
        else {}
    )
    stmt = upsert(db, t).values(
        event_id=ticket.event_id,
        ticket_id=ticket.id,
        email=contact_key(ticket.email),
        status="refunded" if refunded else "sold",
        sold_at=now,
        refunded_at=now if refunded else None,
        updated_at=now,
        **event_values,
    )
    new = stmt.excluded
    changes: dict[str, Any] = {"email": new.email, "updated_at": new.updated_at}
    changes.update({k: new[k] for k in event_values})
    if refunded:
        changes["status"] = new.status
        changes["refunded_at"] = sa.func.coalesce(t.c.refunded_at, new.refunded_at)
    # A sale never revives a refunded ticket: a late replay of the sale must not undo it.
    stmt = stmt.on_conflict_do_update(index_elements=[t.c.event_id, t.c.ticket_id], set_=changes)
    await conn.execute(stmt)


async def record_sale(db: Database, ticket: Ticket, event: Event | None) -> None:
    async with db.transaction() as conn:
        await upsert_contact(db, conn, ticket, authoritative=False)
        await _upsert_ticket(db, conn, ticket, event)


async def record_update(db: Database, ticket: Ticket, event: Event | None) -> None:
    """The holder's data changed. With a new address the ticket moves to that contact; the
    old contact stays (it is still a person the CRM knows) but no longer holds it."""
    async with db.transaction() as conn:
        await upsert_contact(db, conn, ticket, authoritative=True)
        await _upsert_ticket(db, conn, ticket, event)


async def record_refund(db: Database, ticket: Ticket, event: Event | None) -> None:
    async with db.transaction() as conn:
        await upsert_contact(db, conn, ticket, authoritative=False)
        await _upsert_ticket(db, conn, ticket, event, refunded=True)


def _event_attendance(event_id: str, title: str | None, rows: list[Any]) -> EventAttendance:
    """One event's attendance: the provider's whole-event record when it sent one, else
    the sessions' records added up."""
    whole = next((r for r in rows if r.session_key == ""), None)
    parts = sorted((r for r in rows if r.session_key != ""), key=lambda r: r.session_key)
    sessions = [
        SessionAttendance(
            session_id=r.session_key,
            attended=r.attended,
            minutes=r.minutes,
            first_join=as_utc(r.first_join),
            last_leave=as_utc(r.last_leave),
        )
        for r in parts
    ]
    if whole is not None:
        attended, minutes = whole.attended, whole.minutes
        first_join, last_leave = as_utc(whole.first_join), as_utc(whole.last_leave)
        sessions_count = whole.sessions_count
    else:
        joins = [s.first_join for s in sessions if s.first_join is not None]
        leaves = [s.last_leave for s in sessions if s.last_leave is not None]
        attended = any(s.attended for s in sessions)
        minutes = round(sum(s.minutes for s in sessions), 2)
        first_join = min(joins) if joins else None
        last_leave = max(leaves) if leaves else None
        sessions_count = sum(r.sessions_count for r in parts)
    return EventAttendance(
        event_id=event_id,
        event_title=title,
        attended=attended,
        minutes=minutes,
        first_join=first_join,
        last_leave=last_leave,
        sessions_count=sessions_count,
        guest=all(r.guest for r in rows),
        sessions=sessions,
        poll_answers=[answer for r in rows for answer in (r.poll_answers or [])],
        questions=[question for r in rows for question in (r.questions or [])],
    )


async def load_contacts(
    db: Database, *, email: str | None = None, limit: int = 1000, offset: int = 0
) -> list[Contact]:
    """Contacts ordered by address, each with its tickets and attendance."""
    c, t, a, ar = tables.contacts, tables.tickets, tables.attendance, tables.attendance_reports
    query = sa.select(c).order_by(c.c.email).limit(limit).offset(offset)
    if email is not None:
        query = query.where(c.c.email == contact_key(email))
    async with db.connect() as conn:
        people = (await conn.execute(query)).all()
        keys = [p.email for p in people]
        held = (
            (
                await conn.execute(sa.select(t).where(t.c.email.in_(keys)).order_by(t.c.sold_at))
            ).all()
            if keys
            else []
        )
        attended = (
            (
                await conn.execute(
                    sa.select(a, ar.c.event_title)
                    .join(ar, ar.c.event_id == a.c.event_id, isouter=True)
                    .where(a.c.email.in_(keys))
                    .order_by(a.c.event_id, a.c.session_key)
                )
            ).all()
            if keys
            else []
        )
    tickets_of: dict[str, list[TicketHeld]] = {}
    for row in held:
        tickets_of.setdefault(row.email, []).append(
            TicketHeld(
                event_id=row.event_id,
                ticket_id=row.ticket_id,
                status=row.status,
                event_title=row.event_title,
                event_starts_at=row.event_starts_at,
                sold_at=as_utc(row.sold_at),
                refunded_at=as_utc(row.refunded_at),
            )
        )
    rows_of: dict[tuple[str, str], list[Any]] = {}
    titles: dict[str, str | None] = {}
    for row in attended:
        rows_of.setdefault((row.email, row.event_id), []).append(row)
        titles[row.event_id] = row.event_title
    attendance_of: dict[str, list[EventAttendance]] = {}
    for (key, event_id), rows in rows_of.items():
        attendance_of.setdefault(key, []).append(
            _event_attendance(event_id, titles.get(event_id), rows)
        )
    result = []
    for p in people:
        tickets = tickets_of.get(p.email, [])
        result.append(
            Contact(
                email=p.email,
                first_name=p.first_name,
                last_name=p.last_name,
                org=p.org,
                job_title=p.job_title,
                phone=p.phone,
                created_at=as_utc(p.created_at),
                updated_at=as_utc(p.updated_at),
                events=sorted({x.event_id for x in tickets if x.status == "sold"}),
                tickets=tickets,
                attendance=attendance_of.get(p.email, []),
            )
        )
    return result


async def load_contact(db: Database, email: str) -> Contact | None:
    found = await load_contacts(db, email=email, limit=1)
    return found[0] if found else None
