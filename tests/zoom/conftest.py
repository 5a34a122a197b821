"""A hub with the Zoom plugin pointed at a running emulator, both on real loopback HTTP.

The emulator's webhooks are delivered to the hub's own ``POST /webhooks/zoom`` over HTTP,
signed with the secret both were configured with.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from hub.api.app import create_app
from hub.runtime import HubRuntime, open_hub
from hub_zoom.emulator.testing import EmulatorHandle, running_emulator
from tests.conftest import API_KEY, make_config
from tests.support.serving import serve_app

WEBHOOK_SECRET = "zoom-webhook-secret-for-tests"


@dataclass
class ZoomHub:
    runtime: HubRuntime
    url: str
    zoom: EmulatorHandle
    api: httpx.AsyncClient

    async def drain(self, timeout: float = 60.0) -> None:
        await self.runtime.worker.drain(timeout)


def zoom_settings(zoom: EmulatorHandle, **overrides: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "auth": "server_to_server",
        "account_id": zoom.config.account_id,
        "client_id": zoom.config.client_id,
        "client_secret": zoom.config.client_secret,
        "api_base_url": zoom.api_base_url,
        "oauth_base_url": zoom.oauth_base_url,
        "plan": zoom.config.plan,
        "webhook_secret_token": WEBHOOK_SECRET,
        "batch_linger_seconds": 0.05,
    }
    settings.update(overrides)
    return settings


@asynccontextmanager
async def zoom_hub(
    db_url: str,
    *,
    enabled: list[str] | None = None,
    zoom_overrides: dict[str, Any] | None = None,
    emulator_overrides: dict[str, Any] | None = None,
    plugins: dict[str, dict[str, Any]] | None = None,
    pipeline: dict[str, Any] | None = None,
) -> AsyncIterator[ZoomHub]:
    """Emulator first (its webhook URL is set once the hub's port is known), then the hub."""
    async with running_emulator(
        webhook_secret=WEBHOOK_SECRET, redelivery_compression=600, **(emulator_overrides or {})
    ) as zoom:
        config = make_config(
            db_url,
            enabled or ["zoom"],
            plugins={"zoom": zoom_settings(zoom, **(zoom_overrides or {})), **(plugins or {})},
            default_provider="zoom",
            pipeline=pipeline or {},
        )
        async with open_hub(config) as runtime, serve_app(create_app(runtime)) as url:
            zoom.state.set_webhook_url(f"{url}/webhooks/zoom")
            async with httpx.AsyncClient(
                base_url=url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30
            ) as api:
                yield ZoomHub(runtime, url, zoom, api)


@pytest.fixture
def zoom_hub_factory(db_url: str) -> Callable[..., Any]:
    def factory(**kwargs: Any) -> Any:
        return zoom_hub(db_url, **kwargs)

    return factory
