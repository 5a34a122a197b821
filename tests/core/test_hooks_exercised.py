"""One test per hook, each through the real host (pipeline, app, CLI) with test plugins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from click.testing import CliRunner

from hub.cli.main import cli
from hub.config.schema import HubConfig
from hub.runtime import HubRuntime, open_hub
from tests.conftest import api_client, event_body, ticket_body
from tests.core.test_pipeline import deliveries, effect_count
from tests.support.recorder import Recorder
from tests.support.testvideo import Settings, TestVideoProvider


async def _with_recorder(
    config_factory: Callable[..., HubConfig], testvideo: TestVideoProvider, recorder: Recorder
) -> Any:
    config = config_factory(enabled=["testvideo", "recorder"])
    return open_hub(config, extra_plugins={"testvideo": testvideo, "recorder": recorder})


async def test_hook_hub_config_schema(hub_runtime: HubRuntime) -> None:
    assert isinstance(hub_runtime.hub.plugin_config("testvideo"), Settings)


async def test_hook_hub_video_providers(hub_runtime: HubRuntime) -> None:
    assert hub_runtime.registry.providers == {"testvideo": "testvideo"}


async def test_hook_hub_migrations(hub_runtime: HubRuntime) -> None:
    assert await effect_count(hub_runtime) == 0  # its table exists


async def test_hook_hub_startup(hub_runtime: HubRuntime, testvideo: TestVideoProvider) -> None:
    assert testvideo.started


async def test_hook_hub_shutdown(
    config_factory: Callable[..., HubConfig], testvideo: TestVideoProvider
) -> None:
    async with open_hub(config_factory(), extra_plugins={"testvideo": testvideo}):
        assert not testvideo.stopped
    assert testvideo.stopped


async def test_hook_hub_routes(client: httpx.AsyncClient, hub_runtime: HubRuntime) -> None:
    body = {"id": "wh-1", "event": "ping"}
    assert (await client.post("/webhooks/testvideo", json=body)).json() == {"stored": True}
    assert (await client.post("/webhooks/testvideo", json=body)).json() == {"stored": False}


def test_hook_hub_cli_commands() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    # Installed plugins contribute their own commands next to the core ones.
    assert "ticketing-stub" in result.output
    assert "serve" in result.output


async def test_hook_on_event_published(client: httpx.AsyncClient, hub_runtime: HubRuntime) -> None:
    await client.post("/api/v1/events/published", json=event_body())
    await hub_runtime.worker.drain()
    assert await effect_count(hub_runtime, "meeting") == 1


async def test_hook_on_event_updated(client: httpx.AsyncClient, hub_runtime: HubRuntime) -> None:
    await client.post("/api/v1/events/published", json=event_body())
    await client.post("/api/v1/events/updated", json=event_body(title="New title"))
    await hub_runtime.worker.drain()
    assert await effect_count(hub_runtime, "update") == 1


async def test_hook_on_event_cancelled(client: httpx.AsyncClient, hub_runtime: HubRuntime) -> None:
    await client.post("/api/v1/events/published", json=event_body())
    await client.post("/api/v1/events/cancelled", json={"id": "ev-1"})
    await client.post("/api/v1/events/cancelled", json={"id": "ev-1"})
    await hub_runtime.worker.drain()
    assert await effect_count(hub_runtime, "delete") == 1
    assert (await client.get("/api/v1/events/ev-1")).json()["status"] == "cancelled"


async def test_hook_on_ticket_sold(client: httpx.AsyncClient, hub_runtime: HubRuntime) -> None:
    await client.post("/api/v1/events/published", json=event_body())
    await client.post("/api/v1/tickets/sold", json=ticket_body())
    await hub_runtime.worker.drain()
    assert await effect_count(hub_runtime, "register") == 1


async def test_hook_on_ticket_updated(client: httpx.AsyncClient, hub_runtime: HubRuntime) -> None:
    await client.post("/api/v1/events/published", json=event_body())
    await client.post("/api/v1/tickets/sold", json=ticket_body())
    r = await client.post("/api/v1/tickets/sold", json=ticket_body(email="new@example.com"))
    assert r.json()["status"] == "updated"
    await hub_runtime.worker.drain()
    assert await effect_count(hub_runtime, "reregister") == 1
    hooks = [d.hook for d in await deliveries(hub_runtime, plugin="testvideo", ticket_id="t-1")]
    assert hooks == ["on_ticket_sold", "on_ticket_updated"]


async def test_hook_on_refund(client: httpx.AsyncClient, hub_runtime: HubRuntime) -> None:
    await client.post("/api/v1/events/published", json=event_body())
    await client.post("/api/v1/tickets/sold", json=ticket_body())
    await client.post("/api/v1/tickets/refunded", json={"ticket_id": "t-1", "event_id": "ev-1"})
    await hub_runtime.worker.drain()
    assert await effect_count(hub_runtime, "cancel") == 1


async def test_hook_on_webhook(client: httpx.AsyncClient, hub_runtime: HubRuntime) -> None:
    for _ in range(3):  # redeliveries
        await client.post("/webhooks/testvideo", json={"id": "wh-7", "event": "ping"})
    await hub_runtime.worker.drain()
    assert await effect_count(hub_runtime, "webhook") == 1


async def test_hook_on_meeting_details(
    config_factory: Callable[..., HubConfig], testvideo: TestVideoProvider
) -> None:
    recorder = Recorder()
    async with await _with_recorder(config_factory, testvideo, recorder) as rt:
        async for client in api_client(rt):
            await client.post("/api/v1/events/published", json=event_body())
            await rt.worker.drain()
    assert recorder.received == [("details", "https://video.test/j/ev-1")]


async def test_hook_on_registration(
    config_factory: Callable[..., HubConfig], testvideo: TestVideoProvider
) -> None:
    recorder = Recorder()
    async with await _with_recorder(config_factory, testvideo, recorder) as rt:
        async for client in api_client(rt):
            await client.post("/api/v1/events/published", json=event_body())
            await client.post("/api/v1/tickets/sold", json=ticket_body())
            await rt.worker.drain()
            await client.post(
                "/api/v1/tickets/refunded", json={"ticket_id": "t-1", "event_id": "ev-1"}
            )
            await rt.worker.drain()
    regs = [value for kind, value in recorder.received if kind == "registration"]
    assert regs == [("t-1", "registered"), ("t-1", "cancelled")]


def _attendance(final: bool) -> dict[str, Any]:
    return {
        "event_id": "ev-1",
        "provider": "testvideo",
        "final": final,
        "records": [
            {
                "event_id": "ev-1",
                "ticket_id": "t-1",
                "email": "t-1@example.com",
                "name": "Ion Popescu",
                "first_join": "2030-07-15T11:00:00+00:00",
                "last_leave": "2030-07-15T12:00:00+00:00",
                "minutes": 60.0,
                "sessions_count": 1,
                "attended": True,
            }
        ],
    }


async def test_hook_on_attendance(
    config_factory: Callable[..., HubConfig], testvideo: TestVideoProvider
) -> None:
    recorder = Recorder()
    async with await _with_recorder(config_factory, testvideo, recorder) as rt:
        async for client in api_client(rt):
            await client.post("/api/v1/events/published", json=event_body())
            for i, final in enumerate((False, True, True)):
                await client.post(
                    "/webhooks/testvideo",
                    json={"id": f"a-{i}", "event": "attendance", "report": _attendance(final)},
                )
            await rt.worker.drain()
            report = (await client.get("/api/v1/events/ev-1/attendance")).json()
            assert report["final"] and report["records"][0]["minutes"] == 60.0
            csv = (await client.get("/api/v1/events/ev-1/attendance?format=csv")).text
            assert csv.splitlines()[1].startswith("t-1,t-1@example.com,Ion Popescu")
    # Only the final report reaches other plugins, and the same report only once.
    assert [v for k, v in recorder.received if k == "attendance"] == [1]


async def test_hook_on_recording_ready(
    config_factory: Callable[..., HubConfig], testvideo: TestVideoProvider
) -> None:
    recorder = Recorder()
    recording = {
        "event_id": "ev-1",
        "provider": "testvideo",
        "meeting_id": "m-ev-1",
        "share_url": "https://video.test/rec/1",
        "files": [{"id": "f1", "file_type": "MP4", "file_size": 10}],
    }
    async with await _with_recorder(config_factory, testvideo, recorder) as rt:
        async for client in api_client(rt):
            await client.post("/api/v1/events/published", json=event_body())
            await client.post(
                "/webhooks/testvideo",
                json={"id": "r-1", "event": "recording", "recording": recording},
            )
            await rt.worker.drain()
            listed = (await client.get("/api/v1/events/ev-1/recordings")).json()
            assert listed["recordings"][0]["share_url"] == "https://video.test/rec/1"
    assert ("recording", "https://video.test/rec/1") in recorder.received
