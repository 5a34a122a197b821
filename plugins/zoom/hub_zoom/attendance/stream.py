"""Joins and leaves of ended instances, paired connection by connection as they are read."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from hub.context import HubContext
from hub_zoom.attendance.reconcile import Connection, Identity, InstanceData, connection_intervals
from hub_zoom.attendance.store import INSTANCE_KEY, JOIN, LEAVE
from hub_zoom.storage import tables

STREAM_CHUNK = 5_000


async def stream_connections(
    hub: HubContext, meeting_ids: list[str], instances: dict[str, InstanceData]
) -> None:
    """Pair the joins and leaves of ``instances`` (by UUID) into ``InstanceData.webhook``.

    A large webinar has hundreds of thousands of rows: they are read in chunks, ordered by
    connection, and each connection is paired as soon as its rows are in, so memory holds
    one chunk and the resulting connections, never every row as an object. Connections
    come out in the order of their first row, as :func:`reconcile.webhook_connections`
    gives them from the full list.
    """
    for data in instances.values():
        data.webhook = []
    if not meeting_ids or not instances:
        return
    p = tables.participant_events
    query = (
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
            p.c.meeting_uuid.in_(list(instances)),
            p.c.participant_key != INSTANCE_KEY,
            p.c.action.in_((JOIN, LEAVE)),
        )
        .order_by(p.c.meeting_uuid, p.c.participant_key, p.c.at, p.c.id)
    )
    found: dict[str, list[tuple[datetime, int, list[Connection]]]] = {u: [] for u in instances}
    current: tuple[str, str] | None = None
    first: tuple[datetime, int] | None = None
    ident: Identity = (None, None, None)
    marks: list[tuple[str, datetime]] = []

    def flush() -> None:
        if current is None or first is None or not marks:
            return
        data = instances[current[0]]
        made = connection_intervals(data.session_key, data.uuid, current[1], ident, marks, data.end)
        found[current[0]].append((first[0], first[1], made))

    async with hub.db.connect() as conn:
        result = await conn.stream(query.execution_options(yield_per=STREAM_CHUNK))
        async for chunk in result.partitions():
            for uuid, key, row_id, action, at, registrant_id, email, name in chunk:
                # as_utc, inline: it runs once per row
                at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
                if current is None or key != current[1] or uuid != current[0]:
                    flush()
                    current, first, marks = (uuid, key), (at, row_id), []
                    ident = (registrant_id, email, name)
                elif registrant_id and not ident[0]:
                    ident = (registrant_id, email, name)
                marks.append((action, at))
    flush()
    for uuid, connections in found.items():
        connections.sort(key=lambda c: (c[0], c[1]))
        webhook = instances[uuid].webhook
        assert webhook is not None
        for _, _, made in connections:
            webhook.extend(made)
