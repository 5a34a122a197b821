"""Reports and past participants reflect the simulation exactly; cloud recordings can be
listed, downloaded with a bearer token and deleted."""

from __future__ import annotations

import hashlib
from typing import Any

ZoomClient = Any  # fixtures from conftest.py
ZoomFactory = Any


async def held_meeting(zc: ZoomClient) -> dict[str, Any]:
    mid = (await zc.new_meeting())["id"]
    reg = await zc.ok(
        "POST",
        f"/meetings/{mid}/registrants",
        201,
        json={"email": "ana@example.com", "first_name": "Ana", "last_name": "Pop"},
    )
    await zc.ctl(
        "POST",
        "/simulate",
        json={
            "meeting_id": mid,
            "steps": [
                {"action": "start", "at": "2030-03-04T10:00:00Z"},
                {
                    "action": "join",
                    "registrant_id": reg["registrant_id"],
                    "device_id": "laptop",
                    "offset_seconds": 120,
                },
                {
                    "action": "join",
                    "registrant_id": reg["registrant_id"],
                    "device_id": "phone",
                    "offset_seconds": 300,
                },
                {
                    "action": "leave",
                    "registrant_id": reg["registrant_id"],
                    "device_id": "laptop",
                    "offset_seconds": 1500,
                },
                {"action": "join", "name": "Guest Without Registration", "offset_seconds": 200},
                {"action": "end", "offset_seconds": 3000},
            ],
        },
    )
    return {"id": mid, "registrant_id": reg["registrant_id"]}


async def test_participants_before_and_after_the_end(zc: ZoomClient) -> None:
    mid = (await zc.new_meeting())["id"]
    before = await zc.api("GET", f"/past_meetings/{mid}/participants")
    assert before.status_code == 404 and before.json()["code"] == 3001
    report_before = await zc.api("GET", f"/report/meetings/{mid}/participants")
    assert report_before.json() == {
        "code": 3001,
        "message": f'Meeting "{mid}" not found or has expired.',
    }
    held = await held_meeting(zc)
    past = await zc.ok("GET", f"/past_meetings/{held['id']}/participants")
    rows = {(p["name"], p["join_time"]): p for p in past["participants"]}
    assert past["total_records"] == 4  # host, laptop, phone, guest
    host = rows[("Account Owner", "2030-03-04T10:00:00Z")]
    assert host["leave_time"] == "2030-03-04T10:50:00Z" and host["duration"] == 3000
    laptop = rows[("Ana Pop", "2030-03-04T10:02:00Z")]
    assert laptop["leave_time"] == "2030-03-04T10:25:00Z" and laptop["duration"] == 1380
    assert laptop["registrant_id"] == held["registrant_id"]
    phone = rows[("Ana Pop", "2030-03-04T10:05:00Z")]
    assert phone["leave_time"] == "2030-03-04T10:50:00Z" and phone["duration"] == 2700
    guest = rows[("Guest Without Registration", "2030-03-04T10:03:20Z")]
    assert "registrant_id" not in guest and guest["user_email"] == ""
    report = await zc.ok(
        "GET", f"/report/meetings/{held['id']}/participants", params={"page_size": 2}
    )
    assert report["total_records"] == 4 and len(report["participants"]) == 2
    assert "registrant_id" not in report["participants"][1]  # only with include_fields
    with_ids = await zc.ok(
        "GET",
        f"/report/meetings/{held['id']}/participants",
        params={"include_fields": "registrant_id"},
    )
    assert (
        sum(1 for p in with_ids["participants"] if p.get("registrant_id") == held["registrant_id"])
        == 2
    )
    details = await zc.ok("GET", f"/report/meetings/{held['id']}")
    assert details["participants_count"] == 3 and details["duration"] == 50


async def test_one_person_meetings_have_no_participant_report(zc: ZoomClient) -> None:
    mid = (await zc.new_meeting())["id"]
    await zc.ctl("POST", f"/meetings/{mid}/start", json={"host_joins": False})
    await zc.ctl("POST", f"/meetings/{mid}/join", json={"name": "Lonely"})
    await zc.ctl("POST", f"/meetings/{mid}/end", json={"offset_seconds": 60})
    past = await zc.ok("GET", f"/past_meetings/{mid}/participants")
    assert past["total_records"] == 0 and past["participants"] == []


async def test_paid_plan_required_for_past_participants(zoom_factory: ZoomFactory) -> None:
    async with zoom_factory(plan="free") as zc:
        held = await held_meeting(zc)
        refused = await zc.api("GET", f"/past_meetings/{held['id']}/participants")
        assert refused.status_code == 400 and refused.json()["code"] == 200


async def test_recordings_download_and_delete(zoom_factory: ZoomFactory, sink: Any) -> None:
    async with zoom_factory(webhook_url=sink.url) as zc:
        held = await held_meeting(zc)
        mid = held["id"]
        none_yet = await zc.api("GET", f"/meetings/{mid}/recordings")
        assert none_yet.json() == {
            "code": 3301,
            "message": "There is no recording for this meeting.",
        }
        await zc.ctl("POST", f"/meetings/{mid}/recording", json={"include_chat": True})
        await zc.ctl("POST", f"/meetings/{mid}/transcript", json={})
        recording = await zc.ok(
            "GET", f"/meetings/{mid}/recordings", params={"include_fields": "download_access_token"}
        )
        files = {f["file_type"]: f for f in recording["recording_files"]}
        assert set(files) == {"MP4", "M4A", "CHAT", "TRANSCRIPT"}
        assert recording["recording_count"] == 4
        assert recording["total_size"] == sum(f["file_size"] for f in files.values())
        video = files["MP4"]
        anonymous = await zc.http.get(video["download_url"])
        assert anonymous.status_code == 401
        by_token = await zc.http.get(
            video["download_url"],
            headers={"Authorization": f"Bearer {zc.token}"},
            follow_redirects=True,
        )
        assert by_token.status_code == 200 and len(by_token.content) == video["file_size"]
        with_access = await zc.http.get(
            video["download_url"],
            headers={"Authorization": f"Bearer {recording['download_access_token']}"},
            follow_redirects=True,
        )
        assert (
            hashlib.sha256(with_access.content).digest()
            == hashlib.sha256(by_token.content).digest()
        )
        await zc.ctl("POST", "/webhooks/drain", json={})
        event = sink.events("recording.transcript_completed")[0]
        transcript = event["payload"]["object"]["recording_files"][0]
        vtt = await zc.http.get(
            transcript["download_url"],
            headers={"Authorization": f"Bearer {event['download_token']}"},
            follow_redirects=True,
        )
        assert vtt.text.startswith("WEBVTT") and "Ana Pop" in vtt.text
        assert len(vtt.content) == transcript["file_size"]
        # Trash one file, then the whole recording permanently.
        trashed = await zc.api("DELETE", f"/meetings/{mid}/recordings/{files['CHAT']['id']}")
        assert trashed.status_code == 200
        remaining = await zc.ok("GET", f"/meetings/{mid}/recordings")
        assert {f["file_type"] for f in remaining["recording_files"]} == {
            "MP4",
            "M4A",
            "TRANSCRIPT",
        }
        in_trash = await zc.ok(
            "GET",
            "/users/me/recordings",
            params={"from": "2030-03-01", "to": "2030-03-04", "trash": "true"},
        )
        assert [f["file_type"] for m in in_trash["meetings"] for f in m["recording_files"]] == [
            "CHAT"
        ]
        listed = await zc.ok(
            "GET", "/users/me/recordings", params={"from": "2030-03-01", "to": "2030-03-31"}
        )
        assert listed["total_records"] == 1 and listed["from"] == "2030-03-01"
        too_wide = await zc.api(
            "GET", "/users/me/recordings", params={"from": "2030-01-01", "to": "2030-03-01"}
        )
        assert too_wide.status_code == 400 and too_wide.json()["code"] == 300
        assert (
            await zc.api("DELETE", f"/meetings/{mid}/recordings", params={"action": "delete"})
        ).status_code == 200
        assert (await zc.api("GET", f"/meetings/{mid}/recordings")).json()["code"] == 3301
        gone = await zc.http.get(
            video["download_url"], headers={"Authorization": f"Bearer {zc.token}"}
        )
        assert gone.status_code == 404
