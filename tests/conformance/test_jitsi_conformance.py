"""The example provider passes the provider conformance kit, through the real pipeline."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import sqlalchemy as sa
from hub_jitsi import tables
from hub_jitsi.webhook import sign

from hub.api.app import create_app
from hub.models import Event, Ticket
from hub.runtime import HubRuntime, open_hub
from hub.testing.conformance import ProviderConformance
from tests.conftest import make_config

SECRET = "jitsi-app-secret-for-tests-0123456789"


def jitsi_config(db_url: str) -> dict:
    return {
        "base_url": "https://meet.example.org",
        "app_id": "hub",
        "app_secret": SECRET,
        "dial_in": [{"number": "+40 21 000 0000", "country": "RO"}],
    }


class TestJitsiConformance(ProviderConformance):
    provider = "jitsi"

    @asynccontextmanager
    async def hub(self, db_url: str) -> AsyncIterator[HubRuntime]:
        config = make_config(
            db_url, ["jitsi"], plugins={"jitsi": jitsi_config(db_url)}, default_provider="jitsi"
        )
        async with open_hub(config, run_workers=False) as runtime:
            yield runtime

    async def meeting_count(self, runtime: HubRuntime, event_id: str) -> int:
        async with runtime.db.connect() as conn:
            return (
                await conn.execute(
                    sa.select(sa.func.count()).where(tables.rooms.c.event_id == event_id)
                )
            ).scalar_one()

    async def registered(self, runtime: HubRuntime, event_id: str) -> set[str]:
        reg = tables.registrations
        async with runtime.db.connect() as conn:
            rows = await conn.execute(
                sa.select(reg.c.email).where(
                    reg.c.event_id == event_id, reg.c.status == "registered"
                )
            )
            return set(rows.scalars())

    async def report_attendance(
        self, runtime: HubRuntime, event: Event, tickets: list[Ticket]
    ) -> bool:
        async with runtime.db.connect() as conn:
            room = (
                await conn.execute(
                    sa.select(tables.rooms.c.room).where(tables.rooms.c.event_id == event.id)
                )
            ).scalar_one()
        start = event.starts_at
        messages = []
        for t in tickets:
            for action, at in (
                ("participant_joined", start),
                ("participant_left", start + timedelta(minutes=30)),
            ):
                messages.append(
                    {
                        "id": f"{t.id}-{action}",
                        "event": action,
                        "room": room,
                        "email": t.email,
                        "name": t.first_name,
                        "at": at.isoformat(),
                    }
                )
        messages.append({"id": f"{room}-end", "event": "room_destroyed", "room": room})
        transport = httpx.ASGITransport(app=create_app(runtime))
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            for message in messages:
                body = json.dumps(message).encode()
                r = await client.post(
                    "/webhooks/jitsi",
                    content=body,
                    headers={"x-jitsi-signature": sign(SECRET, int(time.time()), body)},
                )
                assert r.status_code == 200, r.text
        return True


async def test_unsigned_presence_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    kit = TestJitsiConformance()
    async with kit.hub(f"sqlite+aiosqlite:///{tmp_path / 'j.db'}") as runtime:
        transport = httpx.ASGITransport(app=create_app(runtime))
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            body = b'{"id": "x", "event": "room_destroyed", "room": "r"}'
            assert (await client.post("/webhooks/jitsi", content=body)).status_code == 401
            stale = sign(SECRET, int(time.time()) - 3600, body)
            r = await client.post(
                "/webhooks/jitsi", content=body, headers={"x-jitsi-signature": stale}
            )
            assert r.status_code == 401
            wrong = sign("another-secret-0123456789", int(time.time()), body)
            r = await client.post(
                "/webhooks/jitsi", content=body, headers={"x-jitsi-signature": wrong}
            )
            assert r.status_code == 401


async def test_personal_link_is_a_signed_room_token(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import jwt

    from hub.testing.conformance import sample_event, sample_ticket

    kit = TestJitsiConformance()
    async with kit.hub(f"sqlite+aiosqlite:///{tmp_path / 'j.db'}") as runtime:
        event = sample_event()
        await runtime.ingestor.publish_event(event)
        ticket = sample_ticket(event.id, 1)
        await runtime.ingestor.sell_ticket(ticket)
        await runtime.worker.drain()
        details = (await runtime.hub.get_ticket(event.id, ticket.id))[0]
        assert details is not None
        reg = await kit._registration(runtime, event.id, ticket.id)
        room_url, token = reg["join_url"].split("?jwt=")
        claims = jwt.decode(
            token, SECRET, algorithms=["HS256"], audience="jitsi", options={"verify_nbf": False}
        )
        assert room_url.endswith(claims["room"])
        assert claims["context"]["user"]["email"] == ticket.email
        assert claims["exp"] > event.starts_at.timestamp()
        try:
            jwt.decode(
                token,
                "another-secret-of-32-bytes-or-more",
                algorithms=["HS256"],
                audience="jitsi",
                options={"verify_nbf": False},
            )
        except jwt.InvalidSignatureError:
            pass
        else:
            raise AssertionError("a link signed with another secret must not verify")
