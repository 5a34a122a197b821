"""The API-key guard for /api/v1: checked before the body is read, so a caller without a
valid key learns nothing about the body's validity and nothing is stored."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from hub.api.problems import ApiProblem


async def require_api_key(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    # async although it does no I/O: Litestar runs a sync guard in a worker thread.
    keys = connection.app.state.runtime.api_keys
    if not keys.check_authorization(connection.headers.get("authorization")):
        raise ApiProblem(
            401, "missing or invalid API key (Authorization: Bearer <key>)", field="authorization"
        )
