"""The CRM stub: contacts from ticket sales, attendance on contacts, injected failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from hub_crm_stub import plugin as crm_plugin
from hub_crm_stub import tables as crm_tables
from hub_crm_stub.faults import should_fail
from hub_crm_stub.settings import CrmStubSettings

from hub.context import DeliveryContext
from hub.errors import ConfigError
from hub.models import AttendanceRecord, AttendanceReport
from hub.runtime import build_runtime
from hub.storage import tables
from tests.conftest import event_body, make_config, ticket_body
from tests.plugins.stubhub import StubHub, StubHubFactory, schema_drift
from tests.support import testvideo as tv

START = datetime(2030, 7, 15, 11, 0, tzinfo=UTC)


async def contact(hub: StubHub, email: str) -> dict[str, Any]:
    return await hub.get_json(f"/crm-stub/contacts/{email}")


def record(
    ticket_id: str | None, email: str | None, minutes: float, **extra: Any
) -> AttendanceRecord:
    values: dict[str, Any] = {
        "event_id": "ev-1",
        "ticket_id": ticket_id,
        "email": email,
        "name": "Ion Popescu",
        "first_join": START,
        "last_leave": START + timedelta(minutes=minutes),
        "minutes": minutes,
        "sessions_count": 1,
        "attended": minutes > 0,
    }
    values.update(extra)
    return AttendanceRecord(**values)


async def sold(hub: StubHub, *tickets: dict[str, Any], event: str = "ev-1") -> None:
    await hub.post("/api/v1/events/published", event_body(event, title=f"Title of {event}"))
    for body in tickets:
        await hub.post("/api/v1/tickets/sold", body)


async def test_tables_match_the_migrations(stub_hub: StubHub) -> None:
    assert await schema_drift(stub_hub.runtime, crm_tables.metadata, "crm_stub_") == []


# --- contacts -----------------------------------------------------------------------------


async def test_ticket_sales_become_contacts_holding_their_tickets(stub_hub: StubHub) -> None:
    await sold(
        stub_hub,
        ticket_body(
            "t-1",
            email="Ana.Pop@Example.com",
            first_name="Ana",
            last_name="Pop",
            org="Northwind",
            job_title="Engineer",
        ),
        ticket_body("t-2", email="ion@example.com"),
    )
    # The same person buys for a second event, without saying where they work this time.
    await sold(
        stub_hub,
        ticket_body(
            "t-3", event_id="ev-2", email="ana.pop@example.com", first_name="Ana", last_name="Pop"
        ),
        event="ev-2",
    )
    await stub_hub.settle()

    everyone = await stub_hub.get_json("/crm-stub/contacts")
    assert [c["email"] for c in everyone] == ["ana.pop@example.com", "ion@example.com"]
    ana = await contact(stub_hub, "ANA.POP@example.com")
    assert (ana["first_name"], ana["last_name"], ana["org"], ana["job_title"]) == (
        "Ana",
        "Pop",
        "Northwind",
        "Engineer",  # blanks of a later purchase erase nothing
    )
    assert ana["events"] == ["ev-1", "ev-2"]
    assert sorted(
        (t["event_id"], t["ticket_id"], t["status"], t["event_title"]) for t in ana["tickets"]
    ) == [
        ("ev-1", "t-1", "sold", "Title of ev-1"),
        ("ev-2", "t-3", "sold", "Title of ev-2"),
    ]
    filtered = await stub_hub.get_json("/crm-stub/contacts", email="ion@EXAMPLE.com")
    assert [c["email"] for c in filtered] == ["ion@example.com"]
    assert await stub_hub.get_json("/crm-stub/contacts", email="nobody@example.com") == []
    missing = await stub_hub.client.get("/crm-stub/contacts/nobody@example.com")
    assert missing.status_code == 404


async def test_refunds_and_holder_changes_follow_the_ticket(stub_hub: StubHub) -> None:
    await sold(
        stub_hub,
        ticket_body("t-1", email="ana@example.com", org="Northwind"),
        ticket_body("t-2", email="ion@example.com"),
    )
    await stub_hub.settle()
    await stub_hub.post("/api/v1/tickets/refunded", {"ticket_id": "t-2", "event_id": "ev-1"})
    # Ana edits her ticket: a new job title, and no organisation any more.
    await stub_hub.post(
        "/api/v1/tickets/sold", ticket_body("t-1", email="ana@example.com", job_title="CTO")
    )
    await stub_hub.settle()
    ion = await contact(stub_hub, "ion@example.com")
    assert [(t["ticket_id"], t["status"]) for t in ion["tickets"]] == [("t-2", "refunded")]
    assert ion["tickets"][0]["refunded_at"] is not None
    assert ion["events"] == []  # a refunded ticket is no longer held
    ana = await contact(stub_hub, "ana@example.com")
    assert (ana["org"], ana["job_title"]) == (None, "CTO")

    # The ticket is handed to someone else: it moves to the new contact.
    await stub_hub.post(
        "/api/v1/tickets/sold",
        ticket_body("t-1", email="maria@example.com", first_name="Maria", last_name="Ionescu"),
    )
    await stub_hub.settle()
    maria = await contact(stub_hub, "maria@example.com")
    assert (maria["first_name"], maria["events"]) == ("Maria", ["ev-1"])
    assert (await contact(stub_hub, "ana@example.com"))["tickets"] == []


# --- attendance ---------------------------------------------------------------------------


async def test_attendance_is_appended_and_a_corrected_report_replaces_it(
    stub_hub: StubHub,
) -> None:
    sessions = [
        {"id": "s1", "starts_at": "2030-07-15T14:00:00+03:00", "duration_minutes": 60},
        {"id": "s2", "starts_at": "2030-07-16T14:00:00+03:00", "duration_minutes": 60},
    ]
    await stub_hub.post("/api/v1/events/published", event_body(sessions=sessions))
    for ticket_id, email in (("t-1", "ana@example.com"), ("t-2", "ion@example.com")):
        await stub_hub.post("/api/v1/tickets/sold", ticket_body(ticket_id, email=email))
    await stub_hub.settle()
    hub = stub_hub.runtime.hub
    first = AttendanceReport(
        event_id="ev-1",
        provider="testvideo",
        final=True,
        records=[
            record(
                "t-1",
                "ana@example.com",
                50,
                sessions_count=2,
                poll_answers=[{"question": "Useful?", "answer": "Yes"}],
                questions=["Will slides be shared?"],
            ),
            # Records without an address are matched through the ticket.
            record("t-2", None, 30, session_id="s1", last_leave=START + timedelta(minutes=30)),
            record(
                "t-2",
                None,
                45,
                session_id="s2",
                first_join=START + timedelta(days=1),
                last_leave=START + timedelta(days=1, minutes=45),
            ),
            # A guest who gave an address becomes a contact; one who did not is unmatched.
            record(None, "guest@example.com", 5, guest=True, name="Guest Person"),
            record(None, None, 12, guest=True, name="Anonymous"),
        ],
    )
    # A report that is not final is kept by the hub but reaches no plugin.
    await hub.report_attendance(
        AttendanceReport(event_id="ev-1", provider="testvideo", final=False, records=[]),
        origin="testvideo",
    )
    await hub.report_attendance(first, origin="testvideo")
    await stub_hub.settle()

    ana = (await contact(stub_hub, "ana@example.com"))["attendance"]
    assert len(ana) == 1
    assert ana[0]["event_id"] == "ev-1" and ana[0]["event_title"] == "Summer Workshop"
    assert (ana[0]["attended"], ana[0]["minutes"], ana[0]["sessions_count"]) == (True, 50.0, 2)
    assert ana[0]["first_join"] == "2030-07-15T11:00:00Z"
    assert ana[0]["last_leave"] == "2030-07-15T11:50:00Z"
    assert ana[0]["poll_answers"] == [{"question": "Useful?", "answer": "Yes"}]
    assert ana[0]["questions"] == ["Will slides be shared?"]

    (ion,) = (await contact(stub_hub, "ion@example.com"))["attendance"]
    assert [(s["session_id"], s["minutes"]) for s in ion["sessions"]] == [
        ("s1", 30.0),
        ("s2", 45.0),
    ]
    assert (ion["minutes"], ion["sessions_count"], ion["attended"]) == (75.0, 2, True)
    assert ion["first_join"] == "2030-07-15T11:00:00Z"
    assert ion["last_leave"] == "2030-07-16T11:45:00Z"

    guest = await contact(stub_hub, "guest@example.com")
    assert (guest["first_name"], guest["last_name"], guest["tickets"]) == ("Guest", "Person", [])
    assert guest["attendance"][0]["guest"] is True

    # The provider corrects its report: Ana stayed longer, the guest entry was a mistake.
    corrected = AttendanceReport(
        event_id="ev-1",
        provider="testvideo",
        final=True,
        records=[record("t-1", "ana@example.com", 58), *first.records[1:3]],
    )
    await hub.report_attendance(corrected, origin="testvideo")
    await stub_hub.settle()
    ana = (await contact(stub_hub, "ana@example.com"))["attendance"]
    assert [(a["minutes"], a["poll_answers"]) for a in ana] == [(58.0, [])]
    assert (await contact(stub_hub, "guest@example.com"))["attendance"] == []
    assert len((await contact(stub_hub, "ion@example.com"))["attendance"]) == 1

    # The first report redelivered late (a retry) must not undo the correction.
    event = await hub.get_event("ev-1")
    late = DeliveryContext(hub, "crm_stub", 1, 1, "on_attendance")
    await crm_plugin.on_attendance(first, event, late)
    ana = (await contact(stub_hub, "ana@example.com"))["attendance"]
    assert [a["minutes"] for a in ana] == [58.0]


async def test_attendance_redelivered_is_idempotent(stub_hub: StubHub) -> None:
    await sold(stub_hub, ticket_body("t-1", email="ana@example.com"))
    await stub_hub.settle()
    report = AttendanceReport(
        event_id="ev-1",
        provider="testvideo",
        final=True,
        records=[record("t-1", "ana@example.com", 40, questions=["Q?"])],
    )
    await stub_hub.runtime.hub.report_attendance(report, origin="testvideo")
    await stub_hub.settle()
    d = tables.deliveries
    async with stub_hub.runtime.db.transaction() as conn:
        result = await conn.execute(
            sa.update(d)
            .where(d.c.plugin == "crm_stub", d.c.hook == "on_attendance")
            .values(state="pending", due_at=sa.func.now())
        )
    assert result.rowcount == 1
    stub_hub.runtime.worker.wake()
    await stub_hub.settle()
    (attended,) = (await contact(stub_hub, "ana@example.com"))["attendance"]
    assert (attended["minutes"], attended["questions"]) == (40.0, ["Q?"])


# --- failures and isolation ---------------------------------------------------------------


async def test_crm_failures_are_retried_without_rerunning_the_provider(
    stub_hub_factory: StubHubFactory,
) -> None:
    """With most of the CRM's calls failing, every contact still arrives, the provider
    registered each holder exactly once, and the ticketing stub sent each email once."""
    tickets = 10
    async with stub_hub_factory(
        plugins={"crm_stub": {"fail_rate": 0.6, "seed": 4}},
        pipeline={"max_attempts": 40},
    ) as hub:
        await hub.post("/api/v1/events/published", event_body())
        for i in range(tickets):
            await hub.post("/api/v1/tickets/sold", ticket_body(f"t-{i}"))
        await hub.settle()

        d = tables.deliveries
        async with hub.runtime.db.connect() as conn:
            crm = (
                await conn.execute(
                    sa.select(d.c.state, d.c.attempts, d.c.last_error).where(
                        d.c.plugin == "crm_stub"
                    )
                )
            ).all()
            provider_calls = (
                (
                    await conn.execute(
                        sa.select(tv.calls.c.key).where(tv.calls.c.hook == "on_ticket_sold")
                    )
                )
                .scalars()
                .all()
            )
            provider_attempts = (
                await conn.execute(
                    sa.select(sa.func.max(d.c.attempts)).where(d.c.plugin == "testvideo")
                )
            ).scalar_one()
        assert len(crm) == tickets
        assert {row.state for row in crm} == {"done"}
        assert any(row.attempts > 1 for row in crm), "no CRM failure was injected"
        assert all(row.last_error is None for row in crm)
        # The provider ran once per ticket: the CRM's retries never re-ran its work.
        assert sorted(provider_calls) == sorted(f"ev-1:t-{i}" for i in range(tickets))
        assert provider_attempts == 1
        contacts = await hub.get_json("/crm-stub/contacts")
        assert len(contacts) == tickets
        assert len(await hub.get_json("/ticketing-stub/emails")) == tickets


async def test_a_crm_that_always_fails_dead_letters_only_its_own_deliveries(
    stub_hub_factory: StubHubFactory,
) -> None:
    async with stub_hub_factory(
        plugins={"crm_stub": {"fail_rate": 1.0}}, pipeline={"max_attempts": 2}
    ) as hub:
        await sold(hub, ticket_body("t-1"))
        await hub.settle()
        d = tables.deliveries
        async with hub.runtime.db.connect() as conn:
            states = (
                await conn.execute(
                    sa.select(d.c.plugin, d.c.state, d.c.last_error).order_by(d.c.id)
                )
            ).all()
        dead = [(p, e) for p, s, e in states if s == "dead"]
        assert [p for p, _ in dead] == ["crm_stub"]
        assert "CRM API unavailable" in dead[0][1]
        assert {s for p, s, _ in states if p != "crm_stub"} == {"done"}
        assert await hub.get_json("/crm-stub/contacts") == []
        assert len(await hub.get_json("/ticketing-stub/emails")) == 1


def test_failure_draws_depend_only_on_seed_delivery_and_attempt() -> None:
    settings = CrmStubSettings(fail_rate=0.3, seed=9)
    draws = [should_fail(settings, delivery, 1) for delivery in range(1000)]
    assert draws == [should_fail(settings, delivery, 1) for delivery in range(1000)]
    assert 230 < sum(draws) < 370
    assert not any(should_fail(CrmStubSettings(), d, 1) for d in range(100))
    assert all(should_fail(CrmStubSettings(fail_rate=1.0), d, 1) for d in range(100))


@pytest.mark.parametrize(
    ("table", "field"),
    [({"fail_rate": 1.5}, "fail_rate"), ({"seed": "x"}, "seed"), ({"retries": 1}, "retries")],
)
def test_bad_settings_refuse_start_up_naming_the_field(
    sqlite_url: str, table: dict[str, Any], field: str
) -> None:
    config = make_config(sqlite_url, ["crm_stub"], {"crm_stub": table}, default_provider=None)
    with pytest.raises(ConfigError, match=rf"plugins\.crm_stub.*{field}"):
        build_runtime(config, configure_logs=False)
