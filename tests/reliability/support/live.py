"""A hub on real loopback HTTP with the Zoom plugin pointed at an emulator in this process.

Like ``tests.zoom.conftest.zoom_hub``, with what the reliability proofs need on top: more
plugins enabled (the schema run covers every route), JSON logs written to a stream of the
test's choosing (the secrets scan reads them), and the emulator's own settings (distinct
secrets, so a hit in a scan cannot be a coincidence).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TextIO

import httpx
from hub_zoom.emulator.testing import EmulatorHandle, running_emulator

from hub.api.app import create_app
from hub.api.serving import serve_app
from hub.observability.logging import configure_logging
from hub.runtime import HubRuntime, open_hub
from tests.conftest import API_KEY, make_config
from tests.zoom.conftest import WEBHOOK_SECRET, zoom_settings


@dataclass
class LiveHub:
    runtime: HubRuntime
    url: str
    zoom: EmulatorHandle
    api: httpx.AsyncClient

    async def drain(self, timeout: float = 60.0) -> None:
        await self.runtime.worker.drain(timeout)


@asynccontextmanager
async def live_hub(
    db_url: str,
    *,
    enabled: list[str] | None = None,
    zoom_overrides: dict[str, Any] | None = None,
    emulator_overrides: dict[str, Any] | None = None,
    pipeline: dict[str, Any] | None = None,
    log_stream: TextIO | None = None,
    log_level: str = "warning",
    webhook_secret: str = WEBHOOK_SECRET,
) -> AsyncIterator[LiveHub]:
    """Emulator, hub and HTTP server; with ``log_stream`` the hub logs JSON lines there."""
    async with running_emulator(
        webhook_secret=webhook_secret,
        redelivery_compression=600,
        **(emulator_overrides or {}),
    ) as zoom:
        settings = zoom_settings(zoom, webhook_secret_token=webhook_secret)
        settings.update(zoom_overrides or {})
        config = make_config(
            db_url,
            enabled or ["zoom"],
            plugins={"zoom": settings},
            default_provider="zoom",
            pipeline=pipeline or {},
        )
        if log_stream is not None:
            configure_logging("json", log_level, stream=log_stream)
        try:
            async with (
                open_hub(config, configure_logs=log_stream is None) as runtime,
                serve_app(create_app(runtime)) as url,
            ):
                async with httpx.AsyncClient() as control:
                    response = await control.post(
                        f"{zoom.control_url}/webhooks/url", json={"url": f"{url}/webhooks/zoom"}
                    )
                    response.raise_for_status()
                async with httpx.AsyncClient(
                    base_url=url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=60
                ) as api:
                    yield LiveHub(runtime, url, zoom, api)
        finally:
            if log_stream is not None:
                configure_logging("console", "warning")
