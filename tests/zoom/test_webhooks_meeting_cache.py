"""Participant webhooks look their meeting up through a short-lived cache of found rows.

A meeting the hub does not know yet must be seen as soon as its row exists (a "not
found" is never remembered), and a known one is read once, not once per join.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from hub_zoom.storage import tables as zoom_tables
from hub_zoom.webhooks.lookup import meeting_by_zoom_id_cached
from sqlalchemy import event as sa_event

MEETING_ID = "85000000077"


async def add_meeting(runtime: Any) -> None:
    async with runtime.db.transaction() as conn:
        await conn.execute(
            sa.insert(zoom_tables.meetings).values(
                event_id="ev-cache",
                session_key="",
                connection_id="acct",
                kind="meeting",
                status="active",
                meeting_id=MEETING_ID,
            )
        )


async def test_unknown_is_not_remembered_and_known_is_read_once(
    zoom_hub_factory: Callable[..., Any],
) -> None:
    async with zoom_hub_factory() as zh:
        hub = zh.runtime.hub
        assert await meeting_by_zoom_id_cached(hub, MEETING_ID) is None
        await add_meeting(zh.runtime)
        reads: list[str] = []

        def seen(
            _conn: Any, _cursor: Any, statement: str, *_: Any, sink: list[str] = reads
        ) -> None:
            if "zoom_meetings" in statement:
                sink.append(statement)

        engine = zh.runtime.db.engine.sync_engine
        sa_event.listen(engine, "before_cursor_execute", seen)
        try:
            found = [await meeting_by_zoom_id_cached(hub, int(MEETING_ID)) for _ in range(20)]
        finally:
            sa_event.remove(engine, "before_cursor_execute", seen)
        assert all(ref is not None and ref.event_id == "ev-cache" for ref in found)
        assert len(reads) == 1, f"{len(reads)} reads of zoom_meetings for 20 lookups"
