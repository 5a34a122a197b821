"""Processes on one database count each other per outside budget and take their share."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from hub.budgets import BudgetShares
from hub.storage import migrate, tables
from hub.storage.database import Database


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    await migrate.upgrade(database)
    yield database
    await database.dispose()


async def rows(db: Database) -> int:
    async with db.connect() as conn:
        return (
            await conn.execute(sa.select(sa.func.count()).select_from(tables.budget_members))
        ).scalar_one()


async def test_processes_count_each_other_and_a_silent_one_ages_out(db: Database) -> None:
    clock = Clock()
    a, b, c = (BudgetShares(db, member=m, ttl=5.0, clock=clock) for m in "abc")
    share_a = a.join("zoom:acct")
    b.join("zoom:acct")
    c.join("zoom:other")
    if not db.is_postgres:
        # One process per SQLite database: every budget is its own, nothing is stored.
        for shares in (a, b, c):
            await shares.refresh()
        assert share_a() == 1 and await rows(db) == 0
        return
    await a.refresh()
    assert share_a() == 1  # alone so far
    await b.refresh()
    await c.refresh()
    await a.refresh()
    assert share_a() == 2 and b.members("zoom:acct") == 2 and c.members("zoom:other") == 1
    # b is killed: no more refreshes; once its last one is older than the ttl, a is alone.
    clock.now += 4.0
    await a.refresh()
    assert share_a() == 2
    clock.now += 2.0
    await a.refresh()
    assert share_a() == 1
    # A clean stop leaves at once.
    await b.refresh()
    await a.refresh()
    assert share_a() == 2
    await b.stop()
    await a.refresh()
    assert share_a() == 1
    assert b.members("zoom:acct") == 1


async def test_start_counts_before_returning_and_stop_removes_the_rows(db: Database) -> None:
    first, second = BudgetShares(db, interval=0.05), BudgetShares(db, interval=0.05)
    share = first.join("zoom:acct")
    second.join("zoom:acct")
    await first.start()
    await second.start()
    try:
        assert second.members("zoom:acct") == (2 if db.is_postgres else 1)
        if db.is_postgres:
            await asyncio.sleep(0.2)  # first's own loop counts the newcomer
            assert share() == 2
    finally:
        await second.stop()
        await first.stop()
    assert await rows(db) == 0
