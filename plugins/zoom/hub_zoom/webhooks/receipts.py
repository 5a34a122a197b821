"""The latest webhook receipts (validation, accepted delivery, refusal) for the admin card.

An operator pasting the webhook URL into Zoom needs to see that Zoom reached the hub and
was answered: the last ``endpoint.url_validation``, the last delivery accepted and the last
one refused (with why). One row per kind, overwritten.

Writes are off the hot path's critical cost: each kind is written at most once per
``MIN_INTERVAL_SECONDS`` per process (a burst of deliveries costs one write), and a failed
write is logged, never allowed to fail the delivery Zoom is waiting for.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update

from hub.context import HubContext
from hub.observability.logging import get_logger
from hub.pipeline.facts import utcnow
from hub_zoom.storage import tables

URL_VALIDATION, DELIVERY, REFUSED = "url_validation", "delivery", "refused"
KINDS = (URL_VALIDATION, DELIVERY, REFUSED)
MIN_INTERVAL_SECONDS = 1.0
STATE_KEY = "zoom.webhook_receipts.written"
t = tables.webhook_receipts
log = get_logger("hub_zoom.webhooks")


@dataclass(frozen=True)
class Receipt:
    kind: str
    event_type: str | None
    account_id: str | None
    outcome: str
    detail: str | None
    received_at: datetime


async def record(
    hub: HubContext,
    kind: str,
    outcome: str,
    *,
    event_type: str | None = None,
    account_id: str | None = None,
    detail: str | None = None,
) -> None:
    """Remember this receipt as the latest of its kind (throttled per process)."""
    written: dict[str, float] = hub.state.setdefault(STATE_KEY, {})
    now = time.monotonic()
    if now - written.get(kind, -MIN_INTERVAL_SECONDS) < MIN_INTERVAL_SECONDS:
        return
    written[kind] = now
    values = {
        "event_type": event_type,
        "account_id": account_id,
        "outcome": outcome,
        "detail": (detail or None) and detail[:500],
        "received_at": utcnow(),
    }
    try:
        async with hub.db.transaction() as conn:
            changed = await conn.execute(update(t).where(t.c.kind == kind).values(**values))
            if not changed.rowcount:
                await conn.execute(insert(t).values(kind=kind, **values))
    except Exception as exc:  # the receipt is a convenience; the delivery is what matters
        log.warning("zoom webhook receipt not recorded", kind=kind, error=str(exc))


async def latest(hub: HubContext) -> dict[str, Receipt]:
    async with hub.db.connect() as conn:
        rows = (await conn.execute(select(t))).all()
    return {
        row.kind: Receipt(
            row.kind, row.event_type, row.account_id, row.outcome, row.detail, row.received_at
        )
        for row in rows
    }
