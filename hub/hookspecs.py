"""The hooks a hub plugin may implement (pluggy project name ``"hub"``).

There are two kinds:

* **Registration hooks** (``hub_*``) are called once at start-up. They tell the host what a
  plugin contributes: its config schema, the video providers it offers, its HTTP routes, its
  CLI commands and its database migrations. Core behaviour uses the same hooks as third-party
  plugins.
* **Fact hooks** (``on_*``) are called by the durable delivery pipeline, one delivery per plugin
  per fact, never through ``pm.hook`` directly: :class:`hub.plugins.facade.HookFacade` calls
  each implementation on its own, awaits it, applies a timeout and records the outcome, so
  one plugin's failure neither aborts nor re-runs another's work. A fact hook may run more
  than once for the same fact (a retry after a crash), so implementations must be idempotent.
  They signal the pipeline by raising :class:`hub.errors.RetryLater` or
  :class:`hub.errors.PermanentFailure`; they report what they created through the
  ``ctx.report_*`` methods of :class:`hub.context.DeliveryContext`.

Fact hooks that concern one event's meeting (event published/updated/cancelled, ticket sold,
updated or refunded) reach only the event's video provider, plus every plugin that is not a
video provider. No hook here is ``firstresult``.

Every spec is documented in docs/hooks.md; a test fails when the two disagree.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

    import click
    import msgspec

    from hub.admin.panels import AdminCard, AdminSection
    from hub.context import DeliveryContext, HubContext
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
    from hub.sandbox import Sandbox

PROJECT_NAME = "hub"
hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# --- registration hooks ---------------------------------------------------------------------


@hookspec
def hub_config_schema() -> type[msgspec.Struct] | None:
    """Return the msgspec Struct that validates this plugin's ``[plugins.<name>]`` table.

    Called once at start-up, before anything else of the plugin runs. The host resolves
    ``{ env = "VAR" }`` references, converts the table into this Struct and refuses to start
    with a message naming the file, plugin and field if it does not fit. A plugin without
    settings returns None. The validated value is available as ``hub.plugin_config(name)``.
    """


@hookspec
def hub_video_providers() -> Sequence[VideoProvider]:
    """Return the video providers this plugin offers (usually one, or none).

    Called once at start-up. Events choose a provider by name (``video_provider`` or
    ``[hub] default_video_provider``); only that provider's plugin receives the event's
    meeting facts. Two plugins offering the same name stop start-up with a conflict error.
    """


@hookspec
def hub_routes(hub: HubContext) -> Sequence[Any]:
    """Return Litestar route handlers or routers to mount on the hub's HTTP server.

    Called once when the app is built. A provider mounts its OAuth callback and its
    ``POST /webhooks/<provider>`` receiver here; a ticketing plugin its event pages. Paths
    must be unique across plugins; handlers get the running :class:`HubContext` via closure.
    """


@hookspec
def hub_cli_commands() -> Sequence[click.Command]:
    """Return click commands added under the ``hub`` CLI (e.g. ``hub zoom test-connection``).

    Called when the CLI starts, whether or not the plugin is enabled in hub.toml, so that a
    plugin's tools are discoverable. Commands open the hub themselves with
    :func:`hub.runtime.open_hub` when they need its database or config.
    """


@hookspec
def hub_migrations() -> MigrationSource | None:
    """Return where this plugin's Alembic revisions live, or None if it has no tables.

    The host runs every enabled plugin's branch together with its own (``hub db upgrade`` and
    at start), so a plugin's tables follow the same path on SQLite and PostgreSQL.
    """


@hookspec
def hub_startup(hub: HubContext) -> Awaitable[None] | None:
    """Prepare the plugin once the hub's database and config are ready.

    Called after migrations, before the API accepts requests and before workers claim
    deliveries. Raise to refuse start-up (e.g. a provider needing a secret key that is unset).
    """


@hookspec
def hub_shutdown(hub: HubContext) -> Awaitable[None] | None:
    """Release what ``hub_startup`` acquired (HTTP clients, background tasks).

    Called once on orderly shutdown; never relied upon for correctness, since a killed
    process does not run it.
    """


@hookspec
def hub_sandbox(work_dir: str) -> AbstractAsyncContextManager[Sandbox] | None:
    """Offer a local stand-in for the provider's service, for ``hub demo`` and trials.

    Called before the plugin is configured (it is what makes a configuration possible
    without an account), only on the plugin serving the default video provider. Return an
    async context manager that starts the stand-in and yields a :class:`hub.sandbox.Sandbox`
    (settings for ``[plugins.<name>]``, a meeting simulator); leaving it stops everything.
    Files may be written under ``work_dir``. Return None if the provider has no sandbox.
    """


# --- admin page hooks -----------------------------------------------------------------------


@hookspec
def hub_admin_card(hub: HubContext) -> Awaitable[AdminCard | None] | AdminCard | None:
    """Return the plugin's own card for the admin Integrations page, or None.

    Called on every view of ``/admin/integrations`` (keep it cheap: read the plugin's own
    tables, do not call the provider). The core card already shows every plugin's version,
    enabled state and health; this adds the plugin's connection state, settings to copy
    (e.g. a webhook URL) and actions as :class:`hub.admin.panels.AdminCard`. Post actions
    point at the plugin's own routes under ``/admin/plugins/<plugin>/``, mounted through
    ``hub_routes`` with ``guards=[hub.admin.auth.require_admin]``; the core adds the CSRF
    field. An exception or timeout shows an error on the card and never breaks the page.
    """


@hookspec
def hub_admin_event_sections(
    event_id: str, hub: HubContext
) -> Awaitable[Sequence[AdminSection]] | Sequence[AdminSection] | None:
    """Return extra sections for one event's admin page (``/admin/events/{event_id}``).

    Called on every view of the page, for every enabled plugin, whether or not the event
    uses that plugin's provider (return None or nothing when the event is not yours). The
    core renders meeting details, registrants, attendance and delivery failures from the
    hub's own tables; provider-specific parts (resync and reconcile buttons, recordings,
    panelists, registrant detail) come through this hook as
    :class:`hub.admin.panels.AdminSection`. A failing plugin's sections are replaced by an
    error note; the rest of the page still renders.
    """


# --- fact hooks -----------------------------------------------------------------------------


@hookspec
def on_event_published(event: Event, ctx: DeliveryContext) -> Awaitable[None] | None:
    """A virtual event was published.

    The event's video provider creates its meeting or webinar (one per session) and reports
    it with ``ctx.report_meeting_details``. Ticket deliveries of this event wait until this
    delivery has finished, so a provider may assume the event exists when tickets arrive.
    """


@hookspec
def on_event_updated(event: Event, previous: Event, ctx: DeliveryContext) -> Awaitable[None] | None:
    """A published event changed (title, time, duration, timezone, settings...).

    ``previous`` is the version the plugin last saw. The provider updates its meeting and
    reports the details again if they changed.
    """


@hookspec
def on_event_cancelled(event: Event, ctx: DeliveryContext) -> Awaitable[None] | None:
    """A published event was cancelled: the provider deletes its meeting(s).

    Registrations are cancelled with it; the provider reports meeting details with status
    "cancelled".
    """


@hookspec
def on_ticket_sold(ticket: Ticket, event: Event, ctx: DeliveryContext) -> Awaitable[None] | None:
    """A ticket was sold: the provider registers the holder; a CRM upserts a contact.

    Runs after the event's ``on_event_published`` delivery for the same plugin has finished.
    The provider reports the holder's personal join link with ``ctx.report_registration``.
    Must be idempotent per ticket id.
    """


@hookspec
def on_ticket_updated(
    ticket: Ticket, previous: Ticket, event: Event, ctx: DeliveryContext
) -> Awaitable[None] | None:
    """A sold ticket's holder data changed (e.g. a new email): the registration follows it."""


@hookspec
def on_refund(
    refund: Refund, ticket: Ticket, event: Event, ctx: DeliveryContext
) -> Awaitable[None] | None:
    """A ticket was refunded: the provider cancels the holder's registration.

    Runs after every earlier delivery for the same ticket and plugin has finished, so the
    holder ends up unregistered whatever order the facts arrived in.
    """


@hookspec
def on_webhook(delivery: WebhookDelivery, ctx: DeliveryContext) -> Awaitable[None] | None:
    """A verified webhook from a provider, to be turned into hub facts.

    Delivered only to the plugin that offers ``delivery.provider``. The provider's route has
    already checked the signature and stored the delivery; this hook does the processing
    (attendance, recordings, registrations changed on the provider's side) and reports the
    results through ``ctx.report_*``. Unknown event types are ignored, not errors.
    """


@hookspec
def on_meeting_details(
    details: MeetingDetails, event: Event, ctx: DeliveryContext
) -> Awaitable[None] | None:
    """A provider created or changed an event's meeting: show the join link and dial-in.

    Delivered to every plugin except the reporting provider; a ticketing plugin updates the
    event page. The host start URL is never included.
    """


@hookspec
def on_registration(
    registration: Registration, ticket: Ticket, ctx: DeliveryContext
) -> Awaitable[None] | None:
    """A ticket holder's registration changed: send or update their personal join link."""


@hookspec
def on_attendance(
    report: AttendanceReport, event: Event, ctx: DeliveryContext
) -> Awaitable[None] | None:
    """Final attendance of an event: a CRM appends it to each contact.

    Delivered once the provider has the authoritative report (``report.final`` is true).
    A later corrected report is delivered again and replaces the earlier one.
    """


@hookspec
def on_recording_ready(
    recording: Recording, event: Event, ctx: DeliveryContext
) -> Awaitable[None] | None:
    """A cloud recording of the event is ready: share its link with the attendees."""
