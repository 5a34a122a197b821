"""Meetings and webinars follow the hub's events on Zoom (the emulator, over HTTP).

Covers the meeting-or-webinar choice, settings and per-event overrides, multi-session and
instant events, updates and cancellation, idempotent creation under redelivery and after a
crash between the recorded intent and Zoom's answer, Zoom's daily per-host limit, faults,
and a meeting deleted on Zoom's side followed by a resync.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
from hub_zoom.api import RetryPolicy
from hub_zoom.lifecycle import meeting_rows, meetings, registrants
from hub_zoom.lifecycle.meeting_body import create_body, options_of, plans_for
from hub_zoom.service import service

from hub.context import DeliveryContext
from hub.models import Event, Refund, Ticket
from tests.conftest import event_body, ticket_body
from tests.zoom.conftest import (
    ZoomHub,
    calls_to,
    drain_until_done,
    emulator_stats,
    hub_deliveries,
    zoom_meeting_rows,
    zoom_meetings,
    zoom_registrants,
)

CREATE_MEETING = "POST /v2/users/{userId}/meetings"
CREATE_WEBINAR = "POST /v2/users/{userId}/webinars"
PATCH_MEETING = "PATCH /v2/meetings/{meetingId}"
LIST_MEETINGS = "GET /v2/users/{userId}/meetings"
STATUS_CALL = "PUT /v2/meetings/{meetingId}/registrants/status"


def ctx_for(zh: ZoomHub, hook: str) -> DeliveryContext:
    """What the pipeline hands a hook: used to deliver a fact again, as a redelivery would."""
    return DeliveryContext(hub=zh.runtime.hub, plugin="zoom", delivery_id=0, attempt=2, hook=hook)


async def publish(zh: ZoomHub, **fields: Any) -> dict[str, Any]:
    body = event_body(**fields)
    response = await zh.api.post("/api/v1/events/published", json=body)
    assert response.status_code == 202, response.text
    return body


async def event_view(zh: ZoomHub, event_id: str = "ev-1") -> dict[str, Any]:
    response = await zh.api.get(f"/api/v1/events/{event_id}")
    assert response.status_code == 200, response.text
    return response.json()


async def ticket_view(zh: ZoomHub, ticket_id: str, event_id: str = "ev-1") -> dict[str, Any]:
    response = await zh.api.get(f"/api/v1/events/{event_id}/tickets/{ticket_id}")
    assert response.status_code == 200, response.text
    return response.json()


async def test_meeting_with_registration_settings_overrides_and_polls(
    zoom_hub_factory: Callable[..., Any],
) -> None:
    zoom = {
        "waiting_room": True,
        "auto_recording": "local",
        "breakout_room": {
            "enable": True,
            "rooms": [{"name": "Room A", "participants": ["ana@example.com"]}],
        },
        "polls": [
            {
                "title": "Level",
                "questions": [
                    {"name": "Your level?", "type": "single", "answers": ["new", "expert"]}
                ],
            }
        ],
        "settings": {"audio": "voip"},
        "host": "trainer@example.com",  # spreads Zoom's 100 creates a day over hosts
    }
    async with zoom_hub_factory() as zh:
        trainer = zh.zoom.state.add_user(email="trainer@example.com", first_name="T")
        await publish(zh, provider_settings={"zoom": zoom})
        await zh.api.post("/api/v1/tickets/sold", json=ticket_body("t-host", email=trainer.email))
        await zh.drain()
        row = (await zoom_meeting_rows(zh, "ev-1"))[""]
        assert (row.status, row.kind, row.zoom_type) == ("active", "meeting", 2)
        assert row.host_id == trainer.id
        assert (await ticket_view(zh, "t-host"))["registration"]["status"] == "skipped"

        client = service(zh.runtime.hub).client()
        meeting = await client.get_meeting(row.meeting_id)
        settings = meeting["settings"]
        assert settings["approval_type"] == 0 and settings["registration_type"] == 1
        assert settings["waiting_room"] is True  # per-event override
        assert settings["auto_recording"] == "local"
        assert settings["mute_upon_entry"] is True  # plugin default
        assert settings["join_before_host"] is False
        assert settings["audio"] == "voip"  # raw Zoom settings pass through
        assert settings["breakout_room"]["rooms"][0]["participants"] == ["ana@example.com"]
        assert len(meeting["password"]) == 8
        assert meeting["start_time"] == "2030-07-15T11:00:00Z"
        assert meeting["timezone"] == "Europe/Bucharest"
        assert [p["title"] for p in await client.list_meeting_polls(row.meeting_id)] == ["Level"]

        view = await event_view(zh)
        details = view["meeting"]
        assert details["meeting_id"] == row.meeting_id and details["status"] == "active"
        assert details["passcode"] == meeting["password"]
        assert details["registration_url"] == meeting["registration_url"]
        assert [d["number"] for d in details["dial_in"]] == [
            d["number"] for d in settings["global_dial_in_numbers"]
        ]
        assert "/s/" not in str(view)  # the host start URL never leaves the hub
        start_url = await meeting_rows.host_start_url(zh.runtime.hub, "ev-1")
        assert start_url == meeting["start_url"]


@pytest.mark.parametrize(("capacity", "kind"), [(5000, "webinar"), (500, "meeting")])
async def test_auto_format_picks_a_webinar_above_the_threshold(
    zoom_hub_factory: Callable[..., Any], capacity: int, kind: str
) -> None:
    zoom = {
        "question_and_answer": False,
        "practice_session": True,
        "panelists": [{"name": "Speaker", "email": "speaker@example.com"}],
        "polls": [
            {
                "title": "Mood",
                "questions": [{"name": "How?", "type": "single", "answers": ["ok", "great"]}],
            }
        ],
    }
    async with zoom_hub_factory() as zh:
        await publish(zh, format="auto", capacity=capacity, provider_settings={"zoom": zoom})
        await zh.api.post("/api/v1/tickets/sold", json=ticket_body("t-1"))
        await zh.api.post(
            "/api/v1/tickets/sold", json=ticket_body("t-2", email="speaker@example.com")
        )
        await zh.drain()
        row = (await zoom_meeting_rows(zh, "ev-1"))[""]
        assert row.kind == kind
        assert (await event_view(zh))["meeting"]["kind"] == kind
        stats = await emulator_stats(zh)
        assert calls_to(stats, CREATE_WEBINAR if kind == "webinar" else CREATE_MEETING) == 1
        client = service(zh.runtime.hub).client()
        registered = (await ticket_view(zh, "t-1"))["registration"]
        assert registered["status"] == "registered"
        if kind == "webinar":
            webinar = await client.get_webinar(row.meeting_id)
            assert webinar["type"] == 5
            assert webinar["settings"]["question_and_answer"]["enable"] is False
            assert webinar["settings"]["practice_session"] is True
            panelists = await client.list_panelists(row.meeting_id)
            assert [p["email"] for p in panelists] == ["speaker@example.com"]
            assert [p["title"] for p in await client.list_webinar_polls(row.meeting_id)] == ["Mood"]
            speaker = (await ticket_view(zh, "t-2"))["registration"]
            assert speaker["status"] == "skipped"  # panelists have their own link
            assert "/w/" in registered["join_url"]
            # A panelist invited on Zoom (not in the event's settings): Zoom says 3000.
            guest = {"name": "Guest", "email": "guest@example.com"}
            await client.add_panelists(row.meeting_id, [guest])
            await zh.api.post("/api/v1/tickets/sold", json=ticket_body("t-3", email=guest["email"]))
            await zh.drain()
            assert (await ticket_view(zh, "t-3"))["registration"]["status"] == "skipped"
        else:
            assert (await ticket_view(zh, "t-2"))["registration"]["status"] == "registered"


async def test_multi_session_event_registers_holders_to_every_session(
    zoom_hub_factory: Callable[..., Any],
) -> None:
    sessions = [
        {
            "id": "day-1",
            "title": "Day one",
            "starts_at": "2030-07-15T09:00:00+00:00",
            "duration_minutes": 60,
        },
        {"id": "day-2", "starts_at": "2030-07-16T09:00:00+00:00", "duration_minutes": 45},
    ]
    async with zoom_hub_factory() as zh:
        await publish(zh, sessions=sessions)
        for i in range(3):
            await zh.api.post("/api/v1/tickets/sold", json=ticket_body(f"t-{i}"))
        await zh.drain()
        rows = await zoom_meeting_rows(zh, "ev-1")
        assert sorted(rows) == ["day-1", "day-2"]
        topics = {m["topic"] for m in await zoom_meetings(zh)}
        assert topics == {"Summer Workshop: Day one", "Summer Workshop: Session 2 of 2"}
        view = await event_view(zh)
        assert view["meeting"] is None
        assert sorted(s["session_id"] for s in view["sessions"]) == ["day-1", "day-2"]
        for key in ("day-1", "day-2"):
            assert len(await zoom_registrants(zh, rows[key].meeting_id, "approved")) == 3
        ticket = await ticket_view(zh, "t-1")
        assert {s["session_id"]: s["status"] for s in ticket["sessions"]} == {
            "day-1": "registered",
            "day-2": "registered",
        }
        assert len({s["join_url"] for s in ticket["sessions"]}) == 2

        await zh.api.post("/api/v1/tickets/refunded", json={"ticket_id": "t-1", "event_id": "ev-1"})
        await zh.drain()
        for key in ("day-1", "day-2"):
            assert len(await zoom_registrants(zh, rows[key].meeting_id, "approved")) == 2
        ticket = await ticket_view(zh, "t-1")
        assert {s["status"] for s in ticket["sessions"]} == {"cancelled"}


async def test_instant_event_gets_an_instant_meeting_and_skipped_tickets(
    zoom_hub_factory: Callable[..., Any],
) -> None:
    async with zoom_hub_factory() as zh:
        await publish(zh, instant=True)
        await zh.api.post("/api/v1/tickets/sold", json=ticket_body("t-1"))
        await zh.drain()
        row = (await zoom_meeting_rows(zh, "ev-1"))[""]
        assert row.zoom_type == 1
        registration = (await ticket_view(zh, "t-1"))["registration"]
        assert registration["status"] == "skipped"
        assert registration["join_url"] == row.join_url
        assert "instant" in registration["message"]
        stats = await emulator_stats(zh)
        assert not any("registrants" in route for route in stats["calls"])


async def test_redelivered_publish_and_update_cost_no_zoom_calls(
    zoom_hub_factory: Callable[..., Any],
) -> None:
    async with zoom_hub_factory(pipeline={"run_workers": False}) as zh:
        body = await publish(zh)
        await zh.drain()
        event = msgspec.convert(body, Event)
        for _ in range(2):  # the same fact delivered again (a retry after a lost ack)
            await meetings.on_event_published(event, ctx_for(zh, "on_event_published"))

        changed = event_body(title="Summer Workshop (moved)", starts_at="2030-07-16T14:00:00+03:00")
        await zh.api.post("/api/v1/events/updated", json=changed)
        await zh.drain()
        updated = msgspec.convert(changed, Event)
        await meetings.on_event_updated(updated, event, ctx_for(zh, "on_event_updated"))

        stats = await emulator_stats(zh)
        assert calls_to(stats, CREATE_MEETING) == 1
        assert calls_to(stats, PATCH_MEETING) == 1
        assert len(await zoom_meetings(zh)) == 1
        row = (await zoom_meeting_rows(zh, "ev-1"))[""]
        meeting = await service(zh.runtime.hub).client().get_meeting(row.meeting_id)
        assert meeting["topic"] == "Summer Workshop (moved)"
        assert meeting["start_time"] == "2030-07-16T11:00:00Z"


async def test_retry_after_a_crash_finds_the_meeting_instead_of_creating_another(
    zoom_hub_factory: Callable[..., Any],
) -> None:
    async with zoom_hub_factory(pipeline={"run_workers": False}) as zh:
        hub = zh.runtime.hub
        # The crashed attempt: intent committed, meeting created on Zoom, answer lost.
        crashed = msgspec.convert(event_body("ev-crash"), Event)
        plan = plans_for(crashed, service(hub).settings)[0]
        details = {"host": "me", "type": 2, "topic": plan.topic, "start_time": plan.start_time_text}
        await meeting_rows.record_intent(hub, "ev-crash", "", "emuAccount1", "meeting", details)
        made = (
            await service(hub)
            .client()
            .create_meeting("me", create_body(plan, options_of(crashed), service(hub).settings))
        )
        # A second event whose attempt crashed before reaching Zoom.
        await meeting_rows.record_intent(
            hub,
            "ev-early",
            "",
            "emuAccount1",
            "meeting",
            {**details, "topic": "Early", "start_time": "2030-07-20T10:00:00Z"},
        )

        await publish(zh, event_id="ev-crash")
        await publish(zh, event_id="ev-early", title="Early", starts_at="2030-07-20T10:00:00+00:00")
        await zh.drain()

        stats = await emulator_stats(zh)
        assert calls_to(stats, CREATE_MEETING) == 2  # the crashed one, and ev-early's
        assert calls_to(stats, LIST_MEETINGS) == 2  # each retry looked first
        assert len(await zoom_meetings(zh)) == 2
        adopted = (await zoom_meeting_rows(zh, "ev-crash"))[""]
        assert adopted.meeting_id == str(made["id"]) and adopted.status == "active"
        assert (await event_view(zh, "ev-crash"))["meeting"]["join_url"] == made["join_url"]
        early = (await zoom_meeting_rows(zh, "ev-early"))[""]
        assert early.meeting_id not in (None, str(made["id"]))


async def test_daily_host_limit_reschedules_after_midnight_utc(
    zoom_hub_factory: Callable[..., Any],
) -> None:
    async with zoom_hub_factory(pipeline={"run_workers": False}) as zh:
        owner = zh.zoom.state.users_by_email["owner@example.com"]
        zh.zoom.state.rate_limits.consume_user_limit(("host_create_update", owner.id), 100)
        await publish(zh)
        await zh.drain()
        [delivery] = await hub_deliveries(zh, hook="on_event_published")
        assert (delivery.state, delivery.error_kind, delivery.attempts) == ("pending", "retry", 0)
        now = datetime.now(UTC)
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
        assert delivery.due_at.replace(tzinfo=UTC) >= midnight
        assert "daily limit" in delivery.last_error
        assert (await zoom_meeting_rows(zh, "ev-1"))[""].status == "creating"


async def test_server_errors_and_per_second_limits_are_retried(
    zoom_hub_factory: Callable[..., Any],
) -> None:
    add_registrant = "POST /v2/meetings/{meetingId}/registrants"
    faults = {
        "seed": 7,
        "rules": [
            {"route": CREATE_MEETING, "error_rate": 0.5, "error_status": 500},
            {
                "route": add_registrant,
                "error_rate": 0.25,
                "error_status": 502,
                "rate_limit_rate": 0.25,
            },
        ],
    }
    # One holder per call, so that each registration is a call to disturb.
    overrides = {"unavailable_retry_seconds": 0.05, "batch_size": 1}
    async with zoom_hub_factory(zoom_overrides=overrides) as zh:
        # The client's in-place retries, with short pauses so the test does not sleep long.
        fast = RetryPolicy(base_delay=0.02, max_delay=0.1, rate_limit_delay=0.05)
        service(zh.runtime.hub).client().retry = fast
        assert (await zh.api.post(f"{zh.zoom.control_url}/faults", json=faults)).status_code == 200
        await publish(zh)
        for i in range(10):
            await zh.api.post("/api/v1/tickets/sold", json=ticket_body(f"t-{i}"))
        await drain_until_done(zh)
        stats = await emulator_stats(zh)
        assert stats["injected"]["5xx"] >= 2 and stats["injected"]["429"] >= 2
        assert len(await zoom_meetings(zh)) == 1  # a 500 on create never made a second one
        row = (await zoom_meeting_rows(zh, "ev-1"))[""]
        assert len(await zoom_registrants(zh, row.meeting_id, "approved")) == 10
        lifecycle = [d for d in await hub_deliveries(zh, plugin="zoom") if d.hook != "on_webhook"]
        assert {d.state for d in lifecycle} == {"done"}


async def test_update_adds_and_removes_sessions(zoom_hub_factory: Callable[..., Any]) -> None:
    one = {"id": "s-1", "starts_at": "2030-07-15T09:00:00+00:00", "duration_minutes": 60}
    two = {"id": "s-2", "starts_at": "2030-07-16T09:00:00+00:00", "duration_minutes": 60}
    async with zoom_hub_factory() as zh:
        await publish(zh, sessions=[one])
        for i in range(2):
            await zh.api.post("/api/v1/tickets/sold", json=ticket_body(f"t-{i}"))
        await zh.drain()
        await zh.api.post("/api/v1/events/updated", json=event_body(sessions=[one, two]))
        await zh.drain()
        rows = await zoom_meeting_rows(zh, "ev-1")
        assert len(await zoom_registrants(zh, rows["s-2"].meeting_id, "approved")) == 2

        await zh.api.post("/api/v1/events/updated", json=event_body(sessions=[two]))
        await zh.drain()
        rows = await zoom_meeting_rows(zh, "ev-1")
        assert rows["s-1"].status == "cancelled" and rows["s-2"].status == "active"
        deleted = {m["id"]: m["deleted"] for m in await zoom_meetings(zh)}
        assert deleted[int(rows["s-1"].meeting_id)] is True
        sessions = {
            s["session_id"]: s["status"] for s in (await ticket_view(zh, "t-0"))["sessions"]
        }
        assert sessions == {"s-1": "cancelled", "s-2": "registered"}


async def test_cancelled_event_deletes_its_meeting_and_registrations(
    zoom_hub_factory: Callable[..., Any],
) -> None:
    async with zoom_hub_factory() as zh:
        await publish(zh)
        for i in range(3):
            await zh.api.post("/api/v1/tickets/sold", json=ticket_body(f"t-{i}"))
        await zh.drain()
        row = (await zoom_meeting_rows(zh, "ev-1"))[""]
        response = await zh.api.post("/api/v1/events/cancelled", json={"id": "ev-1"})
        assert response.status_code == 202, response.text
        await zh.drain()
        [meeting] = await zoom_meetings(zh)
        assert meeting["deleted"] is True
        assert (await event_view(zh))["meeting"]["status"] == "cancelled"
        assert (await ticket_view(zh, "t-2"))["registration"]["status"] == "cancelled"
        assert (await zoom_meeting_rows(zh, "ev-1"))[""].status == "cancelled"
        assert row.meeting_id == meeting["id"].__str__()


async def test_meeting_deleted_on_zoom_shows_and_resync_recreates_it(
    zoom_hub_factory: Callable[..., Any],
) -> None:
    async with zoom_hub_factory() as zh:
        zh.zoom.state.set_webhook_url(None)  # found through the API error, not the webhook
        await publish(zh)
        for i in range(5):
            await zh.api.post("/api/v1/tickets/sold", json=ticket_body(f"t-{i}"))
        await zh.drain()
        old = (await zoom_meeting_rows(zh, "ev-1"))[""]
        deleted = await zh.api.post(f"{zh.zoom.control_url}/meetings/{old.meeting_id}/delete")
        assert deleted.status_code == 200

        await zh.api.post("/api/v1/tickets/sold", json=ticket_body("t-late"))
        await zh.drain()
        view = await event_view(zh)
        assert view["meeting"]["status"] == "deleted"
        assert "resync" in view["meeting"]["message"]
        late = (await ticket_view(zh, "t-late"))["registration"]
        assert late["status"] == "failed" and "resync" in late["message"]

        response = await zh.api.post("/api/v1/events/ev-1/resync")
        assert response.status_code == 200, response.text
        result = response.json()
        assert result["meetings"][0]["action"] == "recreated"
        assert result["registered"] == 6
        new = (await zoom_meeting_rows(zh, "ev-1"))[""]
        assert new.meeting_id != old.meeting_id and new.status == "active"
        assert len(await zoom_registrants(zh, new.meeting_id, "approved")) == 6
        view = await event_view(zh)
        assert (view["meeting"]["meeting_id"], view["meeting"]["status"]) == (
            new.meeting_id,
            "active",
        )
        ticket = await ticket_view(zh, "t-0")
        assert ticket["registration"]["status"] == "registered"
        assert f"/j/{new.meeting_id}?" in ticket["join_url"]

        again = (await zh.api.post("/api/v1/events/ev-1/resync")).json()
        assert again["meetings"][0]["action"] == "unchanged" and again["registered"] == 0
        missing = await zh.api.post("/api/v1/events/nope/resync")
        assert missing.status_code == 404


async def test_refunds_before_and_after_registration_and_a_full_meeting(
    zoom_hub_factory: Callable[..., Any],
) -> None:
    full = {"meeting_registrant_limit": 1}
    async with zoom_hub_factory(pipeline={"run_workers": False}, emulator_overrides=full) as zh:
        await publish(zh)
        await zh.api.post("/api/v1/tickets/sold", json=ticket_body("t-reg"))
        await zh.drain()
        await zh.api.post("/api/v1/tickets/sold", json=ticket_body("t-full"))
        await zh.drain()
        row = (await zoom_meeting_rows(zh, "ev-1"))[""]
        assert [r["email"] for r in await zoom_registrants(zh, row.meeting_id, "approved")] == [
            "t-reg@example.com"
        ]
        # Capacity: shown on the ticket, and the delivery is dead with Zoom's code.
        refused = await ticket_view(zh, "t-full")
        assert refused["registration"]["status"] == "failed"
        assert "capacity" in refused["registration"]["message"]
        [dead] = [d for d in refused["deliveries"] if d["hook"] == "on_ticket_sold"]
        assert dead["state"] == "dead" and "3043" in dead["last_error"]

        for ticket_id in ("t-full", "t-reg"):
            await zh.api.post(
                "/api/v1/tickets/refunded", json={"ticket_id": ticket_id, "event_id": "ev-1"}
            )
        await zh.drain()
        assert await zoom_registrants(zh, row.meeting_id, "approved") == []
        for ticket_id in ("t-full", "t-reg"):
            assert (await ticket_view(zh, ticket_id))["registration"]["status"] == "cancelled"
        stats = await emulator_stats(zh)
        assert calls_to(stats, STATUS_CALL) == 1  # only t-reg had a registration to cancel

        # Delivered again: nothing is sent twice.
        ticket = msgspec.convert(ticket_body("t-reg"), Ticket)
        refund = Refund(ticket_id="t-reg", event_id="ev-1")
        event = msgspec.convert(event_body(), Event)
        await registrants.on_refund(refund, ticket, event, ctx_for(zh, "on_refund"))
        assert calls_to(await emulator_stats(zh), STATUS_CALL) == 1

        # A refund that overtakes its sale: the sale is ignored and nothing reaches Zoom.
        await zh.api.post(
            "/api/v1/tickets/refunded", json={"ticket_id": "t-ghost", "event_id": "ev-1"}
        )
        await zh.api.post("/api/v1/tickets/sold", json=ticket_body("t-ghost"))
        await zh.drain()
        assert [r["email"] for r in await zoom_registrants(zh, row.meeting_id)] == [
            "t-reg@example.com"
        ]
