"""The emails a ticketing platform sends buyers when their registration changes.

A "registered" registration becomes a confirmation carrying the buyer's personal join link;
a "cancelled" one (after a refund or a cancelled event) becomes a cancellation notice.
"skipped" and "failed" registrations reach the organiser, not the buyer, so they send
nothing. Sending is idempotent: the same registration delivered twice maps to the same
``dedupe_key`` and the second insert does nothing, so nobody gets a duplicate email.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Literal

import msgspec
import sqlalchemy as sa

from hub.models import Event, Registration, Ticket
from hub.storage.database import Database
from hub_ticketing_stub import tables
from hub_ticketing_stub.event_pages import local_time
from hub_ticketing_stub.tables import as_utc, upsert, utcnow

EmailKind = Literal["confirmation", "cancellation"]
KIND_OF_STATUS: dict[str, EmailKind] = {"registered": "confirmation", "cancelled": "cancellation"}


class Email(msgspec.Struct, kw_only=True):
    """One email in the stub's outbox, as ``GET /ticketing-stub/emails`` lists it."""

    id: int
    event_id: str
    ticket_id: str
    session_id: str | None
    kind: EmailKind
    status: str
    to: str
    name: str
    subject: str
    body: str
    join_url: str | None
    created_at: datetime


def dedupe_key(registration: Registration, to_email: str) -> str:
    """What makes two emails "the same": a redelivery repeats every one of these parts,
    while a new join link or a new address (the holder changed) deserves a new email."""
    parts = [
        registration.event_id,
        registration.ticket_id,
        registration.session_id or "",
        registration.status,
        registration.join_url or "",
        to_email.lower(),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


async def _meeting_row(db: Database, registration: Registration) -> Any:
    """The page's meeting this registration is for, if its details were delivered yet."""
    m = tables.meetings
    async with db.connect() as conn:
        return (
            await conn.execute(
                sa.select(m).where(
                    m.c.event_id == registration.event_id,
                    m.c.session_key == (registration.session_id or ""),
                )
            )
        ).first()


def _session_title(event: Event | None, session_id: str | None) -> str | None:
    if session_id is None:
        return None
    for session in event.sessions if event is not None else []:
        if session.id == session_id:
            return session.title or session_id
    return session_id


def _dial_in_line(number: dict[str, Any]) -> str:
    place = number.get("country_name") or number.get("country")
    return f"  {number['number']}" + (f" ({place})" if place else "")


def compose(
    registration: Registration, ticket: Ticket, event: Event | None, meeting: Any
) -> tuple[str, str]:
    """Subject and plain-text body, worded as a platform's transactional email would be.

    The meeting ID, passcode and dial-in numbers are added when the page already has them;
    the personal join link alone is enough to join (providers embed the passcode in it).
    """
    title = event.title if event is not None else registration.event_id
    session = _session_title(event, registration.session_id)
    what = f"{title} — {session}" if session else title
    when = local_time(event.starts_at.isoformat(), event.timezone) if event is not None else None
    greeting = f"Hello {ticket.first_name},"
    if registration.status == "cancelled":
        subject = f"Your registration for {what} was cancelled"
        lines = [
            greeting,
            "",
            f"Your registration for {what} has been cancelled and your personal join link "
            "no longer works.",
            "If you did not expect this, reply to this email.",
        ]
    else:
        subject = f"Your join link for {what}"
        lines = [greeting, "", f"You are registered for {what}."]
        if when:
            lines.append(f"It starts {when}.")
        lines += ["", "Your personal join link (do not share it):", registration.join_url or "-"]
        if meeting is not None and meeting.status == "active":
            lines.append(f"Meeting ID: {meeting.meeting_id}")
            if meeting.passcode:
                lines.append(f"Passcode: {meeting.passcode}")
            if meeting.dial_in:
                lines += ["", "Join by phone:", *(_dial_in_line(d) for d in meeting.dial_in)]
    lines += ["", "See you there!"]
    return subject, "\n".join(lines)


async def send_registration_email(
    db: Database, registration: Registration, ticket: Ticket | None, event: Event | None
) -> bool:
    """Put the email for this registration in the outbox; False if none is due or it was
    already sent (a redelivery).

    ``event`` is the hub's copy of the event: the registration may be delivered before the
    meeting details that build the page (they are separate facts, not ordered for a plugin
    that is not the provider), so the email must not depend on the page.
    """
    kind = KIND_OF_STATUS.get(registration.status)
    if kind is None or ticket is None:
        return False
    meeting = await _meeting_row(db, registration)
    subject, body = compose(registration, ticket, event, meeting)
    name = f"{ticket.first_name} {ticket.last_name}".strip()
    t = tables.emails
    stmt = upsert(db, t).values(
        dedupe_key=dedupe_key(registration, ticket.email),
        event_id=registration.event_id,
        ticket_id=registration.ticket_id,
        session_key=registration.session_id or "",
        kind=kind,
        status=registration.status,
        to_email=ticket.email,
        to_name=name[:200],
        subject=subject[:300],
        body=body,
        join_url=registration.join_url if kind == "confirmation" else None,
        created_at=utcnow(),
    )
    async with db.transaction() as conn:
        result = await conn.execute(stmt.on_conflict_do_nothing(index_elements=[t.c.dedupe_key]))
    return bool(result.rowcount)


async def list_emails(
    db: Database,
    *,
    event_id: str | None = None,
    ticket_id: str | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> list[Email]:
    """The outbox, oldest first, optionally for one event and/or one ticket."""
    t = tables.emails
    query = sa.select(t).order_by(t.c.id).limit(limit).offset(offset)
    if event_id is not None:
        query = query.where(t.c.event_id == event_id)
    if ticket_id is not None:
        query = query.where(t.c.ticket_id == ticket_id)
    async with db.connect() as conn:
        rows = (await conn.execute(query)).all()
    return [
        Email(
            id=row.id,
            event_id=row.event_id,
            ticket_id=row.ticket_id,
            session_id=row.session_key or None,
            kind=row.kind,
            status=row.status,
            to=row.to_email,
            name=row.to_name,
            subject=row.subject,
            body=row.body,
            join_url=row.join_url,
            created_at=as_utc(row.created_at),
        )
        for row in rows
    ]
