"""POST /webhooks/zoom over real HTTP: Zoom's sample payloads and the emulator's deliveries
are stored once; forged, stale, future, altered, oversized and invalid deliveries are
refused without a trace; url_validation answers only signed challenges; several accounts
are told apart."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from hub_zoom.storage import tables as zoom_tables

from hub.storage import tables as hub_tables
from tests.zoom.conftest import (
    WEBHOOK_SECRET,
    ZoomHub,
    control,
    count_rows,
    post_webhook,
    publish_with_tickets,
    settle,
    signed_headers,
    webhook_facts,
    zoom_hub,
    zoom_webhook_samples,
)

NOTES_SECRET = "test-secret-token"
SAMPLE_ACCOUNTS = ("AAAAAABBBB", "VjZoEArIT5y-HlWxkV-tVA", "abc")


def sample_accounts() -> list[dict[str, Any]]:
    """The accounts named in Zoom's samples, so their deliveries are routed and stored."""
    return [
        {
            "account_id": account,
            "client_id": f"client-{account}",
            "client_secret": "unused-secret",
            "webhook_secret_token": WEBHOOK_SECRET,
        }
        for account in SAMPLE_ACCOUNTS
    ]


def envelope(event: str = "meeting.started", **obj: Any) -> bytes:
    body = {
        "event": event,
        "event_ts": int(time.time() * 1000),
        "payload": {"account_id": "emuAccount1", "object": {"id": "1", "uuid": "U", **obj}},
    }
    return json.dumps(body, separators=(",", ":")).encode()


@pytest.fixture
async def zh(db_url: str) -> Any:
    async with zoom_hub(
        db_url, zoom_overrides={"accounts": sample_accounts(), "webhook_max_body_bytes": 4096}
    ) as hub:
        yield hub


async def test_every_sample_payload_is_stored_once_and_processed(zh: ZoomHub) -> None:
    folder = zoom_webhook_samples()
    files = sorted(p for p in folder.glob("*.json") if "url_validation" not in p.name)
    assert len(files) >= 15
    for path in files:
        raw = path.read_bytes()  # tabs, spaces and all: the signature covers these bytes
        first = await post_webhook(zh, raw)
        assert (first.status_code, first.json()["status"]) == (200, "stored"), path.name
        again = await post_webhook(zh, raw)
        assert (again.status_code, again.json()["status"]) == (200, "duplicate"), path.name
    assert await webhook_facts(zh) == len(files)
    await zh.drain()
    d = hub_tables.deliveries
    assert await count_rows(zh, d, d.c.hook == "on_webhook", d.c.state != "done") == 0
    # Meetings the hub did not create: nothing recorded for them.
    assert await count_rows(zh, zoom_tables.participant_events) == 0


async def test_sample_payloads_drive_processing_of_a_known_meeting(zh: ZoomHub) -> None:
    folder = zoom_webhook_samples()
    await publish_with_tickets(zh, "ev-s", 1, format="meeting")
    m = zoom_tables.meetings
    async with zh.runtime.db.transaction() as conn:  # adopt the samples' meeting id
        await conn.execute(
            sa.update(m).where(m.c.event_id == "ev-s").values(meeting_id="1234567890")
        )
    for name in (
        "meeting.started.json",
        "meeting.participant_joined.json",
        "meeting.participant_left.json",
        "recording.completed.json",
        "recording.transcript_completed.json",
    ):
        assert (await post_webhook(zh, (folder / name).read_bytes())).status_code == 200
    await zh.drain()
    pe = zoom_tables.participant_events
    assert await count_rows(zh, pe, pe.c.participant_key != "#instance") == 2
    recordings = (await zh.api.get("/api/v1/events/ev-s/recordings")).json()["recordings"]
    (recording,) = recordings
    assert recording["share_url"] == "https://example.com"
    # Deliveries run concurrently: either webhook's passcode may be the last one reported.
    assert recording["passcode"] in ("132456", "123456")
    assert {f["file_type"] for f in recording["files"]} == {"M4A", "MP4", "TRANSCRIPT"}
    assert "abJhbGciOiJIUzUxMiJ9" not in json.dumps(await _all_fact_payloads(zh))


async def _all_fact_payloads(zh: ZoomHub) -> list[Any]:
    async with zh.runtime.db.connect() as conn:
        return [r.payload for r in (await conn.execute(sa.select(hub_tables.facts))).all()]


async def test_url_validation_vector_and_emulator_check(db_url: str) -> None:
    folder = zoom_webhook_samples()
    accounts = [
        {
            "account_id": "notes",
            "client_id": "c",
            "client_secret": "s",
            "webhook_secret_token": NOTES_SECRET,
        }
    ]
    async with zoom_hub(db_url, zoom_overrides={"accounts": accounts}) as zh:
        raw = (folder / "endpoint.url_validation.json").read_bytes()
        response = await post_webhook(zh, raw, secret=NOTES_SECRET)
        assert response.status_code == 200
        assert response.json() == {
            "plainToken": "qgg8vlvZRS6UYooatFL8Aw",
            "encryptedToken": "9c8ad56737c19db2904b301c0781e86857e999f39f07727668cf62a5e7e298c8",
        }
        forged = await post_webhook(zh, raw, secret="not-the-secret")
        assert forged.status_code == 401 and "encryptedToken" not in forged.text
        result = await control(zh, "/webhooks/url-validation")
        assert result["valid"] is True, result
        assert await webhook_facts(zh) == 0  # challenges are answered, never stored


async def test_refused_deliveries_leave_no_trace(zh: ZoomHub) -> None:
    body = envelope()
    now = int(time.time())
    url = f"{zh.url}/webhooks/zoom"
    async with httpx.AsyncClient(timeout=30) as client:

        async def send(content: bytes, headers: dict[str, str]) -> httpx.Response:
            return await client.post(url, content=content, headers=headers)

        cases = {
            "forged": (body, signed_headers(body, secret="guessed")),
            "unsigned": (body, {"content-type": "application/json"}),
            "no timestamp": (body, {"x-zm-signature": signed_headers(body)["x-zm-signature"]}),
            "stale": (body, signed_headers(body, timestamp=now - 91 * 60)),
            "future": (body, signed_headers(body, timestamp=now + 3600)),
            "altered": (body.replace(b'"U"', b'"V"'), signed_headers(body)),
            "invalid json": (b"{not json", signed_headers(b"{not json")),
            "not an event": (b"[1,2]", signed_headers(b"[1,2]")),
            "oversized": (big := envelope(topic="x" * 5000), signed_headers(big)),
        }
        statuses = {name: (await send(*case)).status_code for name, case in cases.items()}
    assert statuses == {
        "forged": 401,
        "unsigned": 401,
        "no timestamp": 401,
        "stale": 401,
        "future": 401,
        "altered": 401,
        "invalid json": 400,
        "not an event": 400,
        "oversized": 413,
    }
    assert await webhook_facts(zh) == 0
    # The last redelivery (85 minutes after the first attempt) is still accepted...
    late = await post_webhook(zh, body, timestamp=now - 85 * 60)
    assert late.json()["status"] == "stored"
    # ...and a replay of it, or of a fresh signature over the same fact, has no effect.
    assert (await post_webhook(zh, body, timestamp=now - 85 * 60)).json()["status"] == "duplicate"
    assert (await post_webhook(zh, body)).json()["status"] == "duplicate"
    assert await webhook_facts(zh) == 1


async def test_accounts_are_routed_and_unknown_ones_ignored(db_url: str) -> None:
    accounts = [
        {
            "account_id": "acct2",
            "client_id": "c2",
            "client_secret": "s2",
            "webhook_secret_token": "secret-of-acct2",
        }
    ]
    async with zoom_hub(db_url, zoom_overrides={"accounts": accounts}) as zh:

        def of(account: str, uuid: str) -> bytes:
            return json.dumps(
                {
                    "event": "meeting.started",
                    "event_ts": 1,
                    "payload": {"account_id": account, "object": {"id": "9", "uuid": uuid}},
                }
            ).encode()

        ok = await post_webhook(zh, of("acct2", "a"), secret="secret-of-acct2")
        assert ok.json()["status"] == "stored"
        # The main account's secret cannot vouch for another account's event.
        crossed = await post_webhook(zh, of("acct2", "b"), secret=WEBHOOK_SECRET)
        assert crossed.status_code == 401
        unknown = await post_webhook(zh, of("stranger", "c"))
        assert (unknown.status_code, unknown.json()["status"]) == (200, "ignored")
        assert await webhook_facts(zh) == 1
        f = hub_tables.facts
        async with zh.runtime.db.connect() as conn:
            payload = (await conn.execute(sa.select(f.c.payload))).scalar_one()
        assert payload["account_id"] == "acct2"


async def test_emulator_deliveries_are_verified_and_stored(zh: ZoomHub) -> None:
    meeting_id, registrants = await publish_with_tickets(zh, "ev-e", 2, format="meeting")
    before = await webhook_facts(zh)
    await control(
        zh,
        "/simulate",
        {
            "meeting_id": meeting_id,
            "steps": [
                {"action": "start"},
                {"action": "join", "registrant_id": registrants["t-0"], "offset_seconds": 60},
                {"action": "leave", "registrant_id": registrants["t-0"], "offset_seconds": 120},
            ],
            "wait_for_webhooks": True,
        },
    )
    await settle(zh)
    deliveries = zh.zoom.state.webhooks.deliveries
    assert all(d.state == "delivered" for d in deliveries), [d.to_dict() for d in deliveries]
    # started, host joined, t-0 joined, t-0 left
    assert await webhook_facts(zh) - before == 4
    pe = zoom_tables.participant_events
    assert await count_rows(zh, pe, pe.c.registrant_id == registrants["t-0"]) == 2
