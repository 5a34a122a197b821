"""What a database holds, table by table, so a test can say "nothing changed" or "this
many rows changed" without knowing the schema.

The proofs compare whole-database snapshots rather than a few chosen tables: a refused
request or a forged webhook that leaves a trace in a table nobody thought of (a fact, a
delivery, a plugin's ledger) is exactly the bug they exist to catch.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hub.storage.database import Database


@dataclass(frozen=True)
class TableState:
    rows: int
    digest: str
    row_digests: frozenset[str]


Snapshot = dict[str, TableState]


def _row_digest(row: Any) -> str:
    return hashlib.sha256(repr(tuple(row)).encode()).hexdigest()


def _table_names(conn: sa.Connection) -> list[str]:
    return sorted(sa.inspect(conn).get_table_names())


async def table_names(db: Database) -> list[str]:
    async with db.connect() as conn:
        return await conn.run_sync(_table_names)


# Rows a running hub rewrites by itself every fraction of a second (each process's
# heartbeat in the shared budgets, hub/budgets.py); no request can write them.
LIVENESS_TABLES = ("hub_budget_members",)


async def snapshot(db: Database, exclude: tuple[str, ...] = LIVENESS_TABLES) -> Snapshot:
    """Row count and content digest of every table (Alembic's version tables included),
    except the liveness tables."""
    state: Snapshot = {}
    async with db.connect() as conn:
        names = await conn.run_sync(_table_names)
        for name in names:
            if name in exclude:
                continue
            table = sa.table(name)
            rows = (await conn.execute(sa.select(sa.text("*")).select_from(table))).all()
            digests = frozenset(_row_digest(r) for r in rows)
            whole = hashlib.sha256("".join(sorted(_row_digest(r) for r in rows)).encode())
            state[name] = TableState(len(rows), whole.hexdigest(), digests)
    return state


def row_counts(state: Snapshot) -> dict[str, int]:
    return {name: table.rows for name, table in state.items()}


def changed_rows(before: Snapshot, after: Snapshot) -> dict[str, int]:
    """Per table, how many rows are new, gone or different (0-change tables left out)."""
    changes: dict[str, int] = {}
    for name in sorted(set(before) | set(after)):
        old = before.get(name)
        new = after.get(name)
        if old is None or new is None:
            changes[name] = (old or new).rows or 1  # type: ignore[union-attr]
            continue
        if old.digest == new.digest:
            continue
        changes[name] = max(
            len(new.row_digests - old.row_digests), len(old.row_digests - new.row_digests)
        )
    return changes


async def all_text(db: Database) -> bytes:
    """Every value of every row as text: what a reader of a database dump would see.

    Used on PostgreSQL, whose files are not one readable file like SQLite's.
    """
    chunks: list[bytes] = []
    async with db.connect() as conn:
        for name in await conn.run_sync(_table_names):
            rows = (await conn.execute(sa.select(sa.text("*")).select_from(sa.table(name)))).all()
            for row in rows:
                chunks.append(repr(tuple(row)).encode("utf-8", "backslashreplace"))
                chunks.extend(str(v).encode("utf-8", "backslashreplace") for v in row)
    return b"\n".join(chunks)
