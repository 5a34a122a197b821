"""Ticket hooks: every sold ticket's holder is a registrant of every meeting of the event.

* sold: registered (coalesced into ``batch_registrants`` calls with the other tickets
  arriving at the same time) and reported with the holder's personal join link. The
  meeting's host cannot register (Zoom 3027) and is reported "skipped"; instant meetings
  take no registrations, so their holders are "skipped" with the meeting's join link.
* updated: a new email replaces the registration (old registrant cancelled, new one
  added); Zoom has no call to edit a registrant's name, so other changes stay local.
* refunded: the registrant is cancelled on Zoom (status call, coalesced per meeting);
  a registration that never went out is cancelled locally only, and one whose call may
  have reached Zoom unanswered (a ``pending`` row) is cancelled on Zoom by email.

A ticket is never registered twice: the ledger (:mod:`registrant_rows`) says what was sent.
"""

from __future__ import annotations

import asyncio

from hub.context import DeliveryContext
from hub.errors import PermanentFailure
from hub.models import Event, Refund, Ticket
from hub_zoom.lifecycle import meeting_rows, registrant_rows
from hub_zoom.lifecycle.errors import ensure_connection_usable, zoom_errors
from hub_zoom.lifecycle.meeting_body import effective_defaults, options_of, plans_for
from hub_zoom.lifecycle.meeting_rows import MeetingRow
from hub_zoom.lifecycle.registrant_rows import RegistrantRow
from hub_zoom.lifecycle.registration_flow import (
    MEETING_GONE_MESSAGE,
    Enrollment,
    Withdrawal,
    enroll,
    local_decision,
    local_row,
    withdraw,
)
from hub_zoom.lifecycle.ticket_reads import Meetings, ticket_reads
from hub_zoom.service import service

NO_MEETING_MESSAGE = (
    "the event has no Zoom meeting (its published delivery failed); "
    "POST /api/v1/events/{event_id}/resync"
)


def _meetings_for(ctx: DeliveryContext, event: Event, rows: Meetings) -> list[MeetingRow | None]:
    """The event's meeting rows (``rows``, as just read), one per session (None where none
    exists)."""
    plans = plans_for(event, service(ctx.hub).settings)
    return [rows.get(plan.session_key) for plan in plans]


def _same_registration(prev: RegistrantRow | None, meeting: MeetingRow, ticket: Ticket) -> bool:
    return (
        prev is not None
        and prev.status in ("registered", "skipped")
        and prev.meeting_id == meeting.meeting_id
        and prev.email.lower() == ticket.email.lower()
    )


async def on_ticket_sold(ticket: Ticket, event: Event, ctx: DeliveryContext) -> None:
    async with zoom_errors(ctx.hub):
        await _register(ticket, event, ctx)


async def _register(ticket: Ticket, event: Event, ctx: DeliveryContext) -> None:
    hub = ctx.hub
    # The event's meetings and the ticket's ledger rows, read with the concurrent deliveries.
    view = await ticket_reads(hub).view(hub, event.id, ticket.id)
    meetings = _meetings_for(ctx, event, view.meetings)
    if any(m is None or m.status == "creating" for m in meetings):
        message = NO_MEETING_MESSAGE.format(event_id=event.id)
        await ctx.report_registration(
            local_row(_placeholder(event), ticket, "failed", message=message).registration()
        )
        raise PermanentFailure(message, code="no_meeting")
    usable = [m for m in meetings if m is not None]
    await ensure_connection_usable(hub, usable[0].connection_id)
    existing = view.registrants
    options = options_of(event)
    panelists = frozenset(p.email.lower() for p in options.panelists)

    settled_now: list[RegistrantRow] = []
    to_enroll: list[MeetingRow] = []
    for meeting in usable:
        prev = existing.get(meeting.session_key)
        if _same_registration(prev, meeting, ticket):
            settled_now.append(prev)  # type: ignore[arg-type]
        elif meeting.status in meeting_rows.ENDED:
            message = (
                MEETING_GONE_MESSAGE.format(event_id=event.id)
                if meeting.status == "deleted"
                else "the event's meeting was cancelled"
            )
            status = "failed" if meeting.status == "deleted" else "cancelled"
            settled_now.append(local_row(meeting, ticket, status, message=message))
        elif (decided := local_decision(meeting, ticket, panelists)) is not None:
            settled_now.append(decided)
        else:
            to_enroll.append(meeting)

    fresh = [r for r in settled_now if existing.get(r.session_key) != r]
    await registrant_rows.write_many(hub, fresh)
    await ctx.report_registrations([r.registration() for r in settled_now])

    confirmation = effective_defaults(service(hub).settings.defaults, options)
    settled = await asyncio.gather(
        *(
            enroll(Enrollment(hub, meeting, ticket, confirmation.registrants_confirmation_email))
            for meeting in to_enroll
        )
    )
    for outcome in settled:
        if outcome.retry is not None:
            raise outcome.retry
    for outcome in settled:
        if outcome.permanent is not None:
            raise PermanentFailure(outcome.permanent.message, code=outcome.permanent.code)


def _placeholder(event: Event) -> MeetingRow:
    return MeetingRow(
        event_id=event.id, session_key="", connection_id="", kind="meeting", status=""
    )


async def on_ticket_updated(
    ticket: Ticket, previous: Ticket, event: Event, ctx: DeliveryContext
) -> None:
    """A new email moves the registration: cancel the old registrant, register the new."""
    async with zoom_errors(ctx.hub):
        if ticket.email.lower() != previous.email.lower():
            await _cancel(ticket, event, ctx, reason="the holder's email changed", keep=False)
        await _register(ticket, event, ctx)


async def on_refund(refund: Refund, ticket: Ticket, event: Event, ctx: DeliveryContext) -> None:
    async with zoom_errors(ctx.hub):
        await _cancel(ticket, event, ctx, reason="the ticket was refunded", keep=True)


def _maybe_at_zoom(row: RegistrantRow) -> bool:
    """Registered, or ``pending``: written before a registration call whose answer was
    lost (the process died after Zoom applied it). Nothing re-sends a pending row once its
    ticket is refunded, so the cancellation must reach Zoom; it goes by email."""
    return (row.status == "registered" and bool(row.registrant_id)) or row.status == "pending"


async def _cancel(
    ticket: Ticket, event: Event, ctx: DeliveryContext, *, reason: str, keep: bool
) -> None:
    """Cancel the ticket's registrations; ``keep`` leaves cancelled rows (a refund) while
    an email change removes them so the new address registers afresh."""
    hub = ctx.hub
    view = await ticket_reads(hub).view(hub, event.id, ticket.id)
    existing, meetings = view.registrants, view.meetings
    if not existing and keep:
        # Refunded before any registration went out: nothing to undo on Zoom.
        local = [
            local_row(m, ticket, "cancelled", message=reason)
            for m in _meetings_for(ctx, event, meetings)
            if m is not None
        ]
        await registrant_rows.write_many(hub, local)
        await ctx.report_registrations([r.registration() for r in local])
        return

    local: list[RegistrantRow] = []
    remote: list[Withdrawal] = []
    for session_key, row in existing.items():
        meeting = meetings.get(session_key)
        if row.status == "cancelled":
            local.append(row)
        elif (
            _maybe_at_zoom(row)
            and meeting is not None
            and meeting.usable
            and meeting.meeting_id == row.meeting_id
            and not await registrant_rows.others_sharing(hub, row)
        ):
            remote.append(Withdrawal(hub, meeting, row))
        else:
            local.append(row.but(status="cancelled", message=reason))
    if remote:
        await ensure_connection_usable(hub, remote[0].meeting.connection_id)
    await registrant_rows.write_many(hub, [r for r in local if existing.get(r.session_key) != r])
    if keep:
        await ctx.report_registrations([r.registration() for r in local])
    errors = await asyncio.gather(*(withdraw(item) for item in remote))
    for error in errors:
        if error is not None:
            raise error
    if not keep:
        await registrant_rows.forget_ticket(hub, event.id, ticket.id)
