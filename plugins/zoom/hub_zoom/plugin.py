"""The Zoom video provider: the hub's hooks implemented for Zoom meetings and webinars.

This module only wires. Each hook is implemented in the module named after its concern
(meeting lifecycle, registrants, webhooks); pluggy sees the hooks here because the entry
point ``hub.plugins: zoom = hub_zoom.plugin`` names this module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hub import hookimpl
from hub.context import DeliveryContext, HubContext
from hub.models import Event, MigrationSource, Refund, Ticket, VideoProvider, WebhookDelivery
from hub_zoom.lifecycle import meetings, registrants
from hub_zoom.service import PLUGIN, PROVIDER, ZoomService
from hub_zoom.settings import ZoomSettings
from hub_zoom.webhooks import processing

__version__ = "0.1.0"


@hookimpl
def hub_config_schema() -> type[ZoomSettings]:
    return ZoomSettings


@hookimpl
def hub_video_providers() -> list[VideoProvider]:
    return [
        VideoProvider(
            name=PROVIDER,
            description="Zoom meetings (up to 1,000) and webinars (up to 50,000)",
            formats=("meeting", "webinar"),
        )
    ]


@hookimpl
def hub_migrations() -> MigrationSource:
    return MigrationSource(
        branch=PLUGIN, directory=str(Path(__file__).parent / "storage" / "migrations")
    )


@hookimpl
async def hub_startup(hub: HubContext) -> None:
    settings: ZoomSettings = hub.plugin_config(PLUGIN)
    hub.secret_box  # noqa: B018 - refuse to start without HUB_SECRET_KEY: tokens are stored
    hub.state[PLUGIN] = ZoomService(hub, settings)


@hookimpl
async def hub_shutdown(hub: HubContext) -> None:
    from hub_zoom.webhooks import receipts

    await receipts.flush(hub)
    svc = hub.state.pop(PLUGIN, None)
    if svc is not None:
        await svc.aclose()


@hookimpl
def hub_routes(hub: HubContext) -> list[Any]:
    from hub_zoom.admin.routes import routes as admin_routes
    from hub_zoom.lifecycle.routes import routes as lifecycle_routes
    from hub_zoom.panelists import routes as panelist_routes
    from hub_zoom.webhooks.routes import routes as webhook_routes

    return [
        *lifecycle_routes(hub),
        *webhook_routes(hub),
        *panelist_routes(hub),
        *admin_routes(hub),
    ]


@hookimpl
async def hub_admin_card(hub: HubContext) -> Any:
    from hub_zoom.admin.card import zoom_card

    return await zoom_card(hub)


@hookimpl
async def hub_admin_event_sections(event_id: str, hub: HubContext) -> Any:
    from hub_zoom.admin.event_sections import zoom_event_sections

    return await zoom_event_sections(hub, event_id)


@hookimpl
def hub_sandbox(work_dir: str) -> Any:
    from hub_zoom.sandbox import zoom_sandbox

    return zoom_sandbox(work_dir)


@hookimpl
def hub_cli_commands() -> list[Any]:
    from hub_zoom.cli import zoom_group
    from hub_zoom.emulator.cli import zoom_emulator_command

    return [zoom_group, zoom_emulator_command]


@hookimpl
async def on_event_published(event: Event, ctx: DeliveryContext) -> None:
    await meetings.on_event_published(event, ctx)


@hookimpl
async def on_event_updated(event: Event, previous: Event, ctx: DeliveryContext) -> None:
    await meetings.on_event_updated(event, previous, ctx)


@hookimpl
async def on_event_cancelled(event: Event, ctx: DeliveryContext) -> None:
    await meetings.on_event_cancelled(event, ctx)


@hookimpl
async def on_ticket_sold(ticket: Ticket, event: Event, ctx: DeliveryContext) -> None:
    await registrants.on_ticket_sold(ticket, event, ctx)


@hookimpl
async def on_ticket_updated(
    ticket: Ticket, previous: Ticket, event: Event, ctx: DeliveryContext
) -> None:
    await registrants.on_ticket_updated(ticket, previous, event, ctx)


@hookimpl
async def on_refund(refund: Refund, ticket: Ticket, event: Event, ctx: DeliveryContext) -> None:
    await registrants.on_refund(refund, ticket, event, ctx)


@hookimpl
async def on_webhook(delivery: WebhookDelivery, ctx: DeliveryContext) -> None:
    await processing.on_webhook(delivery, ctx)
