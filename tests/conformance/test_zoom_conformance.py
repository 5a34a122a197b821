"""The Zoom provider passes the provider conformance kit, against the Zoom emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import sqlalchemy as sa
from hub_zoom.emulator.testing import EmulatorHandle, running_emulator
from hub_zoom.storage import tables as zoom_tables

from hub.api.app import create_app
from hub.api.serving import serve_app
from hub.models import Event, Ticket
from hub.runtime import HubRuntime, open_hub
from hub.testing.conformance import ProviderConformance
from tests.conftest import make_config
from tests.zoom.conftest import WEBHOOK_SECRET, zoom_settings


class TestZoomConformance(ProviderConformance):
    provider = "zoom"
    zoom: EmulatorHandle

    @asynccontextmanager
    async def hub(self, db_url: str) -> AsyncIterator[HubRuntime]:
        async with running_emulator(
            webhook_secret=WEBHOOK_SECRET, redelivery_compression=600
        ) as zoom:
            self.zoom = zoom
            config = make_config(
                db_url,
                ["zoom"],
                default_provider="zoom",
                plugins={"zoom": zoom_settings(zoom, report_retry_seconds=0.2)},
            )
            async with (
                open_hub(config, run_workers=False) as runtime,
                serve_app(create_app(runtime)) as url,
            ):
                async with httpx.AsyncClient() as control:
                    await control.post(
                        f"{zoom.control_url}/webhooks/url", json={"url": f"{url}/webhooks/zoom"}
                    )
                yield runtime

    async def _meeting_id(self, runtime: HubRuntime, event_id: str) -> str:
        m = zoom_tables.meetings
        async with runtime.db.connect() as conn:
            return (
                await conn.execute(sa.select(m.c.meeting_id).where(m.c.event_id == event_id))
            ).scalar_one()

    async def _control(self, method: str, path: str, **kwargs: object) -> dict:
        async with httpx.AsyncClient(base_url=self.zoom.control_url, timeout=30) as control:
            response = await control.request(method, path, **kwargs)  # type: ignore[arg-type]
            response.raise_for_status()
            return response.json()

    async def meeting_count(self, runtime: HubRuntime, event_id: str) -> int:
        meetings = (await self._control("GET", "/state/meetings"))["meetings"]
        return sum(1 for m in meetings if not m.get("deleted"))

    async def registered(self, runtime: HubRuntime, event_id: str) -> set[str]:
        meeting_id = await self._meeting_id(runtime, event_id)
        state = await self._control(
            "GET", "/state/registrants", params={"meeting_id": meeting_id, "status": "approved"}
        )
        return {r["email"] for r in state["registrants"]}

    async def report_attendance(
        self, runtime: HubRuntime, event: Event, tickets: list[Ticket]
    ) -> bool:
        meeting_id = await self._meeting_id(runtime, event.id)
        start = event.starts_at
        await self._control("POST", f"/meetings/{meeting_id}/start", json={"at": start.isoformat()})
        for t in tickets:
            await self._control(
                "POST",
                f"/meetings/{meeting_id}/join",
                json={"email": t.email, "at": start.isoformat()},
            )
        leave = start + timedelta(minutes=30)
        for t in tickets:
            await self._control(
                "POST",
                f"/meetings/{meeting_id}/leave",
                json={"email": t.email, "at": leave.isoformat()},
            )
        await self._control("POST", f"/meetings/{meeting_id}/end", json={"at": leave.isoformat()})
        await self._control("POST", "/webhooks/drain", json={"timeout": 30})
        return True
