"""The front door every Zoom call passes through, in the order Zoom's edge applies it.

1. statistics (calls per route template);
2. outage: every API/OAuth/download call fails with 503 or a connection reset;
3. injected faults (latency, reset, timeout, 5xx, 429) for matching routes;
4. bearer-token authentication of ``/v2`` calls (401, code 124);
5. account rate limits by the route's label, with Zoom's X-RateLimit-* headers;
6. the handler; Zoom errors raised by it are rendered here so they carry the same
   rate-limit headers as successful answers.

Route handlers declare their nature with ``opt``: ``zoom="api"`` plus ``category``,
``zoom="oauth"`` or ``zoom="download"``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

from .errors import OAuthError, ZoomError, invalid_token
from .httputil import TOKEN_STATE_KEY
from .ratelimits import HEADER_NAMES, PER_SECOND_MESSAGE
from .transport import abort_connection

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Receive, Scope, Send

    from .state import ZoomEmulator

_SERVER_ERROR_MESSAGES = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


async def send_body(
    send: Send, status: int, body: bytes, headers: dict[str, str] | None = None
) -> None:
    raw_headers = [
        (b"content-type", b"application/json;charset=UTF-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    for key, value in (headers or {}).items():
        raw_headers.append((key.lower().encode(), value.encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _bearer(scope: Scope) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"authorization":
            text = value.decode("latin-1").strip()
            scheme, _, token = text.partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
            return None
    return None


def make_gateway(emulator: ZoomEmulator) -> Callable[[ASGIApp], ASGIApp]:
    def factory(app: ASGIApp) -> ASGIApp:
        async def gateway(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            opt = scope["route_handler"].opt  # type: ignore[typeddict-item]
            kind = opt.get("zoom", "api")
            route = f"{scope['method']} {scope['path_template']}"  # type: ignore[typeddict-item]
            emulator.stats.calls[route] += 1
            extra_headers: dict[str, str] = {}
            status_seen: list[int] = []

            async def send_with_headers(message: Any) -> None:
                if message["type"] == "http.response.start":
                    status_seen.append(message["status"])
                    present = {k.lower() for k, _ in message.get("headers", [])}
                    # Errors that carry their own rate-limit headers (user-level 429s)
                    # keep exactly those.
                    if extra_headers and not any(k.startswith(b"x-ratelimit-") for k in present):
                        headers = list(message.get("headers", []))
                        for key, value in extra_headers.items():
                            headers.append((key.lower().encode(), value.encode()))
                        message = {**message, "headers": headers}
                await send(message)

            try:
                await _pipeline(
                    emulator,
                    app,
                    scope,
                    receive,
                    send_with_headers,
                    kind,
                    opt,
                    route,
                    extra_headers,
                )
            finally:
                if status_seen:
                    emulator.stats.record(route, status_seen[0])
                else:
                    emulator.stats.record(route, 0)

        return gateway

    return factory


async def _pipeline(
    emulator: ZoomEmulator,
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    kind: str,
    opt: dict[str, Any],
    route: str,
    extra_headers: dict[str, str],
) -> None:
    stats = emulator.stats
    # -- outage -------------------------------------------------------------------
    outage = emulator.faults.outage()
    if outage is not None:
        stats.injected["outage"] += 1
        if outage == "reset" and abort_connection(scope):  # type: ignore[arg-type]
            return
        await send_body(
            send, 503, msgspec.json.encode({"code": 503, "message": "Service Unavailable"})
        )
        return
    # -- injected faults ---------------------------------------------------------
    decision = emulator.faults.decide(route)
    if decision.latency > 0:
        stats.injected["latency"] += 1
        await asyncio.sleep(decision.latency)
    if decision.action == "reset":
        stats.injected["reset"] += 1
        if abort_connection(scope):  # type: ignore[arg-type]
            return
        await send_body(send, 502, msgspec.json.encode({"code": 502, "message": "Bad Gateway"}))
        return
    if decision.action == "timeout":
        stats.injected["timeout"] += 1
        # Hang until the client gives up (disconnects) or the timeout passes.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(_until_disconnect(receive), decision.timeout)
        if abort_connection(scope):  # type: ignore[arg-type]
            return
        await send_body(send, 504, msgspec.json.encode({"code": 504, "message": "Gateway Timeout"}))
        return
    if decision.action == "error":
        stats.injected["5xx"] += 1
        message = _SERVER_ERROR_MESSAGES.get(decision.status, "Internal Server Error")
        await send_body(
            send,
            decision.status,
            msgspec.json.encode({"code": decision.status, "message": message}),
        )
        return
    category = opt.get("category")
    if decision.action == "rate_limit":
        stats.injected["429"] += 1
        await send_body(
            send,
            429,
            msgspec.json.encode({"code": 429, "message": PER_SECOND_MESSAGE}),
            {
                "X-RateLimit-Category": HEADER_NAMES.get(category or "light", "Light"),
                "X-RateLimit-Type": "QPS",
            },
        )
        return
    # -- authentication and rate limits ------------------------------------------
    if kind == "api":
        token = _bearer(scope)
        checked = emulator.tokens.check_access(token)
        if isinstance(checked, str):
            stats.unauthorized += 1
            message = {
                "missing": "Requires an access token.",
                "expired": "Access token is expired.",
            }.get(checked, "Invalid access token.")
            error = invalid_token(message)
            await send_body(send, error.status, error.body())
            return
        scope.setdefault("state", {})[TOKEN_STATE_KEY] = checked  # type: ignore[typeddict-unknown-key]
        if category:
            try:
                extra_headers.update(
                    emulator.rate_limits.acquire(checked.grant.account_id, category)
                )
            except ZoomError as exc:
                await send_body(send, exc.status, exc.body(), exc.headers)
                return
    # -- handler -----------------------------------------------------------------
    try:
        await app(scope, receive, send)
    except ZoomError as exc:
        await send_body(send, exc.status, exc.body(), exc.headers)
    except OAuthError as exc:
        await send_body(send, exc.status, exc.body())
