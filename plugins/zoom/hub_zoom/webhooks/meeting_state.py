"""``meeting.deleted`` / ``webinar.deleted``: a meeting removed on Zoom's side.

Someone deleted the hub's meeting in Zoom's web portal: the join links sent to ticket
holders no longer work, so the event must show it. The zoom_meetings row is marked
``deleted`` and the meeting details are reported again with status "deleted" (through
the lifecycle's row helpers, so the details carry the same dial-in numbers and wording as
every other report of the meeting). A deletion the hub made itself (event cancelled: the
row is already ``cancelled``) and the deletion of one occurrence of a recurring meeting
change nothing here.
"""

from __future__ import annotations

from typing import Any

from hub.context import HubContext
from hub.models import WebhookDelivery
from hub_zoom.lifecycle import meeting_rows
from hub_zoom.service import PLUGIN
from hub_zoom.webhooks.lookup import MeetingRef

LIVE_STATUSES = ("creating", "created", "active")
DELETED_MESSAGE = "The meeting was deleted in Zoom; its join links no longer work."


async def on_meeting_deleted(
    hub: HubContext, delivery: WebhookDelivery, meeting: MeetingRef, obj: dict[str, Any]
) -> None:
    if obj.get("occurrences"):
        hub.log.info("zoom occurrence deleted; meeting kept", meeting_id=meeting.meeting_id)
        return
    row = await meeting_rows.row_of(hub, meeting.event_id, meeting.session_key)
    if row is None or row.meeting_id != meeting.meeting_id:
        return
    if row.status in LIVE_STATUSES:
        row = await meeting_rows.set_status(hub, row, "deleted", DELETED_MESSAGE)
    elif not (row.status == "deleted" and row.message == DELETED_MESSAGE):
        return  # cancelled by the hub, or marked deleted by the lifecycle itself
    # Reported again on a retry too: the fan-out is keyed by content, so never twice.
    await hub.report_meeting_details(
        row.meeting_details(status="deleted", message=DELETED_MESSAGE), PLUGIN
    )
