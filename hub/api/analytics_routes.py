"""GET /api/v1/analytics: the admin Analytics page's figures as JSON."""

from __future__ import annotations

from typing import Any

from litestar import Request, get

from hub.admin.analytics import Analytics, compute_analytics


@get("/api/v1/analytics", tags=["analytics"])
async def analytics(request: Request[Any, Any, Any]) -> Analytics:
    """Registrants, attendees, attendance rate and average minutes per event, by month of
    the event's start and in total (rates count only events with an attendance report)."""
    return await compute_analytics(request.app.state.runtime.db)
