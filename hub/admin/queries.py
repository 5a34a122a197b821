"""Read-only queries behind the admin pages, on the hub's own tables.

Each page runs a handful of grouped queries bounded by a page size, whatever the number of
events, tickets or deliveries, so a big hub's admin stays quick.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import and_, func, select

from hub.models import AttendanceReport
from hub.storage import tables
from hub.storage.database import Database

EVENTS_PAGE_SIZE = 100
REGISTRANTS_LIMIT = 2000
DEAD_LETTERS_LIMIT = 200
HIDDEN_DETAILS = ("start_url", "host_start_url")


@dataclass(frozen=True)
class EventSync:
    """One row of the events list: the event and how far it is synced to its provider."""

    id: str
    title: str
    starts_at: str
    provider: str
    status: str
    meeting_kind: str | None
    meeting_status: str | None
    meetings: int
    tickets: int
    registered: int
    failed_registrations: int
    pending: int
    dead: int

    @property
    def sync_state(self) -> str:
        """``failed`` (a dead letter), ``syncing`` (work pending) or ``synced``: the rule of
        ``GET /api/v1/events/{id}``."""
        if self.dead:
            return "failed"
        if self.pending:
            return "syncing"
        return "synced"

    @property
    def meeting_label(self) -> str:
        if self.meeting_kind is None:
            return "not created yet" if self.status == "published" else "none"
        kind = self.meeting_kind.capitalize()
        state = "created" if self.meeting_status == "active" else self.meeting_status
        if self.meetings > 1:
            return f"{self.meetings} {self.meeting_kind}s {state}"
        return f"{kind} {state}"


def _overall_status(details: Sequence[dict[str, Any]]) -> str | None:
    """``active`` only when every meeting of the event (one per session) is active."""
    statuses = [str(d.get("status", "active")) for d in details]
    if not statuses:
        return None
    return next((s for s in statuses if s != "active"), "active")


def public_details(details: dict[str, Any]) -> dict[str, Any]:
    """Meeting details without the host start URL (never shown, even to the admin)."""
    return {k: v for k, v in details.items() if k not in HIDDEN_DETAILS}


async def count_events(db: Database) -> int:
    async with db.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(tables.events))).scalar())


async def events_sync(
    db: Database, *, offset: int = 0, limit: int = EVENTS_PAGE_SIZE
) -> list[EventSync]:
    """A page of events (most recently created first) with their sync state."""
    e, m, t, r, d = (
        tables.events,
        tables.meetings,
        tables.tickets,
        tables.registrations,
        tables.deliveries,
    )
    async with db.connect() as conn:
        rows = (
            await conn.execute(
                select(e.c.id, e.c.provider, e.c.status, e.c.body)
                .order_by(e.c.created_at.desc(), e.c.id)
                .offset(offset)
                .limit(limit)
            )
        ).all()
        ids = [row.id for row in rows]
        if not ids:
            return []
        meetings: dict[str, list[dict[str, Any]]] = {}
        for row in (
            await conn.execute(
                select(m.c.event_id, m.c.details)
                .where(m.c.event_id.in_(ids))
                .order_by(m.c.event_id, m.c.session_key)
            )
        ).all():
            meetings.setdefault(row.event_id, []).append(row.details or {})
        tickets = dict(
            (
                await conn.execute(
                    select(t.c.event_id, func.count())
                    .where(t.c.event_id.in_(ids), t.c.status == "sold")
                    .group_by(t.c.event_id)
                )
            ).all()
        )
        # A registration counts only while its ticket is still sold.
        # Per sold ticket (a multi-session event registers a holder once per session): a
        # holder counts as registered when registered anywhere, as failed when failed anywhere.
        registrations: dict[tuple[str, str], int] = {
            (row.event_id, row.status): row.n
            for row in (
                await conn.execute(
                    select(
                        r.c.event_id,
                        r.c.status,
                        func.count(func.distinct(r.c.ticket_id)).label("n"),
                    )
                    .join(
                        t,
                        and_(t.c.event_id == r.c.event_id, t.c.id == r.c.ticket_id),
                    )
                    .where(r.c.event_id.in_(ids), t.c.status == "sold")
                    .group_by(r.c.event_id, r.c.status)
                )
            ).all()
        }
        jobs: dict[tuple[str, str], int] = {
            (row.event_id, row.state): row.n
            for row in (
                await conn.execute(
                    select(d.c.event_id, d.c.state, func.count().label("n"))
                    .where(d.c.event_id.in_(ids), d.c.state != "done")
                    .group_by(d.c.event_id, d.c.state)
                )
            ).all()
        }
    result = []
    for row in rows:
        found = meetings.get(row.id, [])
        result.append(
            EventSync(
                id=row.id,
                title=str(row.body.get("title", row.id)),
                starts_at=str(row.body.get("starts_at", "")),
                provider=row.provider,
                status=row.status,
                meeting_kind=found[0].get("kind") if found else None,
                meeting_status=_overall_status(found),
                meetings=len(found),
                tickets=int(tickets.get(row.id, 0)),
                registered=registrations.get((row.id, "registered"), 0),
                failed_registrations=registrations.get((row.id, "failed"), 0),
                pending=jobs.get((row.id, "pending"), 0) + jobs.get((row.id, "running"), 0),
                dead=jobs.get((row.id, "dead"), 0),
            )
        )
    return result


@dataclass(frozen=True)
class SessionRegistration:
    session: str  # "" for the event itself
    status: str
    join_url: str | None
    message: str | None


@dataclass(frozen=True)
class Registrant:
    ticket_id: str
    name: str
    email: str
    ticket_status: str
    registrations: tuple[SessionRegistration, ...]

    @property
    def registration_status(self) -> str | None:
        """One word for the holder: failed anywhere wins, then registered, else the rest."""
        statuses = {r.status for r in self.registrations}
        for status in ("failed", "registered", "cancelled", "skipped"):
            if status in statuses:
                return status
        return next(iter(statuses), None)


@dataclass
class EventPage:
    id: str
    provider: str
    status: str
    version: int
    body: dict[str, Any]
    meeting: dict[str, Any] | None
    sessions: list[dict[str, Any]]
    registrants: list[Registrant]
    registrants_total: int
    tickets_sold: int
    report: AttendanceReport | None
    report_final: bool
    deliveries: list[dict[str, Any]] = field(default_factory=list)


async def event_page(db: Database, event_id: str) -> EventPage | None:
    e, m, t, r, a, d = (
        tables.events,
        tables.meetings,
        tables.tickets,
        tables.registrations,
        tables.attendance_reports,
        tables.deliveries,
    )
    async with db.connect() as conn:
        row = (await conn.execute(select(e).where(e.c.id == event_id))).first()
        if row is None:
            return None
        meetings = (
            await conn.execute(
                select(m.c.session_key, m.c.details)
                .where(m.c.event_id == event_id)
                .order_by(m.c.session_key)
            )
        ).all()
        counts = dict(
            (
                await conn.execute(
                    select(t.c.status, func.count())
                    .where(t.c.event_id == event_id)
                    .group_by(t.c.status)
                )
            ).all()
        )
        people = (
            await conn.execute(
                select(t.c.id, t.c.status, t.c.body)
                .where(t.c.event_id == event_id)
                .order_by(t.c.id)
                .limit(REGISTRANTS_LIMIT)
            )
        ).all()
        shown = [p.id for p in people]
        by_ticket: dict[str, list[SessionRegistration]] = {}
        for reg in (
            await conn.execute(
                select(r.c.ticket_id, r.c.session_key, r.c.status, r.c.details)
                .where(r.c.event_id == event_id, r.c.ticket_id.in_(shown))
                .order_by(r.c.ticket_id, r.c.session_key)
            )
        ).all():
            details = reg.details or {}
            by_ticket.setdefault(reg.ticket_id, []).append(
                SessionRegistration(
                    session=reg.session_key,
                    status=reg.status,
                    join_url=details.get("join_url") if reg.status == "registered" else None,
                    message=details.get("message"),
                )
            )
        report_row = (
            await conn.execute(select(a.c.final, a.c.report).where(a.c.event_id == event_id))
        ).first()
        jobs = (
            await conn.execute(
                select(
                    d.c.id,
                    d.c.plugin,
                    d.c.hook,
                    d.c.ticket_id,
                    d.c.state,
                    d.c.attempts,
                    d.c.error_kind,
                    d.c.last_error,
                    d.c.updated_at,
                )
                .where(d.c.event_id == event_id, d.c.state.in_(("dead", "pending", "running")))
                .order_by(d.c.id)
                .limit(DEAD_LETTERS_LIMIT)
            )
        ).all()
    registrants = []
    for p in people:
        body = p.body or {}
        registrants.append(
            Registrant(
                ticket_id=p.id,
                name=f"{body.get('first_name', '')} {body.get('last_name', '')}".strip(),
                email=str(body.get("email", "")),
                ticket_status=p.status,
                registrations=tuple(by_ticket.get(p.id, ())),
            )
        )
    main = next((x.details for x in meetings if x.session_key == ""), None)
    return EventPage(
        id=row.id,
        provider=row.provider,
        status=row.status,
        version=row.version,
        body=row.body,
        meeting=public_details(main) if main else None,
        sessions=[public_details(x.details) for x in meetings if x.session_key != ""],
        registrants=registrants,
        registrants_total=sum(int(n) for n in counts.values()),
        tickets_sold=int(counts.get("sold", 0)),
        report=(
            msgspec.convert(report_row.report, AttendanceReport, strict=False)
            if report_row
            else None
        ),
        report_final=bool(report_row and report_row.final),
        deliveries=[dict(j._mapping) for j in jobs],
    )


@dataclass(frozen=True)
class DeliveryCounts:
    by_plugin: dict[str, dict[str, int]]
    totals: dict[str, int]


STATES: Sequence[str] = ("pending", "running", "done", "dead")


async def delivery_counts(db: Database) -> DeliveryCounts:
    d = tables.deliveries
    async with db.connect() as conn:
        rows = (
            await conn.execute(
                select(d.c.plugin, d.c.state, func.count().label("n")).group_by(
                    d.c.plugin, d.c.state
                )
            )
        ).all()
    by_plugin: dict[str, dict[str, int]] = {}
    totals = dict.fromkeys(STATES, 0)
    for row in rows:
        by_plugin.setdefault(row.plugin, dict.fromkeys(STATES, 0))[row.state] = row.n
        totals[row.state] = totals.get(row.state, 0) + row.n
    return DeliveryCounts(by_plugin=dict(sorted(by_plugin.items())), totals=totals)


@dataclass(frozen=True)
class DeadLetter:
    id: int
    plugin: str
    hook: str
    event_id: str | None
    ticket_id: str | None
    attempts: int
    error_kind: str | None
    last_error: str | None
    updated_at: datetime | None


async def dead_letters(db: Database, limit: int = DEAD_LETTERS_LIMIT) -> list[DeadLetter]:
    d = tables.deliveries
    async with db.connect() as conn:
        rows = (
            await conn.execute(
                select(
                    d.c.id,
                    d.c.plugin,
                    d.c.hook,
                    d.c.event_id,
                    d.c.ticket_id,
                    d.c.attempts,
                    d.c.error_kind,
                    d.c.last_error,
                    d.c.updated_at,
                )
                .where(d.c.state == "dead")
                .order_by(d.c.id.desc())
                .limit(limit)
            )
        ).all()
    return [DeadLetter(**dict(row._mapping)) for row in rows]
