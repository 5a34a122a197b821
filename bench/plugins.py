"""Plugin objects that exist only in the benchmark's server process.

* :class:`NoopVideoProvider` offers a video provider whose fact hooks do nothing, so that
  every ingested ticket still fans out to a delivery that a worker claims, runs and
  records, without any provider work being measured.
* :class:`BenchTools` mounts the baselines (``POST /bench/noop`` behind the same API-key
  guard as ``/api/v1``, and ``POST /bench/noop-webhook`` without it, as Zoom's receiver
  has none) and a few controls the harness needs: counters and delivery states, starting
  the workers on demand, bulk set-up, and a Zoom rate budget on the emulator's clock.

Neither is installed as an entry point: the product never serves these routes.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from sqlalchemy import func, insert, select

from hub import hookimpl
from hub.api.auth import require_api_key
from hub.context import DeliveryContext, HubContext
from hub.models import Event, Refund, Ticket, VideoProvider, WebhookDelivery
from hub.observability import metrics
from hub.storage import tables

NOOP_PROVIDER = "benchvideo"
TOOLS = "bench"
ENV_TIME_SCALE = "BENCH_ZOOM_TIME_SCALE"


def rss_bytes() -> int:
    """Resident set size of this process, from /proc (Linux)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _counter(kind: str, result: str) -> float:
    return float(metrics.INGESTED.labels(kind=kind, result=result)._value.get())


class NoopVideoProvider:
    """A video provider that accepts every fact and does nothing with it."""

    __version__ = "bench"

    @hookimpl
    def hub_video_providers(self) -> list[VideoProvider]:
        return [VideoProvider(name=NOOP_PROVIDER, formats=("meeting", "webinar"))]

    @hookimpl
    async def on_event_published(self, event: Event, ctx: DeliveryContext) -> None:
        return None

    @hookimpl
    async def on_ticket_sold(self, ticket: Ticket, event: Event, ctx: DeliveryContext) -> None:
        return None

    @hookimpl
    async def on_refund(
        self, refund: Refund, ticket: Ticket, event: Event, ctx: DeliveryContext
    ) -> None:
        return None

    @hookimpl
    async def on_webhook(self, delivery: WebhookDelivery, ctx: DeliveryContext) -> None:
        return None


class SellMany(msgspec.Struct, kw_only=True):
    event_id: str
    count: int
    prefix: str = "t"
    chunk: int = 500


class ZoomMeetingRow(msgspec.Struct, kw_only=True):
    event_id: str
    meeting_id: str
    connection_id: str


class BenchTools:
    """Baseline endpoints and harness controls (see the module docstring)."""

    __version__ = "bench"

    @hookimpl
    async def hub_startup(self, hub: HubContext) -> None:
        scale = os.environ.get(ENV_TIME_SCALE)
        if scale and "zoom" in hub.state:
            scale_zoom_budget(hub, float(scale))

    @hookimpl
    def hub_routes(self, hub: HubContext) -> list[Any]:
        return [
            noop,
            noop_webhook,
            stats,
            start_workers,
            sell_many,
            zoom_meeting_row,
        ]


def scaled_plan(plan: str, time_scale: float) -> Any:
    """Zoom's limits of ``plan`` with every window ``time_scale`` times shorter.

    The plugin's budget (:class:`hub_zoom.api.ratelimit.RateLimiter`) measures windows on
    the real monotonic clock and accepts a custom :class:`PlanLimits`; shortening each
    window by the emulator's ``time_scale`` keeps "N requests per Zoom second" exact.
    """
    from hub_zoom.api.ratelimit import CategoryLimit, PlanLimits, plan_limits

    base = plan_limits(plan)
    return PlanLimits(
        name=f"{base.name}/x{time_scale:g}",
        categories={
            cat: CategoryLimit(lim.requests, lim.window / time_scale, lim.daily_pool)
            for cat, lim in base.categories.items()
        },
        daily=dict(base.daily),
    )


def scale_zoom_budget(hub: HubContext, time_scale: float) -> None:
    """Give every Zoom connection one budget on the emulator's clock (see scaled_plan)."""
    from hub_zoom.api.ratelimit import RateLimiter

    svc = hub.state["zoom"]
    limiter = RateLimiter(scaled_plan(svc.settings.plan, time_scale))
    for connection in svc.connections.values():
        connection.client.limiter = limiter


@post("/bench/noop", status_code=202, guards=[require_api_key], include_in_schema=False)
async def noop(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The ingest baseline: routing, the API-key guard, reading the body, a JSON 202."""
    await request.body()
    return {"status": "accepted"}


@post("/bench/noop-webhook", status_code=200, include_in_schema=False)
async def noop_webhook(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The webhook baseline: routing, reading the body, a JSON 200 (no signature check)."""
    await request.body()
    return {"status": "stored"}


@get("/bench/stats", include_in_schema=False)
async def stats(request: Request[Any, Any, Any], deliveries: bool = False) -> dict[str, Any]:
    """Counters of this process; delivery states only when asked (it is a query)."""
    runtime = request.app.state.runtime
    body: dict[str, Any] = {
        "rss_bytes": rss_bytes(),
        "tickets_accepted": _counter("_sell", "accepted"),
        "workers_running": runtime.workers_running,
    }
    if deliveries:
        d = tables.deliveries
        async with runtime.db.connect() as conn:
            rows = (await conn.execute(select(d.c.state, func.count()).group_by(d.c.state))).all()
        body["deliveries"] = {state: count for state, count in rows}
    return body


@post("/bench/workers/start", status_code=200, include_in_schema=False)
async def start_workers(request: Request[Any, Any, Any]) -> dict[str, bool]:
    """Start the delivery workers of a server configured with ``run_workers = false``."""
    runtime = request.app.state.runtime
    if not runtime.workers_running:
        runtime.worker.start()
        runtime.workers_running = True
    return {"workers_running": True}


@post("/bench/sell-many", status_code=200, include_in_schema=False)
async def sell_many(request: Request[Any, Any, Any], data: SellMany) -> dict[str, int]:
    """Set-up only: store ``count`` sales (rows, facts, deliveries) as ingest would.

    ``chunk`` sales at a time go to the ingestor together, so a set-up of ten thousand
    sales is stored in groups rather than paying ten thousand commits.
    """
    runtime = request.app.state.runtime
    ingestor = runtime.ingestor
    tickets = [
        Ticket(
            id=f"{data.prefix}-{i:06d}",
            event_id=data.event_id,
            email=f"{data.prefix}-{i:06d}@example.com",
            first_name="Holder",
            last_name=f"N{i}",
        )
        for i in range(data.count)
    ]
    accepted = 0
    # Concurrent sales share transactions (group commit), as a burst of requests would.
    for start in range(0, len(tickets), max(1, data.chunk)):
        results = await asyncio.gather(
            *(ingestor.sell_ticket(t) for t in tickets[start : start + data.chunk])
        )
        accepted += sum(r.status == "accepted" for r in results)
    return {"accepted": accepted}


@post("/bench/zoom-meeting", status_code=200, include_in_schema=False)
async def zoom_meeting_row(request: Request[Any, Any, Any], data: ZoomMeetingRow) -> Response[Any]:
    """Set-up only: a zoom_meetings row, so webhooks about that meeting are processed."""
    from hub_zoom.storage import tables as zoom_tables

    runtime = request.app.state.runtime
    async with runtime.db.transaction() as conn:
        await conn.execute(
            insert(zoom_tables.meetings).values(
                event_id=data.event_id,
                session_key="",
                connection_id=data.connection_id,
                kind="meeting",
                status="active",
                meeting_id=data.meeting_id,
            )
        )
    return Response({"ok": True})
