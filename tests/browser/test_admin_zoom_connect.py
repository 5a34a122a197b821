"""Connecting Zoom from the Integrations page: the Connect button runs the real OAuth
authorization-code flow against the emulator and lands back on the page, connected."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.async_api import Page, expect

from tests.browser.conftest import screenshot, sign_in
from tests.conftest import event_body, ticket_body
from tests.zoom.conftest import control


async def test_connect_zoom_through_the_emulators_oauth(
    hub_factory: Callable[..., Any], page: Page
) -> None:
    async with hub_factory(zoom_overrides={"auth": "authorization_code"}) as hub:
        await sign_in(page, hub)
        await page.goto(f"{hub.url}/admin/integrations")
        card = page.locator('[data-plugin="zoom"]')
        await expect(card).to_contain_text("not connected")
        await expect(card).to_contain_text(f"{hub.url}/webhooks/zoom")

        visited: list[str] = []
        page.on("request", lambda request: visited.append(request.url))
        await card.get_by_role("button", name="Connect", exact=True).click()
        await expect(page).to_have_url(f"{hub.url}/admin/integrations")
        # The browser itself went hub -> Zoom's consent page -> the hub's callback.
        hops = [u.split("?")[0] for u in visited]
        assert hops[:4] == [
            f"{hub.url}/admin/plugins/zoom/connect",
            f"{hub.zoom.oauth_base_url}/oauth/authorize",
            f"{hub.url}/zoom/oauth/callback",
            f"{hub.url}/admin/plugins/zoom/oauth/callback",
        ], hops
        await expect(page.locator("#flash")).to_contain_text(
            "Connected to Zoom as Account Owner (owner@example.com)"
        )
        await expect(card).to_contain_text("Connected as Account Owner (owner@example.com)")
        await expect(card.get_by_role("button", name="Disconnect")).to_be_visible()

        # Test connection asks Zoom (users/me) with the token the flow stored.
        await card.get_by_role("button", name="Test connection").click()
        await expect(page.locator("#flash")).to_contain_text(
            "user: connected as Account Owner (owner@example.com)"
        )

        # Zoom validates the webhook URL, then delivers an event: the card shows both.
        await control(hub, "/webhooks/url-validation", {})
        await hub.api.post("/api/v1/events/published", json=event_body("ev-1"))
        await hub.api.post("/api/v1/tickets/sold", json=ticket_body("t-1", "ev-1"))
        await hub.settle()  # Zoom answers the registration with a signed webhook
        await page.reload()
        hooks = card.locator("section", has=page.get_by_role("heading", name="Webhooks"))
        await expect(hooks.locator("dd").nth(2)).to_contain_text("UTC")  # last validation
        await expect(hooks.locator("dd").nth(3)).to_contain_text("meeting.registration_")
        await expect(hooks.locator("dd").nth(3)).to_contain_text("(stored)")
        await screenshot(page, "integrations")
