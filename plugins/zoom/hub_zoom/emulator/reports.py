"""Past meetings, past webinars and reports: what Zoom recorded about held meetings.

All of it exists only once a meeting instance has ended; before that Zoom answers
404/3001, and so does the emulator.  A meeting id selects the latest ended instance,
a UUID (double URL-encoded when it starts with ``/`` or contains ``//``) a specific one.

Participant rows are one per join (per device), with the exact join and leave times
and durations in seconds produced by the simulator.  Zoom returns no participants for
meetings attended by fewer than two people (``report_min_participants``).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any
from urllib.parse import unquote

from litestar import Request, Response, get

from .clock import isoformat
from .errors import ZoomError
from .httputil import json_response, query, token_of
from .models import Instance, Kind, Meeting, Session
from .state import ZoomEmulator

API = {"zoom": "api"}


def _emulator(request: Request[Any, Any, Any]) -> ZoomEmulator:
    return request.app.state.emulator  # type: ignore[no-any-return]


def _paid_only(emulator: ZoomEmulator, account_id: str) -> None:
    if emulator.plans.get(account_id) == "free":
        raise ZoomError(400, 200, f"Only available for paid account: {account_id}")


def _resolve(
    request: Request[Any, Any, Any], ref: str, kind: Kind, style: str
) -> tuple[ZoomEmulator, Meeting, Instance]:
    emulator = _emulator(request)
    token = token_of(request)
    found = emulator.past_instance(ref, token, kind)
    if found is None:
        shown = unquote(ref)
        noun = "Webinar" if kind == "webinar" else "Meeting"
        if style == "report":
            raise ZoomError(404, 3001, f'{noun} "{shown}" not found or has expired.')
        if style == "not_end":
            raise ZoomError(404, 3001, f"{noun} ID is invalid or not end.")
        raise ZoomError(404, 3001, f"{noun} does not exist: {shown}.")
    return emulator, found[0], found[1]


def _duration(session: Session) -> int:
    assert session.leave_time is not None
    return int((session.leave_time - session.join_time).total_seconds())


def _enough_people(emulator: ZoomEmulator, instance: Instance) -> bool:
    people = {s.person_key for s in instance.sessions}
    return len(people) >= emulator.config.report_min_participants


def _past_row(session: Session) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": session.zoom_user_id,
        "name": session.name,
        "user_id": session.user_id,
        "user_email": session.email,
        "join_time": isoformat(session.join_time),
        "leave_time": isoformat(session.leave_time) if session.leave_time else "",
        "duration": _duration(session),
        "failover": False,
        "status": "in_meeting",
        "internal_user": session.internal_user,
    }
    if session.registrant_id:
        row["registrant_id"] = session.registrant_id
    return row


def _report_row(session: Session, with_registrant: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": session.zoom_user_id,
        "user_id": session.user_id,
        "participant_user_id": session.participant_user_id,
        "name": session.name,
        "user_email": session.email,
        "join_time": isoformat(session.join_time),
        "leave_time": isoformat(session.leave_time) if session.leave_time else "",
        "duration": _duration(session),
        "customer_key": session.customer_key,
        "bo_mtg_id": "",
        "failover": False,
        "status": "in_meeting",
    }
    if with_registrant and session.registrant_id:
        row["registrant_id"] = session.registrant_id
    return row


async def _participants(
    request: Request[Any, Any, Any], ref: str, kind: Kind, report: bool
) -> Response[bytes]:
    emulator, meeting, instance = _resolve(request, ref, kind, "report" if report else "past")
    _paid_only(emulator, meeting.account_id)
    params = query(request)
    sessions = instance.sessions if _enough_people(emulator, instance) else []
    page = emulator.paginator.page(sessions, params, scope=f"participants:{report}:{instance.uuid}")
    with_registrant = "registrant_id" in (params.get("include_fields") or "")
    page.items = [_report_row(s, with_registrant) if report else _past_row(s) for s in page.items]
    return json_response(page.envelope("participants", with_page_number=False))


def _details(emulator: ZoomEmulator, meeting: Meeting, instance: Instance) -> dict[str, Any]:
    host = emulator.host_of(meeting)
    assert instance.end_time is not None
    seconds = (instance.end_time - instance.start_time).total_seconds()
    total = sum(_duration(s) for s in instance.sessions if s.leave_time is not None)
    return {
        "uuid": instance.uuid,
        "id": meeting.id,
        "host_id": meeting.host_id,
        "type": meeting.type,
        "topic": meeting.topic,
        "user_name": host.display_name,
        "user_email": host.email,
        "start_time": isoformat(instance.start_time),
        "end_time": isoformat(instance.end_time),
        "duration": max(0, round(seconds / 60)),
        "total_minutes": round(total / 60),
        "participants_count": len({s.person_key for s in instance.sessions}),
        "dept": "",
        "source": "Zoom",
    }


def _grouped(entries: list[dict[str, Any]], fields: tuple[str, ...]) -> list[dict[str, Any]]:
    groups: OrderedDict[tuple[str, str], list[dict[str, Any]]] = OrderedDict()
    for entry in entries:
        key = (str(entry.get("name", "")), str(entry.get("email", "")))
        groups.setdefault(key, []).append(
            {name: str(entry[name]) for name in fields if entry.get(name) is not None}
        )
    return [
        {"name": name, "email": email, "question_details": details}
        for (name, email), details in groups.items()
    ]


async def _qa(request: Request[Any, Any, Any], ref: str, kind: Kind) -> Response[bytes]:
    _, meeting, instance = _resolve(request, ref, kind, "not_end")
    return json_response(
        {
            "id": meeting.id,
            "uuid": instance.uuid,
            "start_time": isoformat(instance.start_time),
            "questions": _grouped(instance.qa, ("question", "answer")),
        }
    )


async def _polls(request: Request[Any, Any, Any], ref: str, kind: Kind) -> Response[bytes]:
    _, meeting, instance = _resolve(request, ref, kind, "not_end")
    return json_response(
        {
            "id": meeting.id,
            "uuid": instance.uuid,
            "start_time": isoformat(instance.start_time),
            "questions": _grouped(
                instance.poll_answers, ("answer", "date_time", "polling_id", "question")
            ),
        }
    )


# ---------------------------------------------------------------------- routes


@get(
    "/past_meetings/{meetingId:str}/participants",
    opt={**API, "category": "medium", "operation": "pastMeetingParticipants"},
)
async def past_meeting_participants(
    request: Request[Any, Any, Any], meetingId: str
) -> Response[bytes]:
    return await _participants(request, meetingId, "meeting", report=False)


@get(
    "/past_webinars/{webinarId:str}/participants",
    opt={**API, "category": "medium", "operation": "listWebinarParticipants"},
)
async def past_webinar_participants(
    request: Request[Any, Any, Any], webinarId: str
) -> Response[bytes]:
    return await _participants(request, webinarId, "webinar", report=False)


@get(
    "/report/meetings/{meetingId:str}/participants",
    opt={**API, "category": "heavy", "operation": "reportMeetingParticipants"},
)
async def report_meeting_participants(
    request: Request[Any, Any, Any], meetingId: str
) -> Response[bytes]:
    return await _participants(request, meetingId, "meeting", report=True)


@get(
    "/report/webinars/{webinarId:str}/participants",
    opt={**API, "category": "heavy", "operation": "reportWebinarParticipants"},
)
async def report_webinar_participants(
    request: Request[Any, Any, Any], webinarId: str
) -> Response[bytes]:
    return await _participants(request, webinarId, "webinar", report=True)


@get(
    "/past_meetings/{meetingId:str}",
    opt={**API, "category": "light", "operation": "pastMeetingDetails"},
)
async def past_meeting_details(request: Request[Any, Any, Any], meetingId: str) -> Response[bytes]:
    emulator, meeting, instance = _resolve(request, meetingId, "meeting", "past")
    return json_response(_details(emulator, meeting, instance))


@get(
    "/report/meetings/{meetingId:str}",
    opt={**API, "category": "heavy", "operation": "reportMeetingDetails"},
)
async def report_meeting_details(
    request: Request[Any, Any, Any], meetingId: str
) -> Response[bytes]:
    emulator, meeting, instance = _resolve(request, meetingId, "meeting", "report")
    _paid_only(emulator, meeting.account_id)
    body = _details(emulator, meeting, instance)
    body.pop("host_id")
    body.pop("source")
    body["custom_keys"] = []
    body["tracking_fields"] = [dict(t) for t in meeting.tracking_fields]
    return json_response(body)


@get(
    "/report/webinars/{webinarId:str}",
    opt={**API, "category": "heavy", "operation": "reportWebinarDetails"},
)
async def report_webinar_details(
    request: Request[Any, Any, Any], webinarId: str
) -> Response[bytes]:
    emulator, meeting, instance = _resolve(request, webinarId, "webinar", "report")
    _paid_only(emulator, meeting.account_id)
    body = _details(emulator, meeting, instance)
    body.pop("host_id")
    body.pop("source")
    body["custom_keys"] = []
    body["tracking_fields"] = [dict(t) for t in meeting.tracking_fields]
    return json_response(body)


@get(
    "/past_meetings/{meetingId:str}/instances",
    opt={**API, "category": "medium", "operation": "pastMeetings"},
)
async def past_meeting_instances(
    request: Request[Any, Any, Any], meetingId: str
) -> Response[bytes]:
    emulator = _emulator(request)
    meeting = emulator.meeting(meetingId, "meeting", token_of(request))
    return json_response(
        {
            "meetings": [
                {"uuid": i.uuid, "start_time": isoformat(i.start_time)}
                for i in meeting.instances
                if i.ended
            ]
        }
    )


@get(
    "/past_webinars/{webinarId:str}/polls",
    opt={**API, "category": "medium", "operation": "listPastWebinarPollResults"},
)
async def past_webinar_polls(request: Request[Any, Any, Any], webinarId: str) -> Response[bytes]:
    return await _polls(request, webinarId, "webinar")


@get(
    "/past_webinars/{webinarId:str}/qa",
    opt={**API, "category": "medium", "operation": "listPastWebinarQA"},
)
async def past_webinar_qa(request: Request[Any, Any, Any], webinarId: str) -> Response[bytes]:
    return await _qa(request, webinarId, "webinar")


@get(
    "/past_meetings/{meetingId:str}/polls",
    opt={**API, "category": "medium", "operation": "listPastMeetingPolls"},
)
async def past_meeting_polls(request: Request[Any, Any, Any], meetingId: str) -> Response[bytes]:
    return await _polls(request, meetingId, "meeting")


@get(
    "/past_meetings/{meetingId:str}/qa",
    opt={**API, "category": "medium", "operation": "listPastMeetingQA"},
)
async def past_meeting_qa(request: Request[Any, Any, Any], meetingId: str) -> Response[bytes]:
    return await _qa(request, meetingId, "meeting")


ROUTES = [
    past_meeting_participants,
    past_webinar_participants,
    report_meeting_participants,
    report_webinar_participants,
    past_meeting_details,
    report_meeting_details,
    report_webinar_details,
    past_meeting_instances,
    past_webinar_polls,
    past_webinar_qa,
    past_meeting_polls,
    past_meeting_qa,
]
