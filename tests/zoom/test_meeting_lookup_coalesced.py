"""Ticket deliveries of one event share their first read, and still see every change.

The starting read of a ticket delivery (the event's meeting rows, the ticket's ledger
rows) is shared by the deliveries that ask at the same time. Nothing is cached: a read
that began before a caller asked is never given to that caller, so a meeting deleted or
replaced before a delivery looks is what that delivery sees.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from hub_zoom.lifecycle import meeting_rows, registrant_rows, ticket_reads
from hub_zoom.lifecycle.registration_flow import MEETING_GONE_MESSAGE

from hub.models import Ticket
from tests.conftest import event_body
from tests.zoom.conftest import (
    ZoomHub,
    calls_to,
    emulator_stats,
    sell_many,
    zoom_meeting_rows,
)

MEETING_BATCH = "POST /v2/meetings/{meetingId}/batch_registrants"


def count_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Event ids of every meeting read the shared reader makes."""
    reads: list[str] = []
    original = meeting_rows.read_rows

    async def counted(conn: Any, event_id: str) -> Any:
        reads.append(event_id)
        return await original(conn, event_id)

    monkeypatch.setattr(meeting_rows, "read_rows", counted)
    return reads


async def published(zh: ZoomHub) -> Any:
    """ev-1 published and its meeting created; the meeting's row."""
    await zh.api.post("/api/v1/events/published", json=event_body())
    await zh.drain()
    return (await zoom_meeting_rows(zh, "ev-1"))[""]


async def test_concurrent_deliveries_share_one_read(
    zoom_hub_factory: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with zoom_hub_factory(pipeline={"run_workers": False}) as zh:
        hub = zh.runtime.hub
        meeting = await published(zh)
        known = registrant_rows.RegistrantRow(
            "ev-1", "t-3", "", "t-3@example.com", "registered", meeting.meeting_id, "r-3"
        )
        await registrant_rows.write_many(hub, [known])
        reads = count_reads(monkeypatch)
        reader = ticket_reads.ticket_reads(hub)

        views = await asyncio.gather(*(reader.view(hub, "ev-1", f"t-{i}") for i in range(20)))
        assert reads == ["ev-1"], "twenty deliveries asking together share one read"
        assert all(v.meetings[""].meeting_id == meeting.meeting_id for v in views)
        assert views[3].registrants == {"": known}
        assert all(v.registrants == {} for i, v in enumerate(views) if i != 3)

        # Each caller owns its rows: one marking its copy (set_status does) changes no other.
        views[0].meetings[""].status = "deleted"
        views[0].meetings[""].details["type"] = 99
        assert views[1].meetings[""].status == meeting.status
        assert views[1].meetings[""].details.get("type") != 99

        # Asking again later is a new read, not a remembered answer.
        await reader.view(hub, "ev-1", "t-0")
        assert reads == ["ev-1", "ev-1"]


async def test_a_read_begun_before_a_change_is_not_given_to_later_callers(
    zoom_hub_factory: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with zoom_hub_factory(pipeline={"run_workers": False}) as zh:
        hub = zh.runtime.hub
        meeting = await published(zh)
        started, release = asyncio.Event(), asyncio.Event()
        original = meeting_rows.read_rows
        reads: list[str] = []

        async def slow_first(conn: Any, event_id: str) -> Any:
            reads.append(event_id)
            if len(reads) == 1:
                started.set()
                await release.wait()  # the first read is held while the meeting changes
            return await original(conn, event_id)

        monkeypatch.setattr(meeting_rows, "read_rows", slow_first)
        reader = ticket_reads.ticket_reads(hub)
        early = asyncio.create_task(reader.view(hub, "ev-1", "t-early"))
        await asyncio.wait_for(started.wait(), 10)

        # Another process (a webhook) marks the meeting deleted; then a delivery asks.
        await meeting_rows.set_status(hub, meeting, "deleted", "gone on Zoom")
        late = asyncio.create_task(reader.view(hub, "ev-1", "t-late"))
        await asyncio.sleep(0.05)
        release.set()
        await early
        late_view = await asyncio.wait_for(late, 10)
        assert late_view.meetings[""].status == "deleted"
        assert len(reads) == 2, "the late caller got a read of its own"


async def test_a_meeting_deleted_elsewhere_is_seen_by_the_next_sale(
    zoom_hub_factory: Callable[..., Any],
) -> None:
    """No stale answer survives between deliveries: after the row says "deleted" (as a
    webhook handled by another process would leave it), a new holder is not sent to Zoom
    and is told the meeting is gone."""
    async with zoom_hub_factory(pipeline={"run_workers": False}) as zh:
        hub = zh.runtime.hub
        meeting = await published(zh)
        await sell_many(zh, "ev-1", 3)
        await zh.drain()
        calls = calls_to(await emulator_stats(zh), MEETING_BATCH)
        assert calls == 1

        await meeting_rows.set_status(hub, meeting, "deleted", "gone on Zoom")
        late = Ticket(id="t-late", event_id="ev-1", email="late@example.com", first_name="L")
        await zh.runtime.ingestor.sell_ticket(late)
        await zh.drain()
        stats = await emulator_stats(zh)
        assert calls_to(stats, MEETING_BATCH) == calls
        assert calls_to(stats, "POST /v2/meetings/{meetingId}/registrants") == 0
        view = (await zh.api.get("/api/v1/events/ev-1/tickets/t-late")).json()
        assert view["registration"]["status"] == "failed"
        assert view["registration"]["message"] == MEETING_GONE_MESSAGE.format(event_id="ev-1")
