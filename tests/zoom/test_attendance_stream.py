"""The streamed pairing of join and leave rows gives what pairing the full list gives.

``stream_connections`` reads an instance's rows in chunks ordered by connection and pairs
each connection as soon as its rows are in; a connection whose rows straddle two chunks
must come out as if read at once. The reference is ``reconcile.webhook_connections`` over
every row. The rows are irregular on purpose: joins out of order, a duplicate join, a
leave without its join, a connection still open at the end, a registrant id that arrives
on a later row, two instances and a meeting outside the report.

The streaming query must also be answered from the ``ix_zoom_pe_connection`` index, not
by sorting every row first (the migration exists for that).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from hub_zoom.attendance import stream
from hub_zoom.attendance.reconcile import InstanceData, webhook_connections
from hub_zoom.attendance.store import INSTANCE_KEY, events_of_meetings
from hub_zoom.storage import tables as zoom_tables
from sqlalchemy.dialects import sqlite

START = datetime(2030, 7, 15, 14, 0, tzinfo=UTC)
MEETING, OTHER = "85000000001", "85000000002"
ENDS = {"first==": START + timedelta(minutes=60), "second==": START + timedelta(minutes=30)}


def _row(uuid: str, key: str, action: str, second: int, **who: Any) -> dict[str, Any]:
    return {
        "meeting_id": who.pop("meeting_id", MEETING),
        "meeting_uuid": uuid,
        "participant_key": key,
        "registrant_id": who.get("registrant_id"),
        "email": who.get("email"),
        "name": who.get("name"),
        "action": action,
        "at": START + timedelta(seconds=second),
    }


def irregular_rows() -> list[dict[str, Any]]:
    """Rows in the order webhooks may store them (not the order they happened)."""
    rows = [
        _row(uuid, INSTANCE_KEY, "end", int((end - START).total_seconds()))
        for uuid, end in ENDS.items()
    ]
    for i in range(12):  # plain connections, several sharing their join time
        who = {"registrant_id": f"r{i}", "email": f"p{i}@example.com", "name": f"P {i}"}
        rows.append(_row("first==", f"k{i:02d}", "leave", 600 + i, **who))
        rows.append(_row("first==", f"k{i:02d}", "join", 60 * (i % 3), **who))
    rows += [
        _row("first==", "rejoin", "join", 900, email="re@example.com"),
        _row("first==", "rejoin", "leave", 100, email="re@example.com"),
        _row("first==", "rejoin", "join", 10, email="re@example.com"),
        _row("first==", "rejoin", "leave", 1000, email="re@example.com"),
        _row("first==", "twice", "join", 5, name="Twice"),
        _row("first==", "twice", "join", 6, name="Twice"),
        _row("first==", "twice", "leave", 50, name="Twice"),
        _row("first==", "orphan", "leave", 70, name="Orphan"),
        _row("first==", "open", "join", 30, name="Still Here"),
        _row("first==", "late-id", "join", 40, email="late@example.com"),
        _row("first==", "late-id", "leave", 80, registrant_id="r-late", email="late@example.com"),
        _row("first==", "same-time", "leave", 90, name="Instant"),
        _row("first==", "same-time", "join", 90, name="Instant"),
        _row("second==", "k00", "join", 2, registrant_id="r0"),
        _row("second==", "k00", "leave", 20, registrant_id="r0"),
        _row("second==", "k01", "join", 3, registrant_id="r1"),
        _row("first==", "elsewhere", "join", 1, name="Other Meeting", meeting_id=OTHER),
        _row("first==", "elsewhere", "leave", 9, name="Other Meeting", meeting_id=OTHER),
    ]
    return rows


def instances() -> dict[str, InstanceData]:
    return {uuid: InstanceData(f"s-{uuid}", uuid, end) for uuid, end in ENDS.items()}


async def expected(hub: Any) -> dict[str, Any]:
    """Pairing of the full, time-ordered rows of each instance (the reference)."""
    events = await events_of_meetings(hub, [MEETING])
    result = {}
    for uuid, data in instances().items():
        mine = [e for e in events if e.meeting_uuid == uuid and e.participant_key != INSTANCE_KEY]
        result[uuid] = webhook_connections(data.session_key, uuid, mine, data.end)
    return result


@pytest.mark.parametrize("chunk", [1, 2, 3, 5000])
async def test_streamed_pairing_matches_pairing_every_row(
    zoom_hub_factory: Callable[..., Any], monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    async with zoom_hub_factory() as zh:
        hub = zh.runtime.hub
        async with zh.runtime.db.transaction() as conn:
            await conn.execute(sa.insert(zoom_tables.participant_events), irregular_rows())
        monkeypatch.setattr(stream, "STREAM_CHUNK", chunk)
        streamed = instances()
        await stream.stream_connections(hub, [MEETING], streamed)
        reference = await expected(hub)
        assert {uuid: data.webhook for uuid, data in streamed.items()} == reference
        assert len(reference["first=="]) == 12 + 2 + 1 + 1 + 1 + 1  # the orphan leave pairs nothing
        assert all(c.interval.start.tzinfo is UTC for c in streamed["first=="].webhook or [])


def test_the_streaming_query_walks_the_connection_index_without_sorting(
    sqlite_url: str,
) -> None:
    """SQLite's plan for the query, on a schema built from ``tables.py`` (which the upgrade
    tests hold equal to the migrated one): the index, and no temporary B-tree."""
    path = sqlite_url.split("///", 1)[1]
    engine = sa.create_engine(f"sqlite:///{path}")
    zoom_tables.metadata.create_all(engine, tables=[zoom_tables.participant_events])
    engine.dispose()
    for uuids in (["first=="], ["first==", "second=="]):
        query = stream.connection_rows([MEETING], uuids)
        sql = str(query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
        with sqlite3.connect(path) as conn:
            plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}")]
        assert any("ix_zoom_pe_connection" in step for step in plan), plan
        assert not any("TEMP B-TREE" in step for step in plan), plan
