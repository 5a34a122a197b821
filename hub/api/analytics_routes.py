"""GET /api/v1/analytics: the admin Analytics page's figures as JSON."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, get

from hub.admin.analytics import Analytics, compute_analytics
from hub.api.problems import ApiProblem


def check_range(since: date | None, until: date | None) -> None:
    if since is not None and until is not None and until < since:
        raise ApiProblem(400, "until must not be before since", field="until")


@get("/api/v1/analytics", tags=["analytics"])
async def analytics(
    request: Request[Any, Any, Any], since: date | None = None, until: date | None = None
) -> Analytics:
    """Registrants, attendees, attendance rate and average minutes per event, by month of
    the event's start and in total (rates count only events with an attendance report).
    ``since`` and ``until`` (YYYY-MM-DD, inclusive, UTC) limit it to events starting then."""
    check_range(since, until)
    return await compute_analytics(request.app.state.runtime.db, since, until)
