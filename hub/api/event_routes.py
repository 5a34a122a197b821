"""GET /api/v1/events/...: what the hub knows of an event, a ticket, attendance, recordings."""

from __future__ import annotations

import csv
import io
from typing import Any

from litestar import Controller, Request, Response, get
from sqlalchemy import func, select

from hub.api.problems import ApiProblem
from hub.storage import tables

ATTENDANCE_CSV_FIELDS = [
    "ticket_id",
    "email",
    "name",
    "session_id",
    "first_join",
    "last_leave",
    "minutes",
    "sessions_count",
    "attended",
    "guest",
]


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (a participant may name themselves
    ``=HYPERLINK(...)``) is prefixed with a quote; numbers and booleans pass as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def attendance_csv(report: dict[str, Any]) -> str:
    """The attendance report as CSV, one row per record (shared with the admin download)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=ATTENDANCE_CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for record in report.get("records", []):
        writer.writerow({k: _cell(v) for k, v in record.items()})
    return buffer.getvalue()


async def _event_row(request: Request[Any, Any, Any], event_id: str) -> Any:
    async with request.app.state.runtime.db.connect() as conn:
        row = (
            await conn.execute(select(tables.events).where(tables.events.c.id == event_id))
        ).first()
    if row is None:
        raise ApiProblem(404, f"unknown event {event_id!r}", field="event_id")
    return row


def _public_details(details: dict[str, Any]) -> dict[str, Any]:
    # Defence in depth: a host start URL must never leave the hub, whoever stored it.
    return {k: v for k, v in details.items() if k not in ("start_url", "host_start_url")}


class EventsController(Controller):
    path = "/api/v1/events"
    tags = ["events"]

    @get("/{event_id:str}")
    async def get_event(self, request: Request[Any, Any, Any], event_id: str) -> dict[str, Any]:
        """The event, its meeting details (never the host start URL) and its sync state."""
        row = await _event_row(request, event_id)
        d, r, m, t = tables.deliveries, tables.registrations, tables.meetings, tables.tickets
        async with request.app.state.runtime.db.connect() as conn:
            meetings = (await conn.execute(select(m).where(m.c.event_id == event_id))).all()
            states = (
                await conn.execute(
                    select(d.c.plugin, d.c.state, func.count())
                    .where(d.c.event_id == event_id)
                    .group_by(d.c.plugin, d.c.state)
                )
            ).all()
            registrations = (
                await conn.execute(
                    select(r.c.status, func.count())
                    .where(r.c.event_id == event_id)
                    .group_by(r.c.status)
                )
            ).all()
            tickets = (
                await conn.execute(
                    select(t.c.status, func.count())
                    .where(t.c.event_id == event_id)
                    .group_by(t.c.status)
                )
            ).all()
        deliveries: dict[str, dict[str, int]] = {}
        for plugin, state, count in states:
            deliveries.setdefault(plugin, {})[state] = count
        pending = sum(c for _, s, c in states if s in ("pending", "running"))
        dead = sum(c for _, s, c in states if s == "dead")
        sync_state = "failed" if dead else ("syncing" if pending else "synced")
        main = next((x for x in meetings if x.session_key == ""), None)
        return {
            "event": row.body,
            "status": row.status,
            "provider": row.provider,
            "version": row.version,
            "meeting": _public_details(main.details) if main else None,
            "sessions": [_public_details(x.details) for x in meetings if x.session_key != ""],
            "sync": {
                "state": sync_state,
                "deliveries": deliveries,
                "tickets": dict(tickets),
                "registrations": dict(registrations),
            },
        }

    @get("/{event_id:str}/tickets/{ticket_id:str}")
    async def get_ticket(
        self, request: Request[Any, Any, Any], event_id: str, ticket_id: str
    ) -> dict[str, Any]:
        """The holder's registration state and personal join URL."""
        await _event_row(request, event_id)
        t, r, d = tables.tickets, tables.registrations, tables.deliveries
        async with request.app.state.runtime.db.connect() as conn:
            ticket = (
                await conn.execute(select(t).where(t.c.event_id == event_id, t.c.id == ticket_id))
            ).first()
            if ticket is None:
                raise ApiProblem(404, f"unknown ticket {ticket_id!r}", field="ticket_id")
            regs = (
                await conn.execute(
                    select(r).where(r.c.event_id == event_id, r.c.ticket_id == ticket_id)
                )
            ).all()
            jobs = (
                await conn.execute(
                    select(d.c.id, d.c.plugin, d.c.hook, d.c.state, d.c.attempts, d.c.last_error)
                    .where(d.c.event_id == event_id, d.c.ticket_id == ticket_id)
                    .order_by(d.c.id)
                )
            ).all()
        main = next((x.details for x in regs if x.session_key == ""), None)
        return {
            "ticket": ticket.body,
            "status": ticket.status,
            "registration": main,
            "join_url": main.get("join_url") if main and main["status"] == "registered" else None,
            "sessions": [x.details for x in regs if x.session_key != ""],
            "deliveries": [dict(j._mapping) for j in jobs],
        }

    @get("/{event_id:str}/attendance")
    async def attendance(
        self,
        request: Request[Any, Any, Any],
        event_id: str,
        format: str = "json",
        live: bool = False,
    ) -> Any:
        """The attendance report the provider computed (``?format=csv`` for a spreadsheet)."""
        await _event_row(request, event_id)
        if format not in ("json", "csv"):
            raise ApiProblem(400, "format must be json or csv", field="format")
        runtime = request.app.state.runtime
        if live:
            provider_view = runtime.hub.state.get("live_attendance")
            if provider_view is not None:
                return await provider_view(event_id)
        a = tables.attendance_reports
        async with runtime.db.connect() as conn:
            row = (await conn.execute(select(a).where(a.c.event_id == event_id))).first()
        report = row.report if row else {"event_id": event_id, "final": False, "records": []}
        if format == "json":
            return report
        return Response(attendance_csv(report), media_type="text/csv")

    @get("/{event_id:str}/recordings")
    async def recordings(self, request: Request[Any, Any, Any], event_id: str) -> dict[str, Any]:
        """Cloud recordings the provider reported for the event, with share links."""
        await _event_row(request, event_id)
        rec = tables.recordings
        async with request.app.state.runtime.db.connect() as conn:
            rows = (await conn.execute(select(rec).where(rec.c.event_id == event_id))).all()
        return {"event_id": event_id, "recordings": [r.recording for r in rows]}
