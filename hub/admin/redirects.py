"""Where an admin action goes back to once done (Post/Redirect/Get)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar import Request
from litestar.response import Redirect
from litestar.utils.empty import value_or_default
from litestar.utils.scope.state import ScopeState

DEFAULT_PAGE = "/admin"


def safe_next(value: Any) -> str | None:
    """A relative path under /admin, or None: an open redirect is never possible."""
    if not isinstance(value, str) or not value:
        return None
    if "\\" in value or any(ord(c) < 0x20 for c in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or value.startswith("//"):
        return None
    if parts.path != "/admin" and not parts.path.startswith("/admin/"):
        return None
    return value


def _form_next(request: Request[Any, Any, Any]) -> Any:
    """The ``next`` field of the posted form, already parsed by the CSRF check."""
    form = value_or_default(ScopeState.from_scope(request.scope).form, {})
    value = form.get("next") if isinstance(form, dict) else None
    if isinstance(value, list):
        value = value[0] if value else None
    return value


def _referer_path(request: Request[Any, Any, Any]) -> str | None:
    referer = request.headers.get("referer")
    if not referer:
        return None
    parts = urlsplit(referer)
    if parts.netloc and parts.netloc != request.headers.get("host"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def back(request: Request[Any, Any, Any], default: str = DEFAULT_PAGE) -> Redirect:
    """A 303 to the page the form came from: its ``next`` field, ``?next=``, the Referer,
    or ``default``; only paths under /admin are followed."""
    for candidate in (
        _form_next(request),
        request.query_params.get("next"),
        _referer_path(request),
    ):
        if (path := safe_next(candidate)) is not None:
            return Redirect(path=path, status_code=303)
    return Redirect(path=safe_next(default) or DEFAULT_PAGE, status_code=303)
