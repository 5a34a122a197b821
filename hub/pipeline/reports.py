"""What providers report back: stored on the event for the public API, and fanned out.

Each report is one transaction: the hub's copy (meeting details, registration state,
attendance, recordings) is replaced and a fact is recorded for the other plugins. A report
identical to the hub's current copy changes nothing and notifies nobody (a retried
delivery reporting the same thing again). The fact key names the transition (previous
copy to new copy), so a state that changes A, B, then back to A is announced three times,
while two concurrent identical reports collide on the key and announce it once.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import Table, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.models import AttendanceReport, MeetingDetails, Recording, Registration
from hub.pipeline.facts import content_hash, record_fact, utcnow
from hub.pipeline.group_commit import Group
from hub.pipeline.routing import FactKind, targets
from hub.plugins.manager import PluginRegistry
from hub.storage import tables
from hub.storage.database import conflict_insert


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
    ids = await store_registrations(conn, registry, [registration], origin)
    return ids[0] if ids else None


RegistrationKey = tuple[str, str, str]  # (event id, ticket id, session key)
READ_CHUNK = 500  # ticket ids per read: far below SQLite's and asyncpg's parameter limits
FACT_CHUNK = 500  # facts per group flush (its key lookup is one IN list)


@dataclass(frozen=True)
class _Transition:
    """One registration that changed the stored copy: its fact key names old > new."""

    key: RegistrationKey
    body: dict[str, Any]
    change: str


def _registration_key(registration: Registration) -> RegistrationKey:
    return (registration.event_id, registration.ticket_id, registration.session_id or "")


async def store_registrations(
    conn: AsyncConnection, registry: PluginRegistry, registrations: list[Registration], origin: str
) -> list[int]:
    """Store many registrations with a few statements; the ids of the facts recorded.

    A provider reports a whole batch call at once (30 holders), and one statement per
    holder per step was a large share of the hub's CPU during a sync. The result is what
    storing them one after the other in list order would give: each is compared with the
    copy stored before it (the table's, or an earlier one of the list), an identical one
    changes and announces nothing, and each change is announced under its transition key.
    """
    if not registrations:
        return []
    keys = {_registration_key(r) for r in registrations}
    stored = {key: content_hash(body) for key, body in (await _stored_bodies(conn, keys)).items()}
    latest: dict[RegistrationKey, tuple[Registration, Any]] = {}
    transitions: list[_Transition] = []
    for registration in registrations:
        key = _registration_key(registration)
        body = msgspec.to_builtins(registration)
        new_hash = content_hash(body)
        old_hash = stored.get(key, "none")
        if old_hash == new_hash:
            continue
        stored[key] = new_hash
        latest[key] = (registration, body)
        transitions.append(_Transition(key, body, f"{old_hash[:16]}>{new_hash[:16]}"))
    if not transitions:
        return []
    await _write_registrations(conn, list(latest.values()))
    return await _announce_registrations(conn, registry, transitions, origin)


async def _stored_bodies(
    conn: AsyncConnection, keys: set[RegistrationKey]
) -> dict[RegistrationKey, Any]:
    """The stored copies of ``keys``: one query per event (and per chunk of tickets)."""
    r = tables.registrations
    tickets_of: dict[str, set[str]] = {}
    for event_id, ticket_id, _ in keys:
        tickets_of.setdefault(event_id, set()).add(ticket_id)
    found: dict[RegistrationKey, Any] = {}
    for event_id, ticket_ids in sorted(tickets_of.items()):
        ordered = sorted(ticket_ids)
        for start in range(0, len(ordered), READ_CHUNK):
            query = select(r.c.ticket_id, r.c.session_key, r.c.details).where(
                r.c.event_id == event_id, r.c.ticket_id.in_(ordered[start : start + READ_CHUNK])
            )
            for row in await conn.execute(query):
                key = (event_id, row.ticket_id, row.session_key)
                if key in keys:  # the ticket's other sessions were not reported
                    found[key] = row.details
    return found


@functools.cache
def _registrations_upsert(dialect: str) -> Any:
    """``INSERT ... ON CONFLICT DO UPDATE`` of a registration, built once per dialect."""
    r = tables.registrations
    statement = conflict_insert(dialect == "postgresql", r)
    return statement.on_conflict_do_update(
        index_elements=[r.c.event_id, r.c.ticket_id, r.c.session_key],
        set_={
            name: statement.excluded[name]
            for name in ("provider", "status", "details", "updated_at")
        },
    )


async def _write_registrations(
    conn: AsyncConnection, latest: list[tuple[Registration, Any]]
) -> None:
    """Replace the stored copies in one statement (one row per key: its last report)."""
    now = utcnow()
    await conn.execute(
        _registrations_upsert(conn.dialect.name),
        [
            {
                "event_id": registration.event_id,
                "ticket_id": registration.ticket_id,
                "session_key": registration.session_id or "",
                "provider": registration.provider,
                "status": registration.status,
                "details": body,
                "updated_at": now,
            }
            for registration, body in latest
        ],
    )


async def _announce_registrations(
    conn: AsyncConnection,
    registry: PluginRegistry,
    transitions: list[_Transition],
    origin: str,
) -> list[int]:
    """Record one fact per transition with multi-row inserts (group commit's flush).

    A key already known (a concurrent identical report committed first, or an earlier
    transition of this list) stores nothing, exactly as :func:`record_fact` would.
    """
    fact_targets = targets(registry, FactKind.REGISTRATION, origin=origin)
    postgres = conn.dialect.name == "postgresql"
    ids: list[int] = []
    for start in range(0, len(transitions), FACT_CHUNK):
        group = Group(conn, postgres=postgres)
        pending = []
        for transition in transitions[start : start + FACT_CHUNK]:
            event_id, ticket_id, session_key = transition.key
            fact_key = f"{event_id}:{ticket_id}:{session_key}:{transition.change}"
            fact = group.record_fact(
                kind=FactKind.REGISTRATION,
                fact_key=f"{FactKind.REGISTRATION}:{fact_key}"[:255],
                payload={"registration": transition.body},
                targets=fact_targets,
                event_id=event_id,
                ticket_id=ticket_id,
                origin=origin,
            )
            pending.append(fact)
        await group.flush()
        ids.extend(dict.fromkeys(f.id for f in pending if f.id is not None))
    return ids


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
