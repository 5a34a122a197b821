"""Helpers for the stub plugins' tests: a running hub with its API client, waiting for the
pipeline to finish, and checking a plugin's tables against its migrations."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hub.runtime import HubRuntime
from hub.storage import tables

STUBS = ["testvideo", "ticketing_stub", "crm_stub"]


async def unfinished_deliveries(runtime: HubRuntime) -> int:
    d = tables.deliveries
    async with runtime.db.connect() as conn:
        return (
            await conn.execute(
                sa.select(sa.func.count()).where(d.c.state.in_(("pending", "running")))
            )
        ).scalar_one()


async def settle(runtime: HubRuntime, timeout: float = 20.0) -> None:
    """Wait until no delivery is pending or running, and fail the test if that never happens.

    ``worker.drain()`` returns once nothing is due within its horizon; the tests assert on
    end states, so they also make sure that no delivery is left waiting out a backoff.
    """
    async with asyncio.timeout(timeout):
        while True:
            await runtime.worker.drain(timeout=timeout)
            if await unfinished_deliveries(runtime) == 0:
                return
            await asyncio.sleep(0.01)


async def schema_drift(runtime: HubRuntime, metadata: sa.MetaData, prefix: str) -> list[Any]:
    """Differences between a plugin's ``tables.py`` and the tables its migrations created
    (empty when they agree), so the two descriptions of one schema cannot drift apart."""

    def ours(name: str | None, type_: str, _parent: Any) -> bool:
        return type_ != "table" or (
            name is not None and name.startswith(prefix) and not name.endswith("alembic_version")
        )

    def compare(conn: sa.Connection) -> list[Any]:
        context = MigrationContext.configure(
            conn, opts={"include_name": ours, "compare_type": True}
        )
        return list(compare_metadata(context, metadata))

    async with runtime.db.connect() as conn:
        return await conn.run_sync(compare)


@dataclass
class StubHub:
    """A running hub and an authorised client of its API (in-process, no network)."""

    runtime: HubRuntime
    client: httpx.AsyncClient

    async def settle(self) -> None:
        await settle(self.runtime)

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post(path, json=body)
        assert response.status_code == 202, response.text
        return response.json()

    async def get_json(self, path: str, **params: Any) -> Any:
        response = await self.client.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()


StubHubFactory = Callable[..., contextlib.AbstractAsyncContextManager[StubHub]]
