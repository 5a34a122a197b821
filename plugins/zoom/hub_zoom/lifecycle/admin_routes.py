"""``POST /api/v1/events/{id}/resync`` and ``/reconcile``: repairs an operator can trigger.

Both answer once the work is done, with what changed (see :mod:`reconcile`). Zoom errors
become problems the operator can act on: 409 when the connection needs re-authorization,
503 when Zoom is unavailable, 502 for anything else Zoom refused.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import post
from sqlalchemy import select

from hub.api.auth import require_api_key
from hub.api.problems import ApiProblem
from hub.context import HubContext
from hub.errors import PermanentFailure
from hub.storage import tables
from hub_zoom.api.errors import ReauthorizationRequired, ZoomApiError
from hub_zoom.lifecycle.errors import mark_needs_reauthorization
from hub_zoom.lifecycle.reconcile import (
    EventCancelled,
    EventNotFound,
    reconcile_event,
    resync_event,
)
from hub_zoom.service import PROVIDER


@asynccontextmanager
async def as_problems(hub: HubContext) -> AsyncIterator[None]:
    try:
        yield
    except EventNotFound as exc:
        raise ApiProblem(404, str(exc), field="event_id") from None
    except EventCancelled as exc:
        raise ApiProblem(409, str(exc), field="event_id") from None
    except PermanentFailure as exc:
        raise ApiProblem(422, exc.reason) from None
    except ReauthorizationRequired as exc:
        await mark_needs_reauthorization(hub, exc.connection_id, exc.message)
        raise ApiProblem(409, f"{exc.message}; authorize again at /zoom/oauth/authorize") from None
    except ZoomApiError as exc:
        status = 503 if exc.retryable else 502
        raise ApiProblem(status, f"Zoom: {exc}", zoom_code=exc.code) from None


async def check_provider(hub: HubContext, event_id: str) -> None:
    e = tables.events
    async with hub.db.connect() as conn:
        provider = (await conn.execute(select(e.c.provider).where(e.c.id == event_id))).scalar()
    if provider is None:
        raise ApiProblem(404, f"unknown event {event_id!r}", field="event_id")
    if provider != PROVIDER:
        raise ApiProblem(409, f"event {event_id!r} uses the {provider!r} provider, not Zoom")


def admin_routes(hub: HubContext) -> list[Any]:
    @post("/api/v1/events/{event_id:str}/resync", guards=[require_api_key], status_code=200)
    async def resync(event_id: str) -> dict[str, Any]:
        """Recreate the event's meetings deleted on Zoom and register every holder again."""
        await check_provider(hub, event_id)
        async with as_problems(hub):
            return await resync_event(hub, event_id)

    @post("/api/v1/events/{event_id:str}/reconcile", guards=[require_api_key], status_code=200)
    async def reconcile(event_id: str) -> dict[str, Any]:
        """Compare sold tickets with Zoom's registrants and repair the difference."""
        await check_provider(hub, event_id)
        async with as_problems(hub):
            return await reconcile_event(hub, event_id)

    return [resync, reconcile]
