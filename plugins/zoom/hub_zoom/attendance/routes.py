"""``GET /api/v1/events/{id}/tickets/{ticket_id}/certificate``: a PDF for attendees.

Issued from the event's final attendance report (the one the hub stored and delivered),
so the certificate and the CRM always agree. Refusals are 404 problems with a ``reason``
a client can branch on: ``unknown_event``, ``unknown_ticket``, ``report_pending`` (no
final report yet), ``not_in_report`` and ``below_threshold``.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Response, get
from sqlalchemy import select

from hub.api.auth import require_api_key
from hub.api.problems import ApiProblem
from hub.context import HubContext
from hub.models import AttendanceRecord, AttendanceReport
from hub.storage import tables as hub_tables
from hub_zoom.certificates import render_certificate


async def stored_report(hub: HubContext, event_id: str) -> AttendanceReport | None:
    a = hub_tables.attendance_reports
    async with hub.db.connect() as conn:
        row = (await conn.execute(select(a.c.report).where(a.c.event_id == event_id))).first()
    return msgspec.convert(row.report, AttendanceReport, strict=False) if row else None


def holder_record(report: AttendanceReport, ticket_id: str) -> AttendanceRecord | None:
    """The holder's record across the whole event (not a single session's)."""
    for record in report.records:
        if record.ticket_id == ticket_id and record.session_id is None:
            return record
    return None


def routes(hub: HubContext) -> list[Any]:
    @get(
        "/api/v1/events/{event_id:str}/tickets/{ticket_id:str}/certificate",
        guards=[require_api_key],
        tags=["zoom"],
        summary="Attendance certificate (PDF) of a ticket holder who attended",
        media_type="application/pdf",
    )
    async def attendance_certificate(event_id: str, ticket_id: str) -> Response[bytes]:
        event = await hub.get_event(event_id)
        if event is None:
            raise ApiProblem(404, f"unknown event {event_id!r}", "event_id", reason="unknown_event")
        ticket, _ = await hub.get_ticket(event_id, ticket_id)
        if ticket is None:
            raise ApiProblem(
                404, f"unknown ticket {ticket_id!r}", "ticket_id", reason="unknown_ticket"
            )
        report = await stored_report(hub, event_id)
        if report is None or not report.final:
            raise ApiProblem(
                404, "the event has no final attendance report yet", reason="report_pending"
            )
        record = holder_record(report, ticket_id)
        if record is None:
            raise ApiProblem(
                404, "the ticket is not in the attendance report", reason="not_in_report"
            )
        if not record.attended:
            raise ApiProblem(
                404,
                f"attended {record.minutes:g} minutes, below the threshold for a certificate",
                reason="below_threshold",
                minutes=record.minutes,
            )
        pdf = render_certificate(event, record)
        return Response(
            pdf,
            media_type="application/pdf",
            headers={
                "Content-Disposition": (
                    f'attachment; filename="certificate-{event_id}-{ticket_id}.pdf"'
                )
            },
        )

    return [attendance_certificate]
