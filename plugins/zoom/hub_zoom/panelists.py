"""Panelists of an event's webinars: GET/POST/DELETE /api/v1/events/{id}/panelists.

Panelists get their own join links from Zoom (they are not registrants), so they are
managed directly on Zoom for every webinar of the event (one per session), and read back
from Zoom rather than mirrored: Zoom is the only place that knows who was invited.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Router, delete, get, post
from litestar.params import Body
from msgspec import Meta, Struct

from hub.api.auth import require_api_key
from hub.api.problems import ApiProblem
from hub.context import HubContext
from hub_zoom.api import ZoomApiError
from hub_zoom.lifecycle import meeting_rows
from hub_zoom.service import service


class Panelist(Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, Meta(min_length=1, max_length=64)]
    email: Annotated[str, Meta(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")]


class PanelistsBody(Struct, kw_only=True, forbid_unknown_fields=True):
    panelists: Annotated[list[Panelist], Meta(min_length=1, max_length=100)]


async def _webinars(hub: HubContext, event_id: str) -> list[meeting_rows.MeetingRow]:
    rows = await meeting_rows.rows_of(hub, event_id)
    if not rows:
        raise ApiProblem(404, f"event {event_id!r} has no Zoom meeting", field="event_id")
    webinars = [r for r in rows.values() if r.kind == "webinar" and r.usable and r.meeting_id]
    if not webinars:
        raise ApiProblem(
            409,
            f"event {event_id!r} is a meeting, not a webinar: it has no panelists",
            field="event_id",
        )
    return sorted(webinars, key=lambda r: r.session_key)


def _zoom_problem(exc: ZoomApiError) -> ApiProblem:
    status = 404 if exc.status == 404 else 502
    return ApiProblem(status, f"Zoom refused: {exc.message} (code {exc.code})", zoom_code=exc.code)


async def list_for_event(hub: HubContext, event_id: str) -> list[dict[str, Any]]:
    """Panelists of each webinar of the event, as Zoom has them."""
    client = service(hub).client
    out = []
    for row in await _webinars(hub, event_id):
        try:
            panelists = await client(row.connection_id).list_panelists(row.meeting_id)
        except ZoomApiError as exc:
            raise _zoom_problem(exc) from None
        out.append(
            {
                "session_id": row.session_id,
                "webinar_id": row.meeting_id,
                "panelists": [
                    {
                        "id": p.get("id"),
                        "name": p.get("name"),
                        "email": p.get("email"),
                        "join_url": p.get("join_url"),
                    }
                    for p in panelists
                ],
            }
        )
    return out


async def add_to_event(hub: HubContext, event_id: str, panelists: list[Panelist]) -> list[str]:
    """Invite panelists to every webinar of the event (repeating is harmless)."""
    client = service(hub).client
    added = []
    for row in await _webinars(hub, event_id):
        try:
            await client(row.connection_id).add_panelists(
                row.meeting_id, [{"name": p.name, "email": p.email} for p in panelists]
            )
        except ZoomApiError as exc:
            raise _zoom_problem(exc) from None
        added.append(row.meeting_id)
    return added


async def remove_from_event(hub: HubContext, event_id: str, panelist_id: str) -> int:
    """Remove one panelist (by Zoom panelist id or email) from the event's webinars."""
    client = service(hub).client
    removed = 0
    for row in await _webinars(hub, event_id):
        zoom = client(row.connection_id)
        try:
            panelists = await zoom.list_panelists(row.meeting_id)
            for p in panelists:
                if panelist_id in (p.get("id"), (p.get("email") or "").lower()):
                    await zoom.remove_panelist(row.meeting_id, str(p["id"]))
                    removed += 1
        except ZoomApiError as exc:
            raise _zoom_problem(exc) from None
    return removed


def routes(hub: HubContext) -> list[Any]:
    @get("/{event_id:str}/panelists")
    async def list_panelists(event_id: str) -> dict[str, Any]:
        """Panelists of each webinar of the event, as Zoom has them."""
        return {"event_id": event_id, "webinars": await list_for_event(hub, event_id)}

    @post("/{event_id:str}/panelists", status_code=201)
    async def add_panelists(
        event_id: str, data: Annotated[PanelistsBody, Body()]
    ) -> dict[str, Any]:
        """Invite panelists to every webinar of the event (repeating is harmless)."""
        added = await add_to_event(hub, event_id, data.panelists)
        return {"event_id": event_id, "webinars": added, "panelists": len(data.panelists)}

    @delete("/{event_id:str}/panelists/{panelist_id:str}", status_code=204)
    async def remove_panelist(event_id: str, panelist_id: str) -> None:
        """Remove one panelist (by Zoom panelist id or email) from the event's webinars."""
        await remove_from_event(hub, event_id, panelist_id)

    return [
        Router(
            path="/api/v1/events",
            route_handlers=[list_panelists, add_panelists, remove_panelist],
            guards=[require_api_key],
            tags=["zoom"],
        )
    ]
