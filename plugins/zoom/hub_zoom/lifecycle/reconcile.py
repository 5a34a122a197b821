"""Repairing drift between the hub and Zoom: reconcile (registrants) and resync (meetings).

Deliveries keep Zoom in step as facts arrive, but Zoom can change behind the hub's back
(a host deletes a meeting, someone registers on Zoom's own page, a cancellation was lost
to a dead delivery). Both operations read the truth on Zoom and converge:

* :func:`reconcile_event` compares the hub's sold tickets with Zoom's registrant list
  (every page, approved and pending) per meeting, registers missing holders, cancels
  registrants who hold no sold ticket and fixes the local ledger for the rest;
* :func:`resync_event` checks that each meeting still exists, recreates the ones that
  are gone (adopting the webinar a meeting was converted into) and registers every
  holder on the new meeting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from hub.context import HubContext
from hub.models import Event, Ticket
from hub_zoom.api import ZoomClient
from hub_zoom.api.errors import ZoomApiError
from hub_zoom.lifecycle import meeting_rows, registrant_rows, registration_calls
from hub_zoom.lifecycle.meeting_body import effective_defaults, plans_for
from hub_zoom.lifecycle.meeting_rows import MeetingRow
from hub_zoom.lifecycle.meeting_sync import (
    EventZoom,
    ensure_meeting,
    event_zoom,
    intent_details,
    is_gone,
    mark_deleted,
)
from hub_zoom.lifecycle.registration_flow import (
    Settled,
    enroll_many,
    local_row,
    split_holders,
    withdraw_many,
)
from hub_zoom.service import PLUGIN

MAX_CANCEL = registration_calls.MAX_BATCH


class Progress(Protocol):
    """Where long operations report progress (the CLI draws a rich progress bar)."""

    def start(self, total: int, description: str) -> None: ...

    def advance(self, count: int) -> None: ...


class EventNotFound(LookupError):
    pass


class EventCancelled(RuntimeError):
    pass


@dataclass
class SessionReport:
    session_id: str | None
    meeting_id: str | None
    added: int = 0
    cancelled: int = 0
    unchanged: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "session_id": self.session_id,
            "meeting_id": self.meeting_id,
            "added": self.added,
            "cancelled": self.cancelled,
            "unchanged": self.unchanged,
        }
        if self.failed:
            body["failed"] = self.failed
        if self.note:
            body["note"] = self.note
        return body


async def _event(hub: HubContext, event_id: str) -> Event:
    event = await hub.get_event(event_id)
    if event is None:
        raise EventNotFound(f"unknown event {event_id!r}")
    return event


async def zoom_registrants(client: ZoomClient, meeting: MeetingRow) -> list[dict[str, Any]]:
    """Every live registrant of the meeting on Zoom: approved and pending, all pages."""
    assert meeting.meeting_id is not None
    found: list[dict[str, Any]] = []
    for status in ("approved", "pending"):
        if meeting.kind == "webinar":
            items = await client.list_webinar_registrants(meeting.meeting_id, status=status)
        else:
            items = await client.list_registrants(meeting.meeting_id, status=status)
        found.extend(dict(item) for item in items)
    return found


def _failures(settled: Sequence[Settled]) -> list[dict[str, Any]]:
    out = []
    for item in settled:
        error = item.retry or item.permanent
        if error is not None:
            out.append({"ticket_id": item.row.ticket_id, "code": error.code, "error": str(error)})
    return out


async def reconcile_event(
    hub: HubContext, event_id: str, progress: Progress | None = None
) -> dict[str, Any]:
    """Make Zoom's registrants match the hub's sold tickets, both ways."""
    event = await _event(hub, event_id)
    ez = event_zoom(hub, event)
    rows = await meeting_rows.rows_of(hub, event_id)
    tickets = await hub.list_tickets(event_id)
    sessions: list[SessionReport] = []
    for plan in plans_for(event, ez.settings):
        meeting = rows.get(plan.session_key)
        report = SessionReport(plan.session_id, meeting.meeting_id if meeting else None)
        sessions.append(report)
        if meeting is None or not meeting.usable:
            report.note = "no usable Zoom meeting; resync the event first"
            continue
        if meeting.zoom_type == 1:
            report.note = "instant meeting: no registrants"
            continue
        await _reconcile_meeting(ez, meeting, tickets, report, progress)
    return {
        "event_id": event_id,
        "added": sum(s.added for s in sessions),
        "cancelled": sum(s.cancelled for s in sessions),
        "unchanged": sum(s.unchanged for s in sessions),
        "sessions": [s.as_dict() for s in sessions],
    }


async def _reconcile_meeting(
    ez: EventZoom,
    meeting: MeetingRow,
    tickets: Sequence[Ticket],
    report: SessionReport,
    progress: Progress | None,
) -> None:
    hub = ez.hub
    listed = await zoom_registrants(ez.client, meeting)
    on_zoom = {str(r.get("email", "")).lower(): r for r in listed}
    panelists = frozenset(p.email.lower() for p in ez.options.panelists)
    holders, settled_locally = split_holders(meeting, tickets, panelists)
    expected: dict[str, list[Ticket]] = {}
    for ticket in holders:
        expected.setdefault(ticket.email.lower(), []).append(ticket)
    local = await registrant_rows.rows_for_session(hub, meeting.event_id, meeting.session_key)

    missing = [t for email, ts in expected.items() if email not in on_zoom for t in ts]
    extras = [r for email, r in on_zoom.items() if email not in expected]
    fixes = list(settled_locally)
    for email, group in expected.items():
        registrant = on_zoom.get(email)
        if registrant is None:
            continue
        for ticket in group:
            report.unchanged += 1
            row = local.get(ticket.id)
            if (
                row is None
                or row.status != "registered"
                or row.registrant_id != registrant.get("id")
                or row.email.lower() != email
            ):
                fixes.append(
                    local_row(
                        meeting,
                        ticket,
                        "registered",
                        registrant_id=registrant.get("id"),
                        join_url=registrant.get("join_url"),
                    )
                )
    fixes = [f for f in fixes if local.get(f.ticket_id) != f]
    await registrant_rows.write_many(hub, fixes)
    await hub.report_registrations([f.registration() for f in fixes], PLUGIN)

    if progress is not None:
        progress.start(len(missing) + len(extras), f"session {report.session_id or '-'}")
    step = progress.advance if progress is not None else None
    confirmation = effective_defaults(ez.settings.defaults, ez.options)
    settled = await enroll_many(
        hub, meeting, missing, confirmation.registrants_confirmation_email, step
    )
    report.added = sum(1 for s in settled if s.row.status == "registered")
    report.failed.extend(_failures(settled))

    by_registrant = {r.registrant_id: r for r in local.values() if r.registrant_id}
    known_rows = [by_registrant[r["id"]] for r in extras if r.get("id") in by_registrant]
    strangers = [r for r in extras if r.get("id") not in by_registrant]
    errors = await withdraw_many(hub, meeting, known_rows, step)
    errors += await _cancel_strangers(ez.client, meeting, strangers, progress)
    report.cancelled = sum(1 for e in errors if e is None)
    report.failed.extend({"error": str(e), "code": e.code} for e in errors if e is not None)


async def _cancel_strangers(
    client: ZoomClient,
    meeting: MeetingRow,
    registrants: Sequence[dict[str, Any]],
    progress: Progress | None,
) -> list[ZoomApiError | None]:
    """Registrants the hub never registered (Zoom's own registration page, say)."""
    errors: list[ZoomApiError | None] = []
    for start in range(0, len(registrants), MAX_CANCEL):
        chunk = registrants[start : start + MAX_CANCEL]
        refs = [{"id": str(r["id"]), "email": str(r.get("email", ""))} for r in chunk]
        errors.extend(await registration_calls.cancel(client, meeting, refs))
        if progress is not None:
            progress.advance(len(chunk))
    return errors


# --- resync ---------------------------------------------------------------------------------


async def _converted(ez: EventZoom, row: MeetingRow) -> dict[str, Any] | None:
    """The same number as the other kind: a meeting converted into a webinar on Zoom."""
    assert row.meeting_id is not None
    try:
        if row.kind == "meeting":
            return dict(await ez.client.get_webinar(row.meeting_id))
        return dict(await ez.client.get_meeting(row.meeting_id))
    except ZoomApiError as exc:
        if is_gone(exc):
            return None
        raise


async def _still_there(ez: EventZoom, row: MeetingRow) -> str:
    """'unchanged', 'adopted' (converted on Zoom) or 'deleted' (marked so)."""
    assert row.meeting_id is not None
    try:
        if row.kind == "webinar":
            await ez.client.get_webinar(row.meeting_id)
        else:
            await ez.client.get_meeting(row.meeting_id)
        return "unchanged"
    except ZoomApiError as exc:
        if not is_gone(exc):
            raise
    other = await _converted(ez, row)
    if other is not None:
        row.kind = "webinar" if row.kind == "meeting" else "meeting"
        adopted = await meeting_rows.save_created(ez.hub, row, other, {})
        await meeting_rows.set_status(ez.hub, adopted, "active")
        return "adopted"
    await mark_deleted(ez.hub, row, "the Zoom meeting was deleted on Zoom")
    return "deleted"


async def resync_event(hub: HubContext, event_id: str) -> dict[str, Any]:
    """Recreate the event's meetings that are gone on Zoom and register every holder."""
    event = await _event(hub, event_id)
    if await hub.event_status(event_id) == "cancelled":
        raise EventCancelled(f"event {event_id!r} is cancelled")
    ez = event_zoom(hub, event)
    rows = await meeting_rows.rows_of(hub, event_id)
    tickets = await hub.list_tickets(event_id)
    confirmation = effective_defaults(ez.settings.defaults, ez.options)
    panelists = frozenset(p.email.lower() for p in ez.options.panelists)
    results: list[dict[str, Any]] = []
    registered = 0
    for plan in plans_for(event, ez.settings):
        row = rows.get(plan.session_key)
        action = "unchanged"
        if row is not None and row.usable:
            action = await _still_there(ez, row)
            row = await meeting_rows.row_of(hub, event_id, plan.session_key)
        assert row is None or isinstance(row, MeetingRow)
        if row is None or row.status in ("creating", "deleted", "cancelled"):
            action = "created" if row is None or row.status == "creating" else "recreated"
            if row is not None and row.status != "creating":
                row = await meeting_rows.restart_intent(
                    hub, row, plan.kind, intent_details(ez, plan)
                )
            row = await ensure_meeting(ez, plan)
        failed: list[dict[str, Any]] = []
        if action != "unchanged":
            await registrant_rows.forget_session(hub, event_id, plan.session_key)
            to_register, local = split_holders(row, tickets, panelists)
            await registrant_rows.write_many(hub, local)
            await hub.report_registrations([r.registration() for r in local], PLUGIN)
            settled = await enroll_many(
                hub, row, to_register, confirmation.registrants_confirmation_email
            )
            registered += sum(1 for s in settled if s.row.status == "registered")
            failed = _failures(settled)
        await hub.report_meeting_details(row.meeting_details(), PLUGIN)
        entry: dict[str, Any] = {
            "session_id": plan.session_id,
            "meeting_id": row.meeting_id,
            "kind": row.kind,
            "action": action,
        }
        if failed:
            entry["failed"] = failed
        results.append(entry)
    return {"event_id": event_id, "meetings": results, "registered": registered}
