"""Young tables on PostgreSQL get planner statistics as they grow (hub/storage/statistics.py).

Until a table is analyzed, PostgreSQL guesses that ``event_id = x`` selects half a
percent of it, and group commit's ticket lookup read every ticket of the event and
filtered the ids; asyncpg's cached generic plan kept that while the table grew. The
plans are read with no timing: which condition the index answers, and which is a filter.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from sqlalchemy import event, insert, text

from hub.models import Event, Ticket
from hub.pipeline.facts import utcnow
from hub.runtime import HubRuntime, open_hub
from hub.storage import tables
from hub.storage.statistics import LOCK_CLASS, MIN_CHANGES, StatisticsKeeper
from tests.conftest import event_body, make_config, ticket_body
from tests.support.databases import fresh_database, postgres_url
from tests.support.testvideo import TestVideoProvider

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(postgres_url() is None, reason="set HUB_TEST_POSTGRES_URL"),
]

DEADLINE_SECONDS = 30.0  # the server's table counters reach the view within ~1 s (10 s idle)


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[HubRuntime]:
    """A hub on a fresh PostgreSQL database whose own keeper is off: the tests drive one."""
    with fresh_database("postgres", tmp_path) as url:
        config = make_config(
            url, ["testvideo"], database={"url": url, "analyze_interval_seconds": 0}
        )
        extra = {"testvideo": TestVideoProvider()}
        async with open_hub(config, extra_plugins=extra, run_workers=False) as runtime:
            await runtime.ingestor.publish_event(msgspec.convert(event_body(), Event))
            yield runtime


async def _sell(runtime: HubRuntime, start: int, count: int) -> None:
    """``count`` new tickets of ev-1, sold concurrently so that group commit groups them."""
    for first in range(start, start + count, 100):
        ids = range(first, min(first + 100, start + count))
        await asyncio.gather(
            *(
                runtime.ingestor.sell_ticket(msgspec.convert(ticket_body(f"t-{i}"), Ticket))
                for i in ids
            )
        )


async def _table_stats(runtime: HubRuntime, table: str) -> Any:
    async with runtime.db.connect() as conn:
        return (
            await conn.execute(
                text(
                    "SELECT n_mod_since_analyze, analyze_count FROM pg_stat_user_tables "
                    "WHERE relname = :t"
                ),
                {"t": table},
            )
        ).one()


async def _until(check: Any) -> Any:
    """Poll ``check`` (async, truthy when done) until the deadline; its last answer."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_SECONDS
    while True:
        answer = await check()
        if answer or loop.time() > deadline:
            return answer
        await asyncio.sleep(0.2)


async def _lookup_statement(runtime: HubRuntime) -> tuple[str, Any]:
    """Group commit's ticket lookup as sent, for a group of 32 more sales."""
    sent: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().startswith("SELECT hub_tickets."):
            sent.append((statement, params))

    engine = runtime.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        await asyncio.gather(
            *(
                runtime.ingestor.sell_ticket(msgspec.convert(ticket_body(f"probe-{i}"), Ticket))
                for i in range(32)
            )
        )
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return max(sent, key=lambda found: len(found[1]))


async def _generic_plan(runtime: HubRuntime, statement: str, params: Any) -> Any:
    """The plan PostgreSQL caches for the statement once it stops planning per call."""
    async with runtime.db.connect() as conn:
        await conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
        await conn.exec_driver_sql(f"PREPARE lookup AS {statement}")
        literals = ", ".join("'" + str(value).replace("'", "''") + "'" for value in params)
        explained = await conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) EXECUTE lookup({literals})")
        plan = explained.scalar_one()
        await conn.exec_driver_sql("DEALLOCATE lookup")
        await conn.rollback()
    return json.loads(plan) if isinstance(plan, str) else plan


def _conditions(plan: Any, key: str) -> list[str]:
    """Every ``key`` ("Index Cond", "Filter", "Recheck Cond") anywhere in a JSON plan."""
    found: list[str] = []
    if isinstance(plan, dict):
        if key in plan:
            found.append(plan[key])
        for value in plan.values():
            found += _conditions(value, key)
    elif isinstance(plan, list):
        for value in plan:
            found += _conditions(value, key)
    return found


def _ids_in_index(plan: Any) -> bool:
    """The index answers both the event and the ids; nothing is filtered afterwards."""
    by_index = " ".join(_conditions(plan, "Index Cond"))
    return "event_id" in by_index and "(id)" in by_index and not _conditions(plan, "Filter")


async def test_the_ticket_lookup_reads_only_its_tickets_once_the_keeper_analyzed(
    hub: HubRuntime,
) -> None:
    await _sell(hub, 0, MIN_CHANGES + 500)
    statement, params = await _lookup_statement(hub)
    before = await _generic_plan(hub, statement, params)
    # Never analyzed: the plan reads the event's tickets and filters the ids.
    assert not _ids_in_index(before), before

    keeper = StatisticsKeeper(hub.db)

    async def analyzed() -> bool:
        return "hub_tickets" in await keeper.run_once()

    assert await _until(analyzed)
    after = await _generic_plan(hub, statement, params)
    assert _ids_in_index(after), after
    assert (await _table_stats(hub, "hub_tickets")).analyze_count == 1


async def test_a_table_is_analyzed_again_only_once_it_has_about_doubled(
    hub: HubRuntime,
) -> None:
    keeper = StatisticsKeeper(hub.db)
    sold = MIN_CHANGES + 500
    await _sell(hub, 0, sold)

    async def analyzed() -> bool:
        return "hub_tickets" in await keeper.run_once()

    assert await _until(analyzed)
    assert "hub_tickets" not in await keeper.run_once()

    # More changes than the minimum, fewer than the rows counted: not yet.
    more = MIN_CHANGES + 200
    await _sell(hub, sold, more)

    async def counted() -> bool:
        return (await _table_stats(hub, "hub_tickets")).n_mod_since_analyze >= more

    assert await _until(counted)
    assert "hub_tickets" not in await keeper.run_once()

    # Past the rows counted at the last analysis: analyzed again.
    await _sell(hub, sold + more, 400)
    assert await _until(analyzed)
    assert (await _table_stats(hub, "hub_tickets")).analyze_count == 2


async def test_a_table_another_process_holds_is_skipped_without_waiting(
    hub: HubRuntime,
) -> None:
    now = utcnow()
    rows = [
        {"event_id": "ev-1", "id": f"r-{i}", "status": "sold", "body": {}, "body_hash": ""}
        | {"created_at": now, "updated_at": now}
        for i in range(MIN_CHANGES + 100)
    ]
    async with hub.db.transaction() as conn:
        await conn.execute(insert(tables.tickets), rows)
    keeper = StatisticsKeeper(hub.db)

    async def stale() -> bool:
        return "hub_tickets" in await keeper.stale_tables()

    assert await _until(stale)
    holds = [
        # Another hub process analyzing it (the keeper's advisory lock)...
        text("SELECT pg_advisory_xact_lock(:cls, hashtext('hub_tickets'))"),
        # ...or a vacuum running on it (the lock ANALYZE needs): skipped after lock_timeout.
        text("LOCK TABLE hub_tickets IN SHARE UPDATE EXCLUSIVE MODE"),
    ]
    for hold in holds:
        async with hub.db.engine.connect() as other:
            await other.execute(hold, {"cls": LOCK_CLASS})
            assert "hub_tickets" not in await keeper.run_once()
            await other.rollback()
    assert (await _table_stats(hub, "hub_tickets")).analyze_count == 0
    assert "hub_tickets" in await keeper.run_once()


async def test_a_running_hub_keeps_its_tables_analyzed(tmp_path: Path) -> None:
    with fresh_database("postgres", tmp_path) as url:
        config = make_config(
            url, ["testvideo"], database={"url": url, "analyze_interval_seconds": 0.1}
        )
        extra = {"testvideo": TestVideoProvider()}
        async with open_hub(config, extra_plugins=extra, run_workers=False) as runtime:
            assert runtime.statistics.enabled
            await runtime.ingestor.publish_event(msgspec.convert(event_body(), Event))
            await _sell(runtime, 0, MIN_CHANGES + 100)

            async def analyzed() -> bool:
                return (await _table_stats(runtime, "hub_tickets")).analyze_count >= 1

            assert await _until(analyzed)


def test_the_keeper_is_off_on_sqlite_and_with_a_zero_interval(tmp_path: Path) -> None:
    from hub.storage.database import Database

    assert not StatisticsKeeper(Database(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")).enabled
    url = postgres_url()
    assert url is not None
    assert not StatisticsKeeper(Database(url), interval=0).enabled
    assert StatisticsKeeper(Database(url)).enabled
