"""A Jitsi Meet video provider: one room per event (or session), one personal link per
ticket, attendance from the server's presence events.

Every hook is idempotent: rooms and registrations are keyed rows, so a redelivered fact
finds its work done and only reports it again (the hub drops identical reports).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hub import hookimpl
from hub.attendance import attended_minutes, merge_intervals, met_threshold
from hub.context import DeliveryContext, HubContext
from hub.models import (
    AttendanceRecord,
    AttendanceReport,
    Event,
    MeetingDetails,
    MigrationSource,
    Refund,
    Registration,
    Ticket,
    VideoProvider,
    WebhookDelivery,
)
from hub_jitsi import links, tables, webhook
from hub_jitsi.settings import JitsiSettings

NAME = "jitsi"
__version__ = "0.1.0"


def _settings(ctx: DeliveryContext) -> JitsiSettings:
    return ctx.config()


@hookimpl
def hub_config_schema() -> type[JitsiSettings]:
    return JitsiSettings


@hookimpl
def hub_video_providers() -> list[VideoProvider]:
    return [VideoProvider(name=NAME, description="Self-hosted Jitsi Meet", formats=("meeting",))]


@hookimpl
def hub_migrations() -> MigrationSource:
    return MigrationSource(branch=NAME, directory=str(Path(__file__).parent / "migrations"))


@hookimpl
def hub_routes(hub: HubContext) -> list[Any]:
    return webhook.routes(hub)


@hookimpl
def hub_sandbox(work_dir: str) -> Any:
    from hub_jitsi.sandbox import jitsi_sandbox

    return jitsi_sandbox(work_dir)


async def _room(ctx: DeliveryContext, event_id: str) -> str | None:
    r = tables.rooms
    async with ctx.hub.db.connect() as conn:
        return (
            await conn.execute(
                sa.select(r.c.room).where(r.c.event_id == event_id, r.c.session_key == "")
            )
        ).scalar()


@hookimpl
async def on_event_published(event: Event, ctx: DeliveryContext) -> None:
    settings = _settings(ctx)
    room = links.room_name(settings, event.id)
    try:
        async with ctx.hub.db.transaction() as conn:
            await conn.execute(
                sa.insert(tables.rooms).values(
                    event_id=event.id, session_key="", room=room, status="open"
                )
            )
    except IntegrityError:
        pass  # already created by an earlier delivery of this fact
    await ctx.report_meeting_details(_details(settings, event, room))


def _details(
    settings: JitsiSettings, event: Event, room: str, status: str = "active"
) -> MeetingDetails:
    return MeetingDetails(
        event_id=event.id,
        provider=NAME,
        kind="meeting",
        meeting_id=room,
        join_url=links.room_url(settings, room),
        dial_in=settings.dial_in,
        status=status,  # type: ignore[arg-type]
    )


@hookimpl
async def on_event_updated(event: Event, previous: Event, ctx: DeliveryContext) -> None:
    room = await _room(ctx, event.id)
    if room is not None:
        await ctx.report_meeting_details(_details(_settings(ctx), event, room))


@hookimpl
async def on_event_cancelled(event: Event, ctx: DeliveryContext) -> None:
    r, reg = tables.rooms, tables.registrations
    async with ctx.hub.db.transaction() as conn:
        await conn.execute(sa.update(r).where(r.c.event_id == event.id).values(status="closed"))
        cancelled = (
            (
                await conn.execute(
                    sa.update(reg)
                    .where(reg.c.event_id == event.id, reg.c.status == "registered")
                    .values(status="cancelled")
                    .returning(reg.c.ticket_id)
                )
            )
            .scalars()
            .all()
        )
    room = await _room(ctx, event.id)
    if room is not None:
        await ctx.report_meeting_details(_details(_settings(ctx), event, room, "cancelled"))
    await ctx.report_registrations(
        [
            Registration(event_id=event.id, ticket_id=t, provider=NAME, status="cancelled")
            for t in cancelled
        ]
    )


async def _register(ticket: Ticket, event: Event, ctx: DeliveryContext) -> None:
    room = await _room(ctx, event.id)
    if room is None:
        raise RuntimeError(f"no room for event {event.id}")  # the pipeline orders this away
    reg = tables.registrations
    async with ctx.hub.db.transaction() as conn:
        status = (
            await conn.execute(
                sa.select(reg.c.status).where(
                    reg.c.event_id == event.id, reg.c.ticket_id == ticket.id
                )
            )
        ).scalar()
        if status is None:
            await conn.execute(
                sa.insert(reg).values(
                    event_id=event.id, ticket_id=ticket.id, email=ticket.email, status="registered"
                )
            )
        elif status == "registered":
            await conn.execute(
                sa.update(reg)
                .where(reg.c.event_id == event.id, reg.c.ticket_id == ticket.id)
                .values(email=ticket.email)
            )
        else:
            return  # cancelled stays cancelled
    await ctx.report_registration(
        Registration(
            event_id=event.id,
            ticket_id=ticket.id,
            provider=NAME,
            status="registered",
            join_url=links.personal_link(_settings(ctx), room, event, ticket),
        )
    )


@hookimpl
async def on_ticket_sold(ticket: Ticket, event: Event, ctx: DeliveryContext) -> None:
    await _register(ticket, event, ctx)


@hookimpl
async def on_ticket_updated(
    ticket: Ticket, previous: Ticket, event: Event, ctx: DeliveryContext
) -> None:
    await _register(ticket, event, ctx)


@hookimpl
async def on_refund(refund: Refund, ticket: Ticket, event: Event, ctx: DeliveryContext) -> None:
    reg = tables.registrations
    async with ctx.hub.db.transaction() as conn:
        await conn.execute(
            sa.update(reg)
            .where(reg.c.event_id == refund.event_id, reg.c.ticket_id == refund.ticket_id)
            .values(status="cancelled")
        )
    await ctx.report_registration(
        Registration(
            event_id=refund.event_id, ticket_id=refund.ticket_id, provider=NAME, status="cancelled"
        )
    )


@hookimpl
async def on_webhook(delivery: WebhookDelivery, ctx: DeliveryContext) -> None:
    payload = delivery.payload
    room = str(payload.get("room", ""))
    if delivery.event_type in ("participant_joined", "participant_left"):
        try:
            async with ctx.hub.db.transaction() as conn:
                await conn.execute(
                    sa.insert(tables.presence).values(
                        room=room,
                        email=(payload.get("email") or "").lower() or None,
                        name=payload.get("name"),
                        action="join" if delivery.event_type == "participant_joined" else "leave",
                        at=links.parse_time(payload["at"]),
                    )
                )
        except IntegrityError:
            pass
    elif delivery.event_type == "room_destroyed":
        await _report_attendance(room, ctx)


async def _report_attendance(room: str, ctx: DeliveryContext) -> None:
    settings = _settings(ctx)
    r, reg, p = tables.rooms, tables.registrations, tables.presence
    async with ctx.hub.db.connect() as conn:
        event_id = (await conn.execute(sa.select(r.c.event_id).where(r.c.room == room))).scalar()
        if event_id is None:
            return
        holders = {
            row.email.lower(): row.ticket_id
            for row in await conn.execute(
                sa.select(reg.c.email, reg.c.ticket_id).where(
                    reg.c.event_id == event_id, reg.c.status == "registered"
                )
            )
        }
        rows = (await conn.execute(sa.select(p).where(p.c.room == room).order_by(p.c.at))).all()
    event = await ctx.hub.get_event(event_id)
    assert event is not None
    intervals: dict[str, list[tuple[Any, Any]]] = defaultdict(list)
    names: dict[str, str] = {}
    open_since: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        key = row.email or row.name or "unknown"
        names[key] = row.name or key
        if row.action == "join":
            open_since[key].append(row.at)
        elif open_since[key]:
            intervals[key].append((open_since[key].pop(0), row.at))
    records = []
    for key, spans in sorted(intervals.items()):
        minutes = round(attended_minutes(spans), 4)
        ticket_id = holders.get(key)
        records.append(
            AttendanceRecord(
                event_id=event_id,
                ticket_id=ticket_id,
                email=key if "@" in key else None,
                name=names[key],
                first_join=min(s for s, _ in spans),
                last_leave=max(e for _, e in spans),
                minutes=minutes,
                sessions_count=len(spans),
                attended=met_threshold(
                    minutes, event.duration_minutes, settings.attended_min_minutes, 0.0
                ),
                guest=ticket_id is None,
                intervals=merge_intervals(spans),
            )
        )
    # Holders who never came are part of the report too: "did not attend" is a fact the
    # CRM wants as much as minutes.
    present = set(intervals)
    for email, ticket_id in sorted(holders.items()):
        if email not in present:
            records.append(
                AttendanceRecord(
                    event_id=event_id,
                    ticket_id=ticket_id,
                    email=email,
                    name=email,
                    first_join=None,
                    last_leave=None,
                    minutes=0.0,
                    sessions_count=0,
                    attended=False,
                )
            )
    await ctx.report_attendance(
        AttendanceReport(event_id=event_id, provider=NAME, final=True, records=records)
    )
