"""Signing in with the browser: only the sign-in page until the right password is given."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.async_api import Page, expect

from tests.browser.conftest import ADMIN_PASSWORD


async def test_wrong_password_is_refused_and_the_right_one_signs_in(
    hub_factory: Callable[..., Any], page: Page
) -> None:
    async with hub_factory() as hub:
        await page.goto(f"{hub.url}/admin/events")
        await expect(page).to_have_url(f"{hub.url}/admin/login?next=/admin/events")
        await expect(page.locator("#events-table")).to_have_count(0)

        await page.fill("#password", "not-the-password")
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.locator("#login-error")).to_be_visible()
        await expect(page.locator("#password")).to_have_attribute("aria-invalid", "true")
        await expect(page.locator("#events-table")).to_have_count(0)
        assert page.url.startswith(f"{hub.url}/admin/login")
        cookies = {c["name"] for c in await page.context.cookies()}
        assert "hub_admin_session" not in cookies

        await page.fill("#password", ADMIN_PASSWORD)
        await page.keyboard.press("Enter")  # keyboard only, like the rest of the page
        await expect(page).to_have_url(f"{hub.url}/admin/events")
        await expect(page.locator("#events-table")).to_be_visible()
        session = [c for c in await page.context.cookies() if c["name"] == "hub_admin_session"]
        assert session and session[0]["httpOnly"] and session[0]["secure"]
