"""A test-only non-provider plugin that records what it receives and fails on demand."""

from __future__ import annotations

from collections import Counter
from typing import Any

from hub import hookimpl
from hub.context import DeliveryContext
from hub.errors import PermanentFailure
from hub.models import AttendanceReport, Event, MeetingDetails, Recording, Registration, Ticket


class Recorder:
    __test__ = False

    def __init__(self, fail_times: int = 0, permanent: bool = False) -> None:
        self.fail_times = fail_times
        self.permanent = permanent
        self.calls: Counter[str] = Counter()
        self.received: list[tuple[str, Any]] = []

    def _maybe_fail(self, key: str) -> None:
        self.calls[key] += 1
        if self.permanent:
            raise PermanentFailure("recorder refuses this", code="bad-data")
        if self.calls[key] <= self.fail_times:
            raise RuntimeError(f"recorder failure {self.calls[key]} for {key}")

    @hookimpl
    async def on_ticket_sold(self, ticket: Ticket, event: Event, ctx: DeliveryContext) -> None:
        self._maybe_fail(f"sold:{ticket.id}")
        self.received.append(("sold", ticket.id))

    @hookimpl
    async def on_meeting_details(
        self, details: MeetingDetails, event: Event, ctx: DeliveryContext
    ) -> None:
        self.received.append(("details", details.join_url))

    @hookimpl
    async def on_registration(
        self, registration: Registration, ticket: Ticket, ctx: DeliveryContext
    ) -> None:
        self.received.append(("registration", (registration.ticket_id, registration.status)))

    @hookimpl
    async def on_attendance(
        self, report: AttendanceReport, event: Event, ctx: DeliveryContext
    ) -> None:
        self.received.append(("attendance", len(report.records)))

    @hookimpl
    async def on_recording_ready(
        self, recording: Recording, event: Event, ctx: DeliveryContext
    ) -> None:
        self.received.append(("recording", recording.share_url))
