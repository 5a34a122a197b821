"""Meetings CRUD, listing with type filters, pagination and UUID path encoding."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

ZoomClient = Any  # fixtures from conftest.py
ZoomFactory = Any


async def test_create_get_update_delete(zc: ZoomClient) -> None:
    created = await zc.new_meeting(
        topic="Kick-off", password="abc123", settings={"approval_type": 1, "waiting_room": True}
    )
    for key in (
        "id",
        "uuid",
        "host_id",
        "join_url",
        "start_url",
        "password",
        "h323_password",
        "pstn_password",
        "encrypted_password",
        "registration_url",
    ):
        assert created[key], key
    assert created["password"] == "abc123"
    assert created["pstn_password"].isdigit()
    assert created["settings"]["global_dial_in_numbers"]
    assert created["settings"]["waiting_room"] is True
    assert created["start_time"] == "2030-03-10T15:00:00Z"
    meeting_id = created["id"]
    fetched = await zc.ok("GET", f"/meetings/{meeting_id}")
    assert fetched["status"] == "waiting"
    assert fetched["uuid"] == created["uuid"]
    update = await zc.api(
        "PATCH", f"/meetings/{meeting_id}", json={"topic": "Renamed", "duration": 30}
    )
    assert update.status_code == 204 and update.content == b""
    fetched = await zc.ok("GET", f"/meetings/{meeting_id}")
    assert (fetched["topic"], fetched["duration"]) == ("Renamed", 30)
    assert fetched["settings"]["waiting_room"] is True  # PATCH merges settings
    deleted = await zc.api("DELETE", f"/meetings/{meeting_id}")
    assert deleted.status_code == 204
    missing = await zc.api("GET", f"/meetings/{meeting_id}")
    assert missing.status_code == 404
    assert missing.json() == {"code": 3001, "message": f"Meeting does not exist: {meeting_id}."}


async def test_local_start_time_uses_timezone_and_recurrence_has_occurrences(
    zc: ZoomClient,
) -> None:
    local = await zc.new_meeting(start_time="2030-07-15T14:00:00", timezone="Europe/Bucharest")
    assert local["start_time"] == "2030-07-15T11:00:00Z"
    recurring = await zc.new_meeting(
        type=8,
        start_time="2030-07-01T10:00:00Z",
        recurrence={"type": 2, "repeat_interval": 1, "weekly_days": "2,4", "end_times": 4},
    )
    starts = [o["start_time"] for o in recurring["occurrences"]]
    assert starts == [
        "2030-07-01T10:00:00Z",
        "2030-07-03T10:00:00Z",
        "2030-07-08T10:00:00Z",
        "2030-07-10T10:00:00Z",
    ]


async def test_validation_errors(zc: ZoomClient) -> None:
    too_long = await zc.api("POST", "/users/me/meetings", json={"topic": "x" * 201})
    assert too_long.status_code == 400
    assert too_long.json() == {
        "code": 300,
        "message": "Validation Failed.",
        "errors": [{"field": "topic", "message": "Length must be less than or equal to 200."}],
    }
    bad_type = await zc.api("POST", "/users/me/meetings", json={"type": 5})
    assert bad_type.json()["errors"][0]["field"] == "type"
    bad_setting = await zc.api(
        "POST", "/users/me/meetings", json={"settings": {"approval_type": 7}}
    )
    assert bad_setting.json()["errors"][0]["field"] == "settings.approval_type"
    bad_json = await zc.api(
        "POST", "/users/me/meetings", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert bad_json.json() == {
        "code": 300,
        "message": "Request Body should be a valid JSON object.",
    }
    no_user = await zc.api("POST", "/users/nobody@example.com/meetings", json={})
    assert no_user.status_code == 404
    assert no_user.json() == {"code": 1001, "message": "User does not exist: nobody@example.com."}


async def test_list_type_filters_and_pagination(zc: ZoomClient) -> None:
    ids = [(await zc.new_meeting(topic=f"m{i}"))["id"] for i in range(7)]
    page1 = await zc.ok("GET", "/users/me/meetings", params={"page_size": 3})
    assert page1["total_records"] == 7 and page1["page_count"] == 3
    assert len(page1["meetings"]) == 3 and page1["next_page_token"]
    page2 = await zc.ok(
        "GET",
        "/users/me/meetings",
        params={"page_size": 3, "next_page_token": page1["next_page_token"]},
    )
    page3 = await zc.ok(
        "GET",
        "/users/me/meetings",
        params={"page_size": 3, "next_page_token": page2["next_page_token"]},
    )
    assert page3["next_page_token"] == ""
    seen = [m["id"] for p in (page1, page2, page3) for m in p["meetings"]]
    assert sorted(seen) == sorted(ids)
    # Tokens expire after 15 minutes.
    again = await zc.ok("GET", "/users/me/meetings", params={"page_size": 3})
    zc.zoom.state.clock.advance(15 * 60 + 1)
    await zc.fetch_token()
    stale = await zc.api(
        "GET",
        "/users/me/meetings",
        params={"page_size": 3, "next_page_token": again["next_page_token"]},
    )
    assert stale.status_code == 400
    assert stale.json() == {"code": 300, "message": "The next page token is invalid or expired."}
    # page_size above 300 is clamped, default is 30.
    assert (await zc.ok("GET", "/users/me/meetings", params={"page_size": 1000}))[
        "page_size"
    ] == 300
    assert (await zc.ok("GET", "/users/me/meetings"))["page_size"] == 30
    # live / previous filters follow the simulator.
    await zc.ctl("POST", f"/meetings/{ids[0]}/start", json={})
    live = await zc.ok("GET", "/users/me/meetings", params={"type": "live"})
    assert [m["id"] for m in live["meetings"]] == [ids[0]]
    await zc.ctl("POST", f"/meetings/{ids[0]}/end", json={"offset_seconds": 60})
    previous = await zc.ok("GET", "/users/me/meetings", params={"type": "previous_meetings"})
    assert [m["id"] for m in previous["meetings"]] == [ids[0]]
    bad = await zc.api("GET", "/users/me/meetings", params={"type": "bogus"})
    assert bad.status_code == 400


async def test_uuid_paths_need_double_encoding_when_zoom_says_so(zc: ZoomClient) -> None:
    meeting = await zc.new_meeting()
    mid = meeting["id"]
    tricky = "/abc//def+ghi=="
    await zc.ctl("POST", f"/meetings/{mid}/start", json={"uuid": tricky})
    await zc.ctl("POST", f"/meetings/{mid}/join", json={"name": "Guest"})
    await zc.ctl("POST", f"/meetings/{mid}/end", json={"offset_seconds": 120})
    double = quote(quote(tricky, safe=""), safe="")
    ok = await zc.api("GET", f"/past_meetings/{double}/participants")
    assert ok.status_code == 200, ok.text
    assert ok.json()["total_records"] == 2
    single = quote(tricky, safe="")
    wrong = await zc.api("GET", f"/past_meetings/{single}/participants")
    assert wrong.status_code == 404
    # A UUID with a single '/' in the middle is fine encoded once.
    await zc.ctl("POST", f"/meetings/{mid}/start", json={"uuid": "ab/cd+ef=="})
    await zc.ctl("POST", f"/meetings/{mid}/join", json={"name": "Guest"})
    await zc.ctl("POST", f"/meetings/{mid}/end", json={"offset_seconds": 60})
    once = await zc.api("GET", f"/past_meetings/{quote('ab/cd+ef==', safe='')}/participants")
    assert once.status_code == 200
    by_id = await zc.ok("GET", f"/past_meetings/{mid}")
    assert by_id["uuid"] == "ab/cd+ef=="
    instances = await zc.ok("GET", f"/past_meetings/{mid}/instances")
    assert [i["uuid"] for i in instances["meetings"]] == [tricky, "ab/cd+ef=="]


async def test_unknown_endpoint_and_rate_limit_headers(zc: ZoomClient) -> None:
    response = await zc.api("GET", "/no/such/endpoint")
    assert response.status_code == 404 and response.json()["code"] == 2300
    me = await zc.api("GET", "/users/me")
    assert me.headers["X-RateLimit-Category"] == "Light"
    assert me.headers["X-RateLimit-Limit"] == "30"
    listing = await zc.api("GET", "/users")
    assert listing.headers["X-RateLimit-Category"] == "Medium"
    assert listing.json()["users"][0]["email"] == "owner@example.com"
