"""Group commit: concurrent ingest requests share one transaction and a few statements.

Storing one sale alone costs about seven statements and a commit, each a round trip to
the driver, and on SQLite every writer queues for the one write lock: under a burst of
sales the database, not the hub, set the pace. Here each request hands its operation
to :class:`GroupCommit` and waits; one drain task takes whatever has queued meanwhile,
reads every row the group needs with one query per table, lets each operation decide in
arrival order against that in-memory view (so a duplicate, a refund and its late sale
inside one group behave exactly as one after the other), writes the group with multi-row
statements, commits, and only then answers each request. A 202 still means "stored".

An operation that is refused (unknown event, cancelled event...) raises from
:meth:`Op.apply` before it buffers any write, so it fails alone. When the group's
statements or commit fail (a concurrent process stored the same key, a lost
connection), nothing was committed: the group is retried, then split and every
operation stored on its own, so one bad item never turns the others' answers into lies.
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Executable, bindparam, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.pipeline.facts import utcnow
from hub.pipeline.routing import FactKind, Target
from hub.storage import tables
from hub.storage.database import Database, conflict_insert

MAX_GROUP = 256  # operations per transaction: bounds one commit's latency and its memory
GROUP_ATTEMPTS = 2  # tries of a whole group before it is split into single operations
POSTGRES_WRITERS = 2  # groups in flight at once on PostgreSQL (SQLite: one writer)
SINGLE_ATTEMPTS = 3  # a lone operation losing a unique-key race re-reads and answers again

TicketKey = tuple[str, str]
Finish = Callable[[], Any]


@dataclass
class TicketState:
    """A ticket row as the group sees it: read from the table or written by the group."""

    status: str
    body: Any
    body_hash: str
    created_at: datetime
    updated_at: datetime
    stored: bool  # the row exists in the table (else the group inserts it)
    dirty: bool = False


@dataclass
class PendingFact:
    """A fact buffered by the group; ``id`` is known after the flush (None: already known)."""

    kind: FactKind
    fact_key: str
    payload: Any
    targets: list[Target]
    event_id: str | None
    ticket_id: str | None
    origin: str | None
    id: int | None = None


@dataclass
class Reads:
    """The rows a group's operations will look at, loaded before any of them decides."""

    events: set[str] = field(default_factory=set)
    tickets: set[TicketKey] = field(default_factory=set)


class Op(Protocol):
    """One request's work. ``apply`` raises before it writes anything, or not at all."""

    kind: str

    def reads(self, wanted: Reads) -> None: ...

    def apply(self, group: Group) -> Finish: ...


class Group:
    """The in-memory view one transaction's operations read and write, then flush."""

    def __init__(self, conn: AsyncConnection, *, postgres: bool) -> None:
        self.conn = conn
        self.postgres = postgres
        self.sql = _statements(postgres)
        self.events: dict[str, Any] = {}
        self.tickets: dict[TicketKey, TicketState] = {}
        self.facts: list[PendingFact] = []
        self.statements: list[tuple[Executable, dict[str, Any] | None]] = []
        self.outcomes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        self._fact_keys: set[str] = set()

    async def load(self, wanted: Reads) -> None:
        """One query per table; on PostgreSQL with the same row locks as one-by-one."""
        if wanted.events:
            rows = await self.conn.execute(self.sql.events, {"ids": sorted(wanted.events)})
            for row in rows:
                self.events[row.id] = row
        by_event: dict[str, list[str]] = {}
        for event_id, ticket_id in wanted.tickets:
            by_event.setdefault(event_id, []).append(ticket_id)
        for event_id, ids in sorted(by_event.items()):
            params = {"event_id": event_id, "ids": sorted(ids)}
            for row in await self.conn.execute(self.sql.tickets, params):
                self.tickets[(event_id, row.id)] = TicketState(
                    row.status, row.body, row.body_hash, row.created_at, row.updated_at, True
                )

    def event(self, event_id: str) -> Any:
        return self.events.get(event_id)

    def ticket(self, event_id: str, ticket_id: str) -> TicketState | None:
        return self.tickets.get((event_id, ticket_id))

    def add_ticket(self, key: TicketKey, status: str, body: Any, body_hash: str) -> None:
        now = utcnow()
        self.tickets[key] = TicketState(status, body, body_hash, now, now, False, True)

    def change_ticket(self, state: TicketState, **values: Any) -> None:
        for name, value in values.items():
            setattr(state, name, value)
        state.updated_at = utcnow()
        state.dirty = True

    def record_fact(
        self,
        *,
        kind: FactKind,
        fact_key: str,
        payload: Any,
        targets: list[Target],
        event_id: str | None = None,
        ticket_id: str | None = None,
        origin: str | None = None,
    ) -> PendingFact:
        """Like :func:`hub.pipeline.facts.record_fact`: a known key stores nothing (id None)."""
        fact = PendingFact(kind, fact_key, payload, targets, event_id, ticket_id, origin)
        if fact_key not in self._fact_keys:
            self._fact_keys.add(fact_key)
            self.facts.append(fact)
        return fact

    def record_outcome(self, delivery_id: int, worker: str, values: dict[str, Any]) -> None:
        """Buffer a delivery's outcome; outcomes setting the same columns share a statement."""
        columns = tuple(sorted(values))
        self.outcomes.setdefault(columns, []).append(
            {"k_id": delivery_id, "k_worker": worker, **{f"v_{k}": v for k, v in values.items()}}
        )

    async def flush(self) -> None:
        await self._flush_tickets()
        await self._flush_facts()
        await self._flush_outcomes()
        await self._flush_statements()

    async def _flush_statements(self) -> None:
        """One execution per statement object: the same prepared statement with many
        parameter sets runs as one ``executemany`` (and is compiled once)."""
        batches: dict[int, tuple[Executable, list[dict[str, Any]]]] = {}
        for statement, params in self.statements:
            if params is None:
                await self.conn.execute(statement)
            else:
                batches.setdefault(id(statement), (statement, []))[1].append(params)
        for statement, rows in batches.values():
            await self.conn.execute(statement, rows)

    async def _flush_outcomes(self) -> None:
        for columns, rows in self.outcomes.items():
            await self.conn.execute(_outcome_statement(columns), rows)

    async def _flush_tickets(self) -> None:
        new = [
            {
                "event_id": key[0],
                "id": key[1],
                "status": s.status,
                "body": s.body,
                "body_hash": s.body_hash,
                "created_at": s.created_at,
                "updated_at": s.updated_at,
            }
            for key, s in self.tickets.items()
            if s.dirty and not s.stored
        ]
        if new:
            await self.conn.execute(self.sql.insert_tickets, new)
        changed = [
            {
                "k_event_id": key[0],
                "k_id": key[1],
                "status": s.status,
                "body": s.body,
                "body_hash": s.body_hash,
                "updated_at": s.updated_at,
            }
            for key, s in self.tickets.items()
            if s.dirty and s.stored
        ]
        if changed:
            await self.conn.execute(self.sql.update_tickets, changed)

    async def _flush_facts(self) -> None:
        if not self.facts:
            return
        now = utcnow()
        inserted = await self.conn.execute(
            self.sql.insert_facts,
            [
                {
                    "kind": str(fact.kind),
                    "fact_key": fact.fact_key,
                    "event_id": fact.event_id,
                    "ticket_id": fact.ticket_id,
                    "origin": fact.origin,
                    "payload": fact.payload,
                    "created_at": now,
                }
                for fact in self.facts
            ],
        )
        ids = {row.fact_key: int(row.id) for row in inserted}
        deliveries: list[dict[str, Any]] = []
        for fact in (fact for fact in self.facts if fact.fact_key in ids):
            fact.id = ids[fact.fact_key]
            deliveries.extend(
                {
                    "fact_id": fact.id,
                    "plugin": target.plugin,
                    "hook": target.hook,
                    "event_id": fact.event_id,
                    "ticket_id": fact.ticket_id,
                    "barrier": target.barrier,
                    "state": "pending",
                    "attempts": 0,
                    "due_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
                for target in fact.targets
            )
        if deliveries:
            await self.conn.execute(self.sql.insert_deliveries, deliveries)


@dataclass(frozen=True)
class _Statements:
    """A group's statements, built once per dialect: building a statement and its cache
    key on every group cost ~5% of the server's CPU under sales."""

    events: Executable
    tickets: Executable
    insert_tickets: Executable
    update_tickets: Executable
    insert_facts: Executable
    insert_deliveries: Executable


@functools.cache
def _statements(postgres: bool) -> _Statements:
    e, t, f = tables.events, tables.tickets, tables.facts
    events = select(e).where(e.c.id.in_(bindparam("ids", expanding=True)))
    tickets = select(t).where(
        t.c.event_id == bindparam("event_id"), t.c.id.in_(bindparam("ids", expanding=True))
    )
    if postgres:
        events = events.order_by(e.c.id).with_for_update(read=True)
        tickets = tickets.order_by(t.c.id).with_for_update()
    return _Statements(
        events=events,
        tickets=tickets,
        insert_tickets=insert(t),
        update_tickets=update(t).where(
            t.c.event_id == bindparam("k_event_id"), t.c.id == bindparam("k_id")
        ),
        # A key stored before (an earlier group, another process) is skipped by the
        # database and absent from RETURNING, rather than read first: a round trip less.
        insert_facts=conflict_insert(postgres, f)
        .on_conflict_do_nothing(index_elements=[f.c.fact_key])
        .returning(f.c.id, f.c.fact_key),
        insert_deliveries=insert(tables.deliveries),
    )


@functools.cache
def _outcome_statement(columns: tuple[str, ...]) -> Executable:
    d = tables.deliveries
    # Only the worker holding the lease may record: one that lost it (the lease ran out and
    # another took the delivery) changes nothing.
    return (
        update(d)
        .where(
            d.c.id == bindparam("k_id"), d.c.worker == bindparam("k_worker"), d.c.state == "running"
        )
        .values({name: bindparam(f"v_{name}") for name in columns})
    )


@dataclass
class _Item:
    op: Op
    future: asyncio.Future[Any]


class GroupCommit:
    """Queues operations and stores them in groups.

    SQLite has one writer, so one group is stored at a time. PostgreSQL takes
    :data:`POSTGRES_WRITERS` groups at once: while one waits for its commit to reach the
    disk, the next is already being written (row locks and unique keys order them).
    """

    def __init__(self, db: Database, *, max_group: int = MAX_GROUP) -> None:
        self.db = db
        self.max_group = max_group
        self.writers = POSTGRES_WRITERS if db.is_postgres else 1
        self._queue: list[_Item] = []
        self._drainers: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    async def submit(self, op: Op) -> Any:
        """Store ``op`` with whatever else is queued; its result once the group committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        if self._loop is not loop:
            # Another event loop (a test's, a CLI command's) left it: start afresh here.
            self._loop, self._queue, self._drainers = loop, [], set()
        self._queue.append(_Item(op, future))
        # A drainer that found the queue empty is done at once (no await in between), but
        # leaves the set only later: count the live ones.
        self._drainers = {d for d in self._drainers if not d.done()}
        if len(self._drainers) < self.writers:
            self._drainers.add(loop.create_task(self._drain(), name="hub-group-commit"))
        return await future

    async def _drain(self) -> None:
        # Lives while there is work: requests that arrive during a commit form the next group.
        await asyncio.sleep(0)
        while self._queue:
            items = [i for i in self._queue[: self.max_group] if not i.future.done()]
            del self._queue[: self.max_group]
            if items:
                try:
                    await self._store(items)
                finally:  # cancelled mid-group: nobody may wait forever
                    for item in items:
                        item.future.cancel()

    async def _store(self, items: list[_Item]) -> None:
        attempts = SINGLE_ATTEMPTS if len(items) == 1 else GROUP_ATTEMPTS
        for attempt in range(attempts):
            try:
                decided = await self._commit(items)
            except Exception as exc:
                if attempt + 1 < attempts and isinstance(exc, DBAPIError):
                    continue
                if len(items) > 1:
                    for item in items:  # nothing was committed: each on its own
                        await self._store([item])
                    return
                if not items[0].future.done():
                    items[0].future.set_exception(exc)
                return
            for item, outcome in decided:
                if item.future.done():
                    continue
                if isinstance(outcome, BaseException):
                    item.future.set_exception(outcome)
                else:
                    item.future.set_result(outcome())
            return

    async def _commit(self, items: list[_Item]) -> list[tuple[_Item, Finish | BaseException]]:
        wanted = Reads()
        for item in items:
            item.op.reads(wanted)
        decided: list[tuple[_Item, Finish | BaseException]] = []
        async with self.db.transaction() as conn:
            group = Group(conn, postgres=self.db.is_postgres)
            await group.load(wanted)
            for item in items:
                try:
                    decided.append((item, item.op.apply(group)))
                except Exception as exc:
                    decided.append((item, exc))
            await group.flush()
        return decided


@dataclass
class FactOp:
    """Store one fact and its deliveries (a verified webhook, for instance)."""

    kind_: FactKind
    fact_key: str
    payload: Any
    targets: list[Target]
    event_id: str | None = None
    ticket_id: str | None = None
    origin: str | None = None
    kind: str = "fact"

    def reads(self, wanted: Reads) -> None:
        return None

    def apply(self, group: Group) -> Finish:
        fact = group.record_fact(
            kind=self.kind_,
            fact_key=self.fact_key,
            payload=self.payload,
            targets=self.targets,
            event_id=self.event_id,
            ticket_id=self.ticket_id,
            origin=self.origin,
        )
        return lambda: fact.id


@dataclass
class StatementOp:
    """One write whose result nobody reads and whose order against the group's other
    writes does not matter. Given ``params``, ops sharing one statement object are run
    together as one ``executemany``: build the statement once and pass the values."""

    statement: Executable
    params: dict[str, Any] | None = None
    kind: str = "statement"

    def reads(self, wanted: Reads) -> None:
        return None

    def apply(self, group: Group) -> Finish:
        group.statements.append((self.statement, self.params))
        return lambda: None


@dataclass
class OutcomeOp:
    """A delivery's outcome. Outcomes of one group are written with one statement per shape,
    not one each: with workers on, recording outcomes competed with ingest for the writer."""

    delivery_id: int
    worker: str
    values: dict[str, Any]
    kind: str = "outcome"

    def reads(self, wanted: Reads) -> None:
        return None

    def apply(self, group: Group) -> Finish:
        group.record_outcome(self.delivery_id, self.worker, self.values)
        return lambda: None


_committers: weakref.WeakKeyDictionary[Database, GroupCommit] = weakref.WeakKeyDictionary()


def group_commit(db: Database) -> GroupCommit:
    """The process's committer for ``db``: every ingest path must share it to group."""
    committer = _committers.get(db)
    if committer is None:
        committer = _committers[db] = GroupCommit(db)
    return committer
