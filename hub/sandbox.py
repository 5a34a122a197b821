"""Sandboxes: a provider's local stand-in, so the hub can be tried with no accounts.

A provider plugin may implement ``hub_sandbox``: it starts whatever stands in for the real
service (the Zoom plugin starts its Zoom emulator; a self-hosted provider needs nothing)
and returns the settings that point the plugin at it, plus a :class:`MeetingSimulator`
that makes people join and leave as they would in a real meeting. ``hub demo`` and the
conformance kit use it; nothing in production does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from hub.models import MeetingDetails


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str


class MeetingSimulator(Protocol):
    """Plays a meeting on the provider's side; the provider then tells the hub (webhooks)."""

    async def attach(self, hub_url: str) -> None:
        """Send the provider's webhooks to this hub from now on."""

    async def start(self, meeting: MeetingDetails, at: datetime) -> None: ...

    async def join(
        self, meeting: MeetingDetails, who: Attendee, at: datetime, device: str = "default"
    ) -> None: ...

    async def leave(
        self, meeting: MeetingDetails, who: Attendee, at: datetime, device: str = "default"
    ) -> None: ...

    async def end(self, meeting: MeetingDetails, at: datetime) -> None: ...

    async def record(self, meeting: MeetingDetails) -> bool:
        """Produce a cloud recording; False if the provider has none."""

    async def settle(self) -> None:
        """Wait until everything the provider owes the hub has been sent."""


@dataclass
class Sandbox:
    """What ``hub_sandbox`` yields: settings for ``[plugins.<name>]`` and a simulator.

    ``env`` holds secrets the settings reference as ``{ env = "NAME" }``; the caller puts
    them in its environment, so even a sandbox's secrets never sit in a config file.
    """

    settings: dict[str, Any]
    simulator: MeetingSimulator
    env: dict[str, str] = field(default_factory=dict)
