"""Sign-in and sign-out. The only admin pages reachable without a session."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import MediaType, Request, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Template

from hub.admin.auth import admin_settings, is_signed_in, sign_in, sign_out
from hub.admin.redirects import safe_next
from hub.admin.rendering import page
from hub.admin.settings import ENV_ADMIN_PASSWORD
from hub.admin.throttle import LoginThrottle
from hub.observability.logging import get_logger

HOME = "/admin/integrations"
log = get_logger("hub.admin")


def _throttle(request: Request[Any, Any, Any]) -> LoginThrottle:
    return request.app.state.admin_throttle  # type: ignore[no-any-return]


def _client(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


def _disabled(request: Request[Any, Any, Any]) -> Template:
    return page(
        request,
        "disabled.html",
        status_code=503,
        title="Admin disabled",
        signed_in=False,
        reason=admin_settings(request).disabled_reason,
        env_name=ENV_ADMIN_PASSWORD,
    )


def _login_form(
    request: Request[Any, Any, Any], next_path: str | None, error: str | None, status: int = 200
) -> Template:
    return page(
        request,
        "login.html",
        status_code=status,
        title="Sign in",
        signed_in=False,
        next_path=next_path or "",
        error=error,
    )


@get("/admin/login", include_in_schema=False, media_type=MediaType.HTML)
async def login_form(
    request: Request[Any, Any, Any],
    next_page: Annotated[str | None, Parameter(query="next")] = None,
) -> Any:
    if not admin_settings(request).enabled:
        return _disabled(request)
    if is_signed_in(request):
        return Redirect(path=safe_next(next_page) or HOME, status_code=303)
    return _login_form(request, safe_next(next_page), None)


@post("/admin/login", include_in_schema=False, status_code=303, media_type=MediaType.HTML)
async def login(request: Request[Any, Any, Any]) -> Any:
    settings = admin_settings(request)
    if not settings.enabled:
        return _disabled(request)
    form = await request.form()
    next_path = safe_next(form.get("next"))
    client = _client(request)
    throttle = _throttle(request)
    wait = throttle.attempt(client)
    if wait is not None:
        log.warning("admin sign-in refused: too many failed attempts", client=client)
        response = _login_form(
            request,
            next_path,
            f"Too many failed attempts. Try again in {int(wait)} seconds.",
            status=429,
        )
        response.headers["Retry-After"] = str(int(wait))
        return response
    password = form.get("password")
    if not isinstance(password, str) or not settings.password_matches(password):
        await throttle.failed()
        log.warning("admin sign-in failed", client=client)
        return _login_form(request, next_path, "Wrong password.", status=401)
    throttle.succeeded(client)
    sign_in(request)
    log.info("admin signed in", client=client)
    return Redirect(path=next_path or HOME, status_code=303)


@post("/admin/logout", include_in_schema=False, status_code=303)
async def logout(request: Request[Any, Any, Any]) -> Redirect:
    if admin_settings(request).enabled:
        sign_out(request)
    return Redirect(path="/admin/login", status_code=303)
