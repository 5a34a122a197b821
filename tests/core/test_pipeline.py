"""Delivery semantics: idempotency, ordering, isolation, retries, dead letters, replay."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import sqlalchemy as sa

from hub.config.schema import HubConfig
from hub.runtime import HubRuntime, open_hub
from hub.storage import tables
from tests.conftest import api_client, event_body, ticket_body
from tests.support import testvideo as tv
from tests.support.recorder import Recorder
from tests.support.testvideo import TestVideoProvider


async def effect_count(runtime: HubRuntime, kind: str | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(tv.effects)
    if kind:
        query = query.where(tv.effects.c.kind == kind)
    async with runtime.db.connect() as conn:
        return (await conn.execute(query)).scalar_one()


async def call_count(runtime: HubRuntime, hook: str) -> int:
    query = sa.select(sa.func.count()).select_from(tv.calls).where(tv.calls.c.hook == hook)
    async with runtime.db.connect() as conn:
        return (await conn.execute(query)).scalar_one()


async def row_counts(runtime: HubRuntime) -> dict[str, int]:
    counts = {}
    async with runtime.db.connect() as conn:
        for table in (tables.events, tables.tickets, tables.facts, tables.deliveries):
            counts[table.name] = (
                await conn.execute(sa.select(sa.func.count()).select_from(table))
            ).scalar_one()
    return counts


async def deliveries(runtime: HubRuntime, **where: Any) -> list[Any]:
    d = tables.deliveries
    query = sa.select(d).order_by(d.c.id)
    for key, value in where.items():
        query = query.where(d.c[key] == value)
    async with runtime.db.connect() as conn:
        return list((await conn.execute(query)).all())


async def test_same_event_and_ticket_twice_have_no_second_effect(
    client: httpx.AsyncClient, hub_runtime: HubRuntime
) -> None:
    for _ in range(2):
        assert (await client.post("/api/v1/events/published", json=event_body())).status_code == 202
    results = [
        (await client.post("/api/v1/tickets/sold", json=ticket_body("t-1"))).json()["status"]
        for _ in range(3)
    ]
    assert results == ["accepted", "duplicate", "duplicate"]
    await hub_runtime.worker.drain()
    assert await effect_count(hub_runtime, "meeting") == 1
    assert await effect_count(hub_runtime, "register") == 1
    counts = await row_counts(hub_runtime)
    assert counts["hub_tickets"] == 1


async def test_concurrent_duplicates_store_one_fact(
    client: httpx.AsyncClient, hub_runtime: HubRuntime
) -> None:
    await client.post("/api/v1/events/published", json=event_body())
    responses = await asyncio.gather(
        *(client.post("/api/v1/tickets/sold", json=ticket_body("t-9")) for _ in range(8))
    )
    assert all(r.status_code == 202 for r in responses)
    assert sorted(r.json()["status"] for r in responses).count("accepted") == 1
    await hub_runtime.worker.drain()
    assert await effect_count(hub_runtime, "register") == 1


async def test_changed_event_body_is_an_update(
    client: httpx.AsyncClient, hub_runtime: HubRuntime
) -> None:
    await client.post("/api/v1/events/published", json=event_body())
    r = await client.post("/api/v1/events/published", json=event_body(title="Renamed"))
    assert r.json()["status"] == "updated"
    r = await client.post("/api/v1/events/updated", json=event_body(title="Renamed"))
    assert r.json()["status"] == "duplicate"
    await hub_runtime.worker.drain()
    assert await effect_count(hub_runtime, "update") == 1
    body = (await client.get("/api/v1/events/ev-1")).json()
    assert body["event"]["title"] == "Renamed"
    assert body["version"] == 2


async def test_ticket_waits_for_its_event_meeting(
    config_factory: Callable[..., HubConfig], testvideo: TestVideoProvider
) -> None:
    # The provider fails the event's first delivery; tickets posted meanwhile must wait,
    # or the test provider's assertion (meeting exists) would fail them.
    config = config_factory(plugins={"testvideo": {"retry_after_first": True}})
    async with open_hub(config, extra_plugins={"testvideo": testvideo}) as runtime:
        async for client in api_client(runtime):
            await client.post("/api/v1/events/published", json=event_body())
            for i in range(5):
                await client.post("/api/v1/tickets/sold", json=ticket_body(f"t-{i}"))
            await runtime.worker.drain()
        rows = await deliveries(runtime, plugin="testvideo")
        assert {r.state for r in rows} == {"done"}
        assert await effect_count(runtime, "register") == 5


async def test_refund_before_sale_processed_leaves_holder_unregistered(
    config_factory: Callable[..., HubConfig], testvideo: TestVideoProvider
) -> None:
    async with open_hub(
        config_factory(), extra_plugins={"testvideo": testvideo}, run_workers=False
    ) as rt:
        async for client in api_client(rt):
            await client.post("/api/v1/events/published", json=event_body())
            await client.post("/api/v1/tickets/sold", json=ticket_body("t-1"))
            await client.post(
                "/api/v1/tickets/refunded", json={"ticket_id": "t-1", "event_id": "ev-1"}
            )
            await rt.worker.drain()
            rows = await deliveries(rt, plugin="testvideo", ticket_id="t-1")
            assert [(r.hook, r.state) for r in rows] == [
                ("on_ticket_sold", "done"),
                ("on_refund", "done"),
            ]
            # The sale was superseded by the refund: the provider never registered the holder.
            assert await call_count(rt, "on_ticket_sold") == 0
            assert await effect_count(rt, "register") == 0
            reg = (await client.get("/api/v1/events/ev-1/tickets/t-1")).json()["registration"]
            assert reg["status"] == "cancelled"


async def test_refund_that_overtakes_its_sale(
    client: httpx.AsyncClient, hub_runtime: HubRuntime
) -> None:
    await client.post("/api/v1/events/published", json=event_body())
    r = await client.post("/api/v1/tickets/refunded", json={"ticket_id": "t-5", "event_id": "ev-1"})
    assert r.status_code == 202
    r = await client.post("/api/v1/tickets/sold", json=ticket_body("t-5"))
    assert r.json()["status"] == "ignored"
    await hub_runtime.worker.drain()
    assert await effect_count(hub_runtime, "register") == 0


async def test_failing_plugin_is_retried_alone(
    config_factory: Callable[..., HubConfig], testvideo: TestVideoProvider
) -> None:
    recorder = Recorder(fail_times=2)
    config = config_factory(enabled=["testvideo", "recorder"])
    async with open_hub(config, extra_plugins={"testvideo": testvideo, "recorder": recorder}) as rt:
        async for client in api_client(rt):
            await client.post("/api/v1/events/published", json=event_body())
            await client.post("/api/v1/tickets/sold", json=ticket_body("t-1"))
            await rt.worker.drain()
        assert recorder.calls["sold:t-1"] == 3
        assert ("sold", "t-1") in recorder.received
        # The provider's registration ran exactly once although the recorder failed twice.
        assert await call_count(rt, "on_ticket_sold") == 1
        rows = await deliveries(rt, plugin="recorder", hook="on_ticket_sold")
        assert [(r.state, r.attempts) for r in rows] == [("done", 3)]


async def test_dead_letter_listed_and_replayed(
    config_factory: Callable[..., HubConfig], testvideo: TestVideoProvider
) -> None:
    recorder = Recorder(fail_times=100)
    config = config_factory(enabled=["testvideo", "recorder"], pipeline={"max_attempts": 3})
    async with open_hub(config, extra_plugins={"testvideo": testvideo, "recorder": recorder}) as rt:
        async for client in api_client(rt):
            await client.post("/api/v1/events/published", json=event_body())
            await client.post("/api/v1/tickets/sold", json=ticket_body("t-1"))
            await rt.worker.drain()
            dead = (await client.get("/api/v1/deliveries", params={"state": "dead"})).json()
            assert [(d["plugin"], d["hook"], d["attempts"]) for d in dead["deliveries"]] == [
                ("recorder", "on_ticket_sold", 3)
            ]
            assert "recorder failure 3" in dead["deliveries"][0]["last_error"]
            assert recorder.calls["sold:t-1"] == 3
            recorder.fail_times = 0
            delivery_id = dead["deliveries"][0]["id"]
            r = await client.post(f"/api/v1/deliveries/{delivery_id}/retry")
            assert r.status_code == 202
            r = await client.post(f"/api/v1/deliveries/{delivery_id}/retry")
            assert r.status_code == 409  # no longer dead
            await rt.worker.drain()
            assert recorder.received.count(("sold", "t-1")) == 1
            dead = (await client.get("/api/v1/deliveries", params={"state": "dead"})).json()
            assert dead["deliveries"] == []
        assert await call_count(rt, "on_ticket_sold") == 1


async def test_permanent_failure_is_dead_at_once(
    config_factory: Callable[..., HubConfig], testvideo: TestVideoProvider
) -> None:
    config = config_factory(
        plugins={"testvideo": {"permanent_for_email_domain": "blocked.example"}}
    )
    async with open_hub(config, extra_plugins={"testvideo": testvideo}) as rt:
        async for client in api_client(rt):
            await client.post("/api/v1/events/published", json=event_body())
            await client.post(
                "/api/v1/tickets/sold", json=ticket_body("t-1", email="x@blocked.example")
            )
            await rt.worker.drain()
        rows = await deliveries(rt, ticket_id="t-1")
        assert [(r.state, r.attempts, r.error_kind) for r in rows] == [("dead", 1, "permanent")]
        assert "code 300" in rows[0].last_error


async def test_reports_fan_out_to_other_plugins_once(
    config_factory: Callable[..., HubConfig], testvideo: TestVideoProvider
) -> None:
    recorder = Recorder()
    config = config_factory(enabled=["testvideo", "recorder"])
    async with open_hub(config, extra_plugins={"testvideo": testvideo, "recorder": recorder}) as rt:
        async for client in api_client(rt):
            await client.post("/api/v1/events/published", json=event_body())
            await client.post("/api/v1/tickets/sold", json=ticket_body("t-1"))
            await rt.worker.drain()
        assert ("details", "https://video.test/j/ev-1") in recorder.received
        assert ("registration", ("t-1", "registered")) in recorder.received
        # The provider never receives its own reports.
        rows = await deliveries(rt, plugin="testvideo")
        assert {r.hook for r in rows} == {"on_event_published", "on_ticket_sold"}


async def test_second_provider_never_acts_on_events_it_does_not_serve(
    config_factory: Callable[..., HubConfig], testvideo: TestVideoProvider
) -> None:
    class OtherProvider(TestVideoProvider):
        from hub import hookimpl as _impl

        @_impl
        def hub_video_providers(self):  # type: ignore[no-untyped-def]
            from hub.models import VideoProvider

            return [VideoProvider(name="othervideo")]

        @_impl
        def hub_migrations(self):  # type: ignore[no-untyped-def]
            return None

        @_impl
        def hub_routes(self, hub):  # type: ignore[no-untyped-def]
            return []

    config = config_factory(enabled=["testvideo", "othervideo"])
    async with open_hub(
        config, extra_plugins={"testvideo": testvideo, "othervideo": OtherProvider()}
    ) as rt:
        async for client in api_client(rt):
            await client.post("/api/v1/events/published", json=event_body())
            r = await client.post(
                "/api/v1/events/published", json=event_body("ev-2", video_provider="nope")
            )
            assert r.status_code == 422
            assert "Choose one of: othervideo, testvideo" in r.json()["detail"]
            await rt.worker.drain()
        rows = await deliveries(rt)
        assert {r.plugin for r in rows} == {"testvideo"}


async def test_report_changing_back_is_announced_again(
    config_factory: Callable[..., HubConfig], testvideo: TestVideoProvider
) -> None:
    """A registration going registered -> cancelled -> registered reaches other plugins
    three times, while repeating the current state reaches them not at all."""
    from hub.models import Registration

    recorder = Recorder()
    config = config_factory(enabled=["testvideo", "recorder"])
    async with open_hub(config, extra_plugins={"testvideo": testvideo, "recorder": recorder}) as rt:
        async for client in api_client(rt):
            await client.post("/api/v1/events/published", json=event_body())
            await client.post("/api/v1/tickets/sold", json=ticket_body("t-1"))
            await rt.worker.drain()
        for status in ("cancelled", "cancelled", "registered", "registered"):
            await rt.hub.report_registration(
                Registration(
                    event_id="ev-1",
                    ticket_id="t-1",
                    provider="testvideo",
                    status=status,
                    join_url="https://video.test/j/ev-1?tk=t-1" if status == "registered" else None,
                    registrant_id="r-t-1" if status == "registered" else None,
                ),
                origin="testvideo",
            )
        await rt.worker.drain()
    regs = [v for k, v in recorder.received if k == "registration"]
    assert regs == [("t-1", "registered"), ("t-1", "cancelled"), ("t-1", "registered")]
