"""``[plugins.jitsi]``: where the self-hosted Jitsi Meet runs and how links are signed."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

from hub.models import DialInNumber


class JitsiSettings(Struct, kw_only=True, forbid_unknown_fields=True):
    base_url: str
    """Public URL of the Jitsi Meet server, e.g. https://meet.example.org."""
    app_id: str
    """The ``iss`` of the JWTs, as configured in Prosody's token authentication."""
    app_secret: Annotated[str, Meta(min_length=16)]
    """Shared HS256 secret for links and for the attendance webhook; an env reference."""
    domain: str = "meet.jitsi"
    room_prefix: str = "hub-"
    link_valid_hours_after_end: Annotated[int, Meta(ge=1, le=24 * 365)] = 24
    dial_in: list[DialInNumber] = []
    attended_min_minutes: Annotated[float, Meta(ge=0)] = 1.0
    webhook_tolerance_seconds: Annotated[int, Meta(ge=60)] = 600
