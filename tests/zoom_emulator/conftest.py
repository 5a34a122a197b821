"""Fixtures for the Zoom emulator tests: a served emulator, an authenticated client,
and a webhook sink that records what the emulator sends.

Everything goes over real loopback HTTP.  The emulator clock is frozen at a fixed
instant by default so rate limits and expiries are exact; tests move it explicitly.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from hub_zoom.emulator import Clock
from hub_zoom.emulator.testing import EmulatorHandle, running_emulator
from hub_zoom.emulator.transport import QuietServer, uvicorn_config

from tests.support.reference import reference_folder

START = datetime(2030, 3, 4, 9, 0, 0, tzinfo=UTC)
REPO_ROOT = Path(__file__).resolve().parents[2]


def reference_dir(name: str) -> Path:
    """A reference folder beside the repository; skip (or fail in CI) when absent."""
    return reference_folder(name)


@pytest.fixture(name="reference_dir")
def reference_dir_fixture() -> Callable[[str], Path]:
    """``reference_dir("zoom-openapi")`` -> the folder, or skip/fail when it is absent."""
    return reference_dir


# ---------------------------------------------------------------------- API client


class ZoomClient:
    """An httpx client that knows the emulator's URLs and fetches an S2S token."""

    def __init__(self, zoom: EmulatorHandle, http: httpx.AsyncClient) -> None:
        self.zoom = zoom
        self.http = http
        self.token: str | None = None

    async def fetch_token(self) -> str:
        response = await self.http.post(
            f"{self.zoom.oauth_base_url}/oauth/token",
            data={"grant_type": "account_credentials", "account_id": self.zoom.config.account_id},
            auth=(self.zoom.config.client_id, self.zoom.config.client_secret),
        )
        assert response.status_code == 200, response.text
        self.token = response.json()["access_token"]
        return self.token

    async def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if self.token is None:
            await self.fetch_token()
        extra = kwargs.pop("headers", {})
        response = await self.http.request(
            method,
            f"{self.zoom.api_base_url}{path}",
            headers={"Authorization": f"Bearer {self.token}", **extra},
            **kwargs,
        )
        if response.status_code == 401 and "expired" in response.text:
            # Simulations move the clock by hours; fetch a new token like a client would.
            await self.fetch_token()
            response = await self.http.request(
                method,
                f"{self.zoom.api_base_url}{path}",
                headers={"Authorization": f"Bearer {self.token}", **extra},
                **kwargs,
            )
        return response

    async def control(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.request(method, f"{self.zoom.control_url}{path}", **kwargs)

    async def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        response = await self.api(method, path, **kwargs)
        assert response.status_code == status, (response.status_code, response.text)
        return response.json() if response.content else None

    async def ctl(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        response = await self.control(method, path, **kwargs)
        assert response.status_code == status, (response.status_code, response.text)
        return response.json()

    async def new_meeting(self, **body: Any) -> dict[str, Any]:
        payload = {
            "topic": "Emulated meeting",
            "type": 2,
            "start_time": "2030-03-10T15:00:00Z",
            "duration": 60,
            "settings": {"approval_type": 0},
        }
        payload.update(body)
        return await self.ok("POST", "/users/me/meetings", 201, json=payload)  # type: ignore[no-any-return]

    async def new_webinar(self, **body: Any) -> dict[str, Any]:
        payload = {
            "topic": "Emulated webinar",
            "type": 5,
            "start_time": "2030-03-10T15:00:00Z",
            "duration": 90,
            "settings": {"approval_type": 0},
        }
        payload.update(body)
        return await self.ok("POST", "/users/me/webinars", 201, json=payload)  # type: ignore[no-any-return]


ZoomFactory = Callable[..., contextlib.AbstractAsyncContextManager[ZoomClient]]


@pytest.fixture
def zoom_factory() -> ZoomFactory:
    """``async with zoom_factory(plan="free") as z:`` -> a ZoomClient on a fresh emulator."""

    @contextlib.asynccontextmanager
    async def make(frozen: bool = True, **overrides: Any) -> AsyncIterator[ZoomClient]:
        clock = Clock(start=START, frozen=frozen, time_scale=overrides.get("time_scale", 1.0))
        async with (
            running_emulator(clock=clock, **overrides) as handle,
            httpx.AsyncClient(timeout=10) as http,
        ):
            yield ZoomClient(handle, http)

    return make


@pytest.fixture
async def zc(zoom_factory: ZoomFactory) -> AsyncIterator[ZoomClient]:
    async with zoom_factory() as client:
        yield client


# ---------------------------------------------------------------------- webhook sink


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return msgspec.json.decode(self.body)


@dataclass
class WebhookSink:
    """Records deliveries; ``responder`` decides the status of each answer."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    responder: Callable[[Received], Awaitable[tuple[int, bytes]] | tuple[int, bytes]] | None = None

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        bodies = [r.json() for r in self.received]
        return [b for b in bodies if name is None or b["event"] == name]

    async def wait_for(self, count: int, timeout: float = 10.0, event: str | None = None) -> None:
        async def reached() -> None:
            while len(self.events(event)) < count:
                await asyncio.sleep(0.01)

        await asyncio.wait_for(reached(), timeout)


async def _sink_app(sink: WebhookSink, scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    record = Received({k.decode(): v.decode() for k, v in scope["headers"]}, body)
    sink.received.append(record)
    status, answer = 200, b'{"ok":true}'
    if sink.responder is not None:
        result = sink.responder(record)
        if asyncio.iscoroutine(result):
            result = await result
        status, answer = result  # type: ignore[misc]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": answer})


@pytest.fixture
async def sink() -> AsyncIterator[WebhookSink]:
    sink = WebhookSink()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(512)
    port = sock.getsockname()[1]
    sink.url = f"http://127.0.0.1:{port}/zoom/webhook"

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await _sink_app(sink, scope, receive, send)

    server = QuietServer(uvicorn_config(app, "127.0.0.1", port))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.005)
    yield sink
    server.should_exit = True
    await asyncio.wait_for(task, 10)
    sock.close()
