"""Connecting the hub to Zoom: user OAuth (authorize, callback, disconnect), status, users.

``authorize`` and ``callback`` are browser steps and take no API key: ``authorize`` only
creates a short-lived single-use state (bounded in number) and redirects; ``callback``
accepts nothing without such a state. Everything else needs the hub's API key.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.params import Parameter
from litestar.response import Redirect

from hub.api.auth import require_api_key
from hub.api.problems import ApiProblem
from hub.context import HubContext
from hub_zoom.api.errors import ReauthorizationRequired, ZoomApiError, ZoomAuthError
from hub_zoom.api.tokens import AuthorizationCodeTokens
from hub_zoom.lifecycle import oauth_states
from hub_zoom.lifecycle.connection import all_connections, connection_status, display_name
from hub_zoom.lifecycle.errors import clear_reauthorization_flag
from hub_zoom.service import USER_CONNECTION, service

# The admin page's end of an authorization it started (see hub_zoom.admin.routes).
ADMIN_CALLBACK = "/admin/plugins/zoom/oauth/callback"


def _user_tokens(hub: HubContext) -> AuthorizationCodeTokens:
    svc = service(hub)
    if svc.settings.auth != "authorization_code":
        raise ApiProblem(
            409,
            "the Zoom app is a Server-to-Server app ([plugins.zoom] auth); nothing to authorize",
        )
    return svc.connection(USER_CONNECTION).tokens  # type: ignore[no-any-return]


async def start_authorization(hub: HubContext, return_to: str | None = None) -> str:
    """A fresh single-use state and the Zoom consent URL to send the browser to."""
    request = _user_tokens(hub).authorization_request()
    await oauth_states.remember(hub, request.state, request.code_verifier, return_to)
    return request.url


async def finish_authorization(
    hub: HubContext, code: str | None, oauth_state: str | None, error: str | None
) -> tuple[dict[str, Any], str | None]:
    """Check the state, trade the code, store tokens: the result and the state's return path.

    Refusals are :class:`ApiProblem` (the JSON callback answers with them, the admin page
    shows their detail).
    """
    tokens = _user_tokens(hub)
    consumed = await oauth_states.consume_state(hub, oauth_state) if oauth_state else None
    if error:
        raise ApiProblem(400, f"Zoom authorization was not granted: {error}", field="error")
    if not code or not oauth_state:
        raise ApiProblem(400, "code and state are required", field="state" if code else "code")
    if consumed is None:
        raise ApiProblem(
            400,
            "unknown, reused or expired state; start again at /zoom/oauth/authorize",
            field="state",
        )
    svc = service(hub)
    try:
        await tokens.exchange_code(code, consumed.verifier)
    except ZoomAuthError as exc:
        raise ApiProblem(400, f"Zoom refused the authorization code: {exc.message}") from None
    except ZoomApiError as exc:
        raise ApiProblem(503, f"Zoom could not be reached: {exc.message}") from None
    clear_reauthorization_flag(hub, USER_CONNECTION)
    try:
        me = dict(await svc.client(USER_CONNECTION).users_me())
    except ZoomApiError:
        return {"status": "connected", "user": None}, consumed.return_to
    user = {"id": me.get("id"), "name": display_name(me), "email": me.get("email")}
    await svc.store.set_user(USER_CONNECTION, str(user["id"]), str(user["email"]), user["name"])
    return {"status": "connected", "user": user}, consumed.return_to


async def disconnect_primary(hub: HubContext) -> dict[str, Any]:
    """Revoke the authorization at Zoom and delete the local tokens."""
    svc = service(hub)
    connection = svc.primary
    revoked, message = True, None
    try:
        await connection.tokens.revoke()
    except ZoomApiError as exc:
        revoked, message = False, f"Zoom did not confirm the revocation: {exc.message}"
        await svc.store.delete(connection.id)
        await connection.tokens.invalidate()
    clear_reauthorization_flag(hub, connection.id)
    return {"status": "disconnected", "revoked": revoked, "message": message}


def oauth_routes(hub: HubContext) -> list[Any]:
    @get("/zoom/oauth/authorize", status_code=302, include_in_schema=False)
    async def authorize() -> Redirect:
        """Send the browser to Zoom's consent page (PKCE S256, single-use state)."""
        return Redirect(path=await start_authorization(hub), status_code=302)

    @get("/zoom/oauth/callback", include_in_schema=False)
    async def callback(
        request: Request[Any, Any, Any],
        code: str | None = None,
        oauth_state: Annotated[str | None, Parameter(query="state")] = None,
        error: str | None = None,
    ) -> Any:
        """Zoom's redirect after consent: check the state, trade the code, store tokens.

        An authorization started from the admin page is completed there instead (signed-in
        only, with a message on the page): the browser is sent on with the same query.
        """
        _user_tokens(hub)
        if oauth_state and await oauth_states.return_path(hub, oauth_state):
            query = urlencode(list(request.query_params.items()))
            return Redirect(path=f"{ADMIN_CALLBACK}?{query}", status_code=303)
        result, _ = await finish_authorization(hub, code, oauth_state, error)
        return result

    @post("/zoom/oauth/disconnect", guards=[require_api_key], status_code=200)
    async def disconnect() -> dict[str, Any]:
        """Revoke the authorization at Zoom and delete the local tokens."""
        return await disconnect_primary(hub)

    @get("/zoom/connection-status", guards=[require_api_key])
    async def status() -> dict[str, Any]:
        """Connected / expired / error / not_connected, the Zoom user and missing scopes."""
        primary = await connection_status(hub)
        if len(service(hub).connections) > 1:
            primary["connections"] = await all_connections(hub)
        return primary

    @get("/zoom/users", guards=[require_api_key])
    async def users(status: str = "active") -> dict[str, Any]:
        """The account's users (every page): candidates for an event's ``host``."""
        if status not in ("active", "inactive", "pending"):
            raise ApiProblem(400, "status must be active, inactive or pending", field="status")
        try:
            listed = await service(hub).client().list_users(status=status)
        except ReauthorizationRequired as exc:
            raise ApiProblem(409, exc.message) from None
        except ZoomApiError as exc:
            raise ApiProblem(503, f"Zoom: {exc.message}") from None
        items = [
            {
                "id": u.get("id"),
                "email": u.get("email"),
                "name": display_name(dict(u)),
                "type": u.get("type"),
                "status": u.get("status"),
            }
            for u in listed
        ]
        return {"users": items, "total": len(items)}

    return [authorize, callback, disconnect, status, users]
