"""``zoom_recording_files``: the cloud recording files of the hub's meetings.

One row per Zoom recording file, keyed by Zoom's file id, so a redelivered
``recording.completed`` updates rather than duplicates. The ``download_token`` Zoom sends
with the webhook lets anyone holding it download the files for 24 hours, so it is stored
sealed with the hub's secret box, like every other credential.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update

from hub.context import HubContext
from hub_zoom.storage import tables
from hub_zoom.webhooks.lookup import MeetingRef

AVAILABLE, TRASHED, DELETED = "available", "trashed", "deleted"


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    event_id: str
    meeting_id: str
    meeting_uuid: str | None
    file_type: str | None
    file_extension: str | None
    file_size: int | None
    download_url: str | None
    play_url: str | None
    download_token_sealed: str | None
    status: str


def _stored(row: Any) -> StoredFile:
    return StoredFile(
        file_id=row.file_id,
        event_id=row.event_id,
        meeting_id=row.meeting_id,
        meeting_uuid=row.meeting_uuid,
        file_type=row.file_type,
        file_extension=row.file_extension,
        file_size=row.file_size,
        download_url=row.download_url,
        play_url=row.play_url,
        download_token_sealed=row.download_token_sealed,
        status=row.status,
    )


async def save_files(
    hub: HubContext,
    meeting: MeetingRef,
    obj: dict[str, Any],
    files: list[dict[str, Any]],
    download_token_sealed: str | None,
) -> int:
    """Insert or refresh the webhook's files; returns how many were new.

    The token arrives already sealed: the webhook route seals it before the delivery is
    stored, so it is never written in clear, not even in the hub's fact log.
    """
    sealed = download_token_sealed
    rf = tables.recording_files
    new = 0
    async with hub.db.transaction() as conn:
        for file in files:
            file_id = str(file.get("id") or "")
            if not file_id:
                continue
            values = {
                "event_id": meeting.event_id,
                "meeting_id": meeting.meeting_id,
                "meeting_uuid": obj.get("uuid"),
                "file_type": (file.get("file_type") or None),
                "file_extension": (file.get("file_extension") or None),
                "file_size": file.get("file_size"),
                "download_url": file.get("download_url"),
                "play_url": file.get("play_url"),
                "download_token_sealed": sealed,
                "updated_at": datetime.now(UTC),
            }
            existing = (
                await conn.execute(select(rf.c.status).where(rf.c.file_id == file_id))
            ).first()
            if existing is None:
                await conn.execute(insert(rf).values(file_id=file_id, status=AVAILABLE, **values))
                new += 1
            else:
                # A redelivery must not resurrect a file the hub already deleted.
                await conn.execute(update(rf).where(rf.c.file_id == file_id).values(**values))
    return new


async def files_of_event(
    hub: HubContext, event_id: str, status: str | None = AVAILABLE
) -> list[StoredFile]:
    rf = tables.recording_files
    query = select(rf).where(rf.c.event_id == event_id).order_by(rf.c.meeting_id, rf.c.file_id)
    if status is not None:
        query = query.where(rf.c.status == status)
    async with hub.db.connect() as conn:
        rows = (await conn.execute(query)).all()
    return [_stored(r) for r in rows]


async def file_of_event(hub: HubContext, event_id: str, file_id: str) -> StoredFile | None:
    rf = tables.recording_files
    async with hub.db.connect() as conn:
        row = (
            await conn.execute(select(rf).where(rf.c.event_id == event_id, rf.c.file_id == file_id))
        ).first()
    return _stored(row) if row else None


async def set_status(hub: HubContext, file_id: str, status: str) -> None:
    rf = tables.recording_files
    async with hub.db.transaction() as conn:
        await conn.execute(
            update(rf)
            .where(rf.c.file_id == file_id)
            .values(status=status, updated_at=datetime.now(UTC))
        )
