"""Making Zoom's meetings match the hub's events: create, find, update, delete.

The rule that shapes this module: **a retried delivery never creates a second meeting**.
Zoom has no idempotency key and allows each host only 100 creates and updates a day, so
the intent is committed first (``creating``); a later attempt that finds that intent
without a meeting id looks for the meeting on Zoom (same host, topic and start time, not
owned by another row) before creating one. Updates are skipped when the body Zoom last
received is unchanged, so redelivered updates cost nothing either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.context import HubContext
from hub.errors import PermanentFailure
from hub.models import Event, MeetingDetails
from hub.observability.logging import get_logger
from hub_zoom.api import ZoomClient
from hub_zoom.api.errors import ZoomApiError, ZoomNotFound
from hub_zoom.lifecycle import meeting_rows
from hub_zoom.lifecycle.meeting_body import (
    EventZoomOptions,
    MeetingPlan,
    body_hash,
    create_body,
    host_of,
    options_of,
    update_body,
)
from hub_zoom.lifecycle.meeting_rows import MeetingRow
from hub_zoom.service import PLUGIN, ZoomService, service
from hub_zoom.settings import ZoomSettings

log = get_logger("hub_zoom.meetings")
GONE_CODES = frozenset({3001, 1001})


@dataclass(frozen=True, eq=False)
class EventZoom:
    """Everything needed to act on one event's Zoom objects."""

    hub: HubContext
    event: Event
    svc: ZoomService
    settings: ZoomSettings
    options: EventZoomOptions
    connection_id: str
    host: str

    @property
    def client(self) -> ZoomClient:
        return self.svc.client(self.connection_id)


def event_zoom(hub: HubContext, event: Event) -> EventZoom:
    svc = service(hub)
    options = options_of(event)
    connection_id = options.account_id or svc.primary_id
    if connection_id not in svc.connections:
        raise PermanentFailure(
            f"event {event.id}: provider_settings.zoom.account_id {connection_id!r} is not "
            "configured in [plugins.zoom]",
            code="settings",
        )
    return EventZoom(
        hub=hub,
        event=event,
        svc=svc,
        settings=svc.settings,
        options=options,
        connection_id=connection_id,
        host=host_of(options, svc.settings),
    )


def is_gone(error: BaseException) -> bool:
    """3001: the meeting or webinar no longer exists (deleted, or converted on Zoom)."""
    return isinstance(error, ZoomNotFound) and error.code in GONE_CODES


async def report(hub: HubContext, details: MeetingDetails) -> None:
    await hub.report_meeting_details(details, PLUGIN)


async def mark_deleted(hub: HubContext, row: MeetingRow, message: str) -> None:
    """The meeting is gone on Zoom's side: say so on the event, keep the row for a resync."""
    if row.status == "deleted":
        return
    await meeting_rows.set_status(hub, row, "deleted", message)
    log.warning("zoom meeting gone", event_id=row.event_id, session=row.session_key, reason=message)
    await report(hub, row.meeting_details(status="deleted", message=message))


# --- finding and creating -------------------------------------------------------------------


def _parse(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _same_time(text: str | None, expected: datetime) -> bool:
    value = _parse(text)
    return value is not None and abs((value - expected).total_seconds()) < 1


async def find_on_zoom(ez: EventZoom, row: MeetingRow) -> dict | None:
    """The meeting an earlier attempt may have created: same host, topic and start time.

    The topic and start time are those recorded with the intent, i.e. what was sent.
    """
    topic = row.details.get("topic")
    start = _parse(row.details.get("start_time"))
    if topic is None or start is None:
        return None
    host = row.details.get("host") or ez.host
    client = ez.client
    if row.kind == "webinar":
        listed = await client.list_webinars(host, type="scheduled")
    else:
        listed = await client.list_meetings(host, type="scheduled")
    owned = await meeting_rows.known_meeting_ids(ez.hub)
    for item in listed:
        if str(item.get("id")) in owned:
            continue
        if item.get("topic") == topic and _same_time(item.get("start_time"), start):
            log.info("adopting zoom meeting found after an interrupted create", meeting=item["id"])
            return await _get(client, row.kind, item["id"])
    return None


async def _get(client: ZoomClient, kind: str, meeting_id: Any) -> dict:
    if kind == "webinar":
        return dict(await client.get_webinar(meeting_id))
    return dict(await client.get_meeting(meeting_id))


async def _create(ez: EventZoom, kind: str, host: str, body: dict) -> dict:
    if kind == "webinar":
        return dict(await ez.client.create_webinar(host, body))
    return dict(await ez.client.create_meeting(host, body))


def intent_details(ez: EventZoom, plan: MeetingPlan) -> dict[str, Any]:
    return {
        "host": ez.host,
        "type": plan.zoom_type,
        "topic": plan.topic,
        "start_time": plan.start_time_text,
        "session_id": plan.session_id,
    }


async def ensure_meeting(ez: EventZoom, plan: MeetingPlan) -> MeetingRow:
    """The plan's meeting exists on Zoom and in ``zoom_meetings`` when this returns.

    Ended rows (deleted on Zoom, cancelled) are returned as they are: recreating a deleted
    meeting is an explicit resync, never a side effect of a redelivery.
    """
    hub = ez.hub
    row = await meeting_rows.row_of(hub, ez.event.id, plan.session_key)
    wrote_intent = False
    if row is None:
        row, wrote_intent = await meeting_rows.record_intent(
            hub,
            ez.event.id,
            plan.session_key,
            ez.connection_id,
            plan.kind,
            intent_details(ez, plan),
        )
    if row.status in meeting_rows.ENDED:
        return row
    if row.status == "creating":
        meeting = None if wrote_intent else await find_on_zoom(ez, row)
        if meeting is None:
            body = create_body(plan, ez.options, ez.settings)
            meeting = await _create(ez, row.kind, row.details.get("host") or ez.host, body)
        applied = body_hash(update_body(plan, ez.options, ez.settings))
        row = await meeting_rows.save_created(hub, row, meeting, {"body_hash": applied})
    if row.status == "created":
        await add_extras(ez, row)
        row = await meeting_rows.set_status(
            hub, row, "active", row.message, extras_hash=extras_hash(ez.options)
        )
    return row


def extras_hash(options: EventZoomOptions) -> str:
    """Fingerprint of the polls and panelists the event asks for."""
    panelists = [[p.name, p.email] for p in options.panelists]
    return body_hash({"polls": options.polls, "panelists": panelists})


async def add_extras(ez: EventZoom, row: MeetingRow) -> None:
    """Panelists and polls, after the meeting exists; safe to run again.

    Panelists are keyed by email on Zoom; polls are created only for titles the meeting
    does not have yet. A permanent refusal (polls disabled on the account, say) is kept
    as the row's message instead of failing the event: the meeting itself is usable.
    """
    client, options = ez.client, ez.options
    assert row.meeting_id is not None
    try:
        if row.kind == "webinar" and options.panelists:
            await client.add_panelists(
                row.meeting_id, [{"name": p.name, "email": p.email} for p in options.panelists]
            )
        if options.polls:
            if row.kind == "webinar":
                existing = await client.list_webinar_polls(row.meeting_id)
            else:
                existing = await client.list_meeting_polls(row.meeting_id)
            titles = {p.get("title") for p in existing}
            for poll in options.polls:
                if poll["title"] in titles:
                    continue
                if row.kind == "webinar":
                    await client.create_webinar_poll(row.meeting_id, poll)
                else:
                    await client.create_meeting_poll(row.meeting_id, poll)
    except ZoomApiError as exc:
        if exc.retryable or is_gone(exc):
            raise
        row.message = f"meeting created, but Zoom refused its polls or panelists: {exc.message}"
        log.warning("zoom extras refused", event_id=row.event_id, error=str(exc))


# --- updating and deleting -------------------------------------------------------------------


async def update_meeting(ez: EventZoom, row: MeetingRow, plan: MeetingPlan) -> MeetingRow:
    """PATCH schedule and settings when they differ from what Zoom last received."""
    extras = extras_hash(ez.options)
    if row.status == "created" or row.details.get("extras_hash") != extras:
        # Polls or panelists were added to the event, or an earlier attempt stopped
        # before them: adding them again is harmless (see add_extras).
        await add_extras(ez, row)
        row = await meeting_rows.set_status(ez.hub, row, "active", row.message, extras_hash=extras)
    body = update_body(plan, ez.options, ez.settings)
    fingerprint = body_hash(body)
    if row.details.get("body_hash") == fingerprint:
        return row
    assert row.meeting_id is not None
    try:
        if row.kind == "webinar":
            await ez.client.update_webinar(row.meeting_id, body)
        else:
            await ez.client.update_meeting(row.meeting_id, body)
    except ZoomApiError as exc:
        if is_gone(exc):
            await mark_deleted(ez.hub, row, "the Zoom meeting was deleted or converted on Zoom")
            return row
        raise
    return await meeting_rows.set_status(
        ez.hub,
        row,
        row.status,
        row.message,
        body_hash=fingerprint,
        topic=plan.topic,
        start_time=plan.start_time_text,
    )


async def delete_on_zoom(ez: EventZoom, row: MeetingRow) -> None:
    """Delete the meeting (Zoom emails registrants when ``cancel_meeting_reminder``)."""
    if row.meeting_id is None or row.status == "deleted":
        return
    remind = ez.settings.cancel_meeting_reminder
    try:
        if row.kind == "webinar":
            await ez.client.delete_webinar(row.meeting_id, cancel_webinar_reminder=remind)
        else:
            await ez.client.delete_meeting(row.meeting_id, cancel_meeting_reminder=remind)
    except ZoomApiError as exc:
        if not is_gone(exc):
            raise


async def adopt_interrupted(ez: EventZoom, row: MeetingRow) -> MeetingRow:
    """A ``creating`` row of an earlier attempt: take over the meeting it may have made."""
    if row.status != "creating":
        return row
    meeting = await find_on_zoom(ez, row)
    if meeting is None:
        return row
    return await meeting_rows.save_created(ez.hub, row, meeting, {})
