"""Everything the hub's Litestar app needs to serve /admin, in one object.

Session and CSRF middleware run only for paths under /admin (core and plugin admin
routes alike), so the ingest API, webhooks and health checks never see a cookie check or
a session. The session is Litestar's encrypted cookie; CSRF is Litestar's double-submit
cookie plus the ``_csrf_token`` form field on every form.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import HTTPException
from litestar.middleware.csrf import CSRFMiddleware
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.static_files import create_static_files_router
from litestar.status_codes import HTTP_401_UNAUTHORIZED, HTTP_500_INTERNAL_SERVER_ERROR
from litestar.template.config import TemplateConfig
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from hub.admin import login_routes, page_routes
from hub.admin.auth import SESSION_MAX_SECONDS, AdminSignInRequired, require_admin
from hub.admin.rendering import template_config
from hub.admin.settings import AdminSettings, admin_settings_from_env
from hub.admin.throttle import LoginThrottle

PREFIX = "/admin"
SESSION_COOKIE = "hub_admin_session"
CSRF_COOKIE = "hub_admin_csrf"
STATIC_DIR = Path(__file__).parent / "static"
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # No inline script anywhere; inline SVG styles and htmx's indicator style need
    # 'unsafe-inline' for styles only. form-action is left open: a plugin's Connect
    # button may redirect to its provider's consent page.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
}


def is_admin_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def only_under_admin(factory: Callable[[ASGIApp], ASGIApp]) -> Callable[[ASGIApp], ASGIApp]:
    """Wrap a middleware so it runs for /admin paths and is skipped everywhere else."""

    def middleware(app: ASGIApp) -> ASGIApp:
        wrapped = factory(app)

        async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and is_admin_path(scope["path"]):
                await wrapped(scope, receive, send)
            else:
                await app(scope, receive, send)

        return asgi

    return middleware


def security_headers(app: ASGIApp) -> ASGIApp:
    """Adds SECURITY_HEADERS to every /admin response (core pages, plugin routes, static
    files and error pages alike) unless the response set its own."""

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await app(scope, receive, send_with_headers)

    return asgi


def _sign_in_required(request: Request[Any, Any, Any], exc: AdminSignInRequired) -> Response[Any]:
    """Pages redirect to the sign-in form; htmx polls are told to go there; anything else
    (a plugin's POST, a script) gets a plain 401."""
    if request.method in ("GET", "HEAD"):
        if request.headers.get("hx-request"):
            return Response(
                "", status_code=HTTP_401_UNAUTHORIZED, headers={"HX-Redirect": "/admin/login"}
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Response(
            "",
            status_code=303,
            headers={
                "Location": f"/admin/login?next={quote(target, safe='/')}",
                **SECURITY_HEADERS,
            },
        )
    return Response(
        "Sign in to the admin first.",
        status_code=HTTP_401_UNAUTHORIZED,
        media_type="text/plain",
        headers=SECURITY_HEADERS,
    )


def admin_exception_handler(
    fallback: Callable[[Request[Any, Any, Any], Any], Response[Any]],
) -> Callable[[Request[Any, Any, Any], Exception], Response[Any]]:
    """Errors on /admin pages render as HTML (a refused CSRF check is a readable 403);
    every other path keeps the API's problem+json answer from ``fallback``."""

    def handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        if not is_admin_path(request.url.path):
            return fallback(request, exc)
        if isinstance(exc, HTTPException):
            status = exc.status_code
        else:
            fallback(request, exc)  # logs the error with its traceback
            status = HTTP_500_INTERNAL_SERVER_ERROR
        if status == 403 and "CSRF" in str(getattr(exc, "detail", "")):
            message = (
                "This form was refused: its security token is missing or does not match. "
                "Reload the page and try again."
            )
        elif status >= HTTP_500_INTERNAL_SERVER_ERROR:
            message = "Something went wrong on the hub; the error is in its log."
        else:
            message = str(getattr(exc, "detail", "")) or "The request could not be handled."
        return _error_page(request, status, message)

    return handler


def _error_page(request: Request[Any, Any, Any], status: int, message: str) -> Response[Any]:
    engine = request.app.template_engine
    assert engine is not None
    html = engine.get_template("error.html").render(
        title=f"Error {status}",
        message=message,
        status=status,
        flashes=[],
        active="",
        here=request.url.path,
        signed_in=False,
        csrf_input="",
        request=request,
    )
    # Error responses leave by the exception handler, outside the header middleware.
    return Response(html, status_code=status, media_type="text/html", headers=SECURITY_HEADERS)


@dataclass
class AdminWiring:
    """What :func:`hub.api.app.create_app` adds to the app for the admin page."""

    settings: AdminSettings
    throttle: LoginThrottle
    route_handlers: list[Any]
    middleware: list[Any]
    template_config: TemplateConfig[Any]
    exception_handlers: dict[Any, Any]

    def state(self) -> dict[str, Any]:
        return {"admin_settings": self.settings, "admin_throttle": self.throttle}


def admin_wiring(
    http_fallback: Callable[[Request[Any, Any, Any], Any], Response[Any]],
    error_fallback: Callable[[Request[Any, Any, Any], Any], Response[Any]],
) -> AdminWiring:
    """``http_fallback`` and ``error_fallback`` are the API's handlers, kept for every path
    outside /admin."""
    settings = admin_settings_from_env()
    csrf = CSRFConfig(
        # Without a configured key the admin is disabled; CSRF still guards its forms.
        secret=settings.csrf_secret or secrets.token_hex(32),
        cookie_name=CSRF_COOKIE,
        cookie_path=PREFIX,
        cookie_secure=True,
        cookie_httponly=True,
        cookie_samesite="lax",
    )
    middleware: list[Any] = [only_under_admin(security_headers)]
    if settings.session_key is not None:
        session = CookieBackendConfig(
            secret=settings.session_key,
            key=SESSION_COOKIE,
            path=PREFIX,
            max_age=SESSION_MAX_SECONDS,
            secure=True,
            httponly=True,
            samesite="lax",
        )
        middleware.append(only_under_admin(session.middleware))
    middleware.append(only_under_admin(lambda app: CSRFMiddleware(app=app, config=csrf)))
    signed_in_pages = Router(
        path="/",
        route_handlers=page_routes.ROUTES,
        guards=[require_admin],
    )
    public_pages = Router(
        path="/",
        route_handlers=[login_routes.login_form, login_routes.login, login_routes.logout],
    )
    static = create_static_files_router(
        path=f"{PREFIX}/static",
        directories=[STATIC_DIR],
        name="admin-static",
        include_in_schema=False,
    )
    return AdminWiring(
        settings=settings,
        throttle=LoginThrottle(),
        route_handlers=[signed_in_pages, public_pages, static],
        middleware=middleware,
        template_config=template_config(),
        exception_handlers={
            AdminSignInRequired: _sign_in_required,
            HTTPException: admin_exception_handler(http_fallback),
            Exception: admin_exception_handler(error_fallback),
        },
    )
