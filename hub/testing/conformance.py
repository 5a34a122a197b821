"""The provider conformance kit: run it with pytest against your own provider plugin.

It drives your plugin through the real hub pipeline (real database, real deliveries,
redeliveries as after a crash) and checks the guarantees every provider owes the hub:

* publishing an event creates exactly one meeting, however often the fact is delivered,
  and reports its details (a join URL) through ``report_meeting_details``;
* selling a ticket registers the holder exactly once and reports a personal join URL;
* a refund cancels the registration, exactly once; a refund that arrives before the sale
  leaves the holder unregistered;
* every delivery can be delivered again (a worker killed after the effect, before the
  bookkeeping) without a second effect;
* attendance, when the provider reports it, has the documented record shape.

Subclass :class:`ProviderConformance` in a test module and implement the adapter methods
(how to configure the hub for your provider, and how to read your provider's side of the
truth). pytest collects the inherited ``test_*`` methods::

    class TestMyProvider(ProviderConformance):
        provider = "myvideo"

        @asynccontextmanager
        async def hub(self, db_url):
            async with open_hub(config_for(db_url)) as runtime:
                yield runtime

        async def meeting_count(self, runtime, event_id): ...
        async def registered(self, runtime, event_id): ...
"""

from __future__ import annotations

import abc
import itertools
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from sqlalchemy import select, update

from hub.models import AttendanceRecord, AttendanceReport, Event, Refund, Ticket
from hub.pipeline.facts import utcnow
from hub.runtime import HubRuntime
from hub.storage import tables


def sample_event(event_id: str | None = None, **overrides: Any) -> Event:
    start = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0)
    values: dict[str, Any] = {
        "id": event_id or f"conf-{uuid.uuid4().hex[:8]}",
        "title": "Conformance event",
        "starts_at": start,
        "duration_minutes": 60,
        "timezone": "UTC",
        "capacity": 50,
        "format": "meeting",
    }
    values.update(overrides)
    return msgspec.convert(values, Event, from_attributes=True, strict=False)


def sample_ticket(event_id: str, n: int) -> Ticket:
    return Ticket(
        id=f"{event_id}-t{n}",
        event_id=event_id,
        email=f"holder{n}.{event_id}@example.com",
        first_name=f"Holder{n}",
        last_name="Conformance",
    )


class ProviderConformance(abc.ABC):
    """Inherit, set ``provider`` and implement the adapter methods below."""

    provider: str = ""
    tickets: int = 5

    # --- adapter: implement these --------------------------------------------------------

    @abc.abstractmethod
    def hub(self, db_url: str) -> AbstractAsyncContextManager[HubRuntime]:
        """A started hub (workers off or on) with your provider enabled and default."""

    @abc.abstractmethod
    async def meeting_count(self, runtime: HubRuntime, event_id: str) -> int:
        """How many meetings your provider holds for the event (its own truth)."""

    @abc.abstractmethod
    async def registered(self, runtime: HubRuntime, event_id: str) -> set[str]:
        """Emails currently registered for the event on your provider's side."""

    async def report_attendance(
        self, runtime: HubRuntime, event: Event, tickets: list[Ticket]
    ) -> bool:
        """Make your provider report final attendance for ``tickets`` joining for 30 minutes.

        Return False if your provider does not track attendance (the check is skipped).
        """
        return False

    # --- fixtures ------------------------------------------------------------------------

    @pytest.fixture
    def conformance_db_url(self, tmp_path: Path) -> str:
        return f"sqlite+aiosqlite:///{tmp_path / 'conformance.db'}"

    @pytest.fixture
    async def runtime(self, conformance_db_url: str) -> AsyncIterator[HubRuntime]:
        async with self.hub(conformance_db_url) as runtime:
            yield runtime

    # --- helpers -------------------------------------------------------------------------

    async def _drain(self, runtime: HubRuntime) -> None:
        await runtime.worker.drain(120)

    async def _redeliver_all(self, runtime: HubRuntime) -> None:
        """Make every finished delivery pending again, as if each worker died just after
        the effect and before recording it, and run them all once more."""
        d = tables.deliveries
        async with runtime.db.transaction() as conn:
            await conn.execute(
                update(d)
                .where(d.c.state == "done")
                .values(state="pending", due_at=utcnow(), finished_at=None)
            )
        await self._drain(runtime)

    async def _published(self, runtime: HubRuntime, **overrides: Any) -> Event:
        event = sample_event(**overrides)
        await runtime.ingestor.publish_event(event)
        await self._drain(runtime)
        return event

    async def _sell(self, runtime: HubRuntime, event: Event, n: int) -> list[Ticket]:
        tickets = [sample_ticket(event.id, i) for i in range(n)]
        for ticket in tickets:
            await runtime.ingestor.sell_ticket(ticket)
        await self._drain(runtime)
        return tickets

    async def _registration(self, runtime: HubRuntime, event_id: str, ticket_id: str) -> Any:
        r = tables.registrations
        async with runtime.db.connect() as conn:
            row = (
                await conn.execute(
                    select(r.c.details).where(
                        r.c.event_id == event_id, r.c.ticket_id == ticket_id, r.c.session_key == ""
                    )
                )
            ).first()
        return row.details if row else None

    async def _dead(self, runtime: HubRuntime) -> list[Any]:
        d = tables.deliveries
        async with runtime.db.connect() as conn:
            return list((await conn.execute(select(d).where(d.c.state == "dead"))).all())

    # --- the guarantees ------------------------------------------------------------------

    async def test_publish_creates_one_meeting_and_reports_details(
        self, runtime: HubRuntime
    ) -> None:
        event = await self._published(runtime)
        await runtime.ingestor.publish_event(event)  # the platform posts it again
        await self._redeliver_all(runtime)
        assert await self.meeting_count(runtime, event.id) == 1
        m = tables.meetings
        async with runtime.db.connect() as conn:
            details = (
                (await conn.execute(select(m.c.details).where(m.c.event_id == event.id)))
                .scalars()
                .all()
            )
        assert details and details[0]["join_url"], "no meeting details were reported"
        assert details[0]["provider"] == self.provider
        assert "start_url" not in details[0]
        assert not await self._dead(runtime)

    async def test_register_is_idempotent_and_reports_personal_links(
        self, runtime: HubRuntime
    ) -> None:
        event = await self._published(runtime)
        tickets = await self._sell(runtime, event, self.tickets)
        await self._redeliver_all(runtime)
        assert await self.registered(runtime, event.id) == {t.email for t in tickets}
        links = set()
        for ticket in tickets:
            registration = await self._registration(runtime, event.id, ticket.id)
            assert registration is not None, f"no registration reported for {ticket.id}"
            assert registration["status"] == "registered", registration
            assert registration["join_url"]
            links.add(registration["join_url"])
        assert len(links) == len(tickets), "join links must be personal"
        assert not await self._dead(runtime)

    async def test_cancel_is_idempotent(self, runtime: HubRuntime) -> None:
        event = await self._published(runtime)
        tickets = await self._sell(runtime, event, 3)
        refunded = tickets[0]
        await runtime.ingestor.refund_ticket(Refund(ticket_id=refunded.id, event_id=event.id))
        await self._drain(runtime)
        await self._redeliver_all(runtime)
        assert await self.registered(runtime, event.id) == {t.email for t in tickets[1:]}
        registration = await self._registration(runtime, event.id, refunded.id)
        assert registration["status"] == "cancelled", registration
        assert not await self._dead(runtime)

    async def test_refund_before_registration_leaves_holder_unregistered(
        self, runtime: HubRuntime
    ) -> None:
        event = await self._published(runtime)
        ticket = sample_ticket(event.id, 0)
        await runtime.ingestor.sell_ticket(ticket)
        await runtime.ingestor.refund_ticket(Refund(ticket_id=ticket.id, event_id=event.id))
        late = sample_ticket(event.id, 1)
        await runtime.ingestor.refund_ticket(Refund(ticket_id=late.id, event_id=event.id))
        await runtime.ingestor.sell_ticket(late)  # the sale arrives after its refund
        await self._drain(runtime)
        assert await self.registered(runtime, event.id) == set()
        assert not await self._dead(runtime)

    async def test_attendance_record_shape(self, runtime: HubRuntime) -> None:
        event = await self._published(runtime)
        tickets = await self._sell(runtime, event, 2)
        if not await self.report_attendance(runtime, event, tickets):
            pytest.skip(f"{self.provider} does not report attendance")
        await self._drain(runtime)
        a = tables.attendance_reports
        async with runtime.db.connect() as conn:
            row = (await conn.execute(select(a).where(a.c.event_id == event.id))).first()
        assert row is not None and row.final, "no final attendance report"
        report = msgspec.convert(row.report, AttendanceReport, strict=False)
        assert report.provider == self.provider
        by_ticket = {r.ticket_id: r for r in report.records if not r.guest}
        assert set(by_ticket) == {t.id for t in tickets}
        for record in by_ticket.values():
            assert isinstance(record, AttendanceRecord)
            assert record.first_join is not None and record.last_leave is not None
            assert record.first_join <= record.last_leave
            assert abs(record.minutes - 30) < 0.01
            assert record.sessions_count >= 1
            assert record.attended
            _check_intervals(record)


def _check_intervals(record: AttendanceRecord) -> None:
    """Intervals are optional, but when reported they are what the admin page draws as
    "people in the room", so they must agree with the record's own figures."""
    if not record.intervals:
        return
    spans = record.intervals
    assert all(start < end for start, end in spans), "an interval ends before it starts"
    assert all(a[1] < b[0] for a, b in itertools.pairwise(spans)), "intervals not merged and sorted"
    assert spans[0][0] == record.first_join and spans[-1][1] == record.last_leave
    covered = sum((end - start).total_seconds() for start, end in spans) / 60
    assert abs(covered - record.minutes) < 0.01, "intervals disagree with minutes"
