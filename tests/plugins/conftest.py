"""Fixtures for the stub plugins: a running hub with the test-only video provider and the
ticketing and CRM stubs (loaded through their installed entry points, as a deployment
would load them)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, cast

import httpx
import pytest

from hub.runtime import HubRuntime
from tests.conftest import api_client, make_config, running_hub
from tests.plugins.stubhub import STUBS, StubHub, StubHubFactory
from tests.support.testvideo import TestVideoProvider


@pytest.fixture
def stub_hub_factory(db_url: str, testvideo: TestVideoProvider) -> StubHubFactory:
    @contextlib.asynccontextmanager
    async def factory(
        enabled: list[str] | None = None,
        plugins: dict[str, dict[str, Any]] | None = None,
        **sections: Any,
    ) -> AsyncIterator[StubHub]:
        config = make_config(db_url, enabled or STUBS, plugins=plugins, **sections)
        # aclosing: if the test fails, the hub still shuts down here, not at garbage collection.
        hubs = cast(AsyncGenerator[HubRuntime], running_hub(config, {"testvideo": testvideo}))
        async with contextlib.aclosing(hubs):
            async for runtime in hubs:
                clients = cast(AsyncGenerator[httpx.AsyncClient], api_client(runtime))
                async with contextlib.aclosing(clients):
                    async for client in clients:
                        yield StubHub(runtime, client)

    return factory


@pytest.fixture
async def stub_hub(stub_hub_factory: StubHubFactory) -> AsyncIterator[StubHub]:
    async with stub_hub_factory() as hub:
        yield hub
