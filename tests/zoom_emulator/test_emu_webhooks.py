"""Outgoing webhooks: signatures, compact JSON, Zoom's redelivery rules, CRC validation,
and payload shapes compared with Zoom's published samples."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from typing import Any

from hub_zoom.emulator import encrypt_plain_token, sign

ZoomClient = Any  # fixtures from conftest.py
ZoomFactory = Any
SECRET = "test-secret-token"


def test_signature_and_crc_vectors_from_the_notes() -> None:
    body = (
        '{"event":"meeting.started","event_ts":1626230691572,"payload":{"account_id":"AAAAAABBBB",'
        '"object":{"id":"1234567890","uuid":"4444AAAiAAAAAiAiAiiAii==","host_id":'
        '"x1yCzABCDEfg23HiJKl4mN","topic":"My Meeting","type":8,"start_time":"2021-07-13T21:44:51Z",'
        '"timezone":"America/Los_Angeles","duration":60}}}'
    )
    assert (
        sign(SECRET, "1626230692", body)
        == "v0=55df321d19e8f64028addfb7e4b6bd2445a37209c1faedc1554fd5d228cab043"
    )
    assert (
        encrypt_plain_token(SECRET, "qgg8vlvZRS6UYooatFL8Aw")
        == "9c8ad56737c19db2904b301c0781e86857e999f39f07727668cf62a5e7e298c8"
    )


def verify(received: Any, secret: str = SECRET) -> None:
    """Check one delivery the way a receiver must: HMAC over the raw bytes."""
    timestamp = received.headers["x-zm-request-timestamp"]
    assert timestamp.isdigit() and abs(int(timestamp) - time.time()) < 120  # seconds
    message = f"v0:{timestamp}:".encode() + received.body
    expected = "v0=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(received.headers["x-zm-signature"], expected)
    assert received.headers["content-type"] == "application/json; charset=utf-8"
    assert received.headers["user-agent"] == "Zoom Marketplace/1.0a"
    compact = json.dumps(json.loads(received.body), separators=(",", ":"), ensure_ascii=False)
    assert received.body.decode() == compact


async def run_meeting(zc: ZoomClient) -> dict[str, Any]:
    """A small meeting: registration, joins on two devices, a re-join, end, recording."""
    meeting = await zc.new_meeting()
    mid = meeting["id"]
    reg = await zc.ok(
        "POST",
        f"/meetings/{mid}/registrants",
        201,
        json={"email": "ana@example.com", "first_name": "Ana"},
    )
    rid = reg["registrant_id"]
    await zc.ctl("POST", f"/meetings/{mid}/start", json={"offset_seconds": 0})
    await zc.ctl(
        "POST",
        f"/meetings/{mid}/join",
        json={"registrant_id": rid, "device_id": "laptop", "offset_seconds": 60},
    )
    await zc.ctl(
        "POST",
        f"/meetings/{mid}/join",
        json={"email": "ana@example.com", "device_id": "phone", "offset_seconds": 90},
    )
    await zc.ctl(
        "POST", f"/meetings/{mid}/join", json={"name": "Walk-in Guest", "offset_seconds": 100}
    )
    await zc.ctl(
        "POST",
        f"/meetings/{mid}/leave",
        json={"registrant_id": rid, "device_id": "phone", "offset_seconds": 600},
    )
    await zc.ctl(
        "POST", f"/meetings/{mid}/leave", json={"registrant_id": rid, "offset_seconds": 900}
    )
    await zc.ctl(
        "POST",
        f"/meetings/{mid}/join",
        json={"registrant_id": rid, "device_id": "laptop", "offset_seconds": 1000},
    )
    await zc.ctl("POST", f"/meetings/{mid}/end", json={"offset_seconds": 3600})
    await zc.ctl("POST", f"/meetings/{mid}/recording", json={})
    await zc.ctl("POST", f"/meetings/{mid}/transcript", json={})
    return {"id": mid, "registrant_id": rid}


async def test_simulated_meeting_sends_signed_compact_webhooks(
    zoom_factory: ZoomFactory, sink: Any
) -> None:
    async with zoom_factory(webhook_url=sink.url, webhook_secret=SECRET) as zc:
        ids = await run_meeting(zc)
        assert (await zc.ctl("POST", "/webhooks/drain", json={"timeout": 10}))["drained"]
    names = [e["event"] for e in sink.events()]
    assert names.count("meeting.registration_created") == 1
    assert names.count("meeting.started") == 1
    # host, laptop, phone, guest, laptop again
    assert names.count("meeting.participant_joined") == 5
    assert names.count("meeting.participant_left") == 5
    assert names.count("meeting.ended") == 1
    assert names.count("recording.completed") == 1
    assert names.count("recording.transcript_completed") == 1
    for received in sink.received:
        verify(received)
        assert received.headers["x-zm-request-id"]
    joined = [
        e
        for e in sink.events("meeting.participant_joined")
        if e["payload"]["object"]["participant"].get("registrant_id")
    ]
    assert len(joined) == 3 and {
        j["payload"]["object"]["participant"]["registrant_id"] for j in joined
    } == {ids["registrant_id"]}
    left = sink.events("meeting.participant_left")
    assert any(
        "Host ended the meeting" in e["payload"]["object"]["participant"]["leave_reason"]
        for e in left
    )
    ended = sink.events("meeting.ended")[0]["payload"]["object"]
    assert ended["end_time"] == "2030-03-04T10:00:00Z"
    recording = sink.events("recording.completed")[0]
    assert recording["download_token"]
    assert {f["file_type"] for f in recording["payload"]["object"]["recording_files"]} == {
        "MP4",
        "M4A",
    }


async def test_redelivery_only_on_5xx_on_zoom_schedule(
    zoom_factory: ZoomFactory, sink: Any
) -> None:
    attempts: dict[str, int] = {}

    def responder(received: Any) -> tuple[int, bytes]:
        event = received.json()["event"]
        attempts[event] = attempts.get(event, 0) + 1
        if event == "meeting.started":
            return (503, b"") if attempts[event] <= 2 else (200, b"")
        if event == "meeting.ended":
            return 401, b""
        return 500, b""  # participant events always fail

    sink.responder = responder
    async with zoom_factory(
        webhook_url=sink.url,
        webhook_secret=SECRET,
        redelivery_compression=60.0,
        host_joins_on_start=False,
    ) as zc:
        clock = zc.zoom.state.clock
        mid = (await zc.new_meeting())["id"]
        await zc.ctl("POST", f"/meetings/{mid}/start", json={})
        await zc.ctl("POST", f"/meetings/{mid}/join", json={"name": "G"})
        await zc.ctl("POST", f"/meetings/{mid}/end", json={})
        deliveries = zc.zoom.state.webhooks.deliveries

        async def attempts_recorded(total: int) -> None:
            # The sink sees a request before the emulator has recorded its answer and
            # scheduled the retry; wait for the emulator's side before moving the clock.
            async def done() -> None:
                while sum(len(d.attempts) for d in deliveries) < total or any(
                    d.state == "retrying" and d.next_attempt_at is None for d in deliveries
                ):
                    await asyncio.sleep(0.005)

            await asyncio.wait_for(done(), 10)

        await attempts_recorded(4)  # started, joined, left (guest, at the end), ended
        started = next(d for d in deliveries if d.event == "meeting.started")
        joined = next(d for d in deliveries if d.event == "meeting.participant_joined")
        ended = next(d for d in deliveries if d.event == "meeting.ended")
        assert ended.state == "failed" and len(ended.attempts) == 1  # 4xx: no retry
        assert started.state == "retrying"
        # Retry 1 is due 5 minutes (compressed x60: 5 s) after the first attempt.
        clock.advance(4.9)
        await zc.zoom.state.webhooks.drain(0.2)
        assert len(sink.received) == 4 and len(started.attempts) == 1
        clock.advance(0.2)
        await attempts_recorded(7)  # started, joined and left retried once
        clock.advance(20)  # retry 2 after 20 minutes -> 20 s
        await attempts_recorded(10)
        assert await zc.zoom.state.webhooks.drain(0.3) is False  # participant events pending
        assert started.state == "delivered" and len(started.attempts) == 3
        clock.advance(60)  # retry 3 after 60 minutes -> 60 s
        await attempts_recorded(12)
        assert await zc.zoom.state.webhooks.drain(2)
        assert len(sink.received) == 12
        assert joined.state == "failed" and len(joined.attempts) == 4
        assert [a.status for a in joined.attempts] == [500, 500, 500, 500]
        listing = await zc.ctl(
            "GET", "/webhooks/deliveries", params={"state": "failed", "body": "false"}
        )
        assert {d["event"] for d in listing["deliveries"]} == {
            "meeting.ended",
            "meeting.participant_joined",
            "meeting.participant_left",
        }


async def test_url_validation_checks_the_answer(zoom_factory: ZoomFactory, sink: Any) -> None:
    def good(received: Any) -> tuple[int, bytes]:
        verify(received)
        plain = received.json()["payload"]["plainToken"]
        answer = {"plainToken": plain, "encryptedToken": encrypt_plain_token(SECRET, plain)}
        return 200, json.dumps(answer).encode()

    async with zoom_factory(webhook_url=sink.url, webhook_secret=SECRET) as zc:
        sink.responder = good
        result = await zc.ctl("POST", "/webhooks/url-validation", json={})
        assert result["valid"] is True
        assert sink.events()[0]["event"] == "endpoint.url_validation"
        sink.responder = lambda r: (
            200,
            json.dumps({"plainToken": "x", "encryptedToken": "y"}).encode(),
        )
        assert (await zc.ctl("POST", "/webhooks/url-validation", json={}))["valid"] is False


async def test_zoom_side_cancellation_and_deletion_send_webhooks(
    zoom_factory: ZoomFactory, sink: Any
) -> None:
    async with zoom_factory(webhook_url=sink.url, webhook_secret=SECRET) as zc:
        mid = (await zc.new_meeting())["id"]
        added = await zc.ctl(
            "POST",
            f"/meetings/{mid}/registrants",
            201,
            json={"registrants": [{"email": "b@example.com", "first_name": "B"}]},
        )
        rid = added["registrants"][0]["id"]
        await zc.ctl("POST", f"/meetings/{mid}/registrants/{rid}/cancel")
        await zc.ctl("POST", f"/meetings/{mid}/delete")
        await zc.ctl("POST", "/webhooks/drain", json={})
        assert (await zc.api("GET", f"/meetings/{mid}")).status_code == 404
    cancelled = sink.events("meeting.registration_cancelled")[0]["payload"]
    assert cancelled["object"]["registrant"]["id"] == rid
    assert cancelled["operator"] == "owner@example.com"
    deleted = sink.events("meeting.deleted")[0]["payload"]
    assert deleted["object"]["id"] == mid and deleted["operation"] == "single"
    for received in sink.received:
        verify(received)


# ---------------------------------------------------------------------- sample shapes

#: Keys Zoom's samples show that the emulator may leave out, per object.
OPTIONAL = {
    "participant": {
        "registrant_id",
        "phone_number",
        "customer_key",
        "participant_user_id",
        "email",
    },
    "object": {
        "occurrences",
        "settings",
        "recurrence",
        "pmi",
        "password",
        "join_url",
        "auto_delete",
        "auto_delete_date",
        "on_prem",
        "participant_audio_files",
        "practice_session",
    },
    "registrant": {
        "tracking_source",
        "participant_pin_code",
        "address",
        "city",
        "country",
        "zip",
        "state",
        "phone",
        "industry",
        "org",
        "job_title",
        "purchasing_time_frame",
        "role_in_purchase_process",
        "no_of_employees",
        "comments",
    },
    "payload": {"operator", "operator_id", "operation"},
}


def compare_shape(emitted: Any, sample: Any, where: str) -> None:
    if isinstance(sample, dict):
        assert isinstance(emitted, dict), where
        name = where.rsplit(".", 1)[-1]
        optional = OPTIONAL.get(name, set())
        extra = set(emitted) - set(sample)
        assert not extra, f"{where}: keys not in Zoom's sample: {sorted(extra)}"
        missing = set(sample) - set(emitted) - optional
        assert not missing, f"{where}: keys missing: {sorted(missing)}"
        for key in set(sample) & set(emitted):
            if key == "id" and name == "object":
                assert isinstance(emitted[key], int | str)  # Zoom's own samples disagree
                continue
            compare_shape(emitted[key], sample[key], f"{where}.{key}")
    elif isinstance(sample, list):
        assert isinstance(emitted, list), where
        if sample and emitted:
            for item in emitted:
                compare_shape(item, sample[0], where)
    else:
        assert type(emitted) is type(sample) or {type(emitted), type(sample)} <= {int, float}, (
            f"{where}: {type(emitted).__name__} vs sample {type(sample).__name__}"
        )


async def test_payloads_match_zoom_samples(
    zoom_factory: ZoomFactory, sink: Any, reference_dir: Any
) -> None:
    samples_dir = reference_dir("zoom-webhooks")
    async with zoom_factory(webhook_url=sink.url, webhook_secret=SECRET) as zc:
        await run_meeting(zc)
        webinar = await zc.new_webinar()
        wid = webinar["id"]
        await zc.ok(
            "POST",
            f"/webinars/{wid}/registrants",
            201,
            json={"email": "w@example.com", "first_name": "W"},
        )
        await zc.ctl(
            "POST",
            "/simulate",
            json={
                "meeting_id": wid,
                "steps": [
                    {"action": "start"},
                    {"action": "join", "email": "w@example.com", "offset_seconds": 10},
                    {"action": "leave", "email": "w@example.com", "offset_seconds": 100},
                    {"action": "end", "offset_seconds": 200},
                ],
            },
        )
        await zc.ctl("POST", "/webhooks/drain", json={})
    checked = set()
    for event in sink.events():
        path = samples_dir / f"{event['event']}.json"
        if not path.exists():
            continue
        sample = json.loads(path.read_text())
        top_optional = {"download_token"} if "download_token" in sample else set()
        assert set(event) - top_optional == set(sample) - top_optional
        compare_shape(event["payload"], sample["payload"], "payload")
        checked.add(event["event"])
    assert checked >= {
        "meeting.started",
        "meeting.ended",
        "meeting.participant_joined",
        "meeting.participant_left",
        "meeting.registration_created",
        "recording.completed",
        "recording.transcript_completed",
        "webinar.started",
        "webinar.ended",
        "webinar.participant_joined",
        "webinar.participant_left",
        "webinar.registration_created",
    }
