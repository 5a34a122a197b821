"""Every unsafe /admin request needs the CSRF token of its own browser; a refused one
changes nothing."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from hub.runtime import HubRuntime
from hub.storage import tables
from tests.admin.conftest import ADMIN_PASSWORD, browser, form_token, sign_in
from tests.admin.panelplugin import PanelPlugin
from tests.conftest import event_body


async def _a_dead_delivery(runtime: HubRuntime, api: httpx.AsyncClient) -> int:
    await api.post("/api/v1/events/published", json=event_body())
    await runtime.worker.drain()
    d = tables.deliveries
    async with runtime.db.transaction() as conn:
        delivery_id = (await conn.execute(sa.select(sa.func.min(d.c.id)))).scalar()
        await conn.execute(sa.update(d).where(d.c.id == delivery_id).values(state="dead"))
    return int(delivery_id)


async def _state(runtime: HubRuntime, delivery_id: int) -> str:
    d = tables.deliveries
    async with runtime.db.connect() as conn:
        return str((await conn.execute(sa.select(d.c.state).where(d.c.id == delivery_id))).scalar())


async def test_forms_without_or_with_a_wrong_token_are_refused_and_change_nothing(
    admin: httpx.AsyncClient, api: httpx.AsyncClient, admin_runtime: HubRuntime, panels: PanelPlugin
) -> None:
    delivery_id = await _a_dead_delivery(admin_runtime, api)
    real = await form_token(admin, "/admin/deliveries")
    forged = real[:-4] + ("0000" if not real.endswith("0000") else "1111")
    for data in ({}, {"_csrf_token": "nonsense"}, {"_csrf_token": forged}):
        retry = await admin.post(f"/admin/deliveries/{delivery_id}/retry", data=data)
        assert retry.status_code == 403, data
        assert "security token" in retry.text
        assert await _state(admin_runtime, delivery_id) == "dead"
        plugin_post = await admin.post("/admin/plugins/panels/ping", data={**data, "x": "1"})
        assert plugin_post.status_code == 403
    assert panels.pings == []
    # The same request with the page's token goes through: the refusals were the token.
    ok = await admin.post(f"/admin/deliveries/{delivery_id}/retry", data={"_csrf_token": real})
    assert ok.status_code == 303
    assert await _state(admin_runtime, delivery_id) != "dead"


async def test_a_token_from_another_browser_is_refused(
    admin: httpx.AsyncClient, admin_app: object, panels: PanelPlugin
) -> None:
    async with browser(admin_app) as attacker:  # type: ignore[arg-type]
        their_token = await form_token(attacker)
    response = await admin.post("/admin/plugins/panels/ping", data={"_csrf_token": their_token})
    assert response.status_code == 403
    assert panels.pings == []


async def test_sign_in_and_sign_out_need_the_token_too(anon: httpx.AsyncClient) -> None:
    await anon.get("/admin/login")
    refused = await anon.post("/admin/login", data={"password": ADMIN_PASSWORD})
    assert refused.status_code == 403
    assert "hub_admin_session" not in refused.headers.get("set-cookie", "")
    assert (await anon.get("/admin/integrations")).status_code == 303
    await sign_in(anon)
    assert (await anon.post("/admin/logout", data={})).status_code == 403
    assert (await anon.get("/admin/integrations")).status_code == 200


async def test_plugin_admin_post_signed_out_is_refused(
    anon: httpx.AsyncClient, panels: PanelPlugin
) -> None:
    token = await form_token(anon)
    response = await anon.post("/admin/plugins/panels/ping", data={"_csrf_token": token})
    assert response.status_code == 401
    assert panels.pings == []


async def test_the_token_can_come_in_a_header(
    admin: httpx.AsyncClient, panels: PanelPlugin
) -> None:
    token = await form_token(admin, "/admin/integrations")
    response = await admin.post(
        "/admin/plugins/panels/ping",
        data={"next": "/admin/integrations"},
        headers={"x-csrftoken": token},
    )
    assert response.status_code == 303
    assert len(panels.pings) == 1
