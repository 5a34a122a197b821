"""Who is signed in to the admin, and the guard for admin routes (core and plugin).

The session is Litestar's encrypted cookie session (AES-GCM); it holds only a flag, the
time of sign-in and a fingerprint of the password, never the password or any key.
"""

from __future__ import annotations

import time
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

from hub.admin.settings import AdminSettings

SESSION_USER = "admin"
SESSION_FINGERPRINT = "pw"
SESSION_SIGNED_IN_AT = "at"
SESSION_MAX_SECONDS = 12 * 3600


class AdminSignInRequired(NotAuthorizedException):
    """Raised by :func:`require_admin`; pages turn it into a redirect to the sign-in page."""


def admin_settings(connection: ASGIConnection[Any, Any, Any, Any]) -> AdminSettings:
    return connection.app.state.admin_settings  # type: ignore[no-any-return]


def is_signed_in(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    settings = admin_settings(connection)
    if not settings.enabled or "session" not in connection.scope:
        return False
    session = connection.session
    if not session.get(SESSION_USER):
        return False
    signed_in_at = session.get(SESSION_SIGNED_IN_AT)
    if not isinstance(signed_in_at, int | float):
        return False
    if time.time() - signed_in_at > SESSION_MAX_SECONDS:
        return False
    return bool(session.get(SESSION_FINGERPRINT) == settings.password_fingerprint())


def sign_in(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Start a fresh session (anything set before sign-in is dropped)."""
    settings = admin_settings(connection)
    connection.set_session(
        {
            SESSION_USER: True,
            SESSION_FINGERPRINT: settings.password_fingerprint(),
            SESSION_SIGNED_IN_AT: int(time.time()),
        }
    )


def sign_out(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    connection.clear_session()


async def require_admin(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Litestar guard for admin routes: ``guards=[require_admin]``.

    Not signed in: a page (GET) redirects to ``/admin/login`` with 303, anything else is
    refused with 401. (async although it does no I/O: Litestar runs sync guards in a
    worker thread.)
    """
    if not is_signed_in(connection):
        raise AdminSignInRequired("sign in to the admin first")
