"""Convenience methods against the emulator: shapes, pagination, limits, error mapping."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hub_zoom.api import (
    ZoomCapacityReached,
    ZoomClient,
    ZoomHostCannotRegister,
    ZoomMeetingOver,
    ZoomNotFound,
    ZoomValidationError,
    encode_uuid,
    segment,
)

from .conftest import ZoomEnv

LIST_REGISTRANTS = "GET /v2/meetings/{meetingId}/registrants"
BATCH = "POST /v2/meetings/{meetingId}/batch_registrants"

# Starts with "/" and contains "//": must be double-encoded in paths.
AWKWARD_UUID = "/Ab+cd//efGHijklmnopq=="


# --- meetings and registrants -----------------------------------------------------------


async def test_meeting_lifecycle(zoom: ZoomEnv, client: ZoomClient) -> None:
    meeting = await zoom.meeting(client, topic="Launch")
    assert meeting["join_url"] and meeting["registration_url"]
    await client.update_meeting(meeting["id"], {"topic": "Launch (moved)", "duration": 90})
    fetched = await client.get_meeting(meeting["id"])
    assert (fetched["topic"], fetched["duration"]) == ("Launch (moved)", 90)
    listed = await client.list_meetings("me")
    assert [m["id"] for m in listed] == [meeting["id"]]
    await client.delete_meeting(
        meeting["id"], cancel_meeting_reminder=True, schedule_for_reminder=False
    )
    with pytest.raises(ZoomNotFound) as caught:
        await client.get_meeting(meeting["id"])
    assert (caught.value.status, caught.value.code) == (404, 3001)
    assert not caught.value.retryable


@pytest.mark.parametrize("emulator_overrides", [{"plan": "business"}])
async def test_listing_1000_registrants_reads_every_page(zoom: ZoomEnv) -> None:
    client = zoom.client()
    meeting = await zoom.meeting(client)
    everyone = zoom.people(1000)
    for start in range(0, 1000, 30):
        added = await client.batch_registrants(
            meeting["id"], everyone[start : start + 30], auto_approve=True
        )
        assert len(added) == len(everyone[start : start + 30])
    assert await zoom.control.calls(BATCH) == 34
    registrants = await client.list_registrants(meeting["id"], status="approved")
    assert len(registrants) == 1000
    assert len({r["id"] for r in registrants}) == 1000
    assert {r["email"] for r in registrants} == {p["email"] for p in everyone}
    assert await zoom.control.calls(LIST_REGISTRANTS) == 4  # 300 + 300 + 300 + 100
    streamed = [
        r async for r in client.paginate(f"/meetings/{meeting['id']}/registrants", "registrants")
    ]
    assert len(streamed) == 1000


async def test_batch_is_limited_to_30_before_calling_zoom(
    zoom: ZoomEnv, client: ZoomClient
) -> None:
    meeting = await zoom.meeting(client)
    with pytest.raises(ValueError, match="at most 30"):
        await client.batch_registrants(meeting["id"], zoom.people(31))
    with pytest.raises(ValueError, match="email"):
        await client.batch_registrants(meeting["id"], [{"email": "x@example.com"}])
    assert await zoom.control.calls(BATCH) == 0
    added = await client.batch_registrants(meeting["id"], zoom.people(30), auto_approve=True)
    assert len(added) == 30 and all(r["join_url"] for r in added)


async def test_registrant_add_get_cancel(zoom: ZoomEnv, client: ZoomClient) -> None:
    meeting = await zoom.meeting(client)
    created = await client.add_registrant(
        meeting["id"], {"email": "ann@example.com", "first_name": "Ann", "last_name": "Lee"}
    )
    assert created["id"] == meeting["id"] and created["join_url"]
    registrant = await client.get_registrant(meeting["id"], created["registrant_id"])
    assert registrant["email"] == "ann@example.com" and registrant["status"] == "approved"
    await client.update_registrant_status(
        meeting["id"], "cancel", [{"id": created["registrant_id"], "email": "ann@example.com"}]
    )
    assert await client.list_registrants(meeting["id"]) == []
    with pytest.raises(ValueError, match="action"):
        await client.update_registrant_status(meeting["id"], "remove", [{"id": "x"}])  # type: ignore[arg-type]


async def test_pending_registrants_are_approved(zoom: ZoomEnv, client: ZoomClient) -> None:
    meeting = await zoom.meeting(client, settings={"approval_type": 1})
    for person in zoom.people(3, "pending"):
        await client.add_registrant(meeting["id"], person)
    pending = await client.list_registrants(meeting["id"], status="pending")
    assert len(pending) == 3
    await client.update_registrant_status(
        meeting["id"], "approve", [{"id": r["id"], "email": r["email"]} for r in pending]
    )
    assert len(await client.list_registrants(meeting["id"], status="approved")) == 3


# --- error mapping ---------------------------------------------------------------------


async def test_host_cannot_register(zoom: ZoomEnv, client: ZoomClient) -> None:
    meeting = await zoom.meeting(client)
    with pytest.raises(ZoomHostCannotRegister) as caught:
        await client.add_registrant(
            meeting["id"], {"email": "owner@example.com", "first_name": "Owner"}
        )
    assert caught.value.code == 3027 and not caught.value.retryable


@pytest.mark.parametrize("emulator_overrides", [{"meeting_registrant_limit": 2}])
async def test_capacity_reached(zoom: ZoomEnv, client: ZoomClient) -> None:
    meeting = await zoom.meeting(client)
    for person in zoom.people(2):
        await client.add_registrant(meeting["id"], person)
    with pytest.raises(ZoomCapacityReached) as caught:
        await client.add_registrant(meeting["id"], {"email": "late@example.com", "first_name": "L"})
    assert caught.value.code == 3043


async def test_meeting_over(zoom: ZoomEnv, client: ZoomClient) -> None:
    meeting = await zoom.meeting(client)
    await zoom.control.start_meeting(meeting["id"])
    await zoom.control.end_meeting(meeting["id"])
    with pytest.raises(ZoomMeetingOver) as caught:
        await client.add_registrant(meeting["id"], {"email": "x@example.com", "first_name": "X"})
    assert caught.value.code == 3038


async def test_validation_error_carries_zoom_fields(zoom: ZoomEnv, client: ZoomClient) -> None:
    meeting = await zoom.meeting(client)
    with pytest.raises(ZoomValidationError) as caught:
        await client.add_registrant(meeting["id"], {"email": "nobody@example.com"})
    assert caught.value.code == 300
    assert any(e.get("field") == "first_name" for e in caught.value.errors)


async def test_unknown_user_is_not_found(zoom: ZoomEnv, client: ZoomClient) -> None:
    with pytest.raises(ZoomNotFound) as caught:
        await client.create_meeting("nobody@example.com", zoom.meeting_body())
    assert caught.value.code == 1001


# --- attendance, UUIDs, recordings -----------------------------------------------------


async def _held_meeting(zoom: ZoomEnv, client: ZoomClient, uuid: str) -> dict[str, Any]:
    meeting = await zoom.meeting(client)
    created = await client.add_registrant(
        meeting["id"], {"email": "guest@example.com", "first_name": "Guest"}
    )
    await zoom.control.start_meeting(meeting["id"], uuid=uuid)
    await zoom.control.join(meeting["id"], registrant_id=created["registrant_id"])
    await zoom.control.end_meeting(meeting["id"], offset_seconds=1800)
    meeting["registrant_id"] = created["registrant_id"]
    return meeting


async def test_attendance_of_an_instance_with_a_double_encoded_uuid(
    zoom: ZoomEnv, client: ZoomClient
) -> None:
    meeting = await _held_meeting(zoom, client, AWKWARD_UUID)
    past = await client.past_meeting_participants(AWKWARD_UUID)
    report = await client.report_meeting_participants(AWKWARD_UUID)
    details = await client.past_meeting_details(AWKWARD_UUID)
    assert details["uuid"] == AWKWARD_UUID
    for listing in (past, report):
        assert meeting["registrant_id"] in {p.get("registrant_id") for p in listing}
    # Zoom does not find such an instance when the UUID is encoded only once.
    with pytest.raises(ZoomNotFound):
        await client.request(
            "GET", f"/past_meetings/{segment(AWKWARD_UUID)}/participants", category="medium"
        )
    assert encode_uuid(AWKWARD_UUID).startswith("%252F")


async def test_recordings_get_list_delete(zoom: ZoomEnv, client: ZoomClient) -> None:
    meeting = await _held_meeting(zoom, client, "Qk9PT0tTQk9PT0tTQk9PTw==")
    await zoom.control.record(meeting["id"])
    recording = await client.get_recordings(meeting["id"], include_download_token=True, ttl=600)
    assert recording["recording_files"] and recording["download_access_token"]
    today = date.fromisoformat(recording["start_time"][:10])
    listed = await client.list_user_recordings(
        "me", from_date=today - timedelta(days=75), to_date=today
    )
    assert [r["uuid"] for r in listed] == [recording["uuid"]]
    assert await zoom.control.calls("GET /v2/users/{userId}/recordings") == 3  # 30-day windows
    first = recording["recording_files"][0]
    await client.delete_recording_file(meeting["id"], first["id"], action="trash")
    await client.delete_recordings(meeting["id"], action="delete")
    with pytest.raises(ZoomNotFound) as caught:
        await client.get_recordings(meeting["id"])
    assert caught.value.code == 3301


# --- webinars ---------------------------------------------------------------------------


async def test_webinar_registrants_panelists_polls(zoom: ZoomEnv, client: ZoomClient) -> None:
    webinar = await client.create_webinar(
        "me",
        {
            "topic": "Webinar",
            "type": 5,
            "start_time": "2030-02-01T10:00:00Z",
            "duration": 60,
            "settings": {"approval_type": 0},
        },
    )
    webinar_id = webinar["id"]
    await client.update_webinar(webinar_id, {"topic": "Webinar (renamed)"})
    assert (await client.get_webinar(webinar_id))["topic"] == "Webinar (renamed)"

    one = await client.add_webinar_registrant(
        webinar_id, {"email": "w1@example.com", "first_name": "W"}
    )
    batch = await client.batch_webinar_registrants(
        webinar_id, zoom.people(5, "wb"), auto_approve=True
    )
    assert len(batch) == 5
    listed = await client.list_webinar_registrants(webinar_id)
    assert len(listed) == 6
    fetched = await client.get_webinar_registrant(webinar_id, one["registrant_id"])
    assert fetched["email"] == "w1@example.com"
    await client.update_webinar_registrant_status(
        webinar_id, "cancel", [{"id": one["registrant_id"], "email": "w1@example.com"}]
    )
    assert len(await client.list_webinar_registrants(webinar_id)) == 5

    await client.add_panelists(webinar_id, [{"name": "Pat", "email": "pat@example.com"}])
    panelists = await client.list_panelists(webinar_id)
    assert [p["email"] for p in panelists] == ["pat@example.com"]
    await client.remove_panelist(webinar_id, panelists[0]["id"])
    assert await client.list_panelists(webinar_id) == []

    poll = await client.create_webinar_poll(
        webinar_id,
        {
            "title": "Q1",
            "questions": [
                {"name": "Colour?", "type": "single", "answers": ["red", "blue"]},
            ],
        },
    )
    assert [p["id"] for p in await client.list_webinar_polls(webinar_id)] == [poll["id"]]
    await client.delete_webinar_poll(webinar_id, poll["id"])
    assert await client.list_webinar_polls(webinar_id) == []

    await client.delete_webinar(webinar_id, cancel_webinar_reminder=True)
    with pytest.raises(ZoomNotFound):
        await client.get_webinar(webinar_id)


async def test_users(client: ZoomClient) -> None:
    me = await client.users_me()
    users = await client.list_users(status="active")
    assert [u["id"] for u in users] == [me["id"]]
    assert (await client.get_user(me["email"]))["id"] == me["id"]


async def test_webinar_attendance_polls_and_qa(zoom: ZoomEnv, client: ZoomClient) -> None:
    webinar = await client.create_webinar(
        "me",
        {
            "topic": "Talk",
            "type": 5,
            "start_time": "2030-03-01T10:00:00Z",
            "duration": 60,
            "settings": {"approval_type": 0},
        },
    )
    webinar_id = webinar["id"]
    guest = await client.add_webinar_registrant(
        webinar_id, {"email": "viewer@example.com", "first_name": "Viewer"}
    )
    await zoom.control.start_meeting(webinar_id)
    await zoom.control.join(webinar_id, registrant_id=guest["registrant_id"])
    await zoom.control.post(
        f"/meetings/{webinar_id}/qa",
        {"questions": [{"name": "Viewer", "email": "viewer@example.com", "question": "Why?"}]},
    )
    await zoom.control.post(
        f"/meetings/{webinar_id}/poll_answers",
        {
            "answers": [
                {"name": "Viewer", "email": "viewer@example.com", "question": "Q", "answer": "A"}
            ]
        },
    )
    await zoom.control.end_meeting(webinar_id, offset_seconds=600)
    report = await client.report_webinar_participants(webinar_id)
    past = await client.past_webinar_participants(webinar_id)
    for listing in (report, past):
        assert guest["registrant_id"] in {p.get("registrant_id") for p in listing}
    qa = await client.past_webinar_qa(webinar_id)
    polls = await client.past_webinar_polls(webinar_id)
    assert [q["email"] for q in qa["questions"]] == ["viewer@example.com"]
    assert [q["email"] for q in polls["questions"]] == ["viewer@example.com"]
