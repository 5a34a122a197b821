"""The done-criterion load case: a 1,000-attendee webinar (joins, leaves, re-joins, end,
recording) with every signed webhook delivered to a URL in under a minute."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections import Counter
from typing import Any

ZoomClient = Any  # fixtures from conftest.py
ZoomFactory = Any
SECRET = "bulk-secret"
ATTENDEES = 1000
REJOINERS = 300


async def test_thousand_attendee_webinar_delivers_every_webhook(
    zoom_factory: ZoomFactory, sink: Any
) -> None:
    began = time.monotonic()
    async with zoom_factory(
        webhook_url=sink.url, webhook_secret=SECRET, webhook_concurrency=16
    ) as zc:
        wid = (await zc.new_webinar(settings={"approval_type": 0}))["id"]
        people = [
            {"email": f"a{i}@example.com", "first_name": f"A{i}", "last_name": "Bulk"}
            for i in range(ATTENDEES)
        ]
        registered = await zc.ctl(
            "POST", f"/meetings/{wid}/registrants", 201, json={"registrants": people}
        )
        rids = [r["id"] for r in registered["registrants"]]
        steps: list[dict[str, Any]] = [{"action": "start"}]
        steps += [
            {"action": "join", "registrant_id": rid, "offset_seconds": 10 + i % 300}
            for i, rid in enumerate(rids)
        ]
        steps += [
            {"action": "leave", "registrant_id": rid, "offset_seconds": 1200 + i}
            for i, rid in enumerate(rids[:REJOINERS])
        ]
        steps += [
            {
                "action": "join",
                "registrant_id": rid,
                "device_id": "phone",
                "offset_seconds": 1800 + i,
            }
            for i, rid in enumerate(rids[:REJOINERS])
        ]
        steps += [{"action": "end", "offset_seconds": 5400}, {"action": "recording"}]
        result = await zc.ctl(
            "POST",
            "/simulate",
            json={"meeting_id": wid, "steps": steps, "wait_for_webhooks": True, "wait_timeout": 55},
            timeout=60,
        )
        assert result["webhooks_drained"] is True
        deliveries = zc.zoom.state.webhooks.deliveries
        assert all(d.state == "delivered" for d in deliveries)
        report = await zc.ok(
            "GET", f"/report/webinars/{wid}/participants", params={"page_size": 300}
        )
        assert report["total_records"] == 1 + ATTENDEES + REJOINERS
    elapsed = time.monotonic() - began
    counts = Counter(e["event"] for e in sink.events())
    assert counts == {
        "webinar.registration_created": ATTENDEES,
        "webinar.started": 1,
        "webinar.participant_joined": 1 + ATTENDEES + REJOINERS,
        "webinar.participant_left": 1 + ATTENDEES + REJOINERS,
        "webinar.ended": 1,
        "recording.completed": 1,
    }
    for received in sink.received:
        message = f"v0:{received.headers['x-zm-request-timestamp']}:".encode() + received.body
        expected = "v0=" + hmac.new(SECRET.encode(), message, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(received.headers["x-zm-signature"], expected)
    assert elapsed < 60, f"took {elapsed:.1f} s"
