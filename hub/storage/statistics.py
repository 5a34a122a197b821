"""PostgreSQL: planner statistics for tables that are still young.

A new hub's tables start empty, and autovacuum analyzes a table only after its naptime
(a minute by default) and once a tenth of its rows changed, or never where it is turned
off (as on this project's CI server). Until then the planner guesses: ``event_id = x``
is taken to select half a percent of a never-analyzed table. Group commit's ticket
lookup (``event_id = x AND id IN (...)``) then read every ticket of the event through
the first column of the key and filtered the ids, and asyncpg's cached generic plans
kept that choice while the table grew. In a first on-sale after a deployment that is a
scan per group which grows with every sale: ingest on a fresh database fell from ~1,900
to ~1,300 sales a second within ten seconds, where it holds ~2,800 once the table has
statistics.

So while the hub runs on PostgreSQL, :class:`StatisticsKeeper` looks every few seconds at
the tables of the hub's schema (its own and the plugins') and ANALYZEs each whose rows
changed since its last analysis by more than it held then, and by at least
:data:`MIN_CHANGES`. A table is analyzed each time it about doubles: a few times while it
is young, after which autovacuum's own rule (a tenth) comes first. ANALYZE samples a
bounded number of rows, so each one costs milliseconds, and it takes no lock that blocks
reads or writes. Several processes share the work: an advisory lock per table lets one
analyze it while the others skip it, and a short ``lock_timeout`` skips a table that a
running (auto)vacuum holds instead of waiting for it.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from hub.observability.logging import get_logger
from hub.periodic import Periodic
from hub.storage.database import Database

INTERVAL_SECONDS = 2.0
MIN_CHANGES = 1000  # below this the planner's guesses cost little
GROWTH = 1.0  # changes since the last analysis, as a share of the rows it counted
LOCK_CLASS = 0x68756241  # "hubA": advisory locks of this module (key: hashtext of the table)
LOCK_TIMEOUT = "200ms"

log = get_logger("hub.statistics")

_STALE = text(
    """
    SELECT s.relname
    FROM pg_stat_user_tables AS s JOIN pg_class AS c ON c.oid = s.relid
    WHERE s.schemaname = current_schema()
      AND pg_has_role(c.relowner, 'USAGE')  -- ANALYZE would skip it with a warning
      AND s.n_mod_since_analyze >= :min_changes
      AND s.n_mod_since_analyze > greatest(c.reltuples, 0) * :growth
    ORDER BY s.n_mod_since_analyze DESC
    """
)
_LOCK = text("SELECT pg_try_advisory_xact_lock(:cls, hashtext(:table))")


class StatisticsKeeper:
    """ANALYZEs the schema's tables whose statistics fell behind their growth."""

    def __init__(self, db: Database, *, interval: float = INTERVAL_SECONDS) -> None:
        self.db = db
        self.interval = interval
        self._checker = Periodic(
            "hub-statistics",
            interval,
            self.run_once,
            log=log,
            failure="could not check the tables' statistics",  # next time
        )

    @property
    def enabled(self) -> bool:
        return self.db.is_postgres and self.interval > 0

    async def stale_tables(self) -> list[str]:
        """Tables whose changes since their last analysis pass the keeper's rule."""
        async with self.db.connect() as conn:
            rows = await conn.execute(_STALE, {"min_changes": MIN_CHANGES, "growth": GROWTH})
            return [str(name) for (name,) in rows]

    async def run_once(self) -> list[str]:
        """Analyze every stale table this process may take now; the ones it analyzed."""
        analyzed: list[str] = []
        for table in await self.stale_tables():
            if await self._analyze(table):
                analyzed.append(table)
        return analyzed

    async def _analyze(self, table: str) -> bool:
        quoted = self.db.engine.dialect.identifier_preparer.quote(table)
        try:
            async with self.db.transaction() as conn:
                if not await conn.scalar(_LOCK, {"cls": LOCK_CLASS, "table": table}):
                    return False  # another hub process is analyzing it
                await conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
                await conn.execute(text(f"ANALYZE {quoted}"))
        except DBAPIError as exc:  # a (auto)vacuum holds the table: next time
            log.debug("table not analyzed", table=table, error=str(exc.orig))
            return False
        log.debug("table analyzed", table=table)
        return True

    def start(self) -> None:
        if self.enabled:
            self._checker.start()

    async def stop(self) -> None:
        await self._checker.stop()
