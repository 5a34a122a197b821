"""The ticketing stub's hook implementations (entry point ``ticketing_stub``).

Kept thin on purpose: each hook hands its typed arguments to the module that does the
work. Every fact hook is idempotent, since the hub may deliver a fact more than once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from hub import hookimpl
from hub.context import DeliveryContext, HubContext
from hub.models import Event, MeetingDetails, MigrationSource, Recording, Registration, Ticket
from hub_ticketing_stub import emails, event_pages
from hub_ticketing_stub.cli import ticketing_stub
from hub_ticketing_stub.routes import build_routes

NAME = "ticketing_stub"
MIGRATIONS = Path(__file__).parent / "migrations"


@hookimpl
def hub_migrations() -> MigrationSource:
    return MigrationSource(branch=NAME, directory=str(MIGRATIONS))


@hookimpl
def hub_routes(hub: HubContext) -> list[Any]:
    return build_routes(hub)


@hookimpl
def hub_cli_commands() -> list[click.Command]:
    return [ticketing_stub]


@hookimpl
async def on_meeting_details(
    details: MeetingDetails, event: Event | None, ctx: DeliveryContext
) -> None:
    await event_pages.record_meeting_details(ctx.hub.db, details, event, ctx.delivery_id)


@hookimpl
async def on_recording_ready(
    recording: Recording, event: Event | None, ctx: DeliveryContext
) -> None:
    await event_pages.record_recording(ctx.hub.db, recording, event, ctx.delivery_id)


@hookimpl
async def on_registration(
    registration: Registration, ticket: Ticket | None, ctx: DeliveryContext
) -> None:
    if ticket is None:
        # The hub holds no holder data for this ticket (a refund that overtook its sale, or
        # a registrant the provider reported for a ticket the hub never saw): nobody to
        # write to.
        ctx.log.info("no ticket holder known; no email sent", ticket_id=registration.ticket_id)
        return
    event = await ctx.hub.get_event(registration.event_id)
    sent = await emails.send_registration_email(ctx.hub.db, registration, ticket, event)
    if not sent:
        ctx.log.debug("no new email for this registration", status=registration.status)
