"""What providers report back: stored on the event for the public API, and fanned out.

Each report is one transaction: the hub's copy (meeting details, registration state,
attendance, recordings) is upserted and a fact is recorded for the other plugins. The fact
key contains a hash of the report, so a provider reporting the same thing twice (a retried
delivery) notifies nobody twice, while a genuine change is delivered again.
"""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.models import AttendanceReport, MeetingDetails, Recording, Registration
from hub.pipeline.facts import content_hash, record_fact, utcnow
from hub.pipeline.routing import FactKind, targets
from hub.plugins.manager import PluginRegistry
from hub.storage import tables


async def _upsert(
    conn: AsyncConnection, table: Any, keys: dict[str, Any], values: dict[str, Any]
) -> None:
    # Portable upsert: delete-then-insert inside the caller's transaction.
    await conn.execute(delete(table).where(*(table.c[k] == v for k, v in keys.items())))
    await conn.execute(insert(table).values(**keys, **values))


async def store_meeting_details(
    conn: AsyncConnection, registry: PluginRegistry, details: MeetingDetails, origin: str
) -> int | None:
    body = msgspec.to_builtins(details)
    session_key = details.session_id or ""
    await _upsert(
        conn,
        tables.meetings,
        {"event_id": details.event_id, "session_key": session_key},
        {"provider": details.provider, "details": body, "updated_at": utcnow()},
    )
    return await record_fact(
        conn,
        kind=FactKind.MEETING_DETAILS,
        fact_key=f"meeting.details:{details.event_id}:{session_key}:{content_hash(body)}",
        payload={"details": body},
        targets=targets(registry, FactKind.MEETING_DETAILS, origin=origin),
        event_id=details.event_id,
        origin=origin,
    )


async def store_registration(
    conn: AsyncConnection, registry: PluginRegistry, registration: Registration, origin: str
) -> int | None:
    body = msgspec.to_builtins(registration)
    session_key = registration.session_id or ""
    await _upsert(
        conn,
        tables.registrations,
        {
            "event_id": registration.event_id,
            "ticket_id": registration.ticket_id,
            "session_key": session_key,
        },
        {
            "provider": registration.provider,
            "status": registration.status,
            "details": body,
            "updated_at": utcnow(),
        },
    )
    key = f"{registration.event_id}:{registration.ticket_id}:{session_key}:{content_hash(body)}"
    return await record_fact(
        conn,
        kind=FactKind.REGISTRATION,
        fact_key=f"registration:{key}",
        payload={"registration": body},
        targets=targets(registry, FactKind.REGISTRATION, origin=origin),
        event_id=registration.event_id,
        ticket_id=registration.ticket_id,
        origin=origin,
    )


async def store_attendance(
    conn: AsyncConnection, registry: PluginRegistry, report: AttendanceReport, origin: str
) -> int | None:
    body = msgspec.to_builtins(report)
    await _upsert(
        conn,
        tables.attendance_reports,
        {"event_id": report.event_id},
        {
            "provider": report.provider,
            "final": report.final,
            "report": body,
            "updated_at": utcnow(),
        },
    )
    if not report.final:
        return None
    return await record_fact(
        conn,
        kind=FactKind.ATTENDANCE,
        fact_key=f"attendance:{report.event_id}:{content_hash(body)}",
        payload={"report": body},
        targets=targets(registry, FactKind.ATTENDANCE, origin=origin),
        event_id=report.event_id,
        origin=origin,
    )


async def store_recording(
    conn: AsyncConnection, registry: PluginRegistry, recording: Recording, origin: str
) -> int | None:
    body = msgspec.to_builtins(recording)
    await _upsert(
        conn,
        tables.recordings,
        {"event_id": recording.event_id, "meeting_id": recording.meeting_id},
        {"provider": recording.provider, "recording": body, "updated_at": utcnow()},
    )
    return await record_fact(
        conn,
        kind=FactKind.RECORDING,
        fact_key=f"recording:{recording.event_id}:{recording.meeting_id}:{content_hash(body)}",
        payload={"recording": body},
        targets=targets(registry, FactKind.RECORDING, origin=origin),
        event_id=recording.event_id,
        origin=origin,
    )
