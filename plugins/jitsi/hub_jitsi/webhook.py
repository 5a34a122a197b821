"""POST /webhooks/jitsi: presence events from the Jitsi server (e.g. Prosody's event-sync
module, or a small relay), signed with the app secret.

Header ``X-Jitsi-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``.
The body is ``{"id", "event": "participant_joined" | "participant_left" | "room_destroyed",
"room", "email", "name", "at"}``. Verified deliveries are stored by the hub before the
answer, and processed by ``on_webhook``.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import msgspec
from litestar import Request, post

from hub.api.problems import ApiProblem
from hub.context import HubContext
from hub_jitsi.settings import JitsiSettings

PROVIDER = "jitsi"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(settings: JitsiSettings, header: str | None, body: bytes, now: float) -> bool:
    if not header:
        return False
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > settings.webhook_tolerance_seconds:
        return False
    expected = sign(settings.app_secret, timestamp, body)
    return hmac.compare_digest(expected.encode(), header.encode())


def routes(hub: HubContext) -> list[Any]:
    @post(f"/webhooks/{PROVIDER}", status_code=200, tags=["jitsi"])
    async def receive(request: Request[Any, Any, Any]) -> dict[str, bool]:
        """Presence events from the Jitsi server; 401 unless signed with the app secret."""
        settings: JitsiSettings = hub.plugin_config(PROVIDER)
        body = await request.body()
        if not verify(settings, request.headers.get("x-jitsi-signature"), body, time.time()):
            raise ApiProblem(401, "invalid or missing X-Jitsi-Signature")
        try:
            payload = msgspec.json.decode(body)
            event_type, delivery_id = str(payload["event"]), str(payload["id"])
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError, KeyError, TypeError):
            raise ApiProblem(400, "body must be JSON with 'id' and 'event'", field="body") from None
        stored = await hub.ingest_webhook(
            provider=PROVIDER,
            dedupe_key=delivery_id,
            event_type=event_type,
            payload=payload,
            order_key=str(payload.get("room", "")),
            barrier=event_type == "room_destroyed",
        )
        return {"stored": stored}

    return [receive]
