"""What the endpoint mixins need from the client: ``request`` and ``collect``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hub_zoom.api.ratelimit import Category

MAX_BATCH_REGISTRANTS = 30
"""Zoom's limit for ``batch_registrants`` (meetings and webinars)."""

REGISTRANT_ACTIONS = frozenset({"approve", "cancel", "deny"})


class EndpointsBase:
    """Abstract transport for the mixins; :class:`ZoomClient` provides the real one."""

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        category: Category,
        idempotent: bool | None = None,
    ) -> Any:
        raise NotImplementedError

    async def collect(
        self,
        path: str,
        key: str,
        params: Mapping[str, Any] | None = None,
        *,
        category: Category = "medium",
    ) -> list[dict[str, Any]]:
        raise NotImplementedError


def query(**values: Any) -> dict[str, Any]:
    """Drop unset parameters and spell booleans the way Zoom expects (``true``/``false``)."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[name] = "true" if value else "false"
        elif isinstance(value, (list, tuple)):
            out[name] = ",".join(str(v) for v in value)
        else:
            out[name] = value
    return out


def check_batch(registrants: Sequence[Mapping[str, Any]]) -> None:
    """Refuse before calling Zoom: an oversized batch fails as a whole on Zoom's side."""
    if not registrants:
        raise ValueError("batch_registrants needs at least one registrant")
    if len(registrants) > MAX_BATCH_REGISTRANTS:
        raise ValueError(
            f"batch_registrants accepts at most {MAX_BATCH_REGISTRANTS} registrants per call, "
            f"got {len(registrants)}; split the list"
        )
    for registrant in registrants:
        if not registrant.get("email") or not registrant.get("first_name"):
            raise ValueError("every registrant needs 'email' and 'first_name'")


def check_action(action: str) -> str:
    if action not in REGISTRANT_ACTIONS:
        raise ValueError(
            f"registrant status action must be one of {sorted(REGISTRANT_ACTIONS)}, got {action!r}"
        )
    return action
