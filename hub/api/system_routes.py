"""Unauthenticated operational endpoints: health, installed plugins, metrics."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from sqlalchemy import func, select, text

from hub.observability import metrics
from hub.storage import tables


@get("/health", tags=["system"])
async def health(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    """200 when the database answers, 503 otherwise."""
    try:
        async with request.app.state.runtime.db.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:
        return Response({"status": "unhealthy", "database": type(exc).__name__}, status_code=503)
    return Response({"status": "ok", "database": "ok"})


def plugin_listing(runtime: Any) -> list[dict[str, Any]]:
    registry = runtime.registry
    listing = []
    for name, plugin in sorted(registry.installed.items()):
        enabled = name in registry.enabled
        listing.append(
            {
                "name": name,
                "version": plugin.version,
                "distribution": plugin.distribution,
                "enabled": enabled,
                "hooks": registry.hooks_of(name) if enabled else [],
                "providers": [p for p, owner in registry.providers.items() if owner == name],
            }
        )
    return listing


@get("/-/plugins", tags=["system"])
async def plugins(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """Installed plugins, versions, whether enabled, and the hooks each implements."""
    return {"plugins": plugin_listing(request.app.state.runtime)}


@get("/metrics", tags=["system"], media_type="text/plain; version=0.0.4")
async def prometheus(request: Request[Any, Any, Any]) -> bytes:
    """Prometheus exposition; delivery gauges are read from the database now."""
    d = tables.deliveries
    async with request.app.state.runtime.db.connect() as conn:
        rows = (
            await conn.execute(
                select(d.c.state, d.c.plugin, func.count()).group_by(d.c.state, d.c.plugin)
            )
        ).all()
    metrics.DELIVERIES.clear()
    for state, plugin, count in rows:
        metrics.DELIVERIES.labels(state=state, plugin=plugin).set(count)
    return metrics.render()
