"""Outside budgets shared by several hub processes: how many processes draw on each.

A provider's rate limits belong to the account, not to the process calling it: three hub
processes on one database, each keeping the whole budget to itself, send three times what
the provider allows and collect the excess as 429s. Each process therefore *joins* the
budgets it draws on (``"zoom:<account>"``) and takes ``1 / members`` of each; its own
client-side limiter keeps its share exactly, so the processes together stay inside the
budget without a database round trip per request.

Membership lives in ``hub_budget_members``: every process refreshes its rows every
``interval`` seconds and counts the rows seen within ``ttl``. A stopped process deletes
its rows; a killed one's rows age out after ``ttl`` (the others run on a smaller share
meanwhile, never a larger one). A process that has just joined is counted by the others
at their next refresh, within ``interval``.

Only PostgreSQL is shared by several processes: on SQLite (one process, its writers
queued in-process) every budget has one member and nothing is written.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
import uuid
from collections.abc import Callable

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from hub.observability.logging import get_logger
from hub.periodic import Periodic
from hub.storage import tables
from hub.storage.database import Database

INTERVAL_SECONDS = 0.5
TTL_SECONDS = 5.0

log = get_logger("hub.budgets")


def member_id() -> str:
    """Unique per process start, readable in the table (host and pid)."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class BudgetShares:
    """This process's view of how many processes share each budget it joined."""

    def __init__(
        self,
        db: Database,
        *,
        member: str | None = None,
        interval: float = INTERVAL_SECONDS,
        ttl: float = TTL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.member = member or member_id()
        self.interval = interval
        self.ttl = ttl
        self._clock = clock
        self._members: dict[str, int] = {}
        self.shared = db.is_postgres
        # The database may be briefly unreachable; shares stay as last counted.
        self._refresher = Periodic(
            "hub-budget-shares",
            interval,
            self.refresh,
            log=log,
            failure="could not refresh the shared budgets",
        )

    def join(self, budget: str) -> Callable[[], int]:
        """Draw on ``budget`` from now on; returns how to read its member count (>= 1)."""
        self._members.setdefault(budget, 1)
        return lambda: self.members(budget)

    def members(self, budget: str) -> int:
        """Processes drawing on ``budget`` as last counted (1 until counted, or alone)."""
        return max(1, self._members.get(budget, 1))

    async def refresh(self) -> dict[str, int]:
        """Mark this process present in every joined budget and count the members."""
        if not self.shared or not self._members:
            return dict(self._members)
        m = tables.budget_members
        now = self._clock()
        budgets = sorted(self._members)
        async with self.db.transaction() as conn:
            statement = pg_insert(m).values(
                [{"budget": b, "member": self.member, "seen_at": now} for b in budgets]
            )
            await conn.execute(
                statement.on_conflict_do_update(
                    index_elements=[m.c.budget, m.c.member],
                    set_={"seen_at": statement.excluded.seen_at},
                )
            )
            counts = dict(
                (
                    await conn.execute(
                        select(m.c.budget, func.count())
                        .where(m.c.budget.in_(budgets), m.c.seen_at > now - self.ttl)
                        .group_by(m.c.budget)
                    )
                ).all()
            )
        for budget in budgets:
            self._members[budget] = max(1, int(counts.get(budget, 1)))
        return dict(self._members)

    async def start(self) -> None:
        """Count once now (so a new process starts on its share), then keep counting."""
        if not self.shared or self._refresher.running:
            return
        await self.refresh()
        self._refresher.start()

    async def stop(self) -> None:
        """Leave every budget, so the other processes take the freed share at once."""
        await self._refresher.stop()
        if self.shared and self._members:
            m = tables.budget_members
            with contextlib.suppress(Exception):
                async with self.db.transaction() as conn:
                    await conn.execute(delete(m).where(m.c.member == self.member))
        self._members = dict.fromkeys(self._members, 1)
