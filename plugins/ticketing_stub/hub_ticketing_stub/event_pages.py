"""The event page: what a buyer sees of an event once the video provider has set it up.

Meeting details and recordings arrive as separate deliveries that are not ordered among
themselves, so each stored row remembers the delivery it came from and a late, older
delivery never overwrites a newer one. Reading assembles a typed :class:`EventPage`, which
the routes render as HTML or JSON.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
import sqlalchemy as sa

from hub.models import DialInNumber, Event, MeetingDetails, Recording, RecordingFile
from hub.storage.database import Database
from hub_ticketing_stub import tables
from hub_ticketing_stub.tables import upsert, utcnow

PageStatus = Literal["pending", "active", "cancelled", "deleted", "error"]
HIDDEN_WHEN_INACTIVE = ("cancelled", "deleted", "error")


class MeetingView(msgspec.Struct, kw_only=True):
    """One meeting as the page shows it. A meeting that is not active shows its status
    only: a join link of a cancelled event must not be offered to anyone."""

    provider: str
    kind: str
    meeting_id: str
    status: str
    join_url: str | None = None
    passcode: str | None = None
    dial_in: list[DialInNumber] = []
    registration_url: str | None = None
    message: str | None = None


class SessionView(msgspec.Struct, kw_only=True):
    """A session of a multi-session event, with its own meeting once the provider made it."""

    id: str
    title: str | None = None
    starts_at: str | None = None
    duration_minutes: int | None = None
    meeting: MeetingView | None = None


class RecordingView(msgspec.Struct, kw_only=True):
    meeting_id: str
    session_id: str | None = None
    share_url: str | None = None
    passcode: str | None = None
    files: list[RecordingFile] = []


class EventPage(msgspec.Struct, kw_only=True):
    """The whole public page of one event."""

    event_id: str
    title: str
    description: str = ""
    starts_at: str | None = None
    duration_minutes: int | None = None
    timezone: str | None = None
    status: PageStatus
    meeting: MeetingView | None = None
    sessions: list[SessionView] = []
    recordings: list[RecordingView] = []


class EventSummary(msgspec.Struct, kw_only=True):
    event_id: str
    title: str
    starts_at: str | None = None
    status: PageStatus


def _event_values(event: Event) -> dict[str, Any]:
    return {
        "title": event.title,
        "description": event.description,
        "starts_at": event.starts_at.isoformat(),
        "duration_minutes": event.duration_minutes,
        "timezone": event.timezone,
        "sessions": [
            {
                "id": s.id,
                "title": s.title,
                "starts_at": s.starts_at.isoformat(),
                "duration_minutes": s.duration_minutes,
            }
            for s in event.sessions
        ],
        "updated_at": utcnow(),
    }


async def _store_event(db: Database, conn: Any, event_id: str, event: Event | None) -> None:
    """Keep the page's copy of the event current (the hub hands over its latest copy)."""
    t = tables.events
    if event is None:
        # The hub has no copy (should not happen): a bare page is better than none.
        stmt = upsert(db, t).values(
            event_id=event_id, title=event_id, description="", sessions=[], updated_at=utcnow()
        )
        await conn.execute(stmt.on_conflict_do_nothing(index_elements=[t.c.event_id]))
        return
    values = _event_values(event)
    stmt = upsert(db, t).values(event_id=event_id, **values)
    await conn.execute(stmt.on_conflict_do_update(index_elements=[t.c.event_id], set_=values))


async def record_meeting_details(
    db: Database, details: MeetingDetails, event: Event | None, delivery_id: int
) -> None:
    """Show (or update) the meeting of the event or of one of its sessions."""
    m = tables.meetings
    values = {
        "provider": details.provider,
        "kind": details.kind,
        "meeting_id": details.meeting_id,
        "join_url": details.join_url,
        "passcode": details.passcode,
        "dial_in": msgspec.to_builtins(details.dial_in),
        "registration_url": details.registration_url,
        "status": details.status,
        "message": details.message,
        "delivery_id": delivery_id,
        "updated_at": utcnow(),
    }
    async with db.transaction() as conn:
        await _store_event(db, conn, details.event_id, event)
        stmt = upsert(db, m).values(
            event_id=details.event_id, session_key=details.session_id or "", **values
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[m.c.event_id, m.c.session_key],
            set_=values,
            where=m.c.delivery_id <= stmt.excluded.delivery_id,
        )
        await conn.execute(stmt)


async def record_recording(
    db: Database, recording: Recording, event: Event | None, delivery_id: int
) -> None:
    """Add the recording's share link to the page (replacing an older report of it)."""
    r = tables.recordings
    values = {
        "session_key": recording.session_id or "",
        "provider": recording.provider,
        "share_url": recording.share_url,
        "passcode": recording.passcode,
        "files": msgspec.to_builtins(recording.files),
        "delivery_id": delivery_id,
        "updated_at": utcnow(),
    }
    async with db.transaction() as conn:
        await _store_event(db, conn, recording.event_id, event)
        stmt = upsert(db, r).values(
            event_id=recording.event_id, meeting_id=recording.meeting_id, **values
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[r.c.event_id, r.c.meeting_id],
            set_=values,
            where=r.c.delivery_id <= stmt.excluded.delivery_id,
        )
        await conn.execute(stmt)


def _meeting_view(row: Any) -> MeetingView:
    view = MeetingView(
        provider=row.provider,
        kind=row.kind,
        meeting_id=row.meeting_id,
        status=row.status,
        message=row.message,
    )
    if row.status in HIDDEN_WHEN_INACTIVE:
        return view
    return msgspec.structs.replace(
        view,
        join_url=row.join_url,
        passcode=row.passcode,
        dial_in=msgspec.convert(row.dial_in or [], list[DialInNumber]),
        registration_url=row.registration_url,
    )


def page_status(statuses: list[str]) -> PageStatus:
    """The event's status as the page headline shows it, from its meetings' statuses."""
    if not statuses:
        return "pending"
    if "active" in statuses:
        return "active"
    if "cancelled" in statuses:
        return "cancelled"
    if "deleted" in statuses:
        return "deleted"
    return "error"


async def load_page(db: Database, event_id: str) -> EventPage | None:
    """The event's page, or None if nothing about the event was ever delivered here."""
    e, m, r = tables.events, tables.meetings, tables.recordings
    async with db.connect() as conn:
        event = (await conn.execute(sa.select(e).where(e.c.event_id == event_id))).first()
        if event is None:
            return None
        meeting_rows = (
            await conn.execute(
                sa.select(m).where(m.c.event_id == event_id).order_by(m.c.session_key)
            )
        ).all()
        recording_rows = (
            await conn.execute(
                sa.select(r)
                .where(r.c.event_id == event_id)
                .order_by(r.c.session_key, r.c.meeting_id)
            )
        ).all()
    by_session = {row.session_key: row for row in meeting_rows}
    main = by_session.pop("", None)
    sessions = []
    for s in event.sessions or []:
        row = by_session.pop(s["id"], None)
        sessions.append(
            SessionView(
                id=s["id"],
                title=s.get("title"),
                starts_at=s.get("starts_at"),
                duration_minutes=s.get("duration_minutes"),
                meeting=_meeting_view(row) if row else None,
            )
        )
    # Meetings of sessions the event no longer lists still exist at the provider: show them.
    sessions.extend(
        SessionView(id=key, meeting=_meeting_view(row)) for key, row in sorted(by_session.items())
    )
    return EventPage(
        event_id=event.event_id,
        title=event.title,
        description=event.description or "",
        starts_at=event.starts_at,
        duration_minutes=event.duration_minutes,
        timezone=event.timezone,
        status=page_status([row.status for row in meeting_rows]),
        meeting=_meeting_view(main) if main else None,
        sessions=sessions,
        recordings=[
            RecordingView(
                meeting_id=row.meeting_id,
                session_id=row.session_key or None,
                share_url=row.share_url,
                passcode=row.passcode,
                files=msgspec.convert(row.files or [], list[RecordingFile], strict=False),
            )
            for row in recording_rows
        ],
    )


async def list_pages(db: Database) -> list[EventSummary]:
    """Every event that has a page, for the stub's index."""
    e, m = tables.events, tables.meetings
    async with db.connect() as conn:
        events = (await conn.execute(sa.select(e).order_by(e.c.event_id))).all()
        statuses = (await conn.execute(sa.select(m.c.event_id, m.c.status))).all()
    by_event: dict[str, list[str]] = {}
    for event_id, status in statuses:
        by_event.setdefault(event_id, []).append(status)
    return [
        EventSummary(
            event_id=row.event_id,
            title=row.title,
            starts_at=row.starts_at,
            status=page_status(by_event.get(row.event_id, [])),
        )
        for row in events
    ]


def local_time(starts_at: str | None, timezone: str | None) -> str | None:
    """``starts_at`` in the event's own timezone, as a page would print it."""
    if not starts_at:
        return None
    moment = datetime.fromisoformat(starts_at)
    if timezone:
        try:
            moment = moment.astimezone(ZoneInfo(timezone))
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return moment.strftime("%a %d %b %Y, %H:%M") + (f" ({timezone})" if timezone else "")
