"""Registrations changed on Zoom's side: ``*.registration_created|approved|cancelled|denied``.

The hub registers ticket holders itself (the lifecycle part), and Zoom echoes those
registrations as webhooks; those find their zoom_registrants row already carrying the
registrant id and change nothing. What matters here is what happened on Zoom without the
hub: a host cancelling or denying a registrant in the Zoom portal (the holder's join link
stops working, so the hub's registration becomes "cancelled"), or a ticket holder
registering on Zoom's own registration page (the hub records that registrant for the
ticket so attendance and the join link follow it). People who register on Zoom without a
ticket are not the hub's concern: they show up as guests in attendance.

Rows the lifecycle part is working on (``pending``, ``cancel_pending``) are left to it.
A Zoom-side registration racing the hub's own registration of the same holder is harmless:
Zoom keeps one registrant per email and meeting, so both end with the same registrant id.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func as sa_func
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from hub.context import HubContext
from hub.models import Registration, WebhookDelivery
from hub.storage import tables as hub_tables
from hub_zoom.service import PLUGIN, PROVIDER
from hub_zoom.storage import tables
from hub_zoom.webhooks.lookup import MeetingRef

REPLACEABLE = ("failed", "skipped", "cancelled")
CANCELLED_ON_ZOOM = "cancelled or denied in Zoom"


def _registrant(obj: dict[str, Any]) -> dict[str, Any] | None:
    registrant = obj.get("registrant")
    if not isinstance(registrant, dict) or not registrant.get("id"):
        return None
    return registrant


async def _hub_registering(hub: HubContext, meeting: MeetingRef, email: str) -> bool:
    """A live ledger row for this address: the lifecycle registered (or is registering) it."""
    r = tables.registrants
    async with hub.db.connect() as conn:
        row = (
            await conn.execute(
                select(r.c.status)
                .where(
                    r.c.event_id == meeting.event_id,
                    r.c.session_key == meeting.session_key,
                    sa_func.lower(r.c.email) == email.strip().lower(),
                    r.c.status.not_in(REPLACEABLE),
                )
                .limit(1)
            )
        ).first()
    return row is not None


def _older_than(delivery: WebhookDelivery, moment: datetime | None) -> bool:
    """Whether Zoom sent this event before ``moment`` (``event_ts`` is in milliseconds)."""
    event_ts = delivery.payload.get("event_ts")
    if moment is None or not isinstance(event_ts, int | float):
        return False
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return datetime.fromtimestamp(event_ts / 1000, UTC) < moment


async def _ticket_refunded(hub: HubContext, event_id: str, ticket_id: str) -> bool:
    _ticket, status = await hub.get_ticket(event_id, ticket_id)
    return status == "refunded"


async def _ticket_for_email(hub: HubContext, event_id: str, email: str) -> str | None:
    """The sold ticket of this address, found in SQL (not by loading every ticket)."""
    t = hub_tables.tickets
    address = sa_func.lower(t.c.body["email"].as_string())
    async with hub.db.connect() as conn:
        return (
            await conn.execute(
                select(t.c.id)
                .where(
                    t.c.event_id == event_id,
                    t.c.status == "sold",
                    address == email.strip().lower(),
                )
                .order_by(t.c.id)
                .limit(1)
            )
        ).scalar()


async def on_registration_created(
    hub: HubContext, delivery: WebhookDelivery, meeting: MeetingRef, obj: dict[str, Any]
) -> None:
    registrant = _registrant(obj)
    if registrant is None or registrant.get("status", "approved") != "approved":
        return  # awaiting the host's approval: not a usable registration yet
    registrant_id = str(registrant["id"])
    email = str(registrant.get("email") or "")
    r = tables.registrants
    async with hub.db.connect() as conn:
        known = (
            await conn.execute(
                select(r.c.ticket_id, r.c.status, r.c.updated_at).where(
                    r.c.event_id == meeting.event_id,
                    r.c.session_key == meeting.session_key,
                    r.c.registrant_id == registrant_id,
                )
            )
        ).first()
    if known is not None and known.status not in REPLACEABLE:
        return  # the hub's own registration echoed back
    if known is not None and _older_than(delivery, known.updated_at):
        return  # a late or replayed echo of a registration the hub has since changed
    if known is not None and await _ticket_refunded(hub, meeting.event_id, known.ticket_id):
        return  # a refunded holder who registers again on Zoom is a guest, not a ticket
    if known is None and await _hub_registering(hub, meeting, email):
        return  # the hub's own registration, echoed before its registrant id was saved
    ticket_id = known.ticket_id if known else await _ticket_for_email(hub, meeting.event_id, email)
    if ticket_id is None:
        return
    values = {
        "meeting_id": meeting.meeting_id,
        "email": email,
        "registrant_id": registrant_id,
        "join_url": registrant.get("join_url"),
        "status": "registered",
        "message": "registered in Zoom",
        "updated_at": datetime.now(UTC),
    }
    key = (
        r.c.event_id == meeting.event_id,
        r.c.ticket_id == ticket_id,
        r.c.session_key == meeting.session_key,
    )
    try:
        async with hub.db.transaction() as conn:
            row = (await conn.execute(select(r.c.status).where(*key))).first()
            if row is None:
                await conn.execute(
                    insert(r).values(
                        event_id=meeting.event_id,
                        ticket_id=ticket_id,
                        session_key=meeting.session_key,
                        **values,
                    )
                )
            elif row.status in REPLACEABLE:
                await conn.execute(update(r).where(*key).values(**values))
            else:
                return
    except IntegrityError:
        return  # the hub's own registration of this holder won the race
    await hub.report_registration(
        Registration(
            event_id=meeting.event_id,
            ticket_id=ticket_id,
            provider=PROVIDER,
            status="registered",
            join_url=registrant.get("join_url"),
            registrant_id=registrant_id,
            session_id=meeting.session_id,
            message="registered in Zoom",
        ),
        PLUGIN,
    )


async def on_registration_cancelled(
    hub: HubContext, delivery: WebhookDelivery, meeting: MeetingRef, obj: dict[str, Any]
) -> None:
    registrant = _registrant(obj)
    if registrant is None:
        return
    r = tables.registrants
    where = (
        r.c.event_id == meeting.event_id,
        r.c.session_key == meeting.session_key,
        r.c.registrant_id == str(registrant["id"]),
    )
    async with hub.db.transaction() as conn:
        row = (
            await conn.execute(select(r.c.ticket_id, r.c.status, r.c.message).where(*where))
        ).first()
        if row is None:
            return
        # Already cancelled by this handler: a retry after a crash before the report. A row
        # the hub cancelled itself (a refund) is the lifecycle's, and Zoom only echoes it.
        retry = row.status == "cancelled" and row.message == CANCELLED_ON_ZOOM
        if row.status != "registered" and not retry:
            return
        if row.status == "registered":
            await conn.execute(
                update(r)
                .where(*where)
                .values(status="cancelled", message=CANCELLED_ON_ZOOM, updated_at=datetime.now(UTC))
            )
    await hub.report_registration(
        Registration(
            event_id=meeting.event_id,
            ticket_id=row.ticket_id,
            provider=PROVIDER,
            status="cancelled",
            registrant_id=str(registrant["id"]),
            session_id=meeting.session_id,
            message=CANCELLED_ON_ZOOM,
        ),
        PLUGIN,
    )
