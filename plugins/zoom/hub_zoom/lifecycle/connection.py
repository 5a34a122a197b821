"""Is the hub connected to Zoom, as whom, and with enough scopes?

Shared by ``GET /zoom/connection-status`` and ``hub zoom test-connection`` so both give the
same answer. ``users/me`` is the probe: it needs a valid token (refreshing one if due) and
names the connected user. A connection already known to need re-authorization is reported
without calling Zoom, so the status page does not burn the dead refresh token again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hub.context import HubContext
from hub_zoom.api.errors import ReauthorizationRequired, ZoomApiError, ZoomAuthError
from hub_zoom.lifecycle import scopes
from hub_zoom.lifecycle.errors import (
    NEEDS_REAUTHORIZATION,
    clear_reauthorization_flag,
    mark_needs_reauthorization,
)
from hub_zoom.service import service
from hub_zoom.storage import tables

CONNECTED, EXPIRED, ERROR, NOT_CONNECTED = "connected", "expired", "error", "not_connected"
AUTHORIZE_HINT = "authorize the app again at /zoom/oauth/authorize"


def display_name(user: dict[str, Any]) -> str:
    name = user.get("display_name") or " ".join(
        p for p in (user.get("first_name"), user.get("last_name")) if p
    )
    return str(name or user.get("email") or user.get("id") or "")


async def _row(hub: HubContext, connection_id: str) -> Any:
    c = tables.connections
    async with hub.db.connect() as conn:
        return (await conn.execute(select(c).where(c.c.id == connection_id))).first()


async def connection_status(hub: HubContext, connection_id: str | None = None) -> dict[str, Any]:
    """``status`` is connected, expired (needs re-authorization), error or not_connected."""
    svc = service(hub)
    cid = connection_id or svc.primary_id
    connection = svc.connection(cid)
    result: dict[str, Any] = {
        "connection_id": cid,
        "auth": svc.settings.auth,
        "account_id": connection.account_id,
        "status": ERROR,
        "needs_reauthorization": False,
        "user": None,
        "scopes": [],
        "missing_scopes": [],
        "message": None,
    }
    row = await _row(hub, cid)
    if row is not None and row.zoom_user_email:
        result["user"] = {
            "id": row.zoom_user_id,
            "name": row.zoom_user_name,
            "email": row.zoom_user_email,
        }
    if row is not None and row.status == NEEDS_REAUTHORIZATION:
        result.update(
            status=EXPIRED,
            needs_reauthorization=True,
            message=f"{row.last_error or 'token rejected'}; {AUTHORIZE_HINT}",
        )
        return await _with_scopes(hub, cid, result)
    if svc.settings.auth == "authorization_code" and (row is None or not row.token_sealed):
        result.update(status=NOT_CONNECTED, message=f"no Zoom authorization yet; {AUTHORIZE_HINT}")
        return result
    try:
        me = dict(await connection.client.users_me())
    except ReauthorizationRequired as exc:
        await mark_needs_reauthorization(hub, cid, exc.message)
        result.update(
            status=EXPIRED, needs_reauthorization=True, message=f"{exc.message}; {AUTHORIZE_HINT}"
        )
        return await _with_scopes(hub, cid, result)
    except ZoomAuthError as exc:
        result.update(status=ERROR, message=f"Zoom refused the credentials: {exc}")
        return result
    except ZoomApiError as exc:
        result.update(status=ERROR, message=f"Zoom could not be reached: {exc}")
        return result
    user = {"id": me.get("id"), "name": display_name(me), "email": me.get("email")}
    await svc.store.set_user(cid, str(user["id"]), str(user["email"]), user["name"])
    await svc.store.mark(cid, CONNECTED)
    clear_reauthorization_flag(hub, cid)
    result.update(status=CONNECTED, user=user)
    return await _with_scopes(hub, cid, result)


async def _with_scopes(hub: HubContext, connection_id: str, result: dict[str, Any]) -> dict:
    svc = service(hub)
    token = await svc.store.load(connection_id)
    granted = scopes.parse(token.scope if token else None)
    result["scopes"] = granted
    result["missing_scopes"] = (
        scopes.missing(granted, svc.settings.required_scopes) if token else []
    )
    return result


async def all_connections(hub: HubContext) -> list[dict[str, Any]]:
    svc = service(hub)
    return [await connection_status(hub, cid) for cid in svc.connections]
