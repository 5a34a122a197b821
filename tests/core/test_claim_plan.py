"""The claim keeps its cheap plan once PostgreSQL caches it as a generic plan.

Two properties are read off the plan, with no timing: blockers are looked up in the
partial index of unfinished barriers, and candidates are read in the claim's order.

asyncpg prepares every statement, and after five runs PostgreSQL may keep one generic
plan for all parameter values. The claim asks, per candidate, whether an unfinished
barrier precedes it; only the partial index of unfinished barriers answers that in a
handful of rows. A generic plan may use that index only if the unfinished states are
written into the SQL: when they were bound, the plan walked the event's whole history
per candidate, and the Zoom fault proof's claims grew to 3-4 s each (20 ms with them
written in). The test forces the generic plan and reads it.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, insert

from hub.pipeline.claims import claim
from hub.pipeline.facts import utcnow
from hub.storage import tables
from hub.storage.database import Database
from hub.storage.migrate import upgrade
from tests.support.databases import fresh_database, postgres_url

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(postgres_url() is None, reason="set HUB_TEST_POSTGRES_URL"),
]


def _rows(now: Any, tickets: int) -> list[dict[str, Any]]:
    common = {"fact_id": 1, "plugin": "zoom", "event_id": "ev-1", "created_at": now}
    rows = [
        {**common, "hook": "on_event_published", "ticket_id": None, "barrier": True}
        | {"state": "done", "attempts": 1, "due_at": now, "updated_at": now}
    ]
    for i in range(tickets):
        rows.append(
            {**common, "hook": "on_ticket_sold", "ticket_id": f"t{i}", "barrier": False}
            | {"state": "pending", "attempts": 0, "due_at": now, "updated_at": now}
        )
    return rows


def _literal(value: Any) -> str:
    if isinstance(value, int):
        return str(value)
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + text.replace("'", "''") + "'"


def _plan_values(plan: Any, key: str) -> set[str]:
    """Every value of ``key`` ("Index Name", "Node Type") anywhere in a JSON plan."""
    found: set[str] = set()
    if isinstance(plan, dict):
        if key in plan:
            found.add(plan[key])
        for value in plan.values():
            found |= _plan_values(value, key)
    elif isinstance(plan, list):
        for value in plan:
            found |= _plan_values(value, key)
    return found


async def test_generic_claim_plan_keeps_both_claim_indexes(tmp_path: Path) -> None:
    with fresh_database("postgres", tmp_path) as url:
        db = Database(url)
        try:
            await upgrade(db)
            now = utcnow()
            async with db.transaction() as conn:
                await conn.execute(insert(tables.deliveries), _rows(now, 500))
            sent: list[tuple[str, Any]] = []

            def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
                if statement.lstrip().startswith("UPDATE hub_deliveries"):
                    sent.append((statement, params))

            event.listen(db.engine.sync_engine, "before_cursor_execute", capture)
            try:
                # The claim really works on this data, and its SQL is the one explained.
                claimed = await claim(db, "w-plan", 30, now + timedelta(seconds=1), 60)
            finally:
                event.remove(db.engine.sync_engine, "before_cursor_execute", capture)
            assert len(claimed) == 30
            [(statement, params)] = sent

            async with db.connect() as conn:
                await conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
                await conn.exec_driver_sql(f"PREPARE hub_claim AS {statement}")
                # EXPLAIN EXECUTE takes no bound parameters: the values are written in.
                literals = ", ".join(_literal(value) for value in params)
                explained = await conn.exec_driver_sql(
                    f"EXPLAIN (FORMAT JSON) EXECUTE hub_claim({literals})"
                )
                plan = explained.scalar_one()
                await conn.rollback()
        finally:
            await db.dispose()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    indexes = _plan_values(plan, "Index Name")
    assert "ix_hub_deliveries_open_barriers" in indexes, indexes
    # Candidates come in the claim's order (hub_0003), so the scan stops at the limit
    # instead of sorting every due delivery first.
    assert "ix_hub_deliveries_claim_order" in indexes, indexes
    assert "Sort" not in _plan_values(plan, "Node Type"), plan
