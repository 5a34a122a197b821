"""The CRM stub's hook implementations (entry point ``crm_stub``).

Kept thin on purpose: each fact hook first gives the configured fault injection its
chance to fail the call, then hands its typed arguments to the module that does the work.
Every hook is idempotent, since the hub may deliver a fact more than once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hub import hookimpl
from hub.context import DeliveryContext, HubContext
from hub.models import AttendanceReport, Event, MigrationSource, Refund, Ticket
from hub_crm_stub import attendance, contacts
from hub_crm_stub.faults import maybe_fail
from hub_crm_stub.routes import build_routes
from hub_crm_stub.settings import CrmStubSettings

NAME = "crm_stub"
MIGRATIONS = Path(__file__).parent / "migrations"


@hookimpl
def hub_config_schema() -> type[CrmStubSettings]:
    return CrmStubSettings


@hookimpl
def hub_migrations() -> MigrationSource:
    return MigrationSource(branch=NAME, directory=str(MIGRATIONS))


@hookimpl
def hub_routes(hub: HubContext) -> list[Any]:
    return build_routes(hub)


@hookimpl
async def on_ticket_sold(ticket: Ticket, event: Event | None, ctx: DeliveryContext) -> None:
    maybe_fail(ctx)
    await contacts.record_sale(ctx.hub.db, ticket, event)


@hookimpl
async def on_ticket_updated(
    ticket: Ticket, previous: Ticket, event: Event | None, ctx: DeliveryContext
) -> None:
    maybe_fail(ctx)
    await contacts.record_update(ctx.hub.db, ticket, event)


@hookimpl
async def on_refund(
    refund: Refund, ticket: Ticket, event: Event | None, ctx: DeliveryContext
) -> None:
    maybe_fail(ctx)
    await contacts.record_refund(ctx.hub.db, ticket, event)


@hookimpl
async def on_attendance(
    report: AttendanceReport, event: Event | None, ctx: DeliveryContext
) -> None:
    maybe_fail(ctx)
    applied = await attendance.record_attendance(ctx.hub.db, report, event, ctx.delivery_id)
    if not applied:
        ctx.log.info("a newer attendance report is already stored", event_id=report.event_id)
