"""``POST /webhooks/zoom``: Zoom's deliveries in, verified, stored durably, acknowledged.

Order of checks, each refusing before anything is stored:

1. size: a body over ``webhook_max_body_bytes`` is refused with 413 before it is read whole;
2. signature: ``x-zm-signature`` over the raw bytes with one of the configured secret
   tokens (several accounts: each is tried), else 401;
3. timestamp: inside the window of :mod:`hub_zoom.webhooks.verify`, else 401 (Zoom does
   not retry 4xx, which is right: a stale or forged request will not become valid);
4. JSON: an object with an ``event``, else 400.

``endpoint.url_validation`` is then answered at once (``plainToken`` and its HMAC with the
secret that signed the request) and not stored. Any other event is routed by
``payload.account_id``: an account the hub has no connection for is acknowledged with 200
and **not stored**, because nothing could ever process it (no credentials to fetch a
report, no meetings of ours) and a non-2xx would only make Zoom redeliver it three times.
A known account's event is stored with :meth:`HubContext.ingest_webhook` under a dedupe
key (:mod:`hub_zoom.webhooks.dedupe`) and only then acknowledged; Zoom's 3-second limit is
met because processing happens later, in the delivery pipeline. Event types the plugin
does not handle are stored too and ignored by processing: the fact log keeps what Zoom
sent, and handling a new type later needs no change here.

The ``download_token`` of recording events is sealed with the hub's secret box before
the delivery is stored, so it never lands in the fact log in clear.
"""

from __future__ import annotations

import hmac
import time
from typing import Any

import msgspec
from litestar import Request, Response, post

from hub.api.problems import problem
from hub.context import HubContext
from hub.observability.logging import get_logger
from hub_zoom.recordings.report import SEALED_TOKEN_FIELD
from hub_zoom.service import PLUGIN, PROVIDER, ZoomService
from hub_zoom.settings import ZoomSettings
from hub_zoom.webhooks import receipts
from hub_zoom.webhooks.dedupe import dedupe_key
from hub_zoom.webhooks.verify import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    check_timestamp,
    encrypted_token,
    matching_secret,
)

URL_VALIDATION = "endpoint.url_validation"
MAX_PLAIN_TOKEN = 256
log = get_logger("hub_zoom.webhooks")


def _refuse(status: int, detail: str, **context: Any) -> Response[Any]:
    log.warning("zoom webhook refused", status=status, reason=detail, **context)
    return problem(status, detail)


def _json(body: dict[str, Any], status: int = 200) -> Response[Any]:
    return Response(content=body, status_code=status, media_type="application/json")


async def handle_delivery(
    hub: HubContext, svc: ZoomService, headers: Any, body: bytes
) -> Response[Any]:
    """Everything after the body was read; separated from Litestar for clarity and tests."""
    response = await _verify_and_store(hub, svc, headers, body)
    if response.status_code >= 400:
        content = response.content if isinstance(response.content, dict) else {}
        await receipts.record(
            hub, receipts.REFUSED, str(response.status_code), detail=content.get("detail")
        )
    return response


async def _verify_and_store(
    hub: HubContext, svc: ZoomService, headers: Any, body: bytes
) -> Response[Any]:
    settings = svc.settings
    if len(body) > settings.webhook_max_body_bytes:
        return _refuse(413, f"body exceeds {settings.webhook_max_body_bytes} bytes")
    timestamp = headers.get(TIMESTAMP_HEADER) or ""
    presented = headers.get(SIGNATURE_HEADER) or ""
    if not timestamp or not presented:
        return _refuse(401, f"missing {SIGNATURE_HEADER} or {TIMESTAMP_HEADER}")
    secrets = svc.webhook_secrets()
    if not secrets:
        return _refuse(401, "no webhook_secret_token is configured for [plugins.zoom]")
    secret = matching_secret(secrets, timestamp, body, presented)
    if secret is None:
        return _refuse(401, "invalid signature")
    window = check_timestamp(timestamp, time.time(), settings.webhook_tolerance_seconds)
    if not window.ok:
        return _refuse(401, window.reason)
    try:
        envelope = msgspec.json.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return _refuse(400, "body is not valid JSON")
    if not isinstance(envelope, dict) or not isinstance(envelope.get("event"), str):
        return _refuse(400, "body is not a Zoom event (no 'event')")
    event = envelope["event"]
    payload = envelope.get("payload")
    payload = payload if isinstance(payload, dict) else {}
    if event == URL_VALIDATION:
        plain = payload.get("plainToken")
        if not isinstance(plain, str) or not plain or len(plain) > MAX_PLAIN_TOKEN:
            return _refuse(400, "payload.plainToken is missing")
        await receipts.record(hub, receipts.URL_VALIDATION, "answered", event_type=event)
        return _json({"plainToken": plain, "encryptedToken": encrypted_token(secret, plain)})
    account_id = payload.get("account_id")
    account_id = str(account_id) if account_id not in (None, "") else None
    connection = svc.for_account(account_id)
    if connection is None:
        log.warning("zoom webhook for an unknown account ignored", account_id=account_id)
        await receipts.record(
            hub,
            receipts.DELIVERY,
            "ignored: unknown account",
            event_type=event,
            account_id=account_id,
        )
        return _json({"status": "ignored", "reason": "unknown account"})
    if connection.webhook_secret and not hmac.compare_digest(
        connection.webhook_secret.encode(), secret.encode()
    ):
        return _refuse(401, "signature does not belong to the event's account")
    key = dedupe_key(envelope)
    token = envelope.pop("download_token", None)
    if isinstance(token, str) and token:
        envelope[SEALED_TOKEN_FIELD] = hub.secret_box.seal(token)
    stored = await hub.ingest_webhook(
        provider=PROVIDER,
        dedupe_key=key,
        event_type=event,
        payload=envelope,
        account_id=account_id or connection.account_id,
        **_recording_order(event, payload),
    )
    outcome = "stored" if stored else "duplicate"
    await receipts.record(hub, receipts.DELIVERY, outcome, event_type=event, account_id=account_id)
    return _json({"status": outcome})


def _recording_order(event: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Recording events of one meeting run one after another, in arrival order.

    Each rebuilds the meeting's recording from what the previous one reported (the
    recording type and times only arrive with ``recording.completed``); run side by side,
    ``recording.transcript_completed`` could rebuild from a report not yet written and
    drop them.
    """
    obj = payload.get("object")
    if not event.startswith("recording.") or not isinstance(obj, dict) or not obj.get("id"):
        return {}
    return {"order_key": f"recording:{obj['id']}", "barrier": True}


def receiver(hub: HubContext) -> Any:
    settings: ZoomSettings | None = hub.plugin_config(PLUGIN)
    limit = settings.webhook_max_body_bytes if settings else 1024 * 1024

    @post(
        "/webhooks/zoom",
        status_code=200,
        request_max_body_size=limit,
        include_in_schema=True,
        tags=["zoom"],
        summary="Zoom webhook receiver (signed with x-zm-signature)",
    )
    async def receive_zoom_webhook(request: Request[Any, Any, Any]) -> Response[Any]:
        svc: ZoomService | None = hub.state.get(PLUGIN)
        if svc is None:
            return problem(503, "the zoom plugin has not started")
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > svc.settings.webhook_max_body_bytes:
            return _refuse(413, f"body exceeds {svc.settings.webhook_max_body_bytes} bytes")
        body = await request.body()
        return await handle_delivery(hub, svc, request.headers, body)

    return receive_zoom_webhook


def routes(hub: HubContext) -> list[Any]:
    """Every HTTP route of the webhook, attendance, recording and SDK parts of the plugin."""
    from hub_zoom.attendance.live import live_attendance
    from hub_zoom.attendance.routes import routes as attendance_routes
    from hub_zoom.recordings.routes import routes as recording_routes
    from hub_zoom.sdk import routes as sdk_routes

    async def live(event_id: str) -> dict[str, Any]:
        return await live_attendance(hub, event_id)

    hub.state["live_attendance"] = live
    return [
        receiver(hub),
        *attendance_routes(hub),
        *recording_routes(hub),
        *sdk_routes(hub),
    ]
