"""A hub with the Zoom plugin pointed at a running emulator, both on real loopback HTTP.

The emulator's webhooks are delivered to the hub's own ``POST /webhooks/zoom`` over HTTP,
signed with the secret both were configured with.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from hub_zoom.emulator.testing import EmulatorHandle, running_emulator
from hub_zoom.emulator.webhooks_out import sign
from hub_zoom.storage import tables as zoom_tables

from hub.api.app import create_app
from hub.runtime import HubRuntime, open_hub
from hub.storage import tables as hub_tables
from tests.conftest import API_KEY, event_body, make_config, ticket_body
from tests.support.serving import serve_app

WEBHOOK_SECRET = "zoom-webhook-secret-for-tests"


@dataclass
class ZoomHub:
    runtime: HubRuntime
    url: str
    zoom: EmulatorHandle
    api: httpx.AsyncClient

    async def drain(self, timeout: float = 60.0) -> None:
        await self.runtime.worker.drain(timeout)


def zoom_settings(zoom: EmulatorHandle, **overrides: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "auth": "server_to_server",
        "account_id": zoom.config.account_id,
        "client_id": zoom.config.client_id,
        "client_secret": zoom.config.client_secret,
        "api_base_url": zoom.api_base_url,
        "oauth_base_url": zoom.oauth_base_url,
        "plan": zoom.config.plan,
        "webhook_secret_token": WEBHOOK_SECRET,
        "batch_linger_seconds": 0.05,
    }
    settings.update(overrides)
    return settings


@asynccontextmanager
async def zoom_hub(
    db_url: str,
    *,
    enabled: list[str] | None = None,
    zoom_overrides: dict[str, Any] | None = None,
    emulator_overrides: dict[str, Any] | None = None,
    plugins: dict[str, dict[str, Any]] | None = None,
    pipeline: dict[str, Any] | None = None,
) -> AsyncIterator[ZoomHub]:
    """Emulator first (its webhook URL is set once the hub's port is known), then the hub."""
    async with running_emulator(
        webhook_secret=WEBHOOK_SECRET, redelivery_compression=600, **(emulator_overrides or {})
    ) as zoom:
        config = make_config(
            db_url,
            enabled or ["zoom"],
            plugins={"zoom": zoom_settings(zoom, **(zoom_overrides or {})), **(plugins or {})},
            default_provider="zoom",
            pipeline=pipeline or {},
        )
        async with open_hub(config) as runtime, serve_app(create_app(runtime)) as url:
            async with httpx.AsyncClient() as control:
                r = await control.post(
                    f"{zoom.control_url}/webhooks/url", json={"url": f"{url}/webhooks/zoom"}
                )
                r.raise_for_status()
            async with httpx.AsyncClient(
                base_url=url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30
            ) as api:
                yield ZoomHub(runtime, url, zoom, api)


@pytest.fixture
def zoom_hub_factory(db_url: str) -> Callable[..., Any]:
    def factory(**kwargs: Any) -> Any:
        return zoom_hub(db_url, **kwargs)

    return factory


# --- lifecycle helpers (meetings, registrants, OAuth) ----------------------------------------


async def emulator_stats(zh: ZoomHub) -> dict[str, Any]:
    """The emulator's counters, read through its control API."""
    response = await zh.api.get(f"{zh.zoom.control_url}/stats")
    response.raise_for_status()
    return response.json()


def calls_to(stats: dict[str, Any], route: str) -> int:
    """Calls the emulator received on a route template, e.g. "POST /v2/meetings/{meetingId}"."""
    return int(stats["calls"].get(route, 0))


async def zoom_registrants(zh: ZoomHub, meeting_id: str, status: str | None = None) -> list[dict]:
    params = {"meeting_id": meeting_id, **({"status": status} if status else {})}
    response = await zh.api.get(f"{zh.zoom.control_url}/state/registrants", params=params)
    response.raise_for_status()
    return response.json()["registrants"]


async def zoom_meetings(zh: ZoomHub) -> list[dict]:
    response = await zh.api.get(f"{zh.zoom.control_url}/state/meetings")
    response.raise_for_status()
    return response.json()["meetings"]


async def zoom_meeting_rows(zh: ZoomHub, event_id: str) -> dict[str, Any]:
    """The plugin's zoom_meetings rows of an event, keyed by session key."""
    from hub_zoom.lifecycle import meeting_rows

    return await meeting_rows.rows_of(zh.runtime.hub, event_id)


async def hub_deliveries(zh: ZoomHub, **where: Any) -> list[Any]:
    import sqlalchemy as sa

    from hub.storage import tables

    d = tables.deliveries
    query = sa.select(d).order_by(d.c.id)
    for key, value in where.items():
        query = query.where(d.c[key] == value)
    async with zh.runtime.db.connect() as conn:
        return list((await conn.execute(query)).all())


async def sell_many(zh: ZoomHub, event_id: str, count: int, prefix: str = "t") -> list[str]:
    """Record ``count`` sales through the hub's ingest (the path the HTTP API takes)."""
    from hub.models import Ticket

    ids = []
    for i in range(count):
        ticket_id = f"{prefix}-{i:05d}"
        await zh.runtime.ingestor.sell_ticket(
            Ticket(
                id=ticket_id,
                event_id=event_id,
                email=f"{ticket_id}@example.com",
                first_name="Holder",
                last_name=f"N{i}",
            )
        )
        ids.append(ticket_id)
    return ids


# --- webhooks, attendance and recordings helpers ---------------------------------------------


def zoom_webhook_samples() -> Path:
    """shared/reference/zoom-webhooks beside the repository; skip (or fail in CI) if absent."""
    from tests.support.reference import reference_folder

    return reference_folder("zoom-webhooks")


def signed_headers(body: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> dict:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "content-type": "application/json; charset=utf-8",
        "x-zm-request-timestamp": ts,
        "x-zm-signature": sign(secret, ts, body),
    }


async def post_webhook(
    zh: ZoomHub, body: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None
) -> httpx.Response:
    """POST a Zoom-signed body to the hub's receiver, as Zoom does (no API key)."""
    async with httpx.AsyncClient(base_url=zh.url, timeout=30) as client:
        return await client.post(
            "/webhooks/zoom", content=body, headers=signed_headers(body, secret, timestamp)
        )


async def count_rows(zh: ZoomHub, table: sa.Table, *where: Any) -> int:
    query = sa.select(sa.func.count()).select_from(table)
    if where:
        query = query.where(*where)
    async with zh.runtime.db.connect() as conn:
        return (await conn.execute(query)).scalar_one()


async def webhook_facts(zh: ZoomHub) -> int:
    return await count_rows(zh, hub_tables.facts, hub_tables.facts.c.kind == "webhook")


async def control(zh: ZoomHub, path: str, body: Any = None) -> Any:
    """Call the emulator's control API (``/_emulator``) and return its JSON."""
    async with httpx.AsyncClient(base_url=zh.zoom.control_url, timeout=60) as client:
        response = await client.post(path, json=body if body is not None else {})
    assert response.status_code < 300, response.text
    return response.json()


async def settle(zh: ZoomHub, rounds: int = 3, timeout: float = 60.0) -> None:
    """Let the emulator send its webhooks and the hub process everything they caused."""
    for _ in range(rounds):
        await zh.zoom.state.webhooks.drain(timeout)
        await zh.drain(timeout)


def write_hub_toml(zh: ZoomHub, db_url: str, path: Path) -> Path:
    """A hub.toml for CLI commands that open the same database and emulator as ``zh``."""
    import json

    sections = {
        "database": {"url": db_url},
        "logging": {"level": "warning"},
        "plugins": {"enabled": ["zoom"]},
        "plugins.zoom": zoom_settings(zh.zoom),
    }
    lines = []
    for section, values in sections.items():
        lines.append(f"[{section}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


async def publish_with_tickets(
    zh: ZoomHub, event_id: str, tickets: int, **event: Any
) -> tuple[str, dict[str, str]]:
    """Publish an event and sell tickets through the hub's API; returns the Zoom meeting id
    (the first session's for a multi-session event) and each ticket's registrant id (of
    that meeting), once the lifecycle registered them."""
    body = event_body(event_id, **event)
    assert (await zh.api.post("/api/v1/events/published", json=body)).status_code == 202
    for i in range(tickets):
        response = await zh.api.post("/api/v1/tickets/sold", json=ticket_body(f"t-{i}", event_id))
        assert response.status_code == 202, response.text
    await settle(zh)
    m, r = zoom_tables.meetings, zoom_tables.registrants
    async with zh.runtime.db.connect() as conn:
        meeting_id = (
            (
                await conn.execute(
                    sa.select(m.c.meeting_id)
                    .where(m.c.event_id == event_id)
                    .order_by(m.c.session_key)
                )
            )
            .scalars()
            .first()
        )
        rows = (
            await conn.execute(
                sa.select(r.c.ticket_id, r.c.registrant_id).where(
                    r.c.event_id == event_id, r.c.meeting_id == meeting_id
                )
            )
        ).all()
    return str(meeting_id), {row.ticket_id: row.registrant_id for row in rows}


USER_OAUTH_REDIRECT = "http://hub.test/zoom/oauth/callback"


def user_oauth_overrides(**extra: Any) -> dict[str, Any]:
    """[plugins.zoom] for a user-authorized (authorization code + PKCE) app."""
    return {"auth": "authorization_code", "redirect_uri": USER_OAUTH_REDIRECT, **extra}


async def consent(zh: ZoomHub) -> dict[str, str]:
    """Play the browser: hub authorize -> Zoom consent (granted at once) -> the callback's
    query (``code`` and ``state``), without following the last redirect."""
    from urllib.parse import parse_qsl, urlsplit

    async with httpx.AsyncClient(base_url=zh.url) as browser:  # no API key: a browser
        start = await browser.get("/zoom/oauth/authorize")
        assert start.status_code == 302, start.text
        to_zoom = start.headers["location"]
        assert to_zoom.startswith(f"{zh.zoom.oauth_base_url}/oauth/authorize?")
        granted = await browser.get(to_zoom)
    assert granted.status_code == 302, granted.text
    back = urlsplit(granted.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == USER_OAUTH_REDIRECT
    return dict(parse_qsl(back.query))


async def connect_user(zh: ZoomHub) -> dict[str, Any]:
    query = await consent(zh)
    async with httpx.AsyncClient(base_url=zh.url) as browser:
        response = await browser.get("/zoom/oauth/callback", params=query)
    assert response.status_code == 200, response.text
    return response.json()


async def drain_until_done(zh: ZoomHub, timeout: float = 60.0) -> None:
    """Drain until no delivery is pending or running; ``drain`` alone returns as soon as
    nothing is due, which is early when a retry was scheduled a moment ahead."""
    import asyncio

    import sqlalchemy as sa

    from hub.storage import tables

    d = tables.deliveries
    async with asyncio.timeout(timeout):
        while True:
            await zh.drain(timeout)
            async with zh.runtime.db.connect() as conn:
                left = (
                    await conn.execute(
                        sa.select(sa.func.count())
                        .select_from(d)
                        .where(d.c.state.in_(("pending", "running")))
                    )
                ).scalar_one()
            if not left:
                return
            await asyncio.sleep(0.05)
