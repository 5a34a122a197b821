"""Room names and personal links.

Jitsi Meet with token authentication admits whoever presents a JWT signed with the app
secret for that room, so a personal link is simply the room URL with such a token carrying
the holder's name and email. Room names carry an HMAC of the event id: guessing one does
not reveal another event's room.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timedelta

import jwt

from hub.models import Event, Ticket
from hub_jitsi.settings import JitsiSettings


def room_name(settings: JitsiSettings, event_id: str, session_key: str = "") -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", f"{event_id}-{session_key}".lower()).strip("-")[:60]
    tag = hmac.new(
        settings.app_secret.encode(), f"{event_id}/{session_key}".encode(), hashlib.sha256
    )
    return f"{settings.room_prefix}{slug}-{tag.hexdigest()[:10]}"


def room_url(settings: JitsiSettings, room: str) -> str:
    return f"{settings.base_url.rstrip('/')}/{room}"


def personal_link(settings: JitsiSettings, room: str, event: Event, ticket: Ticket) -> str:
    ends = event.starts_at + timedelta(minutes=event.duration_minutes)
    claims = {
        "aud": "jitsi",
        "iss": settings.app_id,
        "sub": settings.domain,
        "room": room,
        "nbf": int((event.starts_at - timedelta(hours=1)).timestamp()),
        "exp": int((ends + timedelta(hours=settings.link_valid_hours_after_end)).timestamp()),
        "context": {
            "user": {
                "id": ticket.id,
                "name": f"{ticket.first_name} {ticket.last_name}".strip(),
                "email": ticket.email,
            }
        },
        "moderator": False,
    }
    token = jwt.encode(claims, settings.app_secret, algorithm="HS256")
    return f"{room_url(settings, room)}?jwt={token}"


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
