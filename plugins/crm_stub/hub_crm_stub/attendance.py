"""Attendance on contacts: the provider's final report, appended to each person.

A report replaces the event's earlier one as a whole (a corrected report may drop a person
or change minutes), inside one transaction so a reader never sees half of each. Attendance
deliveries are not ordered among themselves, so the report with the highest delivery id
wins and an older one that arrives late (a retry) is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.models import AttendanceRecord, AttendanceReport, Event
from hub.storage.database import Database
from hub_crm_stub import tables
from hub_crm_stub.contacts import contact_key, ensure_contact
from hub_crm_stub.tables import to_utc, upsert, utcnow


@dataclass
class _Row:
    """One contact's attendance of one event or session, merged from the report."""

    email: str
    session_key: str
    name: str
    ticket_id: str | None
    attended: bool
    minutes: float
    first_join: Any
    last_leave: Any
    sessions_count: int
    guest: bool
    poll_answers: list[dict[str, Any]] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)

    def merge(self, record: AttendanceRecord) -> None:
        """The same person twice (two tickets under one address, or a ticket and a guest
        entry): one human cannot attend longer than the longest of them, so minutes take
        the maximum rather than the sum."""
        self.attended = self.attended or record.attended
        self.minutes = max(self.minutes, record.minutes)
        self.sessions_count = max(self.sessions_count, record.sessions_count)
        joins = [t for t in (self.first_join, to_utc(record.first_join)) if t is not None]
        leaves = [t for t in (self.last_leave, to_utc(record.last_leave)) if t is not None]
        self.first_join = min(joins) if joins else None
        self.last_leave = max(leaves) if leaves else None
        self.ticket_id = self.ticket_id or record.ticket_id
        self.guest = self.guest and record.guest
        self.poll_answers += record.poll_answers
        self.questions += record.questions


async def _emails_of_tickets(db: Database, event_id: str, ticket_ids: list[str]) -> dict[str, str]:
    """Addresses of ticket holders whose records came without one."""
    if not ticket_ids:
        return {}
    t = tables.tickets
    async with db.connect() as conn:
        rows = (
            await conn.execute(
                sa.select(t.c.ticket_id, t.c.email).where(
                    t.c.event_id == event_id, t.c.ticket_id.in_(ticket_ids)
                )
            )
        ).all()
    return {row.ticket_id: row.email for row in rows}


def _split_name(name: str) -> tuple[str, str]:
    first, _, last = name.strip().partition(" ")
    return first, last


async def _claim_report(
    db: Database,
    conn: AsyncConnection,
    report: AttendanceReport,
    event: Event | None,
    delivery_id: int,
    records: int,
    unmatched: int,
) -> bool:
    """Record this report as the event's current one unless a newer one already is."""
    r = tables.attendance_reports
    values = {
        "provider": report.provider,
        "event_title": event.title if event is not None else None,
        "delivery_id": delivery_id,
        "records": records,
        "unmatched": unmatched,
        "received_at": utcnow(),
    }
    stmt = upsert(db, r).values(event_id=report.event_id, **values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[r.c.event_id],
        set_=values,
        where=r.c.delivery_id <= stmt.excluded.delivery_id,
    )
    await conn.execute(stmt)
    current = (
        await conn.execute(sa.select(r.c.delivery_id).where(r.c.event_id == report.event_id))
    ).scalar()
    return current == delivery_id


async def record_attendance(
    db: Database, report: AttendanceReport, event: Event | None, delivery_id: int
) -> bool:
    """Replace the event's attendance with this report; False if a newer one is in."""
    missing = sorted({r.ticket_id for r in report.records if not r.email and r.ticket_id})
    holders = await _emails_of_tickets(db, report.event_id, missing)
    rows: dict[tuple[str, str], _Row] = {}
    unmatched = 0
    for record in report.records:
        email = record.email or (holders.get(record.ticket_id) if record.ticket_id else None)
        if not email:
            unmatched += 1  # a guest who gave no address: nobody to attach it to
            continue
        key = (contact_key(email), record.session_id or "")
        if key in rows:
            rows[key].merge(record)
            continue
        rows[key] = _Row(
            email=key[0],
            session_key=key[1],
            name=record.name,
            ticket_id=record.ticket_id,
            attended=record.attended,
            minutes=record.minutes,
            first_join=to_utc(record.first_join),
            last_leave=to_utc(record.last_leave),
            sessions_count=record.sessions_count,
            guest=record.guest,
            poll_answers=list(record.poll_answers),
            questions=list(record.questions),
        )
    a = tables.attendance
    async with db.transaction() as conn:
        if not await _claim_report(
            db, conn, report, event, delivery_id, len(report.records), unmatched
        ):
            return False
        await conn.execute(sa.delete(a).where(a.c.event_id == report.event_id))
        # One insert per person, in address order: two reports being stored at once then
        # take the contacts' locks in the same order and cannot deadlock on PostgreSQL.
        names = {row.email: row.name for row in rows.values()}
        for email in sorted(names):
            await ensure_contact(db, conn, email, *_split_name(names[email]))
        if rows:
            await conn.execute(
                sa.insert(a),
                [
                    {
                        "email": row.email,
                        "event_id": report.event_id,
                        "session_key": row.session_key,
                        "ticket_id": row.ticket_id,
                        "name": row.name[:200],
                        "attended": row.attended,
                        "minutes": round(row.minutes, 2),
                        "first_join": row.first_join,
                        "last_leave": row.last_leave,
                        "sessions_count": row.sessions_count,
                        "guest": row.guest,
                        "poll_answers": row.poll_answers,
                        "questions": row.questions,
                    }
                    for row in rows.values()
                ],
            )
    return True
