"""Signing in to the admin: who gets in, what the cookies look like, what stays out."""

from __future__ import annotations

import asyncio
import base64
import binascii
from http.cookies import SimpleCookie

import httpx
import pytest
from litestar import Litestar

from hub.api.app import create_app
from hub.runtime import HubRuntime
from tests.admin.conftest import ADMIN_PASSWORD, browser, form_token, sign_in
from tests.conftest import SECRET_KEY, event_body

PAGES = [
    "/admin",
    "/admin/integrations",
    "/admin/events",
    "/admin/fragments/events",
    "/admin/events/ev-1",
    "/admin/events/ev-1/attendance.csv",
    "/admin/deliveries",
    "/admin/analytics",
]


def set_cookies(response: httpx.Response) -> dict[str, SimpleCookie]:
    cookies: dict[str, SimpleCookie] = {}
    for header in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        for name in jar:
            cookies[name] = jar
    return cookies


@pytest.mark.parametrize("path", PAGES)
async def test_pages_redirect_to_sign_in_when_signed_out(
    anon: httpx.AsyncClient, path: str
) -> None:
    response = await anon.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/login?next={path}"


async def test_htmx_poll_signed_out_is_sent_to_sign_in(anon: httpx.AsyncClient) -> None:
    response = await anon.get("/admin/fragments/events", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["hx-redirect"] == "/admin/login"


async def test_wrong_password_is_refused_and_gives_no_session(anon: httpx.AsyncClient) -> None:
    token = await form_token(anon)
    response = await anon.post(
        "/admin/login", data={"password": "not the password", "_csrf_token": token}
    )
    assert response.status_code == 401
    assert "Wrong password." in response.text and 'id="login-form"' in response.text
    assert response.headers["content-type"].startswith("text/html")
    assert (await anon.get("/admin/login")).headers["content-type"].startswith("text/html")
    assert "hub_admin_session" not in set_cookies(response)
    assert (await anon.get("/admin/integrations")).status_code == 303


async def test_right_password_opens_a_session_and_sign_out_closes_it(
    anon: httpx.AsyncClient,
) -> None:
    response = await sign_in(anon)
    assert response.headers["location"] == "/admin/integrations"
    for path in [*PAGES[1:4], "/admin/deliveries", "/admin/analytics"]:
        page = await anon.get(path)
        assert page.status_code == 200, path
        assert page.headers["content-type"].startswith("text/html"), path
    token = await form_token(anon, "/admin/integrations")
    response = await anon.post("/admin/logout", data={"_csrf_token": token})
    assert response.status_code == 303
    assert (await anon.get("/admin/integrations")).status_code == 303


async def test_sign_in_returns_to_the_page_asked_for_but_never_elsewhere(
    anon: httpx.AsyncClient,
) -> None:
    token = await form_token(anon, "/admin/login?next=/admin/deliveries")
    ok = await anon.post(
        "/admin/login",
        data={"password": ADMIN_PASSWORD, "_csrf_token": token, "next": "/admin/deliveries"},
    )
    assert ok.headers["location"] == "/admin/deliveries"
    for target in (
        "//evil.example/admin",
        "https://evil.example/admin",
        "/api/v1/events",
        "/\\evil",
    ):
        response = await anon.get(f"/admin/login?next={target}")
        assert response.headers["location"] == "/admin/integrations", target


async def test_cookie_flags(anon: httpx.AsyncClient) -> None:
    login_page = await anon.get("/admin/login")
    csrf = set_cookies(login_page)["hub_admin_csrf"]["hub_admin_csrf"]
    response = await sign_in(anon)
    session = set_cookies(response)["hub_admin_session"]["hub_admin_session"]
    for cookie in (csrf, session):
        assert cookie["httponly"] is True
        assert cookie["secure"] is True
        assert cookie["samesite"].lower() == "lax"
        assert cookie["path"] == "/admin"


async def test_session_cookie_holds_no_secret_in_clear(
    anon: httpx.AsyncClient, admin_runtime: HubRuntime
) -> None:
    response = await sign_in(anon)
    value = set_cookies(response)["hub_admin_session"]["hub_admin_session"].value
    raw = value.encode()
    try:
        raw += base64.b64decode(value)
    except (binascii.Error, ValueError):
        pass
    for secret in (ADMIN_PASSWORD, SECRET_KEY):
        assert secret.encode() not in raw
    # Encrypted, not just encoded: none of the session's own keys are readable.
    for clear in (b'"admin"', b'"pw"', b"true"):
        assert clear not in raw


async def test_a_tampered_session_cookie_is_not_a_session(anon: httpx.AsyncClient) -> None:
    await sign_in(anon)
    value = anon.cookies.get("hub_admin_session", path="/admin")
    assert value
    flipped = value[:40] + ("A" if value[40] != "A" else "B") + value[41:]
    anon.cookies.set("hub_admin_session", flipped, domain="hub.test", path="/admin")
    assert (await anon.get("/admin/integrations")).status_code == 303


async def test_changing_the_password_signs_everyone_out(
    anon: httpx.AsyncClient, admin_runtime: HubRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sign_in(anon)
    assert (await anon.get("/admin/integrations")).status_code == 200
    monkeypatch.setenv("HUB_ADMIN_PASSWORD", "a brand new password")
    async with browser(create_app(admin_runtime)) as client:
        client.cookies = anon.cookies
        assert (await client.get("/admin/integrations")).status_code == 303


async def test_repeated_failures_are_throttled(
    anon: httpx.AsyncClient, admin_app: Litestar
) -> None:
    throttle = admin_app.state.admin_throttle
    throttle.max_failures = 3
    for _ in range(3):
        token = await form_token(anon)
        wrong = await anon.post("/admin/login", data={"password": "guess", "_csrf_token": token})
        assert wrong.status_code == 401
    token = await form_token(anon)
    # Even the right password waits once the limit is reached.
    refused = await anon.post(
        "/admin/login", data={"password": ADMIN_PASSWORD, "_csrf_token": token}
    )
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert (await anon.get("/admin/integrations")).status_code == 303


async def test_admin_is_disabled_without_a_password(
    admin_runtime: HubRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HUB_ADMIN_PASSWORD")
    async with browser(create_app(admin_runtime)) as client:
        page = await client.get("/admin/login")
        assert page.status_code == 503
        assert "HUB_ADMIN_PASSWORD" in page.text and "disabled" in page.text
        assert 'id="login-form"' not in page.text
        assert (await client.get("/admin/events")).status_code == 303
        # The double-submit token is the CSRF cookie's value.
        token = client.cookies.get("hub_admin_csrf", path="/admin")
        assert token
        post = await client.post("/admin/login", data={"password": "", "_csrf_token": token})
        assert post.status_code == 503 and "hub_admin_session" not in post.headers.get(
            "set-cookie", ""
        )


async def test_api_and_webhooks_are_untouched_by_admin_cookies_and_csrf(
    api: httpx.AsyncClient, admin_runtime: HubRuntime
) -> None:
    published = await api.post("/api/v1/events/published", json=event_body())
    assert published.status_code == 202
    assert "set-cookie" not in published.headers
    hook = await api.post("/webhooks/testvideo", json={"id": "w-1", "event": "ping"})
    assert hook.status_code == 200 and hook.json() == {"stored": True}
    assert "set-cookie" not in hook.headers
    health = await api.get("/health")
    assert health.status_code == 200 and "set-cookie" not in health.headers


async def test_admin_responses_send_security_headers(admin: httpx.AsyncClient) -> None:
    token = await form_token(admin, "/admin/integrations")
    responses = {
        "page": await admin.get("/admin/integrations"),
        "plugin route": await admin.post("/admin/plugins/panels/ping", data={"_csrf_token": token}),
        "csrf refusal": await admin.post("/admin/plugins/panels/ping", data={}),
        "not found": await admin.get("/admin/events/nope"),
    }
    for what, response in responses.items():
        assert response.headers.get("x-frame-options") == "DENY", what
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp, what
    assert responses["page"].headers["cache-control"] == "no-store"


async def test_htmx_is_served_by_the_hub(anon: httpx.AsyncClient) -> None:
    response = await anon.get("/admin/static/htmx.min.js")
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]
    assert response.text.startswith("var htmx=function()")
    page = await anon.get("/admin/login")
    assert '<script src="/admin/static/htmx.min.js"' in page.text
    assert "<script>" not in page.text  # no inline script


async def test_concurrent_guesses_cannot_slip_under_the_limit(
    anon: httpx.AsyncClient, admin_app: Litestar
) -> None:
    admin_app.state.admin_throttle.max_failures = 3
    admin_app.state.admin_throttle.delay_seconds = 0.2
    token = await form_token(anon)
    answers = await asyncio.gather(
        *(
            anon.post("/admin/login", data={"password": f"guess {i}", "_csrf_token": token})
            for i in range(12)
        )
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [401] * 3 + [429] * 9
