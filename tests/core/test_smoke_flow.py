"""The core path end to end: publish, sell, refund, through the API and the pipeline."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from hub.runtime import HubRuntime
from tests.conftest import event_body, ticket_body
from tests.support import testvideo as tv


async def effects(runtime: HubRuntime) -> list[tuple[str, str]]:
    async with runtime.db.connect() as conn:
        rows = (await conn.execute(sa.select(tv.effects.c.kind, tv.effects.c.key))).all()
    return sorted((r.kind, r.key) for r in rows)


async def test_publish_sell_refund(client: httpx.AsyncClient, hub_runtime: HubRuntime) -> None:
    r = await client.post("/api/v1/events/published", json=event_body())
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "accepted"
    for i in range(3):
        r = await client.post("/api/v1/tickets/sold", json=ticket_body(f"t-{i}"))
        assert r.status_code == 202, r.text
    await hub_runtime.worker.drain()  # registered first, so the refund has something to undo
    r = await client.post("/api/v1/tickets/refunded", json={"ticket_id": "t-1", "event_id": "ev-1"})
    assert r.status_code == 202, r.text
    await hub_runtime.worker.drain()
    assert await effects(hub_runtime) == [
        ("cancel", "ev-1:t-1"),
        ("meeting", "ev-1"),
        ("register", "ev-1:t-0"),
        ("register", "ev-1:t-1"),
        ("register", "ev-1:t-2"),
    ]
    r = await client.get("/api/v1/events/ev-1")
    assert r.status_code == 200
    body = r.json()
    assert body["meeting"]["join_url"] == "https://video.test/j/ev-1"
    assert body["sync"]["state"] == "synced"
    r = await client.get("/api/v1/events/ev-1/tickets/t-0")
    assert r.json()["join_url"] == "https://video.test/j/ev-1?tk=t-0"
    r = await client.get("/api/v1/events/ev-1/tickets/t-1")
    assert r.json()["registration"]["status"] == "cancelled"
    assert r.json()["join_url"] is None
