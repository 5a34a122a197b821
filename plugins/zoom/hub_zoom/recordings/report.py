"""Reporting a meeting's cloud recording to the hub, and processing recording webhooks.

One :class:`~hub.models.Recording` per Zoom meeting of an event, listing the files still
available (a meeting held twice contributes the files of both instances). The report is
rebuilt whenever the set of files changes: a new recording, a transcript finished later,
a file deleted through the hub. Fields that only the webhook carries (recording type,
start and end) are taken from the hub's previous report of the same recording, so a
re-report after a deletion loses nothing.
"""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import select

from hub.context import HubContext
from hub.models import Recording, RecordingFile, WebhookDelivery
from hub.storage import tables as hub_tables
from hub_zoom.attendance.store import parse_time
from hub_zoom.recordings.store import files_of_event, save_files
from hub_zoom.service import PLUGIN, PROVIDER
from hub_zoom.webhooks.lookup import MeetingRef

SEALED_TOKEN_FIELD = "download_token_sealed"
"""Where the webhook route puts the sealed ``download_token`` in the stored envelope."""


def file_from_webhook(file: dict[str, Any]) -> RecordingFile:
    size = file.get("file_size")
    return RecordingFile(
        id=str(file.get("id")),
        file_type=str(file.get("file_type") or ""),
        file_size=size if isinstance(size, int) else None,
        recording_type=file.get("recording_type") or None,
        play_url=file.get("play_url") or None,
        download_url=file.get("download_url") or None,
        recording_start=parse_time(file.get("recording_start")),
        recording_end=parse_time(file.get("recording_end")),
        status=file.get("status") or None,
    )


async def previous_recording(hub: HubContext, event_id: str, meeting_id: str) -> Recording | None:
    """What the hub holds from this plugin's last report of the meeting's recording."""
    rec = hub_tables.recordings
    async with hub.db.connect() as conn:
        row = (
            await conn.execute(
                select(rec.c.recording).where(
                    rec.c.event_id == event_id, rec.c.meeting_id == meeting_id
                )
            )
        ).first()
    if row is None:
        return None
    return msgspec.convert(row.recording, Recording, strict=False)


async def report_recording(
    hub: HubContext, meeting: MeetingRef, obj: dict[str, Any] | None = None
) -> Recording:
    """Rebuild and report the meeting's recording from the files still available."""
    previous = await previous_recording(hub, meeting.event_id, meeting.meeting_id)
    known: dict[str, RecordingFile] = {f.id: f for f in previous.files} if previous else {}
    obj = obj or {}
    for file in obj.get("recording_files") or []:
        if isinstance(file, dict) and file.get("id"):
            known[str(file["id"])] = file_from_webhook(file)
    files = []
    for stored in await files_of_event(hub, meeting.event_id):
        if stored.meeting_id != meeting.meeting_id:
            continue
        files.append(
            known.get(stored.file_id)
            or RecordingFile(
                id=stored.file_id,
                file_type=stored.file_type or "",
                file_size=stored.file_size,
                play_url=stored.play_url,
                download_url=stored.download_url,
            )
        )
    recording = Recording(
        event_id=meeting.event_id,
        provider=PROVIDER,
        meeting_id=meeting.meeting_id,
        share_url=obj.get("share_url") or (previous.share_url if previous else None),
        passcode=obj.get("password") or (previous.passcode if previous else None),
        session_id=meeting.session_id,
        files=files,
    )
    await hub.report_recording(recording, PLUGIN)
    return recording


async def on_recording_webhook(
    hub: HubContext, delivery: WebhookDelivery, meeting: MeetingRef
) -> None:
    """``recording.completed`` / ``recording.transcript_completed``: store, then report."""
    obj = delivery.payload.get("payload", {}).get("object") or {}
    files = [f for f in obj.get("recording_files") or [] if isinstance(f, dict)]
    sealed = delivery.payload.get(SEALED_TOKEN_FIELD)
    await save_files(hub, meeting, obj, files, sealed if isinstance(sealed, str) else None)
    await report_recording(hub, meeting, obj)
