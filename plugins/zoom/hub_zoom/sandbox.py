"""The Zoom sandbox: the plugin's own Zoom emulator on loopback, for ``hub demo`` and
trials before a Zoom app exists. The plugin is configured exactly as for real Zoom, with
``api_base_url`` and ``oauth_base_url`` pointing at the emulator; the meeting simulator
drives the emulator's control API, which then sends the signed webhooks Zoom would send.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import httpx

from hub.models import MeetingDetails
from hub.sandbox import Attendee, Sandbox
from hub_zoom.emulator.testing import EmulatorHandle, running_emulator

CLIENT_SECRET_ENV = "HUB_SANDBOX_ZOOM_CLIENT_SECRET"
WEBHOOK_SECRET_ENV = "HUB_SANDBOX_ZOOM_WEBHOOK_SECRET"


class EmulatorMeetingSimulator:
    def __init__(self, zoom: EmulatorHandle) -> None:
        self.zoom = zoom
        self.http = httpx.AsyncClient(base_url=zoom.control_url, timeout=60)

    async def _post(self, path: str, body: dict[str, Any]) -> Any:
        response = await self.http.post(path, json=body)
        response.raise_for_status()
        return response.json()

    async def attach(self, hub_url: str) -> None:
        await self._post("/webhooks/url", {"url": f"{hub_url}/webhooks/zoom"})

    async def start(self, meeting: MeetingDetails, at: datetime) -> None:
        await self._post(f"/meetings/{meeting.meeting_id}/start", {"at": at.isoformat()})

    async def join(
        self, meeting: MeetingDetails, who: Attendee, at: datetime, device: str = "default"
    ) -> None:
        await self._post(
            f"/meetings/{meeting.meeting_id}/join",
            {"email": who.email, "device_id": device, "at": at.isoformat()},
        )

    async def leave(
        self, meeting: MeetingDetails, who: Attendee, at: datetime, device: str = "default"
    ) -> None:
        await self._post(
            f"/meetings/{meeting.meeting_id}/leave",
            {"email": who.email, "device_id": device, "at": at.isoformat()},
        )

    async def end(self, meeting: MeetingDetails, at: datetime) -> None:
        await self._post(f"/meetings/{meeting.meeting_id}/end", {"at": at.isoformat()})

    async def record(self, meeting: MeetingDetails) -> bool:
        await self._post(f"/meetings/{meeting.meeting_id}/recording", {})
        return True

    async def settle(self) -> None:
        await self._post("/webhooks/drain", {"timeout": 60})

    async def aclose(self) -> None:
        await self.http.aclose()


@asynccontextmanager
async def zoom_sandbox(work_dir: str) -> AsyncIterator[Sandbox]:
    client_secret = secrets.token_urlsafe(24)
    webhook_secret = secrets.token_urlsafe(24)
    async with running_emulator(
        client_id="sandboxClientId",
        client_secret=client_secret,
        account_id="sandboxAccount",
        webhook_secret=webhook_secret,
        redelivery_compression=600,
    ) as zoom:
        simulator = EmulatorMeetingSimulator(zoom)
        try:
            yield Sandbox(
                settings={
                    "auth": "server_to_server",
                    "account_id": zoom.config.account_id,
                    "client_id": zoom.config.client_id,
                    "client_secret": {"env": CLIENT_SECRET_ENV},
                    "webhook_secret_token": {"env": WEBHOOK_SECRET_ENV},
                    "api_base_url": zoom.api_base_url,
                    "oauth_base_url": zoom.oauth_base_url,
                    "plan": "pro",
                    "batch_linger_seconds": 0.1,
                    "report_retry_seconds": 1.0,
                },
                simulator=simulator,
                env={CLIENT_SECRET_ENV: client_secret, WEBHOOK_SECRET_ENV: webhook_secret},
            )
        finally:
            await simulator.aclose()
