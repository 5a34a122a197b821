"""SIGKILL the hub mid-ingest: every ticket that got a 202 is delivered exactly once."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from hub.storage import tables
from hub.storage.database import Database
from tests.conftest import API_KEY, event_body, ticket_body
from tests.support import testvideo as tv
from tests.support.processes import HubProcess, free_port

TICKETS = 500


def write_config(path: Path, db_url: str) -> None:
    path.write_text(
        f"""
[hub]
default_video_provider = "testvideo"
[database]
url = "{db_url}"
[pipeline]
poll_interval_seconds = 0.05
backoff_base_seconds = 0.05
backoff_max_seconds = 0.5
lease_seconds = 3
hook_timeout_seconds = 2
[logging]
level = "warning"
[plugins]
enabled = ["testvideo"]
"""
    )


async def post_tickets(url: str, ids: list[str], accepted: set[str]) -> None:
    headers = {"Authorization": f"Bearer {API_KEY}"}
    sem = asyncio.Semaphore(16)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=5) as client:

        async def one(ticket_id: str) -> None:
            async with sem:
                try:
                    r = await client.post("/api/v1/tickets/sold", json=ticket_body(ticket_id))
                except httpx.HTTPError:
                    return  # no answer: the client may retry later
                if r.status_code == 202:
                    accepted.add(ticket_id)

        await asyncio.gather(*(one(i) for i in ids))


async def wait_drained(db: Database, timeout: float = 60) -> None:
    d = tables.deliveries
    async with asyncio.timeout(timeout):
        while True:
            async with db.connect() as conn:
                open_count = (
                    await conn.execute(
                        sa.select(sa.func.count())
                        .select_from(d)
                        .where(d.c.state.in_(("pending", "running")))
                    )
                ).scalar_one()
            if open_count == 0:
                return
            await asyncio.sleep(0.2)


async def test_sigkill_mid_ingest_loses_and_duplicates_nothing(db_url: str, tmp_path: Path) -> None:
    config = tmp_path / "hub.toml"
    write_config(config, db_url)
    hub = HubProcess(config, free_port(), tmp_path / "hub.log")
    hub.start()
    try:
        await _run(hub, db_url)
    finally:
        hub.stop()


async def _run(hub: HubProcess, db_url: str) -> None:
    headers = {"Authorization": f"Bearer {API_KEY}"}
    async with httpx.AsyncClient(base_url=hub.url, headers=headers) as client:
        assert (await client.post("/api/v1/events/published", json=event_body())).status_code == 202
    ids = [f"t-{i:04d}" for i in range(TICKETS)]
    accepted: set[str] = set()
    poster = asyncio.create_task(post_tickets(hub.url, ids, accepted))
    while len(accepted) < TICKETS // 2:
        await asyncio.sleep(0.01)
    hub.kill()
    await poster
    killed_with = len(accepted)
    assert 0 < killed_with < TICKETS
    hub.start()
    # The platform retries what got no 202 (all of it, as it cannot know which were
    # stored); idempotent ingest makes that safe.
    await post_tickets(hub.url, ids, accepted)
    for _ in range(5):
        missing = [i for i in ids if i not in accepted]
        if not missing:
            break
        await post_tickets(hub.url, missing, accepted)
    assert accepted == set(ids)
    db = Database(db_url)
    try:
        await wait_drained(db)
        async with db.connect() as conn:
            effects = (
                (
                    await conn.execute(
                        sa.select(tv.effects.c.key).where(tv.effects.c.kind == "register")
                    )
                )
                .scalars()
                .all()
            )
            calls = (
                await conn.execute(
                    sa.select(sa.func.count())
                    .select_from(tv.calls)
                    .where(tv.calls.c.hook == "on_ticket_sold")
                )
            ).scalar_one()
            d = tables.deliveries
            per_ticket = (
                await conn.execute(
                    sa.select(d.c.ticket_id, sa.func.count())
                    .where(d.c.plugin == "testvideo", d.c.hook == "on_ticket_sold")
                    .group_by(d.c.ticket_id)
                )
            ).all()
            dead = (
                await conn.execute(
                    sa.select(sa.func.count()).select_from(d).where(d.c.state == "dead")
                )
            ).scalar_one()
    finally:
        await db.dispose()
    assert sorted(effects) == sorted(f"ev-1:{i}" for i in ids)
    assert all(count == 1 for _, count in per_ticket) and len(per_ticket) == TICKETS
    assert dead == 0
    print(
        json.dumps(
            {
                "tickets": TICKETS,
                "accepted_before_kill": killed_with,
                "hook_calls": calls,
                "redelivered_after_crash": calls - TICKETS,
                "registered": len(effects),
            }
        )
    )


pytestmark = pytest.mark.timeout(180)
