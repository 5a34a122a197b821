"""CSRF: a signed-in operator's browser posting a form that did not come from the admin
page (another site's page, or a request without the page's token) is refused with 403, and
nothing changes. The forged page runs on another loopback port: same site as far as
cookies go (SameSite does not tell ports apart), so the CSRF token alone refuses it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from litestar import Litestar, MediaType, get
from playwright.async_api import Page, expect

from hub.api.serving import serve_app
from hub.storage import tables
from tests.browser.conftest import AdminHub, sign_in
from tests.conftest import event_body, ticket_body


async def delivery_states(hub: AdminHub) -> dict[int, str]:
    d = tables.deliveries
    async with hub.runtime.db.connect() as conn:
        return {r.id: r.state for r in (await conn.execute(sa.select(d.c.id, d.c.state))).all()}


def forged_site(target: str) -> Litestar:
    @get("/", media_type=MediaType.HTML)
    async def prize() -> str:
        return (
            "<!doctype html><title>You won</title>"
            f'<form method="post" action="{target}">'
            '<input type="hidden" name="next" value="/admin/deliveries">'
            '<button type="submit">Claim your prize</button></form>'
        )

    return Litestar(route_handlers=[prize])


async def test_forged_form_posts_are_refused_and_change_nothing(
    hub_factory: Callable[..., Any], page: Page
) -> None:
    async with hub_factory(emulator_overrides={"meeting_registrant_limit": 1}) as hub:
        await hub.api.post("/api/v1/events/published", json=event_body("ev-csrf"))
        for ticket in ("t-in", "t-late"):
            await hub.api.post("/api/v1/tickets/sold", json=ticket_body(ticket, "ev-csrf"))
            await hub.settle()
        before = await delivery_states(hub)
        (dead_id,) = [i for i, state in before.items() if state == "dead"]
        retry = f"{hub.url}/admin/deliveries/{dead_id}/retry"
        await sign_in(page, hub)

        async with serve_app(forged_site(retry)) as elsewhere:
            await page.goto(elsewhere)
            async with page.expect_response(retry) as answer:
                await page.get_by_role("button", name="Claim your prize").click()
            refused = await answer.value
            assert refused.status == 403
            # The session cookie went along: only the missing token stopped the post.
            sent = await refused.request.all_headers()
            assert "hub_admin_session=" in sent.get("cookie", "")
        await expect(page.locator("body")).to_contain_text("security token")

        # The browser's own cookies, no token in the form; then a made-up token.
        bare = await page.request.post(retry, form={"next": "/admin/deliveries"})
        assert bare.status == 403
        made_up = await page.request.post(
            retry, form={"next": "/admin/deliveries", "_csrf_token": "0" * 128}
        )
        assert made_up.status == 403
        await hub.drain()
        assert await delivery_states(hub) == before

        # The page's own form (with its token) is accepted: the refusals were the token's.
        await page.goto(f"{hub.url}/admin/deliveries")
        await (
            page.locator(f'#dead-letters tr[data-delivery-id="{dead_id}"]')
            .get_by_role("button", name="Retry")
            .click()
        )
        await expect(page.locator("#flash")).to_contain_text(f"Delivery {dead_id} is queued again.")
