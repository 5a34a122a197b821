"""After meetings simulated on the emulator (signed webhooks to the hub, then Zoom's
participant report and the cloud recording), the event page shows the attendance chart,
the minutes per person and the Zoom sections; the analytics page charts the figures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.async_api import Page, expect

from tests.browser.conftest import AdminHub, screenshot, sign_in
from tests.zoom.conftest import control, publish_with_tickets

MIN = 60


async def held(hub: AdminHub, event_id: str, title: str, starts_at: str, stays: int) -> None:
    """Three ticket holders: t-0 stays the whole meeting, t-1 ``stays`` minutes, t-2 never
    comes; the host is there throughout; the meeting is recorded."""
    meeting_id, reg = await publish_with_tickets(
        hub, event_id, 3, title=title, starts_at=starts_at, format="meeting"
    )
    steps = [
        {"action": "start"},
        {"action": "join", "registrant_id": reg["t-0"], "offset_seconds": 0},
        {"action": "join", "registrant_id": reg["t-1"], "offset_seconds": 5 * MIN},
        {"action": "leave", "registrant_id": reg["t-1"], "offset_seconds": (5 + stays) * MIN},
        {"action": "end", "offset_seconds": 30 * MIN},
        {"action": "recording"},
    ]
    await control(
        hub, "/simulate", {"meeting_id": meeting_id, "steps": steps, "wait_for_webhooks": True}
    )
    await hub.settle()
    report = (await hub.api.get(f"/api/v1/events/{event_id}/attendance")).json()
    assert report["final"] is True


async def test_attendance_chart_after_a_simulated_meeting(
    hub_factory: Callable[..., Any], page: Page
) -> None:
    async with hub_factory() as hub:
        await held(hub, "ev-spring", "Spring Data Day", "2030-05-20T10:00:00+00:00", stays=10)
        await held(hub, "ev-att", "Winter Webcraft", "2030-07-15T14:00:00+03:00", stays=15)

        await sign_in(page, hub)
        await page.goto(f"{hub.url}/admin/events/ev-att")
        chart = page.locator("svg#attendance-chart")
        await expect(chart).to_be_visible()
        await expect(chart.locator("path.series")).to_have_count(1)
        # host and t-0 all along, t-1 from minute 5 to 20: three people at most
        await expect(chart.locator("desc")).to_contain_text("at most 3 at the same time")
        minutes = page.locator("svg#minutes-chart")
        await expect(minutes).to_be_visible()
        assert await minutes.locator("rect.bar").count() >= 2
        await expect(page.get_by_role("heading", name="Zoom sync")).to_be_visible()
        recordings = page.locator("section", has=page.get_by_role("heading", name="Recordings"))
        for label in ("Share", "Download", "Delete"):
            await expect(
                recordings.get_by_role("button", name=label)
                .or_(recordings.get_by_role("link", name=label))
                .first
            ).to_be_visible()
        await screenshot(page, "event")

        # The plugin's buttons work from the page: a download through the hub, a repair.
        async with page.expect_download() as downloading:
            await recordings.get_by_role("link", name="Download").first.click()
        saved = await (await downloading.value).path()
        sizes = {hub.zoom.config.recording_video_size, hub.zoom.config.recording_audio_size}
        assert saved is not None and saved.stat().st_size in sizes
        await page.get_by_role("button", name="Reconcile").click()
        await expect(page.locator("#flash")).to_contain_text(
            "Reconciled: 0 added, 0 cancelled, 3 unchanged."
        )

        await page.goto(f"{hub.url}/admin/analytics")
        await expect(page.locator("#analytics svg").first).to_be_visible()
        assert await page.locator("#analytics svg").count() >= 2
        await expect(page.locator("#analytics")).to_contain_text("Spring Data Day")
        await screenshot(page, "analytics")
