"""Assembling the emulator's Litestar application.

Routers: ``/v2`` (Zoom REST API), ``/oauth`` (token, authorize, revoke), ``/rec``
(recording downloads) behind the gateway middleware, and ``/_emulator`` (control API)
without it.  The application subclass only adds the UUID path rewrite that has to
happen before routing.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Litestar, Request, Response, Router
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.types import Receive, Scope, Send

from . import control, meetings, panelists_polls, recordings, registrants, reports, users
from .config import EmulatorConfig
from .errors import ControlError, OAuthError, ZoomError, endpoint_not_recognized
from .gateway import make_gateway
from .httputil import json_response
from .oauth import oauth_router
from .state import ZoomEmulator
from .uuid_paths import rewrite_scope

log = logging.getLogger("hub_zoom.emulator")


class EmulatorApp(Litestar):
    """Litestar, plus Zoom's double-encoded UUID handling ahead of the router."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rewrite_scope(scope)  # type: ignore[arg-type]
        await super().__call__(scope, receive, send)

    @property
    def emulator(self) -> ZoomEmulator:
        return self.state.emulator  # type: ignore[no-any-return]


def _zoom_error(_: Request[Any, Any, Any], exc: ZoomError) -> Response[bytes]:
    return Response(
        content=exc.body(),
        status_code=exc.status,
        media_type="application/json;charset=UTF-8",
        headers=exc.headers,
    )


def _oauth_error(_: Request[Any, Any, Any], exc: OAuthError) -> Response[bytes]:
    return Response(content=exc.body(), status_code=exc.status, media_type="application/json")


def _control_error(_: Request[Any, Any, Any], exc: ControlError) -> Response[bytes]:
    return json_response({"error": exc.message}, status=exc.status)


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    if request.url.path.startswith("/v2") and exc.status_code in (404, 405):
        error = endpoint_not_recognized()
        return _zoom_error(request, error)
    return json_response({"error": exc.detail, "status_code": exc.status_code}, exc.status_code)


def _internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    log.exception("emulator error on %s %s", request.method, request.url.path, exc_info=exc)
    return json_response({"code": 500, "message": "Internal Server Error"}, status=500)


def create_app(
    config: EmulatorConfig | None = None, emulator: ZoomEmulator | None = None
) -> EmulatorApp:
    """Build the emulator app around a new (or the given) ``ZoomEmulator``."""
    emulator = emulator or ZoomEmulator(config or EmulatorConfig())
    gateway = make_gateway(emulator)
    api = Router(
        path="/v2",
        route_handlers=[
            *users.ROUTES,
            *meetings.ROUTES,
            *registrants.ROUTES,
            *panelists_polls.ROUTES,
            *reports.ROUTES,
            *recordings.API_ROUTES,
        ],
        middleware=[gateway],
    )
    downloads = Router(path="/rec", route_handlers=recordings.DOWNLOAD_ROUTES, middleware=[gateway])

    async def close_webhooks() -> None:
        await emulator.webhooks.close()

    return EmulatorApp(
        route_handlers=[api, oauth_router([gateway]), downloads, control.router()],
        state=State({"emulator": emulator}),
        exception_handlers={
            ZoomError: _zoom_error,
            OAuthError: _oauth_error,
            ControlError: _control_error,
            HTTPException: _http_error,
            Exception: _internal_error,
        },
        on_shutdown=[close_webhooks],
        openapi_config=None,
        debug=False,
        logging_config=None,
    )
