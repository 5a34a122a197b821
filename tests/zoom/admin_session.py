"""A signed-in admin without a browser (httpx): cookies, CSRF field, flashes.

The admin cookies are Secure, so the client talks HTTPS to the hub's app in process (the
same runtime the loopback server serves, so Zoom's webhooks still arrive over HTTP). The
forms carry Litestar's ``_csrf_token`` field next to its double-submit cookie; this client
reads the field from a page like a browser would and posts it back.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from hub.api.app import create_app
from hub.runtime import HubRuntime

ADMIN_PASSWORD = "zoom-admin-password-42"
_CSRF_FIELD = re.compile(
    r'name="_csrf_token"\s+value="([^"]*)"|value="([^"]*)"\s+name="_csrf_token"'
)
_FLASH = re.compile(r'id="flash"[^>]*>(.*?)</(?:div|section|ul)>', re.S)
_TAGS = re.compile(r"<[^>]+>")


def csrf_of(page: str) -> str:
    match = _CSRF_FIELD.search(page)
    assert match, "no _csrf_token field on the page"
    return html.unescape(match.group(1) or match.group(2))


def flashes_of(page: str) -> str:
    """The flash area's text (empty when there is none)."""
    match = _FLASH.search(page)
    return " ".join(html.unescape(_TAGS.sub(" ", match.group(1))).split()) if match else ""


class AdminSession:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.token = ""

    async def page(self, path: str) -> str:
        response = await self.client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
        if "_csrf_token" in response.text:
            self.token = csrf_of(response.text)
        return response.text

    async def post(self, path: str, data: dict[str, Any] | None = None, *, back: str) -> str:
        """Post a form like the page at ``back`` does; returns the flash text shown after
        the redirect."""
        if not self.token:
            await self.page(back)
        response = await self.client.post(
            path, data={"_csrf_token": self.token, "next": back, **(data or {})}
        )
        assert response.status_code == 303, (path, response.status_code, response.text[:300])
        location = response.headers["location"]
        assert location == back, (location, back)
        return flashes_of(await self.page(location))


@asynccontextmanager
async def admin_session(runtime: HubRuntime) -> AsyncIterator[AdminSession]:
    app = create_app(runtime)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://hub.test", timeout=30
    ) as client:
        session = AdminSession(client)
        login = await client.get("/admin/login")
        assert login.status_code == 200, login.text[:300]
        signed = await client.post(
            "/admin/login", data={"password": ADMIN_PASSWORD, "_csrf_token": csrf_of(login.text)}
        )
        assert signed.status_code == 303, signed.text[:300]
        yield session
