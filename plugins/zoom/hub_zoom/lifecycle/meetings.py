"""Event hooks: an event's meetings or webinars follow the event on Zoom.

* published: one meeting or webinar per session (see :mod:`meeting_body` for the choice
  and the settings), reported with its join link, passcode and dial-in numbers;
* updated: schedule and settings patched (skipped when unchanged), sessions added are
  created and their holders registered, sessions removed are deleted;
* cancelled: meetings deleted (Zoom tells registrants when ``cancel_meeting_reminder``)
  and every registration reported cancelled.

Instant events get an instant meeting (Zoom type 1): it cannot take registrations, so
ticket holders are reported "skipped" with the meeting's join link.
"""

from __future__ import annotations

from hub.context import DeliveryContext
from hub.models import Event
from hub.observability.logging import get_logger
from hub_zoom.lifecycle import meeting_rows, registrant_rows
from hub_zoom.lifecycle.errors import ensure_connection_usable, zoom_errors
from hub_zoom.lifecycle.meeting_body import effective_defaults, plans_for
from hub_zoom.lifecycle.meeting_rows import MeetingRow
from hub_zoom.lifecycle.meeting_sync import (
    EventZoom,
    adopt_interrupted,
    delete_on_zoom,
    ensure_meeting,
    event_zoom,
    update_meeting,
)
from hub_zoom.lifecycle.registration_flow import enroll_many, split_holders
from hub_zoom.service import PLUGIN

log = get_logger("hub_zoom.meetings")


async def on_event_published(event: Event, ctx: DeliveryContext) -> None:
    async with zoom_errors(ctx.hub):
        ez = event_zoom(ctx.hub, event)
        await ensure_connection_usable(ctx.hub, ez.connection_id)
        for plan in plans_for(event, ez.settings):
            row = await ensure_meeting(ez, plan)
            await ctx.report_meeting_details(row.meeting_details())


async def on_event_updated(event: Event, previous: Event, ctx: DeliveryContext) -> None:
    async with zoom_errors(ctx.hub):
        ez = event_zoom(ctx.hub, event)
        await ensure_connection_usable(ctx.hub, ez.connection_id)
        rows = await meeting_rows.rows_of(ctx.hub, event.id)
        plans = plans_for(event, ez.settings)
        for plan in plans:
            row = rows.get(plan.session_key)
            if row is None or row.status == "creating":
                row = await ensure_meeting(ez, plan)
                if row.usable:
                    row = await meeting_rows.set_details(ctx.hub, row, holders_pending=True)
            elif row.usable:
                if row.kind != plan.kind:
                    log.warning(
                        "zoom cannot convert between meeting and webinar; keeping the existing",
                        event_id=event.id,
                        kind=row.kind,
                    )
                row = await update_meeting(ez, row, plan)
            if row.details.get("holders_pending"):
                await _register_holders(ez, row)
                row = await meeting_rows.set_details(ctx.hub, row, holders_pending=False)
            await ctx.report_meeting_details(row.meeting_details())
        wanted = {plan.session_key for plan in plans}
        for key, row in rows.items():
            if key not in wanted and row.status not in meeting_rows.ENDED:
                await _retire(ez, row, "the session was removed from the event")


async def on_event_cancelled(event: Event, ctx: DeliveryContext) -> None:
    async with zoom_errors(ctx.hub):
        ez = event_zoom(ctx.hub, event)
        rows = await meeting_rows.rows_of(ctx.hub, event.id)
        if any(row.status != "cancelled" for row in rows.values()):
            await ensure_connection_usable(ctx.hub, ez.connection_id)
        for row in rows.values():
            if row.status != "cancelled":
                await _retire(ez, row, "the event was cancelled")
            else:
                await ctx.report_meeting_details(row.meeting_details(status="cancelled"))


async def _retire(ez: EventZoom, row: MeetingRow, reason: str) -> None:
    """Delete the meeting on Zoom, cancel its registrations locally, report both."""
    row = await adopt_interrupted(ez, row)
    await delete_on_zoom(ez, row)
    row = await meeting_rows.set_status(ez.hub, row, "cancelled", reason)
    changed = await registrant_rows.cancel_locally(ez.hub, row.event_id, row.session_key, reason)
    await ez.hub.report_registrations([r.registration() for r in changed], PLUGIN)
    await ez.hub.report_meeting_details(row.meeting_details(status="cancelled"), PLUGIN)


async def _register_holders(ez: EventZoom, row: MeetingRow) -> None:
    """A meeting added to a running event (a new session): register existing holders."""
    if not row.usable:
        return
    tickets = await ez.hub.list_tickets(ez.event.id)
    if not tickets:
        return
    known = await registrant_rows.rows_for_session(ez.hub, row.event_id, row.session_key)
    missing = [t for t in tickets if known.get(t.id) is None or known[t.id].status == "pending"]
    panelists = frozenset(p.email.lower() for p in ez.options.panelists)
    to_register, local = split_holders(row, missing, panelists)
    await registrant_rows.write_many(ez.hub, local)
    await ez.hub.report_registrations([r.registration() for r in local], PLUGIN)
    confirmation = effective_defaults(ez.settings.defaults, ez.options)
    settled = await enroll_many(
        ez.hub, row, to_register, confirmation.registrants_confirmation_email
    )
    retry = next((s.retry for s in settled if s.retry is not None), None)
    if retry is not None:
        raise retry
