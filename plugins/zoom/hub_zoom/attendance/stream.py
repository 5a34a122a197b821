"""Joins and leaves of ended instances, paired connection by connection as they are read."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Select, select

from hub.context import HubContext
from hub_zoom.attendance.intervals import Interval
from hub_zoom.attendance.reconcile import (
    Connection,
    Identity,
    InstanceData,
    connection_intervals,
    person_identity,
)
from hub_zoom.attendance.store import INSTANCE_KEY, JOIN, LEAVE
from hub_zoom.storage import tables

STREAM_CHUNK = 5_000

# Columns of the streamed rows, in the order the query selects them.
UUID, KEY, ROW_ID, ACTION, AT, REGISTRANT_ID, EMAIL, NAME = range(8)
_connection_of = itemgetter(UUID, KEY)
_order = itemgetter(0)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_UTC_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Found = list[tuple[int, list[Connection]]]
"""(:func:`_first_seen` of a connection's first row, its paired connections), per instance."""


def _utc(at: datetime) -> datetime:
    """SQLite hands back naive datetimes, PostgreSQL aware ones: both become UTC.

    Runs for every row: ``at.replace(tzinfo=UTC)`` costs about 1 µs (keyword parsing), the
    same exact arithmetic through the epoch a sixth of that.
    """
    if at.tzinfo is None:
        return at - _NAIVE_EPOCH + _UTC_EPOCH
    return at.astimezone(UTC)


def _first_seen(at: datetime, row_id: int) -> int:
    """One integer ordering connections by their first row's (time, id).

    100,000 connections sort several times faster on one integer than on
    (datetime, id) tuples. Row ids are positive 64-bit integers.
    """
    since = at - _UTC_EPOCH
    micros = (since.days * 86_400 + since.seconds) * 1_000_000 + since.microseconds
    return micros << 64 | row_id


def _identity(rows: Sequence[Any]) -> Identity:
    """(registrant id, email, name) of the first row, or of the first with a registrant id."""
    first = rows[0]
    if not first[REGISTRANT_ID]:
        for row in rows:
            if row[REGISTRANT_ID]:
                return (row[REGISTRANT_ID], row[EMAIL], row[NAME])
    return (first[REGISTRANT_ID], first[EMAIL], first[NAME])


def _pair_rows(data: InstanceData, key: str, rows: Sequence[Any]) -> list[Connection]:
    """The connections of one participant key from its rows (ordered by time, then id).

    One join and its leave is nearly every connection of a large webinar, so that case
    builds its :class:`Connection` here; anything else goes through
    :func:`reconcile.connection_intervals`, which gives the same result for this case.
    """
    ident = _identity(rows)
    if len(rows) == 2 and rows[0][ACTION] == JOIN and rows[1][ACTION] == LEAVE:
        start, end = _utc(rows[0][AT]), _utc(rows[1][AT])
        if start <= end:
            registrant_id, email, name = ident
            return [
                Connection(
                    data.session_key,
                    data.uuid,
                    person_identity(registrant_id, email, None if name else key, name),
                    registrant_id,
                    email,
                    name or "",
                    Interval(start, end),
                    "webhook",
                )
            ]
    marks = [(row[ACTION], _utc(row[AT])) for row in rows]
    return connection_intervals(data.session_key, data.uuid, key, ident, marks, data.end)


class _Pairing:
    """Groups streamed rows by connection; a connection may straddle two chunks."""

    def __init__(self, instances: dict[str, InstanceData]) -> None:
        self.instances = instances
        self.found: dict[str, Found] = {u: [] for u in instances}
        self.held: tuple[tuple[str, str], list[Any]] | None = None

    def chunk(self, rows: Iterable[Any]) -> None:
        """Pair every connection of ``rows`` but the last, which the next chunk may extend."""
        held = self.held
        for connection, group in groupby(rows, _connection_of):
            if held is not None:
                if held[0] == connection:
                    held[1].extend(group)
                    continue
                self._pair(*held)
            held = (connection, list(group))
        self.held = held

    def finish(self) -> None:
        if self.held is not None:
            self._pair(*self.held)
            self.held = None

    def _pair(self, connection: tuple[str, str], rows: list[Any]) -> None:
        uuid, key = connection
        made = _pair_rows(self.instances[uuid], key, rows)
        self.found[uuid].append((_first_seen(_utc(rows[0][AT]), rows[0][ROW_ID]), made))


def connection_rows(meeting_ids: list[str], uuids: list[str]) -> Select[Any]:
    """The joins and leaves of the instances ``uuids``, connection after connection.

    Ordered as ``ix_zoom_pe_connection`` (migration zoom_0003) is, so the database walks
    the index instead of sorting every row of a large webinar before returning the first.
    """
    p = tables.participant_events
    return (
        select(
            p.c.meeting_uuid,
            p.c.participant_key,
            p.c.id,
            p.c.action,
            p.c.at,
            p.c.registrant_id,
            p.c.email,
            p.c.name,
        )
        .where(
            p.c.meeting_id.in_(meeting_ids),
            p.c.meeting_uuid.in_(uuids),
            p.c.participant_key != INSTANCE_KEY,
            p.c.action.in_((JOIN, LEAVE)),
        )
        .order_by(p.c.meeting_uuid, p.c.participant_key, p.c.at, p.c.id)
    )


async def stream_connections(
    hub: HubContext, meeting_ids: list[str], instances: dict[str, InstanceData]
) -> None:
    """Pair the joins and leaves of ``instances`` (by UUID) into ``InstanceData.webhook``.

    A large webinar has hundreds of thousands of rows: they are read in chunks, ordered by
    connection (the order of the ``ix_zoom_pe_connection`` index, so the database does not
    sort them first), and each connection is paired as soon as its rows are in, so memory
    holds one chunk and the resulting connections, never every row as an object.
    Connections come out in the order of their first row, as
    :func:`reconcile.webhook_connections` gives them from the full list.
    """
    for data in instances.values():
        data.webhook = []
    if not meeting_ids or not instances:
        return
    query = connection_rows(meeting_ids, list(instances))
    pairing = _Pairing(instances)
    async with hub.db.connect() as conn:
        result = await conn.stream(query.execution_options(yield_per=STREAM_CHUNK))
        async for chunk in result.partitions():
            pairing.chunk(chunk)
    pairing.finish()
    for uuid, connections in pairing.found.items():
        connections.sort(key=_order)
        webhook = instances[uuid].webhook
        assert webhook is not None
        for _, made in connections:
            webhook.extend(made)
