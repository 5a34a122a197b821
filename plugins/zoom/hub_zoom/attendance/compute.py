"""From connections to attendance records, one per ticket holder (and per session).

Each connection is attributed to a ticket by the registrant id Zoom reports (exact: the
hub created that registrant for that ticket), else by email; whoever matches no sold
ticket is a guest and listed apart (``guest=True``). Holders who never joined get a record
too (0 minutes, not attended), because "did not attend" is what a CRM needs to know.

Minutes are the union of a holder's connections, so a re-join or a second device never
counts twice; ``sessions_count`` is the number of connections. A holder attended when
their minutes reach both thresholds: ``attended_min_minutes`` and
``attended_min_percent`` of the scheduled duration (set either to 0 to disable it).
Multi-session events get one record per held session (``session_id``) and one across
sessions (``session_id`` None): the sum of the per-session minutes, with thresholds taken
against the held sessions' total duration.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Protocol

from hub.models import AttendanceRecord, Event, Ticket
from hub_zoom.attendance.intervals import Interval, covered_seconds, minutes, union
from hub_zoom.attendance.reconcile import Connection


@dataclass(frozen=True)
class Thresholds:
    min_minutes: float = 1.0
    min_percent: float = 0.0

    def attended(self, spent: float, scheduled: float, connections: int) -> bool:
        if connections == 0:
            return False
        if spent < self.min_minutes:
            return False
        return not (self.min_percent > 0 and spent < scheduled * self.min_percent / 100.0)


@dataclass
class Engagement:
    """Webinar poll answers and Q&A questions of one person."""

    poll_answers: list[dict[str, Any]] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)


_start, _end = attrgetter("start"), attrgetter("end")

EngagementIndex = Mapping[tuple[str, str], Engagement]
"""(session_key, lower-case email) -> what that person answered and asked."""


def scheduled_minutes(event: Event, session_key: str) -> float:
    for session in event.sessions:
        if session.id == session_key:
            return float(session.duration_minutes)
    return float(event.duration_minutes)


@dataclass
class Holder:
    key: str
    ticket: Ticket | None
    name: str
    email: str | None
    connections: list[Connection] = field(default_factory=list)


class RegistrantKeys(Protocol):
    """What matching reads of a registrant: a ``lookup.RegistrantRef``, or the lean row
    :func:`hub_zoom.attendance.holders.registrant_keys` reads for large events."""

    @property
    def ticket_id(self) -> str: ...

    @property
    def registrant_id(self) -> str | None: ...

    @property
    def email(self) -> str: ...


class TicketMatcher:
    """Maps Zoom identities to sold tickets: registrant id first, then email."""

    def __init__(self, tickets: Iterable[Ticket], registrants: Iterable[RegistrantKeys]) -> None:
        self.tickets = {t.id: t for t in tickets}
        self.by_registrant: dict[str, str] = {}
        self.by_email: dict[str, str] = {}
        # Runs once per ticket and per registrant (50,000 each for a large webinar): the
        # dictionaries' methods are looked up once, not on every iteration.
        known, by_registrant = self.tickets, self.by_registrant
        email_to = self.by_email.setdefault
        for ticket in known.values():
            email_to(ticket.email.strip().lower(), ticket.id)
        for reg in registrants:
            ticket_id = reg.ticket_id
            if ticket_id not in known:
                continue
            if reg.registrant_id:
                by_registrant[reg.registrant_id] = ticket_id
            email_to(reg.email.strip().lower(), ticket_id)

    def ticket_id_for(self, registrant_id: str | None, email: str | None) -> str | None:
        """The id of the matched ticket (always one of ``tickets``), or None."""
        ticket_id = self.by_registrant.get(registrant_id or "")
        if ticket_id is None and email:
            ticket_id = self.by_email.get(email.strip().lower())
        return ticket_id or None

    def ticket_for(self, registrant_id: str | None, email: str | None) -> Ticket | None:
        ticket_id = self.ticket_id_for(registrant_id, email)
        return self.tickets.get(ticket_id) if ticket_id else None


def _holder_name(ticket: Ticket) -> str:
    return f"{ticket.first_name} {ticket.last_name}".strip()


def group_by_holder(connections: Iterable[Connection], matcher: TicketMatcher) -> list[Holder]:
    """Every ticket holder (in ticket order), then the guests in order of first connection.

    Ticket holders and guests are kept apart, keyed by ticket id and by person, so the
    100,000 connections of a large webinar need no key built for each.
    """
    holders: dict[str, Holder] = {
        t.id: Holder(f"t:{t.id}", t, _holder_name(t), t.email) for t in matcher.tickets.values()
    }
    guests: dict[str, Holder] = {}
    ticket_id_for = matcher.ticket_id_for
    for conn in connections:
        ticket_id = ticket_id_for(conn.registrant_id, conn.email)
        if ticket_id is not None:
            holders[ticket_id].connections.append(conn)
            continue
        holder = guests.get(conn.person)
        if holder is None:
            holder = guests[conn.person] = Holder(
                f"g:{conn.person}", None, conn.name or conn.email or "", conn.email
            )
        elif not holder.email and conn.email:
            holder.email = conn.email
        holder.connections.append(conn)
    return [*holders.values(), *guests.values()]


def _spent_seconds(connections: list[Connection], merged: list[Interval]) -> float:
    """Seconds attended: within one session time counts once, sessions add up (parallel
    tracks are separate attendance). ``merged`` is the union of all ``connections``.

    Every record of a single-session event, and every per-session record, has one
    session: its union is ``merged``, computed once for the record's intervals too.
    """
    if not connections:
        return 0.0
    session_key = connections[0].session_key
    if all(c.session_key == session_key for c in connections):
        return sum(i.seconds for i in merged)
    per_session: dict[str, list[Interval]] = {}
    for conn in connections:
        per_session.setdefault(conn.session_key, []).append(conn.interval)
    return sum(covered_seconds(group) for group in per_session.values())


def _record(
    event: Event,
    holder: Holder,
    connections: list[Connection],
    scheduled: float,
    thresholds: Thresholds,
    session_id: str | None,
    engagement: Engagement | None,
) -> AttendanceRecord:
    intervals: list[Interval] = [c.interval for c in connections]
    merged = union(intervals)
    spent = minutes(_spent_seconds(connections, merged))
    return AttendanceRecord(
        event_id=event.id,
        ticket_id=holder.ticket.id if holder.ticket else None,
        email=holder.email,
        name=holder.name,
        first_join=min(map(_start, intervals), default=None),
        last_leave=max(map(_end, intervals), default=None),
        minutes=spent,
        sessions_count=len(connections),
        attended=thresholds.attended(spent, scheduled, len(connections)),
        guest=holder.ticket is None,
        session_id=session_id,
        poll_answers=list(engagement.poll_answers) if engagement else [],
        questions=list(engagement.questions) if engagement else [],
        # What the admin page draws as "people in the room over time".
        intervals=[(i.start, i.end) for i in merged if i.end > i.start],
    )


def _engagement_of(
    holder: Holder, session_keys: Iterable[str], index: EngagementIndex
) -> Engagement | None:
    """What the holder answered and asked; None when nothing was (no lists to allocate)."""
    if not index:  # no polls or Q&A (a meeting, or none held): nothing to look up
        return None
    emails = {c.email.strip().lower() for c in holder.connections if c.email}
    if holder.email:
        emails.add(holder.email.strip().lower())
    merged = Engagement()
    for session_key in session_keys:
        for email in sorted(emails):
            found = index.get((session_key, email))
            if found is not None:
                merged.poll_answers.extend(found.poll_answers)
                merged.questions.extend(found.questions)
    return merged


def attendance_records(
    event: Event,
    connections: list[Connection],
    matcher: TicketMatcher,
    thresholds: Thresholds,
    held_sessions: list[str],
    multi_session: bool,
    engagement: EngagementIndex | None = None,
) -> list[AttendanceRecord]:
    """Records for every holder and guest; per held session too when ``multi_session``."""
    index = engagement or {}
    records: list[AttendanceRecord] = []
    holders = group_by_holder(connections, matcher)
    total_scheduled = sum(scheduled_minutes(event, s) for s in held_sessions) or float(
        event.duration_minutes
    )
    for holder in holders:
        if multi_session:
            for session_key in held_sessions:
                in_session = [c for c in holder.connections if c.session_key == session_key]
                records.append(
                    _record(
                        event,
                        holder,
                        in_session,
                        scheduled_minutes(event, session_key),
                        thresholds,
                        session_key or None,
                        _engagement_of(holder, [session_key], index),
                    )
                )
        records.append(
            _record(
                event,
                holder,
                holder.connections,
                total_scheduled,
                thresholds,
                None,
                _engagement_of(holder, held_sessions, index),
            )
        )
    records.sort(key=lambda r: (r.guest, r.ticket_id or r.name.lower(), r.session_id or ""))
    return records
