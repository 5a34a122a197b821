"""The signed-in admin pages: Integrations, Events, Event, Deliveries, Analytics."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Redirect, Template

from hub.admin import attendance_view, charts, queries
from hub.admin.analytics import compute_analytics
from hub.admin.flash import flash
from hub.admin.redirects import back
from hub.admin.rendering import page
from hub.api.analytics_routes import check_range
from hub.api.delivery_routes import MAX_ID, replay
from hub.api.event_routes import attendance_csv
from hub.api.problems import ApiProblem
from hub.api.system_routes import plugin_listing

POLL_SECONDS = 5
RECENT_EVENTS_IN_CHARTS = 30


def _runtime(request: Request[Any, Any, Any]) -> Any:
    return request.app.state.runtime


def dom_id(prefix: str, value: str) -> str:
    """A stable, valid HTML id for any event id (kept across htmx swaps for focus)."""
    return f"{prefix}-{hashlib.sha256(value.encode()).hexdigest()[:12]}"


@get("/admin", include_in_schema=False)
async def home() -> Redirect:
    return Redirect(path="/admin/integrations", status_code=303)


@get("/admin/integrations", include_in_schema=False)
async def integrations(request: Request[Any, Any, Any]) -> Template:
    runtime = _runtime(request)
    counts = await queries.delivery_counts(runtime.db)
    contributions = {c.plugin: c for c in await runtime.facade.admin_cards(runtime.hub)}
    plugins = []
    for entry in plugin_listing(runtime):
        name = entry["name"]
        jobs = counts.by_plugin.get(name, {})
        if not entry["enabled"]:
            health = "off"
        elif jobs.get("dead"):
            health = "error"
        else:
            health = "ok"
        plugins.append(
            {
                **entry,
                "health": health,
                "dead": jobs.get("dead", 0),
                "pending": jobs.get("pending", 0) + jobs.get("running", 0),
                "contribution": contributions.get(name),
            }
        )
    plugins.sort(key=lambda p: (not p["enabled"], p["name"]))
    return page(
        request,
        "integrations.html",
        active="integrations",
        title="Integrations",
        plugins=plugins,
        public_url=runtime.config.hub.public_url,
    )


def _page_number(value: int) -> int:
    if value < 1 or value > 1_000_000:
        raise ApiProblem(400, "page must be a positive number", field="page")
    return value


async def _events_context(request: Request[Any, Any, Any], page_number: int) -> dict[str, Any]:
    db = _runtime(request).db
    size = queries.EVENTS_PAGE_SIZE
    rows = await queries.events_sync(db, offset=(page_number - 1) * size, limit=size)
    total = await queries.count_events(db)
    return {
        "events": rows,
        "page_number": page_number,
        "has_next": page_number * size < total,
        "total": total,
        "poll_seconds": POLL_SECONDS,
        "dom_id": dom_id,
    }


@get("/admin/events", include_in_schema=False)
async def events(
    request: Request[Any, Any, Any], page_number: Annotated[int, Parameter(query="page")] = 1
) -> Template:
    context = await _events_context(request, _page_number(page_number))
    return page(request, "events.html", active="events", title="Events", **context)


@get("/admin/fragments/events", include_in_schema=False)
async def event_rows(
    request: Request[Any, Any, Any], page_number: Annotated[int, Parameter(query="page")] = 1
) -> Template:
    """The events table body alone, polled by htmx to keep sync states current."""
    context = await _events_context(request, _page_number(page_number))
    return page(request, "_event_rows.html", fragment=True, **context)


@get("/admin/events/{event_id:str}", include_in_schema=False)
async def event_detail(request: Request[Any, Any, Any], event_id: str) -> Template:
    runtime = _runtime(request)
    data = await queries.event_page(runtime.db, event_id)
    if data is None:
        raise NotFoundException(f"unknown event {event_id!r}")
    sections = await runtime.facade.admin_event_sections(event_id, runtime.hub)
    attendance: dict[str, Any] | None = None
    if data.report is not None:
        records = data.report.records
        points = attendance_view.occupancy(records)
        histogram = attendance_view.minutes_histogram(records)
        whole = attendance_view.whole_event(records)
        attendance = {
            "records": whole,
            "attended": sum(1 for r in whole if r.attended and not r.guest),
            "guests": sum(1 for r in whole if r.attended and r.guest),
            "peak": attendance_view.peak(points),
            "occupancy_chart": charts.step_chart(
                "attendance-chart",
                "People in the room over time",
                points,
                y_label="People",
                x_label="Time (UTC)",
                empty_message="Nobody joined",
            ),
            "minutes_chart": charts.bar_chart(
                "minutes-chart",
                "Minutes per person",
                [label for label, _ in histogram],
                [charts.Series("People", [n for _, n in histogram])],
                y_label="People",
                x_label="Minutes attended",
                empty_message="Nobody joined",
            ),
        }
    return page(
        request,
        "event.html",
        active="events",
        title=str(data.body.get("title", event_id)),
        event=data,
        attendance=attendance,
        sections=sections,
        csv_url=f"/admin/events/{event_id}/attendance.csv",
    )


SAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


@get("/admin/events/{event_id:str}/attendance.csv", include_in_schema=False)
async def attendance_download(request: Request[Any, Any, Any], event_id: str) -> Response[str]:
    data = await queries.event_page(_runtime(request).db, event_id)
    if data is None:
        raise NotFoundException(f"unknown event {event_id!r}")
    report = msgspec.to_builtins(data.report) if data.report else {"records": []}
    filename = f"attendance-{SAFE_FILENAME.sub('_', event_id)[:80]}.csv"
    return Response(
        attendance_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@get("/admin/deliveries", include_in_schema=False)
async def deliveries(request: Request[Any, Any, Any]) -> Template:
    db = _runtime(request).db
    return page(
        request,
        "deliveries.html",
        active="deliveries",
        title="Deliveries",
        counts=await queries.delivery_counts(db),
        dead=await queries.dead_letters(db),
        states=queries.STATES,
    )


@post("/admin/deliveries/{delivery_id:int}/retry", include_in_schema=False, status_code=303)
async def retry_delivery(
    request: Request[Any, Any, Any],
    delivery_id: Annotated[int, Parameter(ge=1, le=MAX_ID)],
) -> Redirect:
    """The dead letter's Retry button: the same replay as the API and ``hub deliveries``."""
    try:
        await replay(_runtime(request), delivery_id)
    except ApiProblem as problem:
        flash(request, f"Delivery {delivery_id} was not retried: {problem.detail}", "error")
    else:
        flash(request, f"Delivery {delivery_id} is queued again.")
    return back(request, default="/admin/deliveries")


@get("/admin/analytics", include_in_schema=False)
async def analytics(
    request: Request[Any, Any, Any], since: date | None = None, until: date | None = None
) -> Template:
    check_range(since, until)
    figures = await compute_analytics(_runtime(request).db, since, until)
    recent = [f for f in figures.events if f.status != "cancelled"][-RECENT_EVENTS_IN_CHARTS:]
    event_labels = [f.title for f in recent]
    months = [p.period for p in figures.by_month]
    chart_set = [
        charts.bar_chart(
            "analytics-events",
            "Registrants and attendees per event",
            event_labels,
            [
                charts.Series("Registrants", [f.registrants for f in recent]),
                charts.Series("Attendees", [f.attendees for f in recent]),
            ],
            y_label="People",
            x_label="Event (by start date)",
        ),
        charts.bar_chart(
            "analytics-minutes",
            "Average minutes per event",
            [f.title for f in recent if f.average_minutes is not None],
            [
                charts.Series(
                    "Average minutes",
                    [f.average_minutes for f in recent if f.average_minutes is not None],
                )
            ],
            y_label="Minutes",
            x_label="Event (by start date)",
            empty_message="No attendance reports yet",
        ),
        charts.line_chart(
            "analytics-rate",
            "Attendance rate by month",
            [p.period for p in figures.by_month if p.attendance_rate is not None],
            [
                charts.Series(
                    "Attendance rate (%)",
                    [
                        round(p.attendance_rate * 100, 1)
                        for p in figures.by_month
                        if p.attendance_rate is not None
                    ],
                )
            ],
            y_label="Percent",
            x_label="Month of the event",
            y_max=100,
            empty_message="No attendance reports yet",
        ),
        charts.bar_chart(
            "analytics-months",
            "Registrants and attendees by month",
            months,
            [
                charts.Series("Registrants", [p.registrants for p in figures.by_month]),
                charts.Series("Attendees", [p.attendees for p in figures.by_month]),
            ],
            y_label="People",
            x_label="Month of the event",
        ),
    ]
    return page(
        request,
        "analytics.html",
        active="analytics",
        title="Analytics",
        figures=figures,
        charts=chart_set,
    )


ROUTES = [
    home,
    integrations,
    events,
    event_rows,
    event_detail,
    attendance_download,
    deliveries,
    retry_delivery,
    analytics,
]
