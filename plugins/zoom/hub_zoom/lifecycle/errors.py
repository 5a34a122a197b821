"""The one place Zoom client errors become the pipeline's RetryLater / PermanentFailure.

Every hook (and the webhook processing) wraps its Zoom calls in :func:`zoom_errors`, so the
policy is the same everywhere:

* waiting helps: Zoom unreachable, per-second and daily rate limits (retry just after the
  quota resets, never hot), a connection that must be re-authorized or lacks scopes (a
  human fixes it; deliveries wait instead of dying) -> :class:`RetryLater`, which does not
  use up a delivery attempt;
* waiting cannot help: validation errors, capacity, "host cannot register", an object
  that does not exist -> :class:`PermanentFailure` with Zoom's code.

A connection found to need re-authorization is marked so in ``zoom_connections`` (shown by
``GET /zoom/connection-status``) and remembered in-process, so the next deliveries wait
without sending a dead refresh token to Zoom again and again.
"""

from __future__ import annotations

import functools
import random
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import select

from hub.context import DeliveryContext, HubContext
from hub.errors import PermanentFailure, RetryLater
from hub_zoom.api.errors import (
    ReauthorizationRequired,
    ZoomApiError,
    ZoomAuthError,
    ZoomDailyLimit,
    ZoomMissingScopes,
    ZoomPaginationError,
    ZoomRateLimited,
    ZoomUnavailable,
)
from hub_zoom.service import ZoomService, service
from hub_zoom.storage import tables

NEEDS_REAUTHORIZATION = "needs_reauthorization"
# Spread the deliveries that all hit a daily quota over the first minute after it resets.
DAILY_RESET_SPREAD_SECONDS = 60.0

_flagged: weakref.WeakKeyDictionary[ZoomService, set[str]] = weakref.WeakKeyDictionary()

P = ParamSpec("P")
T = TypeVar("T")


def _flags(svc: ZoomService) -> set[str]:
    return _flagged.setdefault(svc, set())


async def mark_needs_reauthorization(hub: HubContext, connection_id: str, message: str) -> None:
    """Record that the user must authorize the app again (the refresh token is dead)."""
    svc = service(hub)
    _flags(svc).add(connection_id)
    await svc.store.mark(connection_id, NEEDS_REAUTHORIZATION, message)


def clear_reauthorization_flag(hub: HubContext, connection_id: str) -> None:
    """Called after a successful authorization so deliveries go to Zoom again."""
    _flags(service(hub)).discard(connection_id)


async def ensure_connection_usable(hub: HubContext, connection_id: str) -> None:
    """Raise RetryLater without calling Zoom while a known-dead connection awaits the user.

    Only connections flagged in this process are checked against the database, so the
    normal path costs nothing; another process's re-authorization clears the flag here.
    """
    svc = service(hub)
    if connection_id not in _flags(svc):
        return
    c = tables.connections
    async with hub.db.connect() as conn:
        status = (await conn.execute(select(c.c.status).where(c.c.id == connection_id))).scalar()
    if status == NEEDS_REAUTHORIZATION:
        raise RetryLater(
            "the Zoom connection must be re-authorized (GET /zoom/oauth/authorize)",
            after_seconds=svc.settings.connection_retry_seconds,
        )
    _flags(svc).discard(connection_id)


def _settings_of(hub: HubContext | None) -> tuple[float, float]:
    if hub is None:
        return 30.0, 300.0
    try:
        settings = service(hub).settings
    except RuntimeError:
        return 30.0, 300.0
    return settings.unavailable_retry_seconds, settings.connection_retry_seconds


def _jitter(seconds: float) -> float:
    return seconds * random.uniform(0.75, 1.25)


@asynccontextmanager
async def zoom_errors(
    hub: HubContext | None = None, *, connection_id: str | None = None
) -> AsyncIterator[None]:
    """Translate :mod:`hub_zoom.api.errors` raised inside the block for the pipeline.

    Pass ``hub`` so a dead authorization is recorded on the connection; errors that are
    not Zoom errors pass through unchanged (the pipeline retries them with backoff).
    """
    unavailable_wait, connection_wait = _settings_of(hub)
    try:
        yield
    except ReauthorizationRequired as exc:
        if hub is not None:
            await mark_needs_reauthorization(hub, exc.connection_id, exc.message)
        raise RetryLater(
            "the Zoom connection must be re-authorized (GET /zoom/oauth/authorize)",
            after_seconds=connection_wait,
        ) from exc
    except ZoomDailyLimit as exc:
        wait = (exc.retry_after_seconds or 0.0) + random.uniform(1.0, DAILY_RESET_SPREAD_SECONDS)
        raise RetryLater(
            f"Zoom daily limit ({exc.scope}) reached; retrying after {exc.retry_at.isoformat()}",
            after_seconds=wait,
        ) from exc
    except ZoomRateLimited as exc:
        raise RetryLater(
            "Zoom rate limit", after_seconds=_jitter(exc.retry_after_seconds or 1.0)
        ) from exc
    except (ZoomUnavailable, ZoomPaginationError) as exc:
        raise RetryLater(
            f"Zoom unavailable: {exc}", after_seconds=_jitter(unavailable_wait)
        ) from exc
    except (ZoomMissingScopes, ZoomAuthError) as exc:
        # The app's credentials or scopes need a human; deliveries wait for the fix.
        if hub is not None:
            svc = service(hub)
            await svc.store.mark(connection_id or svc.primary_id, "error", str(exc))
        raise RetryLater(
            f"Zoom refused the connection: {exc}", after_seconds=connection_wait
        ) from exc
    except ZoomApiError as exc:
        raise PermanentFailure(exc.message, code=exc.code) from exc


def mapped_errors(
    fn: Callable[P, Awaitable[T]],
) -> Callable[P, Awaitable[T]]:
    """Decorator for hook implementations taking a ``ctx: DeliveryContext`` argument."""

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        ctx = kwargs.get("ctx") or next((a for a in args if isinstance(a, DeliveryContext)), None)
        hub: Any = ctx.hub if isinstance(ctx, DeliveryContext) else None
        async with zoom_errors(hub):
            return await fn(*args, **kwargs)

    return wrapper
