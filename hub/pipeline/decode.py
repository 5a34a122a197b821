"""Rebuilds a hook's typed arguments from a stored fact."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from hub.models import (
    AttendanceReport,
    Event,
    MeetingDetails,
    Recording,
    Refund,
    Registration,
    Ticket,
    WebhookDelivery,
)
from hub.pipeline.routing import FactKind


def _as(value: Any, kind: type) -> Any:
    return msgspec.convert(value, kind, strict=False)


async def hook_arguments(
    kind: FactKind, fact_id: int, payload: dict[str, Any], event_body: Any, ticket_body: Any
) -> dict[str, Any]:
    """The keyword arguments (besides ``ctx``) of the hook that serves ``kind``.

    ``event_body`` and ``ticket_body`` are the hub's current copies, used where the fact
    itself does not carry them (ticket facts carry the ticket, not the event).
    """
    if kind in (FactKind.EVENT_PUBLISHED, FactKind.EVENT_CANCELLED):
        return {"event": _as(payload["event"], Event)}
    if kind is FactKind.EVENT_UPDATED:
        return {"event": _as(payload["event"], Event), "previous": _as(payload["previous"], Event)}
    event = _as(event_body, Event) if event_body else None
    if kind is FactKind.TICKET_SOLD:
        return {"ticket": _as(payload["ticket"], Ticket), "event": event}
    if kind is FactKind.TICKET_UPDATED:
        return {
            "ticket": _as(payload["ticket"], Ticket),
            "previous": _as(payload["previous"], Ticket),
            "event": event,
        }
    if kind is FactKind.TICKET_REFUNDED:
        return {
            "refund": _as(payload["refund"], Refund),
            "ticket": _as(payload["ticket"], Ticket),
            "event": event,
        }
    if kind is FactKind.WEBHOOK:
        return {
            "delivery": WebhookDelivery(
                id=fact_id,
                provider=payload["provider"],
                event_type=payload["event_type"],
                received_at=datetime.fromisoformat(payload["received_at"]),
                payload=payload["payload"],
                account_id=payload.get("account_id"),
            )
        }
    if kind is FactKind.MEETING_DETAILS:
        return {"details": _as(payload["details"], MeetingDetails), "event": event}
    if kind is FactKind.REGISTRATION:
        ticket = _as(ticket_body, Ticket) if ticket_body else None
        return {"registration": _as(payload["registration"], Registration), "ticket": ticket}
    if kind is FactKind.ATTENDANCE:
        return {"report": _as(payload["report"], AttendanceReport), "event": event}
    if kind is FactKind.RECORDING:
        return {"recording": _as(payload["recording"], Recording), "event": event}
    raise ValueError(f"no hook for fact kind {kind!r}")
