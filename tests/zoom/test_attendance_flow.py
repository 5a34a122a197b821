"""Attendance end to end: a meeting simulated on the emulator, its webhooks over HTTP, the
live view while it runs, the authoritative report after it ends (retried until Zoom has
it, and winning over the webhooks), the CSV export and the certificates."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
import sqlalchemy as sa
from hub_zoom.storage import tables as zoom_tables

from hub.storage import tables as hub_tables
from tests.zoom.conftest import ZoomHub, control, publish_with_tickets, settle, zoom_hub

MIN = 60
GUEST = {"email": "walkin@else.test", "name": "Walk In"}


def first_half(reg: dict[str, str]) -> list[dict[str, Any]]:
    """t-0 leaves and re-joins, t-1 joins on two devices, a guest walks in; t-2 never comes."""
    return [
        {"action": "start"},
        {"action": "join", "registrant_id": reg["t-0"], "offset_seconds": 0},
        {
            "action": "join",
            "registrant_id": reg["t-1"],
            "device_id": "laptop",
            "offset_seconds": 5 * MIN,
        },
        {
            "action": "join",
            "registrant_id": reg["t-1"],
            "device_id": "phone",
            "offset_seconds": 10 * MIN,
        },
        {"action": "leave", "registrant_id": reg["t-0"], "offset_seconds": 10 * MIN},
        {"action": "join", "registrant_id": reg["t-0"], "offset_seconds": 15 * MIN},
        {
            "action": "leave",
            "registrant_id": reg["t-1"],
            "device_id": "phone",
            "offset_seconds": 20 * MIN,
        },
        {"action": "join", **GUEST, "offset_seconds": 30 * MIN},
    ]


def second_half() -> list[dict[str, Any]]:
    return [
        {"action": "leave", **GUEST, "offset_seconds": 40 * MIN},
        {"action": "end", "offset_seconds": 60 * MIN},
    ]


async def simulate(zh: ZoomHub, meeting_id: str, steps: list[dict[str, Any]]) -> None:
    await control(
        zh, "/simulate", {"meeting_id": meeting_id, "steps": steps, "wait_for_webhooks": True}
    )
    await settle(zh)


def by_holder(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["ticket_id"] or r["email"]: r for r in report["records"] if not r["session_id"]}


async def test_live_view_final_report_csv_and_certificates(db_url: str) -> None:
    async with zoom_hub(db_url, zoom_overrides={"attended_min_minutes": 15}) as zh:
        meeting_id, reg = await publish_with_tickets(zh, "ev-a", 3, format="meeting")
        await simulate(zh, meeting_id, first_half(reg))

        live = (await zh.api.get("/api/v1/events/ev-a/attendance?live=1")).json()
        assert live["live"] and live["in_progress"] and not live["final"]
        present = {p["ticket_id"] or p["email"]: p for p in live["in_meeting"]}
        assert set(present) == {"t-0", "t-1", GUEST["email"], "owner@example.com"}
        assert present["t-1"]["devices"] == 1  # the phone left
        assert not present[GUEST["email"]]["ticket_id"] and present[GUEST["email"]]["guest"]
        stored = (await zh.api.get("/api/v1/events/ev-a/attendance")).json()
        assert stored["records"] == []  # nothing final before the end

        await simulate(zh, meeting_id, second_half())
        report = (await zh.api.get("/api/v1/events/ev-a/attendance")).json()
        assert report["final"] is True
        rows = by_holder(report)
        t0, t1, t2, guest = rows["t-0"], rows["t-1"], rows["t-2"], rows[GUEST["email"]]
        assert (t0["minutes"], t0["sessions_count"], t0["attended"]) == (55.0, 2, True)
        assert (t1["minutes"], t1["sessions_count"], t1["attended"]) == (55.0, 2, True)
        assert (t2["minutes"], t2["sessions_count"], t2["attended"]) == (0.0, 0, False)
        assert (guest["minutes"], guest["guest"], guest["ticket_id"]) == (10.0, True, None)
        assert t0["first_join"] < t0["last_leave"]
        assert not (await zh.api.get("/api/v1/events/ev-a/attendance?live=1")).json()["in_progress"]

        text = (await zh.api.get("/api/v1/events/ev-a/attendance?format=csv")).text
        exported = {r["ticket_id"]: r for r in csv.DictReader(io.StringIO(text))}
        assert exported["t-0"]["minutes"] == "55.0" and exported["t-2"]["attended"] == "False"

        pdf = await zh.api.get("/api/v1/events/ev-a/tickets/t-0/certificate")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert pdf.headers["content-type"].startswith("application/pdf")
        refused = await zh.api.get("/api/v1/events/ev-a/tickets/t-2/certificate")
        assert (refused.status_code, refused.json()["reason"]) == (404, "below_threshold")
        unknown = await zh.api.get("/api/v1/events/ev-a/tickets/nobody/certificate")
        assert (unknown.status_code, unknown.json()["reason"]) == (404, "unknown_ticket")
        anonymous = await zh.api.get(
            "/api/v1/events/ev-a/tickets/t-0/certificate", headers={"Authorization": ""}
        )
        assert anonymous.status_code == 401

        d = hub_tables.deliveries
        async with zh.runtime.db.connect() as conn:
            states = {r.state for r in (await conn.execute(d.select())).all()}
        assert states == {"done"}


@pytest.mark.parametrize("retry_seconds", [3.0])
async def test_report_retried_until_ready_and_wins_over_webhooks(
    db_url: str, retry_seconds: float
) -> None:
    overrides = {"report_retry_seconds": retry_seconds, "attended_min_minutes": 1}
    async with zoom_hub(db_url, zoom_overrides=overrides) as zh:
        meeting_id, reg = await publish_with_tickets(zh, "ev-r", 2, format="meeting")
        await control(
            zh,
            "/faults",
            {"rules": [{"route": "GET /v2/report/*", "error_rate": 1.0, "error_status": 404}]},
        )
        await simulate(
            zh,
            meeting_id,
            [
                {"action": "start"},
                {"action": "join", "registrant_id": reg["t-0"], "offset_seconds": 0},
                {"action": "join", "registrant_id": reg["t-1"], "offset_seconds": 0},
            ],
        )
        # t-1's leave never reaches the hub (its webhook URL is down for that moment).
        url = zh.zoom.state.apps[zh.zoom.config.client_id].webhook_url
        zh.zoom.state.set_webhook_url(None)
        await simulate(
            zh,
            meeting_id,
            [{"action": "leave", "registrant_id": reg["t-1"], "offset_seconds": 20 * MIN}],
        )
        zh.zoom.state.set_webhook_url(url)
        await simulate(zh, meeting_id, [{"action": "end", "offset_seconds": 30 * MIN}])

        provisional = (await zh.api.get("/api/v1/events/ev-r/attendance")).json()
        assert provisional["final"] is False  # Zoom still answers 404: webhook view meanwhile
        assert by_holder(provisional)["t-1"]["minutes"] == 30.0  # open until the end

        await control(zh, "/faults", {})
        await zh.runtime.worker.drain(60, horizon=retry_seconds + 2)
        final = (await zh.api.get("/api/v1/events/ev-r/attendance")).json()
        assert final["final"] is True
        assert by_holder(final)["t-1"]["minutes"] == 20.0  # the report's truth
        assert by_holder(final)["t-0"]["minutes"] == 30.0


async def test_multi_session_event_reports_per_session_and_across(db_url: str) -> None:
    sessions = [
        {"id": "day-1", "starts_at": "2030-07-15T14:00:00+00:00", "duration_minutes": 60},
        {"id": "day-2", "starts_at": "2030-07-16T14:00:00+00:00", "duration_minutes": 30},
    ]
    overrides = {"attended_min_minutes": 0, "attended_min_percent": 50}
    async with zoom_hub(db_url, zoom_overrides=overrides) as zh:
        await publish_with_tickets(zh, "ev-m", 1, format="meeting", sessions=sessions)
        m, r = zoom_tables.meetings, zoom_tables.registrants
        async with zh.runtime.db.connect() as conn:
            meetings = dict(
                (
                    await conn.execute(
                        sa.select(m.c.session_key, m.c.meeting_id).where(m.c.event_id == "ev-m")
                    )
                ).all()
            )
            reg = dict(
                (
                    await conn.execute(
                        sa.select(r.c.session_key, r.c.registrant_id).where(r.c.event_id == "ev-m")
                    )
                ).all()
            )
        assert set(meetings) == {"day-1", "day-2"}
        await simulate(
            zh,
            meetings["day-1"],
            [
                {"action": "start"},
                {"action": "join", "registrant_id": reg["day-1"], "offset_seconds": 0},
                {"action": "leave", "registrant_id": reg["day-1"], "offset_seconds": 40 * MIN},
                {"action": "end", "offset_seconds": 60 * MIN},
            ],
        )
        after_day_1 = (await zh.api.get("/api/v1/events/ev-m/attendance")).json()
        assert after_day_1["final"] is True
        assert {x["session_id"] for x in after_day_1["records"]} == {"day-1", None}
        await simulate(
            zh,
            meetings["day-2"],
            [
                {"action": "start"},
                {"action": "join", "registrant_id": reg["day-2"], "offset_seconds": 0},
                {"action": "leave", "registrant_id": reg["day-2"], "offset_seconds": 10 * MIN},
                {"action": "end", "offset_seconds": 30 * MIN},
            ],
        )
        report = (await zh.api.get("/api/v1/events/ev-m/attendance")).json()
        mine = {x["session_id"]: x for x in report["records"] if x["ticket_id"] == "t-0"}
        assert (mine["day-1"]["minutes"], mine["day-1"]["attended"]) == (40.0, True)
        assert (mine["day-2"]["minutes"], mine["day-2"]["attended"]) == (10.0, False)
        assert (mine[None]["minutes"], mine[None]["sessions_count"], mine[None]["attended"]) == (
            50.0,
            2,
            True,
        )


@pytest.mark.parametrize("situation", ["free plan", "report never came"])
async def test_webhook_view_becomes_final_when_no_report_can_be_had(
    db_url: str, situation: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub_zoom.api import ZoomClient, ZoomNotFound, ZoomPermissionError
    from hub_zoom.attendance import final

    if situation == "free plan":
        error: Exception = ZoomPermissionError(400, 200, "Only available for paid account")
    else:
        error = ZoomNotFound(404, 3001, "Meeting does not exist")
        monkeypatch.setattr(final, "REPORT_GIVE_UP", final.timedelta(0))

    async def refuse(self: Any, meeting_id: Any) -> Any:
        raise error

    monkeypatch.setattr(ZoomClient, "report_meeting_participants", refuse)
    async with zoom_hub(db_url, zoom_overrides={"report_retry_seconds": 1}) as zh:
        meeting_id, reg = await publish_with_tickets(zh, "ev-f", 1, format="meeting")
        await simulate(
            zh,
            meeting_id,
            [
                {"action": "start"},
                {"action": "join", "registrant_id": reg["t-0"], "offset_seconds": 0},
                {"action": "leave", "registrant_id": reg["t-0"], "offset_seconds": 12 * MIN},
                {"action": "end", "offset_seconds": 20 * MIN},
            ],
        )
        report = (await zh.api.get("/api/v1/events/ev-f/attendance")).json()
        assert report["final"] is True
        assert by_holder(report)["t-0"]["minutes"] == 12.0


async def test_instance_uuid_needing_double_encoding(db_url: str) -> None:
    """Zoom 404s a UUID starting with '/' or holding '//' unless it is encoded twice."""
    async with zoom_hub(db_url) as zh:
        meeting_id, reg = await publish_with_tickets(zh, "ev-u", 1, format="meeting")
        await simulate(
            zh,
            meeting_id,
            [
                {"action": "start", "uuid": "/ajXp1//2QmuoKj4854875=="},
                {"action": "join", "registrant_id": reg["t-0"], "offset_seconds": 0},
            ],
        )
        url = zh.zoom.state.apps[zh.zoom.config.client_id].webhook_url
        zh.zoom.state.set_webhook_url(None)  # only the report will know when t-0 left
        await simulate(
            zh,
            meeting_id,
            [{"action": "leave", "registrant_id": reg["t-0"], "offset_seconds": 7 * MIN}],
        )
        zh.zoom.state.set_webhook_url(url)
        await simulate(zh, meeting_id, [{"action": "end", "offset_seconds": 15 * MIN}])
        report = (await zh.api.get("/api/v1/events/ev-u/attendance")).json()
        assert report["final"] is True
        assert by_holder(report)["t-0"]["minutes"] == 7.0
