"""Injected CRM outages: the transient errors a real CRM API throws now and then."""

from __future__ import annotations

import random

from hub.context import DeliveryContext
from hub_crm_stub.settings import CrmStubSettings


class CrmUnavailable(ConnectionError):
    """What the CRM's API "answered". Not a hub error: the pipeline treats any other
    exception as transient and retries the delivery with backoff."""


def should_fail(settings: CrmStubSettings, delivery_id: int, attempt: int) -> bool:
    """A draw seeded by (seed, delivery, attempt): reproducible, and independent of the
    order in which concurrent deliveries happen to run."""
    if settings.fail_rate <= 0.0:
        return False
    return random.Random(f"{settings.seed}:{delivery_id}:{attempt}").random() < settings.fail_rate


def maybe_fail(ctx: DeliveryContext) -> None:
    """Raise :class:`CrmUnavailable` for the configured share of calls, before any write."""
    settings: CrmStubSettings = ctx.config()
    if should_fail(settings, ctx.delivery_id, ctx.attempt):
        raise CrmUnavailable(
            f"CRM API unavailable (injected, fail_rate={settings.fail_rate}, attempt {ctx.attempt})"
        )
