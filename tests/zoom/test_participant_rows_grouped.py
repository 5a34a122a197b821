"""Participant joins and leaves are stored through ``HubContext.write_grouped``.

Concurrent rows share group commit's transactions; a replay changes nothing and does not
fail the other writes of its group.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from hub_zoom.attendance.store import JOIN, ParticipantEvent, insert_event
from hub_zoom.storage import tables as zoom_tables

from hub.pipeline import group_commit as gc
from hub.runtime import HubRuntime

START = datetime(2030, 7, 15, 14, 0, tzinfo=UTC)


def joined(i: int) -> ParticipantEvent:
    return ParticipantEvent(
        meeting_id="85000000001",
        meeting_uuid="uuid==",
        participant_key=f"p-{i}",
        registrant_id=None,
        email=f"p{i}@example.com",
        name=f"Person {i}",
        action=JOIN,
        at=START + timedelta(seconds=i),
    )


async def stored_keys(runtime: HubRuntime) -> list[str]:
    p = zoom_tables.participant_events
    async with runtime.db.connect() as conn:
        return sorted((await conn.execute(sa.select(p.c.participant_key))).scalars())


async def test_concurrent_rows_share_groups_and_replays_change_nothing(
    zoom_hub_factory: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with zoom_hub_factory() as zh:
        runtime = zh.runtime
        sizes: list[int] = []
        commit = gc.GroupCommit._commit

        async def counted(self: gc.GroupCommit, items: list[Any]) -> Any:
            sizes.append(len(items))
            return await commit(self, items)

        monkeypatch.setattr(gc.GroupCommit, "_commit", counted)
        rows = [joined(i) for i in range(30)]
        replays = [joined(i) for i in range(0, 30, 3)]
        await asyncio.gather(*(insert_event(runtime.hub, r) for r in rows + replays))
        assert await stored_keys(runtime) == sorted(f"p-{i}" for i in range(30))
        assert len(sizes) < len(rows), f"each write had its own transaction: {sizes}"
        assert all(size > 0 for size in sizes)
