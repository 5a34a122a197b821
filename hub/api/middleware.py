"""Request context for logs: every line logged while serving a request carries its id.

The id is the caller's ``X-Request-ID`` when it sends a sane one (so a ticketing platform
can correlate), otherwise a new one; it is echoed in the response.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import structlog

from hub.observability import metrics
from hub.observability.logging import get_logger

SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
log = get_logger("hub.http")


def request_context_middleware(app: Any) -> Any:
    async def middleware(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if SANE_ID.match(given) else uuid.uuid4().hex[:16]
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            route = scope.get("path_template") or scope.get("path", "")
            metrics.REQUESTS.labels(route=route, status=f"{status // 100}xx").inc()
            log.debug(
                "request",
                method=scope.get("method"),
                path=scope.get("path"),
                status=status,
                ms=round((time.perf_counter() - started) * 1000, 2),
            )
            structlog.contextvars.unbind_contextvars("request_id")

    return middleware
