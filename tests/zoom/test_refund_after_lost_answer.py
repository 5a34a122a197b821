"""A refund reaches Zoom even when the holder's registration answer was lost.

The ledger writes ``pending`` rows before a registration call. If the process dies after
Zoom applied the call but before the answer came back, the rows stay ``pending`` while
Zoom holds approved registrants. A refund arriving then supersedes the sale (its delivery
is skipped, nothing re-sends it), so the refund itself must cancel the registrant on Zoom:
by email, since the ledger never learnt the registrant's id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hub_zoom.lifecycle import registrant_rows, registration_calls
from hub_zoom.lifecycle.registration_flow import local_row, registrant_body
from hub_zoom.service import service

from hub.models import Refund, Ticket
from tests.conftest import event_body
from tests.zoom.conftest import (
    ZoomHub,
    hub_deliveries,
    sell_many,
    zoom_meeting_rows,
    zoom_registrants,
)


async def cut_off_registration(
    zh: ZoomHub, meeting: Any, tickets: list[Ticket], reach_zoom: bool
) -> None:
    """What a process killed mid-call leaves: ``pending`` rows, and (when ``reach_zoom``)
    the registrations applied on Zoom through the hub's own client, answers discarded."""
    hub = zh.runtime.hub
    await registrant_rows.write_many(hub, [local_row(meeting, t, "pending") for t in tickets])
    if reach_zoom:
        client = service(hub).client(meeting.connection_id)
        results = await registration_calls.register(
            client, meeting, [registrant_body(t) for t in tickets]
        )
        assert all(r.error is None and r.registrant_id for r in results), results


def holder(ticket_id: str, email: str | None = None) -> Ticket:
    return Ticket(
        id=ticket_id,
        event_id="ev-1",
        email=email or f"{ticket_id}@example.com",
        first_name="Holder",
        last_name=ticket_id,
    )


@pytest.mark.parametrize("fmt", ["meeting", "webinar"])
async def test_refund_cancels_on_zoom_a_registration_whose_answer_was_lost(
    zoom_hub_factory: Callable[..., Any], fmt: str
) -> None:
    async with zoom_hub_factory(pipeline={"run_workers": False}) as zh:
        await zh.api.post("/api/v1/events/published", json=event_body(format=fmt))
        await zh.drain()
        meeting = (await zoom_meeting_rows(zh, "ev-1"))[""]
        assert meeting.kind == fmt and meeting.meeting_id

        # t-00000..t-00003 sold; t-00004 is a second ticket of t-00003's holder.
        await sell_many(zh, "ev-1", 4)
        shared = holder("t-00004", email="t-00003@example.com")
        await zh.runtime.ingestor.sell_ticket(shared)
        # Two holders registered on Zoom with the answer lost, one whose call never got
        # there, and the shared holder's second ticket cut off the same way.
        await cut_off_registration(zh, meeting, [holder("t-00000"), holder("t-00001")], True)
        await cut_off_registration(zh, meeting, [holder("t-00002")], False)
        await cut_off_registration(zh, meeting, [shared], False)
        assert {r["email"] for r in await zoom_registrants(zh, meeting.meeting_id)} == {
            "t-00000@example.com",
            "t-00001@example.com",
        }

        for ticket_id in ("t-00000", "t-00001", "t-00002", "t-00004"):
            await zh.runtime.ingestor.refund_ticket(Refund(ticket_id=ticket_id, event_id="ev-1"))
        await zh.drain()

        on_zoom = {r["email"]: r["status"] for r in await zoom_registrants(zh, meeting.meeting_id)}
        assert on_zoom.get("t-00000@example.com") == "cancelled", on_zoom
        assert on_zoom.get("t-00001@example.com") == "cancelled", on_zoom
        assert "t-00002@example.com" not in on_zoom
        # The refunded second ticket leaves the holder's remaining ticket registered.
        assert on_zoom.get("t-00003@example.com") == "approved", on_zoom
        ledger = await registrant_rows.rows_for_session(zh.runtime.hub, "ev-1", "")
        assert {t: r.status for t, r in ledger.items()} == {
            "t-00000": "cancelled",
            "t-00001": "cancelled",
            "t-00002": "cancelled",
            "t-00003": "registered",
            "t-00004": "cancelled",
        }
        states = {
            (d.ticket_id, d.hook): d.state
            for d in await hub_deliveries(zh, plugin="zoom")
            if d.ticket_id is not None
        }
        # Every delivery finished (superseded sales count as done), none dead or waiting.
        assert set(states.values()) == {"done"}, states
        assert len(states) == 5 + 4
