"""From a Zoom meeting id to the hub's event, and from a registrant to a ticket.

Webhooks name Zoom objects only; ``zoom_meetings`` (written when the hub creates a meeting
or webinar) says which event and session each belongs to, and ``zoom_registrants`` which
ticket each registrant was created for. Meetings the hub did not create (the account's
other meetings) are not found here, and their webhooks are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cachetools import TTLCache
from sqlalchemy import select

from hub.context import HubContext
from hub_zoom.storage import tables


@dataclass(frozen=True)
class MeetingRef:
    """One zoom_meetings row: the Zoom meeting of one event (or of one of its sessions)."""

    event_id: str
    session_key: str
    connection_id: str
    kind: str
    status: str
    meeting_id: str
    join_url: str | None
    passcode: str | None
    registration_url: str | None

    @property
    def session_id(self) -> str | None:
        return self.session_key or None


def _ref(row: Any) -> MeetingRef:
    return MeetingRef(
        event_id=row.event_id,
        session_key=row.session_key,
        connection_id=row.connection_id,
        kind=row.kind,
        status=row.status,
        meeting_id=str(row.meeting_id),
        join_url=row.join_url,
        passcode=row.passcode,
        registration_url=row.registration_url,
    )


async def meeting_by_zoom_id(hub: HubContext, meeting_id: Any) -> MeetingRef | None:
    """The hub's meeting with this Zoom id (webhooks send it as a string or a number)."""
    if meeting_id in (None, ""):
        return None
    m = tables.meetings
    async with hub.db.connect() as conn:
        rows = (await conn.execute(select(m).where(m.c.meeting_id == str(meeting_id)))).all()
    if not rows:
        return None
    # A meeting id is unique on Zoom; prefer a live row should an old one linger.
    rows.sort(key=lambda r: r.status not in ("active", "created", "creating"))
    return _ref(rows[0])


# Joins and leaves of one meeting arrive by the hundred per second, and each looked the
# meeting up again. A found meeting is remembered briefly (rows are never deleted, so the
# only staleness is a meeting replaced within the last seconds: its old id still maps to
# the same event); "not found" is never remembered, so a new meeting is seen at once.
KNOWN_MEETING_SECONDS = 5.0
_CACHE_KEY = "zoom.known_meetings"


async def meeting_by_zoom_id_cached(hub: HubContext, meeting_id: Any) -> MeetingRef | None:
    """:func:`meeting_by_zoom_id` for high-volume webhooks that only need which event a
    meeting belongs to (participant joins and leaves), not its latest status."""
    cache: TTLCache[str, MeetingRef] | None = hub.state.get(_CACHE_KEY)
    if cache is None:
        cache = hub.state[_CACHE_KEY] = TTLCache(maxsize=4096, ttl=KNOWN_MEETING_SECONDS)
    key = str(meeting_id)
    found = cache.get(key)
    if found is None:
        found = await meeting_by_zoom_id(hub, meeting_id)
        if found is not None:
            cache[key] = found
    return found


async def meetings_of_event(hub: HubContext, event_id: str) -> list[MeetingRef]:
    m = tables.meetings
    async with hub.db.connect() as conn:
        rows = (
            await conn.execute(
                select(m)
                .where(m.c.event_id == event_id, m.c.meeting_id.is_not(None))
                .order_by(m.c.session_key)
            )
        ).all()
    return [_ref(r) for r in rows]


@dataclass(frozen=True)
class RegistrantRef:
    event_id: str
    ticket_id: str
    session_key: str
    meeting_id: str | None
    email: str
    registrant_id: str | None
    join_url: str | None
    status: str


async def registrants_of_event(hub: HubContext, event_id: str) -> list[RegistrantRef]:
    r = tables.registrants
    async with hub.db.connect() as conn:
        rows = (await conn.execute(select(r).where(r.c.event_id == event_id))).all()
    return [
        RegistrantRef(
            event_id=row.event_id,
            ticket_id=row.ticket_id,
            session_key=row.session_key,
            meeting_id=row.meeting_id,
            email=row.email,
            registrant_id=row.registrant_id,
            join_url=row.join_url,
            status=row.status,
        )
        for row in rows
    ]
