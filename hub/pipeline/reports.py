"""What providers report back: stored on the event for the public API, and fanned out.

Each report is one transaction: the hub's copy (meeting details, registration state,
attendance, recordings) is replaced and a fact is recorded for the other plugins. A report
identical to the hub's current copy changes nothing and notifies nobody (a retried
delivery reporting the same thing again). The fact key names the transition (previous
copy to new copy), so a state that changes A, B, then back to A is announced three times,
while two concurrent identical reports collide on the key and announce it once.
"""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import Table, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.models import AttendanceReport, MeetingDetails, Recording, Registration
from hub.pipeline.facts import content_hash, record_fact, utcnow
from hub.pipeline.routing import FactKind, targets
from hub.plugins.manager import PluginRegistry
from hub.storage import tables


async def _replace(
    conn: AsyncConnection,
    table: Table,
    keys: dict[str, Any],
    body_column: str,
    body: Any,
    extra: dict[str, Any],
) -> str | None:
    """Store ``body`` under ``keys``; the transition's id, or None if nothing changed."""
    where = [table.c[k] == v for k, v in keys.items()]
    current = (await conn.execute(select(table.c[body_column]).where(*where))).scalar()
    new_hash = content_hash(body)
    old_hash = content_hash(current) if current is not None else "none"
    if old_hash == new_hash:
        return None
    await conn.execute(delete(table).where(*where))
    await conn.execute(
        insert(table).values(**keys, **{body_column: body}, **extra, updated_at=utcnow())
    )
    return f"{old_hash[:16]}>{new_hash[:16]}"


async def _announce(
    conn: AsyncConnection,
    registry: PluginRegistry,
    kind: FactKind,
    key: str,
    payload: dict[str, Any],
    origin: str,
    event_id: str,
    ticket_id: str | None = None,
) -> int | None:
    return await record_fact(
        conn,
        kind=kind,
        fact_key=f"{kind}:{key}"[:255],
        payload=payload,
        targets=targets(registry, kind, origin=origin),
        event_id=event_id,
        ticket_id=ticket_id,
        origin=origin,
    )


async def store_meeting_details(
    conn: AsyncConnection, registry: PluginRegistry, details: MeetingDetails, origin: str
) -> int | None:
    body = msgspec.to_builtins(details)
    session_key = details.session_id or ""
    change = await _replace(
        conn,
        tables.meetings,
        {"event_id": details.event_id, "session_key": session_key},
        "details",
        body,
        {"provider": details.provider},
    )
    if change is None:
        return None
    key = f"{details.event_id}:{session_key}:{change}"
    return await _announce(
        conn, registry, FactKind.MEETING_DETAILS, key, {"details": body}, origin, details.event_id
    )


async def store_registration(
    conn: AsyncConnection, registry: PluginRegistry, registration: Registration, origin: str
) -> int | None:
    body = msgspec.to_builtins(registration)
    session_key = registration.session_id or ""
    change = await _replace(
        conn,
        tables.registrations,
        {
            "event_id": registration.event_id,
            "ticket_id": registration.ticket_id,
            "session_key": session_key,
        },
        "details",
        body,
        {"provider": registration.provider, "status": registration.status},
    )
    if change is None:
        return None
    key = f"{registration.event_id}:{registration.ticket_id}:{session_key}:{change}"
    return await _announce(
        conn,
        registry,
        FactKind.REGISTRATION,
        key,
        {"registration": body},
        origin,
        registration.event_id,
        registration.ticket_id,
    )


async def store_attendance(
    conn: AsyncConnection, registry: PluginRegistry, report: AttendanceReport, origin: str
) -> int | None:
    body = msgspec.to_builtins(report)
    a = tables.attendance_reports
    # Reports of one event are decided one at a time: on PostgreSQL two concurrent
    # transactions would both read "no final report yet", and a live view committed second
    # would replace the final one (SQLite writers are serialized already).
    await conn.execute(
        select(tables.events.c.id).where(tables.events.c.id == report.event_id).with_for_update()
    )
    stored_final = (
        await conn.execute(select(a.c.final).where(a.c.event_id == report.event_id))
    ).scalar()
    if stored_final and not report.final:
        return None  # a live view arriving late never replaces the authoritative report
    change = await _replace(
        conn,
        tables.attendance_reports,
        {"event_id": report.event_id},
        "report",
        body,
        {"provider": report.provider, "final": report.final},
    )
    if change is None or not report.final:
        return None  # live (interim) reports are kept for the API, not announced
    return await _announce(
        conn,
        registry,
        FactKind.ATTENDANCE,
        f"{report.event_id}:{change}",
        {"report": body},
        origin,
        report.event_id,
    )


async def store_recording(
    conn: AsyncConnection, registry: PluginRegistry, recording: Recording, origin: str
) -> int | None:
    body = msgspec.to_builtins(recording)
    change = await _replace(
        conn,
        tables.recordings,
        {"event_id": recording.event_id, "meeting_id": recording.meeting_id},
        "recording",
        body,
        {"provider": recording.provider},
    )
    if change is None:
        return None
    key = f"{recording.event_id}:{recording.meeting_id}:{change}"
    return await _announce(
        conn, registry, FactKind.RECORDING, key, {"recording": body}, origin, recording.event_id
    )
