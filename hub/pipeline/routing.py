"""Which plugins receive which fact, through which hook, in what order.

Meeting facts (the event's lifecycle and its tickets) go to the event's video provider
only, plus every plugin that is not a video provider: a second installed provider must
never act on an event it does not serve. Facts reported by a plugin go to every other
plugin implementing the hook. Webhooks go to the provider whose route received them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hub.plugins.manager import PluginRegistry


class FactKind(StrEnum):
    EVENT_PUBLISHED = "event.published"
    EVENT_UPDATED = "event.updated"
    EVENT_CANCELLED = "event.cancelled"
    TICKET_SOLD = "ticket.sold"
    TICKET_UPDATED = "ticket.updated"
    TICKET_REFUNDED = "ticket.refunded"
    WEBHOOK = "webhook"
    MEETING_DETAILS = "meeting.details"
    REGISTRATION = "registration"
    ATTENDANCE = "attendance"
    RECORDING = "recording"


HOOK_OF = {
    FactKind.EVENT_PUBLISHED: "on_event_published",
    FactKind.EVENT_UPDATED: "on_event_updated",
    FactKind.EVENT_CANCELLED: "on_event_cancelled",
    FactKind.TICKET_SOLD: "on_ticket_sold",
    FactKind.TICKET_UPDATED: "on_ticket_updated",
    FactKind.TICKET_REFUNDED: "on_refund",
    FactKind.WEBHOOK: "on_webhook",
    FactKind.MEETING_DETAILS: "on_meeting_details",
    FactKind.REGISTRATION: "on_registration",
    FactKind.ATTENDANCE: "on_attendance",
    FactKind.RECORDING: "on_recording_ready",
}

# Facts after which nothing else of the same event may run for a plugin until they finish,
# and which wait for everything before them.
BARRIERS = frozenset({FactKind.EVENT_PUBLISHED, FactKind.EVENT_UPDATED, FactKind.EVENT_CANCELLED})
MEETING_FACTS = BARRIERS | {
    FactKind.TICKET_SOLD,
    FactKind.TICKET_UPDATED,
    FactKind.TICKET_REFUNDED,
}


@dataclass(frozen=True)
class Target:
    plugin: str
    hook: str
    barrier: bool


def targets(
    registry: PluginRegistry,
    kind: FactKind,
    *,
    provider_plugin: str | None = None,
    origin: str | None = None,
) -> list[Target]:
    hook = HOOK_OF[kind]
    implementers = registry.implementers(hook)
    barrier = kind in BARRIERS
    if kind is FactKind.WEBHOOK:
        chosen = [p for p in implementers if p == provider_plugin]
    elif kind in MEETING_FACTS:
        chosen = [
            p for p in implementers if p == provider_plugin or not registry.is_provider_plugin(p)
        ]
    else:
        chosen = [p for p in implementers if p != origin]
    return [Target(p, hook, barrier) for p in chosen]
