"""``zoom_participant_events``: joins and leaves as the webhooks reported them.

One row per join or leave of one connection (``participant_key``: Zoom's participant_uuid,
which is per device). The unique constraint (meeting, connection, action, time) makes a
replayed or redelivered webhook a no-op. The meeting's own lifecycle is kept in the same
table under the reserved connection key :data:`INSTANCE_KEY` with the actions ``start``
and ``end``: it tells which instances (UUIDs) of a meeting have ended, so the report of an
instance still running is never asked for, and the live view knows what is in progress.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from hub.context import HubContext
from hub.storage.database import conflict_insert
from hub_zoom.storage import tables
from hub_zoom.webhooks.dedupe import participant_identity

INSTANCE_KEY = "#instance"
JOIN, LEAVE, START, END = "join", "leave", "start", "end"


def parse_time(value: Any) -> datetime | None:
    """Zoom's ISO 8601 times (``...Z``); None for missing or empty values."""
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def as_utc(value: datetime) -> datetime:
    """Databases hand back naive datetimes (SQLite) or aware ones (PostgreSQL)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class ParticipantEvent:
    meeting_id: str
    meeting_uuid: str | None
    participant_key: str
    registrant_id: str | None
    email: str | None
    name: str | None
    action: str
    at: datetime


async def insert_event(hub: HubContext, event: ParticipantEvent) -> None:
    """Store one row; a replay of a stored row changes nothing.

    Written through the hub's group commit: during a large meeting joins and leaves arrive
    by the hundred per second, and a transaction each competed with ingest for the
    writer. ``ON CONFLICT DO NOTHING`` keeps a replay from failing the group it rides in.
    """
    values = {
        "meeting_id": event.meeting_id[:32],
        "meeting_uuid": (event.meeting_uuid or None) and event.meeting_uuid[:128],
        "participant_key": event.participant_key[:256],
        "registrant_id": (event.registrant_id or None) and event.registrant_id[:128],
        "email": (event.email or None) and event.email[:256],
        "name": (event.name or None) and event.name[:256],
        "action": event.action,
        "at": as_utc(event.at),
    }
    await hub.write_grouped(_insert_statement(hub.db.is_postgres), values)


@functools.cache
def _insert_statement(postgres: bool) -> Any:
    """Built once: concurrent rows share it, so group commit runs them as one executemany."""
    return conflict_insert(postgres, tables.participant_events).on_conflict_do_nothing()


def from_participant(
    meeting_id: str, obj: dict[str, Any], participant: dict[str, Any], action: str
) -> ParticipantEvent | None:
    """The row for a participant_joined/left webhook; None without a usable time."""
    at = parse_time(participant.get("join_time" if action == JOIN else "leave_time"))
    if at is None:
        return None
    return ParticipantEvent(
        meeting_id=meeting_id,
        meeting_uuid=obj.get("uuid"),
        participant_key=participant_identity(participant),
        registrant_id=participant.get("registrant_id") or None,
        email=(participant.get("email") or None),
        name=participant.get("user_name") or None,
        action=action,
        at=at,
    )


async def events_of_meetings(
    hub: HubContext, meeting_ids: list[str], *, instances_only: bool = False
) -> list[ParticipantEvent]:
    """The meetings' rows in the order they happened; ``instances_only``: starts and ends."""
    if not meeting_ids:
        return []
    p = tables.participant_events
    query = select(p).where(p.c.meeting_id.in_(meeting_ids)).order_by(p.c.at, p.c.id)
    if instances_only:
        query = query.where(p.c.participant_key == INSTANCE_KEY)
    async with hub.db.connect() as conn:
        rows = (await conn.execute(query)).all()
    return [
        ParticipantEvent(
            meeting_id=r.meeting_id,
            meeting_uuid=r.meeting_uuid,
            participant_key=r.participant_key,
            registrant_id=r.registrant_id,
            email=r.email,
            name=r.name,
            action=r.action,
            at=as_utc(r.at),
        )
        for r in rows
    ]
