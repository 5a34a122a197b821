"""Browser tests of the admin page: a real hub on a loopback port, the Zoom emulator beside
it, and Debian's Chromium driven by Playwright.

Chromium is the system one (``/usr/bin/chromium``, installed by ``.ci/run`` with apt-get);
Playwright's own browser download is never used. The hub and the emulator run in the
test's event loop (real sockets, real HTTP); Chromium is a separate process talking to
them over loopback, like an operator's browser.
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from hub_zoom.emulator.testing import EmulatorHandle, running_emulator
from playwright.async_api import Browser, Page, async_playwright

from hub.api.app import create_app
from hub.api.serving import serve_app
from hub.runtime import HubRuntime, open_hub
from tests.conftest import API_KEY, make_config
from tests.support.databases import fresh_database
from tests.zoom.conftest import WEBHOOK_SECRET, zoom_settings

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking switches Chromium keeps trying to reach Google's
# services, and the closed network refuses (or hangs) those connections.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ADMIN_PASSWORD = "browser-admin-password-42"
SCREENSHOTS_ENV = "HUB_SCREENSHOTS"
STEP_TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _admin_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_ADMIN_PASSWORD", ADMIN_PASSWORD)


def unused_port() -> int:
    """A free loopback port, for a URL the hub must know before it serves (public_url,
    OAuth redirect URI)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class AdminHub:
    runtime: HubRuntime
    url: str
    zoom: EmulatorHandle
    api: httpx.AsyncClient

    async def drain(self, timeout: float = 30.0) -> None:
        await self.runtime.worker.drain(timeout)

    async def settle(self, rounds: int = 3, timeout: float = 30.0) -> None:
        """Let the emulator send its webhooks and the hub process what they caused."""
        for _ in range(rounds):
            await self.zoom.state.webhooks.drain(timeout)
            await self.drain(timeout)


@asynccontextmanager
async def admin_hub(
    tmp_path: Path,
    *,
    zoom_overrides: dict[str, Any] | None = None,
    emulator_overrides: dict[str, Any] | None = None,
    pipeline: dict[str, Any] | None = None,
    run_workers: bool = True,
) -> AsyncIterator[AdminHub]:
    """The emulator, then the hub (SQLite) on a port chosen first so that its public URL
    and OAuth redirect URI name the address the browser really uses."""
    port = unused_port()
    url = f"http://127.0.0.1:{port}"
    overrides = dict(zoom_overrides or {})
    if overrides.get("auth") == "authorization_code":
        overrides.setdefault("redirect_uri", f"{url}/zoom/oauth/callback")
    with fresh_database("sqlite", tmp_path) as db_url:
        async with running_emulator(
            webhook_secret=WEBHOOK_SECRET, redelivery_compression=600, **(emulator_overrides or {})
        ) as zoom:
            config = make_config(
                db_url,
                ["zoom"],
                plugins={"zoom": zoom_settings(zoom, **overrides)},
                default_provider="zoom",
                pipeline=pipeline or {},
                hub={"default_video_provider": "zoom", "public_url": url},
            )
            async with (
                open_hub(config, run_workers=run_workers) as runtime,
                serve_app(create_app(runtime), port=port) as served,
            ):
                assert served == url
                async with httpx.AsyncClient(timeout=30) as control:
                    response = await control.post(
                        f"{zoom.control_url}/webhooks/url", json={"url": f"{url}/webhooks/zoom"}
                    )
                    response.raise_for_status()
                async with httpx.AsyncClient(
                    base_url=url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30
                ) as api:
                    yield AdminHub(runtime, url, zoom, api)


@pytest.fixture
def hub_factory(tmp_path: Path) -> Callable[..., Any]:
    def factory(**kwargs: Any) -> Any:
        return admin_hub(tmp_path, **kwargs)

    return factory


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install chromium "
            "chromium-driver`, which .ci/run does)"
        )
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(STEP_TIMEOUT_MS)
    opened = await context.new_page()
    try:
        yield opened
    finally:
        await context.close()


async def sign_in(page: Page, hub: AdminHub, password: str = ADMIN_PASSWORD) -> None:
    """Sign in through the form, as an operator would."""
    await page.goto(f"{hub.url}/admin/login")
    await page.fill("#password", password)
    await page.locator("#login-form button[type=submit], #login-form input[type=submit]").click()
    await page.wait_for_load_state()


async def screenshot(page: Page, name: str) -> None:
    """Save a full-page screenshot to $HUB_SCREENSHOTS/<name>.png when that is set (the
    README's pictures are made this way)."""
    folder = os.environ.get(SCREENSHOTS_ENV)
    if not folder:
        return
    os.makedirs(folder, exist_ok=True)
    await page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)
