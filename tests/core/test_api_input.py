"""Auth and bad input: a 4xx problem naming the field, and nothing written."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hub.runtime import HubRuntime
from tests.conftest import API_KEY, event_body, ticket_body
from tests.core.test_pipeline import row_counts

BAD_EVENTS: list[tuple[str, dict[str, Any], str]] = [
    ("missing id", {k: v for k, v in event_body().items() if k != "id"}, "id"),
    ("capacity as string", event_body(capacity="many"), "capacity"),
    ("capacity zero", event_body(capacity=0), "capacity"),
    ("negative duration", event_body(duration_minutes=-5), "duration_minutes"),
    ("naive datetime", event_body(starts_at="2030-07-15T14:00:00"), "starts_at"),
    ("not a datetime", event_body(starts_at="tomorrow"), "starts_at"),
    ("unknown timezone", event_body(timezone="Mars/Olympus"), "timezone"),
    ("huge title", event_body(title="x" * 5000), "title"),
    ("empty title", event_body(title=""), "title"),
    ("control characters", event_body(title="bad\x00title"), "title"),
    ("unknown format", event_body(format="hologram"), "format"),
    ("unknown field", event_body(colour="red"), "colour"),
    ("id with spaces", event_body(id="a b"), "id"),
    ("unknown provider", event_body(video_provider="nope"), "video_provider"),
]

BAD_TICKETS: list[tuple[str, dict[str, Any], str]] = [
    ("invalid email", ticket_body(email="not-an-email"), "email"),
    ("missing email", {k: v for k, v in ticket_body().items() if k != "email"}, "email"),
    (
        "missing first name",
        {k: v for k, v in ticket_body().items() if k != "first_name"},
        "first_name",
    ),
    ("unknown event", ticket_body(event_id="ev-404"), "event_id"),
    ("first name as number", ticket_body(first_name=7), "first_name"),
    ("newline in name", ticket_body(first_name="Ion\nPopescu"), "first_name"),
]


async def _published(client: httpx.AsyncClient, runtime: HubRuntime) -> None:
    assert (await client.post("/api/v1/events/published", json=event_body())).status_code == 202
    await runtime.worker.drain()


@pytest.mark.parametrize(("case", "body", "field"), BAD_EVENTS, ids=[c[0] for c in BAD_EVENTS])
async def test_bad_event_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, hub_runtime: HubRuntime, case: str, body: dict[str, Any], field: str
) -> None:
    before = await row_counts(hub_runtime)
    r = await client.post("/api/v1/events/published", json=body)
    assert 400 <= r.status_code < 500, (case, r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert field in problem["detail"] or any(
        field in (e.get("field") or "") for e in problem.get("errors", [])
    )
    assert await row_counts(hub_runtime) == before


@pytest.mark.parametrize(("case", "body", "field"), BAD_TICKETS, ids=[c[0] for c in BAD_TICKETS])
async def test_bad_ticket_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, hub_runtime: HubRuntime, case: str, body: dict[str, Any], field: str
) -> None:
    await _published(client, hub_runtime)
    before = await row_counts(hub_runtime)
    r = await client.post("/api/v1/tickets/sold", json=body)
    assert 400 <= r.status_code < 500, (case, r.status_code, r.text)
    problem = r.json()
    assert field in problem["detail"] or any(
        field in (e.get("field") or "") for e in problem.get("errors", [])
    )
    assert await row_counts(hub_runtime) == before


async def test_malformed_json(client: httpx.AsyncClient, hub_runtime: HubRuntime) -> None:
    before = await row_counts(hub_runtime)
    r = await client.post(
        "/api/v1/events/published", content=b'{"id": ', headers={"content-type": "application/json"}
    )
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    assert await row_counts(hub_runtime) == before


async def test_wrong_content_type(client: httpx.AsyncClient, hub_runtime: HubRuntime) -> None:
    before = await row_counts(hub_runtime)
    import json

    r = await client.post(
        "/api/v1/events/published",
        content=json.dumps(event_body()).encode(),
        headers={"content-type": "text/plain"},
    )
    assert r.status_code in (400, 415)
    assert await row_counts(hub_runtime) == before


async def test_nul_in_a_query_parameter_of_an_ingest_route(
    client: httpx.AsyncClient, hub_runtime: HubRuntime
) -> None:
    """The ingest routes' own ``before_request`` hook still runs the app-wide NUL check."""
    before = await row_counts(hub_runtime)
    r = await client.post("/api/v1/events/published?source=a%00b", json=event_body())
    assert r.status_code == 400, r.text
    assert r.json()["errors"] == [{"field": "source", "message": "NUL characters are not allowed"}]
    assert await row_counts(hub_runtime) == before


async def test_body_over_limit(client: httpx.AsyncClient, hub_runtime: HubRuntime) -> None:
    before = await row_counts(hub_runtime)
    body = event_body(description="x" * (300 * 1024))
    r = await client.post("/api/v1/events/published", json=body)
    assert r.status_code == 413
    assert await row_counts(hub_runtime) == before


@pytest.mark.parametrize(
    "header",
    [None, "Bearer wrong-key-xxxxxxxx", f"Basic {API_KEY}", "Bearer ", f"Bearer {API_KEY}x"],
)
async def test_missing_or_wrong_key_is_401_and_stores_nothing(
    client: httpx.AsyncClient, hub_runtime: HubRuntime, header: str | None
) -> None:
    before = await row_counts(hub_runtime)
    headers = {"content-type": "application/json"}
    client.headers.pop("Authorization")
    if header is not None:
        headers["Authorization"] = header
    import json

    r = await client.post(
        "/api/v1/events/published", content=json.dumps(event_body()), headers=headers
    )
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/api/v1/events/ev-1", headers=headers)).status_code == 401
    assert await row_counts(hub_runtime) == before


async def test_second_key_is_accepted(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/v1/events/published",
        json=event_body(),
        headers={"Authorization": "Bearer second-key-abcdefgh"},
    )
    assert r.status_code == 202


async def test_cancelled_event_refuses_tickets(
    client: httpx.AsyncClient, hub_runtime: HubRuntime
) -> None:
    await _published(client, hub_runtime)
    r = await client.post("/api/v1/events/cancelled", json={"id": "ev-1"})
    assert r.status_code == 202
    r = await client.post("/api/v1/tickets/sold", json=ticket_body())
    assert r.status_code == 409
    assert r.json()["errors"][0]["field"] == "event_id"


async def test_unknown_event_lookup_is_404(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/events/nope")
    assert r.status_code == 404


async def test_health_plugins_metrics_schema(
    client: httpx.AsyncClient, hub_runtime: HubRuntime
) -> None:
    assert (await client.get("/health")).json()["status"] == "ok"
    plugins = (await client.get("/-/plugins")).json()["plugins"]
    testvideo = next(p for p in plugins if p["name"] == "testvideo")
    assert testvideo["enabled"] and "on_ticket_sold" in testvideo["hooks"]
    assert testvideo["providers"] == ["testvideo"]
    await _published(client, hub_runtime)
    metrics = (await client.get("/metrics")).text
    assert "hub_deliveries" in metrics and "hub_facts_ingested_total" in metrics
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/api/v1/tickets/sold" in schema["paths"]
