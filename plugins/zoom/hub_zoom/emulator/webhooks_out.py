"""Outgoing webhooks, signed and redelivered the way Zoom does it (notes §3).

* Body: compact JSON ``{"event", "event_ts", ["download_token",] "payload"}``.
* Headers: ``x-zm-request-timestamp`` (seconds), ``x-zm-signature`` =
  ``"v0=" + hex(HMAC-SHA256(secret, "v0:{timestamp}:{raw body}"))``, plus the other
  headers Zoom sends (user-agent, request id, legacy authorization token, clientid).
* Success is a 2xx within ``webhook_timeout`` (3 s on Zoom).  Only 5xx answers and
  network failures (including timeouts) are retried, 5, 20 and 60 minutes after the
  previous attempt; the schedule is divided by ``redelivery_compression`` and runs on
  the emulated clock, so advancing the clock also releases due retries.  3xx/4xx are
  final, as on Zoom.

Sending never blocks an API response: events go to a queue served by worker tasks
sharing one ``httpx.AsyncClient``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import msgspec

from .clock import Clock, isoformat
from .config import DEFAULT_WEBHOOK_EVENTS, OAuthApp

if TYPE_CHECKING:
    from .config import EmulatorConfig

#: Zoom's retry schedule: delay before each redelivery, after the previous attempt.
RETRY_SCHEDULE = (timedelta(minutes=5), timedelta(minutes=20), timedelta(minutes=60))


def sign(secret: str, timestamp: str | int, body: bytes | str) -> str:
    """Zoom's ``x-zm-signature`` value for one delivery."""
    raw = body.decode() if isinstance(body, bytes) else body
    message = f"v0:{timestamp}:{raw}".encode()
    return "v0=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def encrypt_plain_token(secret: str, plain_token: str) -> str:
    """The ``encryptedToken`` expected in an ``endpoint.url_validation`` answer."""
    return hmac.new(secret.encode(), plain_token.encode(), hashlib.sha256).hexdigest()


@dataclass
class Attempt:
    at: str  # emulated time
    status: int | None
    error: str | None
    duration_ms: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "status": self.status,
            "error": self.error,
            "duration_ms": round(self.duration_ms, 2),
        }


@dataclass
class Delivery:
    id: int
    event: str
    url: str
    client_id: str
    account_id: str
    secret: str
    verification_token: str
    body: bytes
    event_ts: int
    state: str = "pending"  # pending, retrying, delivered, failed
    attempts: list[Attempt] = field(default_factory=list)
    next_attempt_at: datetime | None = None

    def to_dict(self, with_body: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "event": self.event,
            "url": self.url,
            "client_id": self.client_id,
            "account_id": self.account_id,
            "event_ts": self.event_ts,
            "state": self.state,
            "attempts": [a.to_dict() for a in self.attempts],
            "next_attempt_at": isoformat(self.next_attempt_at) if self.next_attempt_at else None,
        }
        if with_body:
            data["body"] = msgspec.json.decode(self.body)
        return data


class WebhookDispatcher:
    def __init__(self, clock: Clock, config: EmulatorConfig) -> None:
        self._clock = clock
        self._config = config
        self.deliveries: list[Delivery] = []
        self._queue: asyncio.Queue[Delivery] | None = None
        self._workers: list[asyncio.Task[None]] = []
        self._retry_tasks: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._outstanding = 0
        self._idle: asyncio.Event | None = None

    # ------------------------------------------------------------------ lifecycle
    def _ensure_started(self) -> None:
        loop = asyncio.get_running_loop()
        if self._queue is not None and self._loop is loop:
            return
        self._loop = loop
        self._queue = asyncio.Queue()
        self._idle = asyncio.Event()
        self._idle.set()
        concurrency = max(1, self._config.webhook_concurrency)
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(self._config.webhook_timeout),
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            follow_redirects=False,
        )
        self._workers = [loop.create_task(self._worker()) for _ in range(concurrency)]

    async def close(self) -> None:
        for task in [*self._workers, *self._retry_tasks]:
            task.cancel()
        for task in [*self._workers, *self._retry_tasks]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._workers = []
        self._retry_tasks.clear()
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        self._queue = None

    # ------------------------------------------------------------------ emitting
    def emit(
        self,
        app: OAuthApp,
        event: str,
        payload: dict[str, Any],
        event_time: datetime,
        download_token: str | None = None,
    ) -> Delivery | None:
        """Queue one event for one app, if the app has a URL and subscribes to it."""
        if not app.webhook_url:
            return None
        subscribed = (
            app.webhook_events if app.webhook_events is not None else DEFAULT_WEBHOOK_EVENTS
        )
        if event not in subscribed and "*" not in subscribed:
            return None
        event_ts = int(event_time.timestamp() * 1000)
        envelope: dict[str, Any] = {"event": event, "event_ts": event_ts}
        if download_token is not None:
            envelope["download_token"] = download_token
        envelope["payload"] = payload
        delivery = Delivery(
            id=len(self.deliveries) + 1,
            event=event,
            url=app.webhook_url,
            client_id=app.client_id,
            account_id=app.account_id,
            secret=app.webhook_secret,
            verification_token=app.verification_token,
            body=msgspec.json.encode(envelope),
            event_ts=event_ts,
        )
        self.deliveries.append(delivery)
        self._ensure_started()
        assert self._queue is not None and self._idle is not None
        self._outstanding += 1
        self._idle.clear()
        self._queue.put_nowait(delivery)
        return delivery

    async def drain(self, wait_seconds: float = 30.0) -> bool:
        """Wait until nothing is queued, in flight or waiting for a retry."""
        if self._idle is None:
            return True
        try:
            await asyncio.wait_for(self._idle.wait(), wait_seconds)
        except TimeoutError:
            return False
        return True

    @property
    def outstanding(self) -> int:
        return self._outstanding

    # ------------------------------------------------------------------ sending
    def _timestamp(self) -> str:
        if self._config.webhook_timestamp_clock == "emulated":
            return str(int(self._clock.timestamp()))
        return str(int(time.time()))

    def headers_for(self, secret: str, body: bytes, client_id: str, token: str) -> dict[str, str]:
        timestamp = self._timestamp()
        request_id = secrets.token_hex(16)
        return {
            "user-agent": "Zoom Marketplace/1.0a",
            "content-type": "application/json; charset=utf-8",
            "authorization": token,
            "clientid": client_id,
            "x-zm-request-timestamp": timestamp,
            "x-zm-signature": sign(secret, timestamp, body),
            "x-zm-request-id": (
                f"{request_id[:8]}_{request_id[8:12]}_{request_id[12:16]}_"
                f"{request_id[16:20]}_{request_id[20:]}"
            ),
            "x-zm-trackingid": f"v=2.0;clid=us06;rid=WEBHOOK_{secrets.token_hex(8)}",
        }

    async def _worker(self) -> None:
        assert self._queue is not None
        queue = self._queue
        while True:
            delivery = await queue.get()
            try:
                await self._attempt(delivery)
            except Exception as exc:  # never let a worker die
                delivery.attempts.append(Attempt(isoformat(self._clock.now()), None, repr(exc), 0))
                delivery.state = "failed"
                self._done()
            finally:
                queue.task_done()

    async def _attempt(self, delivery: Delivery) -> None:
        assert self._client is not None
        headers = self.headers_for(
            delivery.secret, delivery.body, delivery.client_id, delivery.verification_token
        )
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            response = await self._client.post(delivery.url, content=delivery.body, headers=headers)
            status = response.status_code
        except httpx.TimeoutException as exc:
            error = f"timeout: {type(exc).__name__}"
        except httpx.HTTPError as exc:
            error = f"network: {type(exc).__name__}: {exc}"
        elapsed = (time.perf_counter() - started) * 1000
        delivery.attempts.append(Attempt(isoformat(self._clock.now()), status, error, elapsed))
        if status is not None and 200 <= status < 300:
            delivery.state = "delivered"
            self._done()
            return
        retryable = status is None or status >= 500
        retries_done = len(delivery.attempts) - 1
        if not retryable or retries_done >= len(RETRY_SCHEDULE):
            delivery.state = "failed"
            self._done()
            return
        delay = RETRY_SCHEDULE[retries_done].total_seconds() / max(
            self._config.redelivery_compression, 1e-9
        )
        delivery.state = "retrying"
        delivery.next_attempt_at = self._clock.now() + timedelta(seconds=delay)
        task = asyncio.get_running_loop().create_task(self._retry_later(delivery))
        self._retry_tasks.add(task)
        task.add_done_callback(self._retry_tasks.discard)

    async def _retry_later(self, delivery: Delivery) -> None:
        assert delivery.next_attempt_at is not None
        await self._clock.sleep_until(delivery.next_attempt_at)
        delivery.next_attempt_at = None
        assert self._queue is not None
        self._queue.put_nowait(delivery)

    def _done(self) -> None:
        self._outstanding -= 1
        if self._outstanding <= 0 and self._idle is not None:
            self._outstanding = 0
            self._idle.set()

    # ------------------------------------------------------------------ CRC
    async def validate_url(self, app: OAuthApp) -> dict[str, Any]:
        """Send ``endpoint.url_validation`` to the app's URL and check the answer."""
        self._ensure_started()
        assert self._client is not None
        if not app.webhook_url:
            return {"valid": False, "reason": "no webhook_url configured"}
        plain = secrets.token_urlsafe(16)[:22]
        body = msgspec.json.encode(
            {
                "payload": {"plainToken": plain},
                "event_ts": int(self._clock.timestamp() * 1000),
                "event": "endpoint.url_validation",
            }
        )
        headers = self.headers_for(app.webhook_secret, body, app.client_id, app.verification_token)
        expected = encrypt_plain_token(app.webhook_secret, plain)
        result: dict[str, Any] = {
            "url": app.webhook_url,
            "plain_token": plain,
            "expected_encrypted_token": expected,
        }
        try:
            response = await self._client.post(
                app.webhook_url, content=body, headers=headers, timeout=3.0
            )
        except httpx.HTTPError as exc:
            result.update(valid=False, status=None, reason=f"network: {type(exc).__name__}")
            return result
        result["status"] = response.status_code
        try:
            answer = response.json()
        except ValueError:
            answer = None
        result["response"] = answer
        ok_status = response.status_code in (200, 204)
        ok_body = (
            isinstance(answer, dict)
            and answer.get("plainToken") == plain
            and isinstance(answer.get("encryptedToken"), str)
            and hmac.compare_digest(answer["encryptedToken"], expected)
        )
        result["valid"] = bool(ok_status and ok_body)
        if not result["valid"]:
            result["reason"] = "bad status" if not ok_status else "token mismatch"
        return result
