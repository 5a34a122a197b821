"""SQLite connections that run their statements on the event loop's own thread.

aiosqlite gives every connection a thread and hands each call to it: creating a cursor,
executing, fetching and closing are four hand-offs per statement, each waiting for the
event loop to come round again. A local SQLite statement takes microseconds, so under
load a write transaction spent its time waiting for the loop while holding the single
writer lock that every other writer queued for. These connections keep SQLAlchemy's
aiosqlite dialect (same SQL, same types, same pool) but execute inline.

The one thing that could block the loop is SQLite's busy handler, when another process
holds the write lock. The connection's ``busy_timeout`` is therefore 0 and a busy
statement (it did nothing) is retried after an ``asyncio.sleep``, up to
:data:`BUSY_TIMEOUT_SECONDS`, so other requests keep being served meanwhile.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

BUSY_TIMEOUT_SECONDS = 30.0
_FIRST_BACKOFF = 0.0005
_MAX_BACKOFF = 0.05


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    return "database is locked" in str(exc)


async def _retry_busy(call: Callable[[], Any]) -> Any:
    """``call()`` now, or after the other process released the lock (never in SQLite's sleep)."""
    deadline: float | None = None
    delay = _FIRST_BACKOFF
    while True:
        try:
            return call()
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc):
                raise
            now = time.monotonic()
            if deadline is None:
                deadline = now + BUSY_TIMEOUT_SECONDS
            elif now >= deadline:
                raise
        await asyncio.sleep(delay)
        delay = min(delay * 2, _MAX_BACKOFF)


class InlineCursor:
    """The part of ``aiosqlite.Cursor`` SQLAlchemy's adapter uses, without the thread."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        args = (sql,) if parameters is None else (sql, parameters)
        await _retry_busy(lambda: self._cursor.execute(*args))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> InlineCursor:
        rows = list(parameters)
        await _retry_busy(lambda: self._cursor.executemany(sql, rows))
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    async def setinputsizes(self, *_: Any) -> None:
        return None

    async def nextset(self) -> None:
        return None

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _ImmediateQueue:
    """SQLAlchemy sets ``isolation_level`` through aiosqlite's task queue: run it now."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as exc:
            future.set_exception(exc)


class InlineConnection:
    """The part of ``aiosqlite.Connection`` SQLAlchemy's adapter uses, without the thread."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._connection = conn  # the adapter checks it to know the connection is open
        self._tx = _ImmediateQueue()

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        await _retry_busy(self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        if self._connection is not None:
            self._connection = None  # type: ignore[assignment]
            self._conn.close()


def creator(path: str) -> Callable[[], Any]:
    """An ``async_creator`` for ``create_async_engine`` opening ``path`` inline."""

    async def connect() -> InlineConnection:
        # check_same_thread off: the pool may close a connection from the GC's thread.
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        return InlineConnection(conn)

    return connect
