"""The Jitsi sandbox: nothing to start (the demo never opens the room links), only a
simulator that sends the presence events a Jitsi server would, signed as it would."""

from __future__ import annotations

import itertools
import json
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

import httpx

from hub.models import MeetingDetails
from hub.sandbox import Attendee, Sandbox
from hub_jitsi.webhook import PROVIDER, sign

SECRET_ENV = "HUB_SANDBOX_JITSI_SECRET"


class PresenceSimulator:
    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.hub_url: str | None = None
        self._ids = itertools.count(1)
        self._http = httpx.AsyncClient(timeout=10)

    async def attach(self, hub_url: str) -> None:
        self.hub_url = hub_url

    async def _send(self, message: dict[str, object]) -> None:
        assert self.hub_url, "attach() first"
        message["id"] = f"presence-{next(self._ids)}"
        body = json.dumps(message).encode()
        response = await self._http.post(
            f"{self.hub_url}/webhooks/{PROVIDER}",
            content=body,
            headers={
                "content-type": "application/json",
                "x-jitsi-signature": sign(self.secret, int(time.time()), body),
            },
        )
        response.raise_for_status()

    async def start(self, meeting: MeetingDetails, at: datetime) -> None:
        return None  # a Jitsi room opens when the first person arrives

    async def join(
        self, meeting: MeetingDetails, who: Attendee, at: datetime, device: str = "default"
    ) -> None:
        await self._send(
            {
                "event": "participant_joined",
                "room": meeting.meeting_id,
                "email": who.email,
                "name": who.name,
                "at": at.isoformat(),
            }
        )

    async def leave(
        self, meeting: MeetingDetails, who: Attendee, at: datetime, device: str = "default"
    ) -> None:
        await self._send(
            {
                "event": "participant_left",
                "room": meeting.meeting_id,
                "email": who.email,
                "name": who.name,
                "at": at.isoformat(),
            }
        )

    async def end(self, meeting: MeetingDetails, at: datetime) -> None:
        await self._send({"event": "room_destroyed", "room": meeting.meeting_id})

    async def record(self, meeting: MeetingDetails) -> bool:
        return False

    async def settle(self) -> None:
        return None

    async def aclose(self) -> None:
        await self._http.aclose()


@asynccontextmanager
async def jitsi_sandbox(work_dir: str) -> AsyncIterator[Sandbox]:
    secret = secrets.token_urlsafe(32)
    simulator = PresenceSimulator(secret)
    try:
        yield Sandbox(
            settings={
                "base_url": "https://meet.sandbox.invalid",
                "app_id": "hub-sandbox",
                "app_secret": {"env": SECRET_ENV},
                "dial_in": [{"number": "+1 555 0100", "country": "US", "country_name": "US"}],
            },
            simulator=simulator,
            env={SECRET_ENV: secret},
        )
    finally:
        await simulator.aclose()
