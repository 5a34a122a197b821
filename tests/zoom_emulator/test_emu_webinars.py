"""Webinars: CRUD, registration rules, panelists, polls, Q&A and practice sessions."""

from __future__ import annotations

from typing import Any

ZoomClient = Any  # fixtures from conftest.py
ZoomFactory = Any


async def test_webinar_crud_and_settings(zc: ZoomClient) -> None:
    created = await zc.new_webinar(
        settings={
            "approval_type": 0,
            "practice_session": True,
            "question_and_answer": {"enable": True, "allow_anonymous_questions": False},
        }
    )
    wid = created["id"]
    assert created["type"] == 5
    assert created["settings"]["practice_session"] is True
    assert created["settings"]["question_and_answer"]["allow_anonymous_questions"] is False
    assert created["settings"]["question_and_answer"]["attendees_can_upvote"] is True
    assert created["h323_passcode"] and created["registration_url"]
    listing = await zc.ok("GET", "/users/me/webinars")
    assert [w["id"] for w in listing["webinars"]] == [wid]
    assert (
        await zc.api("PATCH", f"/webinars/{wid}", json={"settings": {"practice_session": False}})
    ).status_code == 204
    assert (await zc.ok("GET", f"/webinars/{wid}"))["settings"]["practice_session"] is False
    assert (await zc.api("GET", f"/meetings/{wid}")).status_code == 404  # not a meeting
    assert (await zc.api("DELETE", f"/webinars/{wid}")).status_code == 204
    missing = await zc.api("GET", f"/webinars/{wid}")
    assert missing.json() == {"code": 3001, "message": f"Webinar does not exist: {wid}."}


async def test_webinar_needs_a_licence(zoom_factory: ZoomFactory) -> None:
    async with zoom_factory(plan="free") as zc:
        refused = await zc.api("POST", "/users/me/webinars", json={"topic": "w"})
        assert refused.status_code == 400 and refused.json()["code"] == 200


async def test_registration_rules_and_capacity(zoom_factory: ZoomFactory) -> None:
    async with zoom_factory(webinar_capacity=2) as zc:
        wid = (await zc.new_webinar(settings={"approval_type": 1}))["id"]
        await zc.ok(
            "POST",
            f"/webinars/{wid}/panelists",
            201,
            json={"panelists": [{"name": "Pan", "email": "pan@example.com"}]},
        )
        host = await zc.api(
            "POST",
            f"/webinars/{wid}/registrants",
            json={"email": "owner@example.com", "first_name": "O"},
        )
        assert host.json()["code"] == 3027
        panelist = await zc.api(
            "POST",
            f"/webinars/{wid}/registrants",
            json={"email": "pan@example.com", "first_name": "P"},
        )
        assert panelist.json()["code"] == 3000
        added = await zc.ok(
            "POST",
            f"/webinars/{wid}/batch_registrants",
            201,
            json={
                "registrants": [
                    {"email": f"r{i}@example.com", "first_name": f"R{i}"} for i in range(2)
                ]
            },
        )
        assert "participant_pin_code" not in added["registrants"][0]
        full = await zc.api(
            "POST",
            f"/webinars/{wid}/registrants",
            json={"email": "r9@example.com", "first_name": "R"},
        )
        assert full.json()["code"] == 3043
        rids = [r["registrant_id"] for r in added["registrants"]]
        await zc.ctl("POST", "/clock/advance", json={"seconds": 1})
        deny = await zc.api(
            "PUT",
            f"/webinars/{wid}/registrants/status",
            json={"action": "deny", "registrants": [{"id": rids[0]}]},
        )
        assert deny.status_code == 204
        await zc.ok(
            "POST",
            f"/webinars/{wid}/registrants",
            201,
            json={"email": "r9@example.com", "first_name": "R"},
        )
        approve_all = await zc.api(
            "PUT",
            f"/webinars/{wid}/registrants/status",
            json={
                "action": "approve",
                "registrants": [{"id": rid} for rid in rids] + [{"email": "r9@example.com"}],
            },
        )
        assert approve_all.status_code == 400 and approve_all.json()["code"] == 3035
        unknown = await zc.api("GET", f"/webinars/{wid}/registrants/nope")
        assert unknown.json()["code"] == 3079


async def test_panelists_and_polls(zc: ZoomClient) -> None:
    wid = (await zc.new_webinar())["id"]
    body = {
        "panelists": [
            {"name": "A", "email": "a@example.com"},
            {"name": "B", "email": "b@example.com"},
        ]
    }
    added = await zc.ok("POST", f"/webinars/{wid}/panelists", 201, json=body)
    assert added["id"] == str(wid) and added["updated_at"]
    panelists = await zc.ok("GET", f"/webinars/{wid}/panelists")
    assert panelists["total_records"] == 2 and panelists["panelists"][0]["join_url"]
    pid = panelists["panelists"][0]["id"]
    assert (await zc.api("DELETE", f"/webinars/{wid}/panelists/{pid}")).status_code == 204
    assert (await zc.ok("GET", f"/webinars/{wid}/panelists"))["total_records"] == 1
    assert (await zc.api("DELETE", f"/webinars/{wid}/panelists")).status_code == 204
    assert (await zc.ok("GET", f"/webinars/{wid}/panelists"))["total_records"] == 0
    poll_body = {
        "title": "Lunch",
        "questions": [{"name": "Pizza?", "type": "single", "answers": ["yes", "no"]}],
    }
    poll = await zc.ok("POST", f"/webinars/{wid}/polls", 201, json=poll_body)
    assert poll["status"] == "notstart" and poll["title"] == "Lunch"
    assert (
        await zc.api("PUT", f"/webinars/{wid}/polls/{poll['id']}", json={"title": "Dinner"})
    ).status_code == 204
    assert (await zc.ok("GET", f"/webinars/{wid}/polls/{poll['id']}"))["title"] == "Dinner"
    assert (await zc.ok("GET", f"/webinars/{wid}/polls"))["total_records"] == 1
    assert (await zc.api("DELETE", f"/webinars/{wid}/polls/{poll['id']}")).status_code == 204
    assert (await zc.api("GET", f"/webinars/{wid}/polls/{poll['id']}")).status_code == 404
    invalid = await zc.api(
        "POST", f"/webinars/{wid}/polls", json={"title": "x" * 65, "questions": []}
    )
    assert invalid.status_code == 400


async def test_past_webinar_qa_and_polls_only_after_the_end(zc: ZoomClient) -> None:
    wid = (await zc.new_webinar())["id"]
    reg = await zc.ok(
        "POST",
        f"/webinars/{wid}/registrants",
        201,
        json={"email": "q@example.com", "first_name": "Q"},
    )
    for path in ("qa", "polls", "participants"):
        early = await zc.api("GET", f"/past_webinars/{wid}/{path}")
        assert early.status_code == 404 and early.json()["code"] == 3001
    await zc.ctl("POST", f"/meetings/{wid}/start", json={"practice_session": False})
    await zc.ctl(
        "POST",
        f"/meetings/{wid}/join",
        json={"registrant_id": reg["registrant_id"], "offset_seconds": 5},
    )
    await zc.ctl(
        "POST",
        f"/meetings/{wid}/qa",
        json={
            "questions": [
                {"name": "Q", "email": "q@example.com", "question": "Slides?", "answer": "Yes"}
            ]
        },
    )
    await zc.ctl(
        "POST",
        f"/meetings/{wid}/poll_answers",
        json={
            "answers": [
                {
                    "name": "Q",
                    "email": "q@example.com",
                    "question": "Pizza?",
                    "answer": "yes",
                    "polling_id": "p1",
                }
            ]
        },
    )
    assert (await zc.api("GET", f"/past_webinars/{wid}/qa")).status_code == 404  # still running
    await zc.ctl("POST", f"/meetings/{wid}/end", json={"offset_seconds": 1800})
    qa = await zc.ok("GET", f"/past_webinars/{wid}/qa")
    assert qa["questions"] == [
        {
            "name": "Q",
            "email": "q@example.com",
            "question_details": [{"question": "Slides?", "answer": "Yes"}],
        }
    ]
    polls = await zc.ok("GET", f"/past_webinars/{wid}/polls")
    assert polls["questions"][0]["question_details"][0]["answer"] == "yes"
    report = await zc.ok(
        "GET", f"/report/webinars/{wid}/participants", params={"include_fields": "registrant_id"}
    )
    attendee = next(p for p in report["participants"] if p["user_email"] == "q@example.com")
    assert attendee["registrant_id"] == reg["registrant_id"]
    assert attendee["duration"] == 1795
