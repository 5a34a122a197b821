"""The fault run again, with the hub SIGKILLed three times: during a batch registration,
during a token refresh and at a random moment.

The hub is a real ``hub serve``-like process; the emulator runs in another process. To
kill at the two named moments, the emulator holds the answers of that route for a moment
*after* acting on them (``support/emulator_main.py``), and the kill comes while the
emulator's statistics show the call unanswered: Zoom registered the batch (or issued the
token), the hub never learns it. The third kill comes at a random moment of the sales
(the seed is printed).

The ticketing side behaves like a real platform: a request that got a 202 is done; one
that got no answer (the hub was dead or died mid-request) is sent again, identical, until
it gets its 202. Afterwards: the same exact counts as the fault run, every 202 kept
(a ``ticket.sold`` fact per ticket, one delivery each), and no duplicate on Zoom.

It runs on SQLite, the single-process deployment whose durability after a SIGKILL rests
on the WAL alone, and on PostgreSQL (advisory refresh lock released by the dying session,
leases given back to the next process), there at half the size by default
(``HUB_RELIABILITY_PG_SHARE``, 1 = the full size) to keep the suite's time budget.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hub.storage import tables
from hub.storage.database import Database
from tests.reliability.support.procs import (
    EmulatorProcess,
    HubProcess,
    cpu_seconds,
    free_port,
    write_hub_config,
)
from tests.reliability.support.report import emit
from tests.reliability.support.zoomload import (
    LoadPlan,
    Posted,
    control,
    fault_rules,
    pending_in_ledger,
    post_all,
    publish,
    verify,
    wait_until_drained,
)
from tests.support.databases import fresh_database, postgres_url

SCALE = float(os.environ.get("HUB_RELIABILITY_SCALE", "1"))
SEED = int(os.environ.get("HUB_RELIABILITY_SEED", "20261127"))
BATCH = "/v2/*/batch_registrants"
TOKEN = "/oauth/token"
HELD_SECONDS = 2.0


# Half the size on PostgreSQL by default: the suite's time budget on a 2-core machine
# (the fault run carries the full size on both databases).
PG_SHARE = float(os.environ.get("HUB_RELIABILITY_PG_SHARE", "0.5"))


def plan(share: float = 1.0) -> LoadPlan:
    return LoadPlan(
        webinar_tickets=int(5000 * SCALE * share), meeting_tickets=int(2000 * SCALE * share)
    )


def in_flight(stats: dict[str, Any], fragment: str) -> int:
    """Calls the emulator received on routes containing ``fragment`` but not yet answered."""
    calls = sum(n for route, n in stats["calls"].items() if fragment in route)
    answered = sum(n for key, n in stats["statuses"].items() if fragment in key.rsplit(" ", 1)[0])
    return calls - answered


async def registered(control_url: str) -> int:
    meetings = (await control(control_url, "GET", "/state/meetings"))["meetings"]
    return sum(m["registrants"] for m in meetings)


class Killer:
    """Kills and restarts the hub, and keeps the story of each kill for the figures."""

    def __init__(self, hub: HubProcess, zoom: EmulatorProcess) -> None:
        self.hub, self.zoom = hub, zoom
        self.kills: list[dict[str, Any]] = []
        self.cpu: list[float] = []

    async def _kill(self, moment: str, **facts: Any) -> None:
        self.cpu.append(cpu_seconds(self.hub.proc) or 0.0)
        self.hub.kill()
        await asyncio.to_thread(self.zoom.delay_answers, None)
        facts["registrants_on_zoom"] = await registered(self.zoom.control_url)
        self.kills.append({"moment": moment, **facts})
        started = time.monotonic()
        await asyncio.to_thread(self.hub.start)
        self.kills[-1]["restart_seconds"] = round(time.monotonic() - started, 1)

    async def when_in_flight(self, path_glob: str, fragment: str, prepare: Any = None) -> None:
        await asyncio.to_thread(self.zoom.delay_answers, path_glob, HELD_SECONDS)
        if prepare is not None:
            await prepare()
        async with asyncio.timeout(120):
            while True:
                stats = await control(self.zoom.control_url, "GET", "/stats")
                if in_flight(stats, fragment) > 0:
                    # Still unanswered 0.3 s later: a held answer, the call done at Zoom.
                    await asyncio.sleep(0.3)
                    stats = await control(self.zoom.control_url, "GET", "/stats")
                    if (n := in_flight(stats, fragment)) > 0:
                        break
                await asyncio.sleep(0.02)
        await self._kill(f"{fragment} in flight", calls_in_flight=n)

    async def at_random(self, rng: random.Random, low: float, high: float) -> None:
        delay = rng.uniform(low, high)
        await asyncio.sleep(delay)
        await self._kill("random", seconds_after_previous_restart=round(delay, 1))


async def wait_for(control_url: str, count: int) -> None:
    while await registered(control_url) < count:
        await asyncio.sleep(0.2)


@pytest.mark.slow
@pytest.mark.timeout(1200)
async def test_sigkill_three_times_loses_and_duplicates_nothing(
    sqlite_url: str, tmp_path: Path
) -> None:
    await run(sqlite_url, tmp_path, plan())


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.timeout(1200)
@pytest.mark.skipif(postgres_url() is None, reason="set HUB_TEST_POSTGRES_URL")
async def test_sigkill_three_times_loses_and_duplicates_nothing_on_postgresql(
    tmp_path: Path,
) -> None:
    """The same run on PostgreSQL (``PG_SHARE`` of the size: 3,500 tickets by default)."""
    with fresh_database("postgres", tmp_path) as db_url:
        await run(db_url, tmp_path, plan(PG_SHARE))


async def run(db_url: str, tmp_path: Path, load: LoadPlan) -> None:
    rules = fault_rules(seed=11)
    rng = random.Random(SEED)
    zoom = EmulatorProcess(tmp_path, webinar_capacity=load.webinar_tickets + 1000, seed=11)
    # Leases shorter than the default 120 s so work held by a killed process comes back
    # within the test; they stay longer than any hook may run (hook_timeout_seconds).
    config = write_hub_config(
        tmp_path / "hub.toml",
        db_url,
        zoom.zoom_settings(unavailable_retry_seconds=2.0),
        pipeline={
            "max_attempts": 12,
            "backoff_base_seconds": 0.2,
            "backoff_max_seconds": 5.0,
            "hook_timeout_seconds": 20.0,
            "lease_seconds": 25.0,
        },
    )
    hub = HubProcess(config, free_port(), tmp_path / "hub.log")
    db = Database(db_url)
    killer = Killer(hub, zoom)
    started = time.monotonic()
    try:
        await asyncio.to_thread(zoom.start)
        await asyncio.to_thread(hub.start)
        await control(zoom.control_url, "POST", "/faults", rules)
        await publish(hub.url, load)
        sales, refunds = Posted(), Posted()
        poster = asyncio.create_task(
            post_all(hub.url, "/api/v1/tickets/sold", load.tickets(), sales, retry_for=900)
        )

        await wait_for(zoom.control_url, load.total // 8)
        await killer.when_in_flight(BATCH, "batch_registrants")
        # Holders refunded while their registration was at Zoom and the hub was down: the
        # batch took effect at Zoom, so the refund must reach Zoom too (the ledger rows
        # are still "pending": the refund cancels them on Zoom by email).
        cut_off = await pending_in_ledger(db)
        extra = {event: set(sorted(ids)[:3]) for event, ids in cut_off.items()}
        extra_refunds = [
            {"ticket_id": ticket_id, "event_id": event_id}
            for event_id, ids in extra.items()
            for ticket_id in sorted(ids)
        ]
        await post_all(hub.url, "/api/v1/tickets/refunded", extra_refunds, Posted(), retry_for=120)

        async def expire_tokens() -> None:
            await control(zoom.control_url, "POST", "/tokens/expire")

        await wait_for(zoom.control_url, load.total * 3 // 8)
        await killer.when_in_flight(TOKEN, "/oauth/token", expire_tokens)

        await killer.at_random(rng, 1.0, 15.0)
        await poster
        await post_all(hub.url, "/api/v1/tickets/refunded", load.refunds(), refunds, retry_for=300)
        drained = await wait_until_drained(db, timeout=900)
        elapsed = time.monotonic() - started
        verdict = await verify(db, zoom.control_url, load, extra)
        stats = await control(zoom.control_url, "GET", "/stats")
        killer.cpu.append(cpu_seconds(hub.proc) or 0.0)
        f, d = tables.facts, tables.deliveries
        async with db.connect() as conn:
            sold_facts = (
                await conn.execute(sa.select(sa.func.count()).where(f.c.kind == "ticket.sold"))
            ).scalar_one()
            per_ticket = (
                await conn.execute(
                    sa.select(d.c.ticket_id, sa.func.count())
                    .where(d.c.plugin == "zoom", d.c.hook == "on_ticket_sold")
                    .group_by(d.c.ticket_id)
                )
            ).all()
            tickets = (
                await conn.execute(sa.select(sa.func.count()).select_from(tables.tickets))
            ).scalar_one()
    finally:
        await db.dispose()
        hub.stop()
        emulator_figures = zoom.stop()

    figures = {
        "backend": "postgresql" if "postgresql" in db_url else "sqlite",
        "seed": SEED,
        "tickets": load.total,
        "sales_accepted": len(sales.accepted),
        "sale_posts": sales.attempts,
        "sale_statuses": dict(sales.statuses),
        "sale_posts_without_answer": sales.no_answer,
        "kills": killer.kills,
        "cut_off_registrations": {e: len(ids) for e, ids in cut_off.items()},
        "refunded_while_cut_off": {e: sorted(ids) for e, ids in extra.items()},
        "token_grants": stats["token_grants"],
        "zoom_calls": sum(stats["calls"].values()),
        "injected": stats["injected"],
        "registration_requests": emulator_figures.get("registration_requests"),
        "requests_per_registrant": emulator_figures.get("requests_per_registrant"),
        "ticket_sold_facts": sold_facts,
        "hub_cpu_seconds": round(sum(killer.cpu), 1),
        "drain_seconds_after_refunds": round(drained, 1),
        "total_seconds": round(elapsed, 1),
        **verdict.figures,
    }
    emit("zoom crashes", figures)
    assert len(killer.kills) == 3
    assert all(k["calls_in_flight"] > 0 for k in killer.kills[:2]), killer.kills
    assert sum(len(ids) for ids in extra.values()) > 0, cut_off
    assert not verdict.problems, "\n".join(verdict.problems)
    assert len(sales.accepted) == load.total and len(refunds.accepted) == len(load.refunds())
    # Every 202 was kept, once: one fact and one delivery per ticket, one row per ticket.
    assert sold_facts == load.total and tickets == load.total
    assert len(per_ticket) == load.total and all(n == 1 for _, n in per_ticket)
    # A batch cut off by a kill may be sent again; Zoom answers a repeat with the same
    # registrant (asserted by ``verify``), so a resend is harmless but must stay rare.
    resent = sum(
        int(n) for times, n in emulator_figures["requests_per_registrant"].items() if times != "1"
    )
    assert resent <= 3 * 30, emulator_figures
