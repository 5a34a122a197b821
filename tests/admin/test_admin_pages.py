"""The admin pages against a running hub with real deliveries, registrations and reports."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import msgspec
import pytest
import sqlalchemy as sa

from hub.admin import attendance_view
from hub.api.app import create_app
from hub.config.schema import HubConfig
from hub.models import AttendanceReport, MeetingDetails, Registration
from hub.runtime import HubRuntime
from hub.storage import tables
from tests.admin.conftest import browser, form_token, sign_in
from tests.admin.panelplugin import NAME as PANELS
from tests.admin.panelplugin import PanelPlugin
from tests.conftest import API_KEY, event_body, running_hub, ticket_body
from tests.support.recorder import Recorder
from tests.support.testvideo import TestVideoProvider

SVG = re.compile(r'<svg id="(?P<id>[^"]+)".*?</svg>', re.S)


def svg_by_id(html: str, chart_id: str) -> ET.Element:
    for found in SVG.finditer(html):
        if found.group("id") == chart_id:
            return ET.fromstring(found.group(0))
    raise AssertionError(f"no <svg id={chart_id!r}> in the page")


def attendance_report(event_id: str = "ev-1") -> dict[str, Any]:
    def record(
        ticket: str | None, name: str, joins: list[tuple[str, str]], minutes: float, **kw: Any
    ) -> dict[str, Any]:
        return {
            "event_id": event_id,
            "ticket_id": ticket,
            "email": f"{ticket}@example.com" if ticket else None,
            "name": name,
            "first_join": joins[0][0] if joins else None,
            "last_leave": joins[-1][1] if joins else None,
            "minutes": minutes,
            "sessions_count": len(joins),
            "attended": minutes >= 10,
            "intervals": [list(j) for j in joins],
            **kw,
        }

    return {
        "event_id": event_id,
        "provider": "testvideo",
        "final": True,
        "records": [
            # t-1: 11:00-12:00; t-2: 11:10-11:30 and 11:40-12:00 (left and came back);
            # t-3 never came; a guest 11:15-11:20.
            record(
                "t-1",
                "Ion Popescu",
                [("2030-07-15T11:00:00+00:00", "2030-07-15T12:00:00+00:00")],
                60.0,
            ),
            record(
                "t-2",
                '=HYPERLINK("http://evil")',
                [
                    ("2030-07-15T11:10:00+00:00", "2030-07-15T11:30:00+00:00"),
                    ("2030-07-15T11:40:00+00:00", "2030-07-15T12:00:00+00:00"),
                ],
                40.0,
            ),
            record("t-3", "Maria Ionescu", [], 0.0),
            record(
                None,
                "Guest <b>Visitor</b>",
                [("2030-07-15T11:15:00+00:00", "2030-07-15T11:20:00+00:00")],
                5.0,
                guest=True,
            ),
        ],
    }


async def publish_with_attendance(api: httpx.AsyncClient, runtime: HubRuntime) -> None:
    assert (await api.post("/api/v1/events/published", json=event_body())).status_code == 202
    for t in ("t-1", "t-2", "t-3"):
        assert (await api.post("/api/v1/tickets/sold", json=ticket_body(t))).status_code == 202
    await runtime.worker.drain()
    response = await api.post(
        "/webhooks/testvideo",
        json={"id": "att-1", "event": "attendance", "report": attendance_report()},
    )
    assert response.json() == {"stored": True}
    await runtime.worker.drain()


async def test_event_page_shows_meeting_registrants_and_attendance_chart(
    admin: httpx.AsyncClient, api: httpx.AsyncClient, admin_runtime: HubRuntime
) -> None:
    assert (await api.post("/api/v1/events/published", json=event_body())).status_code == 202
    await api.post("/api/v1/tickets/sold", json=ticket_body("t-1"))
    await admin_runtime.worker.drain()
    before = (await admin.get("/admin/events/ev-1")).text
    assert "https://video.test/j/ev-1" in before and "123456" in before  # join link, passcode
    assert 'data-ticket-id="t-1"' in before and "https://video.test/j/ev-1?tk=t-1" in before
    assert 'data-registration="registered"' in before
    assert "attendance-chart" not in before and "No attendance report yet." in before

    for t in ("t-2", "t-3"):
        await api.post("/api/v1/tickets/sold", json=ticket_body(t))
    await admin_runtime.worker.drain()
    await api.post(
        "/webhooks/testvideo",
        json={"id": "att-1", "event": "attendance", "report": attendance_report()},
    )
    await admin_runtime.worker.drain()
    page = (await admin.get("/admin/events/ev-1")).text
    chart = svg_by_id(page, "attendance-chart")
    ns = "{http://www.w3.org/2000/svg}"
    assert chart.get("role") == "img"
    assert chart.get("aria-labelledby") == "attendance-chart-title attendance-chart-desc"
    assert chart.find(f"{ns}title").text == "People in the room over time"
    # Peak: t-1, t-2 and the guest together between 11:15 and 11:20.
    assert "at most 3 at the same time" in chart.find(f"{ns}desc").text
    minutes = svg_by_id(page, "minutes-chart")
    bars = [r.find(f"{ns}title").text for r in minutes.iter(f"{ns}rect") if r.get("class") == "bar"]
    # 5, 40 and 60 minutes in 5-minute bins (12 bins up to 60): one person in three bins.
    assert sum(int(b.rsplit(": ", 1)[1]) for b in bars) == 3
    assert "Guest &lt;b&gt;Visitor&lt;/b&gt;" in page and "<b>Visitor</b>" not in page
    assert "2 of 3 ticket holders attended; at most 3 in the room at once." in page
    # The per-person intervals the chart is drawn from are kept with the report.
    stored = (await api.get("/api/v1/events/ev-1/attendance")).json()
    t2 = next(r for r in stored["records"] if r["ticket_id"] == "t-2")
    assert len(t2["intervals"]) == 2
    points = attendance_view.occupancy(
        msgspec.convert(stored, AttendanceReport, strict=False).records
    )
    assert (datetime(2030, 7, 15, 11, 30, tzinfo=UTC), 1) in points  # t-2 out for ten minutes


async def test_attendance_csv_has_a_row_per_person(
    admin: httpx.AsyncClient, api: httpx.AsyncClient, admin_runtime: HubRuntime
) -> None:
    await publish_with_attendance(api, admin_runtime)
    response = await admin.get("/admin/events/ev-1/attendance.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="attendance-ev-1.csv"'
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["ticket_id"], r["minutes"], r["attended"], r["guest"]) for r in rows] == [
        ("t-1", "60.0", "True", "False"),
        ("t-2", "40.0", "True", "False"),
        ("t-3", "0.0", "False", "False"),
        ("", "5.0", "False", "True"),
    ]
    assert rows[0]["first_join"].startswith("2030-07-15T11:00:00")
    # A name a spreadsheet would run as a formula is neutralised.
    assert rows[1]["name"] == '\'=HYPERLINK("http://evil")'


async def test_analytics_api_figures_come_from_the_data(
    api: httpx.AsyncClient, admin: httpx.AsyncClient, admin_runtime: HubRuntime
) -> None:
    await publish_with_attendance(api, admin_runtime)
    # A second event next month, two tickets (one refunded), no report yet.
    await api.post(
        "/api/v1/events/published",
        json=event_body("ev-2", title="Autumn Talk", starts_at="2030-08-20T10:00:00+00:00"),
    )
    for t in ("u-1", "u-2"):
        await api.post("/api/v1/tickets/sold", json=ticket_body(t, "ev-2"))
    await api.post("/api/v1/tickets/refunded", json={"ticket_id": "u-2", "event_id": "ev-2"})
    await admin_runtime.worker.drain()

    unauthorised = await api.get("/api/v1/analytics", headers={"Authorization": "Bearer wrong"})
    assert unauthorised.status_code == 401
    body = (await api.get("/api/v1/analytics")).json()
    by_id = {e["event_id"]: e for e in body["events"]}
    assert (by_id["ev-1"]["registrants"], by_id["ev-1"]["attendees"], by_id["ev-1"]["guests"]) == (
        3,
        2,
        0,
    )
    assert by_id["ev-1"]["attendance_rate"] == round(2 / 3, 4)
    assert by_id["ev-1"]["average_minutes"] == 50.0  # (60 + 40) / 2
    assert (by_id["ev-2"]["registrants"], by_id["ev-2"]["reported"]) == (1, False)
    assert by_id["ev-2"]["attendance_rate"] is None
    assert body["totals"] == {
        "events": 2,
        "events_reported": 1,
        "registrants": 4,
        "attendees": 2,
        "attendance_rate": round(2 / 3, 4),  # only events with a report count
        "average_minutes": 50.0,
    }
    assert [(m["period"], m["registrants"], m["attendees"]) for m in body["by_month"]] == [
        ("2030-07", 3, 2),
        ("2030-08", 1, 0),
    ]
    assert [e["event_id"] for e in body["events"]] == ["ev-1", "ev-2"]  # by start date

    august = (await api.get("/api/v1/analytics?since=2030-08-01&until=2030-08-31")).json()
    assert [e["event_id"] for e in august["events"]] == ["ev-2"]
    assert (august["since"], august["until"], august["totals"]["registrants"]) == (
        "2030-08-01",
        "2030-08-31",
        1,
    )
    backwards = await api.get("/api/v1/analytics?since=2030-08-01&until=2030-07-01")
    assert backwards.status_code == 400 and backwards.json()["errors"][0]["field"] == "until"
    not_a_date = await api.get("/api/v1/analytics?since=yesterday")
    assert not_a_date.status_code == 400 and "since" in not_a_date.text
    july_page = (await admin.get("/admin/analytics?since=2030-07-01&until=2030-07-31")).text
    assert 'value="2030-07-01"' in july_page and 'data-event-id="ev-2"' not in july_page

    page = (await admin.get("/admin/analytics")).text
    section = page.split('id="analytics"', 1)[1]
    assert len(re.findall(r"<svg id=", section)) == 4
    assert '<dd data-figure="attendance_rate">67%</dd>' in page
    assert '<dd data-figure="average_minutes">50.0</dd>' in page


async def test_analytics_is_in_the_openapi_schema(api: httpx.AsyncClient) -> None:
    schema = (await api.get("/schema/openapi.json")).json()
    operation = schema["paths"]["/api/v1/analytics"]["get"]
    assert operation["security"] == [{"apiKey": []}]
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(component["properties"]) == {
        "generated_at",
        "since",
        "until",
        "totals",
        "events",
        "by_month",
    }
    params = {p["name"]: p for p in operation["parameters"]}
    assert params["since"]["schema"]["oneOf"][0]["format"] == "date"
    assert not any(path.startswith("/admin") for path in schema["paths"])


async def test_events_list_shows_sync_state_and_refreshes_it(
    admin: httpx.AsyncClient, api: httpx.AsyncClient, admin_runtime: HubRuntime
) -> None:
    await api.post("/api/v1/events/published", json=event_body())
    await api.post("/api/v1/tickets/sold", json=ticket_body("t-1"))
    await admin_runtime.worker.drain()
    page = (await admin.get("/admin/events")).text
    assert 'id="events-table"' in page
    row = re.search(r'<tr data-event-id="ev-1">.*?</tr>', page, re.S)
    assert row, page
    assert 'data-sync-state="synced"' in row.group(0)
    assert "Meeting created" in row.group(0) and "1 of 1" in row.group(0)
    assert 'hx-get="/admin/fragments/events?page=1"' in page and 'hx-trigger="every 5s"' in page

    d = tables.deliveries
    async with admin_runtime.db.transaction() as conn:
        await conn.execute(sa.update(d).where(d.c.event_id == "ev-1").values(state="dead"))
    fragment = (await admin.get("/admin/fragments/events", headers={"HX-Request": "true"})).text
    assert fragment.lstrip().startswith('<tbody id="events-rows"')
    assert 'data-sync-state="failed"' in fragment
    assert "<html" not in fragment
    # A poll does not eat a message meant for the next whole page.
    token = await form_token(admin, "/admin/events")
    await admin.post("/admin/plugins/panels/ping", data={"_csrf_token": token})
    await admin.get("/admin/fragments/events", headers={"HX-Request": "true"})
    assert "Pinged the provider" in (await admin.get("/admin/events")).text


async def test_plugin_card_and_sections_render_with_actions_and_csrf(
    admin: httpx.AsyncClient, api: httpx.AsyncClient, admin_runtime: HubRuntime, panels: PanelPlugin
) -> None:
    page = (await admin.get("/admin/integrations")).text
    card = re.search(r'<article [^>]*data-plugin="panels".*?</article>', page, re.S)
    assert card, page
    html = card.group(0)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    form = re.search(
        r'<form method="post" action="/admin/plugins/panels/ping".*?</form>', html, re.S
    )
    assert form and f'value="{token}"' in form.group(0)
    assert 'data-confirm="Ping now?"' in form.group(0)
    assert '<button type="submit">Ping provider</button>' in form.group(0)
    assert '<input type="hidden" name="next" value="/admin/integrations">' in form.group(0)
    assert '<a class="button-link" href="https://example.com/docs">Open docs</a>' in html
    assert "Panels demo" in html and "Scopes missing: meeting:write" in html
    assert 'data-plugin="testvideo"' in page and "0.0-test" in page

    await api.post("/api/v1/events/published", json=event_body())
    await admin_runtime.worker.drain()
    event_page = (await admin.get("/admin/events/ev-1")).text
    assert panels.event_ids == ["ev-1"]
    section = re.search(
        r'<section class="panel" aria-labelledby="(plugin-1-s1)-title">.*?</section>',
        event_page,
        re.S,
    )
    assert section, event_page
    assert '<h2 id="plugin-1-s1-title">Panelists</h2>' in section.group(0)
    add = re.search(
        r'<form method="post" action="/admin/plugins/panels/ping"[^>]*>(?:(?!</form>).)*Add panelist</button>',
        section.group(0),
        re.S,
    )
    assert add and "_csrf_token" in add.group(0)
    for field_id in re.findall(r'<input id="([^"]+)" name="(?:name|email)"', add.group(0)):
        assert f'<label for="{field_id}">' in add.group(0)
    assert 'name="who" value="ada"' in section.group(0) and "Remove Ada" in section.group(0)

    # The action works end to end: posted with the page's token, back to the page, flashed.
    token = re.search(r'name="_csrf_token" value="([^"]+)"', event_page).group(1)  # type: ignore[union-attr]
    done = await admin.post(
        "/admin/plugins/panels/ping",
        data={
            "_csrf_token": token,
            "next": "/admin/events/ev-1",
            "name": "Ada",
            "email": "ada@example.com",
        },
    )
    assert done.status_code == 303 and done.headers["location"] == "/admin/events/ev-1"
    assert panels.pings == [
        {"next": "/admin/events/ev-1", "name": "Ada", "email": "ada@example.com"}
    ]
    shown = (await admin.get("/admin/events/ev-1")).text
    assert re.search(
        r'<div id="flash"[^>]*>\s*<p class="flash flash-info">Pinged the provider</p>', shown
    )
    assert "Pinged the provider" not in (await admin.get("/admin/events/ev-1")).text  # shown once


async def test_a_failing_plugin_does_not_break_the_pages(
    config_factory: Callable[..., HubConfig], testvideo: TestVideoProvider
) -> None:
    config = config_factory(enabled=["testvideo", PANELS])
    async for runtime in running_hub(
        config, {"testvideo": testvideo, PANELS: PanelPlugin(fail=True)}
    ):
        app = create_app(runtime)
        async with browser(app) as client:
            await sign_in(client)
            page = await client.get("/admin/integrations")
            assert page.status_code == 200 and "card exploded" in page.text
            await runtime.hub.in_transaction(
                lambda conn: conn.execute(
                    sa.insert(tables.events).values(
                        id="ev-x",
                        provider="testvideo",
                        status="published",
                        version=1,
                        body_hash="h",
                        body=event_body("ev-x"),
                        created_at=sa.func.now(),
                        updated_at=sa.func.now(),
                    )
                )
            )
            event = await client.get("/admin/events/ev-x")
            assert event.status_code == 200 and "sections exploded" in event.text


async def test_unknown_event_is_a_404_page(admin: httpx.AsyncClient) -> None:
    response = await admin.get("/admin/events/nope")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "unknown event" in response.text


@pytest.fixture
async def paused_hub(
    config_factory: Callable[..., HubConfig], testvideo: TestVideoProvider
) -> AsyncIterator[tuple[HubRuntime, Recorder]]:
    """A hub whose workers run only when the test drains them, with a plugin that refuses
    every ticket permanently until told otherwise."""
    recorder = Recorder(permanent=True)
    config = config_factory(enabled=["testvideo", "recorder"])
    async for runtime in running_hub(
        config, {"testvideo": testvideo, "recorder": recorder}, run_workers=False
    ):
        yield runtime, recorder


async def test_retry_button_requeues_a_dead_letter_until_done(
    paused_hub: tuple[HubRuntime, Recorder],
) -> None:
    runtime, recorder = paused_hub
    app = create_app(runtime)
    async with (
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://hub.test",
            headers={"Authorization": f"Bearer {API_KEY}"},
        ) as api,
        browser(app) as client,
    ):
        await api.post("/api/v1/events/published", json=event_body())
        await api.post("/api/v1/tickets/sold", json=ticket_body("t-1"))
        await runtime.worker.drain()
        d = tables.deliveries
        async with runtime.db.connect() as conn:
            dead_id = (
                await conn.execute(
                    sa.select(d.c.id).where(d.c.plugin == "recorder", d.c.state == "dead")
                )
            ).scalar_one()
        await sign_in(client)
        page = (await client.get("/admin/deliveries")).text
        row = re.search(rf'<tr data-delivery-id="{dead_id}">.*?</tr>', page, re.S)
        assert row and "recorder refuses this" in row.group(0)
        assert f'action="/admin/deliveries/{dead_id}/retry"' in row.group(0)
        assert ">Retry</button>" in row.group(0)
        counts = re.search(r'<tr data-plugin="recorder">.*?</tr>', page, re.S)
        assert counts and '<td data-state="dead">1</td>' in counts.group(0)

        recorder.permanent = False
        token = await form_token(client, "/admin/deliveries")
        response = await client.post(
            f"/admin/deliveries/{dead_id}/retry",
            data={"_csrf_token": token, "next": "/admin/deliveries"},
        )
        assert response.status_code == 303 and response.headers["location"] == "/admin/deliveries"
        async with runtime.db.connect() as conn:
            row_now = (
                await conn.execute(sa.select(d.c.state, d.c.attempts).where(d.c.id == dead_id))
            ).one()
        assert (row_now.state, row_now.attempts) == ("pending", 0)
        after = (await client.get("/admin/deliveries")).text
        assert f"Delivery {dead_id} is queued again." in after
        assert f'data-delivery-id="{dead_id}"' not in after

        await runtime.worker.drain()
        async with runtime.db.connect() as conn:
            state = (await conn.execute(sa.select(d.c.state).where(d.c.id == dead_id))).scalar_one()
        assert state == "done"
        assert ("sold", "t-1") in recorder.received

        # Retrying something that is not dead is refused with a message, not an error page.
        token = await form_token(client, "/admin/deliveries")
        again = await client.post(f"/admin/deliveries/{dead_id}/retry", data={"_csrf_token": token})
        assert again.status_code == 303
        assert "is done, not dead" in (await client.get("/admin/deliveries")).text


async def test_multi_session_event_shows_each_session_and_registration(
    config_factory: Callable[..., HubConfig], testvideo: TestVideoProvider
) -> None:
    sessions = [
        {
            "id": "s1",
            "title": "Day one",
            "starts_at": "2030-07-15T09:00:00+00:00",
            "duration_minutes": 60,
        },
        {
            "id": "s2",
            "title": "Day two",
            "starts_at": "2030-07-16T09:00:00+00:00",
            "duration_minutes": 60,
        },
    ]
    config = config_factory(enabled=["testvideo"])
    async for runtime in running_hub(config, {"testvideo": testvideo}, run_workers=False):
        app = create_app(runtime)
        async with (
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url="http://hub.test",
                headers={"Authorization": f"Bearer {API_KEY}"},
            ) as api,
            browser(app) as client,
        ):
            await api.post("/api/v1/events/published", json=event_body("ev-ms", sessions=sessions))
            for t in ("t-1", "t-2"):
                await api.post("/api/v1/tickets/sold", json=ticket_body(t, "ev-ms"))
            # The provider's reports, as its deliveries would make them (one meeting per session).
            for sid in ("s1", "s2"):
                await runtime.hub.report_meeting_details(
                    MeetingDetails(
                        event_id="ev-ms",
                        provider="testvideo",
                        kind="meeting",
                        meeting_id=f"m-{sid}",
                        join_url=f"https://video.test/j/{sid}",
                        session_id=sid,
                    ),
                    "testvideo",
                )
                for t in ("t-1", "t-2"):
                    failed = (t, sid) == ("t-2", "s2")
                    await runtime.hub.report_registration(
                        Registration(
                            event_id="ev-ms",
                            ticket_id=t,
                            provider="testvideo",
                            status="failed" if failed else "registered",
                            join_url=None if failed else f"https://video.test/j/{sid}?tk={t}",
                            session_id=sid,
                            message="capacity reached" if failed else None,
                        ),
                        "testvideo",
                    )
            await sign_in(client)
            row = re.search(
                r'<tr data-event-id="ev-ms">.*?</tr>',
                (await client.get("/admin/events")).text,
                re.S,
            )
            assert row and "2 meetings created" in row.group(0)
            assert "2 of 2" in row.group(0) and "(1 failed)" in row.group(0)
            page = (await client.get("/admin/events/ev-ms")).text
            assert "Session Day one" in page and "Session Day two" in page
            assert "https://video.test/j/s1" in page and "https://video.test/j/s2" in page
            assert "No meeting has been created yet." not in page
            t2 = re.search(r'<tr data-ticket-id="t-2">.*?</tr>', page, re.S)
            assert t2 and 'data-registration="failed"' in t2.group(0)
            assert "s2: failed: capacity reached" in t2.group(0)
            assert "https://video.test/j/s1?tk=t-2" in t2.group(0)
            assert "https://video.test/j/s2?tk=t-2" not in t2.group(0)


async def test_errors_on_admin_pages_are_html_and_api_errors_stay_json(
    admin: httpx.AsyncClient, api: httpx.AsyncClient
) -> None:
    bad_page = await admin.get("/admin/events?page=0")
    assert bad_page.status_code == 400
    assert bad_page.headers["content-type"].startswith("text/html")
    assert "page must be a positive number" in bad_page.text
    broken = await admin.get("/admin/plugins/panels/boom")
    assert broken.status_code == 500 and broken.headers["content-type"].startswith("text/html")
    assert "the plugin broke" not in broken.text  # details stay in the log
    api_error = await api.get("/api/v1/events/nope")
    assert api_error.status_code == 404
    assert api_error.headers["content-type"] == "application/problem+json"
