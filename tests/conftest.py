"""Shared fixtures: fresh databases on every backend, hub configs, running hubs."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.api.app import create_app
from hub.config.loader import config_from_dict
from hub.config.schema import HubConfig
from hub.runtime import HubRuntime, open_hub
from tests.support.databases import backends, fresh_database
from tests.support.testvideo import TestVideoProvider

API_KEY = "test-api-key-0123456789"
SECRET_KEY = "test-secret-key-0123456789abcdefghijklmnop"


@pytest.fixture(autouse=True)
def _hub_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_API_KEYS", f"{API_KEY},second-key-abcdefgh")
    monkeypatch.setenv("HUB_SECRET_KEY", SECRET_KEY)
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)


@pytest.fixture(params=backends())
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Any:
    with fresh_database("sqlite", tmp_path) as url:
        yield url


def make_config(
    db_url: str,
    enabled: list[str],
    plugins: dict[str, dict[str, Any]] | None = None,
    default_provider: str | None = "testvideo",
    **sections: Any,
) -> HubConfig:
    raw: dict[str, Any] = {
        "hub": {"default_video_provider": default_provider} if default_provider else {},
        "database": {"url": db_url},
        "pipeline": {
            "poll_interval_seconds": 0.02,
            "backoff_base_seconds": 0.01,
            "backoff_max_seconds": 0.05,
            "max_attempts": 4,
            **sections.pop("pipeline", {}),
        },
        "logging": {"level": "warning"},
        "plugins": {"enabled": enabled, **(plugins or {})},
    }
    raw.update(sections)
    return config_from_dict(raw, "test-hub.toml")


@pytest.fixture
def config_factory(db_url: str) -> Callable[..., HubConfig]:
    def factory(enabled: list[str] | None = None, **kwargs: Any) -> HubConfig:
        return make_config(db_url, enabled or ["testvideo"], **kwargs)

    return factory


@pytest.fixture
def testvideo() -> TestVideoProvider:
    return TestVideoProvider()


async def running_hub(
    config: HubConfig, extra: dict[str, Any] | None = None, run_workers: bool = True
) -> AsyncIterator[HubRuntime]:
    async with open_hub(config, extra_plugins=extra, run_workers=run_workers) as runtime:
        yield runtime


@pytest.fixture
async def hub_runtime(
    config_factory: Callable[..., HubConfig], testvideo: TestVideoProvider
) -> AsyncIterator[HubRuntime]:
    async for runtime in running_hub(config_factory(), {"testvideo": testvideo}):
        yield runtime


@pytest.fixture
async def client(hub_runtime: HubRuntime) -> AsyncIterator[httpx.AsyncClient]:
    async for c in api_client(hub_runtime):
        yield c


async def api_client(runtime: HubRuntime) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client bound to the app in this event loop (the hub is already started)."""
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://hub.test",
        headers={"Authorization": f"Bearer {API_KEY}"},
    ) as c:
        yield c


def event_body(event_id: str = "ev-1", **overrides: Any) -> dict[str, Any]:
    body = {
        "id": event_id,
        "title": "Summer Workshop",
        "description": "Hands-on session",
        "starts_at": "2030-07-15T14:00:00+03:00",
        "duration_minutes": 90,
        "timezone": "Europe/Bucharest",
        "capacity": 100,
        "format": "meeting",
    }
    body.update(overrides)
    return body


def ticket_body(ticket_id: str = "t-1", event_id: str = "ev-1", **overrides: Any) -> dict[str, Any]:
    body = {
        "id": ticket_id,
        "event_id": event_id,
        "email": f"{ticket_id}@example.com",
        "first_name": "Ion",
        "last_name": "Popescu",
    }
    body.update(overrides)
    return body


os.environ.setdefault("HUB_TEST", "1")
