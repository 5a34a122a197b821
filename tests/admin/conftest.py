"""Admin fixtures: a running hub with the test video provider and a plugin that contributes
to the admin page, an HTTPS client bound to its app, and helpers to sign in."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from litestar import Litestar

from hub.api.app import create_app
from hub.config.schema import HubConfig
from hub.runtime import HubRuntime
from tests.admin.panelplugin import NAME as PANELS
from tests.admin.panelplugin import PanelPlugin
from tests.conftest import API_KEY, running_hub
from tests.support.testvideo import TestVideoProvider

ADMIN_PASSWORD = "correct horse battery staple"
CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _admin_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_ADMIN_PASSWORD", ADMIN_PASSWORD)


@pytest.fixture
def panels() -> PanelPlugin:
    return PanelPlugin()


@pytest.fixture
async def admin_runtime(
    config_factory: Callable[..., HubConfig], testvideo: TestVideoProvider, panels: PanelPlugin
) -> AsyncIterator[HubRuntime]:
    config = config_factory(enabled=["testvideo", PANELS])
    async for runtime in running_hub(config, {"testvideo": testvideo, PANELS: panels}):
        yield runtime


@pytest.fixture
def admin_app(admin_runtime: HubRuntime) -> Litestar:
    app = create_app(admin_runtime)
    app.state.admin_throttle.delay_seconds = 0.01
    return app


def browser(app: Litestar) -> httpx.AsyncClient:
    """A cookie-keeping client over HTTPS (the admin cookies are Secure)."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://hub.test", follow_redirects=False
    )


@pytest.fixture
async def anon(admin_app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with browser(admin_app) as client:
        yield client


@pytest.fixture
async def admin(admin_app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with browser(admin_app) as client:
        await sign_in(client)
        yield client


@pytest.fixture
async def api(admin_app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=admin_app),
        base_url="http://hub.test",
        headers={"Authorization": f"Bearer {API_KEY}"},
    ) as client:
        yield client


def csrf_of(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found, "no CSRF field in the page"
    return found.group(1)


async def form_token(client: httpx.AsyncClient, page: str = "/admin/login") -> str:
    response = await client.get(page)
    assert response.status_code == 200, response.text
    return csrf_of(response.text)


async def sign_in(client: httpx.AsyncClient, password: str = ADMIN_PASSWORD) -> httpx.Response:
    token = await form_token(client)
    response = await client.post(
        "/admin/login", data={"password": password, "_csrf_token": token, "next": ""}
    )
    assert response.status_code == 303, response.text
    return response


async def post_form(
    client: httpx.AsyncClient, url: str, page: str, **fields: Any
) -> httpx.Response:
    """Submit a form as a browser would: token taken from ``page``."""
    token = await form_token(client, page)
    return await client.post(url, data={"_csrf_token": token, **fields})
