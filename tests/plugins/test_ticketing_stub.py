"""The ticketing stub: event pages, buyer emails and the traffic simulator."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import click
import httpx
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from hub_ticketing_stub import plugin as ticketing_plugin
from hub_ticketing_stub import tables as stub_tables
from hub_ticketing_stub.simulate import RetryPolicy, simulate
from hub_ticketing_stub.traffic import generate

from hub.api.app import create_app
from hub.context import DeliveryContext
from hub.models import (
    DialInNumber,
    MeetingDetails,
    Recording,
    RecordingFile,
    Registration,
    Ticket,
)
from hub.storage import tables
from tests.conftest import API_KEY, event_body, ticket_body
from tests.plugins.stubhub import StubHub, schema_drift, settle
from tests.support import testvideo as tv
from tests.support.serving import serve_app

DIAL_IN = [
    DialInNumber(number="+40 31 630 1088", country="RO", country_name="Romania", city="Bucharest"),
    DialInNumber(number="+44 203 481 5237", country="GB", country_name="United Kingdom"),
]


def details(**overrides: object) -> MeetingDetails:
    values: dict[str, object] = {
        "event_id": "ev-1",
        "provider": "testvideo",
        "kind": "meeting",
        "meeting_id": "m-ev-1",
        "join_url": "https://video.test/j/ev-1",
        "passcode": "123456",
        "dial_in": DIAL_IN,
    }
    values.update(overrides)
    return MeetingDetails(**values)  # type: ignore[arg-type]


async def page_json(hub: StubHub, event_id: str = "ev-1") -> dict[str, Any]:
    response = await hub.client.get(f"/ticketing-stub/events/{event_id}?format=json")
    assert response.status_code == 200, response.text
    return response.json()


async def emails(hub: StubHub, **params: str) -> list[dict[str, Any]]:
    return await hub.get_json("/ticketing-stub/emails", **params)


async def test_tables_match_the_migrations(stub_hub: StubHub) -> None:
    assert await schema_drift(stub_hub.runtime, stub_tables.metadata, "ticketing_stub_") == []


# --- event page ---------------------------------------------------------------------------


async def test_event_page_shows_join_link_passcode_and_dial_in(stub_hub: StubHub) -> None:
    await stub_hub.post("/api/v1/events/published", event_body(title="Summer <Workshop>"))
    await stub_hub.settle()
    page = await page_json(stub_hub)
    # What the test provider itself reported: a join link and a passcode, no dial-in yet.
    assert page["status"] == "active"
    assert page["title"] == "Summer <Workshop>"
    assert page["meeting"]["join_url"] == "https://video.test/j/ev-1"
    assert page["meeting"]["passcode"] == "123456"
    assert page["meeting"]["dial_in"] == []

    await stub_hub.runtime.hub.report_meeting_details(details(), origin="testvideo")
    await stub_hub.settle()
    page = await page_json(stub_hub)
    assert [d["number"] for d in page["meeting"]["dial_in"]] == [
        "+40 31 630 1088",
        "+44 203 481 5237",
    ]

    html = await stub_hub.client.get("/ticketing-stub/events/ev-1")
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    text = html.text
    assert '<a href="https://video.test/j/ev-1">' in text
    assert "123456" in text
    assert "+40 31 630 1088" in text and "Romania" in text and "Bucharest" in text
    assert "Summer &lt;Workshop&gt;" in text and "<Workshop>" not in text
    # The event's own timezone: 14:00 in Bucharest as published.
    assert "14:00 (Europe/Bucharest)" in text

    as_json = await stub_hub.client.get(
        "/ticketing-stub/events/ev-1", headers={"Accept": "application/json"}
    )
    assert as_json.headers["content-type"].startswith("application/json")
    assert as_json.json() == page

    # A buyer now gets the dial-in numbers in their confirmation too.
    await stub_hub.post("/api/v1/tickets/sold", ticket_body("t-9"))
    await stub_hub.settle()
    (email,) = await emails(stub_hub, ticket_id="t-9")
    assert "+40 31 630 1088 (Romania)" in email["body"]
    assert "Meeting ID: m-ev-1" in email["body"]

    # A link a misbehaving provider reports as javascript: is shown, never made clickable.
    await stub_hub.runtime.hub.report_meeting_details(
        details(join_url="javascript:alert(1)"), origin="testvideo"
    )
    await stub_hub.settle()
    html = await stub_hub.client.get("/ticketing-stub/events/ev-1")
    assert "javascript:alert(1)" in html.text and 'href="javascript' not in html.text


async def test_event_page_is_public_and_404_for_unknown_events(stub_hub: StubHub) -> None:
    transport = httpx.ASGITransport(app=create_app(stub_hub.runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as anonymous:
        await stub_hub.post("/api/v1/events/published", event_body())
        await stub_hub.settle()
        assert (await anonymous.get("/ticketing-stub/events/ev-1")).status_code == 200
        assert (await anonymous.get("/ticketing-stub/emails")).status_code == 200
        assert (await anonymous.get("/ticketing-stub/events/nope")).status_code == 404
        assert (await anonymous.get("/ticketing-stub/events/ev-1?format=xml")).status_code == 400
        # The hub's own API still wants its key.
        assert (await anonymous.get("/api/v1/events/ev-1")).status_code == 401


async def test_sessions_are_listed_separately(stub_hub: StubHub) -> None:
    sessions = [
        {
            "id": "day-1",
            "title": "Day one",
            "starts_at": "2030-07-15T09:00:00+03:00",
            "duration_minutes": 60,
        },
        {
            "id": "day-2",
            "title": "Day two",
            "starts_at": "2030-07-16T09:00:00+03:00",
            "duration_minutes": 60,
        },
    ]
    await stub_hub.post("/api/v1/events/published", event_body(sessions=sessions))
    await stub_hub.settle()
    hub = stub_hub.runtime.hub
    for day in ("day-1", "day-2"):
        await hub.report_meeting_details(
            details(
                session_id=day,
                meeting_id=f"m-{day}",
                join_url=f"https://video.test/j/{day}",
                dial_in=[],
            ),
            origin="testvideo",
        )
    await stub_hub.settle()
    page = await page_json(stub_hub)
    assert page["meeting"]["join_url"] == "https://video.test/j/ev-1"  # the event's own
    assert [(s["id"], s["title"], s["meeting"]["join_url"]) for s in page["sessions"]] == [
        ("day-1", "Day one", "https://video.test/j/day-1"),
        ("day-2", "Day two", "https://video.test/j/day-2"),
    ]
    html = (await stub_hub.client.get("/ticketing-stub/events/ev-1")).text
    assert 'id="session-day-1"' in html and "Day two" in html
    assert "https://video.test/j/day-2" in html


async def test_cancelled_and_deleted_meetings_show_as_such(stub_hub: StubHub) -> None:
    await stub_hub.post("/api/v1/events/published", event_body())
    await stub_hub.settle()
    await stub_hub.post("/api/v1/events/cancelled", {"id": "ev-1"})
    await stub_hub.settle()
    # The test provider deletes its meeting without reporting; a real one reports this:
    await stub_hub.runtime.hub.report_meeting_details(
        details(status="cancelled", message="The organiser cancelled the event."),
        origin="testvideo",
    )
    await stub_hub.settle()
    page = await page_json(stub_hub)
    assert page["status"] == "cancelled"
    assert page["meeting"]["status"] == "cancelled"
    # Nobody is offered the link of a cancelled meeting.
    assert page["meeting"]["join_url"] is None
    assert page["meeting"]["passcode"] is None and page["meeting"]["dial_in"] == []
    html = (await stub_hub.client.get("/ticketing-stub/events/ev-1")).text
    assert "This event was cancelled." in html
    assert "The organiser cancelled the event." in html
    assert "https://video.test/j/ev-1" not in html

    await stub_hub.post("/api/v1/events/published", event_body("ev-2"))
    await stub_hub.settle()
    await stub_hub.runtime.hub.report_meeting_details(
        details(event_id="ev-2", meeting_id="m-ev-2", status="deleted"), origin="testvideo"
    )
    await stub_hub.settle()
    page = await page_json(stub_hub, "ev-2")
    assert page["status"] == "deleted"
    assert (
        "The online meeting was deleted."
        in (await stub_hub.client.get("/ticketing-stub/events/ev-2")).text
    )
    index = await stub_hub.get_json("/ticketing-stub/events", format="json")
    assert [(e["event_id"], e["status"]) for e in index] == [
        ("ev-1", "cancelled"),
        ("ev-2", "deleted"),
    ]


async def test_recording_links_appear_once_ready(stub_hub: StubHub) -> None:
    await stub_hub.post("/api/v1/events/published", event_body())
    await stub_hub.settle()
    assert (await page_json(stub_hub))["recordings"] == []
    recording = Recording(
        event_id="ev-1",
        provider="testvideo",
        meeting_id="m-ev-1",
        share_url="https://video.test/rec/share/abc",
        passcode="r3c!",
        files=[
            RecordingFile(
                id="f1",
                file_type="MP4",
                recording_type="shared_screen_with_speaker_view",
                play_url="https://video.test/rec/play/f1",
            ),
            RecordingFile(
                id="f2", file_type="TRANSCRIPT", download_url="https://video.test/rec/dl/f2"
            ),
        ],
    )
    await stub_hub.runtime.hub.report_recording(recording, origin="testvideo")
    await stub_hub.settle()
    page = await page_json(stub_hub)
    assert page["recordings"][0]["share_url"] == "https://video.test/rec/share/abc"
    assert [f["id"] for f in page["recordings"][0]["files"]] == ["f1", "f2"]
    html = (await stub_hub.client.get("/ticketing-stub/events/ev-1")).text
    assert '<a href="https://video.test/rec/share/abc">Watch the recording</a>' in html
    assert "https://video.test/rec/play/f1" in html and "r3c!" in html


async def test_an_older_report_arriving_late_does_not_overwrite_a_newer_one(
    stub_hub: StubHub,
) -> None:
    """Meeting-details deliveries are not ordered among themselves: the page keeps the one
    from the later delivery whatever order they run in."""
    await stub_hub.post("/api/v1/events/published", event_body())
    await stub_hub.settle()
    hub = stub_hub.runtime.hub
    event = await hub.get_event("ev-1")

    def ctx(delivery_id: int) -> DeliveryContext:
        return DeliveryContext(hub, "ticketing_stub", delivery_id, 1, "on_meeting_details")

    await ticketing_plugin.on_meeting_details(details(status="cancelled"), event, ctx(10_001))
    await ticketing_plugin.on_meeting_details(details(passcode="old"), event, ctx(10_000))
    assert (await page_json(stub_hub))["status"] == "cancelled"
    await ticketing_plugin.on_meeting_details(details(passcode="new"), event, ctx(10_002))
    page = await page_json(stub_hub)
    assert (page["status"], page["meeting"]["passcode"]) == ("active", "new")


# --- buyer emails -------------------------------------------------------------------------


async def test_buyers_get_their_personal_link_and_a_cancellation_after_refund(
    stub_hub: StubHub,
) -> None:
    await stub_hub.post("/api/v1/events/published", event_body())
    for i in range(3):
        await stub_hub.post("/api/v1/tickets/sold", ticket_body(f"t-{i}", first_name=f"Buyer{i}"))
    await stub_hub.settle()
    await stub_hub.post("/api/v1/tickets/refunded", {"ticket_id": "t-1", "event_id": "ev-1"})
    await stub_hub.settle()

    sent = await emails(stub_hub)
    assert sorted((e["ticket_id"], e["kind"]) for e in sent) == [
        ("t-0", "confirmation"),
        ("t-1", "cancellation"),
        ("t-1", "confirmation"),
        ("t-2", "confirmation"),
    ]
    for email in sent:
        ticket_id = email["ticket_id"]
        assert email["to"] == f"{ticket_id}@example.com"
        assert email["event_id"] == "ev-1"
        if email["kind"] == "confirmation":
            link = f"https://video.test/j/ev-1?tk={ticket_id}"
            assert email["join_url"] == link
            assert link in email["body"]
            assert email["body"].startswith(f"Hello Buyer{ticket_id[-1]},")
            assert email["subject"] == "Your join link for Summer Workshop"
        else:
            assert email["join_url"] is None
            assert "cancelled" in email["subject"]
            assert "video.test" not in email["body"]

    only_t1 = await emails(stub_hub, ticket_id="t-1")
    assert [e["kind"] for e in only_t1] == ["confirmation", "cancellation"]
    assert await emails(stub_hub, event_id="other") == []
    assert len(await emails(stub_hub, event_id="ev-1")) == 4


async def test_a_redelivered_registration_sends_no_second_email(stub_hub: StubHub) -> None:
    await stub_hub.post("/api/v1/events/published", event_body())
    await stub_hub.post("/api/v1/tickets/sold", ticket_body("t-1"))
    await stub_hub.settle()
    assert len(await emails(stub_hub)) == 1

    # As after a crash between the email and the bookkeeping: every registration delivery
    # of the stub runs again.
    d = tables.deliveries
    async with stub_hub.runtime.db.transaction() as conn:
        result = await conn.execute(
            sa.update(d)
            .where(d.c.plugin == "ticketing_stub", d.c.hook == "on_registration")
            .values(state="pending", due_at=sa.func.now())
        )
    assert result.rowcount == 1
    stub_hub.runtime.worker.wake()
    await stub_hub.settle()
    async with stub_hub.runtime.db.connect() as conn:
        attempts = (
            await conn.execute(
                sa.select(d.c.attempts, d.c.state).where(
                    d.c.plugin == "ticketing_stub", d.c.hook == "on_registration"
                )
            )
        ).one()
    assert tuple(attempts) == (2, "done")
    assert len(await emails(stub_hub)) == 1

    # The same registration reported twice by the provider is one fact, and one email.
    registration = Registration(
        event_id="ev-1",
        ticket_id="t-1",
        provider="testvideo",
        status="registered",
        join_url="https://video.test/j/ev-1?tk=t-1",
        registrant_id="r-t-1",
    )
    await stub_hub.runtime.hub.report_registration(registration, origin="testvideo")
    await stub_hub.settle()
    assert len(await emails(stub_hub)) == 1

    # Called directly twice (two workers racing on one delivery): still one email.
    ticket = Ticket(id="t-1", event_id="ev-1", email="t-1@example.com", first_name="Ion")
    ctx = DeliveryContext(stub_hub.runtime.hub, "ticketing_stub", 99_999, 1, "on_registration")
    await asyncio.gather(
        ticketing_plugin.on_registration(registration, ticket, ctx),
        ticketing_plugin.on_registration(registration, ticket, ctx),
    )
    assert len(await emails(stub_hub)) == 1

    # A new link (the holder changed their address, so a new registration) is a new email.
    await stub_hub.post("/api/v1/tickets/sold", ticket_body("t-1", email="new@example.com"))
    await stub_hub.settle()
    # The test provider does not handle updates; report what a real provider would.
    await stub_hub.runtime.hub.report_registration(
        Registration(
            event_id="ev-1",
            ticket_id="t-1",
            provider="testvideo",
            status="registered",
            join_url="https://video.test/j/ev-1?tk=t-1&v=2",
        ),
        origin="testvideo",
    )
    await stub_hub.settle()
    sent = await emails(stub_hub)
    assert [(e["to"], e["join_url"]) for e in sent] == [
        ("t-1@example.com", "https://video.test/j/ev-1?tk=t-1"),
        ("new@example.com", "https://video.test/j/ev-1?tk=t-1&v=2"),
    ]


# --- simulator ----------------------------------------------------------------------------


def test_generated_traffic_is_deterministic_per_seed() -> None:
    first = generate(3, 40, 5, seed=7)
    assert first == generate(3, 40, 5, seed=7)
    other = generate(3, 40, 5, seed=8)
    assert [t.email for t in first.tickets] != [t.email for t in other.tickets]
    assert len({t.id for t in first.tickets}) == 40
    assert {t.event_id for t in first.tickets} == {e.id for e in first.events}
    refunded = {r.ticket_id for r in first.refunds}
    assert len(refunded) == 5 and refunded <= {t.id for t in first.tickets}
    # Some buyers come back for a second ticket, as real ones do.
    assert len({t.email for t in first.tickets}) < 40
    with pytest.raises(ValueError):
        generate(1, 2, 3)


async def test_simulate_posts_to_a_hub_over_loopback(stub_hub: StubHub) -> None:
    runtime = stub_hub.runtime
    async with serve_app(create_app(runtime)) as base_url:
        result = await simulate(base_url, API_KEY, events=3, tickets=12, refunds=3, seed=11)
        assert result.ok, result.failures
        assert result.counts() == {
            "event": {"accepted": 3},
            "ticket": {"accepted": 12},
            "refund": {"accepted": 3},
        }
        assert len(result.event_ids) == 3 and len(result.ticket_ids) == 12
        await settle(runtime)
        async with httpx.AsyncClient(base_url=base_url) as public:
            sent = (await public.get("/ticketing-stub/emails")).json()
            page = (
                await public.get(f"/ticketing-stub/events/{result.event_ids[0]}?format=json")
            ).json()
        assert page["meeting"]["join_url"] == f"https://video.test/j/{result.event_ids[0]}"
        refunded = {ticket_id for _, ticket_id in result.refunded_ticket_ids}
        cancelled = {e["ticket_id"] for e in sent if e["kind"] == "cancellation"}
        confirmed = {e["ticket_id"] for e in sent if e["kind"] == "confirmation"}
        assert cancelled == refunded
        # Every holder who kept the ticket got a confirmation; a refunded one only if the
        # sale was registered before the refund arrived (otherwise the hub skips the sale).
        assert confirmed - refunded == {t for _, t in result.ticket_ids} - refunded
        assert len(sent) == len(confirmed) + len(cancelled)

        # The same seed again: nothing new happens (a refunded ticket's sale is "ignored").
        again = await simulate(base_url, API_KEY, events=3, tickets=12, refunds=3, seed=11)
        assert again.ok
        assert again.counts() == {
            "event": {"duplicate": 3},
            "ticket": {"duplicate": 9, "ignored": 3},
            "refund": {"duplicate": 3},
        }
        await settle(runtime)
        async with runtime.db.connect() as conn:
            calls = (
                await conn.execute(
                    sa.select(sa.func.count()).where(tv.calls.c.hook == "on_ticket_sold")
                )
            ).scalar_one()
        # One registration per kept ticket; refunded ones only if registered before the
        # refund arrived; and nothing more for the repeated run.
        assert 9 <= calls <= 12
        assert calls == len(confirmed)

        rejected = await simulate(base_url, "wrong-key-0123456789", events=1, tickets=0, refunds=0)
        assert [f.http_status for f in rejected.failures] == [401]


class FlakyNetwork(httpx.AsyncBaseTransport):
    """Fails some requests before they reach the hub and loses some answers after it has
    processed them, which is what retries with the same body must survive."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.calls = 0
        self.injected = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.calls % 5 == 1:
            self.injected += 1
            raise httpx.ConnectError("connection refused", request=request)
        if self.calls % 5 == 2:
            self.injected += 1
            return httpx.Response(503, json={"detail": "overloaded"}, request=request)
        response = await self.inner.handle_async_request(request)
        if self.calls % 5 == 3:
            await response.aread()
            self.injected += 1
            raise httpx.ReadError("connection reset after the hub answered", request=request)
        return response


async def test_simulate_retries_network_errors_with_the_same_body(stub_hub: StubHub) -> None:
    network = FlakyNetwork(httpx.ASGITransport(app=create_app(stub_hub.runtime)))
    result = await simulate(
        "http://hub.test",
        API_KEY,
        events=2,
        tickets=10,
        refunds=2,
        seed=3,
        concurrency=1,
        transport=network,
        policy=RetryPolicy(max_attempts=6, base_seconds=0.001, max_seconds=0.005),
    )
    assert result.ok, result.failures
    assert network.injected >= 10 and result.retries >= 10
    # A lost answer is retried and the hub says "duplicate": still a success, done once.
    statuses = {s for per_kind in result.counts().values() for s in per_kind}
    assert statuses == {"accepted", "duplicate"}
    await stub_hub.settle()
    t = tables.tickets
    async with stub_hub.runtime.db.connect() as conn:
        rows = (
            await conn.execute(sa.select(t.c.status, sa.func.count()).group_by(t.c.status))
        ).all()
        calls = (
            await conn.execute(
                sa.select(sa.func.count()).where(tv.calls.c.hook == "on_ticket_sold")
            )
        ).scalar_one()
    assert dict(rows) == {"sold": 8, "refunded": 2}
    assert calls == 10
    assert len(await emails(stub_hub)) == 12


async def test_simulate_command_of_the_hub_cli(stub_hub: StubHub, tmp_path: Path) -> None:
    """``hub ticketing-stub simulate`` as a user runs it: a separate process, over HTTP."""
    hub_cli = Path(sys.executable).with_name("hub")
    async with serve_app(create_app(stub_hub.runtime)) as base_url:
        env = {**os.environ, "HUB_API_KEY": API_KEY, "HUB_CONFIG": str(tmp_path / "none.toml")}
        process = await asyncio.create_subprocess_exec(
            str(hub_cli),
            "ticketing-stub",
            "simulate",
            "--hub",
            base_url,
            "--events",
            "2",
            "--tickets",
            "6",
            "--refunds",
            "1",
            "--seed",
            "5",
            "--format",
            "webinar",
            "--concurrency",
            "4",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, stderr.decode()
    summary = stdout.decode()
    assert "Simulated a ticketing platform" in summary and "9 requests" in summary
    await stub_hub.settle()
    page = await page_json(stub_hub, "sim-5-e001")
    assert page["meeting"]["kind"] == "webinar"
    sent = await emails(stub_hub)
    # 5 kept tickets are confirmed and 1 refund is announced; the refunded ticket's
    # confirmation exists only if its sale was registered before the refund arrived.
    assert sum(e["kind"] == "cancellation" for e in sent) == 1
    assert 5 <= sum(e["kind"] == "confirmation" for e in sent) <= 6


def test_simulate_command_is_contributed_to_the_hub_cli_and_checks_its_arguments() -> None:
    (group,) = ticketing_plugin.hub_cli_commands()
    assert isinstance(group, click.Group) and group.name == "ticketing-stub"
    assert "simulate" in group.commands
    runner = CliRunner()
    result = runner.invoke(
        group, ["simulate", "--api-key", "k", "--tickets", "1", "--refunds", "2"]
    )
    assert result.exit_code == 2 and "--refunds" in result.output
    result = runner.invoke(group, ["simulate", "--events", "1"], env={"HUB_API_KEY": ""})
    assert result.exit_code == 2 and "--api-key" in result.output
    result = runner.invoke(group, ["simulate", "--help"])
    assert result.exit_code == 0 and "--concurrency" in result.output
