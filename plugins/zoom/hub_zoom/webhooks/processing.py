"""``on_webhook``: a stored Zoom delivery turned into the hub's facts.

Runs in the delivery pipeline, after the route verified and stored the delivery, so it may
take its time (fetch a report, retry later) without Zoom noticing. Every branch is
idempotent: participant rows and recording files are keyed, reports are upserts whose
fan-out is keyed by content. Events about meetings the hub did not create, and event types
not listed here, are ignored.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from hub.context import DeliveryContext, HubContext
from hub.models import WebhookDelivery
from hub_zoom.attendance.final import report_event_attendance
from hub_zoom.attendance.store import (
    END,
    INSTANCE_KEY,
    JOIN,
    LEAVE,
    START,
    ParticipantEvent,
    from_participant,
    insert_event,
    parse_time,
)
from hub_zoom.recordings.report import on_recording_webhook
from hub_zoom.webhooks.lookup import MeetingRef, meeting_by_zoom_id, meeting_by_zoom_id_cached
from hub_zoom.webhooks.meeting_state import on_meeting_deleted
from hub_zoom.webhooks.registrations import on_registration_cancelled, on_registration_created

Handler = Callable[[HubContext, WebhookDelivery, MeetingRef, dict[str, Any]], Awaitable[None]]


async def _participant(
    hub: HubContext, delivery: WebhookDelivery, meeting: MeetingRef, obj: dict[str, Any]
) -> None:
    participant = obj.get("participant")
    if not isinstance(participant, dict):
        return
    action = JOIN if delivery.event_type.endswith("participant_joined") else LEAVE
    row = from_participant(meeting.meeting_id, obj, participant, action)
    if row is not None:
        await insert_event(hub, row)


async def _instance_mark(
    hub: HubContext, meeting: MeetingRef, obj: dict[str, Any], action: str, at: Any
) -> None:
    when = parse_time(at)
    if when is None:
        return
    await insert_event(
        hub,
        ParticipantEvent(
            meeting_id=meeting.meeting_id,
            meeting_uuid=obj.get("uuid"),
            participant_key=INSTANCE_KEY,
            registrant_id=None,
            email=None,
            name=None,
            action=action,
            at=when,
        ),
    )


async def _started(
    hub: HubContext, delivery: WebhookDelivery, meeting: MeetingRef, obj: dict[str, Any]
) -> None:
    await _instance_mark(hub, meeting, obj, START, obj.get("start_time"))


async def _ended(
    hub: HubContext, delivery: WebhookDelivery, meeting: MeetingRef, obj: dict[str, Any]
) -> None:
    end = obj.get("end_time") or delivery.received_at.isoformat()
    await _instance_mark(hub, meeting, obj, END, end)
    await report_event_attendance(hub, meeting.event_id, delivery.received_at)


async def _recording(
    hub: HubContext, delivery: WebhookDelivery, meeting: MeetingRef, obj: dict[str, Any]
) -> None:
    await on_recording_webhook(hub, delivery, meeting)


HANDLERS: dict[str, Handler] = {}
for _kind in ("meeting", "webinar"):
    HANDLERS[f"{_kind}.started"] = _started
    HANDLERS[f"{_kind}.ended"] = _ended
    HANDLERS[f"{_kind}.participant_joined"] = _participant
    HANDLERS[f"{_kind}.participant_left"] = _participant
    HANDLERS[f"{_kind}.deleted"] = on_meeting_deleted
    HANDLERS[f"{_kind}.registration_created"] = on_registration_created
    HANDLERS[f"{_kind}.registration_approved"] = on_registration_created
    HANDLERS[f"{_kind}.registration_cancelled"] = on_registration_cancelled
    HANDLERS[f"{_kind}.registration_denied"] = on_registration_cancelled
HANDLERS["recording.completed"] = _recording
HANDLERS["recording.transcript_completed"] = _recording


async def on_webhook(delivery: WebhookDelivery, ctx: DeliveryContext) -> None:
    handler = HANDLERS.get(delivery.event_type)
    if handler is None:
        ctx.log.debug("zoom webhook type not handled", event_type=delivery.event_type)
        return
    payload = delivery.payload.get("payload")
    obj = payload.get("object") if isinstance(payload, dict) else None
    if not isinstance(obj, dict):
        return
    lookup = meeting_by_zoom_id_cached if handler is _participant else meeting_by_zoom_id
    meeting = await lookup(ctx.hub, obj.get("id"))
    if meeting is None:
        ctx.log.debug("zoom webhook for a meeting the hub did not create", id=obj.get("id"))
        return
    await handler(ctx.hub, delivery, meeting, obj)
