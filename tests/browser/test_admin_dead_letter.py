"""A delivery that died (Zoom refused a registration: the meeting was full) is listed as a
dead letter with its error; once a place is free, its Retry button runs it again to done."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from playwright.async_api import Page, expect

from hub.storage import tables
from tests.browser.conftest import AdminHub, screenshot, sign_in
from tests.conftest import event_body, ticket_body


async def delivery_state(hub: AdminHub, delivery_id: int) -> str:
    d = tables.deliveries
    async with hub.runtime.db.connect() as conn:
        return str((await conn.execute(sa.select(d.c.state).where(d.c.id == delivery_id))).scalar())


async def test_dead_letter_retried_with_the_button(
    hub_factory: Callable[..., Any], page: Page
) -> None:
    async with hub_factory(emulator_overrides={"meeting_registrant_limit": 1}) as hub:
        assert (
            await hub.api.post("/api/v1/events/published", json=event_body("ev-full"))
        ).status_code == 202
        for ticket in ("t-in", "t-late"):
            sold = await hub.api.post("/api/v1/tickets/sold", json=ticket_body(ticket, "ev-full"))
            assert sold.status_code == 202
            await hub.settle()

        await sign_in(page, hub)
        await page.goto(f"{hub.url}/admin/deliveries")
        dead = page.locator("#dead-letters tr[data-delivery-id]")
        await expect(dead).to_have_count(1)
        await expect(dead).to_contain_text("t-late")
        await expect(dead).to_contain_text("3043")  # Zoom's "meeting full" code
        delivery_id = int(await dead.get_attribute("data-delivery-id") or 0)
        assert await delivery_state(hub, delivery_id) == "dead"
        await screenshot(page, "deliveries")

        # A refund frees the place; retrying the dead letter now registers the late buyer.
        refund = {"ticket_id": "t-in", "event_id": "ev-full"}
        assert (await hub.api.post("/api/v1/tickets/refunded", json=refund)).status_code == 202
        await hub.settle()
        await dead.get_by_role("button", name="Retry").click()
        await expect(page.locator("#flash")).to_contain_text(
            f"Delivery {delivery_id} is queued again."
        )
        await hub.settle()
        assert await delivery_state(hub, delivery_id) == "done"
        await page.reload()
        await expect(page.locator("#no-dead-letters")).to_be_visible()
        (meeting,) = hub.zoom.state.meetings.values()
        approved = [r.email for r in meeting.registrants.values() if r.status == "approved"]
        assert approved == ["t-late@example.com"]
