"""The worker's bookkeeping is batched: one read per claim, one outcome statement per shape.

These prove the batching keeps every delivery's own answer: each outcome lands on its own
row, a worker that lost its lease changes nothing, and a burst of sales is claimed and read
in a handful of statements rather than one per sale.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy import event as sa_event

from hub.config.schema import HubConfig
from hub.models import Event, Ticket
from hub.pipeline import group_commit as gc
from hub.pipeline.claims import claim
from hub.pipeline.facts import utcnow
from hub.storage import tables
from tests.conftest import event_body, running_hub, ticket_body
from tests.support.testvideo import TestVideoProvider

SALES = 40


async def sell(runtime: Any, count: int) -> None:
    ingestor = runtime.ingestor
    await ingestor.publish_event(msgspec.convert(event_body(), Event))
    await asyncio.gather(
        *(
            ingestor.sell_ticket(msgspec.convert(ticket_body(f"t-{i}"), Ticket))
            for i in range(count)
        )
    )


async def delivery_rows(runtime: Any) -> dict[int, Any]:
    d = tables.deliveries
    async with runtime.db.connect() as conn:
        rows = (await conn.execute(sa.select(d))).all()
    return {row.id: row for row in rows}


async def test_outcomes_of_one_group_land_on_their_own_rows(
    config_factory: Callable[..., HubConfig], testvideo: TestVideoProvider
) -> None:
    async for runtime in running_hub(config_factory(), {"testvideo": testvideo}, run_workers=False):
        await sell(runtime, 6)
        d = tables.deliveries
        async with runtime.db.transaction() as conn:  # the event's own delivery went first
            await conn.execute(sa.update(d).where(d.c.barrier.is_(True)).values(state="done"))
        now = utcnow()
        mine = await claim(runtime.db, "w-mine", 100, now, 60)
        assert len(mine) >= 6
        stolen, *rest = mine
        # The first delivery's lease ran out and another worker holds it now.
        async with runtime.db.transaction() as conn:
            await conn.execute(sa.update(d).where(d.c.id == stolen.id).values(worker="w-other"))
        later = now + timedelta(seconds=30)
        shapes = [
            {"state": "done", "finished_at": now, "last_error": None, "error_kind": None},
            {"state": "pending", "due_at": later, "last_error": "busy", "error_kind": "retry"},
            {"state": "dead", "finished_at": now, "last_error": "gone", "error_kind": "permanent"},
        ]
        committer = gc.group_commit(runtime.db)
        wanted = {row.id: shapes[i % 3] for i, row in enumerate(rest)}
        await asyncio.gather(
            committer.submit(gc.OutcomeOp(stolen.id, "w-mine", dict(shapes[0]))),
            *(
                committer.submit(gc.OutcomeOp(row_id, "w-mine", dict(values)))
                for row_id, values in wanted.items()
            ),
        )
        stored = await delivery_rows(runtime)
        assert stored[stolen.id].state == "running", "a lost lease must change nothing"
        assert stored[stolen.id].worker == "w-other"
        for row_id, values in wanted.items():
            row = stored[row_id]
            assert row.state == values["state"], row_id
            assert row.last_error == values["last_error"], row_id
            assert row.error_kind == values["error_kind"], row_id
        assert stored[rest[1].id].due_at.replace(tzinfo=None) == later.replace(tzinfo=None)


async def test_a_burst_is_claimed_and_read_in_batches(
    config_factory: Callable[..., HubConfig], testvideo: TestVideoProvider
) -> None:
    async for runtime in running_hub(config_factory(), {"testvideo": testvideo}, run_workers=False):
        await sell(runtime, SALES)
        statements: list[str] = []

        def seen(
            _conn: Any, _cursor: Any, statement: str, *_: Any, sink: list[str] = statements
        ) -> None:
            sink.append(" ".join(statement.split()).lower())

        engine = runtime.db.engine.sync_engine
        sa_event.listen(engine, "before_cursor_execute", seen)
        try:
            await runtime.worker.drain()
        finally:
            sa_event.remove(engine, "before_cursor_execute", seen)
        stored = await delivery_rows(runtime)
        assert len(stored) > SALES
        assert {row.state for row in stored.values()} == {"done"}
        claims = [
            s
            for s in statements
            if s.startswith("update hub_deliveries set state=") and " returning " in s
        ]
        reads = [
            s
            for s in statements
            if s.startswith("select hub_facts.id") and "left outer join hub_tickets" in s
        ]
        # A burst is claimed in a few statements, never one claim per delivery, and each
        # claim that found work reads its facts once.
        assert 0 < len(claims) <= SALES // 4, len(claims)
        assert 0 < len(reads) <= len(claims), (len(reads), len(claims))
