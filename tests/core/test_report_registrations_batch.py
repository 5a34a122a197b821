"""A batch of registrations is stored as if reported one after the other, in few statements.

A provider reports a whole batch call at once; the hub stores it with a constant number
of statements. These tests pin the semantics that must not change with it: a report
identical to the stored copy changes and announces nothing, a change is announced once
(its fact key names the transition), and a mixed batch behaves like its items in order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import msgspec
import pytest
import sqlalchemy as sa

from hub.config.schema import HubConfig
from hub.models import Registration
from hub.runtime import HubRuntime, open_hub
from hub.storage import tables
from tests.conftest import api_client, event_body, ticket_body
from tests.support.recorder import Recorder
from tests.support.testvideo import TestVideoProvider

ORIGIN = "testvideo"


def reg(ticket_id: str, status: str = "registered", event_id: str = "ev-1", **kw: Any) -> Any:
    """A registration as a provider reports it (``session_id`` picks a session's row)."""
    registered = status == "registered"
    return Registration(
        event_id=event_id,
        ticket_id=ticket_id,
        provider="testvideo",
        status=status,  # type: ignore[arg-type]
        join_url=f"https://video.test/j/{ticket_id}" if registered else None,
        registrant_id=f"r-{ticket_id}" if registered else None,
        **kw,
    )


@pytest.fixture
async def quiet_hub(
    config_factory: Callable[..., HubConfig], testvideo: TestVideoProvider
) -> AsyncIterator[HubRuntime]:
    """A hub whose workers are off: what a report stored stays in the tables to look at.

    The recorder makes registration facts have a target (the reporting plugin has none).
    """
    config = config_factory(enabled=["testvideo", "recorder"])
    extra = {"testvideo": testvideo, "recorder": Recorder()}
    async with open_hub(config, extra_plugins=extra, run_workers=False) as runtime:
        yield runtime


async def registration_facts(rt: HubRuntime) -> list[tuple[str, int]]:
    """(fact key, deliveries) of every registration fact, in insertion order."""
    f, d = tables.facts, tables.deliveries
    query = (
        sa.select(f.c.fact_key, sa.func.count(d.c.id))
        .select_from(f.outerjoin(d, d.c.fact_id == f.c.id))
        .where(f.c.kind == "registration")
        .group_by(f.c.id, f.c.fact_key)
        .order_by(f.c.id)
    )
    async with rt.db.connect() as conn:
        return [(key, n) for key, n in (await conn.execute(query)).all()]


async def stored(rt: HubRuntime) -> dict[tuple[str, str, str], tuple[str, Any, Any]]:
    """Every stored registration: (status, details, updated_at) by key."""
    r = tables.registrations
    async with rt.db.connect() as conn:
        rows = (await conn.execute(sa.select(r))).all()
    return {
        (row.event_id, row.ticket_id, row.session_key): (row.status, row.details, row.updated_at)
        for row in rows
    }


def transitions(facts: list[tuple[str, int]], event_id: str) -> list[tuple[str, str, bool]]:
    """(ticket, session, first report?) of one event's facts, in order.

    The hashes themselves differ between events (the body names its event); each
    transition must start where the key's previous one ended.
    """
    found: list[tuple[str, str, bool]] = []
    last: dict[tuple[str, str], str] = {}
    for key, _ in facts:
        _, event, ticket_id, session_key, change = key.split(":")
        if event != event_id:
            continue
        old, new = change.split(">")
        assert old == last.get((ticket_id, session_key), "none"), key
        last[(ticket_id, session_key)] = new
        found.append((ticket_id, session_key, old == "none"))
    return found


async def test_identical_batch_changes_and_announces_nothing(
    quiet_hub: HubRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = [reg("t-1"), reg("t-2", "failed", message="nope"), reg("t-3", session_id="s-1")]
    await quiet_hub.hub.report_registrations(batch, ORIGIN)
    facts, rows = await registration_facts(quiet_hub), await stored(quiet_hub)
    assert len(facts) == 3 and all(n == 1 for _, n in facts)

    woken: list[int] = []
    monkeypatch.setattr(quiet_hub.hub, "wakers", [lambda: woken.append(1)])
    await quiet_hub.hub.report_registrations(list(reversed(batch)), ORIGIN)
    assert await registration_facts(quiet_hub) == facts
    assert await stored(quiet_hub) == rows, "an identical report must not rewrite the row"
    assert woken == [], "nothing was announced, so no worker needs waking"


async def test_changed_registration_is_announced_once(quiet_hub: HubRuntime) -> None:
    await quiet_hub.hub.report_registrations([reg("t-1"), reg("t-2")], ORIGIN)
    before = await registration_facts(quiet_hub)
    cancelled = reg("t-1", "cancelled", message="refunded")
    # The same change twice in one batch, then once more in the next: one fact.
    await quiet_hub.hub.report_registrations([cancelled, reg("t-2"), cancelled], ORIGIN)
    await quiet_hub.hub.report_registrations([cancelled], ORIGIN)
    after = await registration_facts(quiet_hub)
    assert len(after) == len(before) + 1
    new_key, deliveries = after[-1]
    assert new_key.startswith("registration:ev-1:t-1::") and deliveries == 1
    rows = await stored(quiet_hub)
    assert rows[("ev-1", "t-1", "")][0] == "cancelled"
    assert rows[("ev-1", "t-1", "")][1]["message"] == "refunded"
    assert rows[("ev-1", "t-2", "")][0] == "registered"


async def test_mixed_batch_is_stored_as_one_after_the_other(quiet_hub: HubRuntime) -> None:
    """The same reports, batched on one event and one by one on another, leave the same
    rows and announce the same transitions in the same order."""
    history = [
        [reg("t-1"), reg("t-2", session_id="s-1")],
        [
            reg("t-1"),  # identical: nothing
            reg("t-1", "cancelled"),  # registered > cancelled
            reg("t-1"),  # cancelled > registered
            reg("t-1", "cancelled"),  # registered > cancelled again: the key is known
            reg("t-2", session_id="s-2"),  # another session of the same ticket: new
            reg("t-2", "failed", message="full", session_id="s-1"),
            reg("t-3", "skipped", message="host"),
            reg("t-3", "skipped", message="host"),  # a duplicate inside the batch
        ],
    ]
    for batch in history:
        await quiet_hub.hub.report_registrations(batch, ORIGIN)
        for one in batch:
            await quiet_hub.hub.report_registration(
                msgspec.structs.replace(one, event_id="ev-2"), ORIGIN
            )
    facts = await registration_facts(quiet_hub)
    batched = transitions(facts, "ev-1")
    assert batched == transitions(facts, "ev-2")
    assert batched == [
        ("t-1", "", True),
        ("t-2", "s-1", True),
        ("t-1", "", False),  # registered > cancelled
        ("t-1", "", False),  # cancelled > registered (the second > cancelled is known)
        ("t-2", "s-2", True),
        ("t-2", "s-1", False),
        ("t-3", "", True),
    ]
    assert all(n == 1 for _, n in facts)

    rows = await stored(quiet_hub)
    for (event_id, ticket_id, session_key), (status, details, _) in rows.items():
        if event_id == "ev-1":
            other = rows[("ev-2", ticket_id, session_key)]
            assert (status, {**details, "event_id": "ev-2"}) == (other[0], other[1])
    assert {k[1:]: v[0] for k, v in rows.items() if k[0] == "ev-1"} == {
        ("t-1", ""): "cancelled",
        ("t-2", "s-1"): "failed",
        ("t-2", "s-2"): "registered",
        ("t-3", ""): "skipped",
    }


async def test_batch_costs_a_constant_number_of_statements(quiet_hub: HubRuntime) -> None:
    """Thirty holders cost no more statements than two: the batch is not stored row by row."""
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    engine = quiet_hub.db.engine.sync_engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        await quiet_hub.hub.report_registrations([reg("a-1"), reg("a-2")], ORIGIN)
        small = len(statements)
        statements.clear()
        await quiet_hub.hub.report_registrations([reg(f"b-{i}") for i in range(30)], ORIGIN)
        large = len(statements)
        statements.clear()
        cancelled = [reg(f"b-{i}", "cancelled") for i in range(15)]
        mixed = cancelled + [reg(f"b-{i}") for i in range(15, 30)]  # half of it unchanged
        await quiet_hub.hub.report_registrations(mixed, ORIGIN)
        changed = len(statements)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert large == small, statements
    assert changed == small
    facts = await registration_facts(quiet_hub)
    assert len(facts) == 2 + 30 + 15


async def test_batch_reaches_other_plugins_once_per_change(
    config_factory: Callable[..., HubConfig], testvideo: TestVideoProvider
) -> None:
    """Through the workers: registered (by the provider) > cancelled > registered, with
    the repeated states of the batch announced not at all."""
    recorder = Recorder()
    config = config_factory(enabled=["testvideo", "recorder"])
    async with open_hub(config, extra_plugins={"testvideo": testvideo, "recorder": recorder}) as rt:
        async for client in api_client(rt):
            await client.post("/api/v1/events/published", json=event_body())
            await client.post("/api/v1/tickets/sold", json=ticket_body("t-1"))
            await rt.worker.drain()
        registered = Registration(
            event_id="ev-1",
            ticket_id="t-1",
            provider="testvideo",
            status="registered",
            join_url="https://video.test/j/ev-1?tk=t-1",
            registrant_id="r-t-1",
        )
        cancelled = msgspec.structs.replace(
            registered, status="cancelled", join_url=None, registrant_id=None
        )
        await rt.hub.report_registrations(
            [registered, cancelled, cancelled, registered, registered], ORIGIN
        )
        await rt.worker.drain()
    regs = [v for k, v in recorder.received if k == "registration"]
    assert regs == [("t-1", "registered"), ("t-1", "cancelled"), ("t-1", "registered")]
