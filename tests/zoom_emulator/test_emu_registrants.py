"""Registration: add, duplicates, host refusal, status changes, batch, capacity, limits."""

from __future__ import annotations

from typing import Any

ZoomClient = Any  # fixtures from conftest.py
ZoomFactory = Any


def person(i: int, **extra: Any) -> dict[str, Any]:
    return {"email": f"p{i}@example.com", "first_name": f"P{i}", "last_name": "Test", **extra}


async def test_add_duplicate_get_list_delete(zc: ZoomClient) -> None:
    meeting = await zc.new_meeting()
    mid = meeting["id"]
    first = await zc.ok("POST", f"/meetings/{mid}/registrants", 201, json=person(1, city="Cluj"))
    assert first["id"] == mid and first["topic"] == meeting["topic"]
    assert isinstance(first["participant_pin_code"], int)
    again = await zc.ok("POST", f"/meetings/{mid}/registrants", 201, json=person(1))
    assert (again["registrant_id"], again["join_url"]) == (
        first["registrant_id"],
        first["join_url"],
    )
    fetched = await zc.ok("GET", f"/meetings/{mid}/registrants/{first['registrant_id']}")
    assert fetched["city"] == "Cluj" and fetched["status"] == "approved"
    listing = await zc.ok("GET", f"/meetings/{mid}/registrants")
    assert [r["id"] for r in listing["registrants"]] == [first["registrant_id"]]
    assert (await zc.ok("GET", f"/meetings/{mid}/registrants", params={"status": "pending"}))[
        "total_records"
    ] == 0
    deleted = await zc.api("DELETE", f"/meetings/{mid}/registrants/{first['registrant_id']}")
    assert deleted.status_code == 204
    gone = await zc.api("GET", f"/meetings/{mid}/registrants/{first['registrant_id']}")
    assert gone.status_code == 400


async def test_required_fields_host_and_disabled_registration(zc: ZoomClient) -> None:
    mid = (await zc.new_meeting())["id"]
    missing = await zc.api("POST", f"/meetings/{mid}/registrants", json={"email": "a@example.com"})
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["field"] == "first_name"
    host = await zc.api(
        "POST",
        f"/meetings/{mid}/registrants",
        json={"email": "owner@example.com", "first_name": "O"},
    )
    assert host.status_code == 400 and host.json() == {
        "code": 3027,
        "message": "Host cannot register.",
    }
    plain = (await zc.new_meeting(settings={"approval_type": 2}))["id"]
    disabled = await zc.api("POST", f"/meetings/{plain}/registrants", json=person(1))
    assert disabled.status_code == 400 and disabled.json()["code"] == 3000
    nowhere = await zc.api("POST", "/meetings/12345678901/registrants", json=person(1))
    assert nowhere.status_code == 404 and nowhere.json()["code"] == 3001


async def test_manual_approval_and_status_changes(zc: ZoomClient) -> None:
    mid = (await zc.new_meeting(settings={"approval_type": 1}))["id"]
    rids = [
        (await zc.ok("POST", f"/meetings/{mid}/registrants", 201, json=person(i)))["registrant_id"]
        for i in range(3)
    ]
    pending = await zc.ok("GET", f"/meetings/{mid}/registrants", params={"status": "pending"})
    assert pending["total_records"] == 3
    approve = await zc.api(
        "PUT",
        f"/meetings/{mid}/registrants/status",
        json={"action": "approve", "registrants": [{"id": rids[0]}, {"email": "p1@example.com"}]},
    )
    assert approve.status_code == 204
    deny = await zc.api(
        "PUT",
        f"/meetings/{mid}/registrants/status",
        json={"action": "deny", "registrants": [{"id": rids[2]}]},
    )
    assert deny.status_code == 204
    cancel = await zc.api(
        "PUT",
        f"/meetings/{mid}/registrants/status",
        json={"action": "cancel", "registrants": [{"id": rids[1]}]},
    )
    assert cancel.status_code == 204
    state = await zc.ctl("GET", "/state/registrants", params={"meeting_id": mid})
    assert {r["id"]: r["status"] for r in state["registrants"]} == {
        rids[0]: "approved",
        rids[1]: "cancelled",
        rids[2]: "denied",
    }
    approved = await zc.ok("GET", f"/meetings/{mid}/registrants", params={"status": "approved"})
    assert [r["id"] for r in approved["registrants"]] == [rids[0]]
    denied = await zc.ok("GET", f"/meetings/{mid}/registrants", params={"status": "denied"})
    assert sorted(r["id"] for r in denied["registrants"]) == sorted([rids[1], rids[2]])
    bad = await zc.api("PUT", f"/meetings/{mid}/registrants/status", json={"action": "promote"})
    assert bad.status_code == 400


async def test_registration_daily_limit_per_registrant(zc: ZoomClient) -> None:
    mid = (await zc.new_meeting())["id"]
    for _ in range(3):
        await zc.ok("POST", f"/meetings/{mid}/registrants", 201, json=person(1))
    fourth = await zc.api("POST", f"/meetings/{mid}/registrants", json=person(1))
    assert fourth.status_code == 429
    assert fourth.json()["message"].startswith("You have exceeded the daily rate limit (3) of")
    assert "(p1@example.com) this particular registrant" in fourth.json()["message"]
    assert "X-RateLimit-Type" not in fourth.headers and "Retry-After" not in fourth.headers
    # Other registrants and other meetings are unaffected.
    await zc.ok("POST", f"/meetings/{mid}/registrants", 201, json=person(2))
    other = (await zc.new_meeting())["id"]
    await zc.ok("POST", f"/meetings/{other}/registrants", 201, json=person(1))
    # Reset at 00:00 UTC.
    zc.zoom.state.clock.advance(24 * 3600)
    await zc.fetch_token()
    await zc.ok("POST", f"/meetings/{mid}/registrants", 201, json=person(1))


async def test_status_change_daily_limit(zc: ZoomClient) -> None:
    mid = (await zc.new_meeting(settings={"approval_type": 1}))["id"]
    rid = (await zc.ok("POST", f"/meetings/{mid}/registrants", 201, json=person(1)))[
        "registrant_id"
    ]
    for i in range(10):
        action = "approve" if i % 2 == 0 else "deny"
        response = await zc.api(
            "PUT",
            f"/meetings/{mid}/registrants/status",
            json={"action": action, "registrants": [{"id": rid}]},
        )
        assert response.status_code == 204
        if i % 5 == 4:
            zc.zoom.state.clock.advance(1)  # stay under the per-second limit
    eleventh = await zc.api(
        "PUT",
        f"/meetings/{mid}/registrants/status",
        json={"action": "approve", "registrants": [{"id": rid}]},
    )
    assert eleventh.status_code == 429
    assert "(10)" in eleventh.json()["message"]


async def test_batch_registrants(zc: ZoomClient) -> None:
    mid = (await zc.new_meeting())["id"]
    batch = await zc.ok(
        "POST",
        f"/meetings/{mid}/batch_registrants",
        201,
        json={"auto_approve": True, "registrants": [person(i) for i in range(30)]},
    )
    assert len(batch["registrants"]) == 30
    assert {"registrant_id", "email", "join_url", "participant_pin_code"} <= set(
        batch["registrants"][0]
    )
    too_many = await zc.api(
        "POST",
        f"/meetings/{mid}/batch_registrants",
        json={"registrants": [person(i) for i in range(31)]},
    )
    assert too_many.status_code == 400 and too_many.json()["code"] == 300
    # Duplicates inside a later batch return the same ids.
    zc.zoom.state.clock.advance(1)
    again = await zc.ok(
        "POST",
        f"/meetings/{mid}/batch_registrants",
        201,
        json={"registrants": [person(0), person(99)]},
    )
    assert again["registrants"][0]["registrant_id"] == batch["registrants"][0]["registrant_id"]
    recurring = (
        await zc.new_meeting(type=8, recurrence={"type": 1, "repeat_interval": 1, "end_times": 2})
    )["id"]
    wrong_type = await zc.api(
        "POST", f"/meetings/{recurring}/batch_registrants", json={"registrants": [person(1)]}
    )
    assert wrong_type.status_code == 400 and wrong_type.json()["code"] == 303
    assert zc.zoom.state.stats.calls["POST /v2/meetings/{meetingId}/batch_registrants"] == 4


async def test_meeting_over_and_capacity(zoom_factory: ZoomFactory) -> None:
    async with zoom_factory(meeting_registrant_limit=2) as zc:
        mid = (await zc.new_meeting())["id"]
        await zc.ok("POST", f"/meetings/{mid}/registrants", 201, json=person(1))
        await zc.ok("POST", f"/meetings/{mid}/registrants", 201, json=person(2))
        full = await zc.api("POST", f"/meetings/{mid}/registrants", json=person(3))
        assert full.status_code == 400 and full.json()["code"] == 3043
        await zc.ctl("POST", f"/meetings/{mid}/start", json={})
        await zc.ctl("POST", f"/meetings/{mid}/end", json={"offset_seconds": 60})
        over = await zc.api("POST", f"/meetings/{mid}/registrants", json=person(4))
        assert over.status_code == 400 and over.json()["code"] == 3038
        over_batch = await zc.api(
            "POST", f"/meetings/{mid}/batch_registrants", json={"registrants": [person(4)]}
        )
        assert over_batch.json()["code"] == 3038


async def test_only_approved_registrants_join_unless_forced(zc: ZoomClient) -> None:
    mid = (await zc.new_meeting(settings={"approval_type": 1}))["id"]
    rid = (await zc.ok("POST", f"/meetings/{mid}/registrants", 201, json=person(1)))[
        "registrant_id"
    ]
    await zc.ctl("POST", f"/meetings/{mid}/start", json={})
    refused = await zc.control("POST", f"/meetings/{mid}/join", json={"registrant_id": rid})
    assert refused.status_code == 409 and "pending" in refused.json()["error"]
    joined = await zc.ctl(
        "POST", f"/meetings/{mid}/join", json={"registrant_id": rid, "force": True}
    )
    assert joined["registrant_id"] == rid
    walk_in = await zc.ctl("POST", f"/meetings/{mid}/join", json={"name": "Walk-in"})
    assert walk_in["registrant_id"] is None
