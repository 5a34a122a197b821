"""Checks every API request passes before a handler sees it (Litestar ``before_request``).

Litestar runs only the nearest layer's ``before_request``, so a controller that adds its own
check calls :func:`refuse_nul` first, as the app-wide hook would have.
"""

from __future__ import annotations

from typing import Any

from litestar import Request

from hub.api.problems import ApiProblem


async def refuse_nul(request: Request[Any, Any, Any]) -> None:
    """A NUL in a path or query parameter is refused before any handler sees it: PostgreSQL
    cannot store or compare text containing NUL and would fail the query with a 500.
    (async although it does no I/O: Litestar runs a sync hook in a worker thread.)"""
    for name, value in request.path_params.items():
        if isinstance(value, str) and "\x00" in value:
            raise ApiProblem(400, "NUL characters are not allowed", field=name)
    for name, value in request.query_params.multi_items():
        if "\x00" in name or "\x00" in value:
            raise ApiProblem(400, "NUL characters are not allowed", field=name.replace("\x00", ""))
