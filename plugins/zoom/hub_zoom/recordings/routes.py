"""``DELETE /api/v1/events/{id}/recordings/{file_id}``: delete one recording file at Zoom.

Moves the file to Zoom's trash by default (recoverable for 30 days there);
``?action=delete`` deletes it for good. The hub's copy follows: the file is marked
trashed or deleted and the meeting's recording is reported again without it, so the event
and the plugins that shared the link stop offering it. A file Zoom no longer has counts as
deleted: the caller's intent is met either way.
"""

from __future__ import annotations

from typing import Any

from litestar import delete

from hub.api.auth import require_api_key
from hub.api.problems import ApiProblem
from hub.context import HubContext
from hub_zoom.api.errors import ZoomApiError, ZoomNotFound
from hub_zoom.recordings.report import report_recording
from hub_zoom.recordings.store import AVAILABLE, DELETED, TRASHED, file_of_event, set_status
from hub_zoom.service import service
from hub_zoom.webhooks.lookup import meetings_of_event


async def delete_file(
    hub: HubContext, event_id: str, file_id: str, action: str = "trash"
) -> dict[str, Any]:
    """Delete (or trash) one recording file at Zoom and report the recording again.

    Refusals are :class:`ApiProblem` (the API answers with them, the admin page shows
    their detail).
    """
    if action not in ("trash", "delete"):
        raise ApiProblem(400, "action must be 'trash' or 'delete'", field="action")
    stored = await file_of_event(hub, event_id, file_id)
    if stored is None or stored.status != AVAILABLE:
        raise ApiProblem(404, f"no recording file {file_id!r} for this event", "file_id")
    meeting = next(
        (m for m in await meetings_of_event(hub, event_id) if m.meeting_id == stored.meeting_id),
        None,
    )
    if meeting is None:
        raise ApiProblem(404, "the recording's meeting is no longer known", "file_id")
    client = service(hub).client(meeting.connection_id)
    try:
        await client.delete_recording_file(
            stored.meeting_uuid or stored.meeting_id, file_id, action=action
        )
    except ZoomNotFound:
        pass
    except ZoomApiError as exc:
        raise ApiProblem(
            503 if exc.retryable else 409, f"Zoom refused the deletion: {exc.message}"
        ) from exc
    status = TRASHED if action == "trash" else DELETED
    await set_status(hub, file_id, status)
    recording = await report_recording(hub, meeting)
    return {
        "event_id": event_id,
        "file_id": file_id,
        "status": status,
        "remaining_files": len(recording.files),
    }


def routes(hub: HubContext) -> list[Any]:
    @delete(
        "/api/v1/events/{event_id:str}/recordings/{file_id:str}",
        guards=[require_api_key],
        status_code=200,
        tags=["zoom"],
        summary="Delete a recording file at Zoom (trash by default, ?action=delete)",
    )
    async def delete_recording_file(
        event_id: str, file_id: str, action: str = "trash"
    ) -> dict[str, Any]:
        return await delete_file(hub, event_id, file_id, action)

    return [delete_recording_file]
