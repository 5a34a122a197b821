"""Group commit: sales stored together answer exactly as if stored one after the other."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import pytest
import sqlalchemy as sa

from hub.models import Event, Refund, Ticket
from hub.pipeline import group_commit as gc
from hub.pipeline.ingest import IngestRejected, IngestResult
from hub.pipeline.routing import FactKind, Target
from hub.runtime import HubRuntime
from hub.storage import tables
from tests.conftest import event_body, ticket_body


def ticket(ticket_id: str, event_id: str = "ev-1", **changes: Any) -> Ticket:
    return msgspec.convert(ticket_body(ticket_id, event_id, **changes), Ticket)


def group_sizes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Sizes of the groups holding ingest operations. The running worker's outcome
    statements share the committer and may ride along or commit alone; they are not
    counted."""
    sizes: list[int] = []
    commit = gc.GroupCommit._commit

    async def counted(self: gc.GroupCommit, items: list[Any]) -> Any:
        ingest = sum(1 for item in items if item.op.kind not in ("statement", "outcome"))
        if ingest:
            sizes.append(ingest)
        return await commit(self, items)

    monkeypatch.setattr(gc.GroupCommit, "_commit", counted)
    return sizes


async def facts_by_key(runtime: HubRuntime) -> dict[str, int]:
    f, d = tables.facts, tables.deliveries
    query = (
        sa.select(f.c.fact_key, sa.func.count(d.c.id))
        .select_from(f.outerjoin(d, d.c.fact_id == f.c.id))
        .group_by(f.c.fact_key)
    )
    async with runtime.db.connect() as conn:
        return {key: n for key, n in (await conn.execute(query)).all()}


async def ticket_states(runtime: HubRuntime) -> dict[str, tuple[str, Any]]:
    t = tables.tickets
    async with runtime.db.connect() as conn:
        rows = (await conn.execute(sa.select(t.c.id, t.c.status, t.c.body))).all()
    return {r.id: (r.status, r.body.get("last_name")) for r in rows}


async def test_one_group_answers_like_one_by_one(
    hub_runtime: HubRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingestor = hub_runtime.ingestor
    await ingestor.publish_event(msgspec.convert(event_body(), Event))
    sizes = group_sizes(monkeypatch)
    results = await asyncio.gather(
        ingestor.sell_ticket(ticket("t-1")),
        ingestor.sell_ticket(ticket("t-1")),  # the same sale again: nothing new
        ingestor.sell_ticket(ticket("t-2")),
        ingestor.refund_ticket(Refund(ticket_id="t-3", event_id="ev-1")),  # before its sale
        ingestor.sell_ticket(ticket("t-3")),  # the late sale registers nobody
        ingestor.sell_ticket(ticket("t-4", "no-such-event")),  # refused alone
        ingestor.sell_ticket(ticket("t-1", last_name="Ionescu")),  # changed body: an update
        return_exceptions=True,
    )
    assert sizes == [7], "the seven operations were meant to share one transaction"
    statuses = [r.status if isinstance(r, IngestResult) else r for r in results]
    assert statuses[:5] == ["accepted", "duplicate", "accepted", "accepted", "ignored"]
    assert isinstance(statuses[5], IngestRejected) and statuses[5].status == 404
    assert statuses[6] == "updated"
    accepted, _, second, refund, _, _, updated = results
    assert isinstance(accepted, IngestResult) and accepted.fact_id is not None
    assert isinstance(second, IngestResult) and second.fact_id is not None
    assert isinstance(refund, IngestResult) and refund.reason == "refund recorded before its sale"
    assert isinstance(updated, IngestResult) and updated.fact_id is not None
    assert len({accepted.fact_id, second.fact_id, updated.fact_id}) == 3
    keys = await facts_by_key(hub_runtime)
    ticket_keys = sorted(k for k in keys if k.startswith("ticket."))
    assert ticket_keys[:2] == ["ticket.sold:ev-1:t-1", "ticket.sold:ev-1:t-2"]
    assert len(ticket_keys) == 3 and ticket_keys[2].startswith("ticket.updated:ev-1:t-1:")
    assert all(keys[k] >= 1 for k in ticket_keys), "every fact has its deliveries"
    assert await ticket_states(hub_runtime) == {
        "t-1": ("sold", "Ionescu"),
        "t-2": ("sold", "Popescu"),
        "t-3": ("refunded", None),
    }


async def test_a_failed_group_is_split_and_no_answer_lies(
    hub_runtime: HubRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One operation the database refuses fails alone; the others are stored and say so."""
    ingestor = hub_runtime.ingestor
    await ingestor.publish_event(msgspec.convert(event_body(), Event))
    sizes = group_sizes(monkeypatch)
    committer = gc.group_commit(hub_runtime.db)
    poison = gc.FactOp(
        FactKind.WEBHOOK,
        fact_key="webhook:test:poison",
        payload={"not json": object()},  # the JSON column refuses it at flush
        targets=[],
    )
    results = await asyncio.gather(
        ingestor.sell_ticket(ticket("t-1")),
        committer.submit(poison),
        ingestor.sell_ticket(ticket("t-2")),
        return_exceptions=True,
    )
    assert sizes[0] == 3 and sizes[1:] == [1, 1, 1], sizes
    first, failed, second = results
    assert isinstance(failed, Exception)
    assert isinstance(first, IngestResult) and first.status == "accepted"
    assert isinstance(second, IngestResult) and second.status == "accepted"
    keys = await facts_by_key(hub_runtime)
    assert "webhook:test:poison" not in keys
    assert {"ticket.sold:ev-1:t-1", "ticket.sold:ev-1:t-2"} <= set(keys)


async def test_a_fact_key_stored_before_is_skipped_without_reading_it_first(
    hub_runtime: HubRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key an earlier group (or another process) stored answers None and adds no
    delivery; the group's other facts are stored, in one attempt, and the facts table is
    not read first (ON CONFLICT DO NOTHING ... RETURNING: one round trip less per group)."""
    committer = gc.group_commit(hub_runtime.db)
    target = [Target("testvideo", "on_webhook", False)]

    def op(key: str) -> gc.FactOp:
        payload = {
            "provider": "testvideo",
            "event_type": "test.event",
            "received_at": "2030-01-01T00:00:00+00:00",
            "payload": {"k": key},
        }
        return gc.FactOp(FactKind.WEBHOOK, fact_key=key, payload=payload, targets=target)

    first = await committer.submit(op("webhook:test:a"))
    assert isinstance(first, int)
    sizes = group_sizes(monkeypatch)
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(" ".join(statement.split()).lower())

    engine = hub_runtime.db.engine.sync_engine
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        again, fresh = await asyncio.gather(
            committer.submit(op("webhook:test:a")), committer.submit(op("webhook:test:b"))
        )
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert again is None and isinstance(fresh, int) and fresh != first
    assert sizes == [2]
    # The running worker may read the first fact's delivery meanwhile; that is not it.
    assert not [s for s in statements if "where hub_facts.fact_key in" in s]
    keys = await facts_by_key(hub_runtime)
    assert keys["webhook:test:a"] == 1 and keys["webhook:test:b"] == 1
