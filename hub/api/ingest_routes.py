"""POST /api/v1/...: what ticketing platforms send. A 202 means stored with its deliveries."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, post
from litestar.status_codes import HTTP_202_ACCEPTED

from hub.api.problems import ApiProblem
from hub.api.request_checks import refuse_nul
from hub.api.validation import check_clean_text, check_event, check_ticket
from hub.errors import UnknownProviderError
from hub.models import Event, Identifier, Refund, Ticket
from hub.pipeline.ingest import IngestRejected, IngestResult


class EventRef(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Identifies an event to cancel."""

    id: Identifier


class Accepted(msgspec.Struct, kw_only=True):
    """The fact is stored; ``duplicate`` means it was already known and nothing changed."""

    status: str
    fact_id: int | None = None
    reason: str | None = None


async def require_json_object(request: Request[Any, Any, Any]) -> None:
    """Refuse a body that is not one JSON object before Litestar decodes it for the handler.

    This runs before the body is parsed, so a form or XML body gets its 415 instead of a
    parse error, and bodies Litestar's own decoding would turn into a 500 (invalid UTF-8,
    nesting deep enough to exhaust the recursion limit) get a 400. It is a
    ``before_request`` hook, not a guard: Litestar copies the route handler for every
    guard it calls (~20 us a request).
    """
    await refuse_nul(request)  # the app-wide hook, which this one replaces here
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise ApiProblem(415, "the body must be application/json", field="content-type")
    body = await request.body()
    try:
        decoded = msgspec.json.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise ApiProblem(400, f"the body is not valid UTF-8 JSON: {reason}", field="body") from None
    if not isinstance(decoded, dict):
        raise ApiProblem(400, "the body must be a JSON object", field="body")


async def _accept(request: Request[Any, Any, Any], call: Any, *args: Any) -> Accepted:
    try:
        result: IngestResult = await call(*args)
    except IngestRejected as exc:
        raise ApiProblem(exc.status, exc.message, field=exc.field) from None
    except UnknownProviderError as exc:
        raise ApiProblem(422, str(exc), field="video_provider") from None
    return Accepted(status=result.status, fact_id=result.fact_id, reason=result.reason)


class IngestController(Controller):
    path = "/api/v1"
    tags = ["ingest"]
    before_request = require_json_object

    @post("/events/published", status_code=HTTP_202_ACCEPTED)
    async def event_published(self, request: Request[Any, Any, Any], data: Event) -> Accepted:
        """A virtual event was published (or republished with changes: an update)."""
        check_event(data)
        return await _accept(request, request.app.state.runtime.ingestor.publish_event, data)

    @post("/events/updated", status_code=HTTP_202_ACCEPTED)
    async def event_updated(self, request: Request[Any, Any, Any], data: Event) -> Accepted:
        """A published event changed."""
        check_event(data)
        return await _accept(request, request.app.state.runtime.ingestor.update_event, data)

    @post("/events/cancelled", status_code=HTTP_202_ACCEPTED)
    async def event_cancelled(self, request: Request[Any, Any, Any], data: EventRef) -> Accepted:
        """A published event was cancelled."""
        check_clean_text(data)
        return await _accept(request, request.app.state.runtime.ingestor.cancel_event, data.id)

    @post("/tickets/sold", status_code=HTTP_202_ACCEPTED)
    async def ticket_sold(self, request: Request[Any, Any, Any], data: Ticket) -> Accepted:
        """A ticket was sold; a changed body for a known ticket updates its holder."""
        ticket = check_ticket(data)
        return await _accept(request, request.app.state.runtime.ingestor.sell_ticket, ticket)

    @post("/tickets/refunded", status_code=HTTP_202_ACCEPTED)
    async def ticket_refunded(self, request: Request[Any, Any, Any], data: Refund) -> Accepted:
        """A ticket was refunded."""
        check_clean_text(data)
        return await _accept(request, request.app.state.runtime.ingestor.refund_ticket, data)
