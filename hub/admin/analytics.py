"""Attendance figures per event and over time, for the admin Analytics page and
``GET /api/v1/analytics`` (one computation, so the page and the API always agree).

Definitions: *registrants* are the event's sold, not refunded, tickets; *attendees* are
ticket holders the provider's final or live report marks as attended (guests, matched to no
ticket, are counted apart); the *attendance rate* is attendees / registrants and the
*average minutes* the mean of attendees' minutes. Rates and averages over several events
count only events that have an attendance report, so events still to come do not dilute
them; cancelled events are listed but left out of totals.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import msgspec
from sqlalchemy import func, select

from hub.models import AttendanceReport
from hub.storage import tables
from hub.storage.database import Database


class EventFigures(msgspec.Struct, kw_only=True, frozen=True):
    event_id: str
    title: str
    starts_at: datetime
    status: str
    registrants: int
    attendees: int
    guests: int
    reported: bool
    final: bool
    attendance_rate: float | None
    average_minutes: float | None


class PeriodFigures(msgspec.Struct, kw_only=True, frozen=True):
    period: str  # "YYYY-MM" of the events' start (UTC)
    events: int
    registrants: int
    attendees: int
    attendance_rate: float | None
    average_minutes: float | None


class Totals(msgspec.Struct, kw_only=True, frozen=True):
    events: int
    events_reported: int
    registrants: int
    attendees: int
    attendance_rate: float | None
    average_minutes: float | None


class Analytics(msgspec.Struct, kw_only=True, frozen=True):
    generated_at: datetime
    since: date | None  # events starting on or after this day (UTC), when asked
    until: date | None  # events starting on or before this day (UTC), when asked
    totals: Totals
    events: list[EventFigures]
    by_month: list[PeriodFigures]


def _rate(attendees: int, registrants: int) -> float | None:
    return round(attendees / registrants, 4) if registrants else None


def _mean(total: float, count: int) -> float | None:
    return round(total / count, 2) if count else None


def event_figures(
    event_id: str,
    body: dict[str, Any],
    status: str,
    registrants: int,
    report: AttendanceReport | None,
) -> tuple[EventFigures, float]:
    """The event's figures and its attendees' total minutes (for weighted averages)."""
    attendees = guests = 0
    minutes = 0.0
    if report is not None:
        for record in report.records:
            if record.session_id is not None or not record.attended:
                continue
            if record.guest:
                guests += 1
            else:
                attendees += 1
                minutes += record.minutes
    starts_at = msgspec.convert(body["starts_at"], datetime, strict=False).astimezone(UTC)
    figures = EventFigures(
        event_id=event_id,
        title=str(body.get("title", event_id)),
        starts_at=starts_at,
        status=status,
        registrants=registrants,
        attendees=attendees,
        guests=guests,
        reported=report is not None,
        final=bool(report and report.final),
        attendance_rate=_rate(attendees, registrants) if report is not None else None,
        average_minutes=_mean(minutes, attendees) if report is not None else None,
    )
    return figures, minutes


def summarise(items: Sequence[tuple[EventFigures, float]]) -> tuple[Totals, list[PeriodFigures]]:
    counted = [(f, m) for f, m in items if f.status != "cancelled"]
    reported = [(f, m) for f, m in counted if f.reported]
    totals = Totals(
        events=len(counted),
        events_reported=len(reported),
        registrants=sum(f.registrants for f, _ in counted),
        attendees=sum(f.attendees for f, _ in counted),
        attendance_rate=_rate(
            sum(f.attendees for f, _ in reported), sum(f.registrants for f, _ in reported)
        ),
        average_minutes=_mean(sum(m for _, m in reported), sum(f.attendees for f, _ in reported)),
    )
    months: dict[str, list[tuple[EventFigures, float]]] = {}
    for f, m in counted:
        months.setdefault(f.starts_at.strftime("%Y-%m"), []).append((f, m))
    by_month = []
    for period in sorted(months):
        group = months[period]
        done = [(f, m) for f, m in group if f.reported]
        by_month.append(
            PeriodFigures(
                period=period,
                events=len(group),
                registrants=sum(f.registrants for f, _ in group),
                attendees=sum(f.attendees for f, _ in group),
                attendance_rate=_rate(
                    sum(f.attendees for f, _ in done), sum(f.registrants for f, _ in done)
                ),
                average_minutes=_mean(sum(m for _, m in done), sum(f.attendees for f, _ in done)),
            )
        )
    return totals, by_month


async def compute_analytics(
    db: Database, since: date | None = None, until: date | None = None
) -> Analytics:
    """Every event's figures (or those starting between ``since`` and ``until``, inclusive,
    by UTC day), their monthly and overall summaries."""
    e, t, a = tables.events, tables.tickets, tables.attendance_reports
    async with db.connect() as conn:
        events = (await conn.execute(select(e.c.id, e.c.status, e.c.body))).all()
        sold = dict(
            (
                await conn.execute(
                    select(t.c.event_id, func.count())
                    .where(t.c.status == "sold")
                    .group_by(t.c.event_id)
                )
            ).all()
        )
        reports = {
            row.event_id: msgspec.convert(row.report, AttendanceReport, strict=False)
            for row in (await conn.execute(select(a.c.event_id, a.c.report))).all()
        }
    items = [
        event_figures(row.id, row.body, row.status, int(sold.get(row.id, 0)), reports.get(row.id))
        for row in events
    ]
    items = [
        item
        for item in items
        if (since is None or item[0].starts_at.date() >= since)
        and (until is None or item[0].starts_at.date() <= until)
    ]
    items.sort(key=lambda item: (item[0].starts_at, item[0].event_id))
    totals, by_month = summarise(items)
    return Analytics(
        generated_at=datetime.now(UTC),
        since=since,
        until=until,
        totals=totals,
        events=[f for f, _ in items],
        by_month=by_month,
    )
