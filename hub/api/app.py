"""The Litestar app factory: core routes, every enabled plugin's routes, error handling."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Router
from litestar.config.app import AppConfig
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme

from hub import __version__
from hub.admin.app import admin_wiring
from hub.api.analytics_routes import analytics
from hub.api.auth import require_api_key
from hub.api.delivery_routes import DeliveriesController
from hub.api.event_routes import EventsController
from hub.api.ingest_routes import IngestController
from hub.api.middleware import request_context_middleware
from hub.api.problems import http_exception_handler, internal_error_handler
from hub.api.request_checks import refuse_nul
from hub.api.system_routes import health, plugins, prometheus
from hub.gc_tuning import tune_for_long_running_process
from hub.runtime import HubRuntime


def create_app(runtime: HubRuntime, *, manage_runtime: bool = False) -> Litestar:
    """Build the app. With ``manage_runtime`` the server's lifespan starts and stops the hub
    (``hub serve``); otherwise the caller already started it (tests, the demo)."""

    @asynccontextmanager
    async def lifespan(_app: Litestar) -> AsyncIterator[None]:
        if manage_runtime:
            await runtime.start()
            tune_for_long_running_process()
        try:
            yield
        finally:
            if manage_runtime:
                await runtime.stop()

    api = Router(
        path="/",
        route_handlers=[IngestController, EventsController, DeliveriesController, analytics],
        guards=[require_api_key],
        security=[{"apiKey": []}],
    )
    admin = admin_wiring(http_exception_handler, internal_error_handler)
    return Litestar(
        route_handlers=[
            api,
            health,
            plugins,
            prometheus,
            *admin.route_handlers,
            *runtime.facade.routes(runtime.hub),
        ],
        lifespan=[lifespan],
        state=_state(runtime, admin.state()),
        exception_handlers={
            HTTPException: http_exception_handler,
            Exception: internal_error_handler,
            **admin.exception_handlers,
        },
        request_max_body_size=runtime.config.api.max_body_bytes,
        middleware=[request_context_middleware, *admin.middleware],
        template_config=admin.template_config,
        before_request=refuse_nul,
        openapi_config=OpenAPIConfig(
            title="hub",
            version=__version__,
            description="Ingest API of the ticketing-to-video integration hub.",
            path="/schema",
            components=Components(
                security_schemes={
                    "apiKey": SecurityScheme(
                        type="http", scheme="bearer", description="HUB_API_KEYS"
                    )
                }
            ),
        ),
        on_app_init=[_quiet_logging],
    )


def _state(runtime: HubRuntime, extra: dict[str, Any]) -> Any:
    from litestar.datastructures import State

    return State({"runtime": runtime, **extra})


def _quiet_logging(config: AppConfig) -> AppConfig:
    config.logging_config = None
    return config
