"""The attendance report of an event, computed once a meeting or webinar has ended.

Triggered by ``meeting.ended`` / ``webinar.ended``. For every ended instance of every
session of the event, the authoritative report (``report/meetings|webinars/{uuid}/
participants``, all pages, with ``registrant_id``) is fetched and reconciled with the
webhook rows (:mod:`hub_zoom.attendance.reconcile`). Zoom answers 404/3001 until a report
is ready; the delivery then reports a provisional view from the webhooks (``final`` false,
visible in the API but not fanned out) and raises ``RetryLater(report_retry_seconds)``.
A report still missing :data:`REPORT_GIVE_UP` after the instance ended, or one the
account may not read (free plan), is replaced by the webhook view, so attendance is never
lost. Outages, rate limits and credentials awaiting a fix wait instead (the lifecycle's
error policy, :mod:`hub_zoom.lifecycle.errors`). Each recomputation covers the whole
event, so the report of a multi-session event grows session by session; a changed report
is delivered again and replaces the earlier one.

Only instances whose end the hub has seen (the ``end`` marker of ``meeting.ended``) are
reported: the report of an instance still running does not exist, and counting it from
webhooks would publish a partial session as final.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hub.context import HubContext
from hub.errors import PermanentFailure, RetryLater
from hub.models import AttendanceReport
from hub_zoom.api.errors import (
    ZoomApiError,
    ZoomAuthError,
    ZoomMissingScopes,
    ZoomNotFound,
    ZoomPermissionError,
)
from hub_zoom.attendance.compute import Thresholds, TicketMatcher, attendance_records
from hub_zoom.attendance.engagement import fetch_engagement
from hub_zoom.attendance.gcpause import paused_gc
from hub_zoom.attendance.holders import registrant_keys, sold_tickets
from hub_zoom.attendance.reconcile import InstanceData, reconcile
from hub_zoom.attendance.store import END, INSTANCE_KEY, ParticipantEvent, events_of_meetings
from hub_zoom.attendance.stream import stream_connections
from hub_zoom.lifecycle.errors import zoom_errors
from hub_zoom.service import PLUGIN, PROVIDER, service
from hub_zoom.webhooks.lookup import MeetingRef, meetings_of_event

REPORT_GIVE_UP = timedelta(hours=24)


def thresholds_of(hub: HubContext) -> Thresholds:
    settings = service(hub).settings
    return Thresholds(settings.attended_min_minutes, settings.attended_min_percent)


def ended_instances(
    meetings: list[MeetingRef], events: list[ParticipantEvent]
) -> list[InstanceData]:
    """Instances (UUIDs) with an ``end`` marker, each with its participant rows."""
    session_of = {m.meeting_id: m.session_key for m in meetings}
    instances: dict[str, InstanceData] = {}
    for event in events:
        if event.participant_key == INSTANCE_KEY and event.action == END and event.meeting_uuid:
            known = instances.get(event.meeting_uuid)
            if known is None or (known.end is not None and event.at > known.end):
                instances[event.meeting_uuid] = InstanceData(
                    session_of.get(event.meeting_id, ""), event.meeting_uuid, event.at
                )
    for event in events:
        data = instances.get(event.meeting_uuid or "")
        if data is not None and event.participant_key != INSTANCE_KEY:
            data.events.append(event)
    return sorted(instances.values(), key=lambda i: (i.session_key, i.end or datetime.min))


WAITING, UNAVAILABLE = "waiting", "unavailable"


async def _fetch_report(
    hub: HubContext, meeting: MeetingRef, data: InstanceData, now: datetime
) -> list[dict[str, Any]] | str:
    """The instance's participants, or WAITING (not ready yet) or UNAVAILABLE (never)."""
    client = service(hub).client(meeting.connection_id)
    try:
        if meeting.kind == "webinar":
            rows = await client.report_webinar_participants(data.uuid)
        else:
            rows = await client.report_meeting_participants(data.uuid)
    except ZoomNotFound:
        waited = now - min(data.end or now, now)
        return WAITING if waited < REPORT_GIVE_UP else UNAVAILABLE
    except ZoomPermissionError as exc:
        hub.log.warning("zoom report unavailable; using webhooks", error=str(exc))
        return UNAVAILABLE
    except ZoomApiError as exc:
        if exc.retryable or isinstance(exc, ZoomAuthError | ZoomMissingScopes):
            # Waiting helps (an outage, a quota, credentials a human will fix): the
            # lifecycle's policy turns it into RetryLater and flags the connection.
            async with zoom_errors(hub, connection_id=meeting.connection_id):
                raise
        hub.log.warning("zoom report failed; using webhooks", error=str(exc))
        return UNAVAILABLE
    return [dict(r) for r in rows]


async def build_report(
    hub: HubContext,
    event_id: str,
    *,
    webhooks_settled: bool = True,
    now: datetime | None = None,
) -> tuple[AttendanceReport | None, bool]:
    """The event's report and whether it is still provisional.

    ``webhooks_settled`` says whether the webhook rows may be trusted as complete: right
    after ``meeting.ended`` the last ``participant_left`` deliveries may still be in the
    pipeline (Zoom sends them together, and deliveries run concurrently), so an instance
    without a report is only finalised from webhooks once they had time to land.
    """
    with paused_gc():
        return await _build_report(hub, event_id, webhooks_settled, now)


async def _build_report(
    hub: HubContext, event_id: str, webhooks_settled: bool, now: datetime | None
) -> tuple[AttendanceReport | None, bool]:
    event = await hub.get_event(event_id)
    if event is None:
        return None, False
    meetings = await meetings_of_event(hub, event_id)
    if not meetings:
        return None, False
    moment = now or datetime.now(UTC)
    meeting_ids = [m.meeting_id for m in meetings]
    markers = await events_of_meetings(hub, meeting_ids, instances_only=True)
    instances = ended_instances(meetings, markers)
    # Participant rows are paired while streamed: a large webinar has hundreds of thousands.
    await stream_connections(hub, meeting_ids, {i.uuid: i for i in instances})
    by_session = {m.session_key: m for m in meetings}
    waiting = False
    for data in instances:
        meeting = by_session.get(data.session_key)
        if meeting is None:
            continue
        fetched = await _fetch_report(hub, meeting, data, moment)
        if isinstance(fetched, list):
            data.report = fetched
        else:
            waiting = waiting or fetched == WAITING or not webhooks_settled
    engagement = {} if waiting else await fetch_engagement(hub, by_session, instances)
    tickets = await sold_tickets(hub, event_id)
    matcher = TicketMatcher(tickets, await registrant_keys(hub, event_id))
    held = sorted({i.session_key for i in instances})
    multi = any(m.session_key for m in meetings)
    records = attendance_records(
        event,
        reconcile(instances),
        matcher,
        thresholds_of(hub),
        held,
        multi,
        engagement,
    )
    report = AttendanceReport(
        event_id=event_id, provider=PROVIDER, final=not waiting, records=records
    )
    return report, waiting


async def report_event_attendance(
    hub: HubContext, event_id: str, ended_received_at: datetime | None = None
) -> AttendanceReport | None:
    """Compute and report; raises RetryLater while the report is provisional.

    ``ended_received_at`` is when the hub received the ``meeting.ended`` that triggered
    this: webhook rows count as settled ``report_retry_seconds`` after it.
    """
    grace = timedelta(seconds=service(hub).settings.report_retry_seconds)
    settled = ended_received_at is None or datetime.now(UTC) - ended_received_at >= grace
    try:
        report, waiting = await build_report(hub, event_id, webhooks_settled=settled)
    except KeyError as exc:  # a connection that is no longer configured
        raise PermanentFailure(f"zoom connection {exc} is not configured") from exc
    if report is None:
        return None
    await hub.report_attendance(report, PLUGIN)
    if waiting:
        retry = service(hub).settings.report_retry_seconds
        raise RetryLater("zoom participant report (or the last webhooks) not in yet", retry)
    return report
