"""Merging Zoom's authoritative participant report with what the webhooks said.

Per meeting instance, the report wins: for every person it lists, only the report's rows
count. Webhook rows fill the gaps: people the report does not list (Zoom omits some rows,
and returns none at all for meetings below its participant minimum) and instances whose
report is unavailable (a free account, a report that expired). Both sources identify a
person the same way (:func:`person_identity`), so a person is never counted from both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub_zoom.attendance.intervals import Interval, pair_one
from hub_zoom.attendance.store import JOIN, LEAVE, ParticipantEvent, parse_time


def person_identity(
    registrant_id: str | None, email: str | None, user_id: str | None, name: str | None
) -> str:
    """Who a row is about: the registrant, else the email, else the name, else a user id.

    Guests without an email are known by their display name: it is the one value the report
    and the webhooks both carry for them (their user ids differ between the two).
    """
    if registrant_id:
        return f"r:{registrant_id}"
    if email:
        return f"e:{email.strip().lower()}"
    if name and name.strip():
        return f"n:{name.strip().lower()}"
    return f"u:{user_id or ''}"


# Slots: a 50,000-seat webinar's report holds 100,000 of these at once; no dict each.
@dataclass(frozen=True, slots=True)
class Connection:
    """One person connected once (one device, from join to leave) to one instance."""

    session_key: str
    instance: str
    person: str
    registrant_id: str | None
    email: str | None
    name: str
    interval: Interval
    source: str  # "report" | "webhook"


@dataclass
class InstanceData:
    """What is known of one held instance (UUID) of a session's meeting."""

    session_key: str
    uuid: str
    end: datetime | None
    report: list[dict[str, Any]] | None = None  # None: no authoritative report
    events: list[ParticipantEvent] = field(default_factory=list)
    webhook: list[Connection] | None = None  # already paired from streamed rows (see store)


def report_connections(data: InstanceData) -> list[Connection]:
    result = []
    for row in data.report or []:
        start = parse_time(row.get("join_time"))
        end = parse_time(row.get("leave_time")) or data.end
        if start is None or end is None:
            continue
        email = row.get("user_email") or row.get("email") or None
        registrant_id = row.get("registrant_id") or None
        name = row.get("name") or row.get("user_name") or ""
        result.append(
            Connection(
                session_key=data.session_key,
                instance=data.uuid,
                person=person_identity(registrant_id, email, None, name),
                registrant_id=registrant_id,
                email=email,
                name=name,
                interval=Interval(start, max(start, end)),
                source="report",
            )
        )
    return result


def webhook_connections(
    session_key: str, uuid: str, events: Iterable[ParticipantEvent], close_at: datetime | None
) -> list[Connection]:
    """Joins and leaves paired per connection; open ones are closed at ``close_at``."""
    marks_of: dict[str, list[tuple[str, datetime]]] = {}
    who: dict[str, Identity] = {}
    for event in events:
        if event.action not in (JOIN, LEAVE):
            continue
        key = event.participant_key
        known = who.get(key)
        if known is None or (not known[0] and event.registrant_id):
            who[key] = (event.registrant_id, event.email, event.name)
        marks_of.setdefault(key, []).append((event.action, event.at))
    result: list[Connection] = []
    for key, marks in marks_of.items():
        result.extend(connection_intervals(session_key, uuid, key, who[key], marks, close_at))
    return result


Identity = tuple[str | None, str | None, str | None]
"""Who a connection is: (registrant id, email, name) of its first row, or of the first
row carrying a registrant id when the first did not (a late id still attributes it)."""


def connection_intervals(
    session_key: str,
    uuid: str,
    key: str,
    ident: Identity,
    marks: list[tuple[str, datetime]],
    close_at: datetime | None,
) -> list[Connection]:
    """The connections of one participant key from its (action, time) marks."""
    registrant_id, email, name = ident
    person = person_identity(registrant_id, email, None if name else key, name)
    return [
        Connection(
            session_key=session_key,
            instance=uuid,
            person=person,
            registrant_id=registrant_id,
            email=email,
            name=name or "",
            interval=interval,
            source="webhook",
        )
        for interval in pair_one(marks, close_at)
    ]


def reconcile(instances: Iterable[InstanceData]) -> list[Connection]:
    """Every connection of every instance, the report winning person by person."""
    result: list[Connection] = []
    for data in instances:
        from_report = report_connections(data)
        listed = {c.person for c in from_report}
        from_hooks = data.webhook
        if from_hooks is None:
            from_hooks = webhook_connections(data.session_key, data.uuid, data.events, data.end)
        result.extend(from_report)
        if listed:
            result.extend(c for c in from_hooks if c.person not in listed)
        else:  # no report (a free account): every webhook connection counts
            result.extend(from_hooks)
    return result
