"""``zoom_meetings``: the hub's record of every meeting or webinar it asked Zoom for.

A row is written *before* Zoom is called (status ``creating``) and committed, so a delivery
that crashes or times out between Zoom's answer and our bookkeeping leaves a trace: the
retry sees the intent and looks for the meeting on Zoom instead of creating a second one.

Statuses: ``creating`` (intent recorded) -> ``created`` (meeting exists; polls and
panelists pending) -> ``active``; ``deleted`` (gone on Zoom's side) and ``cancelled``
(the event was cancelled) end a row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.context import HubContext
from hub.models import DialInNumber, MeetingDetails
from hub.pipeline.facts import utcnow
from hub_zoom.service import PROVIDER
from hub_zoom.storage import tables

USABLE = ("created", "active")
ENDED = ("deleted", "cancelled")

t = tables.meetings


@dataclass
class MeetingRow:
    event_id: str
    session_key: str
    connection_id: str
    kind: str
    status: str
    meeting_id: str | None = None
    uuid: str | None = None
    host_id: str | None = None
    join_url: str | None = None
    passcode: str | None = None
    registration_url: str | None = None
    message: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def session_id(self) -> str | None:
        return self.session_key or None

    @property
    def zoom_type(self) -> int:
        return int(self.details.get("type") or (5 if self.kind == "webinar" else 2))

    @property
    def host_email(self) -> str | None:
        return self.details.get("host_email")

    @property
    def usable(self) -> bool:
        return self.status in USABLE and self.meeting_id is not None

    def meeting_details(self, status: str | None = None, message: str | None = None) -> Any:
        """What the ticketing side may show: never the host start URL."""
        return MeetingDetails(
            event_id=self.event_id,
            provider=PROVIDER,
            kind="webinar" if self.kind == "webinar" else "meeting",
            meeting_id=self.meeting_id or "",
            join_url=self.join_url,
            passcode=self.passcode,
            dial_in=[DialInNumber(**d) for d in self.details.get("dial_in", [])],
            registration_url=self.registration_url,
            session_id=self.session_id,
            status=status or _public_status(self.status),  # type: ignore[arg-type]
            message=message if message is not None else self.message,
        )


def _public_status(status: str) -> str:
    return {"deleted": "deleted", "cancelled": "cancelled"}.get(status, "active")


def _from_row(row: Any) -> MeetingRow:
    return MeetingRow(
        event_id=row.event_id,
        session_key=row.session_key,
        connection_id=row.connection_id,
        kind=row.kind,
        status=row.status,
        meeting_id=row.meeting_id,
        uuid=row.uuid,
        host_id=row.host_id,
        join_url=row.join_url,
        passcode=row.passcode,
        registration_url=row.registration_url,
        message=row.message,
        details=dict(row.details or {}),
    )


async def rows_of(hub: HubContext, event_id: str) -> dict[str, MeetingRow]:
    """Every row of the event, keyed by session key ("" for the event itself)."""
    async with hub.db.connect() as conn:
        return await read_rows(conn, event_id)


async def read_rows(conn: AsyncConnection, event_id: str) -> dict[str, MeetingRow]:
    """:func:`rows_of` on a connection the caller holds (to share it with other reads)."""
    rows = (await conn.execute(select(t).where(t.c.event_id == event_id))).all()
    return {r.session_key: _from_row(r) for r in rows}


async def row_of(hub: HubContext, event_id: str, session_key: str) -> MeetingRow | None:
    async with hub.db.connect() as conn:
        row = (
            await conn.execute(
                select(t).where(t.c.event_id == event_id, t.c.session_key == session_key)
            )
        ).first()
    return _from_row(row) if row else None


async def known_meeting_ids(hub: HubContext) -> set[str]:
    """Meeting ids some row already owns: a lookup on Zoom must never adopt one of them."""
    async with hub.db.connect() as conn:
        rows = (await conn.execute(select(t.c.meeting_id).where(t.c.meeting_id.is_not(None)))).all()
    return {r.meeting_id for r in rows}


async def record_intent(
    hub: HubContext,
    event_id: str,
    session_key: str,
    connection_id: str,
    kind: str,
    details: dict[str, Any],
) -> tuple[MeetingRow, bool]:
    """Commit a ``creating`` row; returns (row, True) if this call wrote it.

    (row, False) means a row already existed: an earlier attempt may have reached Zoom.
    """
    now = utcnow()
    try:
        async with hub.db.transaction() as conn:
            await conn.execute(
                insert(t).values(
                    event_id=event_id,
                    session_key=session_key,
                    connection_id=connection_id,
                    kind=kind,
                    status="creating",
                    details=details,
                    created_at=now,
                    updated_at=now,
                )
            )
    except IntegrityError:
        existing = await row_of(hub, event_id, session_key)
        assert existing is not None
        return existing, False
    row = await row_of(hub, event_id, session_key)
    assert row is not None
    return row, True


async def restart_intent(hub: HubContext, row: MeetingRow, kind: str, details: dict) -> MeetingRow:
    """Turn an ended row (deleted on Zoom) back into an intent, for a resync."""
    async with hub.db.transaction() as conn:
        await conn.execute(
            update(t)
            .where(t.c.event_id == row.event_id, t.c.session_key == row.session_key)
            .values(
                status="creating",
                kind=kind,
                meeting_id=None,
                uuid=None,
                host_id=None,
                join_url=None,
                start_url_sealed=None,
                passcode=None,
                registration_url=None,
                message=None,
                details=details,
                updated_at=utcnow(),
            )
        )
    fresh = await row_of(hub, row.event_id, row.session_key)
    assert fresh is not None
    return fresh


async def save_created(
    hub: HubContext, row: MeetingRow, meeting: dict[str, Any], details: dict[str, Any]
) -> MeetingRow:
    """Store what Zoom answered; the host start URL only sealed."""
    start_url = meeting.get("start_url")
    sealed = hub.secret_box.seal(start_url) if start_url else None
    dial_in = [
        {k: v for k, v in d.items() if k in ("number", "country", "country_name", "city", "type")}
        for d in (meeting.get("settings") or {}).get("global_dial_in_numbers") or []
        if d.get("number")
    ]
    merged = {
        **row.details,
        **details,
        "type": meeting.get("type", row.details.get("type")),
        "host_email": meeting.get("host_email") or row.details.get("host_email"),
        "dial_in": dial_in,
    }
    values = {
        "status": "created",
        "kind": row.kind,
        "meeting_id": str(meeting["id"]),
        "uuid": meeting.get("uuid"),
        "host_id": meeting.get("host_id"),
        "join_url": meeting.get("join_url"),
        "start_url_sealed": sealed,
        "passcode": meeting.get("password") or None,
        "registration_url": meeting.get("registration_url"),
        "message": None,
        "details": merged,
        "updated_at": utcnow(),
    }
    await _update(hub, row, **values)
    fresh = await row_of(hub, row.event_id, row.session_key)
    assert fresh is not None
    return fresh


async def set_status(
    hub: HubContext,
    row: MeetingRow,
    status: str,
    message: str | None = None,
    **details: Any,
) -> MeetingRow:
    merged = {**row.details, **details}
    await _update(hub, row, status=status, message=message, details=merged, updated_at=utcnow())
    row.status, row.message, row.details = status, message, merged
    return row


async def set_details(hub: HubContext, row: MeetingRow, **details: Any) -> MeetingRow:
    merged = {**row.details, **details}
    await _update(hub, row, details=merged, updated_at=utcnow())
    row.details = merged
    return row


async def host_start_url(hub: HubContext, event_id: str, session_key: str = "") -> str | None:
    """The host's start link, for the host only (never through the public API)."""
    async with hub.db.connect() as conn:
        sealed = (
            await conn.execute(
                select(t.c.start_url_sealed).where(
                    t.c.event_id == event_id, t.c.session_key == session_key
                )
            )
        ).scalar()
    return hub.secret_box.open(sealed) if sealed else None


async def _update(hub: HubContext, row: MeetingRow, **values: Any) -> None:
    async with hub.db.transaction() as conn:
        await conn.execute(
            update(t)
            .where(t.c.event_id == row.event_id, t.c.session_key == row.session_key)
            .values(**values)
        )
