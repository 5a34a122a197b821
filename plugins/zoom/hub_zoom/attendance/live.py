"""``GET /api/v1/events/{id}/attendance?live=1``: who is in the meeting now.

Built from the webhook rows only (Zoom's report exists only after the end): a connection
whose last row is a join is in the meeting now; connections still open count up to now in
the provisional records. The hub's core route calls the function registered as
``hub.state["live_attendance"]``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from hub.context import HubContext
from hub_zoom.attendance.compute import TicketMatcher, attendance_records
from hub_zoom.attendance.final import thresholds_of
from hub_zoom.attendance.reconcile import InstanceData, reconcile
from hub_zoom.attendance.store import END, INSTANCE_KEY, JOIN, LEAVE, events_of_meetings
from hub_zoom.service import PROVIDER
from hub_zoom.webhooks.lookup import meetings_of_event, registrants_of_event


async def live_attendance(hub: HubContext, event_id: str) -> dict[str, Any]:
    event = await hub.get_event(event_id)
    meetings = await meetings_of_event(hub, event_id)
    body: dict[str, Any] = {
        "event_id": event_id,
        "provider": PROVIDER,
        "live": True,
        "final": False,
        "in_progress": False,
        "in_meeting_count": 0,
        "in_meeting": [],
        "records": [],
    }
    if event is None or not meetings:
        return body
    now = datetime.now(UTC)
    session_of = {m.meeting_id: m.session_key for m in meetings}
    rows = await events_of_meetings(hub, list(session_of))
    instances: dict[str, InstanceData] = {}
    for row in rows:
        uuid = row.meeting_uuid or row.meeting_id
        data = instances.setdefault(uuid, InstanceData(session_of[row.meeting_id], uuid, None))
        if row.participant_key == INSTANCE_KEY:
            if row.action == END:
                data.end = row.at
        else:
            data.events.append(row)
    open_instances = [i for i in instances.values() if i.end is None]
    for data in open_instances:
        data.end = now
    matcher = TicketMatcher(
        await hub.list_tickets(event_id), await registrants_of_event(hub, event_id)
    )
    present: dict[str, dict[str, Any]] = {}
    for data in open_instances:
        last: dict[str, Any] = {}
        for row in data.events:
            if row.action in (JOIN, LEAVE):
                last[row.participant_key] = row
        for row in last.values():
            if row.action != JOIN:
                continue
            ticket = matcher.ticket_for(row.registrant_id, row.email)
            key = f"t:{ticket.id}" if ticket else f"g:{row.email or row.name}"
            entry = present.setdefault(
                key,
                {
                    "ticket_id": ticket.id if ticket else None,
                    "name": f"{ticket.first_name} {ticket.last_name}".strip()
                    if ticket
                    else row.name,
                    "email": ticket.email if ticket else row.email,
                    "guest": ticket is None,
                    "session_id": data.session_key or None,
                    "joined_at": row.at.isoformat(),
                    "devices": 0,
                },
            )
            entry["devices"] += 1
            entry["joined_at"] = min(entry["joined_at"], row.at.isoformat())
    records = attendance_records(
        event,
        reconcile(instances.values()),
        matcher,
        thresholds_of(hub),
        sorted({i.session_key for i in instances.values()}),
        any(m.session_key for m in meetings),
    )
    body.update(
        in_progress=bool(open_instances),
        in_meeting_count=len(present),
        in_meeting=sorted(present.values(), key=lambda p: (p["guest"], p["name"] or "")),
        records=msgspec.to_builtins(records),
    )
    return body
