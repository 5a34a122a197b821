"""Changes made in Zoom's own portal reach the hub through webhooks: a deleted meeting shows
on the event, a registrant cancelled in Zoom is cancelled in the hub, and a holder who
registers again on Zoom's page is registered again."""

from __future__ import annotations

import sqlalchemy as sa
from hub_zoom.storage import tables as zoom_tables

from tests.zoom.conftest import control, publish_with_tickets, settle, zoom_hub


async def test_meeting_deleted_in_zoom_shows_on_the_event(db_url: str) -> None:
    async with zoom_hub(db_url) as zh:
        meeting_id, _ = await publish_with_tickets(zh, "ev-d", 1, format="meeting")
        await control(zh, f"/meetings/{meeting_id}/delete")
        await settle(zh)
        event = (await zh.api.get("/api/v1/events/ev-d")).json()
        assert event["meeting"]["status"] == "deleted"
        assert "deleted in Zoom" in event["meeting"]["message"]
        m = zoom_tables.meetings
        async with zh.runtime.db.connect() as conn:
            status = (
                await conn.execute(sa.select(m.c.status).where(m.c.event_id == "ev-d"))
            ).scalar_one()
        assert status == "deleted"


async def test_registrant_cancelled_then_registered_again_in_zoom(db_url: str) -> None:
    async with zoom_hub(db_url) as zh:
        meeting_id, reg = await publish_with_tickets(zh, "ev-g", 2, format="meeting")
        await control(zh, f"/meetings/{meeting_id}/registrants/{reg['t-0']}/cancel")
        await settle(zh)
        ticket = (await zh.api.get("/api/v1/events/ev-g/tickets/t-0")).json()
        assert ticket["registration"]["status"] == "cancelled"
        assert ticket["join_url"] is None
        other = (await zh.api.get("/api/v1/events/ev-g/tickets/t-1")).json()
        assert other["registration"]["status"] == "registered"

        answer = await control(
            zh,
            f"/meetings/{meeting_id}/registrants",
            {
                "registrants": [{"email": "t-0@example.com", "first_name": "Ion"}],
                "auto_approve": True,
            },
        )
        await settle(zh)
        ticket = (await zh.api.get("/api/v1/events/ev-g/tickets/t-0")).json()
        assert ticket["registration"]["status"] == "registered"
        assert ticket["join_url"] == answer["registrants"][0]["join_url"]
