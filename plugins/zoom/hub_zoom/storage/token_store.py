"""Zoom tokens in the hub's database, sealed at rest, refreshed by one holder at a time.

The refresh lock must hold across every hub process sharing the database, because Zoom
rotates user refresh tokens: two processes refreshing at once would leave one of them with
a dead token. PostgreSQL gives a session advisory lock, released even if the process dies;
on SQLite a lease column on the connection row does the same job with a timeout.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import msgspec
from sqlalchemy import delete, insert, select, text, update

from hub.context import HubContext
from hub.pipeline.facts import utcnow
from hub_zoom.api.tokens import StoredToken
from hub_zoom.storage import tables

LEASE_SECONDS = 30.0


class DatabaseTokenStore:
    """Implements :class:`hub_zoom.api.tokens.TokenStore` on the hub's database."""

    def __init__(self, hub: HubContext, auth_type: str) -> None:
        self.hub = hub
        self.auth_type = auth_type
        self._local: dict[str, asyncio.Lock] = {}

    async def load(self, connection_id: str) -> StoredToken | None:
        c = tables.connections
        async with self.hub.db.connect() as conn:
            sealed = (
                await conn.execute(select(c.c.token_sealed).where(c.c.id == connection_id))
            ).scalar()
        if not sealed:
            return None
        return msgspec.json.decode(self.hub.secret_box.open(sealed), type=StoredToken)

    async def save(self, connection_id: str, token: StoredToken) -> None:
        sealed = self.hub.secret_box.seal(msgspec.json.encode(token).decode())
        await self._upsert(
            connection_id,
            token_sealed=sealed,
            status="connected",
            scopes=token.scope,
            last_error=None,
        )

    async def delete(self, connection_id: str) -> None:
        c = tables.connections
        async with self.hub.db.transaction() as conn:
            await conn.execute(delete(c).where(c.c.id == connection_id))

    async def mark(self, connection_id: str, status: str, error: str | None = None) -> None:
        await self._upsert(connection_id, status=status, last_error=error)

    async def set_user(self, connection_id: str, user_id: str, email: str, name: str) -> None:
        await self._upsert(
            connection_id, zoom_user_id=user_id, zoom_user_email=email, zoom_user_name=name
        )

    async def _upsert(self, connection_id: str, **values: object) -> None:
        c = tables.connections
        values["updated_at"] = utcnow()
        async with self.hub.db.transaction() as conn:
            result = await conn.execute(update(c).where(c.c.id == connection_id).values(**values))
            if not result.rowcount:
                values.setdefault("status", "new")
                await conn.execute(
                    insert(c).values(id=connection_id, auth_type=self.auth_type, **values)
                )

    @asynccontextmanager
    async def refresh_lock(self, connection_id: str) -> AsyncIterator[None]:
        local = self._local.setdefault(connection_id, asyncio.Lock())
        async with local:
            if self.hub.db.is_postgres:
                async with self._advisory(connection_id):
                    yield
            else:
                async with self._lease(connection_id):
                    yield

    @asynccontextmanager
    async def _advisory(self, connection_id: str) -> AsyncIterator[None]:
        key = zlib.crc32(f"zoom-token:{connection_id}".encode())
        async with self.hub.db.engine.connect() as conn:
            await conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            await conn.commit()
            try:
                yield
            finally:
                await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                await conn.commit()

    @asynccontextmanager
    async def _lease(self, connection_id: str) -> AsyncIterator[None]:
        c = tables.connections
        await self._upsert(connection_id)  # the row must exist to carry the lease
        while True:
            now = time.time()
            async with self.hub.db.transaction() as conn:
                got = await conn.execute(
                    update(c)
                    .where(
                        c.c.id == connection_id,
                        (c.c.refresh_lock_until.is_(None)) | (c.c.refresh_lock_until < now),
                    )
                    .values(refresh_lock_until=now + LEASE_SECONDS)
                )
            if got.rowcount:
                break
            await asyncio.sleep(0.05)
        try:
            yield
        finally:
            async with self.hub.db.transaction() as conn:
                await conn.execute(
                    update(c).where(c.c.id == connection_id).values(refresh_lock_until=None)
                )
