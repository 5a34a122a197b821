"""An event published through the ingest API shows on /admin/events with its sync state,
and the state changes on the open page (no reload) as the delivery worker syncs it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.async_api import Page, expect

from tests.browser.conftest import screenshot, sign_in
from tests.conftest import event_body, ticket_body

LIVE_TIMEOUT_MS = 20_000  # the list polls every few seconds


async def test_published_event_appears_and_its_sync_state_changes_live(
    hub_factory: Callable[..., Any], page: Page
) -> None:
    async with hub_factory(run_workers=False) as hub:
        body = event_body("ev-live", title="Autumn Masterclass", format="meeting")
        assert (await hub.api.post("/api/v1/events/published", json=body)).status_code == 202
        for i in range(3):
            sold = await hub.api.post("/api/v1/tickets/sold", json=ticket_body(f"t-{i}", "ev-live"))
            assert sold.status_code == 202

        await sign_in(page, hub)
        await page.goto(f"{hub.url}/admin/events")
        row = page.locator('#events-table tr[data-event-id="ev-live"]')
        await expect(row).to_contain_text("Autumn Masterclass")
        state = row.locator("[data-sync-state]")
        await expect(state).to_have_attribute("data-sync-state", "syncing")
        await expect(row).to_contain_text("not created yet")
        await expect(row).to_contain_text("0 of 3")

        hub.runtime.worker.start()  # the deliveries run while the page stays open
        hub.runtime.workers_running = True
        await expect(state).to_have_attribute("data-sync-state", "synced", timeout=LIVE_TIMEOUT_MS)
        await expect(row).to_contain_text("Meeting created")
        await expect(row).to_contain_text("3 of 3")
        meetings = hub.zoom.state.meetings
        assert len(meetings) == 1 and len(next(iter(meetings.values())).registrants) == 3
        await screenshot(page, "events")
