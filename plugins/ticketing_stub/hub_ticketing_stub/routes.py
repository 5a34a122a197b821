"""Public HTTP routes of the ticketing stub: event pages and the email outbox.

They need no API key, like a ticketing platform's public event page. Handlers close over
the :class:`HubContext` handed to ``hub_routes`` for database access instead of reaching
into the app's state, so they work with any app that mounts them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Request, Response, Router, get
from litestar.exceptions import NotFoundException
from litestar.params import Parameter

from hub.context import HubContext
from hub_ticketing_stub import emails, event_pages, render

MAX_OFFSET = 2**63 - 1  # SQL OFFSET is a 64-bit integer on PostgreSQL

PREFIX = "/ticketing-stub"
HTML = "text/html"
JSON = "application/json"
PageFormat = Literal["html", "json"]


def wants_json(request: Request[Any, Any, Any], format: PageFormat | None) -> bool:
    """``?format=`` wins; otherwise the Accept header decides, HTML being the default."""
    if format is not None:
        return format == "json"
    return request.accept.best_match([HTML, JSON], default=HTML) == JSON


def build_routes(hub: HubContext) -> list[Router]:
    """The stub's routes bound to one running hub."""

    @get("/events", summary="Event pages (index)")
    async def list_event_pages(
        request: Request[Any, Any, Any], format: PageFormat | None = None
    ) -> Response[Any]:
        """Every event the ticketing stub has a page for."""
        pages = await event_pages.list_pages(hub.db)
        if wants_json(request, format):
            return Response(pages, media_type=JSON, headers={"Vary": "Accept"})
        return Response(render.event_index(pages), media_type=HTML, headers={"Vary": "Accept"})

    @get("/events/{event_id:str}", summary="Event page")
    async def show_event_page(
        request: Request[Any, Any, Any], event_id: str, format: PageFormat | None = None
    ) -> Response[Any]:
        """The event's page: join link, passcode, dial-in numbers, sessions, recordings.

        HTML by default; JSON with ``?format=json`` or ``Accept: application/json``.
        """
        page = await event_pages.load_page(hub.db, event_id)
        if page is None:
            raise NotFoundException(f"no event page for {event_id!r}")
        if wants_json(request, format):
            return Response(page, media_type=JSON, headers={"Vary": "Accept"})
        return Response(render.event_page(page), media_type=HTML, headers={"Vary": "Accept"})

    @get("/emails", summary="Emails sent to buyers")
    async def list_sent_emails(
        event_id: str | None = None,
        ticket_id: str | None = None,
        limit: Annotated[int, Parameter(ge=1, le=10_000)] = 1000,
        offset: Annotated[int, Parameter(ge=0, le=MAX_OFFSET)] = 0,
    ) -> list[emails.Email]:
        """The confirmation and cancellation emails sent so far, oldest first."""
        return await emails.list_emails(
            hub.db, event_id=event_id, ticket_id=ticket_id, limit=limit, offset=offset
        )

    return [
        Router(
            path=PREFIX,
            route_handlers=[list_event_pages, show_event_page, list_sent_emails],
            tags=["ticketing-stub"],
        )
    ]
