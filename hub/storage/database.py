"""The async database handle shared by the host and every plugin.

SQLite is the embedded default and PostgreSQL the path to several hub processes; both run
the same SQLAlchemy Core code. On SQLite every write transaction starts with
``BEGIN IMMEDIATE``: a deferred transaction that later tries to write can fail at once with
"database is locked" under WAL, whereas an immediate one waits for the writer lock. Within
one process, writers queue on an asyncio lock before they ask SQLite: SQLite's own busy
handler sleeps in growing steps (up to 100 ms) however soon the lock frees, which under
load turned a 1 ms wait into hundreds. Reads (``connect``) start deferred and, under WAL,
never wait for writers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import msgspec
from sqlalchemy import Table, event, exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from hub.storage import inline_sqlite

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_POOL_SIZE = 24  # each pooled connection keeps a page cache of up to 2 MiB
IDLE_PING_SECONDS = 10.0  # PostgreSQL: a pooled connection idle this long is pinged first
READ_ONLY = "hub_read_only"


def _builtin(value: Any) -> Any:
    """What the json module accepts and msgspec does not by itself: subclasses of str, int,
    float, dict and list (SQLAlchemy's ``quoted_name``, a plugin's own str types)."""
    for kind in (str, int, float, dict, list):
        if isinstance(value, kind):
            return kind(value)
    raise TypeError(f"Encoding objects of type {type(value).__name__} is unsupported")


_encoder = msgspec.json.Encoder(enc_hook=_builtin)


def _json_text(value: Any) -> str:
    return _encoder.encode(value).decode()


def normalise_url(url: str) -> str:
    """Accept plain ``sqlite:///`` and ``postgresql://`` URLs and pick the async drivers."""
    parsed = make_url(url)
    driver = parsed.drivername
    if driver in ("sqlite", "sqlite+pysqlite"):
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif driver in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


def conflict_insert(postgres: bool, table: Table) -> Any:
    """The dialect's ``INSERT`` for ``table``, the one with ``on_conflict_do_nothing`` and
    ``on_conflict_do_update`` (both backends speak ``ON CONFLICT``; Core's generic insert
    does not expose it)."""
    if postgres:
        return postgresql.insert(table)
    return sqlite.insert(table)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event, not the driver, decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # NORMAL under WAL loses nothing when the process is killed, only on power loss.
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Inline connections wait for another process's lock without blocking the loop.
        inline = isinstance(dbapi_connection.driver_connection, inline_sqlite.InlineConnection)
        cursor.execute(f"PRAGMA busy_timeout={0 if inline else SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Reads take no lock under WAL; writes take the write lock up front.
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _configure_postgres(engine: AsyncEngine) -> None:
    """Ping a pooled connection before use only when it sat idle in the pool.

    ``pool_pre_ping`` pings at every checkout, and asyncpg's ping is three round trips
    (BEGIN, a statement, ROLLBACK): three of an ingest group's ten, and more of a
    delivery's, on connections used milliseconds before. A connection the server dropped
    while it sat idle (a restart, an idle timeout, a failover) is still found before use
    and replaced; one that dies between two uses fails its statement once, and
    SQLAlchemy then discards the pool's older connections (group commit retries).
    """
    dialect = engine.sync_engine.dialect

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["hub_idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("hub_idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return  # new, or in use moments ago
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:
            # The pool closes this one and checks out another (a new one if need be).
            raise exc.DisconnectionError() from error


class Database:
    """One engine per process; ``transaction()`` is the only way the hub writes."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10) -> None:
        self.url = normalise_url(url)
        self.dialect = make_url(self.url).get_backend_name()
        kwargs: dict[str, Any] = {
            "echo": echo,
            # JSON columns (bodies, payloads, reports) through msgspec, not the json module:
            # ~9x faster to write and ~3x to read, on every sale, fact and delivery.
            "json_serializer": _json_text,
            "json_deserializer": msgspec.json.decode,
        }
        if self.is_postgres:
            kwargs.update(pool_size=pool_size, max_overflow=pool_size)
        path = make_url(self.url).database
        if self.is_sqlite and path and path != ":memory:" and not make_url(self.url).query:
            kwargs["async_creator"] = inline_sqlite.creator(path)
            # Dozens of deliveries read at once; an overflow connection is closed when it
            # is returned and reopened (with its PRAGMAs) for the next: keep them pooled.
            kwargs.update(pool_size=max(pool_size, SQLITE_POOL_SIZE), max_overflow=pool_size)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        self._write_lock: asyncio.Lock | None = None
        if self.is_postgres:
            _configure_postgres(self.engine)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
            self._write_lock = asyncio.Lock()

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A connection inside one transaction: committed on exit, rolled back on error.

        Never open a second ``transaction()`` while holding one (on SQLite both need the
        single writer lock); reads through ``connect()`` are fine.
        """
        if self._write_lock is None:
            async with self.engine.begin() as conn:
                yield conn
            return
        async with self._write_lock, self.engine.begin() as conn:
            yield conn

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads (writes made here are rolled back)."""
        async with self.engine.connect() as conn:
            if self.is_sqlite:
                await conn.execution_options(**{READ_ONLY: True})
            yield conn

    async def dispose(self) -> None:
        await self.engine.dispose()
