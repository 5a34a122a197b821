"""Checking that a webhook really comes from Zoom, and answering its URL validation.

Zoom signs every delivery (``endpoint.url_validation`` included) with
``x-zm-signature = "v0=" + hex(HMAC-SHA256(secret token, "v0:{timestamp}:{raw body}"))``
and ``x-zm-request-timestamp`` in seconds. The HMAC is computed over the raw request bytes,
never over re-serialised JSON: Zoom's own samples hash ``JSON.stringify(body)``, which only
matches as long as Zoom keeps sending compact JSON, and any key order or whitespace change
would then reject genuine deliveries. Comparisons use :func:`hmac.compare_digest`.

Timestamp window. Zoom documents no tolerance, but it redelivers a failed webhook 5, 25
and 85 minutes after the first attempt with the original timestamp, so a window shorter
than 85 minutes would turn every third redelivery into a 401 (which Zoom never retries)
and lose the event. The default (``webhook_tolerance_seconds`` = 90 minutes) accepts the
last redelivery and refuses anything older. Replays inside the window are harmless because
each delivery is stored under a dedupe key (see :mod:`hub_zoom.webhooks.dedupe`).
Timestamps from the future are refused beyond a small clock-skew allowance
(:data:`FUTURE_SKEW_SECONDS`, capped by the configured window): a genuine Zoom request is
never signed ahead of its sending, so a future timestamp only buys an attacker a longer
replay window.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass

FUTURE_SKEW_SECONDS = 300
SIGNATURE_HEADER = "x-zm-signature"
TIMESTAMP_HEADER = "x-zm-request-timestamp"


def signature(secret: str, timestamp: str | int, body: bytes) -> str:
    """The ``x-zm-signature`` value Zoom sends for ``body`` at ``timestamp``."""
    message = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def encrypted_token(secret: str, plain_token: str) -> str:
    """The ``encryptedToken`` of an ``endpoint.url_validation`` answer."""
    return hmac.new(secret.encode(), plain_token.encode(), hashlib.sha256).hexdigest()


def matching_secret(
    secrets: Iterable[str], timestamp: str, body: bytes, presented: str
) -> str | None:
    """The configured secret that produced ``presented``, or None.

    With several Zoom accounts each app has its own secret token; the delivery does not say
    which app sent it before its body is trusted, so each secret is tried. Every secret is
    compared (no early exit) so the time taken does not reveal which one matched.
    """
    found: str | None = None
    presented_bytes = presented.encode()
    for secret in secrets:
        expected = signature(secret, timestamp, body).encode()
        if hmac.compare_digest(expected, presented_bytes) and found is None:
            found = secret
    return found


@dataclass(frozen=True)
class TimestampCheck:
    ok: bool
    reason: str = ""


def check_timestamp(timestamp: str, now: float, tolerance_seconds: float) -> TimestampCheck:
    """Is ``timestamp`` (seconds, as sent by Zoom) inside the accepted window around ``now``?"""
    if not timestamp.isdigit() or len(timestamp) > 12:
        return TimestampCheck(False, "x-zm-request-timestamp is not a number of seconds")
    age = now - int(timestamp)
    if age > tolerance_seconds:
        return TimestampCheck(False, f"timestamp is {int(age)} s old (limit {tolerance_seconds})")
    future_limit = min(FUTURE_SKEW_SECONDS, tolerance_seconds)
    if -age > future_limit:
        return TimestampCheck(False, f"timestamp is {int(-age)} s in the future")
    return TimestampCheck(True)
