"""PostgreSQL pool: connections idle in the pool are pinged before use, busy ones are not.

asyncpg's ping is three round trips; pinging at every checkout cost three of an ingest
group's ten round trips. A connection the server dropped while it sat idle must still be
replaced before anyone uses it, and one dropped between two uses (no ping) must cost no
accepted sale: group commit retries the group on a fresh connection.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from hub.models import Event, Ticket
from hub.runtime import open_hub
from hub.storage import database
from hub.storage.database import Database
from tests.conftest import event_body, make_config, ticket_body
from tests.support.databases import fresh_database, postgres_url
from tests.support.testvideo import TestVideoProvider

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(postgres_url() is None, reason="set HUB_TEST_POSTGRES_URL"),
]

PID = text("SELECT pg_backend_pid()")


@pytest.fixture
async def url(tmp_path: Path) -> AsyncIterator[str]:
    with fresh_database("postgres", tmp_path) as url:
        yield url


async def _pid(db: Database) -> int:
    async with db.connect() as conn:
        return int(await conn.scalar(PID))


async def _terminate(url: str, pids: list[int] | None = None) -> int:
    """Drop the given server connections (all of the database's but this one if None)."""
    admin = Database(url)
    try:
        async with admin.connect() as conn:
            where = "pid = ANY(:pids)" if pids is not None else "pid <> pg_backend_pid()"
            dropped = await conn.execute(
                text(
                    f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE datname = current_database() AND {where}"
                ),
                {"pids": pids or []},
            )
            return len(dropped.all())
    finally:
        await admin.dispose()


def _count_pings(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    dialect = db.engine.sync_engine.dialect
    original = dialect.do_ping
    pings: list[int] = []

    def counting(dbapi_connection: Any) -> bool:
        pings.append(1)
        return bool(original(dbapi_connection))

    monkeypatch.setattr(dialect, "do_ping", counting)
    return pings


async def test_a_connection_dropped_while_idle_is_replaced_before_use(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "IDLE_PING_SECONDS", 0.0)  # every pooled one counts as idle
    db = Database(url)
    try:
        first = await _pid(db)
        assert await _terminate(url, [first]) == 1
        second = await _pid(db)  # the ping found it dead: a new connection, no error
        assert second != first
    finally:
        await db.dispose()


async def test_a_connection_used_moments_ago_is_not_pinged(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(url)
    try:
        pings = _count_pings(db, monkeypatch)
        for _ in range(5):
            await _pid(db)
        assert pings == []
        monkeypatch.setattr(database, "IDLE_PING_SECONDS", 0.0)
        for _ in range(3):
            await _pid(db)
        assert len(pings) == 3
        # Without the ping, a connection dropped between two uses fails its statement
        # once, and the pool then replaces its connections.
        monkeypatch.setattr(database, "IDLE_PING_SECONDS", 3600.0)
        dropped = await _pid(db)
        await _terminate(url, [dropped])
        with pytest.raises(DBAPIError):
            await _pid(db)
        assert await _pid(db) != dropped
    finally:
        await db.dispose()


async def test_sales_are_stored_after_the_server_dropped_every_connection(url: str) -> None:
    config = make_config(url, ["testvideo"], database={"url": url, "analyze_interval_seconds": 0})
    extra = {"testvideo": TestVideoProvider()}
    async with open_hub(config, extra_plugins=extra, run_workers=False) as runtime:
        await runtime.ingestor.publish_event(msgspec.convert(event_body(), Event))
        sold = await runtime.ingestor.sell_ticket(msgspec.convert(ticket_body("t-1"), Ticket))
        assert sold.status == "accepted"
        assert await _terminate(url) >= 1
        again = await runtime.ingestor.sell_ticket(msgspec.convert(ticket_body("t-2"), Ticket))
        assert again.status == "accepted"
        async with runtime.db.connect() as conn:
            stored = await conn.scalar(text("SELECT count(*) FROM hub_tickets"))
        assert stored == 2
