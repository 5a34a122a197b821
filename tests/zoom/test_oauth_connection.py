"""Connecting the hub to Zoom: both app types, the OAuth dance, tokens, status and users.

Everything runs over loopback HTTP against the emulator; token traffic is asserted on what
reached the emulator (its stats), not on what the client believes it did.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from click.testing import CliRunner
from hub_zoom.lifecycle import oauth_states, scopes
from hub_zoom.service import USER_CONNECTION, service
from hub_zoom.storage import tables

from hub.cli.main import cli
from hub.storage import tables as hub_tables
from tests.conftest import event_body
from tests.zoom.conftest import (
    ZoomHub,
    connect_user,
    consent,
    emulator_stats,
    hub_deliveries,
    user_oauth_overrides,
    zoom_settings,
)


async def _status(zh: ZoomHub) -> dict[str, Any]:
    response = await zh.api.get("/zoom/connection-status")
    assert response.status_code == 200, response.text
    return response.json()


async def _connection_row(zh: ZoomHub, connection_id: str) -> Any:
    c = tables.connections
    async with zh.runtime.db.connect() as conn:
        return (await conn.execute(sa.select(c).where(c.c.id == connection_id))).first()


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_hub_toml(path: Path, db_url: str, zoom: dict[str, Any]) -> Path:
    lines = [
        "[database]",
        f"url = {_toml_value(db_url)}",
        "[logging]",
        'level = "warning"',
        "[plugins]",
        'enabled = ["zoom"]',
        "[plugins.zoom]",
        *(f"{k} = {_toml_value(v)}" for k, v in zoom.items() if v is not None),
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


async def run_cli(args: list[str]) -> Any:
    """The real CLI, in a thread: it runs its own event loop with asyncio.run."""
    return await asyncio.to_thread(CliRunner().invoke, cli, args, catch_exceptions=False)


# --- Server-to-Server ------------------------------------------------------------------------


async def test_server_to_server_status_users_and_cli(
    zoom_hub_factory: Callable[..., Any], db_url: str, tmp_path: Path
) -> None:
    async with zoom_hub_factory() as zh:
        async with httpx.AsyncClient(base_url=zh.url) as anonymous:
            refused = await anonymous.get("/zoom/connection-status")
        assert refused.status_code == 401

        status = await _status(zh)
        assert status["status"] == "connected"
        assert status["auth"] == "server_to_server"
        assert status["user"]["email"] == "owner@example.com"
        assert status["user"]["name"] == "Account Owner"
        assert "meeting:write:admin" in status["scopes"]
        assert status["missing_scopes"] == []  # classic scopes cover the granular ones

        for i in range(4):
            added = await zh.api.post(
                f"{zh.zoom.control_url}/users",
                json={"email": f"host{i}@example.com", "first_name": "Host", "last_name": str(i)},
            )
            assert added.status_code == 201
        for i in range(320):  # more than one page of 300 (added in-process: no API for it)
            zh.zoom.state.add_user(email=f"member{i}@example.com", first_name="M", last_name=str(i))
        users = (await zh.api.get("/zoom/users")).json()
        assert users["total"] == 325
        assert {u["email"] for u in users["users"]} >= {"owner@example.com", "host3@example.com"}
        assert (await emulator_stats(zh))["calls"]["GET /v2/users"] == 2

        config = write_hub_toml(tmp_path / "hub.toml", db_url, zoom_settings(zh.zoom))
        result = await run_cli(["--config", str(config), "zoom", "test-connection"])
        assert result.exit_code == 0, result.output
        assert "Connected to Zoom as Account Owner (owner@example.com)" in result.output

        # A fresh database: the shared one already holds a valid token for the account.
        wrong = zoom_settings(zh.zoom, client_secret="not-the-secret")
        other_db = f"sqlite+aiosqlite:///{tmp_path / 'other.db'}"
        config = write_hub_toml(tmp_path / "bad.toml", other_db, wrong)
        result = await run_cli(["--config", str(config), "zoom", "test-connection"])
        assert result.exit_code == 1
        assert "Not connected to Zoom (error)" in result.output


async def test_missing_scopes_are_listed(zoom_hub_factory: Callable[..., Any]) -> None:
    required = ["meeting:write:meeting", "phone:read:call_log", "cloud_recording:read:recording"]
    async with zoom_hub_factory(zoom_overrides={"required_scopes": required}) as zh:
        status = await _status(zh)
        assert status["status"] == "connected"
        assert status["missing_scopes"] == ["phone:read:call_log"]


async def test_rejected_access_token_is_replaced_and_the_call_repeated(
    zoom_hub_factory: Callable[..., Any],
) -> None:
    async with zoom_hub_factory() as zh:
        client = service(zh.runtime.hub).client()
        await client.users_me()
        await zh.api.post(f"{zh.zoom.control_url}/tokens/expire")
        me = await client.users_me()  # 401 from Zoom, a new token, the same call again
        assert me["email"] == "owner@example.com"
        stats = await emulator_stats(zh)
        assert stats["token_grants"] == {"account_credentials": 2}
        assert stats["unauthorized"] == 1


def test_classic_scopes_cover_granular_ones() -> None:
    assert scopes.covers("meeting:write:admin", "meeting:update:registrant_status")
    assert scopes.covers("meeting:write", "meeting:delete:meeting")
    assert scopes.covers("recording:read:admin", "cloud_recording:read:recording")
    assert scopes.covers("meeting:write:meeting:admin", "meeting:write:meeting")
    assert scopes.covers("meeting:write:*", "meeting:write:registrant")
    assert not scopes.covers("meeting:read:admin", "meeting:write:meeting")
    assert not scopes.covers("webinar:write:admin", "meeting:write:meeting")
    assert not scopes.covers("meeting:write:registrant", "meeting:write:meeting")
    granted = "meeting:read:admin webinar:write:admin"
    assert scopes.missing(granted, ["meeting:read:meeting", "meeting:write:meeting"]) == [
        "meeting:write:meeting"
    ]


# --- user OAuth (authorization code + PKCE) --------------------------------------------------


async def test_user_oauth_connects_with_a_single_use_state(
    zoom_hub_factory: Callable[..., Any],
) -> None:
    async with zoom_hub_factory(zoom_overrides=user_oauth_overrides()) as zh:
        before = await _status(zh)
        assert before["status"] == "not_connected"

        query = await consent(zh)
        assert "code" in query and "state" in query
        async with zh.runtime.db.connect() as conn:
            stored = (await conn.execute(sa.select(tables.oauth_states))).all()
        assert [r.state_hash for r in stored] == [oauth_states.state_hash(query["state"])]
        assert query["state"] not in stored[0].verifier_sealed  # only a hash, verifier sealed

        browser = httpx.AsyncClient(base_url=zh.url)  # no API key: Zoom's browser redirect
        done = await browser.get("/zoom/oauth/callback", params=query)
        assert done.status_code == 200, done.text
        assert done.json()["user"]["email"] == "owner@example.com"

        again = await browser.get("/zoom/oauth/callback", params=query)
        assert again.status_code == 400
        assert again.headers["content-type"].startswith("application/problem+json")
        unknown = await browser.get(
            "/zoom/oauth/callback", params={"code": query["code"], "state": "forged-state"}
        )
        assert unknown.status_code == 400

        expired = await consent(zh)
        async with zh.runtime.db.transaction() as conn:
            await conn.execute(sa.update(tables.oauth_states).values(expires_at=0.0))
        late = await browser.get("/zoom/oauth/callback", params=expired)
        assert late.status_code == 400
        await browser.aclose()

        stats = await emulator_stats(zh)
        assert stats["token_grants"] == {"authorization_code": 1}  # refused callbacks: nothing

        status = await _status(zh)
        assert status["status"] == "connected"
        assert status["auth"] == "authorization_code"
        assert status["user"] == {
            "id": status["user"]["id"],
            "name": "Account Owner",
            "email": "owner@example.com",
        }
        row = await _connection_row(zh, USER_CONNECTION)
        token = await service(zh.runtime.hub).store.load(USER_CONNECTION)
        assert token is not None and token.refresh_token
        assert token.access_token not in row.token_sealed  # encrypted at rest
        assert token.refresh_token not in row.token_sealed


async def test_refresh_with_rotation_under_20_concurrent_calls_reaches_zoom_once(
    zoom_hub_factory: Callable[..., Any],
) -> None:
    async with zoom_hub_factory(zoom_overrides=user_oauth_overrides()) as zh:
        await connect_user(zh)
        client = service(zh.runtime.hub).client(USER_CONNECTION)
        before = await service(zh.runtime.hub).store.load(USER_CONNECTION)
        await zh.api.post(f"{zh.zoom.control_url}/tokens/expire")

        answers = await asyncio.gather(*(client.users_me() for _ in range(20)))

        assert {a["email"] for a in answers} == {"owner@example.com"}
        stats = await emulator_stats(zh)
        assert stats["refreshes"] == 1
        assert stats["token_errors"] == {}
        after = await service(zh.runtime.hub).store.load(USER_CONNECTION)
        assert after is not None and before is not None
        assert after.refresh_token != before.refresh_token  # rotated, and the new one kept


async def test_rejected_refresh_token_waits_for_reauthorization(
    zoom_hub_factory: Callable[..., Any],
) -> None:
    overrides = user_oauth_overrides()
    async with zoom_hub_factory(zoom_overrides=overrides, pipeline={"run_workers": False}) as zh:
        await connect_user(zh)
        svc = service(zh.runtime.hub)
        stolen = await svc.store.load(USER_CONNECTION)
        assert stolen is not None and stolen.refresh_token
        # Someone else uses the refresh token: Zoom rotates it and the hub's copy is dead.
        async with httpx.AsyncClient() as other_app:
            rotated = await other_app.post(
                f"{zh.zoom.oauth_base_url}/oauth/token",
                data={"grant_type": "refresh_token", "refresh_token": stolen.refresh_token},
                auth=(zh.zoom.config.client_id, zh.zoom.config.client_secret),
            )
        assert rotated.status_code == 200, rotated.text
        await zh.api.post(f"{zh.zoom.control_url}/tokens/expire")

        assert (await zh.api.post("/api/v1/events/published", json=event_body())).status_code == 202
        await zh.drain()
        [delivery] = await hub_deliveries(zh, hook="on_event_published")
        assert delivery.state == "pending"  # waiting, not dead
        assert delivery.error_kind == "retry"
        assert "re-authorized" in delivery.last_error
        assert delivery.due_at.replace(tzinfo=UTC) > datetime.now(UTC)

        status = await _status(zh)
        assert status["status"] == "expired" and status["needs_reauthorization"] is True
        assert "authorize" in status["message"]
        assert (await _connection_row(zh, USER_CONNECTION)).status == "needs_reauthorization"

        # Further attempts wait without sending the dead token to Zoom again.
        await _make_due(zh)
        await zh.drain()
        assert (await emulator_stats(zh))["token_errors"] == {"invalid_grant": 1}

        await connect_user(zh)
        assert (await _status(zh))["status"] == "connected"
        await _make_due(zh)
        await zh.drain()
        [delivery] = await hub_deliveries(zh, hook="on_event_published")
        assert delivery.state == "done"
        event = (await zh.api.get("/api/v1/events/ev-1")).json()
        assert event["meeting"]["status"] == "active"


async def _make_due(zh: ZoomHub) -> None:
    d = hub_tables.deliveries
    async with zh.runtime.db.transaction() as conn:
        await conn.execute(
            sa.update(d).where(d.c.state == "pending").values(due_at=datetime.now(UTC))
        )


async def test_disconnect_revokes_at_zoom_and_forgets_tokens(
    zoom_hub_factory: Callable[..., Any],
) -> None:
    async with zoom_hub_factory(zoom_overrides=user_oauth_overrides()) as zh:
        await connect_user(zh)
        response = await zh.api.post("/zoom/oauth/disconnect")
        assert response.status_code == 200, response.text
        assert response.json()["revoked"] is True
        assert (await emulator_stats(zh))["revocations"] == 1
        assert await _connection_row(zh, USER_CONNECTION) is None
        assert (await _status(zh))["status"] == "not_connected"
        async with httpx.AsyncClient(base_url=zh.url) as anonymous:
            refused = await anonymous.post("/zoom/oauth/disconnect")
        assert refused.status_code == 401


async def test_authorize_is_refused_for_a_server_to_server_app(
    zoom_hub_factory: Callable[..., Any],
) -> None:
    async with zoom_hub_factory() as zh:
        async with httpx.AsyncClient(base_url=zh.url) as browser:
            response = await browser.get("/zoom/oauth/authorize")
        assert response.status_code == 409
