"""The Zoom sections of an event's admin page: sync state, recordings, panelists.

The hub's own tables already give the page the meeting details, registrants' personal
links and attendance; these sections add what only Zoom's ledger knows (each registrant's
Zoom state and why it failed), the repairs (resync, reconcile), the recording files and a
webinar's panelists, each with its buttons.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import case, func, select

from hub.admin.panels import AdminAction, AdminFact, AdminField, AdminSection, AdminTable
from hub.api.problems import ApiProblem
from hub.context import HubContext
from hub.storage import tables as hub_tables
from hub_zoom import panelists
from hub_zoom.admin.text import event_url, size
from hub_zoom.api.errors import ZoomApiError
from hub_zoom.lifecycle import meeting_rows
from hub_zoom.recordings.store import files_of_event
from hub_zoom.service import PROVIDER, service
from hub_zoom.storage import tables

MAX_REGISTRANT_ROWS = 200
# What the page may wait for Zoom (the Zoom client retries in place when Zoom is slow or
# down); past it, the section says so and the rest of the page, read locally, still shows.
ZOOM_LOOKUP_SECONDS = 4.0
# Failures first: they are what an operator opens the page for.
_ORDER = {"failed": 0, "pending": 1, "cancel_pending": 2, "cancelled": 3, "skipped": 4}


async def is_zoom_event(hub: HubContext, event_id: str) -> bool:
    e = hub_tables.events
    async with hub.db.connect() as conn:
        provider = (await conn.execute(select(e.c.provider).where(e.c.id == event_id))).scalar()
    return provider == PROVIDER


async def _registrant_counts(hub: HubContext, event_id: str) -> dict[str, int]:
    r = tables.registrants
    async with hub.db.connect() as conn:
        rows = (
            await conn.execute(
                select(r.c.status, func.count())
                .where(r.c.event_id == event_id)
                .group_by(r.c.status)
            )
        ).all()
    return {status: count for status, count in rows}


async def _registrant_rows(hub: HubContext, event_id: str) -> list[Any]:
    r = tables.registrants
    rank = case(_ORDER, value=r.c.status, else_=9)
    async with hub.db.connect() as conn:
        return list(
            (
                await conn.execute(
                    select(r)
                    .where(r.c.event_id == event_id)
                    .order_by(rank, r.c.session_key, r.c.ticket_id)
                    .limit(MAX_REGISTRANT_ROWS)
                )
            ).all()
        )


async def sync_section(hub: HubContext, event_id: str) -> AdminSection:
    rows = await meeting_rows.rows_of(hub, event_id)
    facts: list[AdminFact] = []
    for key in sorted(rows):
        row = rows[key]
        label = f"Zoom {row.kind}" + (f" (session {key})" if key else "")
        value = f"{row.meeting_id or 'not created'}: {row.status}"
        if row.message:
            value += f" ({row.message})"
        facts.append(AdminFact(label, value))
    if not rows:
        facts.append(AdminFact("Zoom meeting", "not created yet"))
    counts = await _registrant_counts(hub, event_id)
    total = sum(counts.values())
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "none yet"
    facts.append(AdminFact("Zoom registrants", f"{total}: {summary}"))
    registrants = await _registrant_rows(hub, event_id)
    table = AdminTable(
        columns=("Ticket", "Email", "Session", "Zoom state", "Message"),
        rows=tuple(
            (r.ticket_id, r.email, r.session_key or "—", r.status, r.message or "")
            for r in registrants
        ),
    )
    note = None
    if total > len(registrants):
        note = f"Showing {len(registrants)} of {total} registrants, failures first."
    actions = (
        AdminAction(
            "Resync",
            event_url(event_id, "resync"),
            confirm="Recreate meetings deleted on Zoom and register every holder again?",
        ),
        AdminAction("Reconcile", event_url(event_id, "reconcile")),
    )
    return AdminSection(
        title="Zoom sync", facts=tuple(facts), table=table, actions=actions, note=note
    )


async def _sharing(hub: HubContext, event_id: str, meeting_ids: set[str]) -> list[AdminFact]:
    """Each recorded meeting's sharing setting, as Zoom has it."""
    facts = []
    by_id = {r.meeting_id: r for r in (await meeting_rows.rows_of(hub, event_id)).values()}
    for meeting_id in sorted(meeting_ids):
        row = by_id.get(meeting_id)
        connection_id = row.connection_id if row else None
        client = service(hub).client(connection_id)
        try:
            async with asyncio.timeout(ZOOM_LOOKUP_SECONDS):
                settings = await client.get_recording_settings(meeting_id)
            value = str(settings.get("share_recording") or "unknown")
        except ZoomApiError as exc:
            value = f"unknown (Zoom: {exc.message})"
        except TimeoutError:
            value = f"unknown (Zoom did not answer within {ZOOM_LOOKUP_SECONDS:g} s)"
        facts.append(AdminFact(f"Sharing of meeting {meeting_id}", value))
    return facts


async def recordings_section(hub: HubContext, event_id: str) -> AdminSection:
    files = await files_of_event(hub, event_id)
    if not files:
        return AdminSection(title="Recordings", note="No cloud recording for this event yet.")
    rows = tuple(
        (
            f.file_id,
            (f.file_type or "file") + (f" ({f.file_extension})" if f.file_extension else ""),
            size(f.file_size),
            f.meeting_id,
        )
        for f in files
    )
    row_actions = tuple(
        (
            AdminAction("Share", event_url(event_id, "recordings", f.file_id, "share")),
            AdminAction(
                "Download", event_url(event_id, "recordings", f.file_id, "download"), method="get"
            ),
            AdminAction(
                "Delete",
                event_url(event_id, "recordings", f.file_id, "delete"),
                confirm="Move this recording file to Zoom's trash (kept there 30 days)?",
            ),
        )
        for f in files
    )
    return AdminSection(
        title="Recordings",
        facts=tuple(await _sharing(hub, event_id, {f.meeting_id for f in files})),
        table=AdminTable(
            columns=("File", "Type", "Size", "Meeting"), rows=rows, row_actions=row_actions
        ),
        note="Share makes the meeting's recording viewable by anyone with its link.",
    )


async def panelists_section(hub: HubContext, event_id: str) -> AdminSection | None:
    rows = await meeting_rows.rows_of(hub, event_id)
    if not any(r.kind == "webinar" and r.usable for r in rows.values()):
        return None
    add = AdminAction(
        "Add panelist",
        event_url(event_id, "panelists"),
        fields=(
            AdminField("name", "Name", required=True),
            AdminField("email", "Email", type="email", required=True),
        ),
    )
    try:
        async with asyncio.timeout(ZOOM_LOOKUP_SECONDS):
            webinars = await panelists.list_for_event(hub, event_id)
    except ApiProblem as exc:
        return AdminSection(title="Panelists", actions=(add,), note=f"Zoom: {exc.detail}")
    except TimeoutError:
        note = f"Zoom did not answer within {ZOOM_LOOKUP_SECONDS:g} s; reload to try again."
        return AdminSection(title="Panelists", actions=(add,), note=note)
    seen: dict[str, dict[str, Any]] = {}
    for webinar in webinars:
        for p in webinar["panelists"]:
            seen.setdefault((p.get("email") or "").lower(), p)
    people = sorted(seen.values(), key=lambda p: (p.get("name") or "", p.get("email") or ""))
    table = AdminTable(
        columns=("Name", "Email", "Join link"),
        rows=tuple(
            (p.get("name") or "", p.get("email") or "", p.get("join_url") or "") for p in people
        ),
        row_actions=tuple(
            (
                AdminAction(
                    "Remove",
                    event_url(event_id, "panelists", (p.get("email") or "").lower(), "remove"),
                    confirm=f"Remove {p.get('email')} from the event's webinars?",
                ),
            )
            for p in people
        ),
    )
    note = None if people else "No panelists yet."
    return AdminSection(title="Panelists", table=table, actions=(add,), note=note)


async def zoom_event_sections(hub: HubContext, event_id: str) -> list[AdminSection] | None:
    if hub.state.get("zoom") is None or not await is_zoom_event(hub, event_id):
        return None
    sections = [await sync_section(hub, event_id), await recordings_section(hub, event_id)]
    webinar_panelists = await panelists_section(hub, event_id)
    if webinar_panelists is not None:
        sections.append(webinar_panelists)
    return sections
