"""The latest webhook receipts (validation, accepted delivery, refusal) for the admin card.

An operator pasting the webhook URL into Zoom needs to see that Zoom reached the hub and
was answered: the last ``endpoint.url_validation``, the last delivery accepted and the last
one refused (with why). One row per kind, overwritten.

Writes stay cheap on the hot path: each kind is written at most once per
``MIN_INTERVAL_SECONDS`` per process (a burst of deliveries costs two writes: the first and
a trailing one with the latest), and a failed write is logged, never allowed to fail the
delivery Zoom is waiting for.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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
    """Remember this receipt as the latest of its kind.

    At most one write per kind and ``MIN_INTERVAL_SECONDS``: a receipt arriving sooner is
    kept and written by one trailing write when the interval is over, so the stored one is
    the latest, at most that much late.
    """
    values = {
        "event_type": event_type,
        "account_id": account_id,
        "outcome": outcome,
        "detail": (detail or None) and detail[:500],
        "received_at": utcnow(),
    }
    throttle: _Throttle = hub.state.setdefault(STATE_KEY, _Throttle())
    wait = throttle.wait(kind)
    if wait <= 0:
        await _write(hub, kind, values)
        return
    first_waiting = kind not in throttle.waiting
    throttle.waiting[kind] = values
    if first_waiting:
        task = asyncio.get_running_loop().create_task(_trailing(hub, throttle, kind, wait))
        throttle.tasks.add(task)
        task.add_done_callback(throttle.tasks.discard)


class _Throttle:
    def __init__(self) -> None:
        self.written: dict[str, float] = {}
        self.waiting: dict[str, dict[str, Any]] = {}
        self.tasks: set[asyncio.Task[None]] = set()

    def wait(self, kind: str) -> float:
        """Seconds until ``kind`` may be written again; marks it written when 0."""
        now = time.monotonic()
        left = self.written.get(kind, -MIN_INTERVAL_SECONDS) + MIN_INTERVAL_SECONDS - now
        if left <= 0 and kind not in self.waiting:
            self.written[kind] = now
            return 0.0
        return max(left, 0.001)


async def _trailing(hub: HubContext, throttle: _Throttle, kind: str, wait: float) -> None:
    await asyncio.sleep(wait)
    values = throttle.waiting.pop(kind, None)
    throttle.written[kind] = time.monotonic()
    if values is not None:
        await _write(hub, kind, values)


async def _write(hub: HubContext, kind: str, values: dict[str, Any]) -> None:
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


async def flush(hub: HubContext) -> None:
    """Write the receipts still waiting for their interval (at shutdown)."""
    throttle: _Throttle | None = hub.state.get(STATE_KEY)
    if throttle is None:
        return
    for task in list(throttle.tasks):
        task.cancel()
    waiting, throttle.waiting = throttle.waiting, {}
    for kind, values in waiting.items():
        await _write(hub, kind, values)
