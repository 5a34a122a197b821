"""A test-only video provider: proves the core without Zoom.

It records every effect in its own table under a unique key (so a redelivered fact has no
second effect, as a real provider must guarantee) and every call in a log (so tests can
see redeliveries). Failures are injected through its settings.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import msgspec
import sqlalchemy as sa
from litestar import Request, post
from sqlalchemy.exc import IntegrityError

from hub import hookimpl
from hub.context import DeliveryContext, HubContext
from hub.errors import PermanentFailure, RetryLater
from hub.models import (
    AttendanceReport,
    Event,
    MeetingDetails,
    MigrationSource,
    Recording,
    Refund,
    Registration,
    Ticket,
    VideoProvider,
    WebhookDelivery,
)

NAME = "testvideo"
metadata = sa.MetaData()
effects = sa.Table(
    "testvideo_effects",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("key", sa.String(255), nullable=False),
    sa.UniqueConstraint("kind", "key"),
)
calls = sa.Table(
    "testvideo_calls",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("hook", sa.String(48), nullable=False),
    sa.Column("key", sa.String(255), nullable=False),
)


class Settings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    fail_rate: float = 0.0
    retry_after_first: bool = False
    permanent_for_email_domain: str | None = None
    seed: int = 1


class TestVideoProvider:
    """Registered as a plugin object (pluggy accepts instances as plugins)."""

    __test__ = False
    __version__ = "0.0-test"

    def __init__(self) -> None:
        self.rng = random.Random(1)
        self.started = False
        self.stopped = False
        self.seen_retry: set[str] = set()

    @hookimpl
    def hub_config_schema(self) -> type[Settings]:
        return Settings

    @hookimpl
    def hub_video_providers(self) -> list[VideoProvider]:
        return [VideoProvider(name=NAME, formats=("meeting", "webinar"))]

    @hookimpl
    def hub_migrations(self) -> MigrationSource:
        return MigrationSource(
            branch=NAME, directory=str(Path(__file__).parent / "testvideo_migrations")
        )

    @hookimpl
    async def hub_startup(self, hub: HubContext) -> None:
        settings: Settings = hub.plugin_config(NAME)
        self.rng = random.Random(settings.seed)
        self.started = True

    @hookimpl
    async def hub_shutdown(self, hub: HubContext) -> None:
        self.stopped = True

    @hookimpl
    def hub_routes(self, hub: HubContext) -> list[Any]:
        @post(f"/webhooks/{NAME}", status_code=200)
        async def receive(request: Request[Any, Any, Any]) -> dict[str, bool]:
            body = msgspec.json.decode(await request.body())
            stored = await hub.ingest_webhook(
                provider=NAME, dedupe_key=body["id"], event_type=body["event"], payload=body
            )
            return {"stored": stored}

        return [receive]

    @hookimpl
    async def on_webhook(self, delivery: WebhookDelivery, ctx: DeliveryContext) -> None:
        payload = delivery.payload
        await self._effect(ctx, "on_webhook", "webhook", str(payload["id"]))
        if delivery.event_type == "attendance":
            await ctx.report_attendance(
                msgspec.convert(payload["report"], AttendanceReport, strict=False)
            )
        elif delivery.event_type == "recording":
            await ctx.report_recording(
                msgspec.convert(payload["recording"], Recording, strict=False)
            )

    @hookimpl
    async def on_ticket_updated(
        self, ticket: Ticket, previous: Ticket, event: Event, ctx: DeliveryContext
    ) -> None:
        await self._effect(ctx, "on_ticket_updated", "reregister", f"{ticket.id}:{ticket.email}")

    async def _effect(self, ctx: DeliveryContext, hook: str, kind: str, key: str) -> bool:
        settings: Settings = ctx.config()
        async with ctx.hub.db.transaction() as conn:
            await conn.execute(sa.insert(calls).values(hook=hook, key=key))
        if settings.retry_after_first and key not in self.seen_retry:
            self.seen_retry.add(key)
            raise RetryLater("not connected yet", after_seconds=0.01)
        if settings.fail_rate and self.rng.random() < settings.fail_rate:
            raise ConnectionError("injected failure")
        try:
            async with ctx.hub.db.transaction() as conn:
                await conn.execute(sa.insert(effects).values(kind=kind, key=key))
        except IntegrityError:
            return False
        return True

    @hookimpl
    async def on_event_published(self, event: Event, ctx: DeliveryContext) -> None:
        await self._effect(ctx, "on_event_published", "meeting", event.id)
        await ctx.report_meeting_details(
            MeetingDetails(
                event_id=event.id,
                provider=NAME,
                kind="webinar" if event.format == "webinar" else "meeting",
                meeting_id=f"m-{event.id}",
                join_url=f"https://video.test/j/{event.id}",
                passcode="123456",
            )
        )

    @hookimpl
    async def on_event_updated(self, event: Event, previous: Event, ctx: DeliveryContext) -> None:
        await self._effect(ctx, "on_event_updated", "update", f"{event.id}:{event.title}")

    @hookimpl
    async def on_event_cancelled(self, event: Event, ctx: DeliveryContext) -> None:
        await self._effect(ctx, "on_event_cancelled", "delete", event.id)

    @hookimpl
    async def on_ticket_sold(self, ticket: Ticket, event: Event, ctx: DeliveryContext) -> None:
        settings: Settings = ctx.config()
        domain = settings.permanent_for_email_domain
        if domain and ticket.email.endswith("@" + domain):
            raise PermanentFailure("this address cannot register", code=300)
        async with ctx.hub.db.connect() as conn:
            meeting = (
                await conn.execute(
                    sa.select(effects.c.id).where(
                        effects.c.kind == "meeting", effects.c.key == event.id
                    )
                )
            ).first()
        assert meeting is not None, "ticket delivered before its event's meeting exists"
        await self._effect(ctx, "on_ticket_sold", "register", f"{event.id}:{ticket.id}")
        await ctx.report_registration(
            Registration(
                event_id=event.id,
                ticket_id=ticket.id,
                provider=NAME,
                status="registered",
                join_url=f"https://video.test/j/{event.id}?tk={ticket.id}",
                registrant_id=f"r-{ticket.id}",
            )
        )

    @hookimpl
    async def on_refund(
        self, refund: Refund, ticket: Ticket, event: Event, ctx: DeliveryContext
    ) -> None:
        await self._effect(ctx, "on_refund", "cancel", f"{event.id}:{ticket.id}")
        await ctx.report_registration(
            Registration(event_id=event.id, ticket_id=ticket.id, provider=NAME, status="cancelled")
        )
